-- Data-quality rules edited by the office (issue 17): each saved rules file of a criteria
-- set is a new version, never overwritten, so a finding can be traced to the rules that
-- made it. A set with no version here is checked by the file shipped with ntm. Writes bump
-- the 'quality' data version.
--
-- Kept in lockstep with the other backend's 0017_quality_rules.sql.

CREATE TABLE quality_rule_files (
    set_id       TEXT NOT NULL,
    version      BIGINT NOT NULL CHECK (version > 0),
    source_text  TEXT NOT NULL,
    saved_at     TIMESTAMPTZ NOT NULL,
    saved_by     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (set_id, version)
);

CREATE TRIGGER quality_rule_files_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON quality_rule_files
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');
