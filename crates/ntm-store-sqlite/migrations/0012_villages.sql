-- Villages and model gardens (issue 13): the villages (thôn, tổ dân phố, khu dân cư) a
-- commune registers, with their own history (merged into another village); the gardens
-- of their households; the titles the commune or district gives them (model residential
-- area, model garden), withdrawn with grounds but never deleted; and the values of their
-- assessments against Hà Tĩnh's sets.
--
-- Kept in lockstep with the other backend's 0012_villages.sql.

CREATE TABLE villages (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    commune_id    TEXT NOT NULL REFERENCES units (id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('thon', 'to_dan_pho', 'khu_dan_cu')),
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    successor_id  INTEGER REFERENCES villages (id),
    note          TEXT NOT NULL,
    illustrative  INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    UNIQUE (commune_id, code)
) STRICT;

CREATE TABLE gardens (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    village_id    INTEGER NOT NULL REFERENCES villages (id),
    household     TEXT NOT NULL,
    area_m2       TEXT,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    note          TEXT NOT NULL,
    illustrative  INTEGER NOT NULL CHECK (illustrative IN (0, 1))
) STRICT;

CREATE INDEX gardens_village ON gardens (village_id);

CREATE TABLE village_titles (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('village', 'garden')),
    subject_id        INTEGER NOT NULL,
    year              INTEGER NOT NULL,
    number            TEXT NOT NULL,
    signed_on         TEXT NOT NULL,
    body              TEXT NOT NULL CHECK (body IN ('commune', 'district')),
    withdrawn_on      TEXT,
    withdrawn_number  TEXT,
    withdrawn_reason  TEXT,
    note              TEXT NOT NULL,
    illustrative      INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    recorded_at       TEXT NOT NULL,
    recorded_by       TEXT NOT NULL
) STRICT;

CREATE INDEX village_titles_subject ON village_titles (subject_kind, subject_id);

CREATE TABLE village_values (
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('village', 'garden')),
    subject_id    INTEGER NOT NULL,
    year          INTEGER NOT NULL,
    indicator     TEXT NOT NULL,
    value         TEXT NOT NULL,
    note          TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, year, indicator)
) STRICT;
