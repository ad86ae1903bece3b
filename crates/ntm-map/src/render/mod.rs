//! The map as one SVG document: the units, their printed labels, the legend, the note and
//! the attribution, all inside the picture so that a printed or saved map explains itself.
//!
//! Everything the picture needs is in it: colours are presentation attributes (a page's
//! stylesheet may override them through the classes, but need not), the no-data hatching
//! is a pattern defined inside, the font is the reader's `sans-serif`. Nothing refers to
//! the web. `width="100%"` with a `viewBox` scales it from a phone to A4.
//!
//! Classes a page may style: `ntm-map` (the root), `ntm-map-title`, `ntm-map-units` and
//! each unit's `ntm-map-unit` with `ntm-map-c{legend index}` or `ntm-map-nodata` (and
//! `data-code`), `ntm-map-labels` (e.g. `display: none` on screen, shown in print),
//! `ntm-map-legend`, `ntm-map-note`, `ntm-map-attribution`.

mod labels;
mod text;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::thousands;
use crate::geometry::{BBox, LonLat, Point, Polygon, doubled_area, label_point};
use crate::projection::Projection;
use labels::{Placer, text_box};
use text::{esc, num, wrap};

/// The drawing's width in user units. On A4 portrait (about 180 mm of text width) one
/// unit is 0.18 mm, so the legend's 22 units print at about 11 pt.
pub const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 20.0;
/// The map's height is held between these: a long thin province neither vanishes nor
/// pushes the legend off an A4 page (1000 × 1414 units).
const MAP_MIN_HEIGHT: f64 = 320.0;
const MAP_MAX_HEIGHT: f64 = 1150.0;
/// Room inside the map frame for a circle on the outermost point.
const MAP_PAD: f64 = 14.0;
const POINT_RADIUS: f64 = 7.0;

const TITLE_FONT: f64 = 30.0;
const LEGEND_FONT: f64 = 22.0;
const NOTE_FONT: f64 = 20.0;
const ATTRIBUTION_FONT: f64 = 16.0;
const LABEL_FONT: f64 = 15.0;

/// Characters per line for each size, at about 0.55 em per character of a sans-serif
/// with Vietnamese diacritics.
fn chars_per_line(font: f64, width: f64) -> usize {
    (width / (font * 0.55)).floor().max(8.0) as usize
}

/// An sRGB colour, written `#rrggbb`: a type rather than a string, so that nothing from a
/// file or a form reaches a `fill` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Levels from "not yet at standard" to "model", light to dark: four stops of viridis,
/// which stays ordered for every common colour-vision deficiency and whose lightness falls
/// evenly (CIE L* about 91, 66, 43, 15), so a greyscale print keeps the order too.
pub const LEVEL_COLOURS: [Colour; 4] = [
    Colour(0xfd, 0xe7, 0x25),
    Colour(0x35, 0xb7, 0x79),
    Colour(0x31, 0x68, 0x8e),
    Colour(0x44, 0x01, 0x54),
];
pub const LEVEL_LABELS: [&str; 4] = ["Chưa đạt chuẩn", "Đạt chuẩn", "Nâng cao", "Kiểu mẫu"];
pub const NO_DATA_LABEL: &str = "Không có số liệu";

/// What the shipped centroid file asks to be shown wherever its points are (CC-BY-4.0,
/// geocoded from OpenStreetMap).
pub const OPEN_ADMIN_DATA_ATTRIBUTION: &str = "Vị trí: Vietnam Administrative Divisions Dataset \
     (CC-BY-4.0), https://github.com/open-admin-data/vietnam-administrative-divisions; \
     © OpenStreetMap contributors";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Colour(Colour),
    /// Grey hatching on white: told apart from every colour by its texture, in greyscale
    /// too.
    NoData,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub fill: Fill,
    pub label: String,
    pub count: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitStyle {
    /// Index into `MapSpec::legend`; `None` (or out of range) draws "no data".
    pub class: Option<usize>,
    /// The hover text (`<title>`), e.g. "Xã Kỳ Lạc — Đạt chuẩn NTM, 17/19 tiêu chí".
    pub label: String,
    /// The printed label; for points the point's name when `None`.
    pub short_label: Option<String>,
    /// A position in doubt (Hương Sơn's point): drawn with a dashed outline and said in
    /// its hover text.
    pub uncertain: bool,
}

/// A unit's area: one or several features of a boundary file under its code.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: String,
    pub name: Option<String>,
    pub polygons: Vec<Polygon>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    Points(Vec<Point>),
    Areas(Vec<Area>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapSpec {
    /// The document's `id`, and the prefix of the ids inside it, so that two maps on one
    /// page do not share a pattern (a hidden map's pattern would not paint). Letters,
    /// digits, `-` and `_` are kept.
    pub id: String,
    pub title: String,
    pub layer: Layer,
    /// By unit code; a unit without one is drawn as "no data" under its name.
    pub styles: BTreeMap<String, UnitStyle>,
    pub legend: Vec<LegendEntry>,
    /// Draw the printed labels (`<g class="ntm-map-labels">`); a page's stylesheet can
    /// keep them for print only.
    pub labels: bool,
    pub note: Option<String>,
    pub attribution: String,
}

/// One unit to draw, whichever the layer.
struct Shape {
    code: String,
    fill: Fill,
    class: Option<usize>,
    title: String,
    short: Option<String>,
    uncertain: bool,
    geometry: Geometry,
}

enum Geometry {
    Point(LonLat),
    Areas(Vec<Polygon>),
}

/// Draws the map. Deterministic: the same spec gives the same bytes.
pub fn render_svg(spec: &MapSpec) -> String {
    let id = dom_id(&spec.id);
    let shapes = shapes(spec);
    let mut legend = spec.legend.clone();
    let no_data = shapes.iter().filter(|s| s.fill == Fill::NoData).count();
    if no_data > 0 && !legend.iter().any(|e| e.fill == Fill::NoData) {
        legend.push(LegendEntry {
            fill: Fill::NoData,
            label: NO_DATA_LABEL.to_owned(),
            count: Some(no_data),
        });
    }

    let inner = WIDTH - 2.0 * MARGIN;
    let title_lines = wrap(&spec.title, chars_per_line(TITLE_FONT, inner), 2);
    let map_top = MARGIN + title_lines.len() as f64 * TITLE_FONT * 1.25 + 10.0;
    let bbox = BBox::of(shapes.iter().flat_map(|s| match &s.geometry {
        Geometry::Point(p) => vec![*p],
        Geometry::Areas(ps) => ps.iter().flat_map(|p| p.exterior.iter().copied()).collect(),
    }))
    .unwrap_or(BBox {
        min_lon: 0.0,
        min_lat: 0.0,
        max_lon: 0.0,
        max_lat: 0.0,
    });
    let proj = Projection::fit(
        bbox,
        WIDTH,
        MAP_MIN_HEIGHT,
        MAP_MAX_HEIGHT,
        MAP_PAD + MARGIN,
    );
    let project = |p: LonLat| {
        let (x, y) = proj.project(p);
        (x, y + map_top)
    };

    let mut body = String::new();
    // Per unit with a printed label: its text and where it is (a point's centre, or the
    // label point inside an area).
    let mut to_label: Vec<(&str, bool, (f64, f64))> = Vec::new();
    let mut placer = Placer::new([0.0, map_top, WIDTH, map_top + proj.height()]);
    body.push_str(
        r##"<g class="ntm-map-units" stroke="#555" stroke-width="0.8" stroke-linejoin="round">"##,
    );
    for s in &shapes {
        let fill = fill_attr(s.fill, &id);
        let class = match s.class {
            Some(c) => format!("ntm-map-unit ntm-map-c{c}"),
            None => "ntm-map-unit ntm-map-nodata".to_owned(),
        };
        let title = if s.uncertain {
            format!("{} (vị trí chưa chắc chắn)", s.title)
        } else {
            s.title.clone()
        };
        let head = format!(
            r#"class="{class}" data-code="{}" fill="{fill}""#,
            esc(&s.code)
        );
        let (is_point, at) = match &s.geometry {
            Geometry::Point(p) => {
                let (x, y) = project(*p);
                let dash = if s.uncertain {
                    r#" stroke-dasharray="3 2""#
                } else {
                    ""
                };
                let _ = write!(
                    body,
                    r##"<circle {head} cx="{}" cy="{}" r="{POINT_RADIUS}" stroke="#222" stroke-width="1.2"{dash}><title>{}</title></circle>"##,
                    num(x),
                    num(y),
                    esc(&title)
                );
                // No label may cover a point.
                let r = POINT_RADIUS + 1.0;
                placer.take([x - r, y - r, x + r, y + r]);
                (true, (x, y))
            }
            Geometry::Areas(polygons) => {
                let (d, label) = area_path(polygons, &project);
                let at = label.unwrap_or((WIDTH / 2.0, map_top));
                if d.is_empty() {
                    // Too small to draw at this scale: a dot still carries its title.
                    let _ = write!(
                        body,
                        r#"<circle {head} cx="{}" cy="{}" r="3"><title>{}</title></circle>"#,
                        num(at.0),
                        num(at.1),
                        esc(&title)
                    );
                } else {
                    let _ = write!(
                        body,
                        r#"<path {head} fill-rule="evenodd" d="{d}"><title>{}</title></path>"#,
                        esc(&title)
                    );
                }
                (false, at)
            }
        };
        if let Some(short) = s.short.as_deref().filter(|t| !t.trim().is_empty()) {
            to_label.push((short, is_point, at));
        }
    }
    body.push_str("</g>");
    if spec.labels {
        let mut labels = String::new();
        for (text, is_point, (x, y)) in to_label {
            let n = text.chars().count();
            let f = LABEL_FONT;
            let candidates = if is_point {
                let (gap, mid) = (POINT_RADIUS + 4.0, y + f * 0.35);
                vec![
                    ("start", x + gap, mid),
                    ("end", x - gap, mid),
                    ("middle", x, y - gap - 0.2 * f),
                    ("middle", x, y + gap + 0.8 * f),
                ]
            } else {
                vec![("middle", x, y + f * 0.35)]
            };
            let candidates: Vec<_> = candidates
                .into_iter()
                .map(|(a, x, y)| (a, x, y, text_box(a, x, y, n, f)))
                .collect();
            if let Some((anchor, x, y)) = placer.place(&candidates) {
                let _ = write!(
                    labels,
                    r#"<text x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
                    num(x),
                    num(y),
                    esc(text)
                );
            }
        }
        if !labels.is_empty() {
            let _ = write!(
                body,
                r##"<g class="ntm-map-labels" font-size="{LABEL_FONT}" fill="#111" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{labels}</g>"##
            );
        }
    }

    let mut y = map_top + proj.height() + 16.0;
    y = write_legend(&mut body, &legend, &id, y);
    if let Some(note) = spec.note.as_deref().filter(|n| !n.trim().is_empty()) {
        y += 6.0;
        y = write_lines(&mut body, "ntm-map-note", note, NOTE_FONT, "#333", y, 4);
    }
    if !spec.attribution.trim().is_empty() {
        y += 6.0;
        y = write_lines(
            &mut body,
            "ntm-map-attribution",
            &spec.attribution,
            ATTRIBUTION_FONT,
            "#555",
            y,
            // A licence's attribution is never cut short.
            usize::MAX,
        );
    }
    let height = (y + MARGIN).ceil();

    let mut svg = String::new();
    let t = esc(&spec.title);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="ntm-map" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}" font-family="sans-serif"><title>{t}</title>"#
    );
    if legend.iter().any(|e| e.fill == Fill::NoData) {
        let _ = write!(
            svg,
            r##"<defs><pattern id="{id}-nodata" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"/><rect width="3" height="8" fill="#9a9a9a"/></pattern></defs>"##
        );
    }
    let _ = write!(
        svg,
        r##"<g class="ntm-map-title" font-size="{TITLE_FONT}" font-weight="bold" fill="#1d2733">"##
    );
    for (i, line) in title_lines.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{MARGIN}" y="{}">{}</text>"#,
            num(MARGIN + TITLE_FONT * (1.0 + 1.25 * i as f64)),
            esc(line)
        );
    }
    svg.push_str("</g>");
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

fn shapes(spec: &MapSpec) -> Vec<Shape> {
    let style = |code: &str, fallback: &str| {
        let s = spec.styles.get(code);
        let class = s.and_then(|s| s.class).filter(|c| *c < spec.legend.len());
        let fill = class.map_or(Fill::NoData, |c| spec.legend[c].fill);
        let title = s
            .map(|s| s.label.clone())
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| fallback.to_owned());
        (
            class,
            fill,
            title,
            s.and_then(|s| s.short_label.clone()),
            s.is_some_and(|s| s.uncertain),
        )
    };
    match &spec.layer {
        Layer::Points(points) => points
            .iter()
            .map(|p| {
                let (class, fill, title, short, uncertain) = style(&p.code, &p.name);
                Shape {
                    code: p.code.clone(),
                    fill,
                    class,
                    title,
                    short: short.or_else(|| Some(p.name.clone())),
                    uncertain,
                    geometry: Geometry::Point(LonLat {
                        lon: p.lon,
                        lat: p.lat,
                    }),
                }
            })
            .collect(),
        Layer::Areas(areas) => {
            // One shape per unit, however many features draw it, so that each unit has
            // one title.
            let mut order: Vec<&str> = Vec::new();
            let mut by_code: BTreeMap<&str, (Option<&str>, Vec<Polygon>)> = BTreeMap::new();
            for a in areas {
                let e = by_code.entry(&a.code).or_insert_with(|| {
                    order.push(&a.code);
                    (a.name.as_deref(), Vec::new())
                });
                e.0 = e.0.or(a.name.as_deref());
                e.1.extend(a.polygons.iter().cloned());
            }
            order
                .into_iter()
                .map(|code| {
                    let (name, polygons) = by_code.remove(code).unwrap_or_default();
                    let (class, fill, title, short, uncertain) = style(code, name.unwrap_or(code));
                    Shape {
                        code: code.to_owned(),
                        fill,
                        class,
                        title,
                        short,
                        uncertain,
                        geometry: Geometry::Areas(polygons),
                    }
                })
                .collect()
        }
    }
}

/// The path of a unit's polygons and where its label goes (inside its largest ring).
fn area_path(
    polygons: &[Polygon],
    project: &impl Fn(LonLat) -> (f64, f64),
) -> (String, Option<(f64, f64)>) {
    let mut d = String::new();
    let mut largest: Option<(f64, Vec<(f64, f64)>)> = None;
    for p in polygons {
        for (k, ring) in std::iter::once(&p.exterior).chain(&p.holes).enumerate() {
            let pts: Vec<(f64, f64)> = ring.iter().map(|q| project(*q)).collect();
            // What the path will hold: positions rounded, repeats left out.
            let mut cells: Vec<String> = Vec::new();
            for (x, y) in &pts {
                let c = format!("{} {}", num(*x), num(*y));
                if cells.last() != Some(&c) && !(cells.len() > 1 && cells[0] == c) {
                    cells.push(c);
                }
            }
            if k == 0 {
                let a = doubled_area(&pts).abs();
                if largest.as_ref().is_none_or(|(b, _)| a > *b) {
                    largest = Some((a, pts));
                }
            }
            if cells.len() < 3 {
                continue;
            }
            let _ = write!(d, "M{}Z", cells.join(" "));
        }
    }
    (d, largest.and_then(|(_, ring)| label_point(&ring)))
}

fn fill_attr(fill: Fill, id: &str) -> String {
    match fill {
        Fill::Colour(c) => c.hex(),
        Fill::NoData => format!("url(#{id}-nodata)"),
    }
}

fn write_legend(svg: &mut String, legend: &[LegendEntry], id: &str, top: f64) -> f64 {
    if legend.is_empty() {
        return top;
    }
    let texts: Vec<String> = legend
        .iter()
        .map(|e| match e.count {
            Some(n) => format!("{} ({})", e.label, thousands(n)),
            None => e.label.clone(),
        })
        .collect();
    let col_w = (WIDTH - 2.0 * MARGIN) / 2.0;
    let fits_half = chars_per_line(LEGEND_FONT, col_w - 40.0);
    let columns = if legend.len() >= 4 && texts.iter().all(|t| t.chars().count() <= fits_half) {
        2
    } else {
        1
    };
    let width = if columns == 2 {
        col_w
    } else {
        WIDTH - 2.0 * MARGIN
    };
    let chars = chars_per_line(LEGEND_FONT, width - 40.0);
    let row = 34.0;
    let rows = legend.len().div_ceil(columns);
    let _ = write!(
        svg,
        r##"<g class="ntm-map-legend" font-size="{LEGEND_FONT}" fill="#1d2733">"##
    );
    for (i, (e, t)) in legend.iter().zip(&texts).enumerate() {
        let (col, r) = (i / rows, i % rows);
        let x = MARGIN + col as f64 * col_w;
        let y = top + r as f64 * row;
        let text = wrap(t, chars, 1).into_iter().next().unwrap_or_default();
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="24" height="24" fill="{}" stroke="#333" stroke-width="1"/><text x="{}" y="{}">{}</text>"##,
            num(x),
            num(y),
            fill_attr(e.fill, id),
            num(x + 34.0),
            num(y + 19.0),
            esc(&text)
        );
    }
    svg.push_str("</g>");
    top + rows as f64 * row
}

fn write_lines(
    svg: &mut String,
    class: &str,
    s: &str,
    font: f64,
    colour: &str,
    top: f64,
    max: usize,
) -> f64 {
    let lines = wrap(s, chars_per_line(font, WIDTH - 2.0 * MARGIN), max);
    let step = font * 1.3;
    let _ = write!(
        svg,
        r#"<g class="{class}" font-size="{font}" fill="{colour}">"#
    );
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="{MARGIN}" y="{}">{}</text>"#,
            num(top + font + i as f64 * step),
            esc(line)
        );
    }
    svg.push_str("</g>");
    top + lines.len() as f64 * step
}

/// An id safe in an attribute and in `url(#…)`.
fn dom_id(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(60)
        .collect();
    if clean.is_empty() {
        "ntm-map".to_owned()
    } else {
        format!("ntm-map-{clean}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CIE L* of an sRGB colour: what a greyscale print keeps of it.
    fn lightness(c: Colour) -> f64 {
        let lin = |u: u8| {
            let v = f64::from(u) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let y = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
        if y > 216.0 / 24389.0 {
            116.0 * y.cbrt() - 16.0
        } else {
            y * 24389.0 / 27.0
        }
    }

    #[test]
    fn levels_stay_apart_in_greyscale() {
        let l: Vec<f64> = LEVEL_COLOURS.iter().map(|c| lightness(*c)).collect();
        for w in l.windows(2) {
            assert!(w[0] - w[1] >= 20.0, "{l:?}");
        }
    }

    #[test]
    fn ids_keep_safe_characters_only() {
        for (raw, id) in [
            ("", "ntm-map"),
            ("ha-tinh_2025", "ntm-map-ha-tinh_2025"),
            ("\"><x", "ntm-map-x"),
        ] {
            assert_eq!(dom_id(raw), id);
        }
    }

    #[test]
    fn colours_are_hex() {
        assert_eq!(Colour(0, 15, 255).hex(), "#000fff");
    }
}
