//! What maps are drawn from: the shipped point of each post-reform unit, as the office
//! corrected it, and the office's boundary files — one for the tree after the 2025
//! reform, one for the tree before — matched to unit codes.
//!
//! A boundary file is checked and simplified when uploaded (at most [`MAX_POINTS`]
//! positions) and kept as GeoJSON whose features carry the matched code (`ma`), so a page
//! reads a small file and never matches again.

use chrono::NaiveDate;
use ntm_core::UnitRegistry;
use ntm_core::access::Action;
use ntm_map::{Boundaries, Matching, Point};
use ntm_store::quality::{BoundaryRecord, MapPointRecord};

use crate::accounts::Actor;
use crate::{AppError, AppResult};

/// Positions a kept boundary file holds at most: a province's communes drawn finely
/// enough for A4, light enough for a slow connection.
pub const MAX_POINTS: usize = 20_000;

/// The day the post-reform tree begins.
pub fn reform_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).expect("a date")
}

/// Which tree a day's units belong to: `post` from the reform, else `pre`.
pub fn tree_of(day: NaiveDate) -> &'static str {
    if day >= reform_day() { "post" } else { "pre" }
}

/// A tree's boundaries as kept, with what matched.
#[derive(Debug, Clone)]
pub struct KeptBoundaries {
    pub name: String,
    pub uploaded_by: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    pub boundaries: Boundaries,
    pub matching: Matching,
}

/// Everything a map is drawn from.
#[derive(Debug, Clone)]
pub struct MapBase {
    /// The shipped points with the office's corrections.
    pub points: Vec<Point>,
    /// Codes whose point the office corrected.
    pub corrected: Vec<String>,
    pub post: Option<KeptBoundaries>,
    pub pre: Option<KeptBoundaries>,
}

impl MapBase {
    pub fn boundaries(&self, tree: &str) -> Option<&KeptBoundaries> {
        match tree {
            "post" => self.post.as_ref(),
            _ => self.pre.as_ref(),
        }
    }
}

/// The commune-level units of a tree (code, name): what its boundary file must draw.
pub fn tree_units(registry: &UnitRegistry, tree: &str) -> Vec<(String, String)> {
    let day = if tree == "post" {
        reform_day()
    } else {
        reform_day().pred_opt().expect("a date")
    };
    registry
        .as_of(day)
        .into_iter()
        .filter(|v| v.unit.level == ntm_core::UnitLevel::Commune)
        .map(|v| (v.unit.code.clone(), v.name().to_owned()))
        .collect()
}

/// Reads what maps are drawn from.
pub async fn base(store: &dyn ntm_store::Store, registry: &UnitRegistry) -> AppResult<MapBase> {
    let mut points = ntm_map::points_from_csv(ntm_data::shipped_units::HATINH_POINTS)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut corrected = Vec::new();
    for p in store.map_points().await? {
        let (Ok(lat), Ok(lon)) = (p.lat.parse::<f64>(), p.lon.parse::<f64>()) else {
            continue;
        };
        match points.iter_mut().find(|x| x.code == p.code) {
            Some(x) => {
                x.lat = lat;
                x.lon = lon;
            }
            None => points.push(Point {
                code: p.code.clone(),
                name: p.code.clone(),
                kind: String::new(),
                lat,
                lon,
            }),
        }
        corrected.push(p.code);
    }
    let kept = |tree: &str, record: Option<BoundaryRecord>| -> AppResult<Option<KeptBoundaries>> {
        let Some(r) = record else { return Ok(None) };
        let boundaries = ntm_map::read_boundaries(r.geojson.as_bytes(), Some("ma"))
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let matching = ntm_map::match_units(&boundaries, &tree_units(registry, tree));
        Ok(Some(KeptBoundaries {
            name: r.name,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
            boundaries,
            matching,
        }))
    };
    let post = kept("post", store.boundary("post").await?)?;
    let pre = kept("pre", store.boundary("pre").await?)?;
    Ok(MapBase {
        points,
        corrected,
        post,
        pre,
    })
}

fn office_only(registry: &UnitRegistry, actor: &Actor) -> AppResult<()> {
    if actor.can_globally(registry, Action::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "chỉ văn phòng điều phối cấp tỉnh sửa được bản đồ".into(),
        ))
    }
}

/// Corrects the point of a post-reform unit: degrees in WGS84, inside Vietnam.
#[allow(clippy::too_many_arguments)]
pub async fn set_point(
    store: &dyn ntm_store::Store,
    registry: &UnitRegistry,
    actor: &Actor,
    code: &str,
    lat: &str,
    lon: &str,
    note: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    office_only(registry, actor)?;
    let code = code.trim();
    let mut problems = Vec::new();
    if !tree_units(registry, "post").iter().any(|(c, _)| c == code) {
        problems.push(format!("không có xã, phường mã “{code}” sau sắp xếp"));
    }
    let degrees = |text: &str,
                   what: &str,
                   range: std::ops::RangeInclusive<f64>,
                   problems: &mut Vec<String>| {
        match text.trim().replace(',', ".").parse::<f64>() {
            Ok(d) if d.is_finite() && range.contains(&d) => Some(d),
            _ => {
                problems.push(format!(
                    "{what} “{}” phải là số độ trong khoảng {}–{} (WGS84, ví dụ 18,34)",
                    text.trim(),
                    range.start(),
                    range.end()
                ));
                None
            }
        }
    };
    let la = degrees(lat, "vĩ độ", 8.0..=24.0, &mut problems);
    let lo = degrees(lon, "kinh độ", 102.0..=110.0, &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let (Some(la), Some(lo)) = (la, lo) else {
        return Err(AppError::Invalid(problems));
    };
    store
        .set_map_point(
            &MapPointRecord {
                code: code.to_owned(),
                lat: format!("{la}"),
                lon: format!("{lo}"),
                note: note.trim().to_owned(),
                set_at: at,
                set_by: actor.username.clone(),
            },
            &actor.audit(at, "sửa vị trí trên bản đồ"),
        )
        .await?;
    Ok(())
}

/// What an upload matched: kept when at least one feature matched a unit of the tree.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub matching: Matching,
    pub points_before: usize,
    pub points_after: usize,
}

/// Reads, matches and simplifies the office's boundary file of `tree` and keeps it in
/// place of the one before; a file that matches no unit of the tree is refused.
#[allow(clippy::too_many_arguments)]
pub async fn upload_boundaries(
    store: &dyn ntm_store::Store,
    registry: &UnitRegistry,
    actor: &Actor,
    tree: &str,
    name: &str,
    bytes: &[u8],
    code_property: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<Uploaded> {
    office_only(registry, actor)?;
    if tree != "post" && tree != "pre" {
        return Err(AppError::Invalid(vec![
            "chọn cây đơn vị: sau sắp xếp (post) hoặc trước sắp xếp (pre)".into(),
        ]));
    }
    let mut b = ntm_map::read_boundaries(bytes, code_property.filter(|p| !p.trim().is_empty()))
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let units = tree_units(registry, tree);
    let matching = ntm_map::match_units(&b, &units);
    if matching.matched.is_empty() {
        return Err(AppError::Invalid(vec![format!(
            "không vùng nào của tệp khớp mã một xã, phường của cây đơn vị {}; các thuộc tính có trong tệp: {}",
            if tree == "post" {
                "sau sắp xếp"
            } else {
                "trước sắp xếp"
            },
            b.properties.join(", ")
        )]));
    }
    let points_before = b.point_count();
    let simplified = ntm_map::simplify_to(&mut b, MAX_POINTS);
    let geojson = to_geojson(&b, &matching);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    store
        .put_boundary(
            &BoundaryRecord {
                tree: tree.to_owned(),
                name: if base.is_empty() {
                    "ranh-gioi.geojson".into()
                } else {
                    base.to_owned()
                },
                geojson,
                features: matching.matched.len() as i64,
                uploaded_at: at,
                uploaded_by: actor.username.clone(),
            },
            &actor.audit(at, "tải tệp ranh giới"),
        )
        .await?;
    Ok(Uploaded {
        matching,
        points_before,
        points_after: simplified.points,
    })
}

/// The matched features as GeoJSON, each with its unit's code as `ma`.
fn to_geojson(b: &Boundaries, m: &Matching) -> String {
    use serde_json::json;
    let ring = |r: &ntm_map::Ring| -> Vec<[f64; 2]> { r.iter().map(|p| [p.lon, p.lat]).collect() };
    let features: Vec<serde_json::Value> = m
        .matched
        .iter()
        .filter_map(|(code, i)| {
            let f = b.features.get(*i)?;
            let polygons: Vec<Vec<Vec<[f64; 2]>>> = f
                .polygons
                .iter()
                .map(|p| {
                    std::iter::once(ring(&p.exterior))
                        .chain(p.holes.iter().map(ring))
                        .collect()
                })
                .collect();
            Some(json!({
                "type": "Feature",
                "properties": { "ma": code, "ten": f.name },
                "geometry": { "type": "MultiPolygon", "coordinates": polygons },
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}
