-- The documents attached to a recognition dossier (issue 13): each at the step the
-- dossier had reached when it was attached, with who attached it and when. Only added.
--
-- Kept in lockstep with the other backend's 0011_recognition_files.sql.

CREATE TABLE recognition_files (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id   BIGINT NOT NULL REFERENCES recognition_dossiers (id),
    step         TEXT NOT NULL,
    name         TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    note         TEXT NOT NULL,
    attached_at  TIMESTAMPTZ NOT NULL,
    attached_by  TEXT NOT NULL
);

CREATE INDEX recognition_files_dossier ON recognition_files (dossier_id);
