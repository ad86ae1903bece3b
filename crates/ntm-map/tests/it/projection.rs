use std::collections::BTreeMap;

use ntm_map::{BBox, Layer, LonLat, MapSpec, Point, Projection, render_svg};
use proptest::prelude::*;

use crate::xml::Doc;

fn points() -> impl Strategy<Value = Vec<LonLat>> {
    prop::collection::vec((-180.0..180.0f64, -85.0..85.0f64), 1..60).prop_map(|v| {
        v.into_iter()
            .map(|(lon, lat)| LonLat { lon, lat })
            .collect()
    })
}

proptest! {
    #[test]
    fn fitted_points_stay_inside_the_frame(
        pts in points(),
        width in 100.0..2000.0f64,
        pad in 0.0..40.0f64,
        max_h in 100.0..2000.0f64,
    ) {
        let b = BBox::of(pts.iter().copied()).unwrap();
        let p = Projection::fit(b, width, 100.0, max_h, pad);
        prop_assert!(p.height() >= 100.0 && p.height() <= max_h.max(100.0));
        for q in &pts {
            let (x, y) = p.project(*q);
            prop_assert!(x >= pad - 1e-6 && x <= width - pad + 1e-6, "x {} of {}", x, width);
            prop_assert!(y >= pad - 1e-6 && y <= p.height() - pad + 1e-6, "y {} of {}", y, p.height());
        }
    }

    #[test]
    fn drawn_points_stay_inside_the_view_box(pts in points()) {
        let spec = MapSpec {
            id: "p".into(),
            title: "Điểm".into(),
            layer: Layer::Points(
                pts.iter()
                    .enumerate()
                    .map(|(i, q)| Point { code: i.to_string(), name: format!("Xã {i}"), kind: String::new(), lat: q.lat, lon: q.lon })
                    .collect(),
            ),
            styles: BTreeMap::new(),
            legend: Vec::new(),
            labels: false,
            note: None,
            attribution: String::new(),
        };
        let doc = Doc::parse(&render_svg(&spec));
        let (w, h) = doc.view_box();
        let circles: Vec<_> = doc.all("circle").collect();
        prop_assert_eq!(circles.len(), pts.len());
        for (_, c) in circles {
            let r: f64 = c.attrs["r"].parse().unwrap();
            let x: f64 = c.attrs["cx"].parse().unwrap();
            let y: f64 = c.attrs["cy"].parse().unwrap();
            prop_assert!(x - r >= 0.0 && x + r <= w && y - r >= 0.0 && y + r <= h, "({}, {}) in {} × {}", x, y, w, h);
        }
    }
}
