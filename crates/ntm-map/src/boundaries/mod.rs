//! Boundary files as a GIS department hands them over: GeoJSON (a FeatureCollection, one
//! Feature or a bare geometry) or TopoJSON (as mapshaper writes it). Untrusted bytes: the
//! size, the number of JSON values and the positions after expansion are bounded before
//! anything grows with them, and every problem is an error, never a panic.

mod geojson;
mod topojson;

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::code;
use crate::error::{BoundaryProblem, MapError};
use crate::geometry::{Boundaries, Feature, LonLat, Polygon, Ring, SkipReason, Skipped, Source};
use crate::limits::{MAX_BYTES, MAX_COORDINATES};

/// JSON values (numbers, strings, arrays, objects) a file may hold. serde_json keeps each
/// in a `Value` of a few dozen bytes, so a 20 MB file of `[0,0,0,…]` would take half a
/// gigabyte; a commune map at the coordinate cap needs about three per position, with
/// room left for the properties of thousands of features.
const MAX_VALUES: usize = 1_500_000;

/// How deep a GeometryCollection may sit inside another: real files use none.
const MAX_COLLECTION_DEPTH: usize = 4;

/// Reads a boundary file. Each feature's code comes from `code_property` when given (and
/// then it must exist on some feature), otherwise from the first of `CODE_PROPERTIES`
/// that a feature has, then its `id`.
pub fn read_boundaries(bytes: &[u8], code_property: Option<&str>) -> Result<Boundaries, MapError> {
    read(bytes, code_property).map_err(MapError::Boundaries)
}

fn read(bytes: &[u8], code_property: Option<&str>) -> Result<Boundaries, BoundaryProblem> {
    if bytes.len() > MAX_BYTES {
        return Err(BoundaryProblem::TooLarge { bytes: bytes.len() });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if count_values(bytes) > MAX_VALUES {
        return Err(BoundaryProblem::TooComplex);
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json stops at 128 levels rather than overflowing the stack, and says so
        // only in its message.
        if e.to_string().contains("recursion limit") {
            BoundaryProblem::TooDeep
        } else {
            BoundaryProblem::NotJson {
                line: e.line(),
                column: e.column(),
            }
        }
    })?;
    let top = doc.as_object().ok_or(BoundaryProblem::WrongType {
        at: "tệp".into(),
        expected: "một đối tượng JSON {…}",
    })?;
    let mut r = Reader {
        code_property,
        coordinates: 0,
        properties: BTreeSet::new(),
        any_id: false,
        features: Vec::new(),
        skipped: Vec::new(),
    };
    let source = match top.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            geojson::collection(&mut r, top)?;
            Source::GeoJson
        }
        Some("Feature") => {
            geojson::feature(&mut r, 1, top)?;
            Source::GeoJson
        }
        Some("Polygon" | "MultiPolygon" | "GeometryCollection") => {
            r.add(1, None, None, |r, loc| geojson::geometry(r, top, loc, 0))?;
            Source::GeoJson
        }
        Some("Topology") => topojson::topology(&mut r, top)?,
        other => {
            return Err(BoundaryProblem::NotGeoJson {
                found: other.unwrap_or("(không có)").chars().take(40).collect(),
            });
        }
    };
    if let Some(p) = code_property
        && !r.properties.contains(p)
        && !(p == "id" && r.any_id)
    {
        return Err(BoundaryProblem::MissingProperty {
            name: p.to_owned(),
            available: r.properties.into_iter().collect(),
        });
    }
    if r.features.is_empty() {
        return Err(BoundaryProblem::Empty);
    }
    Ok(Boundaries {
        source,
        features: r.features,
        skipped: r.skipped,
        properties: r.properties.into_iter().collect(),
    })
}

/// What a geometry turned out to hold.
pub(super) enum Geom {
    Areas(Vec<Polygon>),
    Nothing,
    NotArea(String),
}

pub(super) struct Reader<'a> {
    code_property: Option<&'a str>,
    coordinates: usize,
    properties: BTreeSet<String>,
    any_id: bool,
    features: Vec<Feature>,
    skipped: Vec<Skipped>,
}

impl Reader<'_> {
    /// Adds feature `number` (counted from 1) with its properties and id; `geometry`
    /// reads its shape, told where it is for its messages.
    pub(super) fn add(
        &mut self,
        number: usize,
        props: Option<&Map<String, Value>>,
        id: Option<&Value>,
        geometry: impl FnOnce(&mut Self, Loc<'_>) -> Result<Geom, BoundaryProblem>,
    ) -> Result<(), BoundaryProblem> {
        if let Some(p) = props {
            // Bounded by MAX_VALUES; a feature rarely has more than a few dozen.
            self.properties.extend(p.keys().cloned());
        }
        self.any_id |= id.is_some_and(|v| !v.is_null());
        let code = code::of_feature(props, id, self.code_property).or_else(|| {
            (self.code_property == Some("id"))
                .then(|| id.and_then(code::from_value))
                .flatten()
        });
        let name = code::name_of_feature(props);
        let label = match &code {
            Some(c) => format!("vùng thứ {number} (mã {c})"),
            None => format!("vùng thứ {number}"),
        };
        let loc = Loc {
            feature: &label,
            polygon: None,
            ring: None,
            point: None,
        };
        let skip = |reason| Skipped {
            number,
            code: code.clone(),
            reason,
        };
        match geometry(self, loc)? {
            Geom::Areas(polygons) if polygons.is_empty() => {
                self.skipped.push(skip(SkipReason::Degenerate));
            }
            Geom::Areas(polygons) => {
                self.features.push(Feature {
                    number,
                    code,
                    name,
                    polygons,
                });
            }
            Geom::Nothing => self.skipped.push(skip(SkipReason::NoGeometry)),
            Geom::NotArea(t) => self.skipped.push(skip(SkipReason::NotArea(t))),
        }
        Ok(())
    }

    /// Counts `n` more positions against the cap, before they are stored.
    pub(super) fn take(&mut self, n: usize) -> Result<(), BoundaryProblem> {
        self.coordinates = self.coordinates.saturating_add(n);
        if self.coordinates > MAX_COORDINATES {
            return Err(BoundaryProblem::TooManyCoordinates);
        }
        Ok(())
    }
}

/// Where in the file, for a person: "vùng thứ 3 (mã 18073), đa giác 2, vòng 1, điểm 5".
#[derive(Clone, Copy)]
pub(super) struct Loc<'a> {
    pub feature: &'a str,
    pub polygon: Option<usize>,
    pub ring: Option<usize>,
    pub point: Option<usize>,
}

impl Loc<'_> {
    pub(super) fn polygon(self, i: usize) -> Self {
        Self {
            polygon: Some(i),
            ..self
        }
    }
    pub(super) fn ring(self, i: usize) -> Self {
        Self {
            ring: Some(i),
            ..self
        }
    }
    pub(super) fn point(self, i: usize) -> Self {
        Self {
            point: Some(i),
            ..self
        }
    }
    pub(super) fn wrong(self, expected: &'static str) -> BoundaryProblem {
        BoundaryProblem::WrongType {
            at: self.to_string(),
            expected,
        }
    }
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.feature)?;
        for (word, i) in [
            ("đa giác", self.polygon),
            ("vòng", self.ring),
            ("điểm", self.point),
        ] {
            if let Some(i) = i {
                write!(f, ", {word} {}", i + 1)?;
            }
        }
        Ok(())
    }
}

/// A position checked to be WGS84 degrees. Projected files (VN-2000 in metres) are the
/// common mistake, so they get their own message.
pub(super) fn lon_lat(x: f64, y: f64, loc: impl fmt::Display) -> Result<LonLat, BoundaryProblem> {
    if !(x.is_finite() && y.is_finite()) {
        return Err(BoundaryProblem::NotFinite {
            at: loc.to_string(),
        });
    }
    if x.abs() > 180.0 || y.abs() > 90.0 {
        return Err(BoundaryProblem::NotLonLat {
            at: loc.to_string(),
            x,
            y,
        });
    }
    Ok(LonLat { lon: x, lat: y })
}

/// Positions into a closed ring without repeated neighbours; `None` when fewer than three
/// distinct positions remain (a ring of no area is nothing to draw).
pub(super) fn close(points: Vec<LonLat>) -> Option<Ring> {
    let mut ring: Ring = Vec::with_capacity(points.len() + 1);
    for p in points {
        if ring.last() != Some(&p) {
            ring.push(p);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return None;
    }
    ring.push(ring[0]);
    Some(ring)
}

/// Rings into polygons: the first ring is the exterior; a polygon whose exterior is
/// degenerate is dropped with its holes.
pub(super) fn polygon(rings: Vec<Option<Ring>>) -> Option<Polygon> {
    let mut it = rings.into_iter();
    let exterior = it.next().flatten()?;
    Some(Polygon {
        exterior,
        holes: it.flatten().collect(),
    })
}

pub(super) fn depth_ok(depth: usize) -> Result<(), BoundaryProblem> {
    if depth > MAX_COLLECTION_DEPTH {
        return Err(BoundaryProblem::TooDeep);
    }
    Ok(())
}

/// JSON values outside strings, counted without parsing: separators and openings.
fn count_values(bytes: &[u8]) -> usize {
    let (mut n, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b',' | b'[' | b'{' => n += 1,
                _ => {}
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_close_and_lose_repeats() {
        let p = |lon, lat| LonLat { lon, lat };
        let open = vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 0.0), p(1.0, 1.0)];
        assert_eq!(
            close(open).unwrap(),
            vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0), p(0.0, 0.0)]
        );
        assert_eq!(close(vec![p(0.0, 0.0), p(1.0, 0.0), p(0.0, 0.0)]), None);
        assert_eq!(close(vec![]), None);
    }

    #[test]
    fn values_in_strings_do_not_count() {
        assert_eq!(count_values(br#"{"a":[1,2],"b":"x,[{\",y"}"#), 4);
    }

    #[test]
    fn locations_read_as_a_person_counts() {
        let loc = Loc {
            feature: "vùng thứ 3",
            polygon: None,
            ring: None,
            point: None,
        };
        assert_eq!(
            loc.polygon(1).ring(0).point(4).to_string(),
            "vùng thứ 3, đa giác 2, vòng 1, điểm 5"
        );
    }
}
