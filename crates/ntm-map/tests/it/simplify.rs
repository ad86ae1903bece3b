use ntm_map::{Boundaries, Feature, LonLat, Polygon, Ring, Source, simplify, simplify_to};
use proptest::prelude::*;

/// A star-shaped ring (simple by construction) around `(lon, lat)`, one radius per vertex.
fn star(lon: f64, lat: f64, radii: &[f64]) -> Ring {
    let n = radii.len() as f64;
    let mut r: Ring = radii
        .iter()
        .enumerate()
        .map(|(i, rad)| {
            let a = i as f64 / n * std::f64::consts::TAU;
            LonLat {
                lon: lon + rad * a.cos(),
                lat: lat + rad * a.sin(),
            }
        })
        .collect();
    r.push(r[0]);
    r
}

fn boundaries(features: Vec<Vec<Polygon>>) -> Boundaries {
    Boundaries {
        source: Source::GeoJson,
        features: features
            .into_iter()
            .enumerate()
            .map(|(i, polygons)| Feature {
                number: i + 1,
                code: Some(format!("{}", 18000 + i)),
                name: None,
                polygons,
            })
            .collect(),
        skipped: Vec::new(),
        properties: Vec::new(),
    }
}

fn polygon_strategy() -> impl Strategy<Value = Polygon> {
    (
        104.0..107.0f64,
        17.0..19.0f64,
        prop::collection::vec(0.01..0.1f64, 3..150),
        prop::option::of(prop::collection::vec(0.1..0.9f64, 3..40)),
    )
        .prop_map(|(lon, lat, radii, hole)| {
            let exterior = star(lon, lat, &radii);
            let min = radii.iter().copied().fold(f64::INFINITY, f64::min);
            let holes = hole
                .map(|h| {
                    let r: Vec<f64> = h.iter().map(|f| f * min * 0.9).collect();
                    vec![star(lon, lat, &r)]
                })
                .unwrap_or_default();
            Polygon { exterior, holes }
        })
}

fn boundaries_strategy() -> impl Strategy<Value = Boundaries> {
    prop::collection::vec(prop::collection::vec(polygon_strategy(), 1..4), 1..6)
        .prop_map(boundaries)
}

fn all_rings(b: &Boundaries) -> Vec<Vec<&Ring>> {
    b.features
        .iter()
        .map(|f| {
            f.polygons
                .iter()
                .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes))
                .collect()
        })
        .collect()
}

/// Every kept ring is closed, has at least four positions, and walks a subsequence of
/// some ring of the same feature in the original.
fn check(before: &Boundaries, after: &Boundaries) -> Result<(), TestCaseError> {
    prop_assert_eq!(before.features.len(), after.features.len());
    for (orig, simp) in all_rings(before).iter().zip(all_rings(after)) {
        prop_assert!(!simp.is_empty(), "a feature vanished");
        for ring in simp {
            prop_assert!(ring.len() >= 4, "{} positions", ring.len());
            prop_assert_eq!(ring.first(), ring.last());
            let source = orig.iter().find(|o| o.contains(&ring[0]));
            prop_assert!(source.is_some(), "a new position");
            let source = &source.unwrap()[..];
            let n = source.len() - 1;
            let idx: Vec<usize> = ring[..ring.len() - 1]
                .iter()
                .map(|p| {
                    source[..n]
                        .iter()
                        .position(|q| q == p)
                        .expect("from the same ring")
                })
                .collect();
            let wraps = idx.windows(2).filter(|w| w[1] <= w[0]).count();
            prop_assert!(
                wraps == 0 || (wraps == 1 && idx.last() < idx.first()),
                "order {:?}",
                idx
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn simplification_keeps_rings_closed_and_never_below_four(
        b in boundaries_strategy(),
        area in prop_oneof![Just(0.0), 0.0..1e6f64, 1e6..1e12f64],
    ) {
        let mut s = b.clone();
        let left = simplify(&mut s, area);
        prop_assert_eq!(left, s.point_count());
        prop_assert!(left <= b.point_count());
        check(&b, &s)?;
    }

    #[test]
    fn a_larger_threshold_keeps_a_subset(b in boundaries_strategy(), a in 0.0..1e7f64, k in 1.0..100.0f64) {
        let (mut fine, mut coarse) = (b.clone(), b.clone());
        simplify(&mut fine, a);
        simplify(&mut coarse, a * k);
        let fine_points: Vec<&LonLat> = fine.features.iter().flat_map(|f| &f.polygons)
            .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes)).flatten().collect();
        for f in &coarse.features {
            for p in f.polygons.iter().flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes)).flatten() {
                // A ring kept as its triangle keeps its three most important vertices,
                // which the finer result has too.
                prop_assert!(fine_points.contains(&p));
            }
        }
        prop_assert!(coarse.point_count() <= fine.point_count());
    }

    #[test]
    fn a_point_budget_is_met_when_it_can_be(b in boundaries_strategy(), share in 0.0..1.2f64) {
        let floor = 4 * b.features.len();
        let budget = floor + ((b.point_count() - floor) as f64 * share) as usize;
        let mut s = b.clone();
        let r = simplify_to(&mut s, budget);
        prop_assert_eq!(r.points, s.point_count());
        prop_assert!(r.points <= budget, "{} > {}", r.points, budget);
        check(&b, &s)?;
        if budget >= b.point_count() {
            prop_assert_eq!(&s, &b, "nothing to do");
        }
    }
}

#[test]
fn a_detailed_ring_loses_most_of_its_points() {
    let radii: Vec<f64> = (0..5000)
        .map(|i| 0.05 + 0.002 * (f64::from(i) * 0.7).sin())
        .collect();
    let mut b = boundaries(vec![vec![Polygon {
        exterior: star(105.5, 18.3, &radii),
        holes: vec![],
    }]]);
    let r = simplify_to(&mut b, 500);
    assert!(r.points <= 500 && r.points > 100, "{r:?}");
    assert!(r.min_area_m2 > 0.0);
}

#[test]
fn small_islands_go_but_a_unit_keeps_its_largest_ring() {
    let island = Polygon {
        exterior: star(106.0, 18.0, &[0.0001; 12]),
        holes: vec![],
    };
    let main = Polygon {
        exterior: star(105.5, 18.3, &[0.05; 12]),
        holes: vec![],
    };
    let tiny_unit = Polygon {
        exterior: star(105.0, 18.0, &[0.0001; 12]),
        holes: vec![],
    };
    let mut b = boundaries(vec![vec![main, island], vec![tiny_unit]]);
    simplify(&mut b, 1e6);
    assert_eq!(b.features[0].polygons.len(), 1, "the island went");
    assert_eq!(b.features[1].polygons.len(), 1, "the small unit stays");
    assert_eq!(b.features[1].polygons[0].exterior.len(), 4, "as a triangle");
}

#[test]
fn a_shared_border_is_simplified_alike_on_both_sides() {
    let border: Vec<LonLat> = (0..=60)
        .map(|k| LonLat {
            lon: 105.1 + 0.003 * (f64::from(k) * 1.3).sin(),
            lat: 18.0 + 0.1 * f64::from(k) / 60.0,
        })
        .collect();
    let west: Vec<LonLat> = (1..40)
        .map(|k| LonLat {
            lon: 105.0 + 0.002 * (f64::from(k) * 2.1).cos(),
            lat: 18.1 - 0.1 * f64::from(k) / 40.0,
        })
        .collect();
    let mut a: Ring = border.clone();
    a.push(LonLat {
        lon: 105.0,
        lat: 18.1,
    });
    a.extend(&west);
    a.push(LonLat {
        lon: 105.0,
        lat: 18.0,
    });
    a.push(a[0]);
    let mut b_ring: Ring = vec![
        LonLat {
            lon: 105.2,
            lat: 18.0,
        },
        LonLat {
            lon: 105.2,
            lat: 18.1,
        },
    ];
    b_ring.extend(border.iter().rev());
    b_ring.push(b_ring[0]);
    let mut b = boundaries(vec![
        vec![Polygon {
            exterior: a,
            holes: vec![],
        }],
        vec![Polygon {
            exterior: b_ring,
            holes: vec![],
        }],
    ]);
    let before = b.point_count();
    simplify_to(&mut b, 50);
    assert!(b.point_count() <= 50 && b.point_count() < before);
    let on_border = |f: usize| {
        let mut v: Vec<(u64, u64)> = b.features[f].polygons[0]
            .exterior
            .iter()
            .filter(|p| border.contains(p))
            .map(|p| (p.lon.to_bits(), p.lat.to_bits()))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    assert!(on_border(0).len() > 2, "the border kept some shape");
    assert_eq!(on_border(0), on_border(1), "no gap, no sliver");
}
