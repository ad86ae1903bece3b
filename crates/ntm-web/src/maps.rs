//! The province on a map, coloured by what a page measures: the office's boundary file of
//! the year's tree, else (after the reform) the point of each unit. Drawn on the server as
//! SVG (no tiles, nothing fetched), so the map works offline and prints.

use std::collections::BTreeMap;
use std::sync::Arc;

use ntm_app::maps::MapBase;
use ntm_core::{UnitId, UnitRegistry};
use ntm_map::{Fill, Layer, LegendEntry, MapSpec, UnitStyle};

/// What maps are drawn from, kept per data version (the office's points and boundary
/// files raise the quality version).
pub async fn base(state: &crate::state::AppState) -> crate::error::WebResult<Arc<MapBase>> {
    let store = state.store.as_ref();
    let registry = state.cache.registry(store).await?;
    Ok(state
        .cache
        .memo_with(store, "map-base".into(), async {
            ntm_app::maps::base(store, &registry).await
        })
        .await?)
}

/// A class of the map: its legend text and the units in it, each with its hover text.
pub struct Class {
    pub label: String,
    pub units: Vec<(UnitId, String)>,
}

/// The map of `classes` (in legend order, light to dark) over the units of the tree of
/// `tree_date`: the office's boundary file of that tree, else for the post-reform tree the
/// shipped points; or why there is none.
pub fn unit_map(
    base: &MapBase,
    registry: &UnitRegistry,
    tree_date: chrono::NaiveDate,
    id: &str,
    title: &str,
    classes: &[Class],
) -> Result<String, String> {
    let tree = ntm_app::maps::tree_of(tree_date);
    let (layer, note, attribution) = match base.boundaries(tree) {
        Some(k) => (
            Layer::Areas(ntm_map::areas(&k.boundaries, &k.matching)),
            None,
            format!(
                "Ranh giới: tệp “{}” của văn phòng điều phối (tải lên {}), đã đơn giản hóa để vẽ",
                k.name,
                crate::format::datetime(k.uploaded_at)
            ),
        ),
        None if tree == "post" => (
            Layer::Points(base.points.clone()),
            Some(
                "Mỗi chấm là vị trí một xã, phường (không phải ranh giới); vị trí của Hương Sơn chưa chắc chắn."
                    .to_owned(),
            ),
            ntm_map::OPEN_ADMIN_DATA_ATTRIBUTION.to_owned(),
        ),
        None => {
            return Err(format!(
                "Chưa có bản đồ của các đơn vị trước sắp xếp (cây đơn vị ngày {}): văn phòng có thể tải tệp ranh giới trước sắp xếp ở trang Bản đồ; vị trí có sẵn chỉ là của các xã, phường sau ngày 1/7/2025.",
                tree_date.format("%d/%m/%Y")
            ));
        }
    };
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
    if matches!(layer, Layer::Points(_)) {
        for code in ntm_data::shipped_units::HATINH_DOUBTFUL_POINTS {
            if !base.corrected.iter().any(|c| c == code) {
                styles.entry((*code).to_owned()).or_default().uncertain = true;
            }
        }
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
        layer,
        styles,
        legend,
        labels: true,
        note,
        attribution,
    }))
}
