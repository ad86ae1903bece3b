//! Data-quality findings of a year inside a scope: every commune with values is checked
//! by the rules of the set that evaluates it ([`ntm_core::quality`]), against its own
//! values, last year's, its peers' (every commune of the year, whoever reads the page:
//! a median is not a secret, the peers' names are shown only to who may read them), its
//! recognition and the evidence its deciding values carry.
//!
//! The rules are data: `data/quality/*.toml`, one file per criteria set, read once. A set
//! without a rules file is named as unchecked rather than reported clean.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use ntm_core::criteria::{CriteriaSet, Level};
use ntm_core::evaluation::CriterionStatus;
use ntm_core::quality::{
    self, Finding, Names, PeerValue, Recognised, Rule, RuleKind, Severity, UnitYearInputs,
};
use ntm_core::{UnitId, Value};
use ntm_store::DossierRecord;

use crate::evaluate::Workspace;
use crate::recognition::{StandingBasis, standing};
use crate::{AppError, AppResult};

/// The rules that check one set: the office's latest saved version, else the file
/// shipped with ntm (`version` 0).
#[derive(Debug, Clone)]
pub struct SetRules {
    pub set: String,
    pub version: i64,
    pub text: String,
    pub rules: Vec<Rule>,
    /// Who saved the version and when; `None` for the shipped file.
    pub saved: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

/// The rules in force, by the id of the set they check.
pub type RuleBook = BTreeMap<String, SetRules>;

/// The shipped rules files as (set id, text, rules), read once.
pub fn shipped_rules() -> &'static [(String, String, Vec<Rule>)] {
    static RULES: OnceLock<Vec<(String, String, Vec<Rule>)>> = OnceLock::new();
    RULES.get_or_init(|| {
        ntm_data::shipped::demo_quality_files()
            .into_iter()
            .map(|(name, text)| {
                // Compiled in and read by a test of ntm-data: never fails at run time.
                let f = ntm_data::quality_file::parse(&text)
                    .unwrap_or_else(|p| panic!("shipped rules {name}: {p:?}"));
                (f.set, text, f.rules)
            })
            .collect()
    })
}

/// The shipped rules, as they are in force until the office saves its own.
pub fn shipped_book() -> RuleBook {
    shipped_rules()
        .iter()
        .map(|(set, text, rules)| {
            (
                set.clone(),
                SetRules {
                    set: set.clone(),
                    version: 0,
                    text: text.clone(),
                    rules: rules.clone(),
                    saved: None,
                },
            )
        })
        .collect()
}

/// The rules in force: each set's latest saved version over the shipped file.
pub async fn load_rules(store: &dyn ntm_store::Store) -> AppResult<RuleBook> {
    let mut book = shipped_book();
    for r in store.rule_files().await? {
        // Checked when saved; a version that no longer reads is told, not skipped, so a
        // set is never silently left unchecked.
        let file = ntm_data::quality_file::parse(&r.source_text).map_err(|p| {
            AppError::Invalid(
                p.into_iter()
                    .map(|p| format!("quy tắc của bộ {} phiên bản {}: {p}", r.set_id, r.version))
                    .collect(),
            )
        })?;
        book.insert(
            r.set_id.clone(),
            SetRules {
                set: r.set_id,
                version: r.version,
                text: r.source_text,
                rules: file.rules,
                saved: Some((r.saved_at, r.saved_by)),
            },
        );
    }
    Ok(book)
}

/// [`load_rules`], kept per data version.
pub async fn rules_in_force(
    store: &dyn ntm_store::Store,
    cache: &crate::cache::Cache,
) -> AppResult<std::sync::Arc<RuleBook>> {
    cache
        .memo_with(store, "quality-rules".into(), load_rules(store))
        .await
}

/// A rule as the page lists it, with how many findings it made in the scope.
#[derive(Debug, Clone)]
pub struct RuleLine {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub kind: &'static str,
    pub set: String,
    pub findings: usize,
}

/// A unit's findings counted by severity.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub unit: UnitId,
    pub name: String,
    pub blocking: usize,
    pub warning: usize,
    pub info: usize,
}

impl UnitLine {
    pub fn total(&self) -> usize {
        self.blocking + self.warning + self.info
    }
}

/// What the checks found in a scope and year.
#[derive(Debug, Clone)]
pub struct Report {
    pub year: i32,
    /// By unit (in the order of the units' names), then in the order of the rules.
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleLine>,
    /// Units with findings, the most blocking and warning first.
    pub units: Vec<UnitLine>,
    /// Findings by criterion (id, name, count), for the findings that name one.
    pub criteria: Vec<(String, String, usize)>,
    pub communes_checked: usize,
    /// Sets that evaluated communes of the scope but have no rules: those communes are
    /// not checked.
    pub unchecked_sets: Vec<String>,
    pub illustrative: bool,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

fn plain(
    values: Option<&BTreeMap<std::sync::Arc<str>, crate::values::Entered>>,
) -> BTreeMap<String, Value> {
    values
        .map(|m| {
            m.iter()
                .map(|(k, e)| (k.to_string(), e.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// What the checks read besides the values: the recognition dossiers (for regression),
/// the rule of titles after a merger, and the (unit, indicator) pairs of the year that
/// carry an evidence file.
pub struct Context<'a> {
    pub rules: &'a RuleBook,
    pub records: &'a [DossierRecord],
    pub inherit: ntm_core::recognition::InheritRule,
    pub files: &'a BTreeSet<(UnitId, String)>,
}

/// The (unit, indicator) pairs of `files`.
pub fn with_files(files: &[ntm_store::quality::EvidenceFileInfo]) -> BTreeSet<(UnitId, String)> {
    files
        .iter()
        .map(|f| (f.unit_id.clone(), f.indicator.clone()))
        .collect()
}

/// Checks every commune of `scope` with values in `year` (from `ws`; `last` holds the
/// year before, on the same basis).
pub fn check(
    ws: &Workspace,
    last: &Workspace,
    context: &Context<'_>,
    scope: &BTreeSet<UnitId>,
    year: i32,
) -> AppResult<Report> {
    let (records, inherit) = (context.records, context.inherit);
    let all = ws.communes(year, None);
    let mut findings: Vec<Finding> = Vec::new();
    let mut unchecked = BTreeSet::new();
    let mut illustrative = false;
    let mut checked = 0;
    // Per set: its rules and the names of its indicators; per peer rule, every commune's
    // value (peers are the whole year's, not only the scope's).
    let mut peers: BTreeMap<(String, usize), Vec<PeerValue>> = BTreeMap::new();
    let mut sets: BTreeMap<String, (&CriteriaSet, Names)> = BTreeMap::new();
    let held_on = NaiveDate::from_ymd_opt(year - 1, 12, 31)
        .ok_or_else(|| AppError::Invalid(vec![format!("năm {year} không hợp lệ")]))?;
    for view in &all {
        let unit = view.id();
        let e = match ws.evaluate(unit, year, None) {
            Ok(e) => e,
            // A commune the year's sets cannot judge has nothing to check against.
            Err(AppError::NotFound(_) | AppError::Ambiguous(_)) => continue,
            Err(e) => return Err(e),
        };
        let set_id = e.set.id().0.clone();
        // A set whose rules file holds no rule is as unchecked as one without a file.
        let Some(rules) = context
            .rules
            .get(&set_id)
            .map(|r| &r.rules)
            .filter(|r| !r.is_empty())
        else {
            if scope.contains(unit) {
                unchecked.insert(set_id);
            }
            continue;
        };
        let names = &sets
            .entry(set_id.clone())
            .or_insert_with(|| (e.set, Names::from_set(e.set)))
            .1;
        let values = plain(ws.values.get(&(unit.clone(), year)));
        for (n, rule) in rules.iter().enumerate() {
            if let RuleKind::PeerOutlier {
                indicator,
                peers: group,
                ..
            } = &rule.kind
                && let Some(Value::Number(v)) = values.get(indicator)
                && let Some(key) = quality::peer_key(&ws.registry, unit, year, *group)
            {
                peers
                    .entry((set_id.clone(), n))
                    .or_default()
                    .push(PeerValue {
                        unit: unit.clone(),
                        key,
                        value: *v,
                    });
            }
        }
        if !scope.contains(unit) {
            continue;
        }
        checked += 1;
        illustrative |= e.illustrative();
        let last_values = last
            .values
            .get(&(unit.clone(), year - 1))
            .map(|m| plain(Some(m)));
        let result = e.result();
        let statuses = quality::indicator_statuses(result);
        findings.extend(quality::check_unit(
            rules,
            &UnitYearInputs {
                unit,
                year,
                values: &values,
                last_year: last_values.as_ref(),
                statuses: &statuses,
                names,
            },
        ));
        for rule in rules {
            match rule.kind {
                RuleKind::RegressionAfterRecognition => {
                    let st = standing(&ws.registry, records, unit, held_on, inherit);
                    if st.level == Level::None {
                        continue;
                    }
                    let decision = match &st.basis {
                        StandingBasis::Decision { text, .. } => text.clone(),
                        StandingBasis::Inherited { merged_on, .. } => format!(
                            "mức kế thừa khi sáp nhập ngày {}",
                            merged_on.format("%d/%m/%Y")
                        ),
                        StandingBasis::Nothing => continue,
                    };
                    // Every step of the ladder up to the level held must still be met; a
                    // criterion a higher step takes over from the base is told once.
                    let mut told: BTreeSet<Option<String>> = BTreeSet::new();
                    for step in &e.ladder.steps {
                        if step.set.header.level > st.level {
                            continue;
                        }
                        let step_names = Names::from_set(step.set);
                        findings.extend(
                            quality::check_regression(
                                rule,
                                unit,
                                year,
                                &Recognised {
                                    level: st.level,
                                    decision: decision.clone(),
                                },
                                &quality::criterion_statuses(step),
                                &step_names,
                            )
                            .into_iter()
                            .filter(|f| told.insert(f.criterion.clone())),
                        );
                    }
                }
                RuleKind::EvidenceCoverage => {
                    // By met criterion, the entered values it was decided on.
                    let mut deciding: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for c in result
                        .criteria
                        .iter()
                        .filter(|c| c.status == CriterionStatus::Met)
                    {
                        for i in &c.indicators {
                            if i.value.is_some() && values.contains_key(&i.indicator.id) {
                                deciding
                                    .entry(c.criterion.id.clone())
                                    .or_default()
                                    .push(i.indicator.id.clone());
                            }
                        }
                    }
                    let with_evidence: BTreeSet<String> = ws
                        .values
                        .get(&(unit.clone(), year))
                        .into_iter()
                        .flatten()
                        .filter(|(k, e)| {
                            !crate::notes::split_note(e.note.as_deref()).1.is_empty()
                                || context.files.contains(&(unit.clone(), k.to_string()))
                        })
                        .map(|(k, _)| k.to_string())
                        .collect();
                    findings.extend(quality::check_evidence(
                        rule,
                        unit,
                        year,
                        &deciding,
                        &with_evidence,
                        names,
                    ));
                }
                _ => {}
            }
        }
    }
    for ((set_id, n), values) in &peers {
        let rule = &context.rules[set_id].rules[*n];
        let names = &sets[set_id].1;
        for (unit, outcome) in quality::check_peer_groups(rule, year, values, names) {
            if scope.contains(&unit)
                && let Some(f) = outcome.into_finding()
            {
                findings.push(f);
            }
        }
    }
    Ok(summarise(
        ws,
        context.rules,
        findings,
        &sets,
        checked,
        unchecked,
        illustrative,
        year,
    ))
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    ws: &Workspace,
    book: &RuleBook,
    mut findings: Vec<Finding>,
    sets: &BTreeMap<String, (&CriteriaSet, Names)>,
    checked: usize,
    unchecked: BTreeSet<String>,
    illustrative: bool,
    year: i32,
) -> Report {
    let name = |u: &UnitId| {
        ws.registry
            .get(u)
            .and_then(|x| x.version_in_year(year))
            .map_or_else(|| u.to_string(), |v| v.name.clone())
    };
    // A rule's place in its file (the first set that has it, by set id).
    let mut order: BTreeMap<&str, usize> = BTreeMap::new();
    for s in sets.keys() {
        for (n, r) in book[s].rules.iter().enumerate() {
            order.entry(r.id.as_str()).or_insert(n);
        }
    }
    let rank = |f: &Finding| order.get(f.rule_id.as_str()).copied().unwrap_or(usize::MAX);
    findings.sort_by_cached_key(|f| (name(&f.unit), f.unit.clone(), rank(f), f.indicator.clone()));
    let mut rule_lines = Vec::new();
    for set_id in sets.keys() {
        let mut seen = BTreeSet::new();
        for r in &book[set_id].rules {
            if seen.insert(r.id.clone()) {
                rule_lines.push(RuleLine {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    severity: r.severity,
                    kind: r.kind.label_vi(),
                    set: set_id.clone(),
                    findings: findings.iter().filter(|f| f.rule_id == r.id).count(),
                });
            }
        }
    }
    let mut units: BTreeMap<UnitId, UnitLine> = BTreeMap::new();
    let mut criteria: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for f in &findings {
        let line = units.entry(f.unit.clone()).or_insert_with(|| UnitLine {
            unit: f.unit.clone(),
            name: name(&f.unit),
            blocking: 0,
            warning: 0,
            info: 0,
        });
        match f.severity {
            Severity::Blocking => line.blocking += 1,
            Severity::Warning => line.warning += 1,
            Severity::Info => line.info += 1,
        }
        let criterion = f.criterion.clone().or_else(|| {
            let i = f.indicator.as_deref()?;
            sets.values().find_map(|(s, _)| {
                s.indicators()
                    .find(|(_, ind)| ind.id == i)
                    .map(|(c, _)| c.id.clone())
            })
        });
        if let Some(c) = criterion {
            let cname = sets
                .values()
                .find_map(|(s, _)| {
                    s.criteria
                        .iter()
                        .find(|x| x.id == c)
                        .map(|x| x.name.clone())
                })
                .unwrap_or_default();
            criteria.entry(c).or_insert((cname, 0)).1 += 1;
        }
    }
    let mut units: Vec<UnitLine> = units.into_values().collect();
    units.sort_by(|a, b| {
        (b.blocking, b.warning, b.info)
            .cmp(&(a.blocking, a.warning, a.info))
            .then_with(|| a.name.cmp(&b.name))
    });
    Report {
        year,
        findings,
        rules: rule_lines,
        units,
        criteria: {
            let mut c: Vec<(String, String, usize)> = criteria
                .into_iter()
                .map(|(id, (name, n))| (id, name, n))
                .collect();
            // As a set numbers them: 2 before 10.
            c.sort_by_cached_key(|(id, _, _)| {
                id.split('.')
                    .map(|p| p.parse::<u32>().unwrap_or(u32::MAX))
                    .collect::<Vec<_>>()
            });
            c
        },
        communes_checked: checked,
        unchecked_sets: unchecked.into_iter().collect(),
        illustrative,
    }
}

/// A unit-year's findings on the values as entered (submitted or not), with the reasons
/// kept for them: what the entry form and the approval page show.
#[derive(Debug, Clone)]
pub struct UnitCheck {
    pub findings: Vec<Finding>,
    pub explanations: Vec<ntm_store::quality::ExplanationRecord>,
}

impl UnitCheck {
    /// The reason kept for `finding`, if any.
    pub fn reason(&self, finding: &Finding) -> Option<&ntm_store::quality::ExplanationRecord> {
        explanation_for(&self.explanations, finding)
    }

    /// Why the unit-year may not be submitted yet, in words; empty when it may.
    pub fn refusals(&self) -> Vec<String> {
        let explanations: Vec<quality::Explanation> = self
            .explanations
            .iter()
            .map(|e| quality::Explanation {
                rule_id: e.rule_id.clone(),
                indicator: Some(e.indicator.clone()).filter(|s| !s.is_empty()),
                criterion: Some(e.criterion.clone()).filter(|s| !s.is_empty()),
                reason: e.reason.clone(),
            })
            .collect();
        let gate = quality::submission_gate(&self.findings, &explanations);
        gate.blocking
            .iter()
            .map(|f| format!("phải sửa trước khi gửi: {}", f.message_vi))
            .chain(
                gate.unexplained_warnings
                    .iter()
                    .map(|f| format!("cần giải trình: {}", f.message_vi)),
            )
            .collect()
    }
}

/// The reason among `explanations` that answers `finding` (same unit, year, rule,
/// indicator and criterion).
pub fn explanation_for<'a>(
    explanations: &'a [ntm_store::quality::ExplanationRecord],
    finding: &Finding,
) -> Option<&'a ntm_store::quality::ExplanationRecord> {
    explanations.iter().find(|e| {
        e.unit_id == finding.unit
            && e.year == finding.year
            && e.rule_id == finding.rule_id
            && e.indicator == finding.indicator.as_deref().unwrap_or("")
            && e.criterion == finding.criterion.as_deref().unwrap_or("")
    })
}

/// The form key of a finding's reason: `rule~indicator~criterion`.
pub fn reason_key(f: &Finding) -> String {
    format!(
        "{}~{}~{}",
        f.rule_id,
        f.indicator.as_deref().unwrap_or(""),
        f.criterion.as_deref().unwrap_or("")
    )
}

/// Checks `unit` in `year` on its values as entered (the current basis).
pub async fn check_unit_year(
    store: &dyn ntm_store::Store,
    cache: &crate::cache::Cache,
    inherit: ntm_core::recognition::InheritRule,
    unit: &UnitId,
    year: i32,
) -> AppResult<UnitCheck> {
    let ws = cache
        .workspace(store, Some(year), crate::evaluate::Basis::Current)
        .await?;
    let last = cache
        .workspace(store, Some(year - 1), crate::evaluate::Basis::Current)
        .await?;
    let records = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await?;
    let scope = BTreeSet::from([unit.clone()]);
    let files = with_files(&store.evidence_files(Some(unit), year).await?);
    let rules = rules_in_force(store, cache).await?;
    let context = Context {
        rules: &rules,
        records: &records,
        inherit,
        files: &files,
    };
    let report = check(&ws, &last, &context, &scope, year)?;
    Ok(UnitCheck {
        findings: report.findings,
        explanations: store.explanations(Some(unit), year).await?,
    })
}

/// Refused with `why` unless `actor` may enter `unit`'s values of `year`: the right to
/// explain, to remember findings and to attach evidence is the right to enter.
fn may_enter(
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    unit: &UnitId,
    year: i32,
    why: &str,
) -> AppResult<()> {
    if ntm_core::access::can(
        registry,
        &actor.grants,
        ntm_core::access::Action::EnterValues,
        unit,
        year,
    ) {
        Ok(())
    } else {
        Err(AppError::Forbidden(why.into()))
    }
}

/// Records what `check` (of `unit` in `year`, on the values just saved) raises, so that a
/// finding later corrected is counted as such: who may enter the unit's values only.
pub async fn remember(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    (unit, year): (&UnitId, i32),
    check: &UnitCheck,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    may_enter(
        registry,
        actor,
        unit,
        year,
        "bạn không nhập số liệu của đơn vị này",
    )?;
    let current: Vec<(String, String, String)> = check
        .findings
        .iter()
        .filter(|f| &f.unit == unit && f.year == year)
        .map(|f| {
            (
                reason_key(f),
                f.severity.as_str().to_owned(),
                f.message_vi.clone(),
            )
        })
        .collect();
    Ok(store.record_findings(unit, year, &current, at).await?)
}

/// The findings seen when values were saved and no longer raised by the values saved
/// since, inside `scope`: what the communes corrected. Only warnings and blocking findings
/// of rules still in force count: a note (a peer's distance, a value without evidence)
/// can go because others' values or a criterion's standing changed, and a rule the office
/// removed ended its findings without anyone correcting them.
pub fn corrected<'a>(
    seen: &'a [ntm_store::quality::SeenFinding],
    book: &RuleBook,
    scope: &BTreeSet<UnitId>,
) -> Vec<&'a ntm_store::quality::SeenFinding> {
    let in_force: BTreeSet<&str> = book
        .values()
        .flat_map(|r| r.rules.iter().map(|x| x.id.as_str()))
        .collect();
    seen.iter()
        .filter(|s| {
            s.resolved_at.is_some()
                && scope.contains(&s.unit_id)
                && matches!(
                    Severity::parse(&s.severity),
                    Some(Severity::Warning | Severity::Blocking)
                )
                && s.key
                    .split('~')
                    .next()
                    .is_some_and(|rule| in_force.contains(rule))
        })
        .collect()
}

/// Keeps the reasons given (by [`reason_key`]) for the current findings of `unit` in
/// `year`: who may enter its values may explain them. A reason for a finding that is no
/// longer there is dropped; a reason too short to say anything is refused, nothing kept.
pub async fn explain(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    check: &UnitCheck,
    given: &BTreeMap<String, String>,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let Some(first) = check.findings.first() else {
        return Ok(());
    };
    let (unit, year) = (first.unit.clone(), first.year);
    may_enter(
        registry,
        actor,
        &unit,
        year,
        "bạn không nhập số liệu của đơn vị này nên không giải trình được",
    )?;
    let mut reasons = Vec::new();
    let mut problems = Vec::new();
    for f in check
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
    {
        let Some(reason) = given.get(&reason_key(f)).map(|r| r.trim()) else {
            // Not on the form: the reason kept stays.
            if let Some(kept) = check.reason(f) {
                reasons.push((
                    kept.rule_id.clone(),
                    kept.indicator.clone(),
                    kept.criterion.clone(),
                    kept.reason.clone(),
                ));
            }
            continue;
        };
        if reason.is_empty() {
            continue;
        }
        if let Some(p) = quality::reason_problem(reason) {
            problems.push(format!("{}: {p}", f.message_vi));
            continue;
        }
        reasons.push((
            f.rule_id.clone(),
            f.indicator.clone().unwrap_or_default(),
            f.criterion.clone().unwrap_or_default(),
            reason.to_owned(),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let same = reasons.len() == check.explanations.len()
        && reasons.iter().all(|(r, i, c, text)| {
            check.explanations.iter().any(|e| {
                &e.rule_id == r && &e.indicator == i && &e.criterion == c && &e.reason == text
            })
        });
    if same {
        return Ok(());
    }
    store
        .save_explanations(
            &unit,
            year,
            &reasons,
            &actor.audit(at, "giải trình cảnh báo số liệu"),
        )
        .await?;
    Ok(())
}

/// Submits `unit`'s `year` for approval if its findings allow it (no blocking finding,
/// every warning explained), else refuses with each reason and changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn submit_checked(
    store: &dyn ntm_store::Store,
    cache: &crate::cache::Cache,
    inherit: ntm_core::recognition::InheritRule,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    unit: &UnitId,
    year: i32,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let check = check_unit_year(store, cache, inherit, unit, year).await?;
    let refusals = check.refusals();
    if !refusals.is_empty() {
        return Err(AppError::Invalid(refusals));
    }
    crate::workflow::submit(store, registry, actor, unit, year, at).await
}

/// The bytes a unit's evidence files may take, all years: a commune's photos and minutes
/// of five years, on a server the office runs.
pub const EVIDENCE_QUOTA: i64 = 200 * 1024 * 1024;

/// Attaches `file` as evidence of the value of `indicator` for `unit` in `year`: who may
/// enter the unit's values, while they are editable (not submitted or approved), a named
/// non-empty file of at most [`crate::tasks::MAX_FILE_BYTES`], within [`EVIDENCE_QUOTA`].
#[allow(clippy::too_many_arguments)]
pub async fn attach_evidence(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    catalogue: &ntm_core::Catalogue,
    actor: &crate::accounts::Actor,
    unit: &UnitId,
    year: i32,
    indicator: &str,
    file: &ntm_store::StoredFile,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<i64> {
    editable_by(store, registry, actor, unit, year).await?;
    let mut problems = Vec::new();
    if !catalogue
        .sets()
        .any(|s| s.indicators().any(|(_, i)| i.id == indicator))
    {
        problems.push(format!("không có chỉ tiêu “{indicator}”"));
    }
    let name = file.name.trim();
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    if base.is_empty() {
        problems.push("tệp không có tên".into());
    }
    if file.bytes.is_empty() {
        problems.push(format!("tệp “{base}” rỗng"));
    }
    if file.bytes.len() > crate::tasks::MAX_FILE_BYTES {
        problems.push(format!(
            "tệp “{base}” lớn hơn {} MB",
            crate::tasks::MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let file = ntm_store::StoredFile {
        name: base.to_owned(),
        bytes: file.bytes.clone(),
    };
    Ok(store
        .attach_evidence(
            unit,
            year,
            indicator,
            &file,
            EVIDENCE_QUOTA,
            &actor.audit(at, "đính kèm minh chứng"),
        )
        .await?)
}

async fn editable_by(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    unit: &UnitId,
    year: i32,
) -> AppResult<()> {
    may_enter(
        registry,
        actor,
        unit,
        year,
        "bạn không nhập số liệu của đơn vị này nên không đính kèm hay gỡ minh chứng được",
    )?;
    let (status, _) = crate::workflow::status(store, unit, year).await?;
    if !status.is_editable() {
        return Err(AppError::Conflict(format!(
            "số liệu đang ở trạng thái “{}”: không đổi được minh chứng",
            status.label_vi()
        )));
    }
    Ok(())
}

/// Removes evidence file `id`, on the same terms as attaching it.
pub async fn remove_evidence(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<(UnitId, i32)> {
    let Some((info, _)) = store.evidence_file(id).await? else {
        return Err(AppError::NotFound("không có tệp minh chứng này".into()));
    };
    editable_by(store, registry, actor, &info.unit_id, info.year).await?;
    store
        .remove_evidence(id, &actor.audit(at, "gỡ minh chứng"))
        .await?;
    Ok((info.unit_id, info.year))
}

/// An evidence file with its bytes, for whoever may read its unit in its year; a file
/// the actor may not read is answered as absent.
pub async fn evidence_file(
    store: &dyn ntm_store::Store,
    registry: &ntm_core::UnitRegistry,
    actor: &crate::accounts::Actor,
    id: i64,
) -> AppResult<ntm_store::StoredFile> {
    match store.evidence_file(id).await? {
        Some((info, file))
            if ntm_core::access::can(
                registry,
                &actor.grants,
                ntm_core::access::Action::View,
                &info.unit_id,
                info.year,
            ) =>
        {
            Ok(file)
        }
        _ => Err(AppError::NotFound("không có tệp minh chứng này".into())),
    }
}

/// [`check`] of `scope` in `year`, reading the dossiers and the evidence files it needs.
pub async fn report(
    store: &dyn ntm_store::Store,
    cache: &crate::cache::Cache,
    ws: &Workspace,
    last: &Workspace,
    inherit: ntm_core::recognition::InheritRule,
    scope: &BTreeSet<UnitId>,
    year: i32,
) -> AppResult<Report> {
    let records = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await?;
    let files = with_files(&store.evidence_files(None, year).await?);
    let rules = rules_in_force(store, cache).await?;
    check(
        ws,
        last,
        &Context {
            rules: &rules,
            records: &records,
            inherit,
            files: &files,
        },
        scope,
        year,
    )
}
