//! Server-side simplification, so that a map page carries a bounded number of points.
//!
//! Visvalingam–Whyatt rather than Douglas–Peucker: it runs in O(n log n) whatever the
//! shape (Douglas–Peucker is quadratic on a hostile ring, and a boundary file is
//! untrusted), and it generalises a coastline the way a cartographer would. Every vertex
//! gets an *importance*, the effective area (m²) at which it goes; thresholds then select
//! nested sets of vertices, which is what lets `simplify_to` find the least
//! simplification under a point budget by bisection.
//!
//! Neighbouring communes share their border vertex for vertex. A vertex where a border
//! meets a third ring (a *junction*) is pinned, and the stretch between two junctions is
//! then simplified identically in both rings — removal only looks at a vertex's
//! neighbours and ties are broken by position, not by index — so no gap or sliver opens
//! between neighbours. Only exactly equal positions are recognised as shared.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use crate::geometry::{Boundaries, LonLat, Ring, doubled_area};
use crate::projection::metres;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simplified {
    /// The threshold used: vertices whose effective area is at most this went.
    pub min_area_m2: f64,
    /// Positions left, closing positions included (`Boundaries::point_count`).
    pub points: usize,
}

/// Removes the vertices whose effective triangle is at most `min_area_m2` square metres.
/// A ring keeps at least three distinct positions (four with its closing one) or goes;
/// holes and small islands may go, but each feature's largest exterior ring stays, at
/// worst as a triangle, so that no unit vanishes from the map. A negative or NaN
/// threshold changes nothing. Returns the positions left.
pub fn simplify(b: &mut Boundaries, min_area_m2: f64) -> usize {
    let t = if min_area_m2 >= 0.0 {
        min_area_m2
    } else {
        -1.0
    };
    let plan = Plan::new(b);
    plan.apply(b, t);
    b.point_count()
}

/// Simplifies as little as possible to leave at most `max_points` positions. When even
/// the strongest simplification leaves more (each feature keeps a triangle, junctions
/// stay), it is applied and the count returned says so.
pub fn simplify_to(b: &mut Boundaries, max_points: usize) -> Simplified {
    let plan = Plan::new(b);
    let mut candidates: Vec<f64> = plan
        .rings()
        .flat_map(|r| r.importance.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    candidates.push(-1.0);
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    // The count falls as the threshold rises (kept vertices are nested), so the first
    // threshold under the budget is found by bisection.
    let (mut lo, mut hi) = (0, candidates.len() - 1);
    if plan.count(candidates[hi]) <= max_points {
        while lo < hi {
            let mid = (lo + hi) / 2;
            if plan.count(candidates[mid]) <= max_points {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
    }
    let t = candidates[hi];
    plan.apply(b, t);
    Simplified {
        min_area_m2: t.max(0.0),
        points: b.point_count(),
    }
}

struct RingPlan {
    /// Per distinct vertex (the closing position left out); infinite when pinned.
    importance: Vec<f64>,
    /// The three vertices a forced ring keeps when it would collapse, in ring order.
    forced: Option<[usize; 3]>,
}

impl RingPlan {
    fn kept(&self, t: f64) -> usize {
        self.importance.iter().filter(|&&v| v > t).count()
    }

    /// Positions this ring contributes at threshold `t`, closing one included.
    fn count(&self, t: f64) -> usize {
        match self.kept(t) {
            k if k >= 3 => k + 1,
            _ if self.forced.is_some() => 4,
            _ => 0,
        }
    }

    fn apply(&self, ring: &[LonLat], t: f64) -> Option<Ring> {
        let open = &ring[..ring.len().saturating_sub(1)];
        let mut out: Ring = if self.kept(t) >= 3 {
            open.iter()
                .zip(&self.importance)
                .filter(|(_, v)| **v > t)
                .map(|(p, _)| *p)
                .collect()
        } else {
            self.forced?.iter().map(|&i| open[i]).collect()
        };
        out.push(out[0]);
        Some(out)
    }
}

struct Plan {
    /// Per feature, per polygon: the exterior then the holes.
    features: Vec<Vec<(RingPlan, Vec<RingPlan>)>>,
}

impl Plan {
    fn new(b: &Boundaries) -> Plan {
        let Some(bbox) = b.bbox() else {
            return Plan {
                features: Vec::new(),
            };
        };
        let to_m = metres(&bbox);
        let all_rings = b
            .features
            .iter()
            .flat_map(|f| &f.polygons)
            .flat_map(|p| std::iter::once(&p.exterior).chain(&p.holes));
        let junctions = Junctions::of(all_rings);
        let features = b
            .features
            .iter()
            .map(|f| {
                let largest = f
                    .polygons
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let m: Vec<(f64, f64)> = p.exterior.iter().map(|q| to_m(*q)).collect();
                        (i, doubled_area(&m).abs())
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(i, _)| i);
                f.polygons
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let ring = |r: &Ring, forced| ring_plan(r, forced, &junctions, &to_m);
                        (
                            ring(&p.exterior, Some(i) == largest),
                            p.holes.iter().map(|h| ring(h, false)).collect(),
                        )
                    })
                    .collect()
            })
            .collect();
        Plan { features }
    }

    fn rings(&self) -> impl Iterator<Item = &RingPlan> {
        self.features
            .iter()
            .flatten()
            .flat_map(|(e, holes)| std::iter::once(e).chain(holes))
    }

    fn count(&self, t: f64) -> usize {
        self.features
            .iter()
            .flatten()
            .map(|(e, holes)| match e.count(t) {
                0 => 0,
                n => n + holes.iter().map(|h| h.count(t)).sum::<usize>(),
            })
            .sum()
    }

    fn apply(&self, b: &mut Boundaries, t: f64) {
        for (f, plans) in b.features.iter_mut().zip(&self.features) {
            let polygons = std::mem::take(&mut f.polygons);
            f.polygons = polygons
                .into_iter()
                .zip(plans)
                .filter_map(|(mut p, (ep, hps))| {
                    p.exterior = ep.apply(&p.exterior, t)?;
                    p.holes = p
                        .holes
                        .iter()
                        .zip(hps)
                        .filter_map(|(h, hp)| hp.apply(h, t))
                        .collect();
                    Some(p)
                })
                .collect();
        }
    }
}

fn ring_plan(
    ring: &[LonLat],
    forced: bool,
    junctions: &Junctions,
    to_m: &impl Fn(LonLat) -> (f64, f64),
) -> RingPlan {
    let open = &ring[..ring.len().saturating_sub(1)];
    let pts: Vec<(f64, f64)> = open.iter().map(|p| to_m(*p)).collect();
    let pinned: Vec<bool> = open.iter().map(|p| junctions.is_junction(*p)).collect();
    let importance = visvalingam(&pts, &pinned);
    let forced = (forced && open.len() >= 3).then(|| {
        let mut idx: Vec<usize> = (0..open.len()).collect();
        idx.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]).then(a.cmp(&b)));
        let mut three = [idx[0], idx[1], idx[2]];
        three.sort_unstable();
        three
    });
    RingPlan { importance, forced }
}

/// Effective areas: the area of the triangle a vertex makes with its current neighbours
/// when it is removed, never less than that of a vertex removed before it (so that the
/// kept sets nest). The last three of a ring share the area of their triangle: above it
/// the ring collapses.
fn visvalingam(pts: &[(f64, f64)], pinned: &[bool]) -> Vec<f64> {
    let n = pts.len();
    if n < 3 {
        return vec![0.0; n];
    }
    let mut prev: Vec<usize> = (0..n).map(|i| (i + n - 1) % n).collect();
    let mut next: Vec<usize> = (0..n).map(|i| (i + 1) % n).collect();
    let area = |a: usize, b: usize, c: usize| {
        let ((ax, ay), (bx, by), (cx, cy)) = (pts[a], pts[b], pts[c]);
        ((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)).abs() / 2.0
    };
    let mut imp: Vec<f64> = (0..n)
        .map(|i| {
            if pinned[i] {
                f64::INFINITY
            } else {
                area(prev[i], i, next[i])
            }
        })
        .collect();
    let mut alive = vec![true; n];
    let mut heap: BinaryHeap<Reverse<Entry>> = (0..n)
        .filter(|&i| !pinned[i])
        .map(|i| {
            Reverse(Entry {
                area: imp[i],
                at: pts[i],
                index: i,
            })
        })
        .collect();
    let mut left = n;
    let mut last = 0.0f64;
    while left > 3 {
        let Some(Reverse(e)) = heap.pop() else { break };
        if !alive[e.index] || e.area.to_bits() != imp[e.index].to_bits() {
            continue;
        }
        let i = e.index;
        last = last.max(e.area);
        imp[i] = last;
        alive[i] = false;
        left -= 1;
        let (p, q) = (prev[i], next[i]);
        next[p] = q;
        prev[q] = p;
        for j in [p, q] {
            if !pinned[j] {
                imp[j] = area(prev[j], j, next[j]).max(last);
                heap.push(Reverse(Entry {
                    area: imp[j],
                    at: pts[j],
                    index: j,
                }));
            }
        }
    }
    if left == 3 {
        let a = alive.iter().position(|&x| x).unwrap_or(0);
        let tri = area(prev[a], a, next[a]).max(last);
        for j in [prev[a], a, next[a]] {
            if !pinned[j] {
                imp[j] = tri;
            }
        }
    }
    imp
}

/// A heap entry: the smallest area first; ties by position, so that two rings walking a
/// shared border in opposite directions remove its vertices in the same order.
struct Entry {
    area: f64,
    at: (f64, f64),
    index: usize,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        self.area
            .total_cmp(&o.area)
            .then(self.at.0.total_cmp(&o.at.0))
            .then(self.at.1.total_cmp(&o.at.1))
            .then(self.index.cmp(&o.index))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}

type Key = (u64, u64);

fn key(p: LonLat) -> Key {
    // + 0.0 makes -0.0 and 0.0 one position.
    ((p.lon + 0.0).to_bits(), (p.lat + 0.0).to_bits())
}

/// Vertices with more than two distinct neighbours over all rings: where a shared border
/// ends, or where a ring touches itself.
struct Junctions(HashMap<Key, Neighbours>);

/// The distinct neighbours seen so far; past two, the vertex is a junction and no more
/// are kept.
#[derive(Default)]
struct Neighbours {
    seen: [Key; 2],
    len: u8,
    junction: bool,
}

impl Junctions {
    fn of<'a>(rings: impl Iterator<Item = &'a Ring>) -> Junctions {
        let mut m: HashMap<Key, Neighbours> = HashMap::new();
        for ring in rings {
            let open = &ring[..ring.len().saturating_sub(1)];
            let n = open.len();
            for i in 0..n {
                let e = m.entry(key(open[i])).or_default();
                for j in [(i + n - 1) % n, (i + 1) % n] {
                    let k = key(open[j]);
                    if e.junction || e.seen[..usize::from(e.len)].contains(&k) {
                        continue;
                    }
                    if e.len == 2 {
                        e.junction = true;
                    } else {
                        e.seen[usize::from(e.len)] = k;
                        e.len += 1;
                    }
                }
            }
        }
        Junctions(m)
    }

    fn is_junction(&self, p: LonLat) -> bool {
        self.0.get(&key(p)).is_some_and(|e| e.junction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flattest_vertex_goes_first_and_the_last_three_share_an_area() {
        // A square with a slight bump on its bottom edge.
        let pts = [
            (0.0, 0.0),
            (5.0, 0.1),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
        ];
        let imp = visvalingam(&pts, &[false; 5]);
        assert!(imp[1] < imp[0] && imp[1] < imp[3], "{imp:?}");
        let mut rest: Vec<f64> = imp.iter().copied().filter(|v| *v > imp[1]).collect();
        rest.sort_by(f64::total_cmp);
        // Four corners: one goes at the area of its triangle, the last three together.
        assert_eq!(rest.len(), 4);
        assert_eq!(rest[1], rest[2]);
        assert_eq!(rest[2], rest[3]);
    }

    #[test]
    fn pinned_vertices_never_go() {
        let pts = [
            (0.0, 0.0),
            (5.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
        ];
        let imp = visvalingam(&pts, &[false, true, false, false, false]);
        assert_eq!(imp[1], f64::INFINITY);
        assert!(imp.iter().all(|v| *v >= 0.0));
    }
}
