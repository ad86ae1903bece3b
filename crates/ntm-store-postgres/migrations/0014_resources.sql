-- Sponsorship and mobilised resources (issue 15): an organisation sponsors (đỡ đầu) a
-- commune or one of its villages for a period under the Steering Committee's assignment,
-- with commitments (money, in-kind, labour days, works; each with the criterion it
-- serves) and the contributions recorded against them, which the office confirms or
-- refuses once; the money mobilised per unit and year by source and purpose, plan and
-- actual, kept under the unit it was recorded for (placed on a later tree by the lineage
-- when read).
--
-- Kept in lockstep with the other backend's 0014_resources.sql.

CREATE TABLE sponsorships (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    unit_id          TEXT NOT NULL REFERENCES units (id),
    village_id       BIGINT REFERENCES villages (id),
    starts_on        DATE NOT NULL,
    ends_on          DATE,
    document         TEXT NOT NULL,
    document_date    DATE,
    goal             TEXT NOT NULL,
    note             TEXT NOT NULL,
    illustrative     BOOLEAN NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE INDEX sponsorships_organisation ON sponsorships (organisation_id);
CREATE INDEX sponsorships_unit ON sponsorships (unit_id);

CREATE TABLE sponsor_commitments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sponsorship_id  BIGINT NOT NULL REFERENCES sponsorships (id),
    kind            TEXT NOT NULL CHECK (kind IN ('money', 'in_kind', 'labour', 'works')),
    description     TEXT NOT NULL,
    criterion       TEXT NOT NULL,
    quantity        TEXT,
    value           TEXT NOT NULL,
    due_on          DATE,
    illustrative    BOOLEAN NOT NULL
);

CREATE INDEX sponsor_commitments_sponsorship ON sponsor_commitments (sponsorship_id);

CREATE TABLE sponsor_contributions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commitment_id  BIGINT NOT NULL REFERENCES sponsor_commitments (id),
    given_on       DATE NOT NULL,
    value          TEXT NOT NULL,
    quantity       TEXT,
    evidence       TEXT NOT NULL,
    file_name      TEXT,
    file_bytes     BYTEA,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    confirmed      BOOLEAN,
    decided_by     TEXT,
    decided_at     TIMESTAMPTZ,
    reason         TEXT,
    illustrative   BOOLEAN NOT NULL,
    CHECK ((confirmed IS NULL) = (decided_at IS NULL))
);

CREATE INDEX sponsor_contributions_commitment ON sponsor_contributions (commitment_id);

CREATE TABLE fund_lines (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    source        TEXT NOT NULL,
    criterion     TEXT NOT NULL,
    work          TEXT NOT NULL,
    work_key      TEXT NOT NULL,
    planned       TEXT NOT NULL,
    actual        TEXT NOT NULL,
    document      TEXT NOT NULL,
    note          TEXT NOT NULL,
    illustrative  BOOLEAN NOT NULL,
    UNIQUE (unit_id, year, source, criterion, work_key)
);
