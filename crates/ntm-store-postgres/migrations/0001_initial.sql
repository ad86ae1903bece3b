-- The ntm schema, PostgreSQL dialect.
--
-- Kept in lockstep with ntm-store-sqlite/migrations/0001_initial.sql: the same file
-- names, tables, columns and nullability (the conformance tests `migrations_are_in_lockstep`
-- and `schemas_are_equivalent` check it). A migration once released is never edited; a
-- change is a new numbered file in both folders.
--
-- Tables are created unqualified, in the first schema of the connection's search_path, so
-- that one database can hold several isolated stores (the tests use one schema each).

CREATE TABLE units (
    id          TEXT NOT NULL PRIMARY KEY,
    code        TEXT NOT NULL,
    level       TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    source      TEXT NOT NULL
);

CREATE INDEX units_code ON units (code);

CREATE TABLE unit_versions (
    unit_id     TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    name        TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    -- Deferred so that a batch may name a parent that it inserts later.
    parent_id   TEXT REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    search_key  TEXT NOT NULL,
    PRIMARY KEY (unit_id, valid_from)
);

CREATE TABLE unit_lineage (
    from_id     TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    to_id       TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    effective   DATE NOT NULL,
    kind        TEXT NOT NULL,
    basis       TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id)
);

CREATE TABLE unit_attributes (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    valid_from    DATE NOT NULL,
    valid_to      DATE,
    source        TEXT NOT NULL,
    illustrative  BOOLEAN NOT NULL,
    PRIMARY KEY (unit_id, key, valid_from)
);

CREATE TABLE criteria_sets (
    id           TEXT NOT NULL,
    version      BIGINT NOT NULL,
    title        TEXT NOT NULL,
    source_text  TEXT NOT NULL,
    imported_at  TIMESTAMPTZ NOT NULL,
    imported_by  TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE indicator_values (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    indicator_id  TEXT NOT NULL,
    value         TEXT NOT NULL,
    note          TEXT,
    entered_by    TEXT NOT NULL,
    entered_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (unit_id, year, indicator_id)
);

CREATE INDEX indicator_values_year ON indicator_values (year);

-- Append-only: the store never updates or deletes a row; ids only grow, so "newest first"
-- is "id descending".
CREATE TABLE audit_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    unit_id      TEXT,
    before       TEXT,
    after        TEXT,
    reason       TEXT NOT NULL
);

CREATE INDEX audit_events_target ON audit_events (target_kind, target_id);
CREATE INDEX audit_events_unit ON audit_events (unit_id);
