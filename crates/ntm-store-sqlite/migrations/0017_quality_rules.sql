-- Data-quality rules edited by the office (issue 17): each saved rules file of a criteria
-- set is a new version, never overwritten, so a finding can be traced to the rules that
-- made it. A set with no version here is checked by the file shipped with ntm. Writes bump
-- the 'quality' data version.
--
-- Kept in lockstep with the other backend's 0017_quality_rules.sql.

CREATE TABLE quality_rule_files (
    set_id       TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    source_text  TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    saved_by     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (set_id, version)
) STRICT;

CREATE TRIGGER quality_rule_files_insert_bumps_quality AFTER INSERT ON quality_rule_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER quality_rule_files_update_bumps_quality AFTER UPDATE ON quality_rule_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER quality_rule_files_delete_bumps_quality AFTER DELETE ON quality_rule_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;
