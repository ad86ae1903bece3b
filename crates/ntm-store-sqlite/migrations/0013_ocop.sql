-- OCOP (issue 14): producers located in a unit and their products; evaluation rounds at a
-- level under the rule set of their date, with their councils, the products entered, the
-- members' own score sheets, the mandatory conditions (loaded as data) and their checks,
-- the dossiers' files; recognition decisions with their certificates (ended once, with
-- grounds, never deleted); support paid per product and year; expiry alerts sent.
--
-- Kept in lockstep with the other backend's 0013_ocop.sql.

CREATE TABLE ocop_producers (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('htx', 'tht', 'dn', 'ho')),
    unit_id         TEXT NOT NULL REFERENCES units (id),
    address         TEXT NOT NULL,
    registration    TEXT NOT NULL,
    representative  TEXT NOT NULL,
    phone           TEXT NOT NULL,
    note            TEXT NOT NULL,
    illustrative    INTEGER NOT NULL CHECK (illustrative IN (0, 1))
) STRICT;

CREATE TABLE ocop_products (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    producer_id       INTEGER NOT NULL REFERENCES ocop_producers (id),
    name              TEXT NOT NULL,
    product_set       TEXT,
    group_1048        INTEGER,
    collective_brand  INTEGER NOT NULL CHECK (collective_brand IN (0, 1)),
    regional          INTEGER NOT NULL CHECK (regional IN (0, 1)),
    national_code     TEXT NOT NULL,
    description       TEXT NOT NULL,
    note              TEXT NOT NULL,
    illustrative      INTEGER NOT NULL CHECK (illustrative IN (0, 1))
) STRICT;

CREATE INDEX ocop_products_producer ON ocop_products (producer_id);

CREATE TABLE ocop_rounds (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('commune', 'district', 'province', 'central')),
    unit_id         TEXT NOT NULL REFERENCES units (id),
    held_on         TEXT NOT NULL,
    rule_set        TEXT NOT NULL CHECK (rule_set IN ('1048', '148', '148-1489')),
    secretary_id    INTEGER NOT NULL REFERENCES users (id),
    outlier_points  TEXT NOT NULL,
    closed_at       TEXT,
    closed_by       TEXT,
    note            TEXT NOT NULL,
    illustrative    INTEGER NOT NULL CHECK (illustrative IN (0, 1))
) STRICT;

CREATE TABLE ocop_round_members (
    round_id  INTEGER NOT NULL REFERENCES ocop_rounds (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (round_id, user_id)
) STRICT;

CREATE TABLE ocop_entries (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    round_id    INTEGER NOT NULL REFERENCES ocop_rounds (id),
    product_id  INTEGER NOT NULL REFERENCES ocop_products (id),
    note        TEXT NOT NULL,
    checked_on  TEXT,
    checked_by  TEXT,
    check_note  TEXT,
    UNIQUE (round_id, product_id)
) STRICT;

CREATE TABLE ocop_sheets (
    entry_id      INTEGER NOT NULL REFERENCES ocop_entries (id),
    member_id     INTEGER NOT NULL REFERENCES users (id),
    part_a        TEXT NOT NULL,
    part_b        TEXT NOT NULL,
    part_c        TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,
    PRIMARY KEY (entry_id, member_id)
) STRICT;

CREATE TABLE ocop_conditions (
    rule_set     TEXT NOT NULL CHECK (rule_set IN ('1048', '148', '148-1489')),
    product_set  TEXT NOT NULL,
    stars        INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    code         TEXT NOT NULL,
    text         TEXT NOT NULL,
    source       TEXT NOT NULL,
    PRIMARY KEY (rule_set, product_set, code)
) STRICT;

CREATE TABLE ocop_checks (
    entry_id  INTEGER NOT NULL REFERENCES ocop_entries (id),
    code      TEXT NOT NULL,
    met       INTEGER NOT NULL CHECK (met IN (0, 1)),
    PRIMARY KEY (entry_id, code)
) STRICT;

CREATE TABLE ocop_files (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    entry_id     INTEGER NOT NULL REFERENCES ocop_entries (id),
    part         TEXT NOT NULL,
    name         TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    note         TEXT NOT NULL,
    attached_at  TEXT NOT NULL,
    attached_by  TEXT NOT NULL
) STRICT;

CREATE INDEX ocop_files_entry ON ocop_files (entry_id);

CREATE TABLE ocop_certificates (
    id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    product_id          INTEGER NOT NULL REFERENCES ocop_products (id),
    stars               INTEGER NOT NULL CHECK (stars BETWEEN 3 AND 5),
    level               TEXT NOT NULL CHECK (level IN ('commune', 'district', 'province', 'central')),
    rule_set            TEXT NOT NULL CHECK (rule_set IN ('1048', '148', '148-1489')),
    year                INTEGER NOT NULL,
    decision_number     TEXT NOT NULL,
    decision_date       TEXT NOT NULL,
    certificate_number  TEXT NOT NULL,
    entry_id            INTEGER REFERENCES ocop_entries (id),
    ended_kind          TEXT CHECK (ended_kind IN ('revoked', 'lapsed')),
    ended_on            TEXT,
    ended_number        TEXT,
    ended_reason        TEXT,
    note                TEXT NOT NULL,
    illustrative        INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    recorded_at         TEXT NOT NULL,
    recorded_by         TEXT NOT NULL
) STRICT;

CREATE INDEX ocop_certificates_product ON ocop_certificates (product_id);

-- One decision per entry of a round: a second submit of the same form is refused.
CREATE UNIQUE INDEX ocop_certificates_entry ON ocop_certificates (entry_id) WHERE entry_id IS NOT NULL;

CREATE TABLE ocop_support (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    product_id    INTEGER NOT NULL REFERENCES ocop_products (id),
    year          INTEGER NOT NULL,
    category      TEXT NOT NULL,
    source        TEXT NOT NULL,
    amount        TEXT NOT NULL,
    document      TEXT NOT NULL,
    note          TEXT NOT NULL,
    illustrative  INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
    UNIQUE (product_id, year, category, source, document)
) STRICT;

CREATE TABLE ocop_alerts (
    certificate_id  INTEGER NOT NULL REFERENCES ocop_certificates (id),
    days            INTEGER NOT NULL,
    sent_at         TEXT NOT NULL,
    PRIMARY KEY (certificate_id, days)
) STRICT;
