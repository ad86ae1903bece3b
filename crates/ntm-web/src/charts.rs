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

/// The chart's width in user units. The SVG scales to its container, so its text does
/// too: a phone shows it at about this width (a 390 px screen less the page's margins),
/// where 13 units stay about 12 px; the stylesheet caps the width on a desktop so the text
/// does not grow past about 16 px.
const WIDTH: f64 = 360.0;
/// Characters of a label line that fit in [`WIDTH`] at the stylesheet's font size.
const LINE_CHARS: usize = 50;
/// Height of one label line.
const LINE: f64 = 16.0;
const BAR: f64 = 16.0;
/// Room below a bar before the next label.
const GAP: f64 = 10.0;
/// Room at the bar's end for its number.
const VALUE_W: f64 = 56.0;

/// A label in at most two lines of [`LINE_CHARS`], broken between words; what does not
/// fit ends in an ellipsis (the full text stays in the table and the bar's tooltip).
fn label_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let full = lines.len() >= 2;
        let cur = lines.last_mut().expect("lines start with one");
        if cur.is_empty() || cur.chars().count() + 1 + word.chars().count() <= LINE_CHARS {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        } else if !full {
            lines.push(word.to_owned());
        } else {
            cur.push(' ');
            cur.push_str(word);
        }
    }
    for line in &mut lines {
        if line.chars().count() > LINE_CHARS {
            let mut cut: String = line.chars().take(LINE_CHARS - 1).collect();
            cut.push('…');
            *line = cut;
        }
    }
    lines
}

/// Writes `label` above a bar whose top is at `y` and returns the bar's top.
fn write_label(svg: &mut String, label: &str, y: f64) -> f64 {
    let lines = label_lines(label);
    for (k, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text x="0" y="{:.0}" class="label">{}</text>"#,
            y + LINE * (k as f64 + 1.0) - 4.0,
            esc(line)
        );
    }
    y + LINE * lines.len() as f64
}

/// One bar: label, value, and the text printed at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// Horizontal bars scaled to `max` (or the largest value), each under its label: a label
/// beside its bar would leave the bar a third of a phone's width.
pub fn bars(title: &str, items: &[Bar], max: Option<f64>, class: &str) -> String {
    let bar_w = WIDTH - VALUE_W;
    let max = max
        .unwrap_or_else(|| items.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(f64::EPSILON);
    let mut body = String::new();
    let mut y = 0.0;
    for b in items {
        let top = write_label(&mut body, &b.label, y);
        let w = (b.value / max * bar_w).clamp(0.0, bar_w);
        let _ = write!(
            body,
            r#"<rect x="0" y="{top:.0}" width="{w:.1}" height="{BAR}" class="bar"><title>{label}: {text}</title></rect><text x="{vx:.1}" y="{ty:.0}" class="value">{text}</text>"#,
            label = esc(&b.label),
            vx = w + 6.0,
            ty = top + BAR - 3.0,
            text = esc(&b.text)
        );
        y = top + BAR + GAP;
    }
    svg_open(&format!("chart {class}"), title, y) + &body + "</svg>"
}

fn svg_open(class: &str, title: &str, height: f64) -> String {
    format!(
        r#"<svg class="{class}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    )
}

/// One stacked bar: label and counts per level (none, standard, advanced, model).
pub struct Stack {
    pub label: String,
    pub counts: [usize; 4],
}

/// Stacked horizontal bars of communes by level, each bar as wide as its total and under
/// its label, with the legend on top.
pub fn level_stacks(title: &str, items: &[Stack]) -> String {
    let bar_w = WIDTH - VALUE_W + 20.0;
    let max = items
        .iter()
        .map(|s| s.counts.iter().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let classes = ["lv-none", "lv-standard", "lv-advanced", "lv-model"];
    let names = ["chưa đạt", "đạt chuẩn", "nâng cao", "kiểu mẫu"];
    let mut body = String::new();
    let mut lx = 0.0;
    for k in 0..4 {
        let _ = write!(
            body,
            r#"<rect x="{lx}" y="2" width="12" height="12" class="{}"/><text x="{}" y="12" class="legend">{}</text>"#,
            classes[k],
            lx + 16.0,
            names[k]
        );
        lx += 88.0;
    }
    let mut y = LINE + GAP;
    for s in items {
        let top = write_label(&mut body, &s.label, y);
        let mut x = 0.0;
        for (k, &n) in s.counts.iter().enumerate() {
            let w = n as f64 / max * bar_w;
            if n > 0 {
                let _ = write!(
                    body,
                    r#"<rect x="{x:.1}" y="{top:.0}" width="{w:.1}" height="{BAR}" class="{}"><title>{}: {n}</title></rect>"#,
                    classes[k], names[k]
                );
            }
            x += w;
        }
        let _ = write!(
            body,
            r#"<text x="{:.1}" y="{:.0}" class="value">{}</text>"#,
            x + 6.0,
            top + BAR - 3.0,
            s.counts.iter().sum::<usize>()
        );
        y = top + BAR + GAP;
    }
    svg_open("chart stacks", title, y) + &body + "</svg>"
}

/// One bar of a target chart: what was achieved, what the evaluation says is within
/// reach (drawn as an outline), and the target (a dashed line across the bar).
pub struct TargetBar {
    pub label: String,
    pub actual: f64,
    pub eligible: Option<f64>,
    pub target: f64,
    pub text: String,
}

/// Horizontal bars of actuals with a dashed line at each target, scaled to the largest of
/// the actuals, eligibles and targets.
pub fn target_bars(title: &str, items: &[TargetBar]) -> String {
    let bar_w = WIDTH - VALUE_W;
    let max = items
        .iter()
        .flat_map(|b| [b.actual, b.target, b.eligible.unwrap_or(0.0)])
        .fold(0.0, f64::max)
        .max(f64::EPSILON);
    let mut body = String::new();
    let mut y = 0.0;
    for b in items {
        let top = write_label(&mut body, &b.label, y);
        let w = (b.actual / max * bar_w).clamp(0.0, bar_w);
        if let Some(e) = b.eligible {
            let ew = (e / max * bar_w).clamp(0.0, bar_w);
            let _ = write!(
                body,
                r#"<rect x="0" y="{top:.0}" width="{ew:.1}" height="{BAR}" class="eligible"><title>{}: đủ điều kiện theo đánh giá {e}</title></rect>"#,
                esc(&b.label)
            );
        }
        let tx = (b.target / max * bar_w).clamp(0.0, bar_w);
        let _ = write!(
            body,
            r#"<rect x="0" y="{top:.0}" width="{w:.1}" height="{BAR}" class="bar{reached}"><title>{label}: {text}</title></rect><line x1="{tx:.1}" x2="{tx:.1}" y1="{y1:.0}" y2="{y2:.0}" class="target-line"><title>chỉ tiêu {target}</title></line><text x="{vx:.1}" y="{ty:.0}" class="value">{text}</text>"#,
            label = esc(&b.label),
            text = esc(&b.text),
            target = b.target,
            reached = if b.actual >= b.target { " reached" } else { "" },
            y1 = top - 3.0,
            y2 = top + BAR + 3.0,
            vx = w.max(tx) + 6.0,
            ty = top + BAR - 3.0,
        );
        y = top + BAR + GAP;
    }
    svg_open("chart targets", title, y) + &body + "</svg>"
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
            svg.contains(r#"width="152.0""#) && svg.contains(r#"width="304.0""#),
            "{svg}"
        );
    }

    #[test]
    fn long_labels_wrap_between_words_into_two_lines_at_most() {
        let long = "19. Quốc phòng và An ninh trật tự xã hội, phòng chống tội phạm và tệ nạn xã hội trên địa bàn xã, xây dựng lực lượng dân quân vững mạnh, rộng khắp";
        let lines = label_lines(long);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines.iter().all(|l| l.chars().count() <= LINE_CHARS),
            "{lines:?}"
        );
        assert!(
            long.starts_with(&format!("{} ", lines[0])),
            "broken between words: {lines:?}"
        );
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert_eq!(label_lines("Huyện Kỳ Anh"), vec!["Huyện Kỳ Anh".to_owned()]);
        let svg = bars(
            "t",
            &[Bar {
                label: long.into(),
                value: 1.0,
                text: "1 xã".into(),
            }],
            None,
            "unmet",
        );
        assert!(svg.contains(&format!("viewBox=\"0 0 {WIDTH} ")), "{svg}");
        assert!(
            svg.contains(&format!("<title>{}: 1 xã</title>", esc(long))),
            "full label kept in the tooltip"
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
