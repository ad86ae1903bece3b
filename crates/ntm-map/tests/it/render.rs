use std::collections::BTreeMap;

use ntm_map::{
    Area, Colour, Fill, LEVEL_COLOURS, LEVEL_LABELS, Layer, LegendEntry, MapSpec,
    OPEN_ADMIN_DATA_ATTRIBUTION, Point, UnitStyle, areas, match_units, points_from_csv,
    read_boundaries, render_svg, simplify_to,
};

use crate::fixtures::{CENTROIDS, bytes, communes_geojson, units};
use crate::xml::Doc;

fn level_legend() -> Vec<LegendEntry> {
    LEVEL_COLOURS
        .iter()
        .zip(LEVEL_LABELS)
        .map(|(c, l)| LegendEntry {
            fill: Fill::Colour(*c),
            label: l.to_owned(),
            count: None,
        })
        .collect()
}

fn style(class: Option<usize>, label: &str) -> UnitStyle {
    UnitStyle {
        class,
        label: label.to_owned(),
        ..UnitStyle::default()
    }
}

fn spec(layer: Layer, styles: BTreeMap<String, UnitStyle>) -> MapSpec {
    MapSpec {
        id: "ha-tinh".into(),
        title: "Mức đạt chuẩn nông thôn mới các xã, năm 2025".into(),
        layer,
        styles,
        legend: level_legend(),
        labels: true,
        note: Some("Vị trí Hương Sơn chưa chắc chắn".into()),
        attribution: OPEN_ADMIN_DATA_ATTRIBUTION.into(),
    }
}

/// The units drawn: the shapes of the units group, each with its `<title>` text.
fn units_of(doc: &Doc) -> Vec<(String, String, String)> {
    let (g, _) = doc.with_class("ntm-map-units").next().expect("units group");
    doc.elements[g]
        .children
        .iter()
        .map(|&i| {
            let e = &doc.elements[i];
            let titles: Vec<_> = doc.children_named(i, "title").collect();
            assert_eq!(titles.len(), 1, "one title per unit");
            (
                e.name.clone(),
                e.attrs["data-code"].clone(),
                titles[0].text.clone(),
            )
        })
        .collect()
}

#[test]
fn the_province_as_points() {
    let points = points_from_csv(CENTROIDS).unwrap();
    let mut styles: BTreeMap<String, UnitStyle> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                p.code.clone(),
                style(
                    Some(i % 4),
                    &format!("Xã {} — {}", p.name, LEVEL_LABELS[i % 4]),
                ),
            )
        })
        .collect();
    styles.get_mut("18133").unwrap().uncertain = true;
    styles.remove("18844");
    let names: Vec<String> = points.iter().map(|p| p.name.clone()).collect();
    let map = spec(Layer::Points(points), styles);
    let svg = render_svg(&map);
    let doc = Doc::parse(&svg);

    let root = doc.root();
    assert_eq!(root.name, "svg");
    assert_eq!(root.attrs["role"], "img");
    assert_eq!(
        root.attrs["aria-label"],
        "Mức đạt chuẩn nông thôn mới các xã, năm 2025"
    );
    assert_eq!(root.attrs["width"], "100%");
    assert_eq!(root.attrs["id"], "ntm-map-ha-tinh");
    let (w, h) = doc.view_box();
    assert_eq!(w, 1000.0);
    assert!(h > 400.0 && h <= 1414.0, "fits A4 portrait: {h}");

    let drawn = units_of(&doc);
    assert_eq!(drawn.len(), 69);
    assert!(drawn.iter().all(|(name, _, _)| name == "circle"));
    let huong_son = drawn.iter().find(|(_, c, _)| c == "18133").unwrap();
    assert!(
        huong_son.2.ends_with("(vị trí chưa chắc chắn)"),
        "{}",
        huong_son.2
    );
    // No style: drawn as no data under its name, and the legend says what that is.
    let ky_thuong = drawn.iter().find(|(_, c, _)| c == "18844").unwrap();
    assert_eq!(ky_thuong.2, "Kỳ Thượng");
    let legend = doc.text_of(doc.with_class("ntm-map-legend").next().unwrap().0);
    assert!(
        legend.contains("Kiểu mẫu") && legend.contains("Không có số liệu (1)"),
        "{legend}"
    );

    // The city's wards crowd one another: most are labelled, none over another.
    let (labels, _) = doc.with_class("ntm-map-labels").next().expect("labels");
    let boxes: Vec<[f64; 4]> = doc
        .children_named(labels, "text")
        .map(|t| {
            assert!(names.contains(&t.text), "{}", t.text);
            let (x, y): (f64, f64) = (t.attrs["x"].parse().unwrap(), t.attrs["y"].parse().unwrap());
            let w = t.text.chars().count() as f64 * 15.0 * 0.55;
            let left = match t.attrs["text-anchor"].as_str() {
                "middle" => x - w / 2.0,
                "end" => x - w,
                _ => x,
            };
            [left, y - 12.0, left + w, y + 3.0]
        })
        .collect();
    assert!(
        boxes.len() >= 50 && boxes.len() <= 69,
        "{} labels",
        boxes.len()
    );
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            assert!(
                a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1],
                "{a:?} {b:?}"
            );
        }
    }
    let text = doc.text_of(0);
    assert!(text.contains("Vị trí Hương Sơn chưa chắc chắn"));
    assert!(
        text.contains("https://github.com/open-admin-data/vietnam-administrative-divisions")
            && text.contains("© OpenStreetMap contributors")
            && text.contains("CC-BY-4.0"),
        "the attribution is in the picture"
    );
    assert_eq!(svg, render_svg(&map.clone()), "deterministic");
}

#[test]
fn names_from_files_are_escaped() {
    let nasty = "<script>alert('x')</script> & \"Xã\"\u{1}";
    let points = vec![Point {
        code: "1\"><a>".into(),
        name: nasty.into(),
        kind: String::new(),
        lat: 18.3,
        lon: 105.9,
    }];
    let mut styles = BTreeMap::new();
    styles.insert(
        "1\"><a>".to_owned(),
        UnitStyle {
            class: Some(0),
            label: format!("{nasty} — Đạt"),
            short_label: Some(nasty.into()),
            uncertain: false,
        },
    );
    let mut s = spec(Layer::Points(points), styles);
    s.title = format!("Bản đồ {nasty}");
    s.note = Some(nasty.into());
    s.attribution = "A & B <c>".into();
    s.legend[0].label = nasty.into();
    let svg = render_svg(&s);
    assert!(!svg.contains("<script") && !svg.contains("<a>"), "{svg}");
    let doc = Doc::parse(&svg);
    assert!(doc.all("script").next().is_none() && doc.all("a").next().is_none());
    let clean = "<script>alert('x')</script> & \"Xã\"";
    let drawn = units_of(&doc);
    assert_eq!(drawn[0].1, "1\"><a>");
    assert_eq!(drawn[0].2, format!("{clean} — Đạt"));
    assert_eq!(doc.root().attrs["aria-label"], format!("Bản đồ {clean}"));
    assert!(doc.text_of(0).contains("A & B <c>"));
}

#[test]
fn matched_boundaries_as_areas() {
    let mut b = read_boundaries(&bytes(&communes_geojson()), None).unwrap();
    simplify_to(&mut b, 20_000);
    let m = match_units(&b, &units());
    let mut styles = BTreeMap::new();
    styles.insert(
        "18073".to_owned(),
        UnitStyle {
            class: Some(1),
            label: "Phường Thành Sen — Đạt chuẩn".into(),
            short_label: Some("Thành Sen".into()),
            uncertain: false,
        },
    );
    styles.insert(
        "18100".to_owned(),
        style(Some(3), "Phường Trần Phú — Kiểu mẫu"),
    );
    let svg = render_svg(&spec(Layer::Areas(areas(&b, &m)), styles));
    let doc = Doc::parse(&svg);
    let drawn = units_of(&doc);
    assert_eq!(
        drawn,
        [
            (
                "path".into(),
                "18073".into(),
                "Phường Thành Sen — Đạt chuẩn".into()
            ),
            (
                "path".into(),
                "18100".into(),
                "Phường Trần Phú — Kiểu mẫu".into()
            ),
            ("path".into(), "18115".into(), "Bắc Hồng Lĩnh".into()),
        ]
    );
    let (g, _) = doc.with_class("ntm-map-units").next().unwrap();
    let fills: Vec<&str> = doc.elements[g]
        .children
        .iter()
        .map(|&i| doc.elements[i].attrs["fill"].as_str())
        .collect();
    assert_eq!(
        fills,
        [
            LEVEL_COLOURS[1].hex().as_str(),
            LEVEL_COLOURS[3].hex().as_str(),
            "url(#ntm-map-ha-tinh-nodata)"
        ]
    );
    // The pattern the no-data fill names is defined in the document itself.
    assert!(
        doc.all("pattern")
            .any(|(_, p)| p.attrs["id"] == "ntm-map-ha-tinh-nodata")
    );
    // Only the unit with a short label is labelled, inside its square.
    let (labels, _) = doc.with_class("ntm-map-labels").next().unwrap();
    let texts: Vec<_> = doc.children_named(labels, "text").collect();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].text, "Thành Sen");
    let d = &doc.elements[doc.elements[g].children[0]].attrs["d"];
    assert!(
        d.starts_with('M') && d.ends_with('Z') && !d.contains('e'),
        "{d}"
    );
    let coords: Vec<f64> = d
        .trim_matches(|c| c == 'M' || c == 'Z')
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let (xs, ys): (Vec<f64>, Vec<f64>) = coords.chunks(2).map(|c| (c[0], c[1])).unzip();
    let lx: f64 = texts[0].attrs["x"].parse().unwrap();
    let ly: f64 = texts[0].attrs["y"].parse().unwrap();
    let inside = |v: f64, vs: &[f64]| {
        vs.iter().copied().fold(f64::INFINITY, f64::min) < v
            && v < vs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    assert!(inside(lx, &xs) && inside(ly, &ys), "label at ({lx}, {ly})");
    // Every number has at most one decimal.
    assert!(coords.iter().all(|c| {
        (c * 10.0).fract() == 0.0
            || format!("{c}")
                .split('.')
                .nth(1)
                .is_some_and(|f| f.len() == 1)
    }));
}

#[test]
fn a_unit_drawn_by_several_features_is_one_shape_with_one_title() {
    let sq = |lon: f64| ntm_map::Polygon {
        exterior: [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.0, 0.1), (0.0, 0.0)]
            .map(|(x, y)| ntm_map::LonLat {
                lon: lon + x,
                lat: 18.0 + y,
            })
            .to_vec(),
        holes: vec![],
    };
    let layer = Layer::Areas(vec![
        Area {
            code: "18796".into(),
            name: Some("Kỳ Lợi".into()),
            polygons: vec![sq(106.0)],
        },
        Area {
            code: "18073".into(),
            name: None,
            polygons: vec![sq(105.0)],
        },
        Area {
            code: "18796".into(),
            name: None,
            polygons: vec![sq(106.3)],
        },
    ]);
    let doc = Doc::parse(&render_svg(&spec(layer, BTreeMap::new())));
    let drawn = units_of(&doc);
    assert_eq!(drawn.len(), 2);
    assert_eq!(
        (drawn[0].1.as_str(), drawn[0].2.as_str()),
        ("18796", "Kỳ Lợi")
    );
    let (g, _) = doc.with_class("ntm-map-units").next().unwrap();
    assert_eq!(
        doc.elements[doc.elements[g].children[0]].attrs["d"]
            .matches('M')
            .count(),
        2
    );
}

#[test]
fn nothing_refers_outside_the_picture() {
    let points = points_from_csv(CENTROIDS).unwrap();
    let svg = render_svg(&spec(Layer::Points(points), BTreeMap::new()));
    let doc = Doc::parse(&svg);
    for e in &doc.elements {
        for (k, v) in &e.attrs {
            assert!(!k.contains("href"), "{k}");
            if k != "xmlns" {
                assert!(!v.contains("http") && !v.contains("//"), "{k}={v}");
            }
            if v.starts_with("url(") {
                assert!(v.starts_with("url(#"), "{v}");
            }
        }
        assert!(
            !["image", "script", "foreignObject", "style", "use", "a"].contains(&e.name.as_str()),
            "{}",
            e.name
        );
    }
    assert!(doc.root().attrs.contains_key("font-family"));
}

#[test]
fn labels_can_be_left_out_and_an_empty_legend_is_none() {
    let points = points_from_csv(CENTROIDS).unwrap();
    let mut s = spec(Layer::Points(points), BTreeMap::new());
    s.labels = false;
    s.legend.clear();
    s.note = None;
    let doc = Doc::parse(&render_svg(&s));
    assert!(doc.with_class("ntm-map-labels").next().is_none());
    // Everything is no data, so the only legend entry says so.
    let legend = doc.text_of(doc.with_class("ntm-map-legend").next().unwrap().0);
    assert_eq!(legend, "Không có số liệu (69)");
    assert!(doc.with_class("ntm-map-note").next().is_none());
}

#[test]
fn an_empty_map_is_still_a_picture() {
    let mut s = spec(Layer::Areas(Vec::new()), BTreeMap::new());
    s.legend = vec![LegendEntry {
        fill: Fill::Colour(Colour(1, 2, 3)),
        label: "x".into(),
        count: Some(1200),
    }];
    let doc = Doc::parse(&render_svg(&s));
    assert!(units_of(&doc).is_empty());
    assert!(doc.text_of(0).contains("x (1.200)"));
}
