//! The commune scorecard: what the unit lacks first (its unmet and unknown criteria, each
//! with the gap in words and a link to its section), then every criterion with its
//! status, every indicator with value, threshold, gap and note; unconfigured thresholds
//! marked; the legal sources as numbered notes at the end (a source is cited by many
//! rows, and a URL in a cell widens the table past a phone and a printed page); the
//! history of the unit across years, following it through the merge mapping.
//!
//! The gap texts ([`lacking`], [`gap_line`]) are also the commune home's.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ntm_core::access::{Action, can};
use ntm_core::criteria::{Comparison, SetId};
use ntm_core::evaluation::{CriterionStatus, IndicatorStatus};
use ntm_core::{UnitId, Value};
use serde::Deserialize;

use super::{Chrome, render, require, unit_id};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::{criterion_class, indicator_class, number, value};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ScoreQuery {
    pub year: Option<i32>,
    pub set: Option<String>,
}

pub struct IndicatorRow {
    pub id: String,
    pub name: String,
    pub value: String,
    pub threshold: String,
    /// The number of its source among the page's notes ([`Source`]), if it has one.
    pub source: Option<usize>,
    /// How sure ntm is of the threshold (a property of the threshold, not its source).
    pub confidence: &'static str,
    pub illustrative: bool,
    pub status: &'static str,
    pub class: &'static str,
    pub gap: String,
    pub note: String,
    pub evidence: String,
    pub audit_link: String,
}

pub struct CriterionRow {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub class: &'static str,
    pub met: bool,
    pub indicators: Vec<IndicatorRow>,
}

/// A criterion the unit has not met (or cannot be judged on), with what falls short in
/// words: the head of the scorecard and the body of the commune home.
pub struct Lacking {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub class: &'static str,
    /// One line per indicator that is not met ([`gap_line`]).
    pub lines: Vec<String>,
}

/// The next level not reached, the set that defines it and the criteria it still lacks
/// (each linked to its section on that set's scorecard).
pub struct NextLevel {
    pub level: &'static str,
    pub set: String,
    pub criteria: Vec<String>,
}

/// A legal source cited by the page, numbered in order of first citation.
pub struct Source {
    pub number: usize,
    pub text: String,
    pub is_link: bool,
}

pub struct HistoryRow {
    pub year: i32,
    pub unit_id: String,
    pub unit_name: String,
    pub level: &'static str,
    pub met: String,
    pub current: bool,
}

pub struct SetChoice {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct ScorecardPage {
    chrome: Option<Chrome>,
    basis_bar: super::BasisBar,
    can_enter: bool,
    card: std::sync::Arc<Card>,
}

// The template reads the card's fields as the page's own.
impl std::ops::Deref for ScorecardPage {
    type Target = Card;
    fn deref(&self) -> &Card {
        &self.card
    }
}

/// What the scorecard shows of the stored data: the same for every viewer of one scope
/// until a write, so kept per data version ([`super::scoped_with`]).
struct Card {
    /// Said when the unit-year's values are not approved.
    pending: Option<String>,
    unit_id: String,
    name: String,
    year: i32,
    set_id: String,
    set_title: String,
    sets: Vec<SetChoice>,
    illustrative: bool,
    level: &'static str,
    met: usize,
    total: usize,
    unmet: usize,
    unknown: usize,
    next: Option<NextLevel>,
    /// Why no gap to the next level is told: no value of the year on this basis, or a set
    /// that cannot judge yet (never "the commune lacks criteria 1…10").
    no_gap: String,
    /// What the set lacks, when it is incomplete.
    set_gaps: String,
    workflow: String,
    lacking: Vec<Lacking>,
    /// The sections of the unmet and unknown criteria, in the set's order.
    open_criteria: Vec<CriterionRow>,
    met_criteria: Vec<CriterionRow>,
    sources: Vec<Source>,
    history: Vec<HistoryRow>,
    evidence: Vec<super::evidence::EvidenceRow>,
}

pub(crate) fn threshold_text(
    cmp: Comparison,
    t: Option<&ntm_core::evaluation::AppliedThreshold>,
    unit: Option<&str>,
) -> String {
    let sign = match cmp {
        Comparison::AtLeast => "≥",
        Comparison::AtMost => "≤",
        Comparison::Equal => "=",
        Comparison::Pass => "",
    };
    match t {
        None => "chưa cấu hình ngưỡng".into(),
        Some(t) => match t.value {
            None => "đạt".into(),
            Some(v) => {
                let mut s = format!("{sign} {}", value(&Value::Number(v), unit));
                if let Some(d) = &t.derivation {
                    s.push_str(&format!(" ({d})"));
                }
                s
            }
        },
    }
}

/// What the threshold asks for, as a sentence part: "cần 48 triệu đồng/người", "cần
/// không quá 5%", "cần đạt"; how a derived threshold was obtained stays in the table.
pub(crate) fn need_text(
    cmp: Comparison,
    t: Option<&ntm_core::evaluation::AppliedThreshold>,
    unit: Option<&str>,
) -> String {
    match t.map(|t| t.value) {
        None => "chưa cấu hình ngưỡng".into(),
        Some(None) => "cần đạt".into(),
        Some(Some(v)) => {
            let v = value(&Value::Number(v), unit);
            match cmp {
                Comparison::AtLeast => format!("cần {v}"),
                Comparison::AtMost => format!("cần không quá {v}"),
                Comparison::Equal => format!("cần đúng {v}"),
                Comparison::Pass => "cần đạt".into(),
            }
        }
    }
}

/// An indicator that falls short, in words — "Thu nhập: 40,5 / cần 48 triệu
/// đồng/người" — or `None` when it is met.
pub(crate) fn gap_line(i: &ntm_core::evaluation::IndicatorResult<'_>) -> Option<String> {
    let unit = i.indicator.unit.as_deref();
    let need = need_text(i.indicator.comparison, i.threshold.as_ref(), unit);
    let name = &i.indicator.name;
    match i.status {
        IndicatorStatus::Met => None,
        IndicatorStatus::Unmet => {
            let got = i.value.as_ref().map_or("—".into(), |v| value(v, None));
            Some(format!("{name}: {got} / {need}"))
        }
        IndicatorStatus::Missing => Some(format!("{name}: chưa có số liệu ({need})")),
        IndicatorStatus::Unconfigured => {
            let got = i
                .value
                .as_ref()
                .map_or_else(|| "chưa có số liệu".into(), |v| value(v, unit));
            Some(format!("{name}: {got} / chưa cấu hình ngưỡng"))
        }
    }
}

/// The criteria of `result` that are not met, in the set's order, each with its gap lines
/// (none for a criterion without indicators: it is unknown until configured).
pub(crate) fn lacking(result: &ntm_core::evaluation::SetResult<'_>) -> Vec<Lacking> {
    result
        .criteria
        .iter()
        .filter(|c| c.status != CriterionStatus::Met)
        .map(|c| Lacking {
            id: c.criterion.id.clone(),
            name: c.criterion.name.clone(),
            status: c.status.label_vi(),
            class: criterion_class(c.status),
            lines: c.indicators.iter().filter_map(gap_line).collect(),
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<ScoreQuery>,
    chosen: super::ChosenBasis,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let year = q.year.unwrap_or(state.config.default_year);
    let registry = state.cache.registry(state.store.as_ref()).await?;
    require(&session, &registry, Action::View, &id, year)?;
    let set = q.set.filter(|s| !s.is_empty()).map(SetId);
    let card = super::scoped_with(
        &state,
        &session,
        &chosen,
        "scorecard",
        year,
        &format!("{id}|{set:?}"),
        card(&state, &session, &id, year, set.as_ref(), chosen.basis),
    )
    .await?;
    let chrome = Chrome::new(&session, &registry, year, "units");
    let card = match &*card {
        Ok(card) => card.clone(),
        Err(m) => {
            return super::notice(
                chrome,
                format!("Đánh giá năm {year}"),
                format!("Không đánh giá được: {m}."),
                (&format!("/units/{id}"), "Về trang đơn vị"),
            );
        }
    };
    render(&ScorecardPage {
        basis_bar: chosen.bar(year, 0),
        chrome: Some(chrome),
        can_enter: can(
            &registry,
            &session.actor.grants,
            Action::EnterValues,
            &id,
            year,
        ),
        card,
    })
}

/// The card of `id` in `year`, or why the unit cannot be evaluated that year (a unit
/// outside the year's tree, no set applies): a notice, not an error page.
async fn card(
    state: &AppState,
    session: &Session,
    id: &UnitId,
    year: i32,
    set: Option<&SetId>,
    basis: ntm_app::evaluate::Basis,
) -> WebResult<Result<std::sync::Arc<Card>, String>> {
    let ws = super::workspace_for(state, id, year, basis).await?;
    let e = match ws.evaluate(id, year, set) {
        Ok(e) => e,
        Err(ntm_app::AppError::Ambiguous(m)) | Err(ntm_app::AppError::NotFound(m))
            if ws.registry.get(id).is_some() =>
        {
            return Ok(Err(m));
        }
        Err(e) => return Err(e.into()),
    };
    let (status, record) = ntm_app::workflow::status(state.store.as_ref(), id, year).await?;
    let sets = ws.sets_for(id, year)?;
    let history = ws.history(id, &session.actor.grants);
    let result = e.result();
    let pending = pending_text(&e, &ws, id, year);
    let mut sources = Sources::default();
    let (met_criteria, open_criteria): (Vec<_>, Vec<_>) =
        criterion_rows(&e, id, year, &mut sources)
            .into_iter()
            .partition(|c| c.met);
    let has_values = ws.has_values(id, year);
    Ok(Ok(std::sync::Arc::new(Card {
        pending,
        unit_id: id.to_string(),
        name: e.name.clone(),
        year,
        set_id: e.set.id().0.clone(),
        set_title: e.set.header.title.clone(),
        sets: sets.iter().map(|s| set_choice(s, e.set)).collect(),
        illustrative: e.illustrative(),
        level: if has_values {
            e.ladder.level.label_vi()
        } else {
            "chưa đánh giá được (chưa có số liệu)"
        },
        met: result.criteria_met(),
        total: result.criteria_total(),
        unmet: result.count(CriterionStatus::Unmet),
        unknown: result.count(CriterionStatus::Unknown),
        no_gap: if !has_values {
            format!(
                "Chưa có số liệu{} năm {year}: chưa đánh giá được mức đạt; các tiêu chí dưới đây cho biết cần nhập gì và mức cần đạt.",
                if basis == ntm_app::evaluate::Basis::Approved {
                    " đã duyệt"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        },
        set_gaps: {
            let gaps = e.set.gaps();
            if gaps.is_complete() {
                String::new()
            } else {
                gaps.describe_vi()
            }
        },
        next: e
            .gap_to_tell(has_values)
            .zip(e.next_gap())
            .map(|(step, (level, criteria))| NextLevel {
                level: level.label_vi(),
                set: step.set.id().0.clone(),
                criteria,
            }),
        workflow: workflow_text(status, record),
        lacking: lacking(result),
        open_criteria,
        met_criteria,
        sources: sources.list,
        history: history.iter().map(|h| history_row(h, id, year)).collect(),
        evidence: super::evidence::rows(state, id, year).await?,
    })))
}

/// What a page says when the unit-year's values are not approved, on either basis.
pub(crate) fn pending_text(
    e: &ntm_app::evaluate::UnitEvaluation<'_>,
    ws: &ntm_app::evaluate::Workspace,
    id: &UnitId,
    year: i32,
) -> Option<String> {
    e.unapproved.map(|st| match e.basis {
        ntm_app::evaluate::Basis::Approved => format!(
            "Số liệu năm {year} của đơn vị chưa được duyệt ({}): đánh giá chính thức dưới đây chưa tính các số liệu đó{}.",
            st.label_vi(),
            if ws.has_values(id, year) { " (đang dùng bản duyệt gần nhất)" } else { "; chưa có bản nào được duyệt" }
        ),
        ntm_app::evaluate::Basis::Current => format!(
            "Số liệu năm {year} của đơn vị chưa được duyệt ({}): kết quả dưới đây không phải kết quả chính thức.",
            st.label_vi()
        ),
    })
}

fn set_choice(
    s: &ntm_core::criteria::CriteriaSet,
    chosen: &ntm_core::criteria::CriteriaSet,
) -> SetChoice {
    SetChoice {
        id: s.id().0.clone(),
        title: s.header.title.clone(),
        selected: s.id() == chosen.id(),
    }
}

fn workflow_text(
    status: ntm_core::workflow::Status,
    record: Option<ntm_store::SubmissionRecord>,
) -> String {
    match record {
        Some(r) => format!(
            "{} — {} lúc {}{}",
            status.label_vi(),
            r.updated_by,
            crate::format::datetime(r.updated_at),
            r.comment.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        None => status.label_vi().to_owned(),
    }
}

fn history_row(h: &ntm_app::evaluate::HistoryEntry, current: &UnitId, year: i32) -> HistoryRow {
    HistoryRow {
        year: h.year,
        unit_id: h.unit.to_string(),
        unit_name: h.name.clone(),
        level: h.level.label_vi(),
        met: format!("{}/{}", h.met, h.total),
        current: &h.unit == current && h.year == year,
    }
}

/// The sources cited so far, each once however many rows cite it.
#[derive(Default)]
struct Sources {
    list: Vec<Source>,
}

impl Sources {
    fn cite(&mut self, text: String) -> usize {
        if let Some(s) = self.list.iter().find(|s| s.text == text) {
            return s.number;
        }
        let number = self.list.len() + 1;
        self.list.push(Source {
            number,
            is_link: ntm_app::workflow::is_web_link(&text),
            text,
        });
        number
    }
}

fn criterion_rows(
    e: &ntm_app::evaluate::UnitEvaluation<'_>,
    id: &UnitId,
    year: i32,
    sources: &mut Sources,
) -> Vec<CriterionRow> {
    e.result()
        .criteria
        .iter()
        .map(|c| CriterionRow {
            id: c.criterion.id.clone(),
            name: c.criterion.name.clone(),
            status: c.status.label_vi(),
            class: criterion_class(c.status),
            met: c.status == CriterionStatus::Met,
            indicators: c
                .indicators
                .iter()
                .map(|i| indicator_row(e, i, id, year, sources))
                .collect(),
        })
        .collect()
}

fn indicator_row(
    e: &ntm_app::evaluate::UnitEvaluation<'_>,
    i: &ntm_core::evaluation::IndicatorResult<'_>,
    id: &UnitId,
    year: i32,
    sources: &mut Sources,
) -> IndicatorRow {
    let unit = i.indicator.unit.as_deref();
    let t = i.threshold.as_ref();
    let source = t
        .and_then(|t| t.source.clone())
        .or_else(|| i.indicator.source.clone())
        .unwrap_or_default();
    let stored = e.notes.get(i.indicator.value_key()).map(String::as_str);
    let (note, evidence) = ntm_app::workflow::shown_note(stored);
    IndicatorRow {
        id: i.indicator.id.clone(),
        name: i.indicator.name.clone(),
        value: i.value.as_ref().map_or("—".into(), |v| value(v, unit)),
        threshold: threshold_text(i.indicator.comparison, t, unit),
        // Said beside a cited source, as the threshold files pair them.
        confidence: t
            .filter(|_| !source.is_empty())
            .map_or("", |t| match t.confidence {
                ntm_core::Confidence::High => "tin cậy cao",
                ntm_core::Confidence::Medium => "tin cậy trung bình",
                ntm_core::Confidence::Low => "tin cậy thấp",
            }),
        source: (!source.is_empty()).then(|| sources.cite(source)),
        illustrative: t.is_some_and(|t| t.illustrative),
        status: i.status.label_vi(),
        class: indicator_class(i.status),
        gap: match (i.status, i.gap) {
            (IndicatorStatus::Unmet, Some(g)) => number(g),
            _ => String::new(),
        },
        note,
        evidence,
        audit_link: format!(
            "/audit?target={}",
            ntm_store::value_target_id(id, year, i.indicator.value_key())
        ),
    }
}
