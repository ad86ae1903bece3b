use ntm_map::{BoundaryProblem, MapError, SkipReason, Source, read_boundaries};
use serde_json::json;

use crate::fixtures::{
    bytes, close_enough, communes_geojson, rings, square, two_communes_geojson,
    two_communes_topojson,
};

#[test]
fn geojson_codes_come_from_the_common_properties_padded_when_numbers() {
    let b = read_boundaries(&bytes(&communes_geojson()), None).unwrap();
    assert_eq!(b.source, Source::GeoJson);
    let codes: Vec<Option<&str>> = b.features.iter().map(|f| f.code.as_deref()).collect();
    assert_eq!(codes, [Some("18073"), Some("18100"), Some("18115"), None]);
    let names: Vec<Option<&str>> = b.features.iter().map(|f| f.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("Thành Sen"),
            Some("Trần Phú"),
            Some("Bắc Hồng Lĩnh"),
            Some("Khu vực chưa rõ")
        ]
    );
    assert_eq!(
        b.features.iter().map(|f| f.number).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(b.properties, ["MA_XA", "ma", "name", "ten", "ten_xa"]);
    // Four squares of five positions each.
    assert_eq!(b.point_count(), 20);
}

#[test]
fn a_named_property_is_the_only_one_looked_at() {
    let b = read_boundaries(&bytes(&communes_geojson()), Some("MA_XA")).unwrap();
    let codes: Vec<Option<&str>> = b.features.iter().map(|f| f.code.as_deref()).collect();
    assert_eq!(codes, [None, Some("18100"), None, None]);
    let e = read_boundaries(&bytes(&communes_geojson()), Some("MaXa")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Tệp ranh giới không đọc được: không vùng nào có thuộc tính «MaXa»; các thuộc tính \
         có trong tệp: MA_XA, ma, name, ten, ten_xa"
    );
}

#[test]
fn a_single_feature_and_a_bare_geometry_are_maps_of_one() {
    let f = json!({"type": "Feature", "properties": {"code": 1},
                   "geometry": {"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]}});
    let b = read_boundaries(&bytes(&f), None).unwrap();
    assert_eq!(b.features.len(), 1);
    assert_eq!(b.features[0].code.as_deref(), Some("00001"));
    let g = json!({"type": "MultiPolygon", "coordinates": [[square(105.0, 18.0, 0.1)], [square(106.0, 18.0, 0.1)]]});
    let b = read_boundaries(&bytes(&g), None).unwrap();
    assert_eq!((b.features.len(), b.features[0].polygons.len()), (1, 2));
}

#[test]
fn rings_are_closed_holes_kept_and_repeats_dropped() {
    let f = json!({"type": "Feature", "properties": {"ma": "1"}, "geometry": {"type": "Polygon", "coordinates": [
        // Open, with a repeated position.
        [[105.0, 18.0], [105.4, 18.0], [105.4, 18.0], [105.4, 18.4], [105.0, 18.4]],
        square(105.1, 18.1, 0.1),
        // A hole of no area goes.
        [[105.2, 18.2], [105.3, 18.3], [105.2, 18.2]]
    ]}});
    let b = read_boundaries(&bytes(&f), None).unwrap();
    let p = &b.features[0].polygons[0];
    assert_eq!(p.exterior.len(), 5);
    assert_eq!(p.exterior.first(), p.exterior.last());
    assert_eq!(p.holes.len(), 1);
}

#[test]
fn features_without_an_area_are_listed_as_skipped() {
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma": "1"}, "geometry": {"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]}},
        {"type": "Feature", "properties": {"ma": "2"}, "geometry": null},
        {"type": "Feature", "properties": {"ma": "3"}, "geometry": {"type": "Point", "coordinates": [105.0, 18.0]}},
        {"type": "Feature", "properties": {"ma": "4"}, "geometry": {"type": "Polygon", "coordinates": [[[105.0, 18.0], [105.1, 18.0], [105.0, 18.0]]]}}
    ]});
    let b = read_boundaries(&bytes(&fc), None).unwrap();
    assert_eq!(b.features.len(), 1);
    let skipped: Vec<(usize, Option<&str>, &SkipReason)> = b
        .skipped
        .iter()
        .map(|s| (s.number, s.code.as_deref(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (2, Some("2"), &SkipReason::NoGeometry),
            (3, Some("3"), &SkipReason::NotArea("Point".into())),
            (4, Some("4"), &SkipReason::Degenerate),
        ]
    );
}

#[test]
fn topojson_gives_the_rings_of_the_same_map_in_geojson() {
    let topo = read_boundaries(&bytes(&two_communes_topojson()), None).unwrap();
    let geo = read_boundaries(&bytes(&two_communes_geojson()), None).unwrap();
    assert_eq!(
        topo.source,
        Source::TopoJson {
            object: "xa".into(),
            ignored: vec!["tinh".into()]
        }
    );
    let (t, g) = (rings(&topo), rings(&geo));
    assert_eq!(t.len(), 2);
    for (a, b) in t.iter().flatten().zip(g.iter().flatten()) {
        assert!(close_enough(a, b), "{a:?}\n{b:?}");
    }
    let codes: Vec<Option<&str>> = topo.features.iter().map(|f| f.code.as_deref()).collect();
    assert_eq!(codes, [Some("18073"), Some("18100")]);
    // The shared edge is the same two positions in both communes.
    let shared = |r: &[ntm_map::LonLat]| r.iter().filter(|p| (p.lon - 105.1).abs() < 1e-9).count();
    assert_eq!(shared(&t[0][0]), 3, "A starts and ends on the edge");
    assert_eq!(shared(&t[1][0]), 3, "and so does B");
}

#[test]
fn topojson_without_a_transform_holds_plain_degrees() {
    let topo = json!({"type": "Topology",
        "arcs": [[[105.0, 18.0], [105.1, 18.0], [105.1, 18.1], [105.0, 18.1], [105.0, 18.0]]],
        "objects": {"xa": {"type": "Polygon", "arcs": [[0]], "properties": {"ma": "7"}}}});
    let b = read_boundaries(&bytes(&topo), None).unwrap();
    let square = read_boundaries(
        &bytes(&json!({"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]})),
        None,
    )
    .unwrap();
    assert!(close_enough(
        &b.features[0].polygons[0].exterior,
        &square.features[0].polygons[0].exterior
    ));
    assert_eq!(b.features[0].code.as_deref(), Some("7"));
}

#[test]
fn a_projected_file_is_told_to_be_exported_in_wgs84() {
    // VN-2000 / UTM metres, the usual export of a provincial GIS department.
    let f = json!({"type": "Polygon", "coordinates": [[[560000.0, 2030000.0], [561000.0, 2030000.0], [561000.0, 2031000.0], [560000.0, 2030000.0]]]});
    let e = read_boundaries(&bytes(&f), None).unwrap_err();
    let MapError::Boundaries(BoundaryProblem::NotLonLat { at, .. }) = &e else {
        panic!("{e}")
    };
    assert_eq!(at, "vùng thứ 1, vòng 1, điểm 1");
    assert!(
        e.to_string().contains("VN-2000") && e.to_string().contains("EPSG:4326"),
        "{e}"
    );
}
