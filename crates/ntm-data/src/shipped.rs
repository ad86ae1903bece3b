//! The criteria sets ntm ships, embedded in the binary.
//!
//! This module owns the list of files under `data/criteria/` (the national, provincial and
//! Hà Tĩnh sets, transcribed from the reference with their sources) and
//! `data/criteria/demo/` (illustrative sets whose numbers are demo material, not law).
//! A test keeps the lists in step with the directories, so a file added there and not
//! here fails the build's tests instead of being silently left out.

/// Embeds files of `data/criteria/<dir>` as `(file name, text)`, in the order given.
macro_rules! embed {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$((
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/criteria/", $dir, $name)),
        )),*]
    };
}

/// Kept sorted by name.
const CRITERIA: &[(&str, &str)] = embed!("":
    "huyen-ntm-2021-2025.toml",
    "khu-dan-cu-kieu-mau-ha-tinh.toml",
    "thi-xa-thanh-pho-2021-2025.toml",
    "tinh-2021-2025.toml",
    "vuon-mau-ha-tinh.toml",
    "xa-ntm-2021-2025-ha-tinh.toml",
    "xa-ntm-2021-2025.toml",
    "xa-ntm-2026-2030.toml",
    "xa-ntm-kieu-mau-2021-2025.toml",
    "xa-ntm-nang-cao-2021-2025.toml",
);

/// Kept sorted by name.
const DEMO: &[(&str, &str)] = embed!("demo/":
    "xa-ntm-2021-2025-minh-hoa.toml",
    "xa-ntm-2026-2030-minh-hoa.toml",
    "xa-ntm-kieu-mau-2021-2025-minh-hoa.toml",
    "xa-ntm-nang-cao-2021-2025-minh-hoa.toml",
);

fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    out.sort();
    out
}

/// The data-quality rules of `data/quality/*.toml` ([`crate::quality_file`]), as
/// `(file name, text)`, sorted by name. They name the demo's set and are demo material.
pub fn demo_quality_files() -> Vec<(String, String)> {
    owned(QUALITY)
}

/// Kept sorted by name.
const QUALITY: &[(&str, &str)] = &[
    (
        "xa-ntm-2021-2025-minh-hoa.toml",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/quality/xa-ntm-2021-2025-minh-hoa.toml"
        )),
    ),
    (
        "xa-ntm-2026-2030-minh-hoa.toml",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/quality/xa-ntm-2026-2030-minh-hoa.toml"
        )),
    ),
];

/// Every criteria file under `data/criteria/*.toml` (not the demo sets), as
/// `(file name, text)`, sorted by name.
pub fn criteria_files() -> Vec<(String, String)> {
    owned(CRITERIA)
}

/// The illustrative sets of `data/criteria/demo/*.toml`, as `(file name, text)`, sorted by
/// name. Their thresholds are demo material, not legal values.
pub fn demo_criteria_files() -> Vec<(String, String)> {
    owned(DEMO)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use ntm_core::criteria::{Catalogue, Comparison, CriteriaSet, SetDefinition, SetId};
    use rust_decimal::Decimal;

    use super::*;
    use crate::criteria_file::{check_files, load_catalogue, parse};

    fn toml_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("criteria directory exists")
            .map(|e| {
                e.expect("readable entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn embedded_lists_match_the_directories() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/criteria");
        let shipped: Vec<String> = criteria_files().into_iter().map(|(n, _)| n).collect();
        let demo: Vec<String> = demo_criteria_files().into_iter().map(|(n, _)| n).collect();
        assert_eq!(shipped, toml_names(&root), "update CRITERIA in shipped.rs");
        assert_eq!(
            demo,
            toml_names(&root.join("demo")),
            "update DEMO in shipped.rs"
        );
        let listed: Vec<&str> = CRITERIA.iter().map(|(n, _)| *n).collect();
        assert!(listed.is_sorted(), "keep CRITERIA sorted");
        assert!(DEMO.iter().map(|(n, _)| *n).is_sorted(), "keep DEMO sorted");
    }

    #[test]
    fn shipped_quality_rules_check_indicators_of_their_set() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/quality");
        let files = demo_quality_files();
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, toml_names(&root), "update QUALITY in shipped.rs");
        let mut all = criteria_files();
        all.extend(demo_criteria_files());
        let catalogue = load_catalogue(&all).expect("the shipped sets load");
        for (name, text) in files {
            let rules =
                crate::quality_file::parse(&text).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            assert_eq!(format!("{}.toml", rules.set), name);
            let set = catalogue
                .get(&SetId(rules.set.clone()))
                .unwrap_or_else(|| panic!("{name}: no set {}", rules.set));
            let known: Vec<String> = set.indicators().map(|(_, i)| i.id.clone()).collect();
            for id in crate::quality_file::named_indicators(&rules.rules) {
                assert!(
                    known.iter().any(|k| k == id),
                    "{name}: {id} is not in {}",
                    rules.set
                );
            }
        }
    }

    fn parsed(files: &[(String, String)]) -> BTreeMap<String, SetDefinition> {
        files
            .iter()
            .map(|(name, text)| {
                let def = parse(name, text).unwrap_or_else(|p| panic!("{name}: {p:#?}"));
                (name.clone(), def)
            })
            .collect()
    }

    #[test]
    fn every_shipped_file_parses_and_its_id_matches_its_name() {
        for (name, def) in parsed(&criteria_files())
            .into_iter()
            .chain(parsed(&demo_criteria_files()))
        {
            assert_eq!(format!("{}.toml", def.header.id), name);
        }
    }

    fn all_files() -> Vec<(String, String)> {
        let mut files = criteria_files();
        files.extend(demo_criteria_files());
        files
    }

    fn catalogue() -> Catalogue {
        load_catalogue(&all_files()).unwrap_or_else(|p| {
            panic!(
                "{}",
                p.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    fn set<'c>(catalogue: &'c Catalogue, id: &str) -> &'c CriteriaSet {
        catalogue
            .get(&SetId(id.into()))
            .unwrap_or_else(|| panic!("set {id}"))
    }

    #[test]
    fn shipped_sets_build_alone_and_with_the_demo_sets() {
        let alone = load_catalogue(&criteria_files()).expect("shipped sets build");
        assert_eq!(alone.len(), CRITERIA.len());
        assert_eq!(catalogue().len(), CRITERIA.len() + DEMO.len());
        assert!(check_files(&demo_criteria_files(), &criteria_files()).is_empty());
    }

    /// (indicator id, selector as displayed, value)
    type ExpectedThreshold = (&'static str, &'static str, i64);

    /// The no-guess rule: the national and provincial files hold exactly the thresholds the
    /// reference gives as numbers. A number added without a source makes this fail.
    #[test]
    fn only_the_reference_numbers_are_thresholds() {
        let expected: &[(&str, &[ExpectedThreshold])] = &[
            (
                "huyen-ntm-2021-2025.toml",
                &[
                    ("H1", "mức chung", 100),
                    ("H2", "mức chung", 10),
                    ("H3", "mức chung", 100),
                    ("H4", "mức chung", 90),
                    ("H4b", "mức chung", 80),
                ],
            ),
            ("khu-dan-cu-kieu-mau-ha-tinh.toml", &[]),
            (
                "thi-xa-thanh-pho-2021-2025.toml",
                &[("TX1", "mức chung", 100)],
            ),
            (
                "tinh-2021-2025.toml",
                &[
                    ("T1", "mức chung", 100),
                    ("T2", "mức chung", 100),
                    ("T3", "mức chung", 20),
                    ("T4", "mức chung", 40),
                    ("T6", "mức chung", 70),
                    ("T7", "mức chung", 4),
                    ("T8", "mức chung", 90),
                ],
            ),
            (
                "vuon-mau-ha-tinh.toml",
                &[
                    ("2.2", "mức chung", 1),
                    ("3.2", "mức chung", 75),
                    ("4.1", "mức chung", 80),
                    ("5.1", "mức chung", 60),
                ],
            ),
            ("xa-ntm-2021-2025-ha-tinh.toml", &[]),
            ("xa-ntm-2021-2025.toml", &[("3.1", "mức chung", 80)]),
            ("xa-ntm-2026-2030.toml", &[]),
            (
                "xa-ntm-kieu-mau-2021-2025.toml",
                &[("KM3", "mức chung", 1), ("KM4", "mức chung", 1)],
            ),
            (
                "xa-ntm-nang-cao-2021-2025.toml",
                &[("17.1-tt", "vùng BTB", 55)],
            ),
        ];
        let defs = parsed(&criteria_files());
        assert_eq!(
            defs.keys().map(String::as_str).collect::<Vec<_>>(),
            expected.iter().map(|(f, _)| *f).collect::<Vec<_>>()
        );
        for (file, want) in expected {
            let def = &defs[*file];
            assert!(
                def.derivation.overrides.is_empty(),
                "{file}: no national override is known"
            );
            let mut found = Vec::new();
            let indicators = def
                .criteria
                .iter()
                .flat_map(|c| &c.indicators)
                .chain(def.derivation.extend.iter().flat_map(|(_, i)| i));
            for i in indicators {
                for t in &i.thresholds {
                    assert!(
                        !t.illustrative,
                        "{file} › {}: national thresholds are never illustrative",
                        i.id
                    );
                    assert!(
                        t.source.is_some(),
                        "{file} › {}: every national threshold has its source",
                        i.id
                    );
                    found.push((i.id.as_str(), t.when.to_string(), t.value));
                }
            }
            let want: Vec<(&str, String, Decimal)> = want
                .iter()
                .map(|(id, when, v)| (*id, (*when).to_owned(), Decimal::from(*v)))
                .collect();
            assert_eq!(found, want, "{file}");
            assert!(!def.header.illustrative, "{file}");
        }
        // KM2 has no number of its own: it is 1.10 × the advanced income threshold.
        let km = &defs["xa-ntm-kieu-mau-2021-2025.toml"];
        let km2 = km
            .criteria
            .iter()
            .flat_map(|c| &c.indicators)
            .find(|i| i.id == "KM2")
            .expect("KM2");
        let from = km2.threshold_from.as_ref().expect("KM2 threshold_from");
        assert_eq!(
            (from.indicator.as_str(), from.factor),
            ("10", Decimal::new(110, 2))
        );
        assert_eq!(km2.value_of.as_deref(), Some("10"));
    }

    #[test]
    fn national_commune_set_has_its_19_criteria_and_the_sub_indicator() {
        let cat = catalogue();
        let xa = set(&cat, "xa-ntm-2021-2025");
        let ids: Vec<&str> = xa.criteria.iter().map(|c| c.id.as_str()).collect();
        let expected: Vec<String> = (1..=19).map(|n| n.to_string()).collect();
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            xa.criteria
                .iter()
                .all(|c| c.group.is_some() && !c.indicators.is_empty())
        );
        let tt = xa.indicator("17.1-tt").expect("17.1-tt");
        assert!(
            tt.thresholds.is_empty() && tt.is_percent() && tt.comparison == Comparison::AtLeast
        );
        let houses = xa.indicator("9.1").expect("9.1");
        assert_eq!(
            (houses.comparison, houses.unit.as_deref()),
            (Comparison::Equal, Some("nhà"))
        );
        assert!(xa.indicator("10").expect("10").thresholds.is_empty());
        let ha_tinh = set(&cat, "xa-ntm-2021-2025-ha-tinh");
        assert_eq!(ha_tinh.criteria.len(), 20);
        assert_eq!(set(&cat, "xa-ntm-nang-cao-2021-2025").criteria.len(), 19);
        assert_eq!(set(&cat, "xa-ntm-2026-2030").criteria.len(), 10);
    }

    fn numeric_unconfigured(set: &CriteriaSet) -> Vec<String> {
        set.indicators()
            .filter(|(_, i)| {
                i.comparison != Comparison::Pass
                    && i.thresholds.is_empty()
                    && i.threshold_from.is_none()
            })
            .map(|(_, i)| i.id.clone())
            .collect()
    }

    #[test]
    fn demo_sets_are_marked_and_complete() {
        let cat = catalogue();
        for (name, def) in parsed(&demo_criteria_files()) {
            assert!(def.header.illustrative, "{name}");
            assert!(def.header.title.ends_with(" (minh họa)"), "{name}");
            assert!(
                def.header
                    .note
                    .as_deref()
                    .is_some_and(|n| n.contains("KHÔNG phải giá trị pháp lý")),
                "{name}"
            );
        }
        let standard = set(&cat, "xa-ntm-2021-2025-minh-hoa");
        assert_eq!(numeric_unconfigured(standard), Vec::<String>::new());
        // The demo's completion of the 2026 set can judge a commune; the national set it
        // completes still cannot, and says so.
        assert!(set(&cat, "xa-ntm-2026-2030-minh-hoa").gaps().is_complete());
        assert_eq!(
            set(&cat, "xa-ntm-2026-2030").gaps().empty_criteria.len(),
            10
        );
        let irrigation = &standard.indicator("3.1").expect("3.1").thresholds;
        assert_eq!(irrigation.len(), 1);
        assert!(!irrigation[0].illustrative, "3.1 keeps the national 80%");
        let income = &standard.indicator("10").expect("10").thresholds;
        assert_eq!(income.len(), 5, "one a year, 2021-2025");
        assert!(
            income
                .iter()
                .all(|t| t.illustrative && t.when.region.as_deref() == Some("BTB"))
        );

        let advanced = set(&cat, "xa-ntm-nang-cao-2021-2025-minh-hoa");
        assert_eq!(advanced.criteria.len(), 19);
        assert!(
            advanced.criteria.iter().all(|c| !c.indicators.is_empty()),
            "every criterion has an indicator"
        );
        assert_eq!(numeric_unconfigured(advanced), Vec::<String>::new());
        // Values are keyed by indicator id across sets: a reused id must mean the same
        // quantity, so same unit and same direction as in the standard set.
        let mut reused = 0;
        for (_, i) in advanced.indicators() {
            if let Some(s) = standard.indicator(&i.id) {
                assert_eq!(
                    (&i.unit, i.comparison),
                    (&s.unit, s.comparison),
                    "indicator {}",
                    i.id
                );
                reused += 1;
            } else if i.id != "10" {
                assert!(
                    i.id.starts_with("nc"),
                    "new advanced indicator {} should be prefixed nc",
                    i.id
                );
            }
        }
        assert!(reused >= 15, "{reused}");
        let advanced_income = &advanced.indicator("10").expect("10").thresholds;
        for year in 2021..=2025 {
            let basic = income
                .iter()
                .find(|t| t.when.year == Some(year))
                .expect("standard income");
            let higher = advanced_income
                .iter()
                .find(|t| t.when.year == Some(year))
                .expect("advanced income");
            assert!(higher.value > basic.value, "{year}");
        }

        let model = set(&cat, "xa-ntm-kieu-mau-2021-2025-minh-hoa");
        let ladder: Vec<&str> = cat
            .ladder(model.id())
            .iter()
            .map(|s| s.id().0.as_str())
            .collect();
        assert_eq!(
            ladder,
            [
                "xa-ntm-2021-2025-minh-hoa",
                "xa-ntm-nang-cao-2021-2025-minh-hoa",
                "xa-ntm-kieu-mau-2021-2025-minh-hoa"
            ]
        );
    }
}
