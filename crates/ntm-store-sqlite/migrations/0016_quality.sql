-- Data quality (issue 17): the reasons a commune gives for the warnings its values raise
-- (one per finding, kept across re-checks by the finding's rule, indicator and criterion),
-- the evidence files attached to a value (bytes kept here, quota'd per unit, served only
-- as downloads), the office's corrections of the shipped map points, and the office's
-- boundary files (one per tree: after or before the 2025 reform), kept simplified.
-- Their writes, and those of recognition dossiers (the regression rule reads them), bump
-- the 'quality' data version.
--
-- Kept in lockstep with the other backend's 0016_quality.sql.

CREATE TABLE quality_explanations (
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    indicator_id  TEXT NOT NULL,
    criterion_id  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    explained_at  TEXT NOT NULL,
    explained_by  TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, rule_id, indicator_id, criterion_id)
) STRICT;

CREATE TABLE evidence_files (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_id       TEXT NOT NULL REFERENCES units (id),
    year          INTEGER NOT NULL,
    indicator_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    bytes         BLOB NOT NULL,
    attached_at   TEXT NOT NULL,
    attached_by   TEXT NOT NULL
) STRICT;

CREATE INDEX evidence_files_unit_year ON evidence_files (unit_id, year);
CREATE INDEX evidence_files_year ON evidence_files (year);

CREATE TABLE map_points (
    code    TEXT NOT NULL PRIMARY KEY,
    lat     TEXT NOT NULL,
    lon     TEXT NOT NULL,
    note    TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
) STRICT;

CREATE TABLE boundary_files (
    tree         TEXT NOT NULL PRIMARY KEY CHECK (tree IN ('pre', 'post')),
    name         TEXT NOT NULL,
    geojson      TEXT NOT NULL,
    features     INTEGER NOT NULL,
    uploaded_at  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL
) STRICT;

INSERT INTO data_versions (kind, version) VALUES ('quality', 0);

CREATE TRIGGER quality_explanations_insert_bumps_quality AFTER INSERT ON quality_explanations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER quality_explanations_update_bumps_quality AFTER UPDATE ON quality_explanations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER quality_explanations_delete_bumps_quality AFTER DELETE ON quality_explanations
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER evidence_files_insert_bumps_quality AFTER INSERT ON evidence_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER evidence_files_update_bumps_quality AFTER UPDATE ON evidence_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER evidence_files_delete_bumps_quality AFTER DELETE ON evidence_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER map_points_insert_bumps_quality AFTER INSERT ON map_points
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER map_points_update_bumps_quality AFTER UPDATE ON map_points
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER map_points_delete_bumps_quality AFTER DELETE ON map_points
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER boundary_files_insert_bumps_quality AFTER INSERT ON boundary_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER boundary_files_update_bumps_quality AFTER UPDATE ON boundary_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER boundary_files_delete_bumps_quality AFTER DELETE ON boundary_files
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_dossiers_insert_bumps_quality AFTER INSERT ON recognition_dossiers
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_dossiers_update_bumps_quality AFTER UPDATE ON recognition_dossiers
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_dossiers_delete_bumps_quality AFTER DELETE ON recognition_dossiers
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_entries_insert_bumps_quality AFTER INSERT ON recognition_entries
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_entries_update_bumps_quality AFTER UPDATE ON recognition_entries
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;

CREATE TRIGGER recognition_entries_delete_bumps_quality AFTER DELETE ON recognition_entries
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE kind = 'quality';
END;
