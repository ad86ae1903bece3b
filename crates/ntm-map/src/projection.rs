//! Equirectangular projection, east-west distances scaled by the cosine of the middle
//! latitude: over a province (about one degree) it is as true as any conic, needs no
//! library, and north stays up. y grows downwards as in SVG.

use crate::geometry::{BBox, LonLat};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    lon_scale: f64,
    scale: f64,
    min_lon: f64,
    max_lat: f64,
    offset_x: f64,
    offset_y: f64,
    width: f64,
    height: f64,
}

impl Projection {
    /// Fits `bbox` into a frame `width` wide with `pad` on every side. The height follows
    /// the box's shape, held between `min_height` and `max_height` (a tall province is
    /// then narrower than the frame and centred in it).
    pub fn fit(bbox: BBox, width: f64, min_height: f64, max_height: f64, pad: f64) -> Projection {
        let lon_scale = bbox.lon_scale();
        let span_x = (bbox.max_lon - bbox.min_lon) * lon_scale;
        let span_y = bbox.max_lat - bbox.min_lat;
        let inner_w = (width - 2.0 * pad).max(1.0);
        let natural = if span_x > 0.0 {
            inner_w * span_y / span_x + 2.0 * pad
        } else {
            max_height
        };
        let height = natural.clamp(min_height, max_height.max(min_height));
        let inner_h = (height - 2.0 * pad).max(1.0);
        let fits = |span: f64, room: f64| {
            if span > 0.0 {
                room / span
            } else {
                f64::INFINITY
            }
        };
        let scale = fits(span_x, inner_w).min(fits(span_y, inner_h));
        // A single point (or all in one place) has no extent to fit; any scale draws it
        // in the middle.
        let scale = if scale.is_finite() { scale } else { 1.0 };
        Projection {
            lon_scale,
            scale,
            min_lon: bbox.min_lon,
            max_lat: bbox.max_lat,
            offset_x: pad + (inner_w - span_x * scale) / 2.0,
            offset_y: pad + (inner_h - span_y * scale) / 2.0,
            width,
            height,
        }
    }

    pub fn project(&self, p: LonLat) -> (f64, f64) {
        (
            self.offset_x + (p.lon - self.min_lon) * self.lon_scale * self.scale,
            self.offset_y + (self.max_lat - p.lat) * self.scale,
        )
    }

    pub fn width(&self) -> f64 {
        self.width
    }

    pub fn height(&self) -> f64 {
        self.height
    }
}

/// Metres per degree of latitude on the mean Earth radius (6 371 008.8 m).
const METRES_PER_DEGREE: f64 = 111_195.08;

/// Positions in metres on a plane true at the box's middle latitude: what simplification
/// measures areas in, so that its tolerance means the same in the north and the south.
pub(crate) fn metres(bbox: &BBox) -> impl Fn(LonLat) -> (f64, f64) + use<> {
    let k = bbox.lon_scale() * METRES_PER_DEGREE;
    let (lon0, lat0) = (bbox.min_lon, bbox.min_lat);
    move |p| ((p.lon - lon0) * k, (p.lat - lat0) * METRES_PER_DEGREE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> BBox {
        BBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        }
    }

    #[test]
    fn north_is_up_and_the_corners_meet_the_padding() {
        let p = Projection::fit(bbox(105.0, 18.0, 106.0, 19.0), 1000.0, 100.0, 2000.0, 10.0);
        let (x0, y0) = p.project(LonLat {
            lon: 105.0,
            lat: 19.0,
        });
        let (x1, y1) = p.project(LonLat {
            lon: 106.0,
            lat: 18.0,
        });
        assert!(
            (x0 - 10.0).abs() < 1e-9 && (y0 - 10.0).abs() < 1e-9,
            "{x0} {y0}"
        );
        assert!((x1 - 990.0).abs() < 1e-9, "{x1}");
        // One degree of longitude at 18.5° is cos(18.5°) of a degree of latitude.
        let h = 980.0 / 18.5f64.to_radians().cos();
        assert!((y1 - 10.0 - h).abs() < 1e-6 && (p.height() - h - 20.0).abs() < 1e-6);
    }

    #[test]
    fn a_tall_box_is_centred_under_the_height_cap() {
        let p = Projection::fit(bbox(0.0, 0.0, 1.0, 10.0), 1000.0, 100.0, 500.0, 0.0);
        assert_eq!(p.height(), 500.0);
        let (x0, _) = p.project(LonLat { lon: 0.0, lat: 0.0 });
        let (x1, _) = p.project(LonLat { lon: 1.0, lat: 0.0 });
        assert!(((x0 + x1) / 2.0 - 500.0).abs() < 1e-9);
    }

    #[test]
    fn one_point_lands_in_the_middle() {
        let p = Projection::fit(bbox(105.5, 18.3, 105.5, 18.3), 1000.0, 300.0, 800.0, 20.0);
        assert_eq!(
            p.project(LonLat {
                lon: 105.5,
                lat: 18.3
            }),
            (500.0, 400.0)
        );
    }

    #[test]
    fn metres_match_the_degree_lengths() {
        let m = metres(&bbox(105.0, 18.0, 106.0, 18.0));
        let (x, y) = m(LonLat {
            lon: 106.0,
            lat: 19.0,
        });
        assert!((y - 111_195.08).abs() < 1e-6);
        assert!((x - 111_195.08 * 18f64.to_radians().cos()).abs() < 1e-6);
    }
}
