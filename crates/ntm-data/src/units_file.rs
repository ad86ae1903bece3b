//! Administrative-unit files: snapshot CSVs, the lineage (merge) CSV, and the manifest
//! that places snapshots in time and turns them into units with history.
//!
//! A snapshot lists the tree at one moment (`level,code,name,type,parent_code`); the
//! manifest says from when each snapshot is valid and whether the step into it was a
//! reform (every unit below the province starts anew, linked to its predecessors by the
//! lineage file) or an ordinary rearrangement (a unit keeping its code is the same unit,
//! possibly renamed, re-typed or moved). See `docs/units-format.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use ntm_core::unit::{
    AttributeKey, LineageEdge, LineageKind, Period, Unit, UnitAttribute, UnitVersion,
};
use ntm_core::{UnitId, UnitLevel, UnitType};
use serde::Deserialize;

/// A problem in a unit file, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFileProblem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for UnitFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

fn problem(file: &str, line: Option<usize>, message: impl Into<String>) -> UnitFileProblem {
    UnitFileProblem {
        file: file.to_owned(),
        line,
        message: message.into(),
    }
}

/// One row of a snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub line: usize,
    pub level: UnitLevel,
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub parent_code: Option<String>,
}

/// One row of a lineage file: `old_code` went (wholly, or in part when `partial`) to the
/// unit named in the chosen code column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageRow {
    pub line: usize,
    pub old_code: String,
    pub successor_code: String,
    pub partial: bool,
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

fn headers(
    file: &str,
    rdr: &mut csv::Reader<&[u8]>,
    required: &[&str],
) -> Result<Vec<String>, Vec<UnitFileProblem>> {
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            vec![problem(
                file,
                Some(1),
                format!("không đọc được dòng tiêu đề: {e}"),
            )]
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !headers.iter().any(|h| h == r))
        .collect();
    if missing.is_empty() {
        Ok(headers)
    } else {
        Err(vec![problem(
            file,
            Some(1),
            format!(
                "thiếu cột {}; cần các cột {}",
                missing.join(", "),
                required.join(",")
            ),
        )])
    }
}

/// Parses a snapshot CSV. Every bad row is reported.
pub fn parse_snapshot(file: &str, text: &str) -> Result<Vec<SnapshotRow>, Vec<UnitFileProblem>> {
    let mut rdr = reader(text);
    let headers = headers(
        file,
        &mut rdr,
        &["level", "code", "name", "type", "parent_code"],
    )?;
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .expect("checked in headers()")
    };
    let (c_level, c_code, c_name, c_type, c_parent) = (
        col("level"),
        col("code"),
        col("name"),
        col("type"),
        col("parent_code"),
    );
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, record) in rdr.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(
                    file,
                    Some(line),
                    format!("dòng không đúng định dạng CSV: {e}"),
                ));
                continue;
            }
        };
        let get = |i: usize| record.get(i).unwrap_or("").to_owned();
        let mut bad = |m: String| problems.push(problem(file, Some(line), m));
        let Some(level) = UnitLevel::parse(&get(c_level)) else {
            bad(format!(
                "cấp “{}” không hợp lệ; dùng province, district hoặc commune",
                get(c_level)
            ));
            continue;
        };
        let code = get(c_code);
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
            bad(format!(
                "mã “{code}” không hợp lệ; mã đơn vị hành chính gồm các chữ số"
            ));
            continue;
        }
        let Some(unit_type) = UnitType::parse(&get(c_type)) else {
            bad(format!(
                "loại “{}” không hợp lệ; dùng tỉnh, thành phố, thị xã, huyện, xã, phường hoặc thị trấn",
                get(c_type)
            ));
            continue;
        };
        if unit_type.level() != level {
            bad(format!(
                "loại “{}” không thuộc cấp {}",
                unit_type.as_vi(),
                level.as_str()
            ));
            continue;
        }
        let name = ntm_core::text::nfc(&get(c_name));
        if name.is_empty() {
            bad("thiếu tên đơn vị".into());
            continue;
        }
        if !seen.insert(code.clone()) {
            bad(format!("mã {code} xuất hiện hai lần trong danh sách"));
            continue;
        }
        let parent = get(c_parent);
        let parent_code = (!parent.is_empty()).then_some(parent);
        if level != UnitLevel::Province && parent_code.is_none() {
            bad(format!("đơn vị {code} thiếu mã đơn vị cấp trên"));
            continue;
        }
        rows.push(SnapshotRow {
            line,
            level,
            code,
            name,
            unit_type,
            parent_code,
        });
    }
    let codes: BTreeMap<&str, &SnapshotRow> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    for r in &rows {
        if let Some(p) = &r.parent_code {
            match codes.get(p.as_str()) {
                None => problems.push(problem(
                    file,
                    Some(r.line),
                    format!("mã đơn vị cấp trên {p} không có trong danh sách"),
                )),
                Some(parent) if parent.level >= r.level => problems.push(problem(
                    file,
                    Some(r.line),
                    format!("{p} không phải là đơn vị cấp trên của {}", r.code),
                )),
                Some(_) => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Parses a lineage CSV, taking successors from `code_column`.
pub fn parse_lineage(
    file: &str,
    text: &str,
    code_column: &str,
) -> Result<Vec<LineageRow>, Vec<UnitFileProblem>> {
    let mut rdr = reader(text);
    let headers = headers(file, &mut rdr, &["old_code", code_column])?;
    let c_old = headers
        .iter()
        .position(|h| h == "old_code")
        .expect("checked");
    let c_new = headers
        .iter()
        .position(|h| h == code_column)
        .expect("checked");
    let c_partial = headers.iter().position(|h| h == "partial");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in rdr.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(
                    file,
                    Some(line),
                    format!("dòng không đúng định dạng CSV: {e}"),
                ));
                continue;
            }
        };
        let old_code = record.get(c_old).unwrap_or("").to_owned();
        let successor_code = record.get(c_new).unwrap_or("").to_owned();
        if old_code.is_empty() || successor_code.is_empty() {
            problems.push(problem(file, Some(line), "thiếu mã cũ hoặc mã mới"));
            continue;
        }
        let partial = match c_partial.and_then(|c| record.get(c)).unwrap_or("false") {
            "true" => true,
            "false" | "" => false,
            other => {
                problems.push(problem(
                    file,
                    Some(line),
                    format!("cột partial phải là true hoặc false, không phải “{other}”"),
                ));
                continue;
            }
        };
        rows.push(LineageRow {
            line,
            old_code,
            successor_code,
            partial,
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The manifest of a province's unit files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub province: String,
    /// Region code given to every unit (BTB for Hà Tĩnh), if any.
    pub region: Option<String>,
    pub region_source: Option<String>,
    pub snapshots: Vec<ManifestSnapshot>,
}

/// One snapshot in a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSnapshot {
    pub file: String,
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub reform: bool,
    pub note: Option<String>,
    /// Lineage CSV linking the previous snapshot's units to this one's.
    pub lineage: Option<String>,
    /// Column of the lineage file holding the successor code in this snapshot.
    pub lineage_code_column: Option<String>,
}

/// Parses a manifest.
pub fn parse_manifest(file: &str, text: &str) -> Result<Manifest, Vec<UnitFileProblem>> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        vec![problem(file, line, e.message().to_owned())]
    })?;
    let mut problems = Vec::new();
    if manifest.snapshots.is_empty() {
        problems.push(problem(
            file,
            None,
            "cần ít nhất một danh sách đơn vị (snapshots)",
        ));
    }
    for pair in manifest.snapshots.windows(2) {
        if pair[1].valid_from <= pair[0].valid_from {
            problems.push(problem(
                file,
                None,
                format!("{} phải có hiệu lực sau {}", pair[1].file, pair[0].file),
            ));
        }
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(problems)
    }
}

/// Units with history built from a manifest and its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuiltUnits {
    pub units: Vec<Unit>,
    pub edges: Vec<LineageEdge>,
    pub attributes: Vec<UnitAttribute>,
}

/// Builds units with history. `read` returns the text of a file named in the manifest.
pub fn build_units(
    manifest_file: &str,
    manifest: &Manifest,
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<BuiltUnits, Vec<UnitFileProblem>> {
    let mut problems = Vec::new();
    let mut snapshots: Vec<(&ManifestSnapshot, Vec<SnapshotRow>)> = Vec::new();
    for s in &manifest.snapshots {
        match read(&s.file) {
            Err(e) => problems.push(problem(
                manifest_file,
                None,
                format!("không đọc được {}: {e}", s.file),
            )),
            Ok(text) => match parse_snapshot(&s.file, &text) {
                Ok(rows) => snapshots.push((s, rows)),
                Err(p) => problems.extend(p),
            },
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // Entities under construction: id → unit; code → id of the entity currently holding it.
    let mut units: BTreeMap<UnitId, Unit> = BTreeMap::new();
    let mut current: BTreeMap<String, UnitId> = BTreeMap::new();
    let mut edges: Vec<LineageEdge> = Vec::new();

    for (i, (snap, rows)) in snapshots.iter().enumerate() {
        let from = snap.valid_from;
        let to = snapshots
            .get(i + 1)
            .map(|(next, _)| next.valid_from.pred_opt().expect("a date after MIN"));
        let previous = std::mem::take(&mut current);
        // Which codes of the previous snapshot continue as the same entity.
        let continues = |r: &SnapshotRow| {
            previous.contains_key(&r.code) && (!snap.reform || r.level == UnitLevel::Province)
        };
        for r in rows.iter() {
            let id = if continues(r) {
                previous[&r.code].clone()
            } else {
                UnitId::new(&r.code, from)
            };
            current.insert(r.code.clone(), id);
        }
        for r in rows.iter() {
            let id = current[&r.code].clone();
            let parent = r.parent_code.as_ref().map(|p| current[p].clone());
            let version = UnitVersion {
                valid: Period { from, to },
                name: r.name.clone(),
                unit_type: r.unit_type,
                parent,
            };
            let unit = units.entry(id.clone()).or_insert_with(|| Unit {
                id: id.clone(),
                code: r.code.clone(),
                level: r.level,
                versions: Vec::new(),
                source: String::new(),
            });
            if !unit.source.is_empty() {
                unit.source.push_str("; ");
            }
            unit.source.push_str(&snap.file);
            match unit.versions.last_mut() {
                Some(last)
                    if last.name == version.name
                        && last.unit_type == version.unit_type
                        && last.parent == version.parent =>
                {
                    last.valid.to = to;
                }
                _ => unit.versions.push(version),
            }
        }
        if i == 0 {
            continue;
        }
        // Lineage from the previous snapshot's ended units.
        let ended: BTreeMap<&String, &UnitId> = previous
            .iter()
            .filter(|(code, id)| current.get(*code) != Some(*id))
            .collect();
        let Some(lineage_file) = &snap.lineage else {
            continue;
        };
        let column = snap.lineage_code_column.as_deref().unwrap_or("new_code");
        let text = match read(lineage_file) {
            Ok(t) => t,
            Err(e) => {
                problems.push(problem(
                    manifest_file,
                    None,
                    format!("không đọc được {lineage_file}: {e}"),
                ));
                continue;
            }
        };
        let rows = match parse_lineage(lineage_file, &text, column) {
            Ok(rows) => rows,
            Err(p) => {
                problems.extend(p);
                continue;
            }
        };
        for row in rows {
            // Rows about units that had already ended before the previous snapshot chain
            // through earlier edges; rows whose successor is the unit itself carry no change.
            let Some(&from_id) = ended.get(&row.old_code) else {
                continue;
            };
            let Some(to_id) = current.get(&row.successor_code) else {
                problems.push(problem(
                    lineage_file,
                    Some(row.line),
                    format!(
                        "mã kế thừa {} không có trong {}",
                        row.successor_code, snap.file
                    ),
                ));
                continue;
            };
            let edge = LineageEdge {
                from: from_id.clone(),
                to: to_id.clone(),
                effective: from,
                kind: if row.partial {
                    LineageKind::Split
                } else {
                    LineageKind::Merged
                },
                basis: format!("{lineage_file}:{}", row.line),
            };
            if !edges.iter().any(|e| e.from == edge.from && e.to == edge.to) {
                edges.push(edge);
            }
        }
        for (code, id) in &ended {
            let level = units[*id].level;
            if level == UnitLevel::Commune && !edges.iter().any(|e| &e.from == *id) {
                problems.push(problem(
                    lineage_file,
                    None,
                    format!(
                        "đơn vị {code} ({}) kết thúc trước {} mà không có đơn vị kế thừa",
                        units[*id].latest().name,
                        snap.file
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let attributes = match &manifest.region {
        None => Vec::new(),
        Some(region) => units
            .values()
            .map(|u| UnitAttribute {
                unit: u.id.clone(),
                key: AttributeKey::Region,
                value: region.clone(),
                valid: u.valid(),
                source: manifest
                    .region_source
                    .clone()
                    .unwrap_or_else(|| manifest_file.to_owned()),
                illustrative: false,
            })
            .collect(),
    };
    Ok(BuiltUnits {
        units: units.into_values().collect(),
        edges,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntm_core::UnitRegistry;

    const MANIFEST: &str = r#"
province = "Tỉnh Thử"
region = "DBSH"

[[snapshots]]
file = "a.csv"
valid_from = "2020-01-01"

[[snapshots]]
file = "b.csv"
valid_from = "2025-07-01"
reform = true
lineage = "m.csv"
"#;
    const A: &str = "level,code,name,type,parent_code\nprovince,99,Tỉnh Thử,tỉnh,\ndistrict,990,Huyện Một,huyện,99\ncommune,1,Xã An,xã,990\ncommune,2,Xã Bình,xã,990\ncommune,3,Xã Cát,xã,990\n";
    const B: &str = "level,code,name,type,parent_code\nprovince,99,Tỉnh Thử,tỉnh,\ncommune,1,Xã An Bình,xã,99\ncommune,3,Xã Cát,xã,99\n";
    const M: &str = "old_code,new_code,partial\n1,1,false\n2,1,true\n2,3,true\n3,3,false\n";

    fn read(name: &str) -> Result<String, String> {
        match name {
            "a.csv" => Ok(A.into()),
            "b.csv" => Ok(B.into()),
            "m.csv" => Ok(M.into()),
            other => Err(format!("no {other}")),
        }
    }

    #[test]
    fn another_province_loads_from_the_same_format() {
        let manifest = parse_manifest("m.toml", MANIFEST).unwrap();
        let built = build_units("m.toml", &manifest, &read).unwrap();
        let r = UnitRegistry::build(built.units, built.edges, built.attributes).unwrap();
        let new_an = r.resolve_in_year("1", 2026).unwrap();
        assert_eq!(new_an.latest().name, "Xã An Bình");
        assert_eq!(r.predecessors(&new_an.id).len(), 2);
        let binh = r.resolve_in_year("2", 2022).unwrap();
        assert_eq!(r.successors(&binh.id).len(), 2);
        assert!(
            r.successors(&binh.id)
                .iter()
                .all(|e| e.kind == LineageKind::Split)
        );
        // The province continues; the district ends with the reform.
        assert_eq!(r.with_code("99").len(), 1);
        assert!(r.resolve_in_year("990", 2026).is_err());
        assert!(r.attributes().iter().all(|a| a.value == "DBSH"));
    }

    #[test]
    fn bad_rows_are_all_reported_with_their_lines() {
        let text = "level,code,name,type,parent_code\nprovince,99,Tỉnh Thử,tỉnh,\ncommune,x1,Xã A,xã,99\ncommune,2,Xã B,làng,99\ncommune,3,Xã C,xã,77\n";
        let problems = parse_snapshot("s.csv", text).unwrap_err();
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)], "{problems:?}");
        assert!(
            problems[1]
                .to_string()
                .starts_with("s.csv:4: loại “làng” không hợp lệ")
        );
    }

    #[test]
    fn an_ended_commune_without_successor_is_refused() {
        let manifest = parse_manifest("m.toml", MANIFEST).unwrap();
        let read_missing = |name: &str| {
            if name == "m.csv" {
                Ok("old_code,new_code\n1,1\n3,3\n".to_owned())
            } else {
                read(name)
            }
        };
        let problems = build_units("m.toml", &manifest, &read_missing).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("Xã Bình")
                    && p.message.contains("không có đơn vị kế thừa")),
            "{problems:?}"
        );
    }
}
