//! The criteria-set file format: one human-readable TOML file per criteria set.
//!
//! This module owns the reading and checking of those files (the format itself is
//! described in `docs/criteria-format.md`). [`parse`] turns one file into an
//! [`ntm_core::criteria::SetDefinition`] and reports every problem it can find in that
//! file, each located by line and column; [`check_files`] and [`load_catalogue`] go on to
//! resolve derivations and requirements across files with [`Catalogue::build`] and map the
//! catalogue's problems back to the file and, as far as possible, the line they come from.
//!
//! The document is read through `toml`'s spanned document tree rather than serde derives:
//! serde stops at the first unknown key or wrong type, and users fixing a file want all of
//! them at once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use ntm_core::Catalogue;
use ntm_core::criteria::{
    Comparison, Computed, Confidence, Criterion, Derivation, Indicator, LegalBasis, Level, Problem,
    Selector, SetDefinition, SetHeader, SetId, Threshold, ThresholdFrom, UnitKind, YearRange,
};
use ntm_core::unit::{UnitLevel, UnitType};
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The only version of the format this module reads (`format = 1`).
pub const FORMAT_VERSION: i64 = 1;

/// Region codes a threshold may be selected by (the seven regions of the 2021-2025 sets).
pub const REGIONS: [&str; 7] = ["TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL"];

/// A TOML string: every text goes through TOML's own quoting, so no name, source or
/// region typed into a form can add keys or tables.
pub(crate) fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One threshold as an inline table, `{ value = "48", region = "BTB", … }`.
fn threshold_entry(t: &Threshold) -> String {
    let mut e = format!("{{ value = {}", q(&t.value.normalize().to_string()));
    if let Some(r) = &t.when.region {
        e.push_str(&format!(", region = {}", q(r)));
    }
    if let Some(y) = t.when.year {
        e.push_str(&format!(", year = {y}"));
    }
    if let Some(g) = t.when.group {
        e.push_str(&format!(", group = {g}"));
    }
    if let Some(src) = &t.source {
        e.push_str(&format!(", source = {}", q(src)));
    }
    e.push_str(&format!(
        ", confidence = {}, illustrative = {}",
        q(t.confidence.as_str()),
        t.illustrative
    ));
    if let Some(n) = &t.note {
        e.push_str(&format!(", note = {}", q(n)));
    }
    e.push_str(" }");
    e
}

fn thresholds_array(thresholds: &[Threshold]) -> String {
    if thresholds.is_empty() {
        return "thresholds = []\n".into();
    }
    let entries: Vec<String> = thresholds.iter().map(threshold_entry).collect();
    format!("thresholds = [\n  {},\n]\n", entries.join(",\n  "))
}

/// The `[[override]]` block that replaces `indicator`'s thresholds in a derived set, as a
/// person would write it, to append to the set's file.
pub fn override_block(indicator: &str, thresholds: &[Threshold]) -> String {
    format!(
        "\n[[override]]\nindicator = {}\n{}",
        q(indicator),
        thresholds_array(thresholds)
    )
}

/// Writes `key = "text"` when there is a text.
pub(crate) fn optional_line(out: &mut String, key: &str, text: Option<&str>) {
    if let Some(t) = text {
        out.push_str(&format!("{key} = {}\n", q(t)));
    }
}

fn write_indicator(out: &mut String, table: &str, i: &Indicator) {
    out.push_str(&format!(
        "\n[[{table}]]\nid = {}\nname = {}\n",
        q(&i.id),
        q(&i.name)
    ));
    optional_line(out, "name_en", i.name_en.as_deref());
    optional_line(out, "unit", i.unit.as_deref());
    out.push_str(&format!("comparison = {}\n", q(i.comparison.as_str())));
    optional_line(out, "value_of", i.value_of.as_deref());
    optional_line(out, "computed", i.computed.map(Computed::as_str));
    if let Some(from) = &i.threshold_from {
        out.push_str(&format!(
            "threshold_from = {{ indicator = {}, factor = {} }}\n",
            q(&from.indicator),
            q(&from.factor.normalize().to_string())
        ));
    }
    optional_line(out, "source", i.source.as_deref());
    out.push_str(&format!("confidence = {}\n", q(i.confidence.as_str())));
    optional_line(out, "note", i.note.as_deref());
    if !i.thresholds.is_empty() {
        out.push_str(&thresholds_array(&i.thresholds));
    }
}

/// The file of a set definition: what the structured editor and the spreadsheet import
/// store, so that every version of a set — however it was made — is one readable file that
/// [`parse`] reads back to the same definition (comments of a hand-written file are not
/// kept: the editor's versions are written whole).
pub fn write(def: &SetDefinition) -> String {
    let h = &def.header;
    let mut out = format!(
        "format = {FORMAT_VERSION}\nid = {}\ntitle = {}\n",
        q(&h.id.0),
        q(&h.title)
    );
    optional_line(&mut out, "title_en", h.title_en.as_deref());
    out.push_str(&format!("unit_kind = {}\n", q(h.kind.as_str())));
    let applies: Vec<String> = h.applies_to.iter().map(|t| q(t.as_vi())).collect();
    out.push_str(&format!("applies_to = [{}]\n", applies.join(", ")));
    out.push_str(&format!("level = {}\n", q(h.level.as_str())));
    out.push_str(&format!(
        "period = {{ from = {}, to = {} }}\n",
        h.period.from, h.period.to
    ));
    optional_line(
        &mut out,
        "requires",
        h.requires.as_ref().map(|r| r.0.as_str()),
    );
    optional_line(
        &mut out,
        "derives_from",
        def.derivation.base.as_ref().map(|b| b.0.as_str()),
    );
    if h.illustrative {
        out.push_str("illustrative = true\n");
    }
    optional_line(&mut out, "note", h.note.as_deref());
    for b in &h.legal_basis {
        out.push_str("\n[[legal_basis]]\n");
        optional_line(&mut out, "decision", b.decision.as_deref());
        optional_line(&mut out, "date", b.date.as_deref());
        optional_line(&mut out, "part", b.part.as_deref());
        optional_line(&mut out, "effective", b.effective.as_deref());
        optional_line(&mut out, "source", b.source.as_deref());
        out.push_str(&format!("confidence = {}\n", q(b.confidence.as_str())));
        optional_line(&mut out, "note", b.note.as_deref());
    }
    for c in &def.criteria {
        out.push_str(&format!(
            "\n[[criteria]]\nid = {}\nname = {}\n",
            q(&c.id),
            q(&c.name)
        ));
        optional_line(&mut out, "name_en", c.name_en.as_deref());
        optional_line(&mut out, "group", c.group.as_deref());
        optional_line(&mut out, "source", c.source.as_deref());
        out.push_str(&format!("confidence = {}\n", q(c.confidence.as_str())));
        optional_line(&mut out, "note", c.note.as_deref());
        for i in &c.indicators {
            write_indicator(&mut out, "criteria.indicators", i);
        }
    }
    for (criterion, indicators) in &def.derivation.extend {
        out.push_str(&format!("\n[[extend]]\ncriterion = {}\n", q(criterion)));
        for i in indicators {
            write_indicator(&mut out, "extend.indicators", i);
        }
    }
    for (indicator, thresholds) in &def.derivation.overrides {
        out.push_str(&override_block(indicator, thresholds));
    }
    out
}

/// A problem in a criteria file, located as precisely as the problem allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The file name as given by the caller.
    pub file: String,
    /// 1-based line, when the problem can be tied to a place in the file.
    pub line: Option<usize>,
    /// 1-based column in characters (not bytes), when known.
    pub column: Option<usize>,
    /// Where in the set the problem is, e.g. `["tiêu chí 10", "chỉ tiêu 10", "ngưỡng 2"]`.
    pub path: Vec<String>,
    /// What is wrong and what was expected, in Vietnamese.
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path.join(" › "))?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FileProblem {}

/// Parses one criteria file. `file` is only used to label problems.
///
/// Reports every syntax error; when the syntax is sound, every unknown key, wrong type and
/// per-file semantic problem. Problems that need other sets (unknown base, ambiguous
/// thresholds after derivation, …) are found by [`check_files`].
pub fn parse(file: &str, text: &str) -> Result<SetDefinition, Vec<FileProblem>> {
    parse_located(file, text).map(|located| located.definition)
}

/// Parses `files` and checks them together with `library` (other set files, typically the
/// shipped ones, so that `derives_from` and `requires` resolve). A file in `files` whose set
/// id equals a library set replaces that library set. Returns an empty vector when all is
/// well.
///
/// Cross-set problems are only looked for once every file parses: a file that does not
/// parse cannot be resolved, and the problems that would follow from it are noise.
pub fn check_files(files: &[(String, String)], library: &[(String, String)]) -> Vec<FileProblem> {
    build(files, library).err().unwrap_or_default()
}

/// Parses every file and builds the catalogue of their sets.
pub fn load_catalogue(files: &[(String, String)]) -> Result<Catalogue, Vec<FileProblem>> {
    build(files, &[])
}

// ---------------------------------------------------------------------------------------
// Cross-file checking

struct Source<'a> {
    name: &'a str,
    text: &'a str,
    located: Located,
}

fn build(
    files: &[(String, String)],
    library: &[(String, String)],
) -> Result<Catalogue, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let mut sources: Vec<Source<'_>> = Vec::new();
    for (name, text) in files {
        match parse_located(name, text) {
            Ok(located) => {
                let id = &located.definition.header.id;
                if let Some(first) = sources
                    .iter()
                    .find(|s| &s.located.definition.header.id == id)
                {
                    let span = located.spans.keys.get("id").cloned();
                    problems.push(at(
                        name,
                        text,
                        span,
                        vec![],
                        format!(
                            "mã bộ tiêu chí “{id}” đã được dùng trong tệp {}",
                            first.name
                        ),
                    ));
                } else {
                    sources.push(Source {
                        name,
                        text,
                        located,
                    });
                }
            }
            Err(p) => problems.extend(p),
        }
    }
    let replaced: BTreeSet<SetId> = sources
        .iter()
        .map(|s| s.located.definition.header.id.clone())
        .collect();
    for (name, text) in library {
        match parse_located(name, text) {
            Ok(located) if replaced.contains(&located.definition.header.id) => {}
            Ok(located) => sources.push(Source {
                name,
                text,
                located,
            }),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let definitions = sources
        .iter()
        .map(|s| s.located.definition.clone())
        .collect();
    Catalogue::build(definitions).map_err(|found| {
        let mut mapped: Vec<(usize, FileProblem)> =
            found.iter().map(|p| locate(p, &sources)).collect();
        // Keep the caller's file order, then the order of the file itself.
        mapped.sort_by_key(|(index, p)| (*index, p.line, p.column));
        mapped.into_iter().map(|(_, p)| p).collect()
    })
}

/// Maps a catalogue problem to its file (by set id) and, best effort, to a line.
fn locate(problem: &Problem, sources: &[Source<'_>]) -> (usize, FileProblem) {
    let found = sources
        .iter()
        .enumerate()
        .find(|(_, s)| s.located.definition.header.id.0 == problem.set);
    let Some((index, source)) = found else {
        // Every set in the catalogue came from a source, so this is only reachable if the
        // core ever reports a set it was not given; keep the problem rather than lose it.
        let p = FileProblem {
            file: problem.set.clone(),
            line: None,
            column: None,
            path: problem.path.clone(),
            message: problem.message.clone(),
        };
        return (sources.len(), p);
    };
    let span = source.located.spans.find(&problem.path, &problem.message);
    (
        index,
        at(
            source.name,
            source.text,
            span,
            problem.path.clone(),
            problem.message.clone(),
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Spans kept for locating catalogue problems

/// A file's definition with the places of the things the catalogue may complain about.
struct Located {
    definition: SetDefinition,
    spans: SetSpans,
}

#[derive(Default)]
struct SetSpans {
    /// Top-level keys (`id`, `requires`, `derives_from`, `period`, `applies_to`, …).
    keys: BTreeMap<&'static str, Range<usize>>,
    criteria: Vec<ItemSpans>,
    /// `[[extend]]` entries: id is the criterion extended.
    extend: Vec<ItemSpans>,
    overrides: Vec<OverrideSpans>,
}

/// A criterion (or an `[[extend]]` entry) and its indicators.
struct ItemSpans {
    id: String,
    span: Range<usize>,
    indicators: Vec<IndicatorSpans>,
}

struct IndicatorSpans {
    id: String,
    span: Range<usize>,
    thresholds: Vec<Range<usize>>,
}

struct OverrideSpans {
    indicator: String,
    span: Range<usize>,
    thresholds: Vec<Range<usize>>,
}

impl SetSpans {
    /// The most specific place this file gives for a catalogue path such as
    /// `["tiêu chí 10", "chỉ tiêu 10.1", "ngưỡng 2 (vùng BTB)"]`.
    fn find(&self, path: &[String], message: &str) -> Option<Range<usize>> {
        let Some(first) = path.first() else {
            return self.header_key_for(message);
        };
        if let Some(id) = first.strip_prefix("mở rộng tiêu chí ") {
            return self
                .extend
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.span.clone());
        }
        if let Some(id) = first.strip_prefix("ghi đè chỉ tiêu ") {
            return self
                .overrides
                .iter()
                .find(|o| o.indicator == id)
                .map(|o| o.span.clone());
        }
        let criterion_id = first.strip_prefix("tiêu chí ")?;
        let criterion = self.criteria.iter().find(|c| c.id == criterion_id);
        let mut best = criterion.map(|c| c.span.clone());
        if let Some(indicator_id) = path.get(1).and_then(|s| s.strip_prefix("chỉ tiêu ")) {
            // Look where the resolved criterion got its indicators from: the criterion in
            // this file, then this file's extensions of it, then anywhere in the file.
            let extended = self.extend.iter().filter(|e| e.id == criterion_id);
            let indicator = criterion
                .into_iter()
                .chain(extended)
                .flat_map(|c| &c.indicators)
                .find(|i| i.id == indicator_id)
                .or_else(|| {
                    self.criteria
                        .iter()
                        .chain(&self.extend)
                        .flat_map(|c| &c.indicators)
                        .find(|i| i.id == indicator_id)
                });
            if let Some(i) = indicator {
                best = Some(i.span.clone());
            }
            if let Some(n) = path.get(2).and_then(|s| threshold_number(s)) {
                // An override in this file replaced the thresholds, so it is where they are.
                if let Some(o) = self.overrides.iter().find(|o| o.indicator == indicator_id) {
                    best = Some(o.thresholds.get(n - 1).unwrap_or(&o.span).clone());
                } else if let Some(t) = indicator.and_then(|i| i.thresholds.get(n - 1)) {
                    best = Some(t.clone());
                }
            }
        }
        // Inherited content: the line that brings it in is the best place we have.
        best.or_else(|| self.keys.get("derives_from").cloned())
            .or_else(|| self.keys.get("id").cloned())
    }

    /// Set-level problems name the header key they are about only in their wording.
    fn header_key_for(&self, message: &str) -> Option<Range<usize>> {
        let key = if message.contains("gốc") || message.contains("kế thừa") {
            "derives_from"
        } else if message.contains("yêu cầu") || message.contains("requires") {
            "requires"
        } else if message.contains("giai đoạn") {
            "period"
        } else if message.contains("applies_to") {
            "applies_to"
        } else {
            "id"
        };
        self.keys.get(key).or_else(|| self.keys.get("id")).cloned()
    }
}

/// `"ngưỡng 2 (vùng BTB)"` → 2.
fn threshold_number(segment: &str) -> Option<usize> {
    let rest = segment.strip_prefix("ngưỡng ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n >= 1)
}

// ---------------------------------------------------------------------------------------
// Locations

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    // A span may end inside a multi-byte character only if the parser is wrong; stay safe.
    let offset = (0..=offset)
        .rev()
        .find(|o| text.is_char_boundary(*o))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn at(
    file: &str,
    text: &str,
    span: Option<Range<usize>>,
    path: Vec<String>,
    message: String,
) -> FileProblem {
    let (line, column) = match span {
        Some(span) => {
            let (l, c) = line_column(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    FileProblem {
        file: file.to_owned(),
        line,
        column,
        path,
        message,
    }
}

// ---------------------------------------------------------------------------------------
// Reading one file

type Value<'i> = Spanned<DeValue<'i>>;

/// A table being read, with what is needed to report problems inside it.
struct Table<'t, 'i> {
    entries: &'t DeTable<'i>,
    /// Where to point when a required key is missing; `None` for the document itself.
    span: Option<Range<usize>>,
    path: Vec<String>,
}

impl<'t, 'i> Table<'t, 'i> {
    fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.entries.get(key)
    }
    fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.entries.get_key_value(key).map(|(k, _)| k.span())
    }
    fn child(
        &self,
        entries: &'t DeTable<'i>,
        span: Range<usize>,
        segment: String,
    ) -> Table<'t, 'i> {
        let mut path = self.path.clone();
        path.push(segment);
        Table {
            entries,
            span: Some(span),
            path,
        }
    }
}

/// Collects problems while reading one file.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<FileProblem>,
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "chuỗi",
        DeValue::Integer(_) => "số nguyên",
        DeValue::Float(_) => "số thực",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "ngày giờ",
        DeValue::Array(_) => "mảng",
        DeValue::Table(_) => "bảng",
    }
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} hoặc {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The text form of a TOML number, for exact conversion to a decimal.
fn decimal_from_text(text: &str) -> Option<Decimal> {
    let text = text.trim();
    Decimal::from_str_exact(text).ok().or_else(|| {
        if text.contains(['e', 'E']) {
            Decimal::from_scientific(text).ok()
        } else {
            None
        }
    })
}

impl<'a> Reader<'a> {
    fn report(&mut self, span: Option<Range<usize>>, path: &[String], message: String) {
        self.problems
            .push(at(self.file, self.text, span, path.to_vec(), message));
    }

    /// Reports keys not in `allowed`.
    fn known_keys(&mut self, table: &Table<'_, '_>, allowed: &[&str], what: &str) {
        for (key, _) in table.entries.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                self.report(
                    Some(key.span()),
                    &table.path,
                    format!(
                        "khóa “{name}” không dùng được trong {what}; các khóa hợp lệ: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn missing(&mut self, table: &Table<'_, '_>, key: &str) {
        self.report(
            table.span.clone(),
            &table.path,
            format!("thiếu khóa bắt buộc “{key}”"),
        );
    }

    fn wrong_type(&mut self, table: &Table<'_, '_>, key: &str, value: &Value<'_>, expected: &str) {
        self.report(
            Some(value.span()),
            &table.path,
            format!(
                "“{key}” phải là {expected}, không phải {}",
                type_name(value.get_ref())
            ),
        );
    }

    /// A string value. Blank strings are reported as missing content when `required`.
    fn string(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
        required: bool,
    ) -> Option<(String, Range<usize>)> {
        let Some(value) = table.get(key) else {
            if required {
                self.missing(table, key);
            }
            return None;
        };
        match value.get_ref() {
            DeValue::String(s) if required && s.trim().is_empty() => {
                self.report(
                    Some(value.span()),
                    &table.path,
                    format!("“{key}” không được để trống"),
                );
                None
            }
            DeValue::String(s) => Some((s.to_string(), value.span())),
            _ => {
                self.wrong_type(table, key, value, "chuỗi");
                None
            }
        }
    }

    fn optional_text(&mut self, table: &Table<'_, '_>, key: &str) -> Option<String> {
        self.string(table, key, false)
            .map(|(s, _)| s)
            .filter(|s| !s.trim().is_empty())
    }

    /// Dates are free text, but a bare TOML date (`date = 2022-03-08`) is accepted too.
    fn date_text(&mut self, table: &Table<'_, '_>, key: &str) -> Option<String> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()).filter(|s| !s.trim().is_empty()),
            DeValue::Datetime(d) => Some(d.to_string()),
            _ => {
                self.wrong_type(table, key, value, "chuỗi hoặc ngày");
                None
            }
        }
    }

    /// An identifier: non-empty, no spaces.
    fn id(&mut self, table: &Table<'_, '_>, key: &str) -> Option<(String, Range<usize>)> {
        let (id, span) = self.string(table, key, true)?;
        if id.chars().any(char::is_whitespace) {
            self.report(
                Some(span),
                &table.path,
                format!("mã “{id}” không được chứa khoảng trắng"),
            );
            return None;
        }
        Some((id, span))
    }

    fn integer(
        &mut self,
        table: &Table<'_, '_>,
        key: &str,
        required: bool,
    ) -> Option<(i64, Range<usize>)> {
        let Some(value) = table.get(key) else {
            if required {
                self.missing(table, key);
            }
            return None;
        };
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some((n, value.span())),
                Err(_) => {
                    self.report(Some(value.span()), &table.path, format!("“{key}” quá lớn"));
                    None
                }
            },
            _ => {
                self.wrong_type(table, key, value, "số nguyên");
                None
            }
        }
    }

    fn boolean(&mut self, table: &Table<'_, '_>, key: &str) -> Option<bool> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(table, key, value, "true hoặc false");
                None
            }
        }
    }

    /// A number written as an integer, a float or a string such as `"80.5"`, converted
    /// exactly: `0.1` becomes the decimal 0.1, never the binary float nearest to it.
    fn decimal(&mut self, table: &Table<'_, '_>, key: &str, required: bool) -> Option<Decimal> {
        let Some(value) = table.get(key) else {
            if required {
                self.missing(table, key);
            }
            return None;
        };
        let converted = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(Decimal::from),
            DeValue::Float(f) => decimal_from_text(f.as_str()),
            DeValue::String(s) => decimal_from_text(s),
            _ => {
                self.wrong_type(
                    table,
                    key,
                    value,
                    "số (số nguyên, số thực hoặc chuỗi số như \"80.5\")",
                );
                return None;
            }
        };
        if converted.is_none() {
            let shown = match value.get_ref() {
                DeValue::Integer(i) => i.to_string(),
                DeValue::Float(f) => f.to_string(),
                DeValue::String(s) => s.to_string(),
                _ => String::new(),
            };
            self.report(
                Some(value.span()),
                &table.path,
                format!("“{key}” = “{shown}” không phải một số hữu hạn đọc được; viết ví dụ 80 hoặc 80.5"),
            );
        }
        converted
    }

    fn confidence(&mut self, table: &Table<'_, '_>) -> Confidence {
        let Some((text, span)) = self.string(table, "confidence", false) else {
            return Confidence::default();
        };
        Confidence::parse(text.trim()).unwrap_or_else(|| {
            self.report(
                Some(span),
                &table.path,
                format!(
                    "confidence “{text}” không hợp lệ; dùng {}",
                    quoted_list(&["low", "medium", "high"])
                ),
            );
            Confidence::default()
        })
    }

    /// An inline or standard sub-table.
    fn sub_table<'t, 'i>(
        &mut self,
        table: &Table<'t, 'i>,
        key: &str,
        required: bool,
        example: &str,
    ) -> Option<Table<'t, 'i>> {
        let Some(value) = table.get(key) else {
            if required {
                self.missing(table, key);
            }
            return None;
        };
        match value.get_ref() {
            // Problems inside keep the parent's path: the key name is in their messages.
            DeValue::Table(t) => Some(Table {
                entries: t,
                span: Some(value.span()),
                path: table.path.clone(),
            }),
            _ => {
                self.wrong_type(table, key, value, &format!("bảng, ví dụ {example}"));
                None
            }
        }
    }

    /// An array of tables (`[[key]]` or `key = [{…}, …]`): each element with its span.
    fn tables<'t, 'i>(
        &mut self,
        table: &Table<'t, 'i>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(table, key, value, &format!("mảng bảng ([[{key}]])"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((t, item.span())),
                other => self.report(
                    Some(item.span()),
                    &table.path,
                    format!(
                        "mỗi phần tử của “{key}” phải là bảng, không phải {}",
                        type_name(other)
                    ),
                ),
            }
        }
        out
    }

    /// An array of strings, each with its span.
    fn strings(&mut self, table: &Table<'_, '_>, key: &str) -> Option<Vec<(String, Range<usize>)>> {
        let value = table.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(table, key, value, "mảng chuỗi");
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => self.report(
                    Some(item.span()),
                    &table.path,
                    format!(
                        "mỗi phần tử của “{key}” phải là chuỗi, không phải {}",
                        type_name(other)
                    ),
                ),
            }
        }
        Some(out)
    }
}

const HEADER_KEYS: &[&str] = &[
    "format",
    "id",
    "title",
    "title_en",
    "unit_kind",
    "applies_to",
    "level",
    "period",
    "requires",
    "derives_from",
    "illustrative",
    "note",
    "legal_basis",
    "criteria",
    "extend",
    "override",
];
const LEGAL_BASIS_KEYS: &[&str] = &[
    "decision",
    "date",
    "part",
    "effective",
    "source",
    "confidence",
    "note",
];
const CRITERION_KEYS: &[&str] = &[
    "id",
    "name",
    "name_en",
    "group",
    "source",
    "confidence",
    "note",
    "indicators",
];
const INDICATOR_KEYS: &[&str] = &[
    "id",
    "name",
    "name_en",
    "unit",
    "comparison",
    "source",
    "confidence",
    "note",
    "value_of",
    "computed",
    "threshold_from",
    "thresholds",
];
const THRESHOLD_KEYS: &[&str] = &[
    "value",
    "region",
    "group",
    "year",
    "source",
    "confidence",
    "illustrative",
    "note",
];
const EXTEND_KEYS: &[&str] = &["criterion", "indicators"];
const OVERRIDE_KEYS: &[&str] = &["indicator", "thresholds"];
const PERIOD_KEYS: &[&str] = &["from", "to"];
const THRESHOLD_FROM_KEYS: &[&str] = &["indicator", "factor"];

const COMPUTED_ALL: [Computed; 5] = [
    Computed::CommunesStandardPct,
    Computed::CommunesAdvancedPct,
    Computed::DistrictsStandardPct,
    Computed::DistrictsAdvancedPct,
    Computed::TownsCompletedPct,
];

fn parse_located(file: &str, text: &str) -> Result<Located, Vec<FileProblem>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        // What the parser recovered after a syntax error is a guess; checking it would
        // mostly report consequences of the syntax error.
        let mut problems: Vec<FileProblem> = errors
            .iter()
            .map(|e| {
                at(
                    file,
                    text,
                    e.span(),
                    vec![],
                    format!("lỗi cú pháp TOML: {}", e.message()),
                )
            })
            .collect();
        problems.sort_by_key(|p| (p.line, p.column));
        return Err(problems);
    }
    let mut reader = Reader {
        file,
        text,
        problems: Vec::new(),
    };
    let located = read_set(&mut reader, root.get_ref());
    let mut problems = reader.problems;
    if problems.is_empty() {
        // A clean read always yields a definition; `None` only follows a reported problem.
        located.ok_or_else(|| {
            vec![at(
                file,
                text,
                None,
                vec![],
                "không đọc được bộ tiêu chí".into(),
            )]
        })
    } else {
        problems.sort_by_key(|p| (p.line, p.column));
        Err(problems)
    }
}

fn read_set(r: &mut Reader<'_>, root: &DeTable<'_>) -> Option<Located> {
    let table = Table {
        entries: root,
        span: None,
        path: Vec::new(),
    };
    r.known_keys(&table, HEADER_KEYS, "phần đầu bộ tiêu chí");
    let mut spans = SetSpans::default();
    for key in [
        "id",
        "requires",
        "derives_from",
        "period",
        "applies_to",
        "level",
        "unit_kind",
        "format",
    ] {
        if let Some(span) = table.key_span(key) {
            spans.keys.insert(key, span);
        }
    }

    if let Some((format, span)) = r.integer(&table, "format", true)
        && format != FORMAT_VERSION
    {
        let message = format!(
            "format = {format} không được hỗ trợ; phiên bản định dạng hiện hành là {FORMAT_VERSION}"
        );
        r.report(Some(span), &[], message);
    }
    let id = r.string(&table, "id", true).and_then(|(id, span)| {
        let valid = id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Some(id)
        } else {
            r.report(
                Some(span),
                &[],
                format!("mã bộ tiêu chí “{id}” không hợp lệ; chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang (a-z, 0-9, -)"),
            );
            None
        }
    });
    let title = r.string(&table, "title", true).map(|(t, _)| t);
    let title_en = r.optional_text(&table, "title_en");
    let kind = r
        .string(&table, "unit_kind", true)
        .and_then(|(text, span)| {
            UnitKind::parse(text.trim()).or_else(|| {
                r.report(
                    Some(span),
                    &[],
                    format!(
                        "unit_kind “{text}” không hợp lệ; dùng {}",
                        quoted_list(&["commune", "district", "province", "village", "garden"])
                    ),
                );
                None
            })
        });
    let applies_to = read_applies_to(r, &table, kind);
    let level =
        r.string(&table, "level", true)
            .and_then(|(text, span)| match Level::parse(text.trim()) {
                Some(level) if level != Level::None => Some(level),
                _ => {
                    r.report(
                        Some(span),
                        &[],
                        format!(
                            "level “{text}” không hợp lệ; dùng {}",
                            quoted_list(&["standard", "advanced", "model"])
                        ),
                    );
                    None
                }
            });
    let period = read_period(r, &table);
    // Optional, but when present they must name a set.
    let mut set_reference = |key: &str| {
        table.get(key)?;
        r.id(&table, key).map(|(id, _)| SetId(id))
    };
    let requires = set_reference("requires");
    let base = set_reference("derives_from");
    let illustrative = r.boolean(&table, "illustrative").unwrap_or(false);
    let note = r.optional_text(&table, "note");

    let legal_basis: Vec<LegalBasis> = r
        .tables(&table, "legal_basis")
        .into_iter()
        .enumerate()
        .map(|(n, (t, span))| {
            read_legal_basis(
                r,
                &table.child(t, span, format!("căn cứ pháp lý {}", n + 1)),
            )
        })
        .collect();

    let mut criteria = Vec::new();
    for (n, (t, span)) in r.tables(&table, "criteria").into_iter().enumerate() {
        let label = match t.get("id").and_then(|v| v.get_ref().as_str()) {
            Some(id) if !id.trim().is_empty() => format!("tiêu chí {id}"),
            _ => format!("tiêu chí thứ {}", n + 1),
        };
        let criterion_table = table.child(t, span, label);
        if let Some((criterion, criterion_spans)) =
            read_criterion(r, &criterion_table, illustrative)
        {
            criteria.push(criterion);
            spans.criteria.push(criterion_spans);
        }
    }

    let mut extend = Vec::new();
    let extend_tables = r.tables(&table, "extend");
    let override_tables = r.tables(&table, "override");
    if base.is_none() {
        for (key, items) in [("extend", &extend_tables), ("override", &override_tables)] {
            if let Some((_, span)) = items.first() {
                r.report(
                    Some(span.clone()),
                    &[],
                    format!("[[{key}]] chỉ dùng được trong bộ kế thừa; khai báo derives_from = \"<mã bộ gốc>\""),
                );
            }
        }
    }
    for (n, (t, span)) in extend_tables.into_iter().enumerate() {
        let label = match t.get("criterion").and_then(|v| v.get_ref().as_str()) {
            Some(id) => format!("mở rộng tiêu chí {id}"),
            None => format!("mở rộng thứ {}", n + 1),
        };
        let extend_table = table.child(t, span.clone(), label);
        r.known_keys(&extend_table, EXTEND_KEYS, "[[extend]]");
        let criterion = r.id(&extend_table, "criterion");
        let mut indicators = Vec::new();
        let mut indicator_spans = Vec::new();
        let items = r.tables(&extend_table, "indicators");
        if items.is_empty() && extend_table.get("indicators").is_none() {
            r.report(
                Some(span.clone()),
                &extend_table.path,
                "[[extend]] cần ít nhất một [[extend.indicators]]".into(),
            );
        }
        for (m, (it, ispan)) in items.into_iter().enumerate() {
            let indicator_table = extend_table.child(it, ispan, indicator_label(it, m));
            if let Some((indicator, s)) = read_indicator(r, &indicator_table, illustrative) {
                indicators.push(indicator);
                indicator_spans.push(s);
            }
        }
        if let Some((criterion, cspan)) = criterion {
            spans.extend.push(ItemSpans {
                id: criterion.clone(),
                span: cspan,
                indicators: indicator_spans,
            });
            extend.push((criterion, indicators));
        }
    }

    let mut overrides = Vec::new();
    for (n, (t, span)) in override_tables.into_iter().enumerate() {
        let label = match t.get("indicator").and_then(|v| v.get_ref().as_str()) {
            Some(id) => format!("ghi đè chỉ tiêu {id}"),
            None => format!("ghi đè thứ {}", n + 1),
        };
        let override_table = table.child(t, span, label);
        r.known_keys(&override_table, OVERRIDE_KEYS, "[[override]]");
        let indicator = r.id(&override_table, "indicator");
        let (thresholds, threshold_spans) = read_thresholds(r, &override_table, illustrative);
        if let Some((indicator, ispan)) = indicator {
            spans.overrides.push(OverrideSpans {
                indicator: indicator.clone(),
                span: ispan,
                thresholds: threshold_spans,
            });
            overrides.push((indicator, thresholds));
        }
    }

    let header = SetHeader {
        id: SetId(id?),
        title: title?,
        title_en,
        kind: kind?,
        applies_to: applies_to?,
        level: level?,
        period: period?,
        legal_basis,
        requires,
        illustrative,
        note,
    };
    let definition = SetDefinition {
        header,
        derivation: Derivation {
            base,
            extend,
            overrides,
        },
        criteria,
    };
    Some(Located { definition, spans })
}

fn read_applies_to(
    r: &mut Reader<'_>,
    table: &Table<'_, '_>,
    kind: Option<UnitKind>,
) -> Option<Vec<UnitType>> {
    let Some(items) = r.strings(table, "applies_to") else {
        if table.get("applies_to").is_none() {
            r.missing(table, "applies_to");
        }
        return None;
    };
    let expected_level = match kind {
        Some(UnitKind::Commune) => Some(UnitLevel::Commune),
        Some(UnitKind::District) => Some(UnitLevel::District),
        Some(UnitKind::Province) => Some(UnitLevel::Province),
        Some(UnitKind::Village | UnitKind::Garden) | None => None,
    };
    let mut types = Vec::new();
    let mut ok = true;
    for (text, span) in &items {
        let Some(t) = UnitType::parse(text) else {
            let all: Vec<&str> = UnitType::ALL.iter().map(|t| t.as_vi()).collect();
            r.report(
                Some(span.clone()),
                &[],
                format!(
                    "loại đơn vị “{text}” không hợp lệ; dùng {}",
                    quoted_list(&all)
                ),
            );
            ok = false;
            continue;
        };
        if types.contains(&t) {
            r.report(
                Some(span.clone()),
                &[],
                format!("loại đơn vị “{text}” bị lặp trong applies_to"),
            );
            continue;
        }
        if let Some(level) = expected_level
            && t.level() != level
        {
            r.report(
                Some(span.clone()),
                &[],
                format!(
                    "loại đơn vị “{text}” thuộc {}, không hợp với unit_kind = \"{}\"",
                    t.level().label_vi(),
                    kind.map_or("", |k| k.as_str())
                ),
            );
            ok = false;
        }
        types.push(t);
    }
    let span = table.key_span("applies_to");
    match kind {
        // Villages and gardens are not administrative units: listing a unit type would make
        // the set a candidate default for that type.
        Some(UnitKind::Village | UnitKind::Garden) if !types.is_empty() => {
            let message = "bộ tiêu chí cho thôn/khu dân cư hoặc vườn không áp dụng cho đơn vị hành \
                           chính; để applies_to = []";
            r.report(span, &[], message.into());
            ok = false;
        }
        Some(UnitKind::Commune | UnitKind::District | UnitKind::Province) if items.is_empty() => {
            r.report(
                span,
                &[],
                "applies_to không được rỗng; ví dụ applies_to = [\"xã\"]".into(),
            );
            ok = false;
        }
        _ => {}
    }
    ok.then_some(types)
}

fn read_period(r: &mut Reader<'_>, table: &Table<'_, '_>) -> Option<YearRange> {
    let period = r.sub_table(table, "period", true, "{ from = 2021, to = 2025 }")?;
    r.known_keys(&period, PERIOD_KEYS, "period");
    let from = r.integer(&period, "from", true);
    let to = r.integer(&period, "to", true);
    let (Some((from, from_span)), Some((to, _))) = (from, to) else {
        return None;
    };
    let (Ok(from), Ok(to)) = (i32::try_from(from), i32::try_from(to)) else {
        r.report(
            Some(from_span),
            &[],
            "năm trong period nằm ngoài phạm vi".into(),
        );
        return None;
    };
    if from > to {
        r.report(
            period.span.clone(),
            &[],
            format!("giai đoạn {from}–{to} không hợp lệ: from phải nhỏ hơn hoặc bằng to"),
        );
        return None;
    }
    Some(YearRange { from, to })
}

fn read_legal_basis(r: &mut Reader<'_>, table: &Table<'_, '_>) -> LegalBasis {
    r.known_keys(table, LEGAL_BASIS_KEYS, "[[legal_basis]]");
    LegalBasis {
        decision: r.optional_text(table, "decision"),
        date: r.date_text(table, "date"),
        part: r.optional_text(table, "part"),
        effective: r.date_text(table, "effective"),
        source: r.optional_text(table, "source"),
        confidence: r.confidence(table),
        note: r.optional_text(table, "note"),
    }
}

fn indicator_label(table: &DeTable<'_>, n: usize) -> String {
    match table.get("id").and_then(|v| v.get_ref().as_str()) {
        Some(id) if !id.trim().is_empty() => format!("chỉ tiêu {id}"),
        _ => format!("chỉ tiêu thứ {}", n + 1),
    }
}

fn read_criterion(
    r: &mut Reader<'_>,
    table: &Table<'_, '_>,
    illustrative: bool,
) -> Option<(Criterion, ItemSpans)> {
    r.known_keys(table, CRITERION_KEYS, "[[criteria]]");
    let id = r.id(table, "id");
    let name = r.string(table, "name", true).map(|(n, _)| n);
    let name_en = r.optional_text(table, "name_en");
    let group = r.optional_text(table, "group");
    let source = r.optional_text(table, "source");
    let confidence = r.confidence(table);
    let note = r.optional_text(table, "note");
    let mut indicators = Vec::new();
    let mut indicator_spans = Vec::new();
    for (n, (t, span)) in r.tables(table, "indicators").into_iter().enumerate() {
        let indicator_table = table.child(t, span, indicator_label(t, n));
        if let Some((indicator, s)) = read_indicator(r, &indicator_table, illustrative) {
            indicators.push(indicator);
            indicator_spans.push(s);
        }
    }
    let (id, id_span) = id?;
    let spans = ItemSpans {
        id: id.clone(),
        span: id_span,
        indicators: indicator_spans,
    };
    Some((
        Criterion {
            id,
            name: name?,
            name_en,
            group,
            indicators,
            source,
            confidence,
            note,
        },
        spans,
    ))
}

fn read_indicator(
    r: &mut Reader<'_>,
    table: &Table<'_, '_>,
    illustrative: bool,
) -> Option<(Indicator, IndicatorSpans)> {
    r.known_keys(table, INDICATOR_KEYS, "chỉ tiêu");
    let id = r.id(table, "id");
    let name = r.string(table, "name", true).map(|(n, _)| n);
    let name_en = r.optional_text(table, "name_en");
    let unit = r.optional_text(table, "unit");
    let comparison = r
        .string(table, "comparison", true)
        .and_then(|(text, span)| {
            Comparison::parse(&text).or_else(|| {
                r.report(
                    Some(span),
                    &table.path,
                    format!(
                        "comparison “{text}” không hợp lệ; dùng {}",
                        quoted_list(&[">=", "<=", "=", "pass"])
                    ),
                );
                None
            })
        });
    let source = r.optional_text(table, "source");
    let confidence = r.confidence(table);
    let note = r.optional_text(table, "note");
    let value_of = r.string(table, "value_of", false).and_then(|(v, span)| {
        if v.trim().is_empty() {
            r.report(
                Some(span),
                &table.path,
                "“value_of” không được để trống".into(),
            );
            None
        } else {
            Some(v.trim().to_owned())
        }
    });
    let computed = r.string(table, "computed", false).and_then(|(text, span)| {
        Computed::parse(text.trim()).or_else(|| {
            let all: Vec<&str> = COMPUTED_ALL.iter().map(|c| c.as_str()).collect();
            r.report(
                Some(span),
                &table.path,
                format!("computed “{text}” không hợp lệ; dùng {}", quoted_list(&all)),
            );
            None
        })
    });
    let threshold_from = read_threshold_from(r, table);
    let (thresholds, threshold_spans) = read_thresholds(r, table, illustrative);

    if value_of.is_some() && computed.is_some() {
        r.report(
            table.key_span("computed"),
            &table.path,
            "không thể vừa tính từ cấp dưới (computed) vừa lấy giá trị chỉ tiêu khác (value_of)"
                .into(),
        );
    }
    if threshold_from.is_some() && !thresholds.is_empty() {
        r.report(
            table.key_span("threshold_from"),
            &table.path,
            "đã có threshold_from thì không khai báo [[thresholds]] riêng".into(),
        );
    }
    if comparison == Some(Comparison::Pass) {
        if let Some(first) = threshold_spans.first() {
            r.report(
                Some(first.clone()),
                &table.path,
                "chỉ tiêu đạt/không đạt (comparison = \"pass\") không có ngưỡng số; bỏ [[thresholds]]".into(),
            );
        }
        if threshold_from.is_some() {
            r.report(
                table.key_span("threshold_from"),
                &table.path,
                "chỉ tiêu đạt/không đạt (comparison = \"pass\") không dùng threshold_from".into(),
            );
        }
    }

    let (id, id_span) = id?;
    let spans = IndicatorSpans {
        id: id.clone(),
        span: id_span,
        thresholds: threshold_spans,
    };
    let indicator = Indicator {
        id,
        name: name?,
        name_en,
        unit,
        comparison: comparison?,
        thresholds,
        threshold_from,
        value_of,
        computed,
        source,
        confidence,
        note,
    };
    Some((indicator, spans))
}

fn read_threshold_from(r: &mut Reader<'_>, table: &Table<'_, '_>) -> Option<ThresholdFrom> {
    let from = r.sub_table(
        table,
        "threshold_from",
        false,
        "{ indicator = \"10\", factor = \"1.10\" }",
    )?;
    r.known_keys(&from, THRESHOLD_FROM_KEYS, "threshold_from");
    let indicator = r.id(&from, "indicator");
    let factor = r.decimal(&from, "factor", true);
    if let Some(f) = factor
        && f <= Decimal::ZERO
    {
        r.report(
            from.span.clone(),
            &from.path,
            format!("hệ số factor = {f} phải lớn hơn 0"),
        );
        return None;
    }
    Some(ThresholdFrom {
        indicator: indicator?.0,
        factor: factor?,
    })
}

fn read_thresholds(
    r: &mut Reader<'_>,
    table: &Table<'_, '_>,
    illustrative: bool,
) -> (Vec<Threshold>, Vec<Range<usize>>) {
    let mut thresholds = Vec::new();
    let mut spans = Vec::new();
    for (n, (t, span)) in r.tables(table, "thresholds").into_iter().enumerate() {
        let threshold_table = table.child(t, span.clone(), format!("ngưỡng {}", n + 1));
        if let Some(threshold) = read_threshold(r, &threshold_table, illustrative) {
            thresholds.push(threshold);
            spans.push(span);
        }
    }
    (thresholds, spans)
}

fn read_threshold(
    r: &mut Reader<'_>,
    table: &Table<'_, '_>,
    illustrative: bool,
) -> Option<Threshold> {
    r.known_keys(table, THRESHOLD_KEYS, "ngưỡng");
    let value = r.decimal(table, "value", true);
    // Absent (or of a reported wrong type) means "any region".
    let region = match r.string(table, "region", false) {
        None => Some(None),
        Some((text, _)) if REGIONS.contains(&text.trim()) => Some(Some(text.trim().to_owned())),
        Some((text, span)) => {
            r.report(
                Some(span),
                &table.path,
                format!("vùng “{text}” không hợp lệ; dùng {}", quoted_list(&REGIONS)),
            );
            None
        }
    };
    let group = match r.integer(table, "group", false) {
        None => Some(None),
        Some((g @ 1..=3, _)) => Some(Some(u8::try_from(g).expect("1..=3 fits in u8"))),
        Some((g, span)) => {
            r.report(
                Some(span),
                &table.path,
                format!("nhóm xã {g} không hợp lệ; dùng 1, 2 hoặc 3"),
            );
            None
        }
    };
    let year = match r.integer(table, "year", false) {
        None => Some(None),
        Some((y, span)) => match i32::try_from(y) {
            Ok(y) => Some(Some(y)),
            Err(_) => {
                r.report(
                    Some(span),
                    &table.path,
                    format!("năm {y} nằm ngoài phạm vi"),
                );
                None
            }
        },
    };
    let source = r.optional_text(table, "source");
    let confidence = r.confidence(table);
    let threshold_illustrative = r.boolean(table, "illustrative").unwrap_or(illustrative);
    let note = r.optional_text(table, "note");
    Some(Threshold {
        value: value?,
        when: Selector {
            region: region?,
            group: group?,
            year: year?,
        },
        source,
        confidence,
        illustrative: threshold_illustrative,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shipped::criteria_files;

    #[test]
    fn every_shipped_set_written_back_reads_as_the_same_definition() {
        let files: Vec<_> = criteria_files()
            .into_iter()
            .chain(crate::shipped::demo_criteria_files())
            .collect();
        assert!(files.len() > 10);
        for (name, text) in &files {
            let def = parse(name, text).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            let written = write(&def);
            let again = parse(name, &written)
                .unwrap_or_else(|p| panic!("{name} written back: {p:?}\n{written}"));
            assert_eq!(again, def, "{name}");
        }
        // Written files still resolve together, derivations and requirements included.
        let written: Vec<_> = files
            .iter()
            .map(|(n, t)| (n.clone(), write(&parse(n, t).unwrap())))
            .collect();
        assert!(load_catalogue(&written).is_ok());
    }

    #[test]
    fn texts_typed_into_the_editor_cannot_add_keys() {
        let mut def = parse(
            "thu.toml",
            "format = 1\nid = \"thu\"\ntitle = \"T\"\nunit_kind = \"commune\"\napplies_to = [\"xã\"]\nlevel = \"standard\"\nperiod = { from = 2026, to = 2030 }\n",
        )
        .unwrap();
        let hostile = "a\"\nillustrative = true\n[[criteria]]\nid = \"x\" \\ \"\"\" ''' \u{7}";
        def.header.title = hostile.into();
        def.header.note = Some(hostile.into());
        let again = parse("thu.toml", &write(&def)).unwrap();
        assert_eq!(again, def);
        assert!(again.criteria.is_empty());
    }

    const HEADER: &str = r#"format = 1
id = "thu"
title = "Bộ thử"
unit_kind = "commune"
applies_to = ["xã"]
level = "standard"
period = { from = 2021, to = 2025 }
"#;

    fn problems(text: &str) -> Vec<FileProblem> {
        parse("thu.toml", text).expect_err("the file is broken")
    }

    /// (line, message fragment) of every problem, in order.
    fn lines(found: &[FileProblem]) -> Vec<(Option<usize>, String)> {
        found.iter().map(|p| (p.line, p.to_string())).collect()
    }

    fn assert_reported(found: &[FileProblem], expected: &[(usize, &str)]) {
        let shown = lines(found);
        assert_eq!(found.len(), expected.len(), "{shown:#?}");
        for ((line, text), (want_line, fragment)) in shown.iter().zip(expected) {
            assert_eq!(*line, Some(*want_line), "{text}");
            assert!(text.contains(fragment), "expected “{fragment}” in {text}");
        }
    }

    #[test]
    fn a_broken_file_reports_every_problem_at_its_line() {
        let text = r#"format = 2
id = "Bộ Thử"
title = "Bộ thử"
unit_kind = "comune"
applies_to = ["xã", "làng"]
level = "nâng cao"
period = { from = 2025, to = 2021 }
colour = "đỏ"

[[criteria]]
id = "1"
name = "Quy hoạch"
confidence = "chắc chắn"

[[criteria.indicators]]
id = "1.1"
name = "Có quy hoạch"
comparison = ">>"

[[criteria.indicators]]
id = "1.2"
name = "Quy chế"
comparison = "pass"
[[criteria.indicators.thresholds]]
value = 1

[[criteria.indicators]]
id = ""
comparison = ">="
unit = 5
[[criteria.indicators.thresholds]]
value = "tám mươi"
region = "Bắc Trung Bộ"
group = 4
when = 2022
"#;
        assert_reported(
            &problems(text),
            &[
                (1, "thu.toml:1:10: format = 2 không được hỗ trợ"),
                (2, "thu.toml:2:6: mã bộ tiêu chí “Bộ Thử” không hợp lệ"),
                (4, "unit_kind “comune” không hợp lệ; dùng \"commune\""),
                (5, "loại đơn vị “làng” không hợp lệ"),
                (
                    6,
                    "level “nâng cao” không hợp lệ; dùng \"standard\", \"advanced\" hoặc \"model\"",
                ),
                (7, "giai đoạn 2025–2021 không hợp lệ"),
                (
                    8,
                    "khóa “colour” không dùng được trong phần đầu bộ tiêu chí",
                ),
                (13, "tiêu chí 1: confidence “chắc chắn” không hợp lệ"),
                (
                    18,
                    "thu.toml:18:14: tiêu chí 1 › chỉ tiêu 1.1: comparison “>>” không hợp lệ; dùng \">=\", \"<=\", \"=\" hoặc \"pass\"",
                ),
                (24, "tiêu chí 1 › chỉ tiêu 1.2: chỉ tiêu đạt/không đạt"),
                (
                    27,
                    "tiêu chí 1 › chỉ tiêu thứ 3: thiếu khóa bắt buộc “name”",
                ),
                (28, "“id” không được để trống"),
                (30, "“unit” phải là chuỗi, không phải số nguyên"),
                (
                    32,
                    "chỉ tiêu thứ 3 › ngưỡng 1: “value” = “tám mươi” không phải một số",
                ),
                (33, "vùng “Bắc Trung Bộ” không hợp lệ; dùng \"TDMNPB\""),
                (34, "nhóm xã 4 không hợp lệ"),
                (35, "khóa “when” không dùng được trong ngưỡng"),
            ],
        );
    }

    #[test]
    fn syntax_errors_are_located_and_stop_the_reading() {
        let text = "format = 1\nid = \"thu\"\ntitle = \"không đóng\nlevel = standard\n";
        let found = problems(text);
        assert!(!found.is_empty());
        assert_eq!(found[0].line, Some(3), "{found:?}");
        assert!(
            found[0].message.starts_with("lỗi cú pháp TOML"),
            "{found:?}"
        );
        let duplicate = problems(&format!("{HEADER}level = \"advanced\"\n"));
        assert_eq!(duplicate.len(), 1, "{duplicate:?}");
        assert_eq!(duplicate[0].line, Some(8));
    }

    #[test]
    fn missing_header_keys_and_wrong_types_are_reported_together() {
        let found = problems("format = \"1\"\nid = \"thu\"\nillustrative = \"có\"\n");
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert!(
            text.contains(
                &"thu.toml:1:10: “format” phải là số nguyên, không phải chuỗi".to_owned()
            ),
            "{text:#?}"
        );
        assert!(
            text.contains(
                &"thu.toml:3:16: “illustrative” phải là true hoặc false, không phải chuỗi"
                    .to_owned()
            ),
            "{text:#?}"
        );
        for key in ["title", "unit_kind", "applies_to", "level", "period"] {
            assert!(
                text.contains(&format!("thu.toml: thiếu khóa bắt buộc “{key}”")),
                "{key}: {text:#?}"
            );
        }
    }

    #[test]
    fn set_references_must_name_a_set() {
        let text = format!("{HEADER}requires = \"\"\nderives_from = \"xa ntm\"\n");
        assert_reported(
            &problems(&text),
            &[
                (8, "“requires” không được để trống"),
                (9, "mã “xa ntm” không được chứa khoảng trắng"),
            ],
        );
    }

    #[test]
    fn extend_and_override_need_derives_from() {
        let text = format!(
            r#"{HEADER}
[[extend]]
criterion = "1"
[[extend.indicators]]
id = "1.9"
name = "Thêm"
comparison = "pass"

[[override]]
indicator = "3.1"
thresholds = [{{ value = 90 }}]
"#
        );
        assert_reported(
            &problems(&text),
            &[
                (9, "[[extend]] chỉ dùng được trong bộ kế thừa"),
                (16, "[[override]] chỉ dùng được trong bộ kế thừa"),
            ],
        );
    }

    #[test]
    fn unit_types_must_fit_the_unit_kind() {
        let text = HEADER.replace(
            "applies_to = [\"xã\"]",
            "applies_to = [\"xã\", \"huyện\", \"xa\"]",
        );
        assert_reported(
            &problems(&text),
            &[
                (
                    5,
                    "loại đơn vị “huyện” thuộc cấp huyện, không hợp với unit_kind = \"commune\"",
                ),
                (5, "“xa” bị lặp"),
            ],
        );
        let empty = HEADER.replace("applies_to = [\"xã\"]", "applies_to = []");
        assert_reported(&problems(&empty), &[(5, "applies_to không được rỗng")]);
        let village = HEADER.replace("unit_kind = \"commune\"", "unit_kind = \"village\"");
        assert_reported(&problems(&village), &[(5, "để applies_to = []")]);
        assert!(parse("thu.toml", &village.replace("[\"xã\"]", "[]")).is_ok());
    }

    #[test]
    fn indicator_rules_are_checked_in_the_file() {
        let text = format!(
            r#"{HEADER}
[[criteria]]
id = "1"
name = "Một"

[[criteria.indicators]]
id = "1.1"
name = "Hai nguồn giá trị"
unit = "%"
comparison = ">="
computed = "communes_standard_pct"
value_of = "1.0"

[[criteria.indicators]]
id = "1.2"
name = "Ngưỡng hai lần"
comparison = ">="
threshold_from = {{ indicator = "10", factor = 0 }}
thresholds = [{{ value = 1 }}]

[[criteria.indicators]]
id = "1.3"
name = "Tính sai"
comparison = ">="
computed = "communes_pct"
"#
        );
        assert_reported(
            &problems(&text),
            &[
                (
                    18,
                    "không thể vừa tính từ cấp dưới (computed) vừa lấy giá trị",
                ),
                (25, "hệ số factor = 0 phải lớn hơn 0"),
                (
                    32,
                    "computed “communes_pct” không hợp lệ; dùng \"communes_standard_pct\"",
                ),
            ],
        );
    }

    #[test]
    fn numbers_become_exact_decimals() {
        let text = format!(
            r#"{HEADER}
[[criteria]]
id = "1"
name = "Một"
[[criteria.indicators]]
id = "1.1"
name = "Số"
comparison = ">="
thresholds = [
  {{ value = 0.1, year = 2021 }},
  {{ value = "80.5", year = 2022 }},
  {{ value = 1e2, year = 2023 }},
  {{ value = 1_000, year = 2024 }},
  {{ value = 0.30000000000000004, year = 2025 }},
]
[[criteria.indicators]]
id = "1.2"
name = "Hệ số"
comparison = ">="
threshold_from = {{ indicator = "1.1", factor = 1.10 }}
"#
        );
        let def = parse("thu.toml", &text).expect("valid");
        let indicators = &def.criteria[0].indicators;
        let values: Vec<Decimal> = indicators[0].thresholds.iter().map(|t| t.value).collect();
        assert_eq!(values[0], Decimal::new(1, 1));
        assert_eq!(values[0].to_string(), "0.1");
        assert_eq!(values[1], Decimal::new(805, 1));
        assert_eq!(values[2], Decimal::from(100));
        assert_eq!(values[3], Decimal::from(1000));
        // Written digits are kept as written, not rounded through a binary float.
        assert_eq!(values[4].to_string(), "0.30000000000000004");
        assert_eq!(
            indicators[1].threshold_from.as_ref().map(|f| f.factor),
            Some(Decimal::new(110, 2))
        );
        assert!(
            problems(&text.replace("0.1,", "nan,"))
                .iter()
                .any(|p| p.line == Some(17))
        );
    }

    #[test]
    fn the_header_flag_makes_thresholds_illustrative_by_default() {
        let text = format!(
            r#"{HEADER}illustrative = true

[[legal_basis]]
date = 2022-03-08
confidence = "high"

[[criteria]]
id = "1"
name = "Một"
[[criteria.indicators]]
id = "1.1"
name = "Số"
comparison = "≥"
thresholds = [{{ value = 1, group = 1 }}, {{ value = 2, group = 2, illustrative = false }}]
"#
        );
        let def = parse("thu.toml", &text).expect("valid");
        let t = &def.criteria[0].indicators[0].thresholds;
        assert_eq!((t[0].illustrative, t[1].illustrative), (true, false));
        assert_eq!(
            def.criteria[0].indicators[0].comparison,
            Comparison::AtLeast
        );
        assert_eq!(
            def.header.legal_basis[0].date.as_deref(),
            Some("2022-03-08")
        );
        assert_eq!(def.header.legal_basis[0].confidence, Confidence::High);
    }

    fn library() -> Vec<(String, String)> {
        criteria_files()
    }

    #[test]
    fn a_derived_file_with_an_unknown_base_is_reported_at_derives_from() {
        let text = format!("{HEADER}derives_from = \"xa-ntm-2016-2020\"\n");
        let found = check_files(&[("thu.toml".into(), text)], &library());
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["thu.toml:8:1: bộ tiêu chí gốc “xa-ntm-2016-2020” không tồn tại"]
        );
    }

    #[test]
    fn catalogue_problems_are_mapped_to_their_lines() {
        let text = format!(
            r#"{HEADER}requires = "khong-co"

[[criteria]]
id = "1"
name = "Một"

[[criteria.indicators]]
id = "1.1"
name = "Phần trăm"
unit = "%"
comparison = ">="
[[criteria.indicators.thresholds]]
value = 80
[[criteria.indicators.thresholds]]
value = 120
region = "BTB"

[[criteria]]
id = "2"
name = "Hai"

[[criteria.indicators]]
id = "2.1"
name = "Trùng phạm vi"
comparison = "<="
thresholds = [{{ value = 4, region = "BTB" }}, {{ value = 5, region = "BTB", year = 2030 }}, {{ value = 6, region = "BTB" }}]

[[criteria.indicators]]
id = "1.1"
name = "Trùng mã"
comparison = "pass"
"#
        );
        let found = check_files(&[("thu.toml".into(), text)], &library());
        assert_reported(
            &found,
            &[
                (
                    8,
                    "thu.toml:8:1: bộ tiêu chí yêu cầu trước “khong-co” không tồn tại",
                ),
                (
                    21,
                    "tiêu chí 1 › chỉ tiêu 1.1 › ngưỡng 2 (vùng BTB): ngưỡng 120% nằm ngoài 0–100%",
                ),
                (
                    33,
                    "ngưỡng 1 (vùng BTB): trùng phạm vi áp dụng với ngưỡng 3",
                ),
                (
                    33,
                    "ngưỡng 2 (vùng BTB, năm 2030): năm 2030 nằm ngoài giai đoạn 2021–2025",
                ),
                (36, "tiêu chí 2 › chỉ tiêu 1.1: trùng mã chỉ tiêu trong bộ"),
            ],
        );
    }

    #[test]
    fn derivation_problems_point_at_extend_and_override_entries() {
        let text = r#"format = 1
id = "xa-thu"
title = "Bộ thử kế thừa"
unit_kind = "commune"
applies_to = ["xã"]
level = "standard"
period = { from = 2021, to = 2025 }
derives_from = "xa-ntm-2021-2025"

[[extend]]
criterion = "99"
[[extend.indicators]]
id = "99.1"
name = "Không có chỗ"
comparison = "pass"

[[override]]
indicator = "1.1"
thresholds = [{ value = 1 }]

[[override]]
indicator = "3.1"
thresholds = [{ value = 90 }, { value = 95, year = 2019 }]
"#;
        let found = check_files(&[("xa-thu.toml".into(), text.into())], &library());
        assert_reported(
            &found,
            &[
                (
                    11,
                    "mở rộng tiêu chí 99: tiêu chí 99 không có trong bộ gốc xa-ntm-2021-2025",
                ),
                (
                    18,
                    "ghi đè chỉ tiêu 1.1: chỉ tiêu đạt/không đạt không có ngưỡng số để ghi đè",
                ),
            ],
        );
        // Once the derivation resolves, a bad overriding threshold points at the override.
        let fixed = text
            .replace("criterion = \"99\"", "criterion = \"1\"")
            .replace(
                "indicator = \"1.1\"\nthresholds = [{ value = 1 }]\n",
                "indicator = \"2.1\"\nthresholds = [{ value = 100 }]\n",
            );
        let found = check_files(&[("xa-thu.toml".into(), fixed)], &library());
        assert_reported(
            &found,
            &[(
                23,
                "chỉ tiêu 3.1 › ngưỡng 2 (năm 2019): năm 2019 nằm ngoài giai đoạn",
            )],
        );
    }

    #[test]
    fn a_file_replaces_the_library_set_with_its_id() {
        let (name, text) = library()
            .into_iter()
            .find(|(n, _)| n == "xa-ntm-2021-2025.toml")
            .expect("shipped");
        let edited = text.replace("value = 80\n", "value = 800\n");
        // Thresholds are located at their `[[…thresholds]]` header, the line above the value.
        let line = edited
            .lines()
            .position(|l| l == "value = 800")
            .expect("edited");
        let found = check_files(&[(name.clone(), edited)], &library());
        // The edited set itself, then the shipped sets that derive from it inherit the problem.
        assert_eq!(found[0].file, name);
        assert_eq!(found[0].line, Some(line), "{found:#?}");
        assert!(found[0].message.contains("ngưỡng 800% nằm ngoài 0–100%"));
        let heirs: Vec<&str> = found[1..].iter().map(|p| p.file.as_str()).collect();
        assert_eq!(heirs, ["xa-ntm-2021-2025-ha-tinh.toml"], "{found:#?}");
        let heir = library()
            .into_iter()
            .find(|(n, _)| n == heirs[0])
            .expect("heir")
            .1;
        let derives_from = heir
            .lines()
            .position(|l| l.starts_with("derives_from"))
            .expect("derived")
            + 1;
        assert_eq!(
            found[1].line,
            Some(derives_from),
            "points at derives_from: {found:#?}"
        );
        assert!(check_files(&[(name, text)], &library()).is_empty());
    }

    #[test]
    fn the_same_set_id_in_two_files_is_refused() {
        let files = [
            ("a.toml".to_owned(), HEADER.to_owned()),
            ("b.toml".to_owned(), format!("\n{HEADER}")),
        ];
        let found = check_files(&files, &[]);
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["b.toml:3:1: mã bộ tiêu chí “thu” đã được dùng trong tệp a.toml"]
        );
        assert!(load_catalogue(&files).is_err());
        assert_eq!(load_catalogue(&files[..1]).expect("one set").len(), 1);
    }

    #[test]
    fn display_leaves_out_what_is_unknown() {
        let mut p = FileProblem {
            file: "a.toml".into(),
            line: Some(3),
            column: Some(7),
            path: vec!["tiêu chí 10".into(), "chỉ tiêu 10".into()],
            message: "lỗi".into(),
        };
        assert_eq!(p.to_string(), "a.toml:3:7: tiêu chí 10 › chỉ tiêu 10: lỗi");
        p.column = None;
        p.path.clear();
        assert_eq!(p.to_string(), "a.toml:3: lỗi");
        p.line = None;
        assert_eq!(p.to_string(), "a.toml: lỗi");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_column("ab\nđộ x", 3 + "độ ".len()), (2, 4));
        assert_eq!(threshold_number("ngưỡng 12 (vùng BTB, năm 2022)"), Some(12));
    }

    /// The complete example in docs/criteria-format.md parses and builds with the shipped sets.
    #[test]
    fn the_documented_example_is_valid() {
        let doc = include_str!("../../../docs/criteria-format.md");
        let start = doc.find("```toml\n").expect("a toml example") + "```toml\n".len();
        let example = &doc[start..start + doc[start..].find("```").expect("closing fence")];
        let def = parse("vi-du.toml", example).unwrap_or_else(|p| panic!("{p:#?}"));
        assert!(def.derivation.base.is_some());
        let found = check_files(&[("vi-du.toml".into(), example.into())], &library());
        assert!(found.is_empty(), "{found:#?}");
    }
}
