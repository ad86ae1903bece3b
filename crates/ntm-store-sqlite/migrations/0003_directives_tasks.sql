-- Directives and their tasks, organisations, progress reports, notifications and the
-- reminders sent (issue 5), SQLite dialect.
--
-- Kept in lockstep with ntm-store-postgres/migrations/0003_directives_tasks.sql (same
-- tables, columns, nullability and keys; the conformance tests check it). The dialect
-- choices of 0001 hold: STRICT tables, dates as TEXT `YYYY-MM-DD`, timestamps as RFC 3339
-- TEXT in UTC, booleans as INTEGER 0/1, files as BLOB, key columns NOT NULL explicitly.

-- A provincial department (sở), a mass organisation, an enterprise.
CREATE TABLE organisations (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- A department user reports on the tasks of its organisations only.
CREATE TABLE user_organisations (
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (user_id, organisation_id)
) STRICT;

CREATE INDEX user_organisations_organisation ON user_organisations (organisation_id);

-- A document of the Steering Committee or the office, with the file itself.
CREATE TABLE directives (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    file_name   TEXT,
    file_bytes  BLOB,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    CHECK ((file_name IS NULL) = (file_bytes IS NULL))
) STRICT;

-- A task of a directive; a task "for all communes of X" is a parent with one child per
-- commune. The lead is exactly one of a unit and an organisation. Completion: marked done
-- by the assignee (completed_at, completion_proof), confirmed by the office.
CREATE TABLE tasks (
    id                    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    directive_id          INTEGER NOT NULL REFERENCES directives (id),
    parent_id             INTEGER REFERENCES tasks (id),
    code                  TEXT NOT NULL,
    text                  TEXT NOT NULL,
    lead_unit_id          TEXT REFERENCES units (id),
    lead_organisation_id  INTEGER REFERENCES organisations (id),
    deadline              TEXT,
    recurrence            TEXT,
    expected_output       TEXT NOT NULL,
    serves                TEXT NOT NULL,
    completed_at          TEXT,
    completion_proof      TEXT,
    confirmed_at          TEXT,
    confirmed_by          TEXT,
    created_at            TEXT NOT NULL,
    CHECK ((lead_unit_id IS NULL) <> (lead_organisation_id IS NULL)),
    CHECK (confirmed_at IS NULL OR completed_at IS NOT NULL)
) STRICT;

CREATE INDEX tasks_directive ON tasks (directive_id);
CREATE INDEX tasks_parent ON tasks (parent_id);
CREATE INDEX tasks_lead_unit ON tasks (lead_unit_id);
CREATE INDEX tasks_lead_organisation ON tasks (lead_organisation_id);

-- The cooperating units and organisations of a task, in their order.
CREATE TABLE task_cooperators (
    task_id          INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    unit_id          TEXT REFERENCES units (id),
    organisation_id  INTEGER REFERENCES organisations (id),
    PRIMARY KEY (task_id, position),
    CHECK ((unit_id IS NULL) <> (organisation_id IS NULL))
) STRICT;

-- Progress reports; one that marks the task done sets the task's completion.
CREATE TABLE task_reports (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    task_id           INTEGER NOT NULL REFERENCES tasks (id),
    at                TEXT NOT NULL,
    reported_by       TEXT NOT NULL,
    text              TEXT NOT NULL,
    percent           INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    attachment_name   TEXT,
    attachment_bytes  BLOB,
    marks_done        INTEGER NOT NULL CHECK (marks_done IN (0, 1)),
    CHECK ((attachment_name IS NULL) = (attachment_bytes IS NULL))
) STRICT;

CREATE INDEX task_reports_task ON task_reports (task_id);

-- Notifications of a user; not audited.
CREATE TABLE notifications (
    id       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    text     TEXT NOT NULL,
    link     TEXT,
    read_at  TEXT
) STRICT;

CREATE INDEX notifications_user ON notifications (user_id, at);

-- Reminders sent; the key makes sending one twice impossible.
CREATE TABLE reminders_sent (
    task_id  INTEGER NOT NULL REFERENCES tasks (id),
    kind     TEXT NOT NULL,
    due_on   TEXT NOT NULL,
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (task_id, kind, due_on)
) STRICT;
