//! Administrative units with their history.
//!
//! A [`Unit`] is one administrative entity for as long as it keeps its code: it may be
//! renamed, re-typed (xã → phường) or moved to another parent, which are [`UnitVersion`]s.
//! When an entity ends (merged, absorbed, dissolved), [`LineageEdge`]s say which units took
//! it over. Codes are reused across the 2025 reform (18073 is Phường Nam Hà until
//! 2025-06-30 and Phường Thành Sen from 2025-07-01), so a unit is identified by its
//! [`UnitId`] — code *and* start of validity — and nothing here resolves a code without a
//! date or a year.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::text;

/// Stable identity of a unit: `{code}@{valid_from}`, e.g. `18073@2025-07-01`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitId(String);

impl UnitId {
    pub fn new(code: &str, valid_from: NaiveDate) -> Self {
        UnitId(format!("{code}@{valid_from}"))
    }
    /// Accepts the textual form `{code}@{YYYY-MM-DD}`.
    pub fn parse(text: &str) -> Option<Self> {
        let (code, date) = text.split_once('@')?;
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        Some(Self::new(code, date))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn code(&self) -> &str {
        self.0.split_once('@').map_or(&self.0, |(c, _)| c)
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tier of a unit. Since 2025-07-01 there is no district tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitLevel {
    Province,
    District,
    Commune,
}

impl UnitLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "province" => Some(UnitLevel::Province),
            "district" => Some(UnitLevel::District),
            "commune" => Some(UnitLevel::Commune),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            UnitLevel::Province => "cấp tỉnh",
            UnitLevel::District => "cấp huyện",
            UnitLevel::Commune => "cấp xã",
        }
    }
}

/// The legal type of a unit, as the official lists write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitType {
    /// tỉnh
    Province,
    /// thành phố thuộc tỉnh (district level)
    City,
    /// thị xã
    Town,
    /// huyện
    District,
    /// xã
    Commune,
    /// phường
    Ward,
    /// thị trấn
    Township,
}

impl UnitType {
    pub const ALL: [UnitType; 7] = [
        UnitType::Province,
        UnitType::City,
        UnitType::Town,
        UnitType::District,
        UnitType::Commune,
        UnitType::Ward,
        UnitType::Township,
    ];
    /// The Vietnamese word used in the data files and on screen.
    pub fn as_vi(self) -> &'static str {
        match self {
            UnitType::Province => "tỉnh",
            UnitType::City => "thành phố",
            UnitType::Town => "thị xã",
            UnitType::District => "huyện",
            UnitType::Commune => "xã",
            UnitType::Ward => "phường",
            UnitType::Township => "thị trấn",
        }
    }
    /// Parses the Vietnamese word, with or without diacritics.
    pub fn parse(text: &str) -> Option<Self> {
        let key = text::search_key(text);
        UnitType::ALL
            .into_iter()
            .find(|t| text::search_key(t.as_vi()) == key)
    }
    /// The tier this type belongs to.
    pub fn level(self) -> UnitLevel {
        match self {
            UnitType::Province => UnitLevel::Province,
            UnitType::City | UnitType::Town | UnitType::District => UnitLevel::District,
            UnitType::Commune | UnitType::Ward | UnitType::Township => UnitLevel::Commune,
        }
    }
}

/// A closed date interval; `to: None` means still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date <= to)
    }
    /// Whether the period meets calendar year `year` on at least one day.
    pub fn touches_year(&self, year: i32) -> bool {
        self.from.year() <= year && self.to.is_none_or(|to| to.year() >= year)
    }
    pub fn overlaps(&self, other: &Period) -> bool {
        let self_end = self.to.unwrap_or(NaiveDate::MAX);
        let other_end = other.to.unwrap_or(NaiveDate::MAX);
        self.from <= other_end && other.from <= self_end
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(
                f,
                "{} – {}",
                self.from.format("%d/%m/%Y"),
                to.format("%d/%m/%Y")
            ),
            None => write!(f, "từ {}", self.from.format("%d/%m/%Y")),
        }
    }
}

/// What a unit was called, what it was and where it belonged during one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitVersion {
    pub valid: Period,
    pub name: String,
    pub unit_type: UnitType,
    pub parent: Option<UnitId>,
}

/// One administrative entity over its whole life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub level: UnitLevel,
    /// Ordered, contiguous, non-overlapping; their union is the unit's validity.
    pub versions: Vec<UnitVersion>,
    /// Where the unit's facts come from (dataset and assumption notes).
    pub source: String,
}

impl Unit {
    pub fn valid(&self) -> Period {
        Period {
            from: self
                .versions
                .first()
                .map_or(NaiveDate::MIN, |v| v.valid.from),
            to: self.versions.last().and_then(|v| v.valid.to),
        }
    }
    pub fn version_on(&self, date: NaiveDate) -> Option<&UnitVersion> {
        self.versions.iter().find(|v| v.valid.contains(date))
    }
    /// The version in force at the end of `year`, or the last one that touched the year.
    pub fn version_in_year(&self, year: i32) -> Option<&UnitVersion> {
        let end = NaiveDate::from_ymd_opt(year, 12, 31)?;
        self.version_on(end).or_else(|| {
            self.versions
                .iter()
                .rev()
                .find(|v| v.valid.touches_year(year))
        })
    }
    /// The most recent name, used where no date is given.
    pub fn latest(&self) -> &UnitVersion {
        self.versions
            .last()
            .expect("a unit has at least one version (checked on build)")
    }
}

/// How one unit took over (part of) another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineageKind {
    /// Merged into a new or existing unit (the 2025 reform, end-2024 absorptions).
    Merged,
    /// Only part of the old unit went to this successor.
    Split,
}

impl LineageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineageKind::Merged => "merged",
            LineageKind::Split => "split",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "merged" => Some(LineageKind::Merged),
            "split" => Some(LineageKind::Split),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            LineageKind::Merged => "sáp nhập",
            LineageKind::Split => "chia tách (một phần)",
        }
    }
}

/// `from` ended and `to` took it over (wholly or in part) on `effective`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineageEdge {
    pub from: UnitId,
    pub to: UnitId,
    pub effective: NaiveDate,
    pub kind: LineageKind,
    /// The legal or data basis of the edge (e.g. "official", "chained").
    pub basis: String,
}

/// Attributes that change over time and that thresholds depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeKey {
    /// Socio-economic region of the 2021-2025 sets (BTB for Hà Tĩnh; TDMNPB for communes
    /// that the region rule moves there).
    Region,
    /// Commune group 1, 2 or 3 of the 2026-2030 set.
    CommuneGroup,
}

impl AttributeKey {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKey::Region => "region",
            AttributeKey::CommuneGroup => "commune_group",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "region" => Some(AttributeKey::Region),
            "commune_group" => Some(AttributeKey::CommuneGroup),
            _ => None,
        }
    }
}

/// A dated attribute value with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAttribute {
    pub unit: UnitId,
    pub key: AttributeKey,
    pub value: String,
    pub valid: Period,
    pub source: String,
    /// Set for values chosen for the demo rather than taken from an official act.
    pub illustrative: bool,
}

/// A unit as it stood on one date (or in one year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitView<'a> {
    pub unit: &'a Unit,
    pub version: &'a UnitVersion,
}

impl UnitView<'_> {
    pub fn id(&self) -> &UnitId {
        &self.unit.id
    }
    pub fn name(&self) -> &str {
        &self.version.name
    }
    pub fn unit_type(&self) -> UnitType {
        self.version.unit_type
    }
    pub fn parent(&self) -> Option<&UnitId> {
        self.version.parent.as_ref()
    }
}

/// Why a code could not be resolved to one unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("không có đơn vị nào mang mã {code} trong năm {year}")]
    Unknown { code: String, year: i32 },
    #[error(
        "mã {code} ứng với nhiều đơn vị trong năm {year} ({candidates}); ghi mã kèm ngày hiệu lực, ví dụ {example}"
    )]
    Ambiguous {
        code: String,
        year: i32,
        candidates: String,
        example: String,
    },
    #[error("đơn vị {id} không tồn tại")]
    UnknownId { id: String },
    #[error("đơn vị {id} không còn hiệu lực trong năm {year} ({valid})")]
    NotValidInYear {
        id: String,
        year: i32,
        valid: String,
    },
}

/// A problem found when building a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryProblem {
    pub unit: String,
    pub message: String,
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.unit, self.message)
    }
}

/// All units, their lineage and attributes, with the queries over time.
#[derive(Debug, Clone, Default)]
pub struct UnitRegistry {
    units: Vec<Unit>,
    by_id: HashMap<UnitId, usize>,
    by_code: HashMap<String, Vec<usize>>,
    edges: Vec<LineageEdge>,
    attributes: Vec<UnitAttribute>,
    // Units that had `parent` as parent in any version, by code: walking a subtree
    // reads only its units, not the whole country's tree rebuilt for every question.
    children: HashMap<UnitId, Vec<usize>>,
    // Indices into `attributes`, per unit.
    attributes_of: HashMap<UnitId, Vec<usize>>,
    // Indices into `edges` (ascending, so in the edges' order) by the unit merged or
    // split (`from`) and by the unit that took it over (`to`): the access check of every
    // value of a country's export walks a lineage, and 11,000 edges scanned per step
    // made it the whole cost.
    edges_from: HashMap<UnitId, Vec<usize>>,
    edges_to: HashMap<UnitId, Vec<usize>>,
    trees: TreeMemo,
}

/// The tree of each date asked for, as (unit, version) indices in tree order: a page of
/// the country asks for the same date many times, and ordering 15,000 units each time
/// was the larger part of its cost. The registry never changes its units after it is
/// built, so a tree once ordered stays right; a clone starts with none.
#[derive(Default)]
struct TreeMemo(std::sync::Mutex<HashMap<NaiveDate, TreeOrder>>);

type TreeOrder = std::sync::Arc<Vec<(usize, usize)>>;

/// Dates whose tree is kept: years × a few days each, with room.
const TREES_KEPT: usize = 64;

impl Clone for TreeMemo {
    fn clone(&self) -> Self {
        TreeMemo::default()
    }
}

impl fmt::Debug for TreeMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TreeMemo")
    }
}

impl UnitRegistry {
    /// Builds and checks a registry: versions ordered and contiguous, parents existing and
    /// valid, no two units with one code at the same time, lineage between known units.
    pub fn build(
        mut units: Vec<Unit>,
        mut edges: Vec<LineageEdge>,
        attributes: Vec<UnitAttribute>,
    ) -> Result<Self, Vec<RegistryProblem>> {
        let mut problems = Vec::new();
        units.sort_by(|a, b| a.id.cmp(&b.id));
        edges.sort();
        let mut by_id = HashMap::new();
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if by_id.insert(u.id.clone(), i).is_some() {
                problems.push(problem(&u.id, "đơn vị bị khai báo hai lần"));
            }
            by_code.entry(u.code.clone()).or_default().push(i);
            if u.versions.is_empty() {
                problems.push(problem(&u.id, "đơn vị không có phiên bản nào"));
                continue;
            }
            if u.id != UnitId::new(&u.code, u.versions[0].valid.from) {
                problems.push(problem(
                    &u.id,
                    "mã định danh không khớp mã và ngày bắt đầu hiệu lực",
                ));
            }
            for pair in u.versions.windows(2) {
                let contiguous =
                    pair[0].valid.to.and_then(|to| to.succ_opt()) == Some(pair[1].valid.from);
                if !contiguous {
                    problems.push(problem(
                        &u.id,
                        "các phiên bản không liền nhau theo thời gian",
                    ));
                }
            }
            for v in &u.versions {
                if v.unit_type.level() != u.level {
                    problems.push(problem(&u.id, "loại đơn vị không thuộc cấp đã khai báo"));
                }
                if v.valid.to.is_some_and(|to| to < v.valid.from) {
                    problems.push(problem(&u.id, "ngày kết thúc trước ngày bắt đầu"));
                }
            }
        }
        for indices in by_code.values() {
            for (n, &i) in indices.iter().enumerate() {
                for &j in &indices[n + 1..] {
                    if units[i].valid().overlaps(&units[j].valid()) {
                        problems.push(problem(
                            &units[i].id,
                            &format!("trùng mã và trùng thời gian hiệu lực với {}", units[j].id),
                        ));
                    }
                }
            }
        }
        for u in &units {
            for v in &u.versions {
                let Some(parent) = &v.parent else {
                    if u.level != UnitLevel::Province {
                        problems.push(problem(&u.id, "thiếu đơn vị cấp trên"));
                    }
                    continue;
                };
                match by_id.get(parent).map(|&i| &units[i]) {
                    None => problems.push(problem(
                        &u.id,
                        &format!("đơn vị cấp trên {parent} không tồn tại"),
                    )),
                    Some(p) => {
                        let pv = p.valid();
                        let covered = pv.from <= v.valid.from
                            && match (pv.to, v.valid.to) {
                                (None, _) => true,
                                (Some(_), None) => false,
                                (Some(pt), Some(vt)) => vt <= pt,
                            };
                        if !covered {
                            problems.push(problem(
                                &u.id,
                                &format!(
                                    "đơn vị cấp trên {parent} không có hiệu lực suốt thời gian {}",
                                    v.valid
                                ),
                            ));
                        }
                        if p.level >= u.level {
                            problems
                                .push(problem(&u.id, &format!("{parent} không phải là cấp trên")));
                        }
                    }
                }
            }
        }
        for e in &edges {
            for id in [&e.from, &e.to] {
                if !by_id.contains_key(id) {
                    problems.push(problem(id, "đơn vị trong bảng sáp nhập không tồn tại"));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut children: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            let parents: BTreeSet<&UnitId> = u
                .versions
                .iter()
                .filter_map(|v| v.parent.as_ref())
                .collect();
            for p in parents {
                children.entry(p.clone()).or_default().push(i);
            }
        }
        for list in children.values_mut() {
            list.sort_by(|&a, &b| units[a].code.cmp(&units[b].code));
        }
        let mut attributes_of: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, a) in attributes.iter().enumerate() {
            attributes_of.entry(a.unit.clone()).or_default().push(i);
        }
        let mut edges_from: HashMap<UnitId, Vec<usize>> = HashMap::new();
        let mut edges_to: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, e) in edges.iter().enumerate() {
            edges_from.entry(e.from.clone()).or_default().push(i);
            edges_to.entry(e.to.clone()).or_default().push(i);
        }
        Ok(UnitRegistry {
            units,
            by_id,
            by_code,
            edges,
            attributes,
            children,
            attributes_of,
            edges_from,
            edges_to,
            trees: TreeMemo::default(),
        })
    }

    /// Puts `changed` in place of the attributes of the same unit, key and start (as
    /// [`UnitRegistry::attribute_change`] returns them), adding those that are new. The
    /// units and lineage are untouched, so nothing needs checking again.
    pub fn put_attributes(&mut self, changed: &[UnitAttribute]) {
        for a in changed {
            let indices = self.attributes_of.entry(a.unit.clone()).or_default();
            let same = indices.iter().copied().find(|&i| {
                let b = &self.attributes[i];
                b.key == a.key && b.valid.from == a.valid.from
            });
            match same {
                Some(i) => self.attributes[i] = a.clone(),
                None => {
                    indices.push(self.attributes.len());
                    self.attributes.push(a.clone());
                }
            }
        }
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }
    pub fn edges(&self) -> &[LineageEdge] {
        &self.edges
    }
    pub fn attributes(&self) -> &[UnitAttribute] {
        &self.attributes
    }
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
    pub fn get(&self, id: &UnitId) -> Option<&Unit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }

    /// Every unit in force on `date`, in tree order (parent before children, siblings by
    /// code).
    pub fn as_of(&self, date: NaiveDate) -> Vec<UnitView<'_>> {
        let held = self
            .trees
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&date)
            .cloned();
        let order = match held {
            Some(order) => order,
            None => {
                let order: Vec<(usize, usize)> = self
                    .as_of_ordered(date)
                    .iter()
                    .map(|v| {
                        let u = self.by_id[&v.unit.id];
                        let version = v
                            .unit
                            .versions
                            .iter()
                            .position(|x| std::ptr::eq(x, v.version))
                            .unwrap_or_default();
                        (u, version)
                    })
                    .collect();
                let order = std::sync::Arc::new(order);
                let mut trees = self.trees.0.lock().unwrap_or_else(|e| e.into_inner());
                if trees.len() >= TREES_KEPT {
                    trees.clear();
                }
                trees.insert(date, order.clone());
                order
            }
        };
        order
            .iter()
            .map(|&(u, v)| UnitView {
                unit: &self.units[u],
                version: &self.units[u].versions[v],
            })
            .collect()
    }

    fn as_of_ordered(&self, date: NaiveDate) -> Vec<UnitView<'_>> {
        let views: Vec<UnitView<'_>> = self
            .units
            .iter()
            .filter_map(|u| {
                u.version_on(date)
                    .map(|version| UnitView { unit: u, version })
            })
            .collect();
        tree_order(views)
    }

    /// The view of one unit on `date`, if it was in force.
    pub fn view_on(&self, id: &UnitId, date: NaiveDate) -> Option<UnitView<'_>> {
        let unit = self.get(id)?;
        unit.version_on(date)
            .map(|version| UnitView { unit, version })
    }

    /// The units that were in force at the end of `year`, in tree order: the structure
    /// year-end reports are written against.
    pub fn in_year(&self, year: i32) -> Vec<UnitView<'_>> {
        NaiveDate::from_ymd_opt(year, 12, 31)
            .map(|d| self.as_of(d))
            .unwrap_or_default()
    }

    /// Children of `parent` on `date`, by code.
    pub fn children_on(&self, parent: &UnitId, date: NaiveDate) -> Vec<UnitView<'_>> {
        self.children
            .get(parent)
            .into_iter()
            .flatten()
            .filter_map(|&i| {
                let unit = &self.units[i];
                unit.version_on(date)
                    .filter(|v| v.parent.as_ref() == Some(parent))
                    .map(|version| UnitView { unit, version })
            })
            .collect()
    }

    /// `id` and every unit below it on `date`, in tree order. Units whose parent is not
    /// in force on `date` are roots of [`UnitRegistry::as_of`] and so in no subtree but
    /// their own.
    pub fn subtree_on(&self, id: &UnitId, date: NaiveDate) -> Vec<UnitView<'_>> {
        let mut out = Vec::new();
        match self.view_on(id, date) {
            Some(v) => out.push(v),
            // A unit out of force on the date: what hangs under it then is still its
            // subtree, as when it was read off the whole tree.
            None if self.get(id).is_some() => {}
            None => return out,
        }
        let mut stack: Vec<UnitView<'_>> = self.children_on(id, date);
        stack.reverse();
        while let Some(v) = stack.pop() {
            let kids = self.children_on(v.id(), date);
            out.push(v);
            stack.extend(kids.into_iter().rev());
        }
        out
    }

    /// Resolves a code used for data of `year`. A code names one unit only together with a
    /// time; when two units carried the code during the year (the 2025 reform), this is an
    /// error rather than a guess. A full id (`code@date`) is also accepted.
    pub fn resolve_in_year(&self, code_or_id: &str, year: i32) -> Result<&Unit, ResolveError> {
        let code_or_id = code_or_id.trim();
        if let Some(id) = UnitId::parse(code_or_id) {
            let unit = self
                .get(&id)
                .ok_or_else(|| ResolveError::UnknownId { id: id.to_string() })?;
            if !unit.valid().touches_year(year) {
                return Err(ResolveError::NotValidInYear {
                    id: id.to_string(),
                    year,
                    valid: unit.valid().to_string(),
                });
            }
            return Ok(unit);
        }
        let candidates: Vec<&Unit> = self
            .by_code
            .get(code_or_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.units[i])
            .filter(|u| u.valid().touches_year(year))
            .collect();
        match candidates.as_slice() {
            [] => Err(ResolveError::Unknown {
                code: code_or_id.to_owned(),
                year,
            }),
            [one] => Ok(one),
            many => Err(ResolveError::Ambiguous {
                code: code_or_id.to_owned(),
                year,
                candidates: many
                    .iter()
                    .map(|u| format!("{} {}", u.latest().name, u.valid()))
                    .collect::<Vec<_>>()
                    .join("; "),
                example: many[0].id.to_string(),
            }),
        }
    }

    /// Units with `code`, any time.
    pub fn with_code(&self, code: &str) -> Vec<&Unit> {
        self.by_code
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.units[i])
            .collect()
    }

    /// Direct successors of `id` through the lineage.
    pub fn successors(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.edges_of(&self.edges_from, id).collect()
    }

    /// Direct predecessors of `id` through the lineage.
    pub fn predecessors(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.edges_of(&self.edges_to, id).collect()
    }

    /// The edges `index` holds for `id`, in the edges' order.
    fn edges_of<'a>(
        &'a self,
        index: &'a HashMap<UnitId, Vec<usize>>,
        id: &UnitId,
    ) -> impl Iterator<Item = &'a LineageEdge> + 'a {
        index.get(id).into_iter().flatten().map(|&i| &self.edges[i])
    }

    /// Every unit that `id` descends from, at any depth, nearest first.
    pub fn ancestry(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.walk(id, &self.edges_to, |e| &e.from)
    }

    /// Every unit that took over `id`, at any depth, nearest first.
    pub fn descendants(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.walk(id, &self.edges_from, |e| &e.to)
    }

    fn walk<'a>(
        &'a self,
        start: &UnitId,
        index: &'a HashMap<UnitId, Vec<usize>>,
        next: impl Fn(&'a LineageEdge) -> &'a UnitId,
    ) -> Vec<&'a LineageEdge> {
        let mut out = Vec::new();
        let mut seen: BTreeSet<&UnitId> = BTreeSet::new();
        let mut frontier = std::collections::VecDeque::from([start.clone()]);
        while let Some(cur) = frontier.pop_back() {
            for e in self.edges_of(index, &cur) {
                let n = next(e);
                if seen.insert(n) {
                    out.push(e);
                    frontier.push_front(n.clone());
                }
            }
        }
        out
    }

    /// The value of attribute `key` for `id` on `date`.
    /// The attribute rows that set `key` of `unit` to `value` from `from` on (a dated
    /// change, never a rewrite of the past): the row in force on `from` ends the day
    /// before (or is replaced, when it began that day), and the new row runs until the
    /// next row of that key begins or the unit ends. `Err` says why in Vietnamese.
    pub fn attribute_change(
        &self,
        unit: &UnitId,
        key: AttributeKey,
        value: &str,
        from: NaiveDate,
        source: &str,
    ) -> Result<Vec<UnitAttribute>, String> {
        let u = self
            .get(unit)
            .ok_or_else(|| format!("không có đơn vị {unit}"))?;
        let valid = u.valid();
        if !valid.contains(from) {
            return Err(format!(
                "{} có hiệu lực {valid}; ngày {} nằm ngoài",
                u.latest().name,
                from.format("%d/%m/%Y")
            ));
        }
        if source.trim().is_empty() {
            return Err("cần nêu căn cứ (số, ngày văn bản)".into());
        }
        let mine: Vec<&UnitAttribute> = self
            .attributes_of
            .get(unit)
            .into_iter()
            .flatten()
            .map(|&i| &self.attributes[i])
            .filter(|a| a.key == key)
            .collect();
        let next_start = mine
            .iter()
            .map(|a| a.valid.from)
            .filter(|d| *d > from)
            .min();
        let mut out = Vec::new();
        if let Some(current) = mine
            .iter()
            .find(|a| a.valid.contains(from) && a.valid.from < from)
        {
            let mut ended = (*current).clone();
            ended.valid.to = from.pred_opt();
            out.push(ended);
        }
        out.push(UnitAttribute {
            unit: unit.clone(),
            key,
            value: value.trim().to_owned(),
            valid: Period {
                from,
                to: next_start.and_then(|d| d.pred_opt()).or(valid.to),
            },
            source: source.trim().to_owned(),
            illustrative: false,
        });
        Ok(out)
    }

    pub fn attribute_on(
        &self,
        id: &UnitId,
        key: AttributeKey,
        date: NaiveDate,
    ) -> Option<&UnitAttribute> {
        self.attributes_of
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.attributes[i])
            .find(|a| a.key == key && a.valid.contains(date))
    }

    /// The attribute in force at the end of `year` (or on the last day the unit existed).
    pub fn attribute_in_year(
        &self,
        id: &UnitId,
        key: AttributeKey,
        year: i32,
    ) -> Option<&UnitAttribute> {
        let unit = self.get(id)?;
        let mut date = NaiveDate::from_ymd_opt(year, 12, 31)?;
        if let Some(to) = unit.valid().to
            && to < date
        {
            date = to;
        }
        self.attribute_on(id, key, date)
    }

    /// The province units (roots) in force on `date`.
    pub fn roots_on(&self, date: NaiveDate) -> Vec<UnitView<'_>> {
        self.as_of(date)
            .into_iter()
            .filter(|v| v.parent().is_none())
            .collect()
    }

    /// The last day on which the tree changed (a version began or ended): after it, the
    /// tree stands as it is, so a question about any later year has the answer it has
    /// then. `None` for an empty registry.
    pub fn last_change(&self) -> Option<NaiveDate> {
        self.units
            .iter()
            .flat_map(|u| &u.versions)
            .flat_map(|v| [Some(v.valid.from), v.valid.to.and_then(|t| t.succ_opt())])
            .flatten()
            .max()
    }

    /// The day the latest rearrangement took effect (mergers and splits of the lineage):
    /// for Hà Tĩnh's data, 1 July 2025, the two-level reform. `None` without lineage.
    pub fn last_rearrangement(&self) -> Option<NaiveDate> {
        self.edges.iter().map(|e| e.effective).max()
    }
}

fn problem(id: &UnitId, message: &str) -> RegistryProblem {
    RegistryProblem {
        unit: id.to_string(),
        message: message.to_owned(),
    }
}

fn tree_order(views: Vec<UnitView<'_>>) -> Vec<UnitView<'_>> {
    let mut children: BTreeMap<Option<&UnitId>, Vec<&UnitView<'_>>> = BTreeMap::new();
    let ids: BTreeSet<&UnitId> = views.iter().map(|v| v.id()).collect();
    for v in &views {
        // A parent not in force on the date makes the unit a root of this view rather
        // than dropping it silently.
        let parent = v.parent().filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(v);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
    }
    let mut out = Vec::with_capacity(views.len());
    let mut stack: Vec<&UnitView<'_>> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(v) = stack.pop() {
        out.push(v.clone());
        if let Some(kids) = children.get(&Some(v.id())) {
            stack.extend(kids.iter().rev());
        }
    }
    out
}

/// The unit that stands for `unit` on `day`: itself while it exists, then the unit that
/// took it over by a merger, followed as far as it goes. `None` after a split (a part went
/// elsewhere: someone must say where) or when `unit` is unknown. What a commune's villages
/// and OCOP producers follow through the reform.
pub fn followed_on(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> Option<UnitId> {
    let mut current = unit.clone();
    for _ in 0..8 {
        let u = registry.get(&current)?;
        if u.version_on(day).is_some() {
            return Some(current);
        }
        let next = registry
            .successors(&current)
            .into_iter()
            .filter(|e| e.effective <= day)
            .collect::<Vec<_>>();
        match next.as_slice() {
            [e] if e.kind == LineageKind::Merged => current = e.to.clone(),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn unit(
        code: &str,
        from: &str,
        to: Option<&str>,
        name: &str,
        t: UnitType,
        parent: Option<&UnitId>,
    ) -> Unit {
        let valid = Period {
            from: d(from),
            to: to.map(d),
        };
        Unit {
            id: UnitId::new(code, valid.from),
            code: code.into(),
            level: t.level(),
            versions: vec![UnitVersion {
                valid,
                name: name.into(),
                unit_type: t,
                parent: parent.cloned(),
            }],
            source: "test".into(),
        }
    }

    /// A dated change of an attribute: the row in force ends the day before, the new one
    /// runs to the next change or the unit's end; the past is kept; dates outside the
    /// unit's life and changes without a basis are refused.
    #[test]
    fn an_attribute_changes_from_a_date_and_keeps_its_past() {
        let r = sample();
        let ts = UnitId::parse("18073@2025-07-01").unwrap();
        let first = r
            .attribute_change(
                &ts,
                AttributeKey::CommuneGroup,
                "2",
                d("2025-07-01"),
                "QĐ 1/2025",
            )
            .unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].valid,
            Period {
                from: d("2025-07-01"),
                to: None
            }
        );
        let r = UnitRegistry::build(r.units().to_vec(), r.edges().to_vec(), first).unwrap();
        let change = r
            .attribute_change(
                &ts,
                AttributeKey::CommuneGroup,
                "1",
                d("2027-01-01"),
                "QĐ 9/2026",
            )
            .unwrap();
        assert_eq!(change.len(), 2);
        assert_eq!(change[0].value, "2");
        assert_eq!(
            change[0].valid.to,
            Some(d("2026-12-31")),
            "the past ends the day before"
        );
        assert_eq!(change[1].value, "1");
        assert_eq!(
            change[1].valid,
            Period {
                from: d("2027-01-01"),
                to: None
            }
        );
        let r2 = UnitRegistry::build(r.units().to_vec(), r.edges().to_vec(), change).unwrap();
        assert_eq!(
            r2.attribute_in_year(&ts, AttributeKey::CommuneGroup, 2026)
                .unwrap()
                .value,
            "2"
        );
        assert_eq!(
            r2.attribute_in_year(&ts, AttributeKey::CommuneGroup, 2027)
                .unwrap()
                .value,
            "1"
        );
        // A change dated before a later one runs until it.
        let middle = r2
            .attribute_change(
                &ts,
                AttributeKey::CommuneGroup,
                "3",
                d("2026-01-01"),
                "QĐ 5/2026",
            )
            .unwrap();
        assert_eq!(middle.last().unwrap().valid.to, Some(d("2026-12-31")));
        assert!(
            r.attribute_change(&ts, AttributeKey::CommuneGroup, "1", d("2024-01-01"), "x")
                .unwrap_err()
                .contains("nằm ngoài")
        );
        assert!(
            r.attribute_change(&ts, AttributeKey::CommuneGroup, "1", d("2026-01-01"), " ")
                .unwrap_err()
                .contains("căn cứ")
        );
    }

    fn sample() -> UnitRegistry {
        let p = unit(
            "42",
            "2020-01-01",
            None,
            "Tỉnh Hà Tĩnh",
            UnitType::Province,
            None,
        );
        let dist = unit(
            "436",
            "2020-01-01",
            Some("2025-06-30"),
            "Thành phố Hà Tĩnh",
            UnitType::City,
            Some(&p.id),
        );
        let nam_ha = unit(
            "18073",
            "2020-01-01",
            Some("2025-06-30"),
            "Phường Nam Hà",
            UnitType::Ward,
            Some(&dist.id),
        );
        let bac_ha = unit(
            "18077",
            "2020-01-01",
            Some("2025-06-30"),
            "Phường Bắc Hà",
            UnitType::Ward,
            Some(&dist.id),
        );
        let thanh_sen = unit(
            "18073",
            "2025-07-01",
            None,
            "Phường Thành Sen",
            UnitType::Ward,
            Some(&p.id),
        );
        let edges = vec![
            LineageEdge {
                from: nam_ha.id.clone(),
                to: thanh_sen.id.clone(),
                effective: d("2025-07-01"),
                kind: LineageKind::Merged,
                basis: "official".into(),
            },
            LineageEdge {
                from: bac_ha.id.clone(),
                to: thanh_sen.id.clone(),
                effective: d("2025-07-01"),
                kind: LineageKind::Merged,
                basis: "official".into(),
            },
        ];
        UnitRegistry::build(vec![p, dist, nam_ha, bac_ha, thanh_sen], edges, vec![]).unwrap()
    }

    #[test]
    fn tree_as_of_a_date_follows_the_reform() {
        let r = sample();
        let views = r.as_of(d("2022-06-01"));
        let before: Vec<&str> = views.iter().map(|v| v.name()).collect();
        assert_eq!(
            before,
            [
                "Tỉnh Hà Tĩnh",
                "Thành phố Hà Tĩnh",
                "Phường Nam Hà",
                "Phường Bắc Hà"
            ]
        );
        let views = r.as_of(d("2025-07-01"));
        let after: Vec<&str> = views.iter().map(|v| v.name()).collect();
        assert_eq!(after, ["Tỉnh Hà Tĩnh", "Phường Thành Sen"]);
    }

    #[test]
    fn a_reused_code_is_ambiguous_in_the_year_of_the_reform_only() {
        let r = sample();
        assert_eq!(
            r.resolve_in_year("18073", 2022).unwrap().latest().name,
            "Phường Nam Hà"
        );
        assert_eq!(
            r.resolve_in_year("18073", 2026).unwrap().latest().name,
            "Phường Thành Sen"
        );
        assert!(matches!(
            r.resolve_in_year("18073", 2025),
            Err(ResolveError::Ambiguous { .. })
        ));
        assert_eq!(
            r.resolve_in_year("18073@2025-07-01", 2025)
                .unwrap()
                .latest()
                .name,
            "Phường Thành Sen"
        );
        assert!(matches!(
            r.resolve_in_year("18073@2025-07-01", 2024),
            Err(ResolveError::NotValidInYear { .. })
        ));
        assert!(matches!(
            r.resolve_in_year("99999", 2022),
            Err(ResolveError::Unknown { .. })
        ));
    }

    #[test]
    fn lineage_runs_both_ways() {
        let r = sample();
        let ts = UnitId::parse("18073@2025-07-01").unwrap();
        let preds: Vec<&str> = r
            .predecessors(&ts)
            .iter()
            .map(|e| e.from.as_str())
            .collect();
        assert_eq!(preds, ["18073@2020-01-01", "18077@2020-01-01"]);
        let nh = UnitId::parse("18073@2020-01-01").unwrap();
        assert_eq!(r.successors(&nh)[0].to, ts);
        assert_eq!(r.ancestry(&ts).len(), 2);
        assert_eq!(r.descendants(&nh).len(), 1);
    }

    #[test]
    fn build_rejects_overlapping_code_and_missing_parent() {
        let p = unit("42", "2020-01-01", None, "Tỉnh", UnitType::Province, None);
        let a = unit(
            "1",
            "2020-01-01",
            None,
            "Xã A",
            UnitType::Commune,
            Some(&p.id),
        );
        let b = unit(
            "1",
            "2021-01-01",
            None,
            "Xã B",
            UnitType::Commune,
            Some(&p.id),
        );
        let orphan = unit(
            "2",
            "2020-01-01",
            None,
            "Xã C",
            UnitType::Commune,
            Some(&UnitId::new("9", d("2020-01-01"))),
        );
        let problems = UnitRegistry::build(vec![p, a, b, orphan], vec![], vec![]).unwrap_err();
        assert!(
            problems.iter().any(|p| p.message.contains("trùng mã")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.message.contains("không tồn tại")),
            "{problems:?}"
        );
    }

    #[test]
    fn subtree_contains_descendants_and_not_siblings() {
        let r = sample();
        let dist = UnitId::parse("436@2020-01-01").unwrap();
        let views = r.subtree_on(&dist, d("2022-01-01"));
        let names: Vec<&str> = views.iter().map(|v| v.name()).collect();
        assert_eq!(
            names,
            ["Thành phố Hà Tĩnh", "Phường Nam Hà", "Phường Bắc Hà"]
        );
    }

    // The walk over the children index must give what reading the subtree off the whole
    // tree gives, in the same order, for every unit and every day the tree changed.
    #[test]
    fn subtree_walk_matches_the_whole_tree_read() {
        let r = sample();
        let mut days: Vec<NaiveDate> = r
            .units()
            .iter()
            .flat_map(|u| &u.versions)
            .flat_map(|v| {
                [
                    Some(v.valid.from),
                    v.valid.to,
                    v.valid.to.and_then(|t| t.succ_opt()),
                ]
            })
            .flatten()
            .collect();
        days.extend([d("2019-06-01"), d("2030-01-01")]);
        for day in days {
            let all = r.as_of(day);
            for u in r.units() {
                let mut inside: BTreeSet<UnitId> = BTreeSet::from([u.id.clone()]);
                let expected: Vec<UnitId> = all
                    .iter()
                    .filter(|v| {
                        let keep =
                            v.id() == &u.id || v.parent().is_some_and(|p| inside.contains(p));
                        if keep {
                            inside.insert(v.id().clone());
                        }
                        keep
                    })
                    .map(|v| v.id().clone())
                    .collect();
                let got: Vec<UnitId> = r
                    .subtree_on(&u.id, day)
                    .iter()
                    .map(|v| v.id().clone())
                    .collect();
                assert_eq!(got, expected, "{} on {day}", u.id);
                let kids: Vec<UnitId> = all
                    .iter()
                    .filter(|v| v.parent() == Some(&u.id))
                    .map(|v| v.id().clone())
                    .collect();
                let got: Vec<UnitId> = r
                    .children_on(&u.id, day)
                    .iter()
                    .map(|v| v.id().clone())
                    .collect();
                assert_eq!(got, kids, "children of {} on {day}", u.id);
            }
        }
    }
}
