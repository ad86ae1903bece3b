-- Demo material as a typed flag (issue 9): a value written by the demo is illustrative,
-- whatever its note says; any other write of it makes it real. Until now the demo was told
-- apart by its note, so existing demo values are marked by that exact note, once.
--
-- Kept in lockstep with the other backend's 0006_illustrative_values.sql.

ALTER TABLE indicator_values ADD COLUMN illustrative BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE approved_values ADD COLUMN illustrative BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE indicator_values SET illustrative = TRUE
 WHERE note = 'Số liệu minh họa (demo), không phải số liệu chính thức';

UPDATE approved_values SET illustrative = TRUE
 WHERE note = 'Số liệu minh họa (demo), không phải số liệu chính thức';
