-- Versions of the data that evaluations read, bumped by triggers in the same transaction
-- as every write to their tables, whatever path wrote it (the web, the CLI, an import in
-- another process). Readers keep the unit tree, the catalogue and the values in memory and
-- reload only what changed: one small read per request tells them.
CREATE TABLE data_versions (
    kind     TEXT NOT NULL PRIMARY KEY,
    version  INTEGER NOT NULL
) STRICT;

INSERT INTO data_versions (kind, version) VALUES ('units', 0), ('criteria', 0), ('values', 0), ('tasks', 0);

CREATE TRIGGER units_insert_bumps_units AFTER INSERT ON units
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER units_update_bumps_units AFTER UPDATE ON units
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER units_delete_bumps_units AFTER DELETE ON units
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_versions_insert_bumps_units AFTER INSERT ON unit_versions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_versions_update_bumps_units AFTER UPDATE ON unit_versions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_versions_delete_bumps_units AFTER DELETE ON unit_versions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_lineage_insert_bumps_units AFTER INSERT ON unit_lineage
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_lineage_update_bumps_units AFTER UPDATE ON unit_lineage
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_lineage_delete_bumps_units AFTER DELETE ON unit_lineage
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_attributes_insert_bumps_units AFTER INSERT ON unit_attributes
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_attributes_update_bumps_units AFTER UPDATE ON unit_attributes
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER unit_attributes_delete_bumps_units AFTER DELETE ON unit_attributes
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'units';
END;

CREATE TRIGGER criteria_sets_insert_bumps_criteria AFTER INSERT ON criteria_sets
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'criteria';
END;

CREATE TRIGGER criteria_sets_update_bumps_criteria AFTER UPDATE ON criteria_sets
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'criteria';
END;

CREATE TRIGGER criteria_sets_delete_bumps_criteria AFTER DELETE ON criteria_sets
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'criteria';
END;

CREATE TRIGGER indicator_values_insert_bumps_values AFTER INSERT ON indicator_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER indicator_values_update_bumps_values AFTER UPDATE ON indicator_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER indicator_values_delete_bumps_values AFTER DELETE ON indicator_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER submissions_insert_bumps_values AFTER INSERT ON submissions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER submissions_update_bumps_values AFTER UPDATE ON submissions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER submissions_delete_bumps_values AFTER DELETE ON submissions
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER approved_values_insert_bumps_values AFTER INSERT ON approved_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER approved_values_update_bumps_values AFTER UPDATE ON approved_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER approved_values_delete_bumps_values AFTER DELETE ON approved_values
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'values';
END;

CREATE TRIGGER organisations_insert_bumps_tasks AFTER INSERT ON organisations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER organisations_update_bumps_tasks AFTER UPDATE ON organisations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER organisations_delete_bumps_tasks AFTER DELETE ON organisations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER directives_insert_bumps_tasks AFTER INSERT ON directives
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER directives_update_bumps_tasks AFTER UPDATE ON directives
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER directives_delete_bumps_tasks AFTER DELETE ON directives
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER tasks_insert_bumps_tasks AFTER INSERT ON tasks
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER tasks_update_bumps_tasks AFTER UPDATE ON tasks
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER tasks_delete_bumps_tasks AFTER DELETE ON tasks
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_cooperators_insert_bumps_tasks AFTER INSERT ON task_cooperators
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_cooperators_update_bumps_tasks AFTER UPDATE ON task_cooperators
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_cooperators_delete_bumps_tasks AFTER DELETE ON task_cooperators
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_reports_insert_bumps_tasks AFTER INSERT ON task_reports
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_reports_update_bumps_tasks AFTER UPDATE ON task_reports
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;

CREATE TRIGGER task_reports_delete_bumps_tasks AFTER DELETE ON task_reports
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'tasks';
END;
