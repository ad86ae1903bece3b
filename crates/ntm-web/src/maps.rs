//! The province on a map: the shipped point of each post-reform unit, coloured by what a
//! page measures. Drawn on the server as SVG (no tiles, nothing fetched), so the map
//! works offline and prints.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ntm_core::{UnitId, UnitRegistry};
use ntm_map::{Fill, Layer, LegendEntry, MapSpec, Point, UnitStyle};

fn points() -> &'static [Point] {
    static POINTS: OnceLock<Vec<Point>> = OnceLock::new();
    POINTS.get_or_init(|| {
        // Compiled in and read by ntm-map's tests.
        ntm_map::points_from_csv(ntm_data::shipped_units::HATINH_POINTS)
            .expect("the shipped points read")
    })
}

/// A class of the map: its legend text and the units in it, each with its hover text.
pub struct Class {
    pub label: String,
    pub units: Vec<(UnitId, String)>,
}

/// The map of `classes` (in legend order, light to dark) over the post-reform units of
/// the year's tree, or why there is none: the shipped points are of the post-reform tree
/// only.
pub fn points_map(
    registry: &UnitRegistry,
    tree_date: chrono::NaiveDate,
    id: &str,
    title: &str,
    classes: &[Class],
) -> Result<String, String> {
    let reform = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("a date");
    if tree_date < reform {
        return Err(format!(
            "Chưa có bản đồ của các đơn vị trước sắp xếp (cây đơn vị ngày {}): ntm chỉ có vị trí các xã, phường sau ngày 1/7/2025.",
            tree_date.format("%d/%m/%Y")
        ));
    }
    let mut styles = BTreeMap::new();
    for (n, class) in classes.iter().enumerate() {
        for (unit, label) in &class.units {
            if let Some(u) = registry.get(unit) {
                styles.insert(
                    u.code.clone(),
                    UnitStyle {
                        class: Some(n),
                        label: label.clone(),
                        short_label: None,
                        uncertain: false,
                    },
                );
            }
        }
    }
    for code in ntm_data::shipped_units::HATINH_DOUBTFUL_POINTS {
        styles.entry((*code).to_owned()).or_default().uncertain = true;
    }
    let legend = classes
        .iter()
        .enumerate()
        .map(|(n, c)| LegendEntry {
            fill: ntm_map::LEVEL_COLOURS
                .get(n)
                .map_or(Fill::NoData, |c| Fill::Colour(*c)),
            label: c.label.clone(),
            count: Some(c.units.len()),
        })
        .collect();
    Ok(ntm_map::render_svg(&MapSpec {
        id: id.to_owned(),
        title: title.to_owned(),
        layer: Layer::Points(points().to_vec()),
        styles,
        legend,
        labels: true,
        note: Some("Mỗi chấm là vị trí một xã, phường (không phải ranh giới); vị trí của Hương Sơn chưa chắc chắn.".into()),
        attribution: ntm_map::OPEN_ADMIN_DATA_ATTRIBUTION.to_owned(),
    }))
}
