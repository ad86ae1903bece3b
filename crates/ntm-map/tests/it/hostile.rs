//! Boundary files are uploads: whatever the bytes, the reader answers with boundaries or
//! a Vietnamese error, never a panic, and never holds more than its caps allow.

use ntm_map::{BoundaryProblem, MAX_BYTES, MapError, read_boundaries};
use proptest::prelude::*;
use serde_json::json;

use crate::fixtures::{bytes, communes_geojson, square, two_communes_topojson};

fn problem(input: &[u8]) -> BoundaryProblem {
    match read_boundaries(input, None) {
        Err(MapError::Boundaries(p)) => p,
        other => panic!("expected a boundary error, got {other:?}"),
    }
}

fn kind(p: &BoundaryProblem) -> &'static str {
    match p {
        BoundaryProblem::TooLarge { .. } => "TooLarge",
        BoundaryProblem::NotJson { .. } => "NotJson",
        BoundaryProblem::TooDeep => "TooDeep",
        BoundaryProblem::NotGeoJson { .. } => "NotGeoJson",
        BoundaryProblem::WrongType { .. } => "WrongType",
        BoundaryProblem::NotFinite { .. } => "NotFinite",
        BoundaryProblem::NotLonLat { .. } => "NotLonLat",
        BoundaryProblem::TooManyCoordinates => "TooManyCoordinates",
        BoundaryProblem::TooComplex => "TooComplex",
        BoundaryProblem::BadArc { .. } => "BadArc",
        BoundaryProblem::Empty => "Empty",
        BoundaryProblem::MissingProperty { .. } => "MissingProperty",
    }
}

fn polygon_feature(coordinates: serde_json::Value) -> Vec<u8> {
    bytes(&json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": coordinates}}))
}

fn topo(
    arcs: serde_json::Value,
    ring: serde_json::Value,
    transform: Option<serde_json::Value>,
) -> Vec<u8> {
    let mut t = json!({"type": "Topology", "arcs": arcs,
        "objects": {"xa": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [ring]}]}}});
    if let Some(tr) = transform {
        t["transform"] = tr;
    }
    bytes(&t)
}

#[test]
fn hostile_files_are_refused_with_their_reason() {
    let deep_json = "[".repeat(10_000) + &"]".repeat(10_000);
    let mut deep_collection = json!({"type": "Polygon", "coordinates": [square(105.0, 18.0, 0.1)]});
    for _ in 0..10 {
        deep_collection = json!({"type": "GeometryCollection", "geometries": [deep_collection]});
    }
    let long_arc: Vec<[i64; 2]> = (0..1000).map(|i| [i % 2, 1]).collect();
    let many_refs = vec![0; 250];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("nothing", b"".to_vec(), "NotJson"),
        ("not json", b"<kml>".to_vec(), "NotJson"),
        (
            "truncated",
            bytes(&communes_geojson())[..100].to_vec(),
            "NotJson",
        ),
        (
            "latin-1",
            b"{\"type\":\"Feature\",\"x\":\"\xe9\"}".to_vec(),
            "NotJson",
        ),
        (
            "a number beyond f64",
            b"{\"type\":\"Polygon\",\"coordinates\":[[[1e400,0]]]}".to_vec(),
            "NotJson",
        ),
        ("an array", b"[]".to_vec(), "WrongType"),
        ("a string", b"\"FeatureCollection\"".to_vec(), "WrongType"),
        ("no type", b"{}".to_vec(), "NotGeoJson"),
        ("kml in json", br#"{"type":"kml"}"#.to_vec(), "NotGeoJson"),
        (
            "empty collection",
            br#"{"type":"FeatureCollection","features":[]}"#.to_vec(),
            "Empty",
        ),
        (
            "features an object",
            br#"{"type":"FeatureCollection","features":{}}"#.to_vec(),
            "WrongType",
        ),
        (
            "a feature a number",
            br#"{"type":"FeatureCollection","features":[1]}"#.to_vec(),
            "WrongType",
        ),
        (
            "geometry a string",
            br#"{"type":"Feature","geometry":"Polygon"}"#.to_vec(),
            "WrongType",
        ),
        (
            "coordinates a string",
            polygon_feature(json!("x")),
            "WrongType",
        ),
        (
            "NaN as a string",
            polygon_feature(json!([[["NaN", "1"], [0, 0], [1, 1]]])),
            "WrongType",
        ),
        (
            "one number a position",
            polygon_feature(json!([[1, 2, 3]])),
            "WrongType",
        ),
        (
            "too deep a position",
            polygon_feature(json!([[[[105.0, 18.0]]]])),
            "WrongType",
        ),
        (
            "a huge number",
            polygon_feature(json!([[[1e308, 0], [0, 0], [1, 1]]])),
            "NotLonLat",
        ),
        (
            "latitude past the pole",
            polygon_feature(json!([[[105, 91], [0, 0], [1, 1]]])),
            "NotLonLat",
        ),
        (
            "only points",
            bytes(&json!({"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[105,18]}}]})),
            "Empty",
        ),
        ("deep json", deep_json.into_bytes(), "TooDeep"),
        ("nested collections", bytes(&deep_collection), "TooDeep"),
        (
            "many values",
            format!("[{}0]", "0,".repeat(1_600_000)).into_bytes(),
            "TooComplex",
        ),
        (
            "topology without arcs",
            br#"{"type":"Topology","objects":{}}"#.to_vec(),
            "WrongType",
        ),
        (
            "topology without objects",
            br#"{"type":"Topology","arcs":[]}"#.to_vec(),
            "WrongType",
        ),
        (
            "topology with no layer",
            br#"{"type":"Topology","arcs":[],"objects":{}}"#.to_vec(),
            "Empty",
        ),
        (
            "arc past the end",
            topo(json!([[[0, 0], [1, 1]]]), json!([3]), None),
            "BadArc",
        ),
        (
            "reversed arc past the end",
            topo(json!([[[0, 0], [1, 1]]]), json!([-100]), None),
            "BadArc",
        ),
        (
            "the lowest i64",
            topo(json!([[[0, 0], [1, 1]]]), json!([i64::MIN]), None),
            "BadArc",
        ),
        (
            "arc index a float",
            topo(json!([[[0, 0], [1, 1]]]), json!([0.5]), None),
            "WrongType",
        ),
        (
            "transform to infinity",
            topo(
                json!([[[1e300, 0], [1e300, 0]]]),
                json!([0]),
                Some(json!({"scale": [1e300, 1], "translate": [0, 0]})),
            ),
            "NotFinite",
        ),
        (
            "transform of one number",
            topo(
                json!([]),
                json!([0]),
                Some(json!({"scale": [1], "translate": [0, 0]})),
            ),
            "WrongType",
        ),
        (
            "one long arc named many times",
            topo(
                json!([long_arc]),
                json!(many_refs),
                Some(json!({"scale": [0.0001, 0.0001], "translate": [105, 18]})),
            ),
            "TooManyCoordinates",
        ),
    ];
    for (what, input, want) in cases {
        let p = problem(&input);
        assert_eq!(kind(&p), want, "{what}: {p}");
        assert!(
            MapError::Boundaries(p)
                .to_string()
                .starts_with("Tệp ranh giới không đọc được: "),
            "{what}"
        );
    }
}

#[test]
fn more_than_twenty_megabytes_is_refused_before_parsing() {
    let big = vec![b' '; MAX_BYTES + 1];
    let p = problem(&big);
    assert_eq!(
        p,
        BoundaryProblem::TooLarge {
            bytes: MAX_BYTES + 1
        }
    );
    assert!(p.to_string().contains("quá giới hạn 20 MB"), "{p}");
}

#[test]
fn too_many_positions_are_refused_while_reading() {
    // 201 rings of 1 000 positions: past the cap of 200 000.
    let ring: Vec<[f64; 2]> = (0..1000)
        .map(|i| {
            let a = f64::from(i) / 1000.0 * std::f64::consts::TAU;
            [105.5 + 0.1 * a.cos(), 18.5 + 0.1 * a.sin()]
        })
        .collect();
    let features: Vec<serde_json::Value> = (0..201)
        .map(|i| json!({"type": "Feature", "properties": {"ma": i}, "geometry": {"type": "Polygon", "coordinates": [ring]}}))
        .collect();
    let fc = bytes(&json!({"type": "FeatureCollection", "features": features}));
    assert_eq!(problem(&fc), BoundaryProblem::TooManyCoordinates);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_boundaries(&b, None);
    }

    #[test]
    fn mutated_files_never_panic(
        which in 0usize..2,
        at in any::<usize>(),
        byte in prop::sample::select(b"[]{}\",:-0123456789.eE ~ntfaxy".to_vec()),
        cut in any::<bool>(),
    ) {
        let mut b = bytes(&[communes_geojson(), two_communes_topojson()][which]);
        let i = at % b.len();
        if cut { b.truncate(i) } else { b[i] = byte }
        let _ = read_boundaries(&b, None);
        let _ = read_boundaries(&b, Some("ma"));
    }
}
