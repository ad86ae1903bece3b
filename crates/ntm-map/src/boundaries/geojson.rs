//! GeoJSON (RFC 7946): positions are `[lon, lat, …]` in WGS84.

use serde_json::{Map, Value};

use super::{Geom, Loc, Reader, close, depth_ok, lon_lat, polygon};
use crate::error::BoundaryProblem;
use crate::geometry::{Polygon, Ring};

pub(super) fn collection(
    r: &mut Reader<'_>,
    top: &Map<String, Value>,
) -> Result<(), BoundaryProblem> {
    let features =
        top.get("features")
            .and_then(Value::as_array)
            .ok_or(BoundaryProblem::WrongType {
                at: "FeatureCollection".into(),
                expected: "mảng \"features\"",
            })?;
    for (i, f) in features.iter().enumerate() {
        let f = f.as_object().ok_or_else(|| BoundaryProblem::WrongType {
            at: format!("vùng thứ {}", i + 1),
            expected: "một Feature {…}",
        })?;
        feature(r, i + 1, f)?;
    }
    Ok(())
}

pub(super) fn feature(
    r: &mut Reader<'_>,
    number: usize,
    f: &Map<String, Value>,
) -> Result<(), BoundaryProblem> {
    let props = f.get("properties").and_then(Value::as_object);
    r.add(number, props, f.get("id"), |r, loc| {
        match f.get("geometry") {
            None | Some(Value::Null) => Ok(Geom::Nothing),
            Some(Value::Object(g)) => geometry(r, g, loc, 0),
            Some(_) => Err(loc.wrong("\"geometry\" là một đối tượng {…} hoặc null")),
        }
    })
}

pub(super) fn geometry(
    r: &mut Reader<'_>,
    g: &Map<String, Value>,
    loc: Loc<'_>,
    depth: usize,
) -> Result<Geom, BoundaryProblem> {
    depth_ok(depth)?;
    let coords = || {
        g.get("coordinates")
            .ok_or_else(|| loc.wrong("\"coordinates\""))
    };
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(Geom::Areas(poly(r, coords()?, loc)?.into_iter().collect())),
        Some("MultiPolygon") => {
            let parts = coords()?
                .as_array()
                .ok_or_else(|| loc.wrong("mảng các đa giác"))?;
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                out.extend(poly(r, p, loc.polygon(i))?);
            }
            Ok(Geom::Areas(out))
        }
        Some("GeometryCollection") => {
            let parts = g
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| loc.wrong("mảng \"geometries\""))?;
            let mut out = Vec::new();
            let mut other = None;
            for (i, p) in parts.iter().enumerate() {
                let p = p
                    .as_object()
                    .ok_or_else(|| loc.polygon(i).wrong("một hình {…}"))?;
                match geometry(r, p, loc.polygon(i), depth + 1)? {
                    Geom::Areas(a) => out.extend(a),
                    Geom::NotArea(t) => other = Some(t),
                    Geom::Nothing => {}
                }
            }
            Ok(match other {
                Some(t) if out.is_empty() => Geom::NotArea(t),
                _ => Geom::Areas(out),
            })
        }
        Some(t) => Ok(Geom::NotArea(t.chars().take(40).collect())),
        None => Err(loc.wrong("\"type\" của hình")),
    }
}

fn poly(r: &mut Reader<'_>, v: &Value, loc: Loc<'_>) -> Result<Option<Polygon>, BoundaryProblem> {
    let rings = v.as_array().ok_or_else(|| loc.wrong("mảng các vòng"))?;
    let rings = rings
        .iter()
        .enumerate()
        .map(|(i, ring_v)| ring(r, ring_v, loc.ring(i)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(polygon(rings))
}

fn ring(r: &mut Reader<'_>, v: &Value, loc: Loc<'_>) -> Result<Option<Ring>, BoundaryProblem> {
    let positions = v
        .as_array()
        .ok_or_else(|| loc.wrong("mảng các điểm [kinh độ, vĩ độ]"))?;
    r.take(positions.len())?;
    let points = positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = loc.point(i);
            match p.as_array().map(Vec::as_slice) {
                Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => lon_lat(x, y, at),
                    _ => Err(at.wrong("hai số [kinh độ, vĩ độ]")),
                },
                _ => Err(at.wrong("hai số [kinh độ, vĩ độ]")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(close(points))
}
