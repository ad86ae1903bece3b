use ntm_map::{areas, match_units, read_boundaries};
use serde_json::json;

use crate::fixtures::{bytes, communes_geojson, square, units};

#[test]
fn unmatched_are_listed_both_ways() {
    let b = read_boundaries(&bytes(&communes_geojson()), None).unwrap();
    let m = match_units(&b, &units());
    assert_eq!(
        m.matched,
        [
            ("18073".to_owned(), 0),
            ("18100".to_owned(), 1),
            ("18115".to_owned(), 2)
        ]
    );
    assert_eq!(
        m.units_without_feature,
        [("18118".to_owned(), "Phường Nam Hồng Lĩnh".to_owned())]
    );
    assert_eq!(m.features_without_unit.len(), 1);
    let f = &m.features_without_unit[0];
    assert_eq!(
        (f.index, f.number, f.code_or_placeholder()),
        (3, 4, "(không có mã)")
    );
    assert_eq!(f.name.as_deref(), Some("Khu vực chưa rõ"));
    assert!(m.duplicates.is_empty());
}

#[test]
fn a_feature_of_an_unknown_unit_keeps_its_code() {
    let b = read_boundaries(&bytes(&communes_geojson()), None).unwrap();
    let m = match_units(&b, &units()[..1]);
    let codes: Vec<&str> = m
        .features_without_unit
        .iter()
        .map(|f| f.code_or_placeholder())
        .collect();
    assert_eq!(codes, ["18100", "18115", "(không có mã)"]);
}

#[test]
fn codes_match_whatever_their_leading_zeros() {
    // A district map stored as numbers: 436 reads as "00436" and still matches "436".
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma": 436}, "geometry": {"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]}},
        {"type": "Feature", "properties": {"ma": "0437"}, "geometry": {"type": "Polygon", "coordinates": [square(105.1, 18.0, 0.1)]}}
    ]});
    let b = read_boundaries(&bytes(&fc), None).unwrap();
    let m = match_units(
        &b,
        &[
            ("436".into(), "TP Hà Tĩnh".into()),
            ("437".into(), "TX Hồng Lĩnh".into()),
        ],
    );
    assert_eq!(m.matched, [("436".to_owned(), 0), ("437".to_owned(), 1)]);
    assert!(m.units_without_feature.is_empty() && m.features_without_unit.is_empty());
}

#[test]
fn a_code_held_twice_is_reported_and_both_parts_drawn() {
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma": "18796"}, "geometry": {"type": "Polygon", "coordinates": [square(106.0, 18.0, 0.1)]}},
        {"type": "Feature", "properties": {"ma": "18073"}, "geometry": {"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]}},
        {"type": "Feature", "properties": {"ma": "18796"}, "geometry": {"type": "Polygon", "coordinates": [square(106.2, 18.0, 0.01)]}}
    ]});
    let b = read_boundaries(&bytes(&fc), None).unwrap();
    let m = match_units(
        &b,
        &[
            ("18796".into(), "Xã Kỳ Lợi".into()),
            ("18073".into(), "Thành Sen".into()),
        ],
    );
    assert_eq!(m.duplicates, [("18796".to_owned(), vec![0, 2])]);
    assert_eq!(
        m.matched,
        [
            ("18796".to_owned(), 0),
            ("18796".to_owned(), 2),
            ("18073".to_owned(), 1)
        ]
    );
    let a = areas(&b, &m);
    assert_eq!(
        a.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
        ["18796", "18796", "18073"]
    );
}

#[test]
fn a_unit_listed_twice_is_matched_once() {
    let b = read_boundaries(&bytes(&communes_geojson()), None).unwrap();
    let mut u = units();
    u.push(u[0].clone());
    let m = match_units(&b, &u);
    assert_eq!(m.matched.iter().filter(|(c, _)| c == "18073").count(), 1);
}
