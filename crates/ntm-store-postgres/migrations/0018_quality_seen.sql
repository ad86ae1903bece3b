-- The findings a commune was shown when it saved its values (issue 17), so that the
-- data-quality page can count what was corrected: a finding seen once and no longer raised
-- by the values now saved. Derived from the checks of audited value saves, written with the
-- reasons in the same step; a finding raised again is opened again. Writes bump the
-- 'quality' data version.
--
-- Kept in lockstep with the other backend's 0018_quality_seen.sql.

CREATE TABLE quality_findings_seen (
    unit_id        TEXT NOT NULL REFERENCES units (id),
    year           INTEGER NOT NULL,
    finding_key    TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'blocking')),
    message        TEXT NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    resolved_at    TIMESTAMPTZ,
    PRIMARY KEY (unit_id, year, finding_key)
);

CREATE INDEX quality_findings_seen_year ON quality_findings_seen (year);

CREATE TRIGGER quality_findings_seen_bumps_quality AFTER INSERT OR UPDATE OR DELETE ON quality_findings_seen
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('quality');
