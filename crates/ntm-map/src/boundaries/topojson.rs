//! TopoJSON: rings are lists of indices into shared arcs (`~i`, that is `-i - 1`, is arc
//! `i` walked backwards), and a quantized file stores each arc as integer steps from its
//! previous position, mapped to degrees by its `transform`.

use serde_json::{Map, Value};

use super::{Geom, Loc, Reader, close, depth_ok, lon_lat, polygon};
use crate::error::BoundaryProblem;
use crate::geometry::{LonLat, Polygon, Ring, Source};

pub(super) fn topology(
    r: &mut Reader<'_>,
    top: &Map<String, Value>,
) -> Result<Source, BoundaryProblem> {
    let arcs = decode_arcs(top)?;
    let objects =
        top.get("objects")
            .and_then(Value::as_object)
            .ok_or(BoundaryProblem::WrongType {
                at: "Topology".into(),
                expected: "đối tượng \"objects\"",
            })?;
    // The layer with the most areas is the finest one (communes rather than the province
    // outline); ties go to the first name so the choice does not hang on map order.
    let mut names: Vec<(&String, usize)> = objects.iter().map(|(k, o)| (k, areas_in(o))).collect();
    names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let Some(&(chosen, _)) = names.first() else {
        return Err(BoundaryProblem::Empty);
    };
    let ignored = names
        .iter()
        .skip(1)
        .map(|(k, _)| (*k).clone())
        .collect::<Vec<_>>();
    let object = objects[chosen]
        .as_object()
        .ok_or(BoundaryProblem::WrongType {
            at: format!("lớp «{chosen}»"),
            expected: "một đối tượng {…}",
        })?;
    if object.get("type").and_then(Value::as_str) == Some("GeometryCollection") {
        let geometries = object
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or_else(|| BoundaryProblem::WrongType {
                at: format!("lớp «{chosen}»"),
                expected: "mảng \"geometries\"",
            })?;
        for (i, g) in geometries.iter().enumerate() {
            let g = g.as_object().ok_or_else(|| BoundaryProblem::WrongType {
                at: format!("vùng thứ {}", i + 1),
                expected: "một hình {…}",
            })?;
            feature(r, i + 1, g, &arcs)?;
        }
    } else {
        feature(r, 1, object, &arcs)?;
    }
    Ok(Source::TopoJson {
        object: chosen.clone(),
        ignored,
    })
}

fn areas_in(o: &Value) -> usize {
    let is_area = |g: &Value| {
        matches!(
            g.get("type").and_then(Value::as_str),
            Some("Polygon" | "MultiPolygon")
        )
    };
    match o.get("geometries").and_then(Value::as_array) {
        Some(gs) => gs.iter().filter(|g| is_area(g)).count(),
        None => usize::from(is_area(o)),
    }
}

fn feature(
    r: &mut Reader<'_>,
    number: usize,
    g: &Map<String, Value>,
    arcs: &[Vec<LonLat>],
) -> Result<(), BoundaryProblem> {
    let props = g.get("properties").and_then(Value::as_object);
    r.add(number, props, g.get("id"), |r, loc| {
        geometry(r, g, arcs, loc, 0)
    })
}

fn geometry(
    r: &mut Reader<'_>,
    g: &Map<String, Value>,
    arcs: &[Vec<LonLat>],
    loc: Loc<'_>,
    depth: usize,
) -> Result<Geom, BoundaryProblem> {
    depth_ok(depth)?;
    let refs = || {
        g.get("arcs")
            .and_then(Value::as_array)
            .ok_or_else(|| loc.wrong("mảng \"arcs\""))
    };
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(Geom::Areas(
            poly(r, refs()?, arcs, loc)?.into_iter().collect(),
        )),
        Some("MultiPolygon") => {
            let mut out = Vec::new();
            for (i, p) in refs()?.iter().enumerate() {
                let p = p
                    .as_array()
                    .ok_or_else(|| loc.polygon(i).wrong("mảng các vòng"))?;
                out.extend(poly(r, p, arcs, loc.polygon(i))?);
            }
            Ok(Geom::Areas(out))
        }
        Some("GeometryCollection") => {
            let parts = g
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| loc.wrong("mảng \"geometries\""))?;
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                let p = p
                    .as_object()
                    .ok_or_else(|| loc.polygon(i).wrong("một hình {…}"))?;
                if let Geom::Areas(a) = geometry(r, p, arcs, loc.polygon(i), depth + 1)? {
                    out.extend(a);
                }
            }
            Ok(Geom::Areas(out))
        }
        None | Some("null") if g.get("arcs").is_none() => Ok(Geom::Nothing),
        Some(t) => Ok(Geom::NotArea(t.chars().take(40).collect())),
        None => Err(loc.wrong("\"type\" của hình")),
    }
}

fn poly(
    r: &mut Reader<'_>,
    rings: &[Value],
    arcs: &[Vec<LonLat>],
    loc: Loc<'_>,
) -> Result<Option<Polygon>, BoundaryProblem> {
    let rings = rings
        .iter()
        .enumerate()
        .map(|(i, v)| ring(r, v, arcs, loc.ring(i)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(polygon(rings))
}

fn ring(
    r: &mut Reader<'_>,
    v: &Value,
    arcs: &[Vec<LonLat>],
    loc: Loc<'_>,
) -> Result<Option<Ring>, BoundaryProblem> {
    let refs = v
        .as_array()
        .ok_or_else(|| loc.wrong("mảng các số hiệu cung"))?;
    let mut points: Vec<LonLat> = Vec::new();
    for v in refs {
        let index = v
            .as_i64()
            .ok_or_else(|| loc.wrong("số hiệu cung là số nguyên"))?;
        let (i, reversed) = if index < 0 {
            (!index, true)
        } else {
            (index, false)
        };
        let arc = usize::try_from(i)
            .ok()
            .and_then(|i| arcs.get(i))
            .ok_or_else(|| BoundaryProblem::BadArc {
                at: loc.to_string(),
                index,
            })?;
        // Counted before copying: a short list of references can name one long arc
        // many times over.
        r.take(arc.len())?;
        // Consecutive arcs share their joining position.
        let skip = usize::from(!points.is_empty());
        if reversed {
            points.extend(arc.iter().rev().skip(skip));
        } else {
            points.extend(arc.iter().skip(skip));
        }
    }
    Ok(close(points))
}

/// The arcs in degrees. With a `transform`, positions are integer steps from the
/// previous one (delta encoding) and are scaled and translated afterwards.
fn decode_arcs(top: &Map<String, Value>) -> Result<Vec<Vec<LonLat>>, BoundaryProblem> {
    let wrong = |at: String, expected| BoundaryProblem::WrongType { at, expected };
    let transform = match top.get("transform") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let pair = |k: &str| -> Option<(f64, f64)> {
                match t.get(k)?.as_array()?.as_slice() {
                    [a, b] => Some((a.as_f64()?, b.as_f64()?)),
                    _ => None,
                }
            };
            let expected = "\"scale\" và \"translate\", mỗi thứ hai số";
            let s = pair("scale").ok_or_else(|| wrong("\"transform\"".into(), expected))?;
            let t = pair("translate").ok_or_else(|| wrong("\"transform\"".into(), expected))?;
            Some((s, t))
        }
    };
    let arcs = top
        .get("arcs")
        .and_then(Value::as_array)
        .ok_or_else(|| wrong("Topology".into(), "mảng \"arcs\""))?;
    arcs.iter()
        .enumerate()
        .map(|(i, arc)| {
            let at = |j: usize| format!("cung số {i}, điểm {}", j + 1);
            let positions = arc
                .as_array()
                .ok_or_else(|| wrong(format!("cung số {i}"), "mảng các điểm"))?;
            let (mut x, mut y) = (0.0, 0.0);
            positions
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let (a, b) = match p.as_array().map(Vec::as_slice) {
                        Some([a, b, ..]) => a.as_f64().zip(b.as_f64()),
                        _ => None,
                    }
                    .ok_or_else(|| wrong(at(j), "hai số"))?;
                    match transform {
                        Some(((sx, sy), (tx, ty))) => {
                            x += a;
                            y += b;
                            lon_lat(x * sx + tx, y * sy + ty, at(j))
                        }
                        None => lon_lat(a, b, at(j)),
                    }
                })
                .collect()
        })
        .collect()
}
