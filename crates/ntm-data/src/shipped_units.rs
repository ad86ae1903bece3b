//! The Hà Tĩnh administrative units shipped with ntm (`data/admin-units/`), embedded so
//! that the binary needs no data files. Provenance: `data/admin-units/README.md`.

use crate::units_file::{BuiltUnits, UnitFileProblem, build_units, parse_manifest};

/// File name of the shipped manifest.
pub const HATINH_MANIFEST: &str = "hatinh.toml";

/// (file name, text) of every shipped unit file, manifest first.
pub fn hatinh_files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            HATINH_MANIFEST,
            include_str!("../../../data/admin-units/hatinh.toml"),
        ),
        (
            "hatinh-2022.csv",
            include_str!("../../../data/admin-units/hatinh-2022.csv"),
        ),
        (
            "hatinh-2025-06.csv",
            include_str!("../../../data/admin-units/hatinh-2025-06.csv"),
        ),
        (
            "hatinh-2025.csv",
            include_str!("../../../data/admin-units/hatinh-2025.csv"),
        ),
        (
            "hatinh-merge-2025.csv",
            include_str!("../../../data/admin-units/hatinh-merge-2025.csv"),
        ),
        (
            "README.md",
            include_str!("../../../data/admin-units/README.md"),
        ),
    ]
}

/// A point for each post-reform unit of Hà Tĩnh (`code,name,kind,lat,lon`), for maps drawn
/// without a boundary file. CC-BY-4.0: every map drawn from it shows the attribution of
/// `data/admin-units/README.md` (`ntm_map::OPEN_ADMIN_DATA_ATTRIBUTION`).
pub const HATINH_POINTS: &str = include_str!("../../../data/admin-units/hatinh-2025-centroids.csv");

/// Codes whose shipped point the source's README calls doubtful (Hương Sơn, 18133: about
/// 1.4 km from Sơn Kim 1 in the far west, while it was formed mainly from Phố Châu).
pub const HATINH_DOUBTFUL_POINTS: &[&str] = &["18133"];

/// Hà Tĩnh's units with history, built from the shipped files.
pub fn hatinh_units() -> Result<BuiltUnits, Vec<UnitFileProblem>> {
    let files = hatinh_files();
    let manifest = parse_manifest(HATINH_MANIFEST, files[0].1)?;
    let read = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (*t).to_owned())
            .ok_or_else(|| format!("{name} không được đóng gói"))
    };
    build_units(HATINH_MANIFEST, &manifest, &read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ntm_core::unit::LineageKind;
    use ntm_core::{UnitId, UnitLevel, UnitRegistry, UnitType};

    fn registry() -> UnitRegistry {
        let built = hatinh_units().unwrap();
        UnitRegistry::build(built.units, built.edges, built.attributes).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn count(r: &UnitRegistry, date: &str, level: UnitLevel) -> usize {
        r.as_of(d(date))
            .iter()
            .filter(|v| v.unit.level == level)
            .count()
    }

    #[test]
    fn the_three_trees_have_the_official_counts() {
        let r = registry();
        assert_eq!(
            (
                count(&r, "2022-12-31", UnitLevel::District),
                count(&r, "2022-12-31", UnitLevel::Commune)
            ),
            (13, 216)
        );
        assert_eq!(
            (
                count(&r, "2025-06-30", UnitLevel::District),
                count(&r, "2025-06-30", UnitLevel::Commune)
            ),
            (12, 209)
        );
        assert_eq!(
            (
                count(&r, "2025-07-01", UnitLevel::District),
                count(&r, "2025-07-01", UnitLevel::Commune)
            ),
            (0, 69)
        );
        let xa_2022 = r
            .as_of(d("2022-12-31"))
            .iter()
            .filter(|v| v.unit_type() == UnitType::Commune)
            .count();
        assert_eq!(xa_2022, 182);
    }

    #[test]
    fn code_18073_is_nam_ha_before_and_thanh_sen_after_the_reform() {
        let r = registry();
        let old = r.resolve_in_year("18073", 2022).unwrap();
        let new = r.resolve_in_year("18073", 2026).unwrap();
        assert_eq!(old.latest().name, "Phường Nam Hà");
        assert_eq!(new.latest().name, "Phường Thành Sen");
        assert_ne!(old.id, new.id);
        assert!(r.resolve_in_year("18073", 2025).is_err());
        // Thành Sen took over 11 units of 2022, some through the end-2024 absorptions.
        let roots: std::collections::BTreeSet<&str> = r
            .ancestry(&new.id)
            .iter()
            .map(|e| e.from.as_str())
            .filter(|id| id.ends_with("@2020-01-01"))
            .collect();
        assert_eq!(roots.len(), 11, "{roots:?}");
    }

    #[test]
    fn renamed_units_keep_their_identity_and_absorbed_ones_link_to_the_absorber() {
        let r = registry();
        let thach_linh = r.get(&UnitId::parse("18094@2020-01-01").unwrap()).unwrap();
        assert_eq!(
            thach_linh.version_on(d("2022-01-01")).unwrap().name,
            "Phường Thạch Linh"
        );
        assert_eq!(
            thach_linh.version_on(d("2025-03-01")).unwrap().name,
            "Phường Trần Phú"
        );
        let tran_phu_2022 = UnitId::parse("18070@2020-01-01").unwrap();
        let succ = r.successors(&tran_phu_2022);
        assert_eq!(succ.len(), 1);
        assert_eq!(succ[0].to, thach_linh.id);
        assert_eq!(succ[0].effective, d("2025-01-01"));
    }

    #[test]
    fn partial_splits_become_split_edges() {
        let r = registry();
        let ky_loi = UnitId::parse("18796@2020-01-01").unwrap();
        let succ = r.successors(&ky_loi);
        assert_eq!(succ.len(), 3);
        assert!(succ.iter().all(|e| e.kind == LineageKind::Split));
    }

    #[test]
    fn moved_communes_change_parent_not_identity() {
        let r = registry();
        // Xã Cẩm Bình moved from Cẩm Xuyên to Thành phố Hà Tĩnh at the end of 2024.
        let u = r.resolve_in_year("18685", 2022).unwrap();
        assert_eq!(r.resolve_in_year("18685", 2024).unwrap().id, u.id);
        let parent = |date: &str| u.version_on(d(date)).unwrap().parent.clone().unwrap();
        assert_eq!(parent("2022-01-01").code(), "446");
        assert_eq!(parent("2025-03-01").code(), "436");
        assert!(r.attributes().iter().all(|a| a.value == "BTB"));
        assert_eq!(r.attributes().len(), r.units().len());
    }
}
