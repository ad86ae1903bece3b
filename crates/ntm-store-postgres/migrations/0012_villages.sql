-- Villages and model gardens (issue 13): the villages (thôn, tổ dân phố, khu dân cư) a
-- commune registers, with their own history (merged into another village); the gardens
-- of their households; the titles the commune or district gives them (model residential
-- area, model garden), withdrawn with grounds but never deleted; and the values of their
-- assessments against Hà Tĩnh's sets.
--
-- Kept in lockstep with the other backend's 0012_villages.sql.

CREATE TABLE villages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id    TEXT NOT NULL REFERENCES units (id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('thon', 'to_dan_pho', 'khu_dan_cu')),
    valid_from    DATE NOT NULL,
    valid_to      DATE,
    successor_id  BIGINT REFERENCES villages (id),
    note          TEXT NOT NULL,
    illustrative  BOOLEAN NOT NULL,
    UNIQUE (commune_id, code)
);

CREATE TABLE gardens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    village_id    BIGINT NOT NULL REFERENCES villages (id),
    household     TEXT NOT NULL,
    area_m2       TEXT,
    valid_from    DATE NOT NULL,
    valid_to      DATE,
    note          TEXT NOT NULL,
    illustrative  BOOLEAN NOT NULL
);

CREATE INDEX gardens_village ON gardens (village_id);

CREATE TABLE village_titles (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('village', 'garden')),
    subject_id        BIGINT NOT NULL,
    year              INTEGER NOT NULL,
    number            TEXT NOT NULL,
    signed_on         DATE NOT NULL,
    body              TEXT NOT NULL CHECK (body IN ('commune', 'district')),
    withdrawn_on      DATE,
    withdrawn_number  TEXT,
    withdrawn_reason  TEXT,
    note              TEXT NOT NULL,
    illustrative      BOOLEAN NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    recorded_by       TEXT NOT NULL
);

CREATE INDEX village_titles_subject ON village_titles (subject_kind, subject_id);

CREATE TABLE village_values (
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('village', 'garden')),
    subject_id    BIGINT NOT NULL,
    year          INTEGER NOT NULL,
    indicator     TEXT NOT NULL,
    value         TEXT NOT NULL,
    note          TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, year, indicator)
);
