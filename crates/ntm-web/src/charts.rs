//! Small server-rendered SVG charts: horizontal bars and stacked level bars. They are
//! plain text, deterministic (snapshot-testable), styled by the page's CSS and readable
//! without JavaScript; each has a `<title>` and text labels for screen readers and print.

use std::fmt::Write as _;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` cut to `max` characters with an ellipsis (the full text stays in the table).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// One bar: label, value, and the text printed at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// Horizontal bars scaled to `max` (or the largest value).
pub fn bars(title: &str, items: &[Bar], max: Option<f64>, class: &str) -> String {
    let row = 26.0;
    let label_w = 260.0;
    let bar_w = 260.0;
    let height = row * items.len() as f64 + 8.0;
    let max = max
        .unwrap_or_else(|| items.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(f64::EPSILON);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart {class}" viewBox="0 0 {w} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        w = label_w + bar_w + 90.0,
        t = esc(title)
    );
    for (i, b) in items.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let w = (b.value / max * bar_w).clamp(0.0, bar_w);
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" class="label" text-anchor="end">{label}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="18" class="bar"/><text x="{vx:.1}" y="{ty}" class="value">{text}</text>"#,
            lx = label_w - 6.0,
            ty = y + 14.0,
            label = esc(&shorten(&b.label, 40)),
            vx = label_w + w + 6.0,
            text = esc(&b.text)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One stacked bar: label and counts per level (none, standard, advanced, model).
pub struct Stack {
    pub label: String,
    pub counts: [usize; 4],
}

/// Stacked horizontal bars of communes by level, each bar as wide as its total.
pub fn level_stacks(title: &str, items: &[Stack]) -> String {
    let row = 26.0;
    let label_w = 160.0;
    let bar_w = 330.0;
    let height = row * items.len() as f64 + 30.0;
    let max = items
        .iter()
        .map(|s| s.counts.iter().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let classes = ["lv-none", "lv-standard", "lv-advanced", "lv-model"];
    let names = ["chưa đạt", "đạt chuẩn", "nâng cao", "kiểu mẫu"];
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart stacks" viewBox="0 0 {w} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        w = label_w + bar_w + 50.0,
        t = esc(title)
    );
    for (i, s) in items.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="label" text-anchor="end">{}</text>"#,
            label_w - 6.0,
            y + 14.0,
            esc(&s.label)
        );
        let mut x = label_w;
        for (k, &n) in s.counts.iter().enumerate() {
            let w = n as f64 / max * bar_w;
            if n > 0 {
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="18" class="{}"><title>{}: {n}</title></rect>"#,
                    classes[k], names[k]
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" class="value">{}</text>"#,
            x + 6.0,
            y + 14.0,
            s.counts.iter().sum::<usize>()
        );
    }
    let ly = items.len() as f64 * row + 14.0;
    let mut lx = label_w;
    for k in 0..4 {
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{}" width="12" height="12" class="{}"/><text x="{}" y="{}" class="legend">{}</text>"#,
            ly - 10.0,
            classes[k],
            lx + 16.0,
            ly,
            names[k]
        );
        lx += 85.0;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale() {
        let svg = bars(
            "Tiêu chí <chưa đạt>",
            &[
                Bar {
                    label: "A & B".into(),
                    value: 5.0,
                    text: "5 xã".into(),
                },
                Bar {
                    label: "C".into(),
                    value: 10.0,
                    text: "10".into(),
                },
            ],
            None,
            "x",
        );
        assert!(svg.contains("Tiêu chí &lt;chưa đạt&gt;"));
        assert!(svg.contains("A &amp; B"));
        assert!(
            svg.contains(r#"width="130.0""#) && svg.contains(r#"width="260.0""#),
            "{svg}"
        );
    }

    #[test]
    fn stacks_have_a_legend_and_totals() {
        let svg = level_stacks(
            "Xã theo mức",
            &[Stack {
                label: "Huyện A".into(),
                counts: [1, 2, 3, 4],
            }],
        );
        assert!(
            svg.contains("kiểu mẫu") && svg.contains(">10</text>"),
            "{svg}"
        );
    }
}
