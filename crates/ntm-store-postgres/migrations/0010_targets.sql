-- Targets (issue 13): plans with the document that set them, their targets, and the
-- shares of a target to lower units; and recognition dossiers for districts and the
-- province (their subject, and the central tier as verifier).
--
-- Kept in lockstep with the other backend's 0010_targets.sql.

ALTER TABLE recognition_dossiers
    ADD COLUMN subject TEXT NOT NULL DEFAULT 'commune'
    CHECK (subject IN ('commune', 'district', 'province'));
ALTER TABLE recognition_dossiers DROP CONSTRAINT recognition_dossiers_verifier_check;
ALTER TABLE recognition_dossiers ADD CONSTRAINT recognition_dossiers_verifier_check
    CHECK (verifier IN ('district', 'province', 'central'));

CREATE TABLE target_plans (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope_id      TEXT NOT NULL REFERENCES units (id),
    period        TEXT NOT NULL,
    title         TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    doc_date      DATE,
    doc_body      TEXT NOT NULL,
    illustrative  BOOLEAN NOT NULL,
    note          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE targets (
    plan_id  BIGINT NOT NULL REFERENCES target_plans (id),
    seq      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    amount   TEXT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

CREATE TABLE target_shares (
    plan_id  BIGINT NOT NULL,
    seq      INTEGER NOT NULL,
    unit_id  TEXT NOT NULL REFERENCES units (id),
    amount   TEXT NOT NULL,
    pos      INTEGER NOT NULL,
    PRIMARY KEY (plan_id, seq, unit_id),
    FOREIGN KEY (plan_id, seq) REFERENCES targets (plan_id, seq)
);
