-- Versions of the data that evaluations read, bumped by triggers in the same transaction
-- as every write to their tables, whatever path wrote it (the web, the CLI, an import in
-- another process). Readers keep the unit tree, the catalogue and the values in memory and
-- reload only what changed: one small read per request tells them.
CREATE TABLE data_versions (
    kind     TEXT NOT NULL PRIMARY KEY,
    version  BIGINT NOT NULL
);

INSERT INTO data_versions (kind, version) VALUES ('units', 0), ('criteria', 0), ('values', 0), ('tasks', 0);

-- Once per statement, not per row: a batch of 45,000 values bumps the version once.
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = TG_ARGV[0];
    RETURN NULL;
END;
$$;

CREATE TRIGGER units_bumps_units AFTER INSERT OR UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('units');

CREATE TRIGGER unit_versions_bumps_units AFTER INSERT OR UPDATE OR DELETE ON unit_versions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('units');

CREATE TRIGGER unit_lineage_bumps_units AFTER INSERT OR UPDATE OR DELETE ON unit_lineage
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('units');

CREATE TRIGGER unit_attributes_bumps_units AFTER INSERT OR UPDATE OR DELETE ON unit_attributes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('units');

CREATE TRIGGER criteria_sets_bumps_criteria AFTER INSERT OR UPDATE OR DELETE ON criteria_sets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('criteria');

CREATE TRIGGER indicator_values_bumps_values AFTER INSERT OR UPDATE OR DELETE ON indicator_values
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('values');

CREATE TRIGGER submissions_bumps_values AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('values');

CREATE TRIGGER approved_values_bumps_values AFTER INSERT OR UPDATE OR DELETE ON approved_values
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('values');

CREATE TRIGGER organisations_bumps_tasks AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('tasks');

CREATE TRIGGER directives_bumps_tasks AFTER INSERT OR UPDATE OR DELETE ON directives
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('tasks');

CREATE TRIGGER tasks_bumps_tasks AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('tasks');

CREATE TRIGGER task_cooperators_bumps_tasks AFTER INSERT OR UPDATE OR DELETE ON task_cooperators
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('tasks');

CREATE TRIGGER task_reports_bumps_tasks AFTER INSERT OR UPDATE OR DELETE ON task_reports
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('tasks');
