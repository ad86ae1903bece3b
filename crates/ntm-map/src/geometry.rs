//! The shapes a map is drawn from, in WGS84 degrees, and the planar arithmetic on them.

/// One unit's point from a centroid file (`code,name,kind,lat,lon`).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub code: String,
    pub name: String,
    /// As the file has it (`xa`, `phuong`…); empty when the file has no `kind` column.
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

/// A closed ring: the last position repeats the first, and there are at least three
/// distinct positions (so at least four in all). The readers guarantee it; `simplify`
/// keeps it.
pub type Ring = Vec<LonLat>;

#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub exterior: Ring,
    pub holes: Vec<Ring>,
}

/// One feature of a boundary file that has an area to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Its position in the file, counted from 1 as a person would ("vùng thứ 3").
    pub number: usize,
    /// Normalised (see `CODE_PROPERTIES`); `None` when no usable property was found.
    pub code: Option<String>,
    pub name: Option<String>,
    pub polygons: Vec<Polygon>,
}

/// Which kind of file the boundaries came from. A TopoJSON file can hold several layers
/// (province, districts, communes); one is read, the one with the most areas, and the
/// others are named so that the page can say what was left aside.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    GeoJson,
    TopoJson {
        object: String,
        ignored: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    NoGeometry,
    /// Point, LineString…: nothing to fill.
    NotArea(String),
    /// Every ring had fewer than three distinct positions.
    Degenerate,
}

/// A feature of the file that is not on the map, said rather than dropped silently.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub number: usize,
    pub code: Option<String>,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Boundaries {
    pub source: Source,
    pub features: Vec<Feature>,
    pub skipped: Vec<Skipped>,
    /// Every property name seen on a feature, sorted: what a page offers when the code
    /// property has to be chosen by hand.
    pub properties: Vec<String>,
}

impl Boundaries {
    /// Positions in all rings, closing positions included: what the SVG will carry.
    pub fn point_count(&self) -> usize {
        self.features
            .iter()
            .flat_map(|f| &f.polygons)
            .map(|p| p.exterior.len() + p.holes.iter().map(Vec::len).sum::<usize>())
            .sum()
    }

    pub fn bbox(&self) -> Option<BBox> {
        BBox::of(
            self.features
                .iter()
                .flat_map(|f| &f.polygons)
                .flat_map(|p| &p.exterior)
                .copied(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// The box of the finite positions; `None` when there is none.
    pub fn of(points: impl IntoIterator<Item = LonLat>) -> Option<BBox> {
        let mut b: Option<BBox> = None;
        for p in points {
            if !(p.lon.is_finite() && p.lat.is_finite()) {
                continue;
            }
            b = Some(match b {
                None => BBox {
                    min_lon: p.lon,
                    min_lat: p.lat,
                    max_lon: p.lon,
                    max_lat: p.lat,
                },
                Some(b) => BBox {
                    min_lon: b.min_lon.min(p.lon),
                    min_lat: b.min_lat.min(p.lat),
                    max_lon: b.max_lon.max(p.lon),
                    max_lat: b.max_lat.max(p.lat),
                },
            });
        }
        b
    }

    /// The east-west scale of an equirectangular projection true at the box's middle
    /// latitude. Floored so that a box at a pole does not divide by zero.
    pub(crate) fn lon_scale(&self) -> f64 {
        ((self.min_lat + self.max_lat) / 2.0)
            .to_radians()
            .cos()
            .max(0.05)
    }
}

/// Twice the signed area of a planar ring (shoelace); the ring may be closed or open.
pub(crate) fn doubled_area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (x0, y0) = ring[i];
            let (x1, y1) = ring[(i + 1) % n];
            x0 * y1 - x1 * y0
        })
        .sum()
}

/// A point inside a planar ring to hang its label on: the area centroid when it falls
/// inside (the usual case), else the middle of the widest span of the horizontal line
/// through the centroid — a crescent's centroid lies outside it.
pub(crate) fn label_point(ring: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = ring.len();
    if n == 0 {
        return None;
    }
    // Relative to the first vertex, so that large coordinates do not cancel.
    let (ox, oy) = ring[0];
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (x0, y0) = (ring[i].0 - ox, ring[i].1 - oy);
        let (x1, y1) = (ring[(i + 1) % n].0 - ox, ring[(i + 1) % n].1 - oy);
        let c = x0 * y1 - x1 * y0;
        a += c;
        cx += (x0 + x1) * c;
        cy += (y0 + y1) * c;
    }
    let centroid = if a.abs() > f64::EPSILON {
        (ox + cx / (3.0 * a), oy + cy / (3.0 * a))
    } else {
        let (sx, sy) = ring
            .iter()
            .fold((0.0, 0.0), |(sx, sy), p| (sx + p.0, sy + p.1));
        (sx / n as f64, sy / n as f64)
    };
    if contains(ring, centroid) {
        return Some(centroid);
    }
    let y = centroid.1;
    let mut xs: Vec<f64> = (0..n)
        .filter_map(|i| {
            let (x0, y0) = ring[i];
            let (x1, y1) = ring[(i + 1) % n];
            ((y0 > y) != (y1 > y)).then(|| x0 + (y - y0) / (y1 - y0) * (x1 - x0))
        })
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map(|s| ((s[0] + s[1]) / 2.0, y))
        .or(Some(centroid))
}

/// Even-odd point in polygon.
pub(crate) fn contains(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let n = ring.len();
    let mut inside = false;
    for i in 0..n {
        let (x0, y0) = ring[i];
        let (x1, y1) = ring[(i + 1) % n];
        if (y0 > y) != (y1 > y) && x < x0 + (y - y0) / (y1 - y0) * (x1 - x0) {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_is_labelled_at_its_centre() {
        let sq = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];
        assert_eq!(label_point(&sq), Some((2.0, 2.0)));
        assert_eq!(doubled_area(&sq), 32.0);
    }

    #[test]
    fn a_crescent_is_labelled_inside_it() {
        // A "C": its centroid falls in the mouth.
        let c = [
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 2.0),
            (2.0, 2.0),
            (2.0, 8.0),
            (10.0, 8.0),
            (10.0, 10.0),
            (0.0, 10.0),
        ];
        let p = label_point(&c).unwrap();
        assert!(contains(&c, p), "{p:?}");
    }

    #[test]
    fn boxes_skip_non_finite_positions() {
        let b = BBox::of([
            LonLat { lon: 1.0, lat: 2.0 },
            LonLat {
                lon: f64::NAN,
                lat: 0.0,
            },
            LonLat {
                lon: 3.0,
                lat: -1.0,
            },
        ])
        .unwrap();
        assert_eq!(
            (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            (1.0, -1.0, 3.0, 2.0)
        );
        assert_eq!(BBox::of([]), None);
    }
}
