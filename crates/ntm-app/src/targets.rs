//! Target plans: write a plan with the document that set it, and compute where each of its
//! targets stands from ntm's own records — recognition decisions for counts (with the
//! communes eligible by evaluation beside them), approved values for indicators, the
//! scope's own dossier for the end-of-period goal — never from a typed actual. The rules
//! (status, path, sums of shares, which year a title counts in) are `ntm_core::target`.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use ntm_core::access::{self, Action};
use ntm_core::criteria::{Comparison, Level};
use ntm_core::recognition::Dossier;
use ntm_core::target::{
    self, CountBy, Counted, Period, Progress, SplitCheck, Status, Target, TargetKind,
};
use ntm_core::{UnitId, UnitLevel, UnitRegistry, UnitType, Value};
use ntm_store::{DossierFilter, ShareRecord, Store, TargetPlanRecord, TargetRecord};
use rust_decimal::Decimal;

use crate::accounts::Actor;
use crate::evaluate::Workspace;
use crate::{AppError, AppResult, AuditContext};

/// A target as the app reads it from its stored kind text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub target: Target,
    pub count_by: CountBy,
}

/// `count:<counted>[@decision]`, `indicator:<id>:<>=|<=>`, `goal:<level>`.
pub fn kind_text(kind: &TargetKind, by: CountBy) -> String {
    match kind {
        TargetKind::Count(c) => format!(
            "count:{}{}",
            c.as_str(),
            if by == CountBy::DecisionYear {
                "@decision"
            } else {
                ""
            }
        ),
        TargetKind::Indicator {
            indicator,
            comparison,
        } => format!("indicator:{indicator}:{}", comparison.as_str()),
        TargetKind::Goal(l) => format!("goal:{}", l.as_str()),
    }
}

/// The kind and counting rule a stored kind text names.
pub fn parse_kind(text: &str) -> Option<(TargetKind, CountBy)> {
    let (head, rest) = text.split_once(':')?;
    match head {
        "count" => {
            let (counted, by) = match rest.strip_suffix("@decision") {
                Some(c) => (c, CountBy::DecisionYear),
                None => (rest, CountBy::StandardYear),
            };
            Some((TargetKind::Count(Counted::parse(counted)?), by))
        }
        "indicator" => {
            let (id, cmp) = rest.rsplit_once(':')?;
            let comparison = match cmp {
                ">=" => Comparison::AtLeast,
                "<=" => Comparison::AtMost,
                _ => return None,
            };
            (!id.trim().is_empty()).then(|| {
                (
                    TargetKind::Indicator {
                        indicator: id.trim().to_owned(),
                        comparison,
                    },
                    CountBy::StandardYear,
                )
            })
        }
        "goal" => Level::parse(rest)
            .filter(|l| *l != Level::None)
            .map(|l| (TargetKind::Goal(l), CountBy::StandardYear)),
        _ => None,
    }
}

/// The name of indicator `id` in the commune set of `year` (indicator ids are a set's:
/// 2021-2025 and 2026-2030 number them differently), or in any set that has it.
pub fn indicator_name(ws: &Workspace, id: &str, year: i32) -> Option<String> {
    let of_year = ws
        .catalogue
        .default_set(UnitType::Commune, year, Level::Standard)
        .ok()
        .and_then(|s| s.indicator(id));
    of_year
        .or_else(|| ws.catalogue.sets().find_map(|s| s.indicator(id)))
        .map(|i| i.name.clone())
}

/// The words of a target for its row: "Số xã đạt nông thôn mới nâng cao".
pub fn kind_label(kind: &TargetKind, ws: Option<(&Workspace, i32)>) -> String {
    match kind {
        TargetKind::Count(c) => c.label_vi(),
        TargetKind::Indicator {
            indicator,
            comparison,
        } => {
            let name = ws
                .and_then(|(w, y)| indicator_name(w, indicator, y))
                .unwrap_or_default();
            format!(
                "Chỉ tiêu {indicator}{}{} (bình quân các xã, {} chỉ tiêu)",
                if name.is_empty() { "" } else { " — " },
                name,
                comparison.sign()
            )
        }
        TargetKind::Goal(l) => format!("Mục tiêu cuối kỳ: đơn vị {}", goal_words(*l)),
    }
}

/// "đạt chuẩn nông thôn mới", "đạt nông thôn mới nâng cao", "đạt nông thôn mới kiểu mẫu".
pub fn goal_words(l: Level) -> &'static str {
    match l {
        Level::Advanced => "đạt nông thôn mới nâng cao",
        Level::Model => "đạt nông thôn mới kiểu mẫu",
        _ => "đạt chuẩn nông thôn mới",
    }
}

fn dec(text: &str) -> Option<Decimal> {
    text.trim().replace(',', ".").parse::<Decimal>().ok()
}

fn bad_record(what: &str) -> AppError {
    AppError::Invalid(vec![format!("kế hoạch lưu trữ không đọc được: {what}")])
}

/// The period, specs and shares of a stored plan.
pub fn specs_of(plan: &TargetPlanRecord) -> AppResult<(Period, Vec<TargetSpec>)> {
    let period = Period::parse(&plan.period).ok_or_else(|| bad_record(&plan.period))?;
    let specs = plan
        .targets
        .iter()
        .map(|t| {
            let (kind, count_by) = parse_kind(&t.kind).ok_or_else(|| bad_record(&t.kind))?;
            let amount = dec(&t.amount).ok_or_else(|| bad_record(&t.amount))?;
            Ok(TargetSpec {
                target: Target { kind, amount },
                count_by,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((period, specs))
}

/// Checks a plan before it is stored, every problem told by its place ("Chỉ tiêu 2 —
/// phân bổ 3: …"): the scope exists in the period, the document is named, each target's
/// kind and amount read, an indicator is one the catalogue knows, each share goes to a unit
/// below the scope, once, with a non-negative amount. A share of a target that does not
/// add up (an average) is refused; shares that do not sum to their target are allowed and
/// shown as such (a plan is split in stages).
pub fn validate(plan: &TargetPlanRecord, ws: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    let period = Period::parse(&plan.period);
    if period.is_none() {
        problems.push(format!(
            "Kỳ kế hoạch “{}” không hợp lệ: ghi một năm (2026) hoặc một giai đoạn (2026-2030)",
            plan.period
        ));
    }
    if plan.title.trim().is_empty() {
        problems.push("Tên kế hoạch: chưa ghi".into());
    }
    if plan.doc_number.trim().is_empty() || plan.doc_body.trim().is_empty() {
        problems.push(
            "Văn bản giao chỉ tiêu: ghi số văn bản và cơ quan ban hành (ví dụ: 70/TB-UBND, UBND tỉnh)"
                .into(),
        );
    }
    let registry = &ws.registry;
    let year = period.map_or(0, Period::first);
    match (registry.get(&plan.scope_id), period) {
        (None, _) => problems.push(format!("Phạm vi: không có đơn vị {}", plan.scope_id)),
        (Some(u), Some(p)) if (p.first()..=p.last()).all(|y| u.version_in_year(y).is_none()) => {
            problems.push(format!(
                "Phạm vi: {} không tồn tại trong {}",
                u.latest().name,
                p.label_vi()
            ))
        }
        _ => {}
    }
    for (k, t) in plan.targets.iter().enumerate() {
        let at = format!("Chỉ tiêu {}", k + 1);
        let Some((kind, _)) = parse_kind(&t.kind) else {
            problems.push(format!("{at}: loại chỉ tiêu “{}” không hợp lệ", t.kind));
            continue;
        };
        match dec(&t.amount) {
            None => problems.push(format!(
                "{at}: mức chỉ tiêu “{}” không phải là số",
                t.amount
            )),
            Some(a) if a < Decimal::ZERO => {
                problems.push(format!("{at}: mức chỉ tiêu không thể âm"))
            }
            Some(a) if kind.is_additive() && a.fract() != Decimal::ZERO => {
                problems.push(format!("{at}: chỉ tiêu số lượng phải là số nguyên"))
            }
            Some(_) => {}
        }
        if let (TargetKind::Indicator { indicator, .. }, Some(p)) = (&kind, period) {
            let known = (p.first()..=p.last()).any(|y| {
                ws.catalogue
                    .default_set(UnitType::Commune, y, Level::Standard)
                    .is_ok_and(|s| s.indicator(indicator).is_some())
            });
            if !known {
                problems.push(format!(
                    "{at}: bộ tiêu chí xã của {} không có chỉ tiêu {indicator}",
                    p.label_vi()
                ));
            }
        }
        if !t.shares.is_empty() && !kind.is_additive() {
            problems.push(format!(
                "{at}: chỉ tiêu này không cộng được (bình quân, tỷ lệ, mục tiêu) nên không phân bổ xuống đơn vị cấp dưới"
            ));
        }
        if kind.is_additive()
            && let Some(amount) = dec(&t.amount)
            && let Some(SplitCheck::Over(over)) = Some(target::check_split(
                amount,
                &t.shares
                    .iter()
                    .filter_map(|s| dec(&s.amount))
                    .collect::<Vec<_>>(),
            ))
        {
            problems.push(format!(
                "{at}: tổng phân bổ vượt chỉ tiêu {}",
                ntm_core::text::vi_number(over)
            ));
        }
        let share_levels: &[UnitLevel] = match kind {
            TargetKind::Count(Counted::Districts(_)) => &[UnitLevel::District],
            _ => &[UnitLevel::District, UnitLevel::Commune],
        };
        let mut seen = BTreeSet::new();
        for (j, s) in t.shares.iter().enumerate() {
            let at = format!("{at} — phân bổ {}", j + 1);
            if !seen.insert(s.unit_id.clone()) {
                problems.push(format!("{at}: {} đã được phân bổ", s.unit_id));
            }
            if registry
                .get(&s.unit_id)
                .is_some_and(|u| !share_levels.contains(&u.level))
            {
                problems.push(format!(
                    "{at}: {} không góp được vào chỉ tiêu này (chỉ tiêu số huyện chỉ phân bổ cho huyện)",
                    unit_name(registry, &s.unit_id, year)
                ));
            }
            if s.unit_id == plan.scope_id
                || !access::in_subtree(registry, &plan.scope_id, &s.unit_id, year)
            {
                problems.push(format!(
                    "{at}: {} không phải đơn vị cấp dưới của phạm vi kế hoạch trong năm {year}",
                    unit_name(registry, &s.unit_id, year)
                ));
            }
            match dec(&s.amount) {
                Some(a) if a >= Decimal::ZERO && a.fract() == Decimal::ZERO => {}
                _ => problems.push(format!(
                    "{at}: mức phân bổ “{}” phải là số nguyên không âm",
                    s.amount
                )),
            }
        }
    }
    problems
}

/// The plan as stored: its period as `Period` prints it ("2025" for "2025-2025").
fn normalised(plan: &TargetPlanRecord) -> TargetPlanRecord {
    let mut p = plan.clone();
    if let Some(period) = Period::parse(&p.period) {
        p.period = period.to_string();
    }
    p
}

fn may_manage(registry: &UnitRegistry, actor: &Actor, plan: &TargetPlanRecord) -> AppResult<()> {
    let year = Period::parse(&plan.period).map_or(0, Period::first);
    if access::can(
        registry,
        &actor.grants,
        Action::ManagePlans,
        &plan.scope_id,
        year,
    ) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "bạn không lập hoặc sửa kế hoạch cho phạm vi này".into(),
        ))
    }
}

/// Stores a new plan after [`validate`]; the province's office, or a district's officer
/// for its district before the reform.
pub async fn create(
    store: &dyn Store,
    ws: &Workspace,
    actor: &Actor,
    plan: &TargetPlanRecord,
    audit: &AuditContext,
) -> AppResult<i64> {
    may_manage(&ws.registry, actor, plan)?;
    create_as_operator(store, ws, plan, audit).await
}

/// [`create`] by the operator who holds the database (the demo).
pub async fn create_as_operator(
    store: &dyn Store,
    ws: &Workspace,
    plan: &TargetPlanRecord,
    audit: &AuditContext,
) -> AppResult<i64> {
    let problems = validate(plan, ws);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store.create_plan(&normalised(plan), audit).await?)
}

/// Saves `plan` over the stored one of its id, if nobody saved meanwhile (its version);
/// the actor must manage both the stored scope and the new one.
pub async fn save(
    store: &dyn Store,
    ws: &Workspace,
    actor: &Actor,
    plan: &TargetPlanRecord,
    audit: &AuditContext,
) -> AppResult<()> {
    let stored = store
        .get_plan(plan.id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có kế hoạch {}", plan.id)))?;
    may_manage(&ws.registry, actor, &stored)?;
    may_manage(&ws.registry, actor, plan)?;
    let problems = validate(plan, ws);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store.save_plan(&normalised(plan), audit).await?)
}

/// Deletes a plan, if nobody saved it meanwhile.
pub async fn delete(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    (id, version): (i64, i32),
    audit: &AuditContext,
) -> AppResult<()> {
    let stored = store
        .get_plan(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có kế hoạch {id}")))?;
    may_manage(registry, actor, &stored)?;
    Ok(store.delete_plan(id, version, audit).await?)
}

/// The plans the actor may see: those whose scope the actor may view.
pub async fn visible_plans(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
) -> AppResult<Vec<TargetPlanRecord>> {
    Ok(store
        .list_plans()
        .await?
        .into_iter()
        .filter(|p| {
            let year = Period::parse(&p.period).map_or(0, Period::last);
            access::can(registry, &actor.grants, Action::View, &p.scope_id, year)
        })
        .collect())
}

/// A unit a count is about, as listed under its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted1 {
    pub unit: UnitId,
    pub name: String,
    /// "QĐ 1337/QĐ-UBND ngày 01/07/2022", or the stage of a dossier under way.
    pub how: String,
    pub dossier: i64,
    /// For a model residential area: the village (its page, not a dossier's).
    pub village: Option<i64>,
    /// A dossier under way that has reached verification (trình thẩm tra) or beyond: what
    /// the status rule counts; one only registered is listed but not counted.
    pub considered: bool,
}

/// Where one share of a target stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLine {
    pub unit: UnitId,
    pub name: String,
    pub amount: Decimal,
    pub actual: Option<Decimal>,
    pub status: Status,
}

/// Where one target stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetLine {
    pub kind: String,
    pub label: String,
    pub amount: Decimal,
    pub progress: Progress,
    pub status: Status,
    /// Communes at the level by the evaluation of the latest year with values, for a count
    /// of communes ("đủ điều kiện theo đánh giá"): a number beside the decisions, never
    /// counted as recognised.
    pub eligible: Option<(usize, i32)>,
    /// What the actual rests on, in words: the rule, the year read, why none.
    pub basis: String,
    pub recognised: Vec<Counted1>,
    pub under_way: Vec<Counted1>,
    pub shares: Vec<ShareLine>,
    pub split: Option<SplitCheck>,
    pub note: String,
}

/// A plan with its targets' progress on a day.
#[derive(Debug, Clone)]
pub struct PlanProgress {
    pub plan: TargetPlanRecord,
    pub period: Period,
    pub scope_name: String,
    pub on: NaiveDate,
    pub lines: Vec<TargetLine>,
}

fn unit_name(registry: &UnitRegistry, unit: &UnitId, year: i32) -> String {
    registry.get(unit).map_or(unit.to_string(), |u| {
        u.version_in_year(year)
            .map_or(u.latest().name.clone(), |v| v.name.clone())
    })
}

/// The counts of recognised and under-way titles of `counted` inside `scope` over
/// `period`, as they stood at the end of `on`.
fn count_titles(
    registry: &UnitRegistry,
    dossiers: &[(i64, UnitId, Dossier)],
    scope: &UnitId,
    counted: Counted,
    (period, by): (Period, CountBy),
    on: NaiveDate,
) -> (Vec<Counted1>, Vec<Counted1>) {
    let (want_level, level) = match counted {
        Counted::Communes(l) => (UnitLevel::Commune, l),
        Counted::Districts(l) => (UnitLevel::District, l),
        _ => return (vec![], vec![]),
    };
    let mut recognised: Vec<Counted1> = Vec::new();
    let mut under_way: Vec<Counted1> = Vec::new();
    for (id, unit, full) in dossiers {
        if full.level != level
            || registry.get(unit).map(|u| u.level) != Some(want_level)
            || !access::in_subtree(registry, scope, unit, full.year)
        {
            continue;
        }
        let d = full.as_of(on);
        if d.history.is_empty() || d.is_withdrawn() {
            continue;
        }
        let name = unit_name(registry, unit, full.year);
        if d.is_recognised() {
            let Some(decision) = &d.decision else {
                continue;
            };
            // A unit counts once, however many of its titles fall in the period.
            if target::counts_in(period, by, d.year, decision.signed_on)
                && !recognised.iter().any(|c| &c.unit == unit)
            {
                recognised.push(Counted1 {
                    unit: unit.clone(),
                    name,
                    how: decision.describe_vi(d.year),
                    dossier: *id,
                    village: None,
                    considered: true,
                });
            }
        } else {
            // A Prime Minister's decision counted by its signing year may come years after
            // the standard year: any earlier dossier still undecided may land in the period.
            let may_land = match by {
                CountBy::StandardYear => period.contains(d.year),
                CountBy::DecisionYear => d.year <= period.last(),
            };
            if may_land {
                under_way.push(Counted1 {
                    unit: unit.clone(),
                    name,
                    how: format!("đang ở bước {}", d.stage().label_vi()),
                    dossier: *id,
                    village: None,
                    considered: d.stage() >= ntm_core::recognition::Step::Submitted,
                });
            }
        }
    }
    under_way.retain(|u| !recognised.iter().any(|r| r.unit == u.unit));
    under_way.dedup_by(|a, b| a.unit == b.unit);
    (recognised, under_way)
}

/// The mean of an indicator's values over the xã of `scope` in `year`, and how many
/// communes it averages.
fn indicator_mean(
    ws: &Workspace,
    scope: &UnitId,
    indicator: &str,
    year: i32,
) -> Option<(Decimal, usize)> {
    let units = ws
        .registry
        .subtree_on(scope, NaiveDate::from_ymd_opt(year, 12, 31)?);
    let values: Vec<Decimal> = units
        .iter()
        .filter(|v| v.unit_type() == UnitType::Commune)
        .filter_map(|v| {
            match ws
                .values
                .get(&(v.id().clone(), year))?
                .get(indicator)?
                .value
            {
                Value::Number(n) => Some(n),
                Value::Pass(_) => None,
            }
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    let mean = values.iter().copied().sum::<Decimal>() / Decimal::from(n);
    Some((mean.round_dp(2), n))
}

fn eligible_communes(ws: &Workspace, scope: &UnitId, level: Level, year: i32) -> Option<usize> {
    let outcomes = ws.commune_outcomes(year, Some(scope)).ok()?;
    if outcomes.is_empty() {
        return None;
    }
    Some(outcomes.iter().filter(|o| o.level >= level).count())
}

/// The latest year of `period` up to `on`'s year that has values in the workspace.
fn latest_year(ws: &Workspace, period: Period, on: NaiveDate) -> Option<i32> {
    let last = period.last().min(on.year());
    (period.first()..=last)
        .rev()
        .find(|y| ws.values.keys().any(|(_, vy)| vy == y))
}

/// What [`Reading::line`] found: the progress, the communes eligible by evaluation (and
/// the year), the words of its basis, the titles counted and the dossiers under way.
type Found = (
    Progress,
    Option<(usize, i32)>,
    String,
    Vec<Counted1>,
    Vec<Counted1>,
);

struct Reading<'a> {
    ws: &'a Workspace,
    dossiers: &'a [(i64, UnitId, Dossier)],
    villages: &'a ntm_store::villages::VillageBook,
    ocop: &'a ntm_store::ocop::OcopBook,
    period: Period,
    on: NaiveDate,
}

impl Reading<'_> {
    /// Villages recognised as model residential areas in the scope, judged only when every
    /// commune of the scope has its villages registered (see `village::COUNT_RULE`).
    fn model_areas(&self, scope: &UnitId, by: CountBy) -> Found {
        use ntm_core::village;
        let registry = &self.ws.registry;
        let counted = village::counted_model_areas(
            registry,
            &self.villages.villages,
            &self.villages.titles,
            (self.period, by),
            self.on,
            |commune, year| access::in_subtree(registry, scope, commune, year),
        );
        let end =
            NaiveDate::from_ymd_opt(self.period.last(), 12, 31).map_or(self.on, |e| e.min(self.on));
        let communes: Vec<UnitId> = registry
            .subtree_on(scope, end)
            .iter()
            .filter(|v| registry.get(v.id()).map(|u| u.level) == Some(UnitLevel::Commune))
            .map(|v| v.id().clone())
            .collect();
        let (covered, all) = village::coverage(&self.villages.villages, &communes, registry, end);
        let recognised: Vec<Counted1> = counted
            .iter()
            .map(|(v, t)| Counted1 {
                unit: v.commune.clone(),
                name: format!(
                    "{} {} ({})",
                    v.kind.label_vi(),
                    v.name,
                    unit_name(registry, &v.commune, v.from.year())
                ),
                how: t.describe_vi(),
                dossier: 0,
                village: Some(v.id),
                considered: true,
            })
            .collect();
        let mut basis = format!(
            "Theo quyết định công nhận khu dân cư kiểu mẫu đã ghi trong sổ thôn, {}. {}",
            by.rule_vi(),
            village::COUNT_RULE
        );
        let complete = all > 0 && covered == all;
        if !complete {
            basis = format!(
                "Sổ thôn mới có thôn của {covered}/{all} xã trong phạm vi, nên chưa đánh giá được chỉ tiêu; \
                 trong các xã đã có sổ: {} khu dân cư kiểu mẫu. {basis}",
                recognised.len()
            );
        }
        (
            Progress {
                actual: complete.then(|| Decimal::from(recognised.len())),
                under_way: Decimal::ZERO,
                expected: None,
            },
            None,
            basis,
            recognised,
            vec![],
        )
    }

    /// OCOP products certified in the period (see `ocop::TARGET_RULE`); with no OCOP
    /// decision in ntm at all, no data rather than a zero.
    fn ocop_products(&self, scope: &UnitId, min_stars: u8, by: CountBy) -> Found {
        let registry = &self.ws.registry;
        if self.ocop.certificates.is_empty() {
            return (
                Progress::default(),
                None,
                "Chưa có số liệu OCOP: chưa có quyết định công nhận sản phẩm OCOP nào trong ntm."
                    .into(),
                vec![],
                vec![],
            );
        }
        let counted = crate::ocop::counted(
            self.ocop,
            registry,
            scope,
            (self.period, by, self.on),
            min_stars,
        );
        let recognised: Vec<Counted1> = counted
            .iter()
            .filter_map(|(p, c)| {
                let producer = self.ocop.producer(p.producer)?;
                let unit = crate::ocop::unit_now(registry, producer, c.decision_date);
                Some(Counted1 {
                    name: format!(
                        "{} — {} ({})",
                        p.name,
                        producer.name,
                        crate::ocop::unit_name(registry, &unit, c.decision_date)
                    ),
                    unit,
                    how: format!(
                        "{} sao, QĐ {} ngày {}, {}",
                        c.stars,
                        c.decision_number,
                        c.decision_date.format("%d/%m/%Y"),
                        ntm_core::ocop::reevaluation(c, &self.ocop.certificates).label_vi()
                    ),
                    dossier: 0,
                    village: None,
                    considered: true,
                })
            })
            .collect();
        let by_rule = match by {
            CountBy::StandardYear => "tính theo năm của đợt đánh giá",
            CountBy::DecisionYear => "tính theo năm ký quyết định công nhận",
        };
        (
            Progress {
                actual: Some(Decimal::from(recognised.len())),
                under_way: Decimal::ZERO,
                expected: None,
            },
            None,
            format!(
                "Theo quyết định công nhận OCOP đã ghi trong ntm, {by_rule}. {}",
                crate::ocop::TARGET_RULE
            ),
            recognised,
            vec![],
        )
    }

    /// The progress of `spec` inside `scope`, with the lists and words behind it.
    fn line(&self, scope: &UnitId, spec: &TargetSpec) -> Found {
        let registry = &self.ws.registry;
        match &spec.target.kind {
            TargetKind::Count(c @ (Counted::Communes(_) | Counted::Districts(_))) => {
                let (recognised, under_way) = count_titles(
                    registry,
                    self.dossiers,
                    scope,
                    *c,
                    (self.period, spec.count_by),
                    self.on,
                );
                let eligible = match c {
                    Counted::Communes(level) => latest_year(self.ws, self.period, self.on)
                        .and_then(|y| eligible_communes(self.ws, scope, *level, y).map(|n| (n, y))),
                    _ => None,
                };
                (
                    Progress {
                        actual: Some(Decimal::from(recognised.len())),
                        under_way: Decimal::from(under_way.iter().filter(|u| u.considered).count()),
                        expected: None,
                    },
                    eligible,
                    format!(
                        "Theo quyết định công nhận đã ghi trong ntm, {}.",
                        spec.count_by.rule_vi()
                    ),
                    recognised,
                    under_way,
                )
            }
            TargetKind::Count(Counted::ModelAreas) => self.model_areas(scope, spec.count_by),
            TargetKind::Count(Counted::OcopProducts { min_stars }) => {
                self.ocop_products(scope, *min_stars, spec.count_by)
            }
            TargetKind::Indicator { indicator, .. } => {
                let Some(year) = latest_year(self.ws, self.period, self.on) else {
                    return (
                        Progress::default(),
                        None,
                        format!(
                            "Chưa có số liệu đã duyệt của {} trong kỳ.",
                            self.period.label_vi()
                        ),
                        vec![],
                        vec![],
                    );
                };
                let Some((mean, n)) = indicator_mean(self.ws, scope, indicator, year) else {
                    return (
                        Progress::default(),
                        None,
                        format!("Chưa có số liệu đã duyệt của chỉ tiêu {indicator} năm {year}."),
                        vec![],
                        vec![],
                    );
                };
                let baseline = indicator_mean(self.ws, scope, indicator, self.period.first() - 1);
                let expected = baseline.and_then(|(b, _)| {
                    target::path_value(b, spec.target.amount, self.period, year)
                });
                let mut basis = format!(
                    "Bình quân cộng (không gia quyền) của {n} xã có số liệu đã duyệt năm {year}."
                );
                if let (Some((b, _)), Some(e)) = (baseline, expected) {
                    basis.push_str(&format!(
                        " Năm {} (trước kỳ): {}; lộ trình năm {year}: {}.",
                        self.period.first() - 1,
                        ntm_core::text::vi_number(b),
                        ntm_core::text::vi_number(e.round_dp(2))
                    ));
                }
                (
                    Progress {
                        actual: Some(mean),
                        under_way: Decimal::ZERO,
                        expected,
                    },
                    None,
                    basis,
                    vec![],
                    vec![],
                )
            }
            TargetKind::Goal(level) => {
                let own: Vec<&(i64, UnitId, Dossier)> = self
                    .dossiers
                    .iter()
                    .filter(|(_, u, d)| u == scope && d.level == *level)
                    .collect();
                let mut recognised = Vec::new();
                let mut under_way = Vec::new();
                for (id, unit, full) in own {
                    let d = full.as_of(self.on);
                    if d.history.is_empty() || d.is_withdrawn() {
                        continue;
                    }
                    let name = unit_name(registry, unit, full.year);
                    match &d.decision {
                        Some(dec) if d.is_recognised() && d.year <= self.period.last() => {
                            recognised.push(Counted1 {
                                unit: unit.clone(),
                                name,
                                how: dec.describe_vi(d.year),
                                dossier: *id,
                                village: None,
                                considered: true,
                            })
                        }
                        _ if !d.is_recognised() => under_way.push(Counted1 {
                            unit: unit.clone(),
                            name,
                            how: format!("đang ở bước {}", d.stage().label_vi()),
                            dossier: *id,
                            village: None,
                            considered: d.stage() >= ntm_core::recognition::Step::Submitted,
                        }),
                        _ => {}
                    }
                }
                let communes = latest_year(self.ws, self.period, self.on)
                    .and_then(|y| eligible_communes(self.ws, scope, *level, y).map(|n| (n, y)));
                let all = communes.and_then(|(_, y)| {
                    self.ws
                        .commune_outcomes(y, Some(scope))
                        .ok()
                        .map(|o| o.len())
                });
                let mut basis = "Theo hồ sơ công nhận của chính đơn vị (cấp tỉnh, huyện: quyết định của Thủ tướng).".to_owned();
                if let (Some((n, y)), Some(all)) = (communes, all) {
                    basis.push_str(&format!(
                        " Theo đánh giá năm {y}: {n}/{all} xã có số liệu đủ điều kiện mức {}.",
                        level.label_vi()
                    ));
                }
                (
                    Progress {
                        actual: Some(Decimal::from(u8::from(!recognised.is_empty()))),
                        under_way: Decimal::from(under_way.iter().filter(|u| u.considered).count()),
                        expected: None,
                    },
                    None,
                    basis,
                    recognised,
                    under_way,
                )
            }
        }
    }
}

/// Where every target of `plan` stands at the end of `on` (a past day shows the plan as
/// it stood then: 31/12/2021 shows Hương Sơn appraised, not yet recognised).
pub async fn progress(
    store: &dyn Store,
    ws: &Workspace,
    plan: &TargetPlanRecord,
    on: NaiveDate,
) -> AppResult<PlanProgress> {
    let (period, specs) = specs_of(plan)?;
    let records = store.list_dossiers(&DossierFilter::default()).await?;
    let dossiers: Vec<(i64, UnitId, Dossier)> = records
        .iter()
        .map(|r| Ok((r.id, r.unit_id.clone(), crate::recognition::dossier_of(r)?)))
        .collect::<AppResult<_>>()?;
    let villages = store.village_book().await?;
    let ocop = store.ocop_book().await?;
    let reading = Reading {
        ws,
        dossiers: &dossiers,
        villages: &villages,
        ocop: &ocop,
        period,
        on,
    };
    let mut lines = Vec::new();
    for (spec, stored) in specs.iter().zip(&plan.targets) {
        let (progress, eligible, basis, recognised, under_way) = reading.line(&plan.scope_id, spec);
        let status = target::judge(&spec.target, period, &progress, on);
        let shares: Vec<ShareLine> = stored
            .shares
            .iter()
            .map(|s| {
                let amount = dec(&s.amount).unwrap_or_default();
                let share_spec = TargetSpec {
                    target: Target {
                        kind: spec.target.kind.clone(),
                        amount,
                    },
                    count_by: spec.count_by,
                };
                let (p, ..) = reading.line(&s.unit_id, &share_spec);
                ShareLine {
                    unit: s.unit_id.clone(),
                    name: unit_name(&ws.registry, &s.unit_id, period.first()),
                    amount,
                    actual: p.actual,
                    status: target::judge(&share_spec.target, period, &p, on),
                }
            })
            .collect();
        let split = (!shares.is_empty()).then(|| {
            target::check_split(
                spec.target.amount,
                &shares.iter().map(|s| s.amount).collect::<Vec<_>>(),
            )
        });
        lines.push(TargetLine {
            kind: stored.kind.clone(),
            label: kind_label(&spec.target.kind, Some((ws, period.last()))),
            amount: spec.target.amount,
            progress,
            status,
            eligible,
            basis,
            recognised,
            under_way,
            shares,
            split,
            note: stored.note.clone(),
        });
    }
    Ok(PlanProgress {
        scope_name: unit_name(&ws.registry, &plan.scope_id, period.first()),
        plan: plan.clone(),
        period,
        on,
        lines,
    })
}

/// A share of a target, as the split form sends it.
pub fn share(unit: &UnitId, amount: Decimal) -> ShareRecord {
    ShareRecord {
        unit_id: unit.clone(),
        amount: amount.normalize().to_string(),
    }
}

/// A target as stored, from its parts.
pub fn target_record(kind: &TargetKind, by: CountBy, amount: Decimal, note: &str) -> TargetRecord {
    TargetRecord {
        kind: kind_text(kind, by),
        amount: amount.normalize().to_string(),
        note: note.trim().to_owned(),
        shares: vec![],
    }
}

/// A commune that could count toward a target of communes at a level.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub unit: UnitId,
    pub name: String,
    /// Its level by the evaluation of the year read.
    pub level: Level,
    /// The criteria it lacks for the target's level (the lower levels' included).
    pub lacking: Vec<crate::reports::Lack>,
    /// Its dossier at the target's level in the period, if one is open: (id, stage).
    pub dossier: Option<(i64, ntm_core::recognition::Step)>,
}

/// The candidates of one target: its level, the year whose evaluation ranks them, and the
/// rows, closest first.
#[derive(Debug, Clone)]
pub struct Candidates {
    pub level: Level,
    pub year: i32,
    pub rows: Vec<CandidateRow>,
}

/// How the candidates are ranked, as the page states it.
pub const CANDIDATES_RULE: &str = "Các xã trong phạm vi chưa có quyết định công nhận ở mức này, xếp theo số tiêu chí còn thiếu (ít trước; tính cả các tiêu chí của mức thấp hơn), theo đánh giá số liệu đã duyệt của năm gần nhất trong kỳ; cùng số tiêu chí thì theo tên.";

/// The communes of `plan`'s scope ranked by how close they are to the level of its target
/// number `k` (a count of communes), with what each lacks and its dossier under way; `None`
/// when that target does not count communes.
pub async fn candidates(
    store: &dyn Store,
    ws: &Workspace,
    plan: &TargetPlanRecord,
    k: usize,
    on: NaiveDate,
) -> AppResult<Option<Candidates>> {
    let (period, specs) = specs_of(plan)?;
    let Some(TargetKind::Count(Counted::Communes(level))) = specs.get(k).map(|s| &s.target.kind)
    else {
        return Ok(None);
    };
    let level = *level;
    let Some(year) = latest_year(ws, period, on) else {
        return Ok(Some(Candidates {
            level,
            year: period.last(),
            rows: vec![],
        }));
    };
    let records = store.list_dossiers(&DossierFilter::default()).await?;
    let mut recognised = BTreeSet::new();
    let mut open = std::collections::BTreeMap::new();
    for r in &records {
        let d = crate::recognition::dossier_of(r)?.as_of(on);
        if d.history.is_empty() || d.is_withdrawn() {
            continue;
        }
        if d.is_recognised() && d.level >= level {
            recognised.insert(r.unit_id.clone());
        } else if !d.is_recognised() && d.level == level && period.contains(d.year) {
            open.insert(r.unit_id.clone(), (r.id, d.stage()));
        }
    }
    let mut rows = Vec::new();
    for v in ws.communes(year, Some(&plan.scope_id)) {
        if recognised.contains(v.id()) {
            continue;
        }
        let e = ws.evaluate(v.id(), year, None)?;
        let lacking: Vec<crate::reports::Lack> = e
            .ladder
            .steps
            .iter()
            .filter(|s| s.set.header.level <= level)
            .flat_map(crate::reports::lacking_in)
            .collect();
        rows.push(CandidateRow {
            unit: v.id().clone(),
            name: v.name().to_owned(),
            level: e.ladder.level,
            lacking,
            dossier: open.get(v.id()).copied(),
        });
    }
    rows.sort_by(|a, b| {
        a.lacking.len().cmp(&b.lacking.len()).then_with(|| {
            ntm_core::text::search_key(&a.name).cmp(&ntm_core::text::search_key(&b.name))
        })
    });
    Ok(Some(Candidates { level, year, rows }))
}

/// Puts the picked communes on the year's list ("đăng ký phấn đấu") for target `k` of
/// `plan`, read at `version`: a dossier at the target's level for `year`, registered on
/// `on` by the actor's tier, for each that has none; all or none. Only who manages the
/// plan, only communes among the target's candidates (in its scope, not yet recognised),
/// and only while the plan is as the reader saw it. Returns how many were opened.
pub async fn register_candidates(
    store: &dyn Store,
    ws: &Workspace,
    actor: &Actor,
    (plan_id, version, k): (i64, i32, usize),
    units: &[UnitId],
    (year, on): (i32, NaiveDate),
    audit: &AuditContext,
) -> AppResult<usize> {
    let plan = store
        .get_plan(plan_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có kế hoạch {plan_id}")))?;
    may_manage(&ws.registry, actor, &plan)?;
    if plan.version != version {
        return Err(AppError::Conflict(
            "kế hoạch đã được người khác lưu sau khi bạn mở; hãy mở lại danh sách".into(),
        ));
    }
    let (period, _) = specs_of(&plan)?;
    if !period.contains(year) {
        return Err(AppError::Invalid(vec![format!(
            "năm đạt chuẩn {year} không thuộc {}",
            period.label_vi()
        )]));
    }
    let Some(c) = candidates(store, ws, &plan, k, on).await? else {
        return Err(AppError::Invalid(vec!["chỉ tiêu này không đếm xã".into()]));
    };
    let mut problems = Vec::new();
    let mut records = Vec::new();
    for unit in units {
        match c.rows.iter().find(|r| &r.unit == unit) {
            None => problems.push(format!(
                "{} không nằm trong danh sách xã phấn đấu của chỉ tiêu này",
                unit_name(&ws.registry, unit, year)
            )),
            Some(r) if r.dossier.is_some() => {}
            Some(_)
                if records
                    .iter()
                    .any(|x: &ntm_store::DossierRecord| &x.unit_id == unit) => {}
            Some(_) => records.push(crate::recognition::registration(
                &ws.registry,
                actor,
                (unit, c.level, year),
                on,
                audit,
            )?),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    store.create_dossiers(&records, audit).await?;
    Ok(records.len())
}
