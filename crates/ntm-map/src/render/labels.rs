//! Where the printed labels go. In a city's dense cluster of wards the names would print
//! on top of one another, unreadable; a label is put at the first free spot of a few
//! around its unit, or left out (the unit's hover title and the office's table still name
//! it). Greedy, in the order of the units, so the same map labels the same way.

use std::collections::HashMap;

/// A box `[left, top, right, bottom]` in drawing units.
pub(crate) type Boxed = [f64; 4];

/// Boxes already taken, bucketed on a grid so that a map of thousands of units is not
/// quadratic.
pub(crate) struct Placer {
    boxes: Vec<Boxed>,
    grid: HashMap<(i64, i64), Vec<usize>>,
    bounds: Boxed,
}

const CELL: f64 = 64.0;

impl Placer {
    /// Labels must stay inside `bounds`.
    pub(crate) fn new(bounds: Boxed) -> Placer {
        Placer {
            boxes: Vec::new(),
            grid: HashMap::new(),
            bounds,
        }
    }

    fn cells(b: &Boxed) -> impl Iterator<Item = (i64, i64)> {
        let span = |lo: f64, hi: f64| {
            let clamp = |v: f64| (v / CELL).floor().clamp(-1e6, 1e6) as i64;
            clamp(lo)..=clamp(hi)
        };
        let (xs, ys) = (span(b[0], b[2]), span(b[1], b[3]));
        xs.flat_map(move |x| ys.clone().map(move |y| (x, y)))
    }

    /// Marks `b` as taken (a point's circle, a placed label).
    pub(crate) fn take(&mut self, b: Boxed) {
        let i = self.boxes.len();
        self.boxes.push(b);
        for c in Self::cells(&b) {
            self.grid.entry(c).or_default().push(i);
        }
    }

    pub(crate) fn is_free(&self, b: &Boxed) -> bool {
        let inside = b[0] >= self.bounds[0]
            && b[1] >= self.bounds[1]
            && b[2] <= self.bounds[2]
            && b[3] <= self.bounds[3];
        inside
            && Self::cells(b).all(|c| {
                self.grid.get(&c).is_none_or(|ids| {
                    ids.iter().all(|&i| {
                        let o = &self.boxes[i];
                        b[2] <= o[0] || o[2] <= b[0] || b[3] <= o[1] || o[3] <= b[1]
                    })
                })
            })
    }

    /// The first of `candidates` (anchor, x, y, box) that is free, taken.
    pub(crate) fn place<'a>(
        &mut self,
        candidates: &[(&'a str, f64, f64, Boxed)],
    ) -> Option<(&'a str, f64, f64)> {
        let &(anchor, x, y, b) = candidates.iter().find(|c| self.is_free(&c.3))?;
        self.take(b);
        Some((anchor, x, y))
    }
}

/// The box of a text of `chars` characters at `font` size, anchored at `(x, y)` (the
/// baseline), at about 0.55 em a character.
pub(crate) fn text_box(anchor: &str, x: f64, y: f64, chars: usize, font: f64) -> Boxed {
    let w = chars as f64 * font * 0.55;
    let left = match anchor {
        "middle" => x - w / 2.0,
        "end" => x - w,
        _ => x,
    };
    [left, y - 0.8 * font, left + w, y + 0.2 * font]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_spot_sends_the_label_to_the_next() {
        let mut p = Placer::new([0.0, 0.0, 1000.0, 1000.0]);
        let right = text_box("start", 110.0, 100.0, 6, 15.0);
        let left = text_box("end", 90.0, 100.0, 6, 15.0);
        let c = [("start", 110.0, 100.0, right), ("end", 90.0, 100.0, left)];
        assert_eq!(p.place(&c), Some(("start", 110.0, 100.0)));
        assert_eq!(p.place(&c), Some(("end", 90.0, 100.0)));
        assert_eq!(p.place(&c), None);
    }

    #[test]
    fn labels_stay_inside_the_bounds() {
        let p = Placer::new([0.0, 0.0, 100.0, 100.0]);
        assert!(!p.is_free(&text_box("start", 90.0, 50.0, 6, 15.0)));
        assert!(p.is_free(&text_box("end", 90.0, 50.0, 6, 15.0)));
    }
}
