-- Targets (issue 13): plans with the document that set them, their targets, and the
-- shares of a target to lower units; and recognition dossiers for districts and the
-- province (their subject, and the central tier as verifier).
--
-- Kept in lockstep with the other backend's 0010_targets.sql. SQLite cannot change a
-- CHECK in place: both recognition tables are rebuilt, the child first dropped, so the
-- foreign key never points at a missing table.

CREATE TABLE recognition_dossiers_new (
    id                     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_id                TEXT NOT NULL REFERENCES units (id),
    subject                TEXT NOT NULL DEFAULT 'commune'
                           CHECK (subject IN ('commune', 'district', 'province')),
    level                  TEXT NOT NULL CHECK (level IN ('standard', 'advanced', 'model')),
    year                   INTEGER NOT NULL,
    verifier               TEXT NOT NULL CHECK (verifier IN ('district', 'province', 'central')),
    satisfaction_pct       TEXT,
    no_construction_debt   INTEGER CHECK (no_construction_debt IN (0, 1)),
    not_security_hot_spot  INTEGER CHECK (not_security_hot_spot IN (0, 1)),
    council_yes            INTEGER,
    council_no             INTEGER,
    decision_number        TEXT,
    decision_date          TEXT,
    decision_signer        TEXT,
    created_at             TEXT NOT NULL,
    created_by             TEXT NOT NULL
) STRICT;

INSERT INTO recognition_dossiers_new (id, unit_id, level, year, verifier, satisfaction_pct,
    no_construction_debt, not_security_hot_spot, council_yes, council_no, decision_number,
    decision_date, decision_signer, created_at, created_by)
SELECT id, unit_id, level, year, verifier, satisfaction_pct, no_construction_debt,
    not_security_hot_spot, council_yes, council_no, decision_number, decision_date,
    decision_signer, created_at, created_by
FROM recognition_dossiers;

CREATE TABLE recognition_entries_new (
    dossier_id       INTEGER NOT NULL REFERENCES recognition_dossiers_new (id),
    seq              INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('took', 'sent_back', 'withdrew')),
    step             TEXT NOT NULL,
    to_step          TEXT,
    on_date          TEXT NOT NULL,
    tier             TEXT NOT NULL,
    text             TEXT NOT NULL,
    decision_number  TEXT,
    decision_signer  TEXT,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    PRIMARY KEY (dossier_id, seq)
) STRICT;

INSERT INTO recognition_entries_new SELECT * FROM recognition_entries;

DROP TABLE recognition_entries;
DROP TABLE recognition_dossiers;
ALTER TABLE recognition_dossiers_new RENAME TO recognition_dossiers;
ALTER TABLE recognition_entries_new RENAME TO recognition_entries;

CREATE UNIQUE INDEX recognition_dossiers_unit_level_year
    ON recognition_dossiers (unit_id, level, year);

CREATE TABLE target_plans (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    scope_id      TEXT NOT NULL REFERENCES units (id),
    period        TEXT NOT NULL,
    title         TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    doc_date      TEXT,
    doc_body      TEXT NOT NULL,
    illustrative  INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    note          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
) STRICT;

CREATE TABLE targets (
    plan_id  INTEGER NOT NULL REFERENCES target_plans (id),
    seq      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    amount   TEXT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
) STRICT;

CREATE TABLE target_shares (
    plan_id  INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    unit_id  TEXT NOT NULL REFERENCES units (id),
    amount   TEXT NOT NULL,
    pos      INTEGER NOT NULL,
    PRIMARY KEY (plan_id, seq, unit_id),
    FOREIGN KEY (plan_id, seq) REFERENCES targets (plan_id, seq)
) STRICT;
