-- E-mail digests of notifications (issue 5): a user's address, and when each notification
-- went out by e-mail so that a digest never sends it twice.
--
-- Kept in lockstep with the other backend's 0004_email.sql.

ALTER TABLE users ADD COLUMN email TEXT;

ALTER TABLE notifications ADD COLUMN emailed_at TEXT;
