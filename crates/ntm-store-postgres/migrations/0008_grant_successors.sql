-- A grant carries to the units that took its unit over by a merger (issue 11: the
-- officer of old Kỳ Lạc works for the new Xã Kỳ Lạc from 2025-07-01); the office may turn
-- it off for one grant. Existing grants follow, as the mapping says.
--
-- Kept in lockstep with the other backend's 0008_grant_successors.sql.

ALTER TABLE user_grants ADD COLUMN follows_successors BOOLEAN NOT NULL DEFAULT TRUE;
