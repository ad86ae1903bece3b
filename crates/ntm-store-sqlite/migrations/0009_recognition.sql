-- Recognition dossiers (issue 13): one per unit, level and year of the standard, with the
-- conditions answered, the council vote and the decision; and their history, to which
-- entries are only added (each step taken, each send-back with its reason, a withdrawal).
--
-- Kept in lockstep with the other backend's 0009_recognition.sql.

CREATE TABLE recognition_dossiers (
    id                     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_id                TEXT NOT NULL REFERENCES units (id),
    level                  TEXT NOT NULL CHECK (level IN ('standard', 'advanced', 'model')),
    year                   INTEGER NOT NULL,
    verifier               TEXT NOT NULL CHECK (verifier IN ('district', 'province')),
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

CREATE UNIQUE INDEX recognition_dossiers_unit_level_year
    ON recognition_dossiers (unit_id, level, year);

CREATE TABLE recognition_entries (
    dossier_id       INTEGER NOT NULL REFERENCES recognition_dossiers (id),
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
