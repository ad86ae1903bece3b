//! A synthetic country for benchmarks (`ntm bench-data`): provinces with their regions,
//! districts and communes before the 2025 reform, the tree after it with the merge
//! mapping (a few communes divided between two new ones), commune groups, and values for
//! every indicator of the commune sets in force — deterministic from a seed, at a chosen
//! number of provinces, written as the files ntm's own import paths read (`ntm units
//! import`, `ntm units attributes`, `ntm values import`).
//!
//! The shape follows the country's: about 11 districts and 168 communes a province, so
//! that 63 provinces make about 10,600 communes before the reform and about 3,300 after.
//! Names are made of common syllables and every province is called "Tỉnh Mô phỏng NN":
//! nothing here can be taken for a real place.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ntm_core::criteria::{Comparison, Indicator, Level};
use ntm_core::evaluation::{Inputs, evaluate_indicator};
use ntm_core::{UnitId, UnitType};

use crate::demo::{Constraint, Demand, choose, rand01};
use crate::evaluate::Workspace;

/// Provinces of the whole country (before and after the 2025 reform ntm counts 63 as the
/// pre-reform programme did).
pub const COUNTRY: usize = 63;

/// The 2021-2025 regions with how many provinces each held, in order.
const REGIONS: [(&str, usize); 7] = [
    ("TDMNPB", 14),
    ("DBSH", 11),
    ("BTB", 6),
    ("DHNTB", 8),
    ("TN", 5),
    ("DNB", 6),
    ("DBSCL", 13),
];

const SYLLABLES: [&str; 24] = [
    "An", "Bình", "Hòa", "Phú", "Thạnh", "Tân", "Đông", "Tây", "Nam", "Bắc", "Hưng", "Lộc", "Sơn",
    "Thủy", "Lâm", "Hải", "Trung", "Mỹ", "Phước", "Long", "Thịnh", "Quang", "Xuân", "Vĩnh",
];

/// One file of the generated dataset: its path under the output folder and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// How much of a country to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub provinces: usize,
    pub seed: u64,
}

/// What [`units`] generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitsCount {
    pub provinces: usize,
    pub districts: usize,
    pub communes_before: usize,
    pub communes_after: usize,
}

/// A deterministic number in [0, 1) for a key under the seed.
fn draw(seed: u64, key: &str) -> f64 {
    rand01(&format!("{seed}/{key}"))
}

/// A deterministic integer in `lo..=hi`.
fn between(seed: u64, key: &str, lo: usize, hi: usize) -> usize {
    lo + ((draw(seed, key) * (hi - lo + 1) as f64) as usize).min(hi - lo)
}

fn region_of(province: usize) -> &'static str {
    let mut left = province;
    for (region, n) in REGIONS {
        if left < n {
            return region;
        }
        left -= n;
    }
    REGIONS[REGIONS.len() - 1].0
}

/// A name of two syllables, distinct for every `n` below 24² within its parent.
fn name(seed: u64, parent: &str, n: usize) -> String {
    let offset = between(seed, &format!("{parent}/names"), 0, SYLLABLES.len() - 1);
    let k = n + offset * 7;
    let first = SYLLABLES[k % SYLLABLES.len()];
    let second = SYLLABLES[(k / SYLLABLES.len() + k) % SYLLABLES.len()];
    if n >= SYLLABLES.len() * SYLLABLES.len() {
        return format!("{first} {second} {n}");
    }
    format!("{first} {second}")
}

struct Commune {
    code: u32,
    name: String,
    ward: bool,
}

/// The unit files of `shape`: per province a manifest (`pNN/manifest.toml`) with its
/// 2020 snapshot, its snapshot of 1 July 2025 (reform) and the merge mapping; and
/// `attributes.csv`, the commune group of every commune after the reform.
pub fn units(shape: &Shape) -> Result<(Vec<File>, UnitsCount), String> {
    if shape.provinces == 0 || shape.provinces > COUNTRY {
        return Err(format!("số tỉnh phải từ 1 đến {COUNTRY}"));
    }
    let seed = shape.seed;
    let mut files = Vec::new();
    let mut count = UnitsCount {
        provinces: shape.provinces,
        ..Default::default()
    };
    let mut attributes = String::from("unit,key,value,from,source\n");
    let mut district_code = 100u32;
    let mut commune_code = 10_000u32;
    for p in 0..shape.provinces {
        let province_code = 11 + p as u32;
        let dir = format!("p{province_code}");
        let province_name = format!("Tỉnh Mô phỏng {province_code}");
        let mut before = String::from("level,code,name,type,parent_code\n");
        let mut after = before.clone();
        let _ = writeln!(before, "province,{province_code},{province_name},tỉnh,");
        let _ = writeln!(after, "province,{province_code},{province_name},tỉnh,");
        let mut merge = String::from("old_code,new_code,partial\n");
        let districts = between(seed, &format!("{dir}/districts"), 9, 14);
        for d in 0..districts {
            district_code += 1;
            count.districts += 1;
            // The first district is the provincial city, of wards; the others are rural
            // districts with one township.
            let (kind, prefix) = if d == 0 {
                ("thành phố", "Thành phố")
            } else {
                ("huyện", "Huyện")
            };
            let dname = name(seed, &dir, d);
            let _ = writeln!(
                before,
                "district,{district_code},{prefix} {dname},{kind},{province_code}"
            );
            let n = between(seed, &format!("{dir}/{d}/communes"), 11, 19);
            let mut communes = Vec::with_capacity(n);
            for c in 0..n {
                commune_code += 1;
                let ward = d == 0 && c < n * 3 / 4;
                let town = d != 0 && c == 0;
                let cname = name(seed, &format!("{dir}/{d}"), c);
                let (ty, pre) = match (ward, town) {
                    (true, _) => ("phường", "Phường"),
                    (_, true) => ("thị trấn", "Thị trấn"),
                    _ => ("xã", "Xã"),
                };
                let _ = writeln!(
                    before,
                    "commune,{commune_code},{pre} {cname},{ty},{district_code}"
                );
                communes.push(Commune {
                    code: commune_code,
                    name: cname,
                    ward,
                });
            }
            count.communes_before += n;
            // After the reform: consecutive communes merged in twos to fours (wards with
            // wards), the new unit taking the first one's code and name; a commune now
            // and then divided between its group and the next.
            let mut i = 0;
            let mut groups: Vec<Vec<usize>> = Vec::new();
            while i < communes.len() {
                let size = [2, 3, 3, 4, 4, 3][between(seed, &format!("{dir}/{d}/g{i}"), 0, 5)];
                let end = (i + size).min(communes.len());
                // Wards and communes are merged apart.
                let group: Vec<usize> = (i..end)
                    .take_while(|&k| communes[k].ward == communes[i].ward)
                    .collect();
                i += group.len();
                groups.push(group);
            }
            for (g, group) in groups.iter().enumerate() {
                let head = &communes[group[0]];
                let (ty, pre) = if head.ward {
                    ("phường", "Phường")
                } else {
                    ("xã", "Xã")
                };
                let _ = writeln!(
                    after,
                    "commune,{},{pre} {},{ty},{province_code}",
                    head.code, head.name
                );
                count.communes_after += 1;
                if !head.ward {
                    let group_no = between(seed, &format!("{}/group", head.code), 1, 3);
                    let _ = writeln!(
                        attributes,
                        "{}@2025-07-01,commune_group,{group_no},2025-07-01,Mô phỏng (bench-data)",
                        head.code
                    );
                }
                let next = groups.get(g + 1).map(|n| &communes[n[0]]);
                for (k, &m) in group.iter().enumerate() {
                    let c = &communes[m];
                    let divided = k > 0
                        && k + 1 == group.len()
                        && next.is_some_and(|n| n.ward == c.ward)
                        && draw(seed, &format!("{}/split", c.code)) < 0.04;
                    if divided {
                        let n = next.expect("checked above");
                        let _ = writeln!(merge, "{},{},true", c.code, head.code);
                        let _ = writeln!(merge, "{},{},true", c.code, n.code);
                    } else {
                        let _ = writeln!(merge, "{},{},false", c.code, head.code);
                    }
                }
            }
        }
        let manifest = format!(
            "# Synthetic province for benchmarks (ntm bench-data, seed {seed}): not a real place.\n\
             province = \"{province_name}\"\n\
             region = \"{region}\"\n\
             region_source = \"Mô phỏng (bench-data)\"\n\n\
             [[snapshots]]\nfile = \"2020.csv\"\nvalid_from = \"2020-01-01\"\n\n\
             [[snapshots]]\nfile = \"2025.csv\"\nvalid_from = \"2025-07-01\"\nreform = true\n\
             lineage = \"merge.csv\"\nlineage_code_column = \"new_code\"\n",
            region = region_of(p),
        );
        for (name, contents) in [
            ("manifest.toml", manifest),
            ("2020.csv", before),
            ("2025.csv", after),
            ("merge.csv", merge),
        ] {
            files.push(File {
                path: format!("{dir}/{name}"),
                contents,
            });
        }
    }
    files.extend(criteria());
    files.push(File {
        path: "attributes.csv".into(),
        contents: attributes,
    });
    Ok((files, count))
}

/// The demo's illustrative commune sets with every threshold they key by the BTB region
/// given to the six other regions as well, so that a synthetic province outside BTB is
/// judged on a complete set (the sets stay marked illustrative): `criteria/…` files for
/// `ntm criteria import`.
pub fn criteria() -> Vec<File> {
    ntm_data::shipped::demo_criteria_files()
        .into_iter()
        .filter(|(_, text)| text.contains("region = \"BTB\""))
        .map(|(name, text)| {
            let mut out = String::with_capacity(text.len() * 2);
            let mut rest = text.as_str();
            // Each `{ … region = "BTB" … }` threshold becomes one per region.
            while let Some(at) = rest.find("region = \"BTB\"") {
                let open = rest[..at]
                    .rfind('{')
                    .expect("a threshold is an inline table");
                let close = at
                    + rest[at..]
                        .find('}')
                        .expect("a threshold is an inline table");
                out.push_str(&rest[..open]);
                let one = &rest[open..=close];
                let copies: Vec<String> = REGIONS
                    .iter()
                    .map(|(r, _)| one.replace("region = \"BTB\"", &format!("region = \"{r}\"")))
                    .collect();
                out.push_str(&copies.join(", "));
                rest = &rest[close + 1..];
            }
            out.push_str(rest);
            let file = name.rsplit('/').next().unwrap_or(&name).to_owned();
            File {
                path: format!("criteria/{file}"),
                contents: out,
            }
        })
        .collect()
}

/// The share of a commune's indicators of a level's set that meet their threshold: most
/// of the standard set, fewer of the higher ones; stronger communes meet more, and every
/// commune a little more each year.
/// A commune above a level's bar meets all of its set, as about three communes in four
/// did by 2025 at standard.
fn meet_share(level: Level, strength: f64) -> f64 {
    let (bar, share) = match level {
        Level::Standard | Level::None => (0.3, 0.85),
        Level::Advanced => (0.7, 0.6),
        Level::Model => (0.93, 0.4),
    };
    if strength >= bar { 1.0 } else { share }
}

/// Values of every xã on the tree of `year`'s end, for every indicator of the sets on its
/// ladder (computed indicators aside), as a long-format CSV (`unit,year,indicator,value`)
/// with full unit ids. Units are those `ws` holds; thresholds are read from its catalogue,
/// and an unconfigured one leaves the value free.
pub fn values(ws: &Workspace, year: i32, seed: u64) -> Result<(String, usize), String> {
    let mut out = String::from("unit,year,indicator,value\n");
    let mut rows = 0;
    for (unit, key, value) in generated(ws, year, seed, None)? {
        let _ = writeln!(out, "{unit},{year},{key},{}", value.canonical());
        rows += 1;
    }
    Ok((out, rows))
}

/// The import template of `year` (the ntm template, one row per xã, one column per
/// indicator) filled with the generated values of every xã of `province` (a province's
/// code) or of the country: the file an office uploads.
pub fn template(
    ws: &Workspace,
    year: i32,
    seed: u64,
    province: Option<&str>,
) -> Result<(Vec<u8>, usize), String> {
    let set = ws
        .default_set(UnitType::Commune, year)
        .map_err(|e| e.to_string())?;
    let date = ws.tree_date(year);
    let scope = match province {
        Some(code) => Some(
            ws.registry
                .resolve_in_year(code, year)
                .map_err(|e| e.to_string())?
                .id
                .clone(),
        ),
        None => None,
    };
    let values = generated(ws, year, seed, scope.as_ref())?;
    let mut units: Vec<UnitId> = values.iter().map(|(u, _, _)| u.clone()).collect();
    units.dedup();
    let indicators = crate::reports::template_indicators(ws, set, &units, year);
    let spec = ntm_reports::TemplateSpec {
        year,
        set_id: set.id().0.clone(),
        set_title: set.header.title.clone(),
        illustrative: true,
        scope_title: scope
            .as_ref()
            .and_then(|id| ws.registry.get(id))
            .map_or_else(
                || "Cả nước (mô phỏng)".to_owned(),
                |u| u.latest().name.clone(),
            ),
        units: units
            .iter()
            .filter_map(|id| ws.registry.view_on(id, date))
            .map(|v| crate::reports::template_unit(&v))
            .collect(),
        indicators,
        existing: values
            .iter()
            .map(|(u, k, v)| ((u.to_string(), k.clone()), v.canonical()))
            .collect(),
        notes: BTreeMap::new(),
    };
    let bytes = ntm_reports::template(&spec).map_err(|e| e.to_string())?;
    Ok((bytes, units.len()))
}

/// The generated values of `year`: every indicator a xã enters, for every xã on the tree
/// of the year (below `scope` when given), in tree order.
fn generated(
    ws: &Workspace,
    year: i32,
    seed: u64,
    scope: Option<&UnitId>,
) -> Result<Vec<(UnitId, String, ntm_core::Value)>, String> {
    let date = ws.tree_date(year);
    let views = match scope {
        Some(id) => ws.registry.subtree_on(id, date),
        None => ws.registry.as_of(date),
    };
    let mut out = Vec::new();
    for view in views {
        if view.unit_type() != UnitType::Commune {
            continue;
        }
        let unit: &UnitId = view.id();
        let set = ws
            .default_set(UnitType::Commune, year)
            .map_err(|e| e.to_string())?;
        let ladder = ws.catalogue.ladder(set.id());
        let ctx = ws.context(unit, year);
        let strength = (draw(seed, unit.code()) * 0.85 + 0.03 * f64::from(year - 2020)).min(0.999);
        let mut wanted: BTreeMap<&str, (&Indicator, Vec<Constraint>)> = BTreeMap::new();
        for s in &ladder {
            let share = meet_share(s.header.level, strength);
            for (_, i) in s.indicators() {
                if i.computed.is_some() {
                    continue;
                }
                let r = evaluate_indicator(&ws.catalogue, s, i, &ctx, &Inputs::default());
                let demand = if draw(seed, &format!("{unit}/{year}/{}/{}", s.id(), i.id)) < share {
                    Demand::Meet
                } else {
                    Demand::Fail
                };
                wanted
                    .entry(i.value_key())
                    .or_insert_with(|| (i, Vec::new()))
                    .1
                    .push(Constraint {
                        comparison: i.comparison,
                        threshold: r.threshold.and_then(|t| t.value),
                        demand,
                        hard: false,
                    });
            }
        }
        for (key, (indicator, constraints)) in wanted {
            let r = draw(seed, &format!("{unit}/{key}/{year}"));
            let value = match choose(indicator, &constraints, r) {
                Some(v) => v,
                None if indicator.comparison == Comparison::Pass => ntm_core::Value::Pass(true),
                None => continue,
            };
            out.push((unit.clone(), key.to_owned(), value));
        }
    }
    Ok(out)
}

/// The import benchmark's reference: every cell of the workbook read and dropped.
pub fn count_cells(bytes: &[u8]) -> Result<usize, String> {
    ntm_reports::read::count_cells(bytes)
}

/// Approves every unit-year of `year` that has values and is not approved, as the province
/// signing a generated year; the benchmarks' pages and counts read approved values only.
/// One store write per unit-year, each with its audit entry.
pub async fn approve_year(
    store: &dyn ntm_store::Store,
    year: i32,
    audit: &crate::AuditContext,
) -> crate::AppResult<usize> {
    let waiting = store.unapproved(Some(year)).await?;
    for w in &waiting {
        let record = ntm_store::SubmissionRecord {
            unit_id: w.unit_id.clone(),
            year: w.year,
            status: ntm_core::workflow::Status::Approved.as_str().to_owned(),
            updated_at: audit.at,
            updated_by: audit.actor.clone(),
            comment: None,
        };
        store.set_submission(&record, audit).await?;
    }
    Ok(waiting.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_has_the_countrys_shape_and_is_the_same_for_a_seed() {
        let shape = Shape {
            provinces: COUNTRY,
            seed: 7,
        };
        let (files, count) = units(&shape).unwrap();
        assert_eq!(count.provinces, 63);
        assert!((600..=800).contains(&count.districts), "{count:?}");
        assert!(
            (10_000..=11_500).contains(&count.communes_before),
            "{count:?}"
        );
        assert!((3_000..=4_000).contains(&count.communes_after), "{count:?}");
        assert_eq!(files.len(), 63 * 4 + 1 + criteria().len());
        assert_eq!(units(&shape).unwrap().0, files);
        let other = units(&Shape {
            provinces: 63,
            seed: 8,
        })
        .unwrap()
        .0;
        assert_ne!(other, files);
        // Regions as the country has them.
        assert_eq!(criteria().len(), 2);
        for f in criteria() {
            assert_eq!(
                f.contents.matches("region = \"DBSCL\"").count(),
                f.contents.matches("region = \"BTB\"").count()
            );
            ntm_data::criteria_file::parse(&f.path, &f.contents).expect("a bench set parses");
        }
        let btb = files
            .iter()
            .filter(|f| f.path.ends_with("manifest.toml") && f.contents.contains("\"BTB\""))
            .count();
        assert_eq!(btb, 6);
    }

    #[test]
    fn every_commune_before_the_reform_has_a_successor_and_divisions_have_two() {
        let (files, _) = units(&Shape {
            provinces: 3,
            seed: 1,
        })
        .unwrap();
        for f in files.iter().filter(|f| f.path.ends_with("2020.csv")) {
            let dir = f.path.trim_end_matches("2020.csv");
            let merge = &files
                .iter()
                .find(|m| m.path == format!("{dir}merge.csv"))
                .unwrap()
                .contents;
            let after = &files
                .iter()
                .find(|m| m.path == format!("{dir}2025.csv"))
                .unwrap()
                .contents;
            let new: Vec<&str> = after
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(1).unwrap())
                .collect();
            for line in f.contents.lines().filter(|l| l.starts_with("commune,")) {
                let code = line.split(',').nth(1).unwrap();
                let rows: Vec<&str> = merge
                    .lines()
                    .filter(|l| l.split(',').next() == Some(code))
                    .collect();
                match rows.len() {
                    1 => assert!(rows[0].ends_with(",false")),
                    2 => assert!(rows.iter().all(|r| r.ends_with(",true"))),
                    n => panic!("{code}: {n} lineage rows"),
                }
                for r in rows {
                    assert!(new.contains(&r.split(',').nth(1).unwrap()), "{r}");
                }
            }
        }
    }
}
