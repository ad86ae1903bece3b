//! Small maps built in the tests, so that what each test expects is visible next to it.

use ntm_map::{Boundaries, LonLat, Ring};
use serde_json::{Value, json};

pub const CENTROIDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/admin-units/hatinh-2025-centroids.csv"
));

/// An axis-aligned square ring, anticlockwise from its south-west corner.
pub fn square(lon: f64, lat: f64, side: f64) -> Value {
    json!([
        [lon, lat],
        [lon + side, lat],
        [lon + side, lat + side],
        [lon, lat + side],
        [lon, lat]
    ])
}

/// Three square communes in a row — a code as a string under `ma`, one as a number under
/// `MA_XA`, one in the feature's `id` — and a fourth square with no code at all.
pub fn communes_geojson() -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"ma": "18073", "ten": "Thành Sen"},
             "geometry": {"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]}},
            {"type": "Feature", "properties": {"MA_XA": 18100, "ten_xa": "Trần Phú"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[square(105.1, 18.0, 0.1)]]}},
            {"type": "Feature", "id": "18115", "properties": {"name": "Bắc Hồng Lĩnh"},
             "geometry": {"type": "Polygon", "coordinates": [square(105.2, 18.0, 0.1)]}},
            {"type": "Feature", "properties": {"ten": "Khu vực chưa rõ"},
             "geometry": {"type": "Polygon", "coordinates": [square(105.3, 18.0, 0.1)]}}
        ]
    })
}

pub fn units() -> Vec<(String, String)> {
    [
        ("18073", "Phường Thành Sen"),
        ("18100", "Phường Trần Phú"),
        ("18115", "Phường Bắc Hồng Lĩnh"),
        ("18118", "Phường Nam Hồng Lĩnh"),
    ]
    .map(|(c, n)| (c.to_owned(), n.to_owned()))
    .to_vec()
}

/// Two communes sharing their border, quantized on a 0.1° grid from (105, 18): arc 1 is
/// the shared edge, walked forwards by A and backwards (`~1`) by B. A second layer, the
/// province, has fewer areas and is left aside.
pub fn two_communes_topojson() -> Value {
    json!({
        "type": "Topology",
        "transform": {"scale": [0.1, 0.1], "translate": [105.0, 18.0]},
        "arcs": [
            // (1,1) → (0,1) → (0,0) → (1,0): A's own border.
            [[1, 1], [-1, 0], [0, -1], [1, 0]],
            // (1,0) → (1,1): the shared edge.
            [[1, 0], [0, 1]],
            // (1,0) → (2,0) → (2,1) → (1,1): B's own border.
            [[1, 0], [1, 0], [0, 1], [-1, 0]]
        ],
        "objects": {
            "tinh": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "properties": {"ma": "42"}}
            ]},
            "xa": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "properties": {"ma_xa": "18073"}},
                {"type": "MultiPolygon", "arcs": [[[2, -2]]], "id": 18100}
            ]}
        }
    })
}

/// The same two communes written out in GeoJSON, each ring starting where its first arc
/// does.
pub fn two_communes_geojson() -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"ma_xa": "18073"}, "geometry": {"type": "Polygon",
             "coordinates": [[[105.1, 18.1], [105.0, 18.1], [105.0, 18.0], [105.1, 18.0], [105.1, 18.1]]]}},
            {"type": "Feature", "id": 18100, "geometry": {"type": "Polygon",
             "coordinates": [[[105.1, 18.0], [105.2, 18.0], [105.2, 18.1], [105.1, 18.1], [105.1, 18.0]]]}}
        ]
    })
}

pub fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

pub fn rings(b: &Boundaries) -> Vec<Vec<Ring>> {
    b.features
        .iter()
        .map(|f| {
            f.polygons
                .iter()
                .flat_map(|p| std::iter::once(p.exterior.clone()).chain(p.holes.clone()))
                .collect()
        })
        .collect()
}

pub fn close_enough(a: &[LonLat], b: &[LonLat]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| (p.lon - q.lon).abs() < 1e-9 && (p.lat - q.lat).abs() < 1e-9)
}
