-- The ntm schema, SQLite dialect.
--
-- Kept in lockstep with ntm-store-postgres/migrations/0001_initial.sql: the same file
-- names, tables, columns and nullability (the conformance tests `migrations_are_in_lockstep`
-- and `schemas_are_equivalent` check it). A migration once released is never edited; a
-- change is a new numbered file in both folders.
--
-- Dialect choices: STRICT tables so a wrongly typed bind fails instead of being stored;
-- dates are TEXT `YYYY-MM-DD` and timestamps RFC 3339 TEXT in UTC (as sqlx's chrono
-- encoding writes them), so both compare and sort as text; booleans are INTEGER 0/1.
-- Key columns are declared NOT NULL explicitly because SQLite, unlike PostgreSQL, would
-- otherwise accept NULL in a non-integer primary key.

CREATE TABLE units (
    id          TEXT NOT NULL PRIMARY KEY,
    code        TEXT NOT NULL,
    level       TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    source      TEXT NOT NULL
) STRICT;

CREATE INDEX units_code ON units (code);

CREATE TABLE unit_versions (
    unit_id     TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    name        TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    -- Deferred so that a batch may name a parent that it inserts later.
    parent_id   TEXT REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    search_key  TEXT NOT NULL,
    PRIMARY KEY (unit_id, valid_from)
) STRICT;

CREATE TABLE unit_lineage (
    from_id     TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    to_id       TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    effective   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    basis       TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id)
) STRICT;

CREATE TABLE unit_attributes (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    source        TEXT NOT NULL,
    illustrative  INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    PRIMARY KEY (unit_id, key, valid_from)
) STRICT;

CREATE TABLE criteria_sets (
    id           TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    source_text  TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE indicator_values (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    indicator_id  TEXT NOT NULL,
    value         TEXT NOT NULL,
    note          TEXT,
    entered_by    TEXT NOT NULL,
    entered_at    TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, indicator_id)
) STRICT;

CREATE INDEX indicator_values_year ON indicator_values (year);

-- Append-only: the store never updates or deletes a row. AUTOINCREMENT so that ids only
-- grow and "newest first" is "id descending".
CREATE TABLE audit_events (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    unit_id      TEXT,
    before       TEXT,
    after        TEXT,
    reason       TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_target ON audit_events (target_kind, target_id);
CREATE INDEX audit_events_unit ON audit_events (unit_id);
