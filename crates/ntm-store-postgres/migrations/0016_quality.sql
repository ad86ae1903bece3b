-- Data quality (issue 17): the reasons a commune gives for the warnings its values raise
-- (one per finding, kept across re-checks by the finding's rule, indicator and criterion),
-- the evidence files attached to a value (bytes kept here, quota'd per unit, served only
-- as downloads), the office's corrections of the shipped map points, and the office's
-- boundary files (one per tree: after or before the 2025 reform), kept simplified.
-- Their writes, and those of recognition dossiers (the regression rule reads them), bump
-- the 'quality' data version.
--
-- Kept in lockstep with the other backend's 0016_quality.sql.

CREATE TABLE quality_explanations (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    indicator_id  TEXT NOT NULL,
    criterion_id  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    explained_at  TIMESTAMPTZ NOT NULL,
    explained_by  TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, rule_id, indicator_id, criterion_id)
);

CREATE TABLE evidence_files (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    indicator_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    bytes         BYTEA NOT NULL,
    attached_at   TIMESTAMPTZ NOT NULL,
    attached_by   TEXT NOT NULL
);

CREATE INDEX evidence_files_unit_year ON evidence_files (unit_id, year);
CREATE INDEX evidence_files_year ON evidence_files (year);

CREATE TABLE map_points (
    code    TEXT NOT NULL PRIMARY KEY,
    lat     TEXT NOT NULL,
    lon     TEXT NOT NULL,
    note    TEXT NOT NULL,
    set_at  TIMESTAMPTZ NOT NULL,
    set_by  TEXT NOT NULL
);

CREATE TABLE boundary_files (
    tree         TEXT NOT NULL PRIMARY KEY CHECK (tree IN ('pre', 'post')),
    name         TEXT NOT NULL,
    geojson      TEXT NOT NULL,
    features     BIGINT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    uploaded_by  TEXT NOT NULL
);

INSERT INTO data_versions (kind, version) VALUES ('quality', 0);

CREATE TRIGGER quality_explanations_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON quality_explanations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');

CREATE TRIGGER evidence_files_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON evidence_files
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');

CREATE TRIGGER map_points_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON map_points
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');

CREATE TRIGGER boundary_files_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON boundary_files
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');

CREATE TRIGGER recognition_dossiers_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON recognition_dossiers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');

CREATE TRIGGER recognition_entries_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON recognition_entries
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');
