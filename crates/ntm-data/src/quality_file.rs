//! The data-quality rules file: one TOML file per criteria set, naming the checks
//! ([`ntm_core::quality`]) that the set's values go through. The office edits it as it
//! edits a set; each saved text is a version, so findings can always be traced to the
//! rules that made them.
//!
//! ```toml
//! format = 1
//! set = "xa-ntm-2021-2025"
//!
//! [[rule]]
//! id = "ty-le"
//! title = "Tỷ lệ (%) trong khoảng 0–100"
//! severity = "blocking"          # info | warning | blocking
//! kind = "range"                 # part_of_whole | range | reported_met | year_jump |
//!                                # peer_outlier | regression | evidence
//! indicators = ["2.1", "2.2"]    # one check per indicator (or `indicator = "2.1"`)
//! min = "0"
//! max = "100"
//! ```
//!
//! Numbers are written as strings ("1,6" or "1.6") so that a decimal is read exactly.
//! A rule listing several indicators is one rule for the office (one id, one title) and
//! one check per indicator; an explanation answers the finding of one indicator.

use ntm_core::quality::{
    DEFAULT_MIN_PEERS, DEFAULT_OUTLIER_THRESHOLD, PeerGroup, Rule, RuleKind, Severity,
};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The only version of the format read (`format = 1`).
pub const FORMAT_VERSION: i64 = 1;

/// The rules of one set, as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesFile {
    pub set: String,
    /// Each file rule expanded to one [`Rule`] per indicator it lists.
    pub rules: Vec<Rule>,
}

/// A rules file as written, before its rules are expanded and checked: what the office's
/// editor changes and [`write`] writes back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesDoc {
    pub format: i64,
    pub set: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub rule: Vec<RuleEntry>,
}

/// One `[[rule]]` of a file, its fields as written (numbers as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub kind: String,
    #[serde(default)]
    pub indicator: Option<String>,
    #[serde(default)]
    pub indicators: Vec<String>,
    #[serde(default)]
    pub part: Option<String>,
    #[serde(default)]
    pub whole: Option<String>,
    #[serde(default)]
    pub criterion: Option<String>,
    #[serde(default)]
    pub declared: Option<String>,
    #[serde(default)]
    pub min: Option<String>,
    #[serde(default)]
    pub max: Option<String>,
    #[serde(default)]
    pub factor: Option<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub peers: Option<String>,
    #[serde(default)]
    pub threshold: Option<String>,
    #[serde(default)]
    pub min_peers: Option<usize>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Reads a rules file; every problem found, in Vietnamese, each naming the rule (or the
/// line and column where TOML itself fails).
pub fn parse(text: &str) -> Result<RulesFile, Vec<String>> {
    expand(&read_doc(text)?)
}

/// Reads a file as written, its rules unchecked; only TOML and its fields are.
pub fn read_doc(text: &str) -> Result<RulesDoc, Vec<String>> {
    toml::from_str(text).map_err(|e| vec![toml_problem(text, &e)])
}

/// Checks a file's rules and expands each to one [`Rule`] per indicator it lists.
pub fn expand(doc: &RulesDoc) -> Result<RulesFile, Vec<String>> {
    let mut problems = Vec::new();
    if doc.format != FORMAT_VERSION {
        problems.push(format!(
            "format = {} không đọc được: chỉ đọc format = {FORMAT_VERSION}",
            doc.format
        ));
    }
    if doc.set.trim().is_empty() {
        problems.push("thiếu set: bộ tiêu chí mà các quy tắc kiểm tra".into());
    }
    let mut rules = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (n, r) in doc.rule.iter().enumerate() {
        let at = format!("quy tắc thứ {} ({})", n + 1, r.id);
        if !seen.insert(r.id.trim().to_owned()) {
            problems.push(format!("{at}: mã quy tắc trùng với một quy tắc trước"));
            continue;
        }
        if let Some(p) = id_problem(r.id.trim()) {
            problems.push(format!("{at}: {p}"));
            continue;
        }
        match rule_of(r) {
            Ok(expanded) => {
                for rule in expanded {
                    if let Err(e) = rule.validate() {
                        problems.push(format!("{at}: {e}"));
                    } else {
                        rules.push(rule);
                    }
                }
            }
            Err(p) => problems.extend(p.into_iter().map(|p| format!("{at}: {p}"))),
        }
    }
    if problems.is_empty() {
        Ok(RulesFile {
            set: doc.set.trim().to_owned(),
            rules,
        })
    } else {
        Err(problems)
    }
}

/// What is wrong with a rule id, if anything: it is part of the key a reason is kept
/// under (`rule~indicator~criterion`) and of the address of its edit form.
pub fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("thiếu mã quy tắc".into())
    } else if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        Some(format!(
            "mã quy tắc “{id}”: chỉ dùng chữ không dấu, số, dấu gạch (-, _) và dấu chấm"
        ))
    } else {
        None
    }
}

fn toml_problem(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("dòng {line}, cột {column}: {}", e.message())
        }
        None => e.message().to_owned(),
    }
}

fn decimal(field: &str, text: &Option<String>, problems: &mut Vec<String>) -> Option<Decimal> {
    let t = text.as_deref()?.trim();
    match t.replace(',', ".").parse::<Decimal>() {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(format!("{field} = “{t}” không phải một số"));
            None
        }
    }
}

fn rule_of(r: &RuleEntry) -> Result<Vec<Rule>, Vec<String>> {
    let mut problems = Vec::new();
    let severity = Severity::parse(r.severity.trim()).unwrap_or_else(|| {
        problems.push(format!(
            "severity = “{}”: chỉ nhận info, warning hoặc blocking",
            r.severity
        ));
        Severity::Info
    });
    let mut indicators: Vec<String> = r.indicator.iter().chain(&r.indicators).cloned().collect();
    indicators.dedup();
    let each = |make: &dyn Fn(String) -> RuleKind, problems: &mut Vec<String>| {
        if indicators.is_empty() {
            problems.push("thiếu indicator hoặc indicators: chỉ tiêu được kiểm tra".into());
        }
        indicators
            .iter()
            .map(|i| make(i.clone()))
            .collect::<Vec<_>>()
    };
    let kinds: Vec<RuleKind> = match r.kind.trim() {
        "part_of_whole" => vec![RuleKind::PartOfWhole {
            part: r.part.clone().unwrap_or_default(),
            whole: r.whole.clone().unwrap_or_default(),
        }],
        "range" => {
            let min = decimal("min", &r.min, &mut problems);
            let max = decimal("max", &r.max, &mut problems);
            each(
                &|indicator| RuleKind::Range {
                    indicator,
                    min,
                    max,
                },
                &mut problems,
            )
        }
        "reported_met" => vec![RuleKind::ReportedMetButMissing {
            criterion: r.criterion.clone().unwrap_or_default(),
            declared: r.declared.clone().unwrap_or_default(),
            indicators: indicators.clone(),
        }],
        "year_jump" => {
            let factor = decimal("factor", &r.factor, &mut problems);
            let amount = decimal("amount", &r.amount, &mut problems);
            each(
                &|indicator| RuleKind::YearJump {
                    indicator,
                    factor,
                    amount,
                },
                &mut problems,
            )
        }
        "peer_outlier" => {
            let peers = match r.peers.as_deref().map(str::trim) {
                None => PeerGroup::CommuneGroup,
                Some(p) => PeerGroup::parse(p).unwrap_or_else(|| {
                    problems.push(format!(
                        "peers = “{p}”: chỉ nhận commune_group hoặc former_district"
                    ));
                    PeerGroup::CommuneGroup
                }),
            };
            let threshold = decimal("threshold", &r.threshold, &mut problems)
                .unwrap_or(DEFAULT_OUTLIER_THRESHOLD);
            let min_peers = r.min_peers.unwrap_or(DEFAULT_MIN_PEERS);
            each(
                &|indicator| RuleKind::PeerOutlier {
                    indicator,
                    peers,
                    threshold,
                    min_peers,
                },
                &mut problems,
            )
        }
        "regression" => vec![RuleKind::RegressionAfterRecognition],
        "evidence" => vec![RuleKind::EvidenceCoverage],
        other => {
            problems.push(format!(
                "kind = “{other}”: chỉ nhận part_of_whole, range, reported_met, year_jump, peer_outlier, regression hoặc evidence"
            ));
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(kinds
        .into_iter()
        .map(|kind| Rule {
            id: r.id.trim().to_owned(),
            title: r.title.trim().to_owned(),
            severity,
            kind,
            source: r.source.clone().filter(|s| !s.trim().is_empty()),
            note: r.note.clone().filter(|s| !s.trim().is_empty()),
        })
        .collect())
}

/// Writes `doc` as a rules file that [`read_doc`] reads back the same.
pub fn write(doc: &RulesDoc) -> String {
    use crate::criteria_file::{optional_line, q};
    let mut out = format!("format = {}\nset = {}\n", doc.format, q(&doc.set));
    optional_line(&mut out, "note", doc.note.as_deref());
    for r in &doc.rule {
        out.push_str(&format!(
            "\n[[rule]]\nid = {}\ntitle = {}\nseverity = {}\nkind = {}\n",
            q(&r.id),
            q(&r.title),
            q(&r.severity),
            q(&r.kind)
        ));
        optional_line(&mut out, "indicator", r.indicator.as_deref());
        if !r.indicators.is_empty() {
            let list: Vec<String> = r.indicators.iter().map(|i| q(i)).collect();
            out.push_str(&format!("indicators = [{}]\n", list.join(", ")));
        }
        for (key, value) in [
            ("part", &r.part),
            ("whole", &r.whole),
            ("criterion", &r.criterion),
            ("declared", &r.declared),
            ("min", &r.min),
            ("max", &r.max),
            ("factor", &r.factor),
            ("amount", &r.amount),
            ("peers", &r.peers),
            ("threshold", &r.threshold),
        ] {
            optional_line(&mut out, key, value.as_deref());
        }
        if let Some(n) = r.min_peers {
            out.push_str(&format!("min_peers = {n}\n"));
        }
        optional_line(&mut out, "source", r.source.as_deref());
        optional_line(&mut out, "note", r.note.as_deref());
    }
    out
}

/// What in `rules` the set `set` does not have: each indicator (and criterion) they name
/// that is not in it, as a problem to tell.
pub fn unknown_in_set(rules: &[Rule], set: &ntm_core::criteria::CriteriaSet) -> Vec<String> {
    let mut problems: Vec<String> = named_indicators(rules)
        .into_iter()
        .filter(|id| !id.is_empty() && set.indicator(id).is_none())
        .map(|id| format!("bộ {} không có chỉ tiêu “{id}”", set.id().0))
        .collect();
    for r in rules {
        if let RuleKind::ReportedMetButMissing { criterion, .. } = &r.kind
            && !set.criteria.iter().any(|c| &c.id == criterion)
        {
            problems.push(format!(
                "quy tắc {}: bộ {} không có tiêu chí “{criterion}”",
                r.id,
                set.id().0
            ));
        }
    }
    problems.dedup();
    problems
}

/// The indicator ids the rules name, to check against the set they belong to.
pub fn named_indicators(rules: &[Rule]) -> Vec<&str> {
    let mut ids: Vec<&str> = rules
        .iter()
        .flat_map(|r| match &r.kind {
            RuleKind::PartOfWhole { part, whole } => vec![part.as_str(), whole.as_str()],
            RuleKind::Range { indicator, .. }
            | RuleKind::YearJump { indicator, .. }
            | RuleKind::PeerOutlier { indicator, .. } => vec![indicator.as_str()],
            RuleKind::ReportedMetButMissing {
                declared,
                indicators,
                ..
            } => std::iter::once(declared.as_str())
                .chain(indicators.iter().map(String::as_str))
                .collect(),
            RuleKind::RegressionAfterRecognition | RuleKind::EvidenceCoverage => Vec::new(),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
format = 1
set = "xa-ntm-2021-2025-minh-hoa"

[[rule]]
id = "ty-le"
title = "Tỷ lệ (%) trong khoảng 0–100"
severity = "blocking"
kind = "range"
indicators = ["2.1", "17.1"]
min = "0"
max = "100"

[[rule]]
id = "thu-nhap-tang-vot"
title = "Thu nhập tăng hoặc giảm quá 60% một năm"
severity = "warning"
kind = "year_jump"
indicator = "10"
factor = "1,6"

[[rule]]
id = "thu-nhap-khac-nhom"
title = "Thu nhập khác xa các xã cùng huyện cũ"
severity = "info"
kind = "peer_outlier"
indicator = "10"
peers = "former_district"

[[rule]]
id = "sau-cong-nhan"
title = "Xã đã công nhận nay không còn đạt"
severity = "warning"
kind = "regression"
"#;

    #[test]
    fn a_file_reads_to_one_rule_per_indicator_with_defaults() {
        let f = parse(FILE).unwrap();
        assert_eq!(f.set, "xa-ntm-2021-2025-minh-hoa");
        assert_eq!(f.rules.len(), 5);
        assert_eq!(f.rules[0].id, "ty-le");
        assert_eq!(f.rules[1].id, "ty-le");
        assert!(
            matches!(&f.rules[1].kind, RuleKind::Range { indicator, .. } if indicator == "17.1")
        );
        assert!(matches!(
            &f.rules[2].kind,
            RuleKind::YearJump { factor: Some(f), amount: None, .. } if *f == Decimal::new(16, 1)
        ));
        assert!(matches!(
            &f.rules[3].kind,
            RuleKind::PeerOutlier { peers: PeerGroup::FormerDistrict, threshold, min_peers: 5, .. }
                if *threshold == DEFAULT_OUTLIER_THRESHOLD
        ));
        assert_eq!(f.rules[4].severity, Severity::Warning);
        assert_eq!(named_indicators(&f.rules), vec!["10", "17.1", "2.1"]);
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        let mut doc = read_doc(FILE).unwrap();
        doc.note = Some("Sửa \"ngưỡng\"\ndòng hai".into());
        doc.rule[0].min_peers = Some(7);
        doc.rule[1].source = Some("Công văn 12/VPĐP".into());
        let text = write(&doc);
        assert_eq!(read_doc(&text).unwrap(), doc, "{text}");
        assert_eq!(expand(&doc).unwrap().rules.len(), 5);
    }

    #[test]
    fn every_problem_is_told_with_its_rule() {
        let cases: &[(&str, &str)] = &[
            ("format = 2\nset = \"x\"\n", "format = 2"),
            ("format = 1\nset = \" \"\n", "thiếu set"),
            ("format = 1\nset = \"x\"\nextra = 1\n", "dòng 3"),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"grave\"\nkind = \"regression\"\n",
                "severity = “grave”",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"range\"\nmin = \"0\"\n",
                "thiếu indicator",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"range\"\nindicator = \"1\"\nmin = \"mười\"\n",
                "min = “mười”",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"year_jump\"\nindicator = \"1\"\nfactor = \"0.5\"\n",
                "quy tắc thứ 1 (a)",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"evidence\"\n[[rule]]\nid = \"a\"\ntitle = \"B\"\nseverity = \"info\"\nkind = \"regression\"\n",
                "trùng",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"magic\"\n",
                "kind = “magic”",
            ),
            (
                "format = 1\nset = \"x\"\n[[rule]]\nid = \"a~b\"\ntitle = \"A\"\nseverity = \"info\"\nkind = \"evidence\"\n",
                "mã quy tắc “a~b”",
            ),
        ];
        for (text, expected) in cases {
            let problems = parse(text).expect_err(text);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{text}: {problems:?} lacks {expected}"
            );
        }
    }
}
