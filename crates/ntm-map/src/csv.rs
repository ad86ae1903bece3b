//! The centroid file: `code,name,kind,lat,lon`, one unit a line. Read by hand rather than
//! with a CSV crate: the format is five plain columns, and the tolerance an office needs
//! (a BOM and CRLF from Excel, `;` and decimal commas from a Vietnamese-locale Excel,
//! columns in another order) is a few lines here.

use std::collections::HashMap;

use crate::error::{MapError, PointsProblem};
use crate::geometry::Point;

/// Header names accepted for each column, compared case-insensitively.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("code", &["code", "ma", "mã"]),
    ("name", &["name", "ten", "tên"]),
    ("kind", &["kind", "loai", "loại"]),
    ("lat", &["lat", "latitude", "vi_do", "vĩ độ"]),
    (
        "lon",
        &["lon", "lng", "long", "longitude", "kinh_do", "kinh độ"],
    ),
];

/// Reads a centroid file. Every unit must have a code, a name and a position in WGS84
/// degrees; a code may appear once. Blank lines are skipped; other columns are ignored.
pub fn points_from_csv(text: &str) -> Result<Vec<Point>, MapError> {
    let file = |p| MapError::PointsFile(p);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines.next().ok_or(file(PointsProblem::Empty))?;
    // A Vietnamese-locale Excel saves "CSV" with semicolons, and then writes decimal commas.
    let sep = if !header.contains(',') && header.contains(';') {
        ';'
    } else {
        ','
    };
    let names = split(header, sep).map_err(|problem| MapError::Points {
        line: header_line,
        column: None,
        problem,
    })?;
    let mut index = [None; 5];
    for (slot, (_, aliases)) in index.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| aliases.iter().any(|a| n.trim().to_lowercase() == *a));
    }
    let [code, name, kind, lat, lon] = index;
    let need = |i: Option<usize>, c: &'static str| i.ok_or(file(PointsProblem::MissingColumn(c)));
    let (code, name, lat, lon) = (
        need(code, "code")?,
        need(name, "name")?,
        need(lat, "lat")?,
        need(lon, "lon")?,
    );

    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, text) in lines {
        let cells = split(text, sep).map_err(|problem| MapError::Points {
            line,
            column: None,
            problem,
        })?;
        let cell = |i: usize, c: &'static str| -> Result<&str, MapError> {
            match cells.get(i).map(|s| s.trim()) {
                Some(s) if !s.is_empty() => Ok(s),
                _ => Err(MapError::Points {
                    line,
                    column: Some((i, c)),
                    problem: PointsProblem::EmptyCell,
                }),
            }
        };
        let number = |i: usize, c: &'static str, limit: f64| -> Result<f64, MapError> {
            let s = cell(i, c)?;
            let err = |problem| MapError::Points {
                line,
                column: Some((i, c)),
                problem,
            };
            let v = parse_number(s).ok_or_else(|| err(PointsProblem::NotNumber(s.to_owned())))?;
            if v.abs() > limit {
                return Err(err(PointsProblem::OutOfRange {
                    value: v,
                    min: -limit,
                    max: limit,
                }));
            }
            Ok(v)
        };
        let point = Point {
            code: cell(code, "code")?.to_owned(),
            name: cell(name, "name")?.to_owned(),
            kind: kind
                .and_then(|k| cells.get(k))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default(),
            lat: number(lat, "lat", 90.0)?,
            lon: number(lon, "lon", 180.0)?,
        };
        if let Some(&first_line) = seen.get(&point.code) {
            return Err(MapError::Points {
                line,
                column: Some((code, "code")),
                problem: PointsProblem::DuplicateCode {
                    code: point.code,
                    first_line,
                },
            });
        }
        seen.insert(point.code.clone(), line);
        out.push(point);
    }
    if out.is_empty() {
        return Err(file(PointsProblem::NoRows));
    }
    Ok(out)
}

/// A decimal number as a person or a spreadsheet writes it: `18`, `18.339`, `-0.5`, or
/// `18,339` with a decimal comma. Rust's own parser would also take `inf` and `NaN`.
fn parse_number(s: &str) -> Option<f64> {
    let s = if !s.contains('.') && s.matches(',').count() == 1 {
        s.replace(',', ".")
    } else {
        s.to_owned()
    };
    let plain = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    s.parse::<f64>().ok().filter(|v| plain && v.is_finite())
}

/// One line into cells; a cell may be quoted (`"Xã A, B"`, `""` for a quote). A quote
/// cannot span lines: the centroid file never needs it, and the error says so.
fn split(line: &str, sep: char) -> Result<Vec<String>, PointsProblem> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (false, c) if c == sep => cells.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    if quoted {
        return Err(PointsProblem::UnclosedQuote);
    }
    cells.push(cur);
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_written() {
        let cases = [
            ("18", Some(18.0)),
            ("18.339", Some(18.339)),
            ("-0.5", Some(-0.5)),
            ("18,339", Some(18.339)),
            ("1e1", Some(10.0)),
            ("inf", None),
            ("NaN", None),
            ("infinity", None),
            ("1e999", None),
            ("18.3.3", None),
            ("18,3,3", None),
            ("abc", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_number(s), want, "{s}");
        }
    }

    #[test]
    fn cells_with_quotes() {
        let cases: [(&str, char, &[&str]); 5] = [
            ("a,b,c", ',', &["a", "b", "c"]),
            ("a,\"b, c\",d", ',', &["a", "b, c", "d"]),
            ("\"say \"\"hi\"\"\",x", ',', &["say \"hi\"", "x"]),
            ("a;\"18,5\";b", ';', &["a", "18,5", "b"]),
            ("a,,", ',', &["a", "", ""]),
        ];
        for (line, sep, want) in cases {
            assert_eq!(split(line, sep).unwrap(), want, "{line}");
        }
        assert_eq!(split("a,\"b", ','), Err(PointsProblem::UnclosedQuote));
    }
}
