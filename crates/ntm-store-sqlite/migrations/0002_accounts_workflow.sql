-- Accounts (users, their grants, sessions, API tokens) and the approval workflow
-- (submissions and the approved snapshot of values), SQLite dialect.
--
-- Kept in lockstep with ntm-store-postgres/migrations/0002_accounts_workflow.sql (same
-- tables, columns, nullability and keys; the conformance tests check it). The dialect
-- choices of 0001 hold: STRICT tables, timestamps as RFC 3339 TEXT in UTC, booleans as
-- INTEGER 0/1, key columns NOT NULL explicitly.

-- Passwords only as argon2id PHC strings. Usernames compare case-sensitively (BINARY
-- collation, PostgreSQL's `=`); the app lower-cases them before storing.
CREATE TABLE users (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    full_name      TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at     TEXT NOT NULL
) STRICT;

-- A role on a unit's subtree.
CREATE TABLE user_grants (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    unit_id  TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, role, unit_id)
) STRICT;

-- The cookie holds a random secret; only its hash is stored.
CREATE TABLE sessions (
    id_hash     TEXT NOT NULL PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);

-- Personal API tokens; only their hash is stored.
CREATE TABLE api_tokens (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Where one unit's values for one year stand; a unit-year without a row is a draft.
CREATE TABLE submissions (
    unit_id     TEXT NOT NULL REFERENCES units (id),
    year        INTEGER NOT NULL,
    status      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    comment     TEXT,
    PRIMARY KEY (unit_id, year)
) STRICT;

CREATE INDEX submissions_year ON submissions (year);

-- The values of a unit-year as last approved; replaced on every approval, kept when the
-- unit-year is reopened.
CREATE TABLE approved_values (
    unit_id       TEXT NOT NULL,
    year          INTEGER NOT NULL,
    indicator_id  TEXT NOT NULL,
    value         TEXT NOT NULL,
    note          TEXT,
    entered_by    TEXT NOT NULL,
    entered_at    TEXT NOT NULL,
    approved_at   TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, indicator_id),
    FOREIGN KEY (unit_id, year) REFERENCES submissions (unit_id, year)
) STRICT;
