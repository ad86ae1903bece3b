//! The JSON API under `/api/v1`: units, criteria sets, values (read and write),
//! evaluations, directives and their tasks (with computed states), with the same
//! permissions as the pages. Callers authenticate with a personal token
//! (`Authorization: Bearer ntm_…`); a signed-in browser may also read.
//! Errors use the one envelope of [`crate::error`]. The OpenAPI document is generated from
//! these handlers and served at `/api/openapi.json`.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate};
use ntm_app::evaluate::Basis;
use ntm_core::access::{Action, can, visible_units};
use ntm_core::criteria::SetId;
use ntm_core::evaluation::CriterionStatus;
use ntm_core::{UnitId, Value};
use ntm_store::ValueFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::ApiCaller;
use crate::error::{Kind, WebError};
use crate::state::AppState;

type ApiResult<T> = Result<Json<T>, WebError>;

fn api_err(e: impl Into<WebError>) -> WebError {
    e.into().api()
}

/// Loads what the API reads: registry and catalogue always, the values of `year` on the
/// official basis (`Some(0)` for none).
async fn workspace(
    state: &AppState,
    year: Option<i32>,
) -> Result<ntm_app::evaluate::Workspace, WebError> {
    workspace_on(state, year, Basis::Approved).await
}

async fn workspace_on(
    state: &AppState,
    year: Option<i32>,
    basis: Basis,
) -> Result<ntm_app::evaluate::Workspace, WebError> {
    state
        .cache
        .workspace(state.store.as_ref(), year, basis)
        .await
        .map_err(api_err)
}

/// Which values an evaluation reads.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BasisDto {
    /// Official: each unit-year as last approved; never approved means no values.
    #[default]
    Approved,
    /// The values as they stand, approved or not: not an official result.
    Current,
}

impl From<BasisDto> for Basis {
    fn from(b: BasisDto) -> Basis {
        match b {
            BasisDto::Approved => Basis::Approved,
            BasisDto::Current => Basis::Current,
        }
    }
}

fn parse_unit(text: &str) -> Result<UnitId, WebError> {
    UnitId::parse(text).ok_or_else(|| {
        WebError::new(
            Kind::NotFound,
            format!("Không có đơn vị “{text}”; dùng mã định danh dạng 18850@2020-01-01."),
        )
        .api()
    })
}

/// A unit as it stood on a date.
#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    /// Identity: code and start of validity.
    pub id: String,
    pub code: String,
    pub name: String,
    /// xã, phường, thị trấn, huyện, thị xã, thành phố, tỉnh
    #[serde(rename = "type")]
    pub unit_type: String,
    /// province, district or commune
    pub level: String,
    pub parent: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// The date of the tree (YYYY-MM-DD); default today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
}

/// The units the caller may read, as of a date, in tree order.
#[utoipa::path(get, path = "/api/v1/units", params(UnitsQuery), responses((status = 200, body = [UnitDto])), security(("token" = [])))]
pub async fn list_units(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<UnitsQuery>,
) -> ApiResult<Vec<UnitDto>> {
    let date = q.as_of.unwrap_or_else(|| state.now().date_naive());
    let ws = workspace(&state, Some(0)).await?;
    let scope = state
        .cache
        .visible_units(state.store.as_ref(), &caller.actor.grants, date.year())
        .await
        .map_err(api_err)?;
    Ok(Json(
        ws.registry
            .as_of(date)
            .into_iter()
            .filter(|v| scope.contains(v.id()))
            .map(|v| UnitDto {
                id: v.id().to_string(),
                code: v.unit.code.clone(),
                name: v.name().to_owned(),
                unit_type: v.unit_type().as_vi().to_owned(),
                level: v.unit.level.as_str().to_owned(),
                parent: v.parent().map(|p| p.to_string()),
                valid_from: v.unit.valid().from.to_string(),
                valid_to: v.unit.valid().to.map(|d| d.to_string()),
            })
            .collect(),
    ))
}

/// One lineage edge.
#[derive(Serialize, ToSchema)]
pub struct LineageDto {
    pub from: String,
    pub to: String,
    pub effective: String,
    /// merged or split
    pub kind: String,
}

/// A unit with its history.
#[derive(Serialize, ToSchema)]
pub struct UnitDetailDto {
    pub id: String,
    pub code: String,
    pub versions: Vec<UnitDto>,
    pub predecessors: Vec<LineageDto>,
    pub successors: Vec<LineageDto>,
}

/// One unit: its versions and its lineage.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = String, Path, description = "Unit id, e.g. 18850@2020-01-01")), responses((status = 200, body = UnitDetailDto), (status = 403), (status = 404)), security(("token" = [])))]
pub async fn get_unit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<UnitDetailDto> {
    let id = parse_unit(&id)?;
    let ws = workspace(&state, Some(0)).await?;
    let unit = ws
        .registry
        .get(&id)
        .ok_or_else(|| WebError::new(Kind::NotFound, format!("Không có đơn vị {id}.")).api())?;
    if !ntm_core::access::can_view_ever(&ws.registry, &caller.actor.grants, &unit.id) {
        return Err(WebError::forbidden().api());
    }
    let edge = |e: &ntm_core::unit::LineageEdge| LineageDto {
        from: e.from.to_string(),
        to: e.to.to_string(),
        effective: e.effective.to_string(),
        kind: e.kind.as_str().into(),
    };
    Ok(Json(UnitDetailDto {
        id: id.to_string(),
        code: unit.code.clone(),
        versions: unit
            .versions
            .iter()
            .map(|v| UnitDto {
                id: id.to_string(),
                code: unit.code.clone(),
                name: v.name.clone(),
                unit_type: v.unit_type.as_vi().into(),
                level: unit.level.as_str().into(),
                parent: v.parent.as_ref().map(|p| p.to_string()),
                valid_from: v.valid.from.to_string(),
                valid_to: v.valid.to.map(|d| d.to_string()),
            })
            .collect(),
        predecessors: ws.registry.ancestry(&id).into_iter().map(edge).collect(),
        successors: ws.registry.descendants(&id).into_iter().map(edge).collect(),
    }))
}

/// A criteria set in the list.
#[derive(Serialize, ToSchema)]
pub struct SetSummaryDto {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// standard, advanced or model
    pub level: String,
    pub period_from: i32,
    pub period_to: i32,
    pub derives_from: Option<String>,
    pub requires: Option<String>,
    pub illustrative: bool,
    /// Whether the set can judge a unit: every criterion has an indicator and every
    /// compared indicator a threshold. An incomplete set yields "unknown" there.
    pub complete: bool,
}

/// Every stored criteria set (latest versions).
#[utoipa::path(get, path = "/api/v1/criteria-sets", responses((status = 200, body = [SetSummaryDto])), security(("token" = [])))]
pub async fn list_sets(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> ApiResult<Vec<SetSummaryDto>> {
    let ws = workspace(&state, Some(0)).await?;
    let records = state
        .store
        .list_criteria_sets()
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    Ok(Json(
        records
            .iter()
            .filter_map(|r| ws.catalogue.get(&SetId(r.id.clone())).map(|s| (r, s)))
            .map(|(r, s)| SetSummaryDto {
                id: r.id.clone(),
                version: r.version,
                title: s.header.title.clone(),
                level: s.header.level.as_str().into(),
                period_from: s.header.period.from,
                period_to: s.header.period.to,
                derives_from: s.derives_from.as_ref().map(|d| d.0.clone()),
                requires: s.header.requires.as_ref().map(|d| d.0.clone()),
                illustrative: s.is_illustrative(),
                complete: s.gaps().is_complete(),
            })
            .collect(),
    ))
}

/// A threshold with what it applies to and its source.
#[derive(Serialize, ToSchema)]
pub struct ThresholdDto {
    pub value: String,
    pub region: Option<String>,
    pub group: Option<u8>,
    pub year: Option<i32>,
    pub source: Option<String>,
    /// low, medium or high
    pub confidence: String,
    pub illustrative: bool,
}

/// An indicator of a set.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// >=, <=, = or pass
    pub comparison: String,
    pub thresholds: Vec<ThresholdDto>,
    /// Whether the indicator can be evaluated (pass/fail, a threshold, or a derived one).
    pub configured: bool,
}

/// A criterion of a set.
#[derive(Serialize, ToSchema)]
pub struct CriterionDto {
    pub id: String,
    pub name: String,
    pub indicators: Vec<IndicatorDto>,
}

/// A resolved criteria set.
#[derive(Serialize, ToSchema)]
pub struct SetDto {
    pub id: String,
    pub title: String,
    pub level: String,
    pub period_from: i32,
    pub period_to: i32,
    pub illustrative: bool,
    /// Criteria with no indicator yet: the set cannot judge them.
    pub empty_criteria: Vec<String>,
    /// Compared indicators with no threshold: unconfigured, never met or unmet.
    pub unconfigured: Vec<String>,
    pub criteria: Vec<CriterionDto>,
}

/// One criteria set, resolved (derivations applied).
#[utoipa::path(get, path = "/api/v1/criteria-sets/{id}", params(("id" = String, Path)), responses((status = 200, body = SetDto), (status = 404)), security(("token" = [])))]
pub async fn get_set(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<SetDto> {
    let ws = workspace(&state, Some(0)).await?;
    let s = ws.catalogue.get(&SetId(id.clone())).ok_or_else(|| {
        WebError::new(Kind::NotFound, format!("Không có bộ tiêu chí “{id}”.")).api()
    })?;
    Ok(Json(SetDto {
        id: s.id().0.clone(),
        title: s.header.title.clone(),
        level: s.header.level.as_str().into(),
        period_from: s.header.period.from,
        period_to: s.header.period.to,
        illustrative: s.is_illustrative(),
        empty_criteria: s.gaps().empty_criteria,
        unconfigured: s.gaps().unconfigured,
        criteria: s
            .criteria
            .iter()
            .map(|c| CriterionDto {
                id: c.id.clone(),
                name: c.name.clone(),
                indicators: c
                    .indicators
                    .iter()
                    .map(|i| IndicatorDto {
                        id: i.id.clone(),
                        name: i.name.clone(),
                        unit: i.unit.clone(),
                        comparison: i.comparison.as_str().into(),
                        configured: i.is_configured(),
                        thresholds: i
                            .thresholds
                            .iter()
                            .map(|t| ThresholdDto {
                                value: t.value.normalize().to_string(),
                                region: t.when.region.clone(),
                                group: t.when.group,
                                year: t.when.year,
                                source: t.source.clone(),
                                confidence: t.confidence.as_str().into(),
                                illustrative: t.illustrative,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// A stored value.
#[derive(Serialize, ToSchema)]
pub struct ValueDto {
    pub unit: String,
    pub year: i32,
    pub indicator: String,
    /// A decimal ("85.5") or "đạt" / "không đạt".
    pub value: String,
    pub note: Option<String>,
    pub entered_by: String,
    pub entered_at: String,
    /// The version of this value as read: send it back as `version` when writing, and a
    /// write over someone else's change since is refused (409) instead of reverting it.
    pub version: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValuesQuery {
    /// Unit id (e.g. 18850@2020-01-01); default all units the caller may read.
    pub unit: Option<String>,
    /// The year (values are kept for 2010–2035).
    #[param(minimum = 2010, maximum = 2035)]
    pub year: i32,
    /// Values per page at most (1–10000; default 1000). While more may follow, the page
    /// ends with a `Link` header (`rel="next"`) that names the next one; a page may hold
    /// fewer values than asked and still have a next one: follow `Link` until it is gone.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
    /// Where the page begins: the `after` of the `Link` header of the page before.
    #[param(pattern = "^[^~]+~-?[0-9]{1,9}~.+$")]
    pub after: Option<String>,
}

/// Values of one page, unless asked for fewer.
const VALUES_PAGE: usize = 1000;
const VALUES_PAGE_MAX: usize = 10_000;

/// The `after` of a page: the last value's unit, year and indicator.
fn value_cursor(p: &ntm_store::ValuePosition) -> String {
    format!("{}~{}~{}", p.unit_id, p.year, p.indicator_id)
}

fn parse_value_cursor(text: &str) -> Option<ntm_store::ValuePosition> {
    let mut parts = text.splitn(3, '~');
    Some(ntm_store::ValuePosition {
        unit_id: parts.next().filter(|u| !u.is_empty())?.to_owned(),
        year: parts.next()?.parse().ok()?,
        indicator_id: parts.next()?.to_owned(),
    })
}

/// Values of a year, for one unit or every unit the caller may read, page by page in the
/// order of unit, year and indicator.
#[utoipa::path(get, path = "/api/v1/values", params(ValuesQuery), responses((status = 200, body = [ValueDto], headers(("Link" = String, description = "While more may follow: `<URL>; rel=\"next\"`, the next page"))), (status = 400), (status = 403)), security(("token" = [])))]
pub async fn list_values(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ValuesQuery>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    check_year(q.year)?;
    let limit = q.limit.unwrap_or(VALUES_PAGE);
    if !(1..=VALUES_PAGE_MAX).contains(&limit) {
        return Err(WebError::new(
            Kind::BadRequest,
            format!("Số giá trị một trang (limit) phải từ 1 đến {VALUES_PAGE_MAX}."),
        )
        .api());
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(text) => Some(parse_value_cursor(text).ok_or_else(|| {
            WebError::new(
                Kind::BadRequest,
                "Vị trí trang (after) không đúng: hãy dùng liên kết Link của trang trước.",
            )
            .api()
        })?),
    };
    let registry = state
        .cache
        .registry(state.store.as_ref())
        .await
        .map_err(api_err)?;
    // Whoever reads most of the year's units reads the year whole and keeps their own:
    // binding a country's 15,000 units to each page's query cost more than reading the
    // page. The page may then hold fewer than `limit` values; the Link header goes on
    // while the store had more.
    let (units, keep) = match &q.unit {
        Some(u) => {
            let id = parse_unit(u)?;
            if !can(&registry, &caller.actor.grants, Action::View, &id, q.year) {
                return Err(WebError::forbidden().api());
            }
            (Some(vec![id]), None)
        }
        None => {
            let visible = state
                .cache
                .visible_units(state.store.as_ref(), &caller.actor.grants, q.year)
                .await
                .map_err(api_err)?;
            let of_year = registry
                .units()
                .iter()
                .filter(|u| u.valid().touches_year(q.year))
                .count();
            if visible.len() * 2 >= of_year {
                (None, Some(visible))
            } else {
                (Some(visible.iter().cloned().collect()), None)
            }
        }
    };
    let mut records = state
        .store
        .list_values_page(
            &ValueFilter {
                year: Some(q.year),
                units,
                indicator_id: None,
            },
            after.as_ref(),
            limit,
        )
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    let last = (records.len() == limit)
        .then(|| records.last().map(|r| r.position()))
        .flatten();
    if let Some(visible) = keep {
        records.retain(|r| visible.contains(&r.unit_id));
    }
    let next = last.map(|last| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(u) = &q.unit {
            query.append_pair("unit", u);
        }
        query
            .append_pair("year", &q.year.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("after", &value_cursor(&last));
        format!("</api/v1/values?{}>; rel=\"next\"", query.finish())
    });
    let body = Json(
        records
            .into_iter()
            .map(|r| ValueDto {
                version: ntm_app::workflow::seen_token(Some((&r.value, r.note.as_deref()))),
                unit: r.unit_id.to_string(),
                year: r.year,
                indicator: r.indicator_id,
                value: r.value,
                note: r.note,
                entered_by: r.entered_by,
                entered_at: r.entered_at.to_rfc3339(),
            })
            .collect::<Vec<_>>(),
    );
    Ok(match next {
        Some(link) => ([(axum::http::header::LINK, link)], body).into_response(),
        None => body.into_response(),
    })
}

/// One value to write.
#[derive(Deserialize, ToSchema)]
pub struct ValueInput {
    pub indicator: String,
    /// As typed: "85,5", "85.5", "đạt", "không đạt".
    pub value: String,
    #[serde(default)]
    pub note: String,
    /// A web link to the evidence.
    #[serde(default)]
    pub evidence: String,
    /// The `version` of the value as last read (`""`: there was none). Given, the value
    /// is written only if nobody changed it since (else 409, nothing written); left out,
    /// it is written as given.
    #[serde(default)]
    pub version: Option<String>,
}

/// Values of one unit and year, written together as a draft (all or nothing).
#[derive(Deserialize, ToSchema)]
pub struct ValuesWrite {
    pub unit: String,
    #[schema(minimum = 2010, maximum = 2035)]
    #[serde(deserialize_with = "whole_number")]
    pub year: i32,
    pub values: Vec<ValueInput>,
}

/// What a write changed.
#[derive(Serialize, ToSchema)]
pub struct WriteResult {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Writes values of one unit and year as a draft: the same checks and approval flow as
/// the entry form; a locked (approved) period is refused with 409.
#[utoipa::path(post, path = "/api/v1/values", request_body = ValuesWrite, responses((status = 200, body = WriteResult), (status = 403), (status = 409), (status = 422)), security(("token" = [])))]
pub async fn write_values(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<ValuesWrite>,
) -> ApiResult<WriteResult> {
    if !caller.token {
        return Err(WebError::new(
            Kind::Unauthenticated,
            "Ghi số liệu qua API cần mã truy cập (Authorization: Bearer …).",
        )
        .api());
    }
    check_year(body.year)?;
    let id = parse_unit(&body.unit)?;
    let ws = workspace(&state, Some(0)).await?;
    let entries: Vec<ntm_app::workflow::Entry> = body
        .values
        .into_iter()
        .map(|v| ntm_app::workflow::Entry {
            indicator: v.indicator,
            value: v.value,
            note: v.note,
            evidence: v.evidence,
            seen: v.version,
        })
        .collect();
    let s = ntm_app::workflow::save(
        state.store.as_ref(),
        &ws.registry,
        &ws.catalogue,
        &caller.actor,
        &id,
        body.year,
        &entries,
        state.now(),
    )
    .await
    .map_err(api_err)?;
    Ok(Json(WriteResult {
        inserted: s.inserted,
        updated: s.updated,
        unchanged: s.unchanged,
    }))
}

/// An evaluated indicator.
#[derive(Clone, Serialize, ToSchema)]
pub struct IndicatorResultDto {
    pub id: String,
    pub value: Option<String>,
    pub threshold: Option<String>,
    pub comparison: String,
    /// met, unmet, missing or unconfigured
    pub status: String,
    pub gap: Option<String>,
    pub threshold_source: Option<String>,
    pub threshold_illustrative: Option<bool>,
}

/// An evaluated criterion.
#[derive(Clone, Serialize, ToSchema)]
pub struct CriterionResultDto {
    pub id: String,
    pub name: String,
    /// met, unmet or unknown
    pub status: String,
    pub indicators: Vec<IndicatorResultDto>,
}

/// A unit's evaluation in a year.
#[derive(Clone, Serialize, ToSchema)]
pub struct EvaluationDto {
    pub unit: UnitRefDto,
    pub year: i32,
    /// Which values were read.
    pub basis: BasisDto,
    /// The unit-year's status when its values are not approved (draft, submitted,
    /// returned): on the `approved` basis they were left out.
    pub unapproved_status: Option<String>,
    pub criteria_set: String,
    pub illustrative: bool,
    pub criteria_total: usize,
    pub criteria_met: usize,
    /// none, standard, advanced or model
    pub level: String,
    pub criteria: Vec<CriterionResultDto>,
}

/// A unit reference.
#[derive(Clone, Serialize, ToSchema)]
pub struct UnitRefDto {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvalQuery {
    /// Criteria set id (default: the most specific applicable set).
    pub set: Option<String>,
    /// `approved` (default, official) or `current` (including values not approved).
    #[param(inline)]
    #[serde(default)]
    pub basis: BasisDto,
}

fn number_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.normalize().to_string(),
        Value::Pass(_) => v.to_string(),
    }
}

/// Evaluates a unit in a year.
#[utoipa::path(get, path = "/api/v1/evaluations/{unit}/{year}", params(("unit" = String, Path), ("year" = i32, Path), EvalQuery), responses((status = 200, body = EvaluationDto), (status = 403), (status = 404)), security(("token" = [])))]
pub async fn evaluation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((unit, year)): Path<(String, i32)>,
    Query(q): Query<EvalQuery>,
) -> ApiResult<EvaluationDto> {
    let id = parse_unit(&unit)?;
    let registry = state
        .cache
        .registry(state.store.as_ref())
        .await
        .map_err(api_err)?;
    if !can(&registry, &caller.actor.grants, Action::View, &id, year) {
        return Err(WebError::forbidden().api());
    }
    // A unit's evaluation is the same for every caller allowed to read it (checked
    // above), so it is kept per data version: a province's is the work of all its
    // communes.
    let set = q.set.map(SetId);
    let dto = state
        .cache
        .memo_with(
            state.store.as_ref(),
            format!("api-evaluation|{id}|{year}|{set:?}|{:?}", q.basis),
            evaluation_dto(&state, &id, year, set.as_ref(), q.basis),
        )
        .await
        .map_err(api_err)?;
    Ok(Json((*dto).clone()))
}

async fn evaluation_dto(
    state: &AppState,
    id: &UnitId,
    year: i32,
    set: Option<&SetId>,
    basis: BasisDto,
) -> Result<EvaluationDto, WebError> {
    let ws = workspace_on(state, Some(year), basis.into()).await?;
    let e = ws.evaluate(id, year, set)?;
    let r = e.result();
    Ok(EvaluationDto {
        unit: UnitRefDto {
            id: id.to_string(),
            code: e.unit.code.clone(),
            name: e.name.clone(),
        },
        year,
        basis,
        unapproved_status: e.unapproved.map(|s| s.as_str().to_owned()),
        criteria_set: e.set.id().0.clone(),
        illustrative: e.illustrative(),
        criteria_total: r.criteria_total(),
        criteria_met: r.count(CriterionStatus::Met),
        level: e.ladder.level.as_str().into(),
        criteria: r
            .criteria
            .iter()
            .map(|c| CriterionResultDto {
                id: c.criterion.id.clone(),
                name: c.criterion.name.clone(),
                status: c.status.as_str().into(),
                indicators: c
                    .indicators
                    .iter()
                    .map(|i| IndicatorResultDto {
                        id: i.indicator.id.clone(),
                        value: i.value.as_ref().map(number_text),
                        threshold: i.threshold.as_ref().map(|t| {
                            t.value.map_or("đạt".into(), |v| v.normalize().to_string())
                        }),
                        comparison: i.indicator.comparison.as_str().into(),
                        status: i.status.as_str().into(),
                        gap: i.gap.map(|g| g.normalize().to_string()),
                        threshold_source: i.threshold.as_ref().and_then(|t| t.source.clone()),
                        threshold_illustrative: i.threshold.as_ref().map(|t| t.illustrative),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// One data-quality finding.
#[derive(Serialize, ToSchema)]
pub struct FindingDto {
    pub unit: UnitRefDto,
    pub rule: String,
    /// `info`, `warning` (to be explained at submission) or `blocking`.
    pub severity: String,
    pub indicator: Option<String>,
    pub criterion: Option<String>,
    /// In Vietnamese, with the numbers.
    pub message: String,
    /// The reason the unit gave, if any.
    pub explanation: Option<String>,
}

/// The data-quality findings of a year in the caller's scope.
#[derive(Serialize, ToSchema)]
pub struct QualityDto {
    pub year: i32,
    pub basis: BasisDto,
    pub communes_checked: usize,
    pub blocking: usize,
    pub warning: usize,
    pub info: usize,
    /// Criteria sets without rules: their communes were not checked.
    pub unchecked_sets: Vec<String>,
    pub illustrative: bool,
    /// Findings seen when values were saved and no longer raised since.
    pub corrected: usize,
    pub findings: Vec<FindingDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityQuery {
    #[param(minimum = 2010, maximum = 2035)]
    pub year: i32,
    /// One unit only (e.g. 18850@2020-01-01); default every unit the caller may read.
    pub unit: Option<String>,
    /// `approved` (default) or `current`.
    #[param(inline)]
    #[serde(default)]
    pub basis: BasisDto,
}

/// The data-quality findings of a year: consistency, jumps from last year, outliers
/// against peers, regression after recognition, evidence coverage.
#[utoipa::path(get, path = "/api/v1/quality", params(QualityQuery), responses((status = 200, body = QualityDto), (status = 400), (status = 403), (status = 404)), security(("token" = [])))]
pub async fn quality(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<QualityQuery>,
) -> ApiResult<QualityDto> {
    use ntm_core::quality::Severity;
    if !(2010..=2035).contains(&q.year) {
        return Err(WebError::new(Kind::BadRequest, "Năm phải từ 2010 đến 2035.").api());
    }
    let ws = workspace_on(&state, Some(q.year), q.basis.into()).await?;
    let last = workspace_on(&state, Some(q.year - 1), q.basis.into()).await?;
    let mut scope = state
        .cache
        .visible_units(state.store.as_ref(), &caller.actor.grants, q.year)
        .await
        .map_err(api_err)?
        .as_ref()
        .clone();
    if let Some(u) = &q.unit {
        let id = parse_unit(u)?;
        if !can(
            &ws.registry,
            &caller.actor.grants,
            Action::View,
            &id,
            q.year,
        ) {
            return Err(WebError::forbidden().api());
        }
        scope.retain(|x| *x == id);
    }
    let report = ntm_app::quality::report(
        state.store.as_ref(),
        &state.cache,
        &ws,
        &last,
        state.config.inherit_rule,
        &scope,
        q.year,
    )
    .await
    .map_err(api_err)?;
    let explanations = state
        .store
        .explanations(None, q.year)
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    let seen = state
        .store
        .findings_seen(None, q.year)
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    let book = ntm_app::quality::rules_in_force(state.store.as_ref(), &state.cache)
        .await
        .map_err(api_err)?;
    let name = |u: &UnitId| {
        ws.registry.get(u).map_or_else(
            || (String::new(), u.to_string()),
            |x| {
                (
                    x.code.clone(),
                    x.version_in_year(q.year)
                        .map_or_else(|| x.latest().name.clone(), |v| v.name.clone()),
                )
            },
        )
    };
    Ok(Json(QualityDto {
        year: q.year,
        basis: q.basis,
        communes_checked: report.communes_checked,
        blocking: report.count(Severity::Blocking),
        warning: report.count(Severity::Warning),
        info: report.count(Severity::Info),
        unchecked_sets: report.unchecked_sets.clone(),
        illustrative: report.illustrative,
        corrected: ntm_app::quality::corrected(&seen, &book, &scope).len(),
        findings: report
            .findings
            .iter()
            .map(|f| {
                let (code, unit_name) = name(&f.unit);
                FindingDto {
                    unit: UnitRefDto {
                        id: f.unit.to_string(),
                        code,
                        name: unit_name,
                    },
                    rule: f.rule_id.clone(),
                    severity: f.severity.as_str().to_owned(),
                    indicator: f.indicator.clone(),
                    criterion: f.criterion.clone(),
                    message: f.message_vi.clone(),
                    explanation: ntm_app::quality::explanation_for(&explanations, f)
                        .map(|e| e.reason.clone()),
                }
            })
            .collect(),
    }))
}

/// Counts of communes by level.
#[derive(Serialize, ToSchema)]
pub struct LevelCountsDto {
    /// Communes evaluated (with values read on the basis).
    pub communes: usize,
    pub standard: usize,
    pub advanced: usize,
    pub model: usize,
}

/// The summary of one province (within the caller's scope) for a year.
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    pub year: i32,
    pub province: Option<UnitRefDto>,
    pub basis: BasisDto,
    /// The day whose tree the counts follow (YYYY-MM-DD).
    pub tree_date: String,
    pub criteria_set: String,
    pub illustrative: bool,
    pub levels: LevelCountsDto,
    /// Every commune (xã) of the tree, with values or not: the base of `standard_pct_of_all`.
    pub all_communes: usize,
    /// Percent of all communes at standard or above, as a decimal string.
    pub standard_pct_of_all: Option<String>,
    /// Communes without values on the basis.
    pub communes_without_data: usize,
    /// Communes whose values of the year are not approved (left out when `approved`).
    pub communes_unapproved: usize,
    /// Communes with values that year but outside the tree of `tree_date`.
    pub communes_off_tree: usize,
    /// Change from the previous year, when it has data.
    pub newly_standard: Option<usize>,
    pub newly_advanced: Option<usize>,
    pub newly_model: Option<usize>,
    /// Why there is no comparison, when there is none.
    pub previous_missing: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `approved` (default, official) or `current` (including values not approved).
    #[param(inline)]
    #[serde(default)]
    pub basis: BasisDto,
    /// Count on the tree of this day of the year (YYYY-MM-DD); default 31 December. A day
    /// of another year is not used: `tree_date` in the answer says which tree was.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
}

/// The summary of a year, one per province the caller may read, over the caller's units:
/// official (approved values only) unless `basis=current`.
#[utoipa::path(get, path = "/api/v1/summaries/{year}", params(("year" = i32, Path, minimum = 2010, maximum = 2035), SummaryQuery), responses((status = 200, body = [SummaryDto])), security(("token" = [])))]
pub async fn summaries(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(year): Path<i32>,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Vec<SummaryDto>> {
    if !ntm_app::values::YEARS.contains(&year) {
        return Err(
            WebError::new(Kind::BadRequest, format!("năm {year} nằm ngoài 2010–2035")).api(),
        );
    }
    let as_of = match q.as_of.as_deref().map(str::trim) {
        None => None,
        Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            WebError::new(
                Kind::BadRequest,
                format!("as_of “{d}” phải là một ngày (YYYY-MM-DD)"),
            )
            .api()
        })?),
    };
    let basis: Basis = q.basis.into();
    let ws = workspace_on(&state, Some(year), basis)
        .await?
        .on_tree_of(as_of);
    let prev = workspace_on(&state, Some(year - 1), basis).await?;
    let scope = visible_units(&ws.registry, &caller.actor.grants, year);
    let all = match ntm_app::summary::by_province(&ws, year, None, Some(&prev), Some(&scope)) {
        Ok(all) => all,
        Err(ntm_app::AppError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(api_err(e)),
    };
    let mut out = Vec::new();
    for s in &all {
        let t = s.previous.as_ref().map(|(_, t)| t);
        out.push(SummaryDto {
            year,
            province: s.province.as_ref().map(|(id, name)| UnitRefDto {
                id: id.to_string(),
                code: ws
                    .registry
                    .get(id)
                    .map(|u| u.code.clone())
                    .unwrap_or_default(),
                name: name.clone(),
            }),
            basis: q.basis,
            tree_date: s.tree_date.to_string(),
            criteria_set: s.set.id().0.clone(),
            illustrative: s.illustrative,
            levels: LevelCountsDto {
                communes: s.stats.communes,
                standard: s.stats.standard_or_above,
                advanced: s.stats.advanced_or_above,
                model: s.stats.model,
            },
            all_communes: s.all_communes(),
            standard_pct_of_all: s.standard_pct_of_all().map(|d| d.normalize().to_string()),
            communes_without_data: s.communes_without_data,
            communes_unapproved: s.unapproved,
            communes_off_tree: s.off_tree,
            newly_standard: t.map(|t| t.newly_standard.len()),
            newly_advanced: t.map(|t| t.newly_advanced.len()),
            newly_model: t.map(|t| t.newly_model.len()),
            previous_missing: s.previous_missing.clone(),
        });
    }
    Ok(Json(out))
}

/// A directive (văn bản chỉ đạo).
#[derive(Serialize, ToSchema)]
pub struct DirectiveDto {
    pub id: i64,
    /// thông báo, kế hoạch, công văn…
    pub kind: String,
    pub number: String,
    pub issued_on: String,
    pub issuer: String,
    pub title: String,
    pub summary: String,
    /// The file's name, if the directive has one (`/directives/{id}/file`).
    pub file_name: Option<String>,
}

/// The directives of which the caller may see at least one task (all, for the office and
/// the Steering Committee), the most recently issued first.
#[utoipa::path(get, path = "/api/v1/directives", responses((status = 200, body = [DirectiveDto])), security(("token" = [])))]
pub async fn list_directives(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Vec<DirectiveDto>> {
    let ws = workspace(&state, Some(0)).await?;
    let list = ntm_app::tasks::visible_directives(
        state.store.as_ref(),
        &ws.registry,
        &caller.actor,
        state.now(),
    )
    .await
    .map_err(api_err)?;
    Ok(Json(
        list.into_iter()
            .map(|d| DirectiveDto {
                id: d.id,
                kind: d.kind,
                number: d.number,
                issued_on: d.issued_on.to_string(),
                issuer: d.issuer,
                title: d.title,
                summary: d.summary,
                file_name: d.file_name,
            })
            .collect(),
    ))
}

/// A target plan with the document that set it.
#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    pub title: String,
    /// "2022" or "2021-2025".
    pub period: String,
    /// The unit the plan is for.
    pub scope: String,
    pub doc_number: String,
    pub doc_date: Option<String>,
    pub doc_body: String,
    /// Demo material, not a real document.
    pub illustrative: bool,
    pub note: String,
    /// The number of targets.
    pub targets: usize,
    /// Raised by each save.
    pub version: i32,
}

fn plan_dto(p: &ntm_store::TargetPlanRecord) -> PlanDto {
    PlanDto {
        id: p.id,
        title: p.title.clone(),
        period: p.period.clone(),
        scope: p.scope_id.to_string(),
        doc_number: p.doc_number.clone(),
        doc_date: p.doc_date.map(|d| d.to_string()),
        doc_body: p.doc_body.clone(),
        illustrative: p.illustrative,
        note: p.note.clone(),
        targets: p.targets.len(),
        version: p.version,
    }
}

/// The plans whose scope the caller may read.
#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = [PlanDto])), security(("token" = [])))]
pub async fn list_plans(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Vec<PlanDto>> {
    let ws = workspace(&state, Some(0)).await?;
    let plans = ntm_app::targets::visible_plans(state.store.as_ref(), &ws.registry, &caller.actor)
        .await
        .map_err(api_err)?;
    Ok(Json(plans.iter().map(plan_dto).collect()))
}

/// A unit counted toward a target, or a dossier under way.
#[derive(Serialize, ToSchema)]
pub struct CountedDto {
    pub unit: String,
    pub name: String,
    /// The decision, or the stage of a dossier under way, in words.
    pub how: String,
    /// The recognition dossier, for a commune, district or province.
    pub dossier: Option<i64>,
    /// The village, for a model residential area (`/villages/{id}`).
    pub village: Option<i64>,
}

/// A share of a target assigned to a lower unit, and where it stands.
#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub unit: String,
    pub name: String,
    pub amount: String,
    pub actual: Option<String>,
    pub status: String,
}

/// One target's result.
#[derive(Serialize, ToSchema)]
pub struct TargetResultDto {
    /// `count:<counted>[@decision]`, `indicator:<id>:<>=|<=>` or `goal:<level>`.
    pub kind: String,
    pub label: String,
    pub amount: String,
    /// Computed from decisions or approved values; null when there is nothing to count.
    pub actual: Option<String>,
    /// `achieved`, `on_track`, `at_risk`, `missed` or `no_data`.
    pub status: String,
    /// Communes at the level by the latest evaluation in the period (beside, not counted).
    pub eligible: Option<usize>,
    pub eligible_year: Option<i32>,
    /// What the actual rests on.
    pub basis: String,
    pub recognised: Vec<CountedDto>,
    pub under_way: Vec<CountedDto>,
    pub shares: Vec<ShareDto>,
    /// How the shares add up, in words (empty without shares).
    pub split: String,
    pub note: String,
}

/// A plan's results on a day.
#[derive(Serialize, ToSchema)]
pub struct PlanResultsDto {
    pub plan: PlanDto,
    /// The day the results are computed to the end of.
    pub on: String,
    /// The status rule, in words.
    pub rule: String,
    pub targets: Vec<TargetResultDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanResultsQuery {
    /// The day (YYYY-MM-DD) to see the results as they stood at its end; default today.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

/// A plan's results against its targets, computed from recorded decisions and approved
/// values, with each status judged by the rule it states.
#[utoipa::path(get, path = "/api/v1/plans/{id}/results", params(("id" = i64, Path), PlanResultsQuery), responses((status = 200, body = PlanResultsDto), (status = 403), (status = 404)), security(("token" = [])))]
pub async fn plan_results(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<PlanResultsQuery>,
) -> ApiResult<PlanResultsDto> {
    let ws = workspace(&state, None).await?;
    let plan = state
        .store
        .get_plan(id)
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?
        .ok_or_else(|| WebError::new(Kind::NotFound, format!("Không có kế hoạch {id}.")).api())?;
    let last = ntm_core::target::Period::parse(&plan.period).map_or(0, |p| p.last());
    if !can(
        &ws.registry,
        &caller.actor.grants,
        Action::View,
        &plan.scope_id,
        last,
    ) {
        return Err(WebError::forbidden().api());
    }
    let on =
        q.on.unwrap_or_else(|| ntm_core::task::local_date(state.now()));
    let p = ntm_app::targets::progress(state.store.as_ref(), &ws, &plan, on)
        .await
        .map_err(api_err)?;
    let counted = |c: &ntm_app::targets::Counted1| CountedDto {
        unit: c.unit.to_string(),
        name: c.name.clone(),
        how: c.how.clone(),
        dossier: c.village.is_none().then_some(c.dossier),
        village: c.village,
    };
    Ok(Json(PlanResultsDto {
        plan: plan_dto(&plan),
        on: on.to_string(),
        rule: ntm_core::target::STATUS_RULE.into(),
        targets: p
            .lines
            .iter()
            .map(|l| TargetResultDto {
                kind: l.kind.clone(),
                label: l.label.clone(),
                amount: l.amount.normalize().to_string(),
                actual: l.progress.actual.map(|a| a.normalize().to_string()),
                status: l.status.as_str().into(),
                eligible: l.eligible.map(|(n, _)| n),
                eligible_year: l.eligible.map(|(_, y)| y),
                basis: l.basis.clone(),
                recognised: l.recognised.iter().map(counted).collect(),
                under_way: l.under_way.iter().map(counted).collect(),
                shares: l
                    .shares
                    .iter()
                    .map(|s| ShareDto {
                        unit: s.unit.to_string(),
                        name: s.name.clone(),
                        amount: s.amount.normalize().to_string(),
                        actual: s.actual.map(|a| a.normalize().to_string()),
                        status: s.status.as_str().into(),
                    })
                    .collect(),
                split: l
                    .split
                    .map(ntm_core::target::SplitCheck::describe_vi)
                    .unwrap_or_default(),
                note: l.note.clone(),
            })
            .collect(),
    }))
}

/// A task with its state computed from its dates.
#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub directive: i64,
    /// The task this one was expanded from ("all communes of X").
    pub parent: Option<i64>,
    pub code: String,
    pub text: String,
    /// `unit:<id>` or `organisation:<id>`.
    pub lead: String,
    pub lead_name: String,
    /// The deadline judged now (for a periodic task, its earliest overdue or current
    /// period), YYYY-MM-DD.
    pub deadline: Option<String>,
    /// Canonical recurrence text, e.g. `quarterly:15`.
    pub recurrence: Option<String>,
    /// done_on_time, done_late, open, overdue.
    pub state: String,
    pub days_late: Option<i64>,
    pub days_left: Option<i64>,
    /// Marked done by its lead, not yet confirmed by the office.
    pub awaiting_confirmation: bool,
    pub latest_percent: Option<i32>,
    pub latest_report: Option<String>,
    pub expected_output: String,
    pub serves: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Only the tasks of this directive.
    #[param(minimum = 1)]
    pub directive: Option<i64>,
    /// Only tasks in this state.
    #[param(inline)]
    pub state: Option<StateName>,
}

/// An integer as JSON writes it: `2025`, and `2025.0` too (JSON has one number type, and
/// JSON Schema's `integer` admits both).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let n = f64::deserialize(d)?;
    if n.fract() == 0.0 && n >= f64::from(i32::MIN) && n <= f64::from(i32::MAX) {
        // Checked to be whole and in range just above.
        #[allow(clippy::cast_possible_truncation)]
        Ok(n as i32)
    } else {
        Err(serde::de::Error::custom(format!(
            "{n} is not a whole number"
        )))
    }
}

/// A year values are kept for, or 400 saying which are.
fn check_year(year: i32) -> Result<(), WebError> {
    let years = ntm_app::values::YEARS;
    if years.contains(&year) {
        Ok(())
    } else {
        Err(WebError::new(
            Kind::BadRequest,
            format!(
                "Năm {year} nằm ngoài khoảng {}–{}.",
                years.start(),
                years.end()
            ),
        )
        .api())
    }
}

/// The four states of a task.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    DoneOnTime,
    DoneLate,
    Open,
    Overdue,
}

impl StateName {
    fn state(self) -> ntm_core::task::TaskState {
        use ntm_core::task::TaskState;
        match self {
            StateName::DoneOnTime => TaskState::DoneOnTime,
            StateName::DoneLate => TaskState::DoneLate,
            StateName::Open => TaskState::Open,
            StateName::Overdue => TaskState::Overdue,
        }
    }
}

/// The tasks the caller may see (a department: its own; a commune: its units'), with their
/// computed states.
#[utoipa::path(get, path = "/api/v1/tasks", params(TasksQuery), responses((status = 200, body = [TaskDto]), (status = 400)), security(("token" = [])))]
pub async fn list_tasks(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<TasksQuery>,
) -> ApiResult<Vec<TaskDto>> {
    let wanted = q.state.map(StateName::state);
    if q.directive.is_some_and(|d| d < 1) {
        return Err(
            WebError::new(Kind::BadRequest, "Mã văn bản chỉ đạo là số nguyên dương.").api(),
        );
    }
    let ws = workspace(&state, Some(0)).await?;
    let tasks = ntm_app::tasks::visible_tasks(
        state.store.as_ref(),
        &ws.registry,
        &caller.actor,
        q.directive,
        state.now(),
    )
    .await
    .map_err(api_err)?;
    Ok(Json(
        tasks
            .into_iter()
            .filter(|v| wanted.is_none_or(|w| v.state == w))
            .map(|v| TaskDto {
                id: v.task.id,
                directive: v.task.directive_id,
                parent: v.task.parent_id,
                code: v.task.code.clone(),
                text: v.task.details.text.clone(),
                lead: match &v.task.details.lead {
                    ntm_store::Assignee::Unit(u) => format!("unit:{u}"),
                    ntm_store::Assignee::Organisation(o) => format!("organisation:{o}"),
                },
                lead_name: v.lead_name.clone(),
                deadline: v.deadline.map(|d| d.to_string()),
                recurrence: v.task.details.recurrence.clone(),
                state: v.state.as_str().into(),
                days_late: v.days_late,
                days_left: v.days_left,
                awaiting_confirmation: v.awaiting_confirmation,
                latest_percent: v.latest.as_ref().map(|r| r.percent),
                latest_report: v.latest.as_ref().map(|r| r.text.clone()),
                expected_output: v.task.details.expected_output.clone(),
                serves: v.task.details.serves.clone(),
            })
            .collect(),
    ))
}

/// The one envelope every error of the API comes in.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    pub status: u16,
    /// `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `invalid`,
    /// `too_large`, `unsupported_media_type`, `method_not_allowed`, `too_many_requests`,
    /// `internal`.
    pub code: String,
    /// In Vietnamese, for people.
    pub message: String,
    /// Each problem with its place (a field, a row).
    pub details: Vec<String>,
}

/// The security scheme, and on every operation every error it can answer, each in the
/// envelope: the document says what the server does.
struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let error = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                )
                .build()
        };
        let every = [
            ("400", "Yêu cầu không hợp lệ (tham số sai kiểu, thiếu)."),
            ("401", "Thiếu hoặc sai mã truy cập."),
            ("403", "Ngoài phạm vi quyền của người gọi."),
            ("404", "Không có đối tượng này."),
            ("405", "Địa chỉ không nhận phương thức này."),
            ("429", "Quá nhiều yêu cầu."),
            ("500", "Lỗi hệ thống (kèm mã yêu cầu)."),
        ];
        let writes = [
            (
                "409",
                "Trạng thái không cho ghi (đã gửi duyệt, đã khóa) hoặc số liệu đã đổi.",
            ),
            ("413", "Dữ liệu gửi lên quá lớn."),
            ("415", "Cần application/json."),
            ("422", "Dữ liệu không hợp lệ (từng lỗi kèm vị trí)."),
        ];
        for item in openapi.paths.paths.values_mut() {
            let ops = [(item.get.as_mut(), false), (item.post.as_mut(), true)];
            for (op, write) in ops {
                let Some(op) = op else { continue };
                let list: Vec<&(&str, &str)> = if write {
                    every.iter().chain(writes.iter()).collect()
                } else {
                    every.iter().collect()
                };
                for (code, what) in list {
                    op.responses
                        .responses
                        .insert((*code).to_owned(), error(what).into());
                }
            }
        }
    }
}

/// An OCOP recognition decision and its certificate.
#[derive(Serialize, ToSchema)]
pub struct OcopCertificateDto {
    pub id: i64,
    pub stars: u8,
    /// `district`, `province` or `central`.
    pub level: String,
    /// `1048`, `148` or `148-1489`.
    pub rule_set: String,
    /// The year of the evaluation round it results from.
    pub year: i32,
    pub decision_number: String,
    pub decision_date: String,
    pub certificate_number: String,
    /// The last day it is valid (36 months from the decision).
    pub valid_until: String,
    /// `valid`, `expired`, `superseded`, `revoked`, `lapsed` or `not_yet`, on the day asked.
    pub state: String,
    pub illustrative: bool,
}

/// An OCOP product with its producer and its decisions.
#[derive(Serialize, ToSchema)]
pub struct OcopProductDto {
    pub id: i64,
    pub name: String,
    /// Its 148/2023 product set (e.g. `I.3.b`), when classified under it.
    pub product_set: Option<String>,
    /// Its 1048/2019 group (1–6), for products certified before 2023.
    pub group_1048: Option<u8>,
    pub category: Option<String>,
    pub collective_brand: bool,
    pub regional: bool,
    pub national_code: String,
    pub producer: String,
    /// `htx`, `tht`, `dn` or `ho`.
    pub producer_kind: String,
    /// The unit the producer stands in on the day asked (followed through mergers).
    pub unit: String,
    /// Stars of the certificate valid on the day, if any.
    pub valid_stars: Option<u8>,
    pub certificates: Vec<OcopCertificateDto>,
    pub illustrative: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OcopQuery {
    /// The day the states are read on (YYYY-MM-DD); today by default.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// Only products with a certificate valid on the day.
    pub valid: Option<bool>,
}

/// The OCOP products the caller may read, with their decisions and each certificate's
/// state on the day.
#[utoipa::path(get, path = "/api/v1/ocop/products", params(OcopQuery), responses((status = 200, body = [OcopProductDto])), security(("token" = [])))]
pub async fn ocop_products(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<OcopQuery>,
) -> ApiResult<Vec<OcopProductDto>> {
    let ws = workspace(&state, Some(0)).await?;
    let day =
        q.on.unwrap_or_else(|| ntm_core::task::local_date(state.now()));
    let book = state
        .store
        .ocop_book()
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    let lines = ntm_app::ocop::products(
        &book,
        &ws.registry,
        Some(&caller.actor),
        &ntm_app::ocop::ProductFilter::default(),
        day,
    );
    let state_of = |s: ntm_core::ocop::CertState| match s {
        ntm_core::ocop::CertState::NotYet => "not_yet",
        ntm_core::ocop::CertState::Valid { .. } => "valid",
        ntm_core::ocop::CertState::Superseded { .. } => "superseded",
        ntm_core::ocop::CertState::Revoked => "revoked",
        ntm_core::ocop::CertState::Lapsed => "lapsed",
        ntm_core::ocop::CertState::Expired => "expired",
    };
    Ok(Json(
        lines
            .iter()
            .filter(|l| q.valid != Some(true) || l.valid.is_some())
            .map(|l| OcopProductDto {
                id: l.product.id,
                name: l.product.name.clone(),
                product_set: l.product.product_set.clone(),
                group_1048: l.product.group_1048,
                category: l.product.category().map(str::to_owned),
                collective_brand: l.product.collective_brand,
                regional: l.product.regional,
                national_code: l.product.national_code.clone(),
                producer: l.producer.name.clone(),
                producer_kind: l.producer.kind.as_str().into(),
                unit: l.unit.to_string(),
                valid_stars: l.valid.map(|c| c.stars),
                certificates: book
                    .certificates
                    .iter()
                    .filter(|c| c.product == l.product.id && c.decision_date <= day)
                    .map(|c| OcopCertificateDto {
                        id: c.id,
                        stars: c.stars,
                        level: c.level.as_str().into(),
                        rule_set: c.rule_set.as_str().into(),
                        year: c.year,
                        decision_number: c.decision_number.clone(),
                        decision_date: c.decision_date.to_string(),
                        certificate_number: c.certificate_number.clone(),
                        valid_until: c.valid_until().to_string(),
                        state: state_of(ntm_core::ocop::state(c, &book.certificates, day)).into(),
                        illustrative: c.illustrative,
                    })
                    .collect(),
                illustrative: l.product.illustrative,
            })
            .collect(),
    ))
}

/// Which tree the funds are placed on.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FundTree {
    /// Today's units: amounts of units that no longer exist under their successors.
    Current,
    /// Each amount under the unit it was recorded for.
    Recorded,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundsQuery {
    /// First year; 2021 by default.
    #[param(minimum = 2010, maximum = 2035)]
    pub from: Option<i32>,
    /// Last year; this year by default. Given before `from`, the two are swapped.
    #[param(minimum = 2010, maximum = 2035)]
    pub to: Option<i32>,
    /// `current` (the default) or `recorded`.
    #[param(value_type = Option<FundTree>)]
    pub tree: Option<FundTree>,
}

/// Plan and actual of one year, in đồng (decimal strings).
#[derive(Serialize, ToSchema)]
pub struct FundYearDto {
    pub year: i32,
    pub planned: String,
    pub actual: String,
}

/// A row of the funding report: a source, a unit or the total.
#[derive(Serialize, ToSchema)]
pub struct FundRowDto {
    /// The source's code, the unit's id, or `total`.
    pub key: String,
    pub label: String,
    pub years: Vec<FundYearDto>,
    pub planned: String,
    pub actual: String,
}

/// The mobilised funds the caller may read, by source and by unit, each line counted once.
#[derive(Serialize, ToSchema)]
pub struct FundReportDto {
    pub from: i32,
    pub to: i32,
    pub tree: String,
    /// Which tree the figures use, in words.
    pub tree_note: String,
    /// How amounts of units divided by the reform are shared.
    pub split_rule: String,
    pub lines: usize,
    /// Lines counted under a successor, and of them those divided among several units.
    pub inherited: usize,
    pub divided: usize,
    pub illustrative: bool,
    pub total: FundRowDto,
    pub by_source: Vec<FundRowDto>,
    pub units: Vec<FundRowDto>,
}

fn fund_row(
    r: &ntm_app::resources::FundingReport,
    key: String,
    row: &ntm_app::resources::Row,
) -> FundRowDto {
    FundRowDto {
        key,
        label: row.label.clone(),
        years: r
            .years
            .iter()
            .map(|y| {
                let s = row.by_year.get(y).copied().unwrap_or_default();
                FundYearDto {
                    year: *y,
                    planned: s.planned.normalize().to_string(),
                    actual: s.actual.normalize().to_string(),
                }
            })
            .collect(),
        planned: row.total.planned.normalize().to_string(),
        actual: row.total.actual.normalize().to_string(),
    }
}

/// The funding report: money mobilised per source and unit, plan against actual.
#[utoipa::path(get, path = "/api/v1/funds", params(FundsQuery), responses((status = 200, body = FundReportDto)), security(("token" = [])))]
pub async fn funds(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FundsQuery>,
) -> ApiResult<FundReportDto> {
    let today = ntm_core::task::local_date(state.now());
    let a = q.from.unwrap_or(2021);
    let b = q.to.unwrap_or_else(|| chrono::Datelike::year(&today));
    if ![a, b].iter().all(|y| (2010..=2035).contains(y)) {
        return Err(WebError::new(Kind::BadRequest, "Năm phải trong khoảng 2010–2035.").api());
    }
    let (from, to) = (a.min(b), a.max(b));
    let tree = match q.tree.unwrap_or(FundTree::Current) {
        FundTree::Current => ntm_app::resources::Tree::On(today),
        FundTree::Recorded => ntm_app::resources::Tree::Recorded,
    };
    let ws = workspace(&state, Some(0)).await?;
    let book = state
        .store
        .resource_book()
        .await
        .map_err(|e| api_err(ntm_app::AppError::from(e)))?;
    let r = ntm_app::resources::funding(
        &ws.catalogue,
        &ws.registry,
        &caller.actor,
        &book,
        (from, to),
        tree,
    );
    Ok(Json(FundReportDto {
        from,
        to,
        tree: if matches!(tree, ntm_app::resources::Tree::Recorded) {
            "recorded"
        } else {
            "current"
        }
        .into(),
        tree_note: tree.label_vi(),
        split_rule: ntm_core::resources::SPLIT_RULE.into(),
        lines: r.lines,
        inherited: r.inherited,
        divided: r.divided,
        illustrative: r.illustrative,
        total: fund_row(&r, "total".into(), &r.total),
        by_source: r
            .by_source
            .iter()
            .map(|(s, row)| fund_row(&r, s.as_str().into(), row))
            .collect(),
        units: r
            .units
            .iter()
            .map(|u| fund_row(&r, u.unit.to_string(), &u.row))
            .collect(),
    }))
}

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "ntm API", version = "1", description = "Units, criteria sets, values, evaluations, directives and tasks of the NTM information system. Errors: {\"error\": {\"status\", \"code\", \"message\", \"details\"}}."),
    paths(list_units, get_unit, list_sets, get_set, list_values, write_values, evaluation, summaries, list_directives, list_tasks, list_plans, plan_results, ocop_products, funds, quality),
    components(schemas(ErrorEnvelope, ErrorBody, FundTree)),
    modifiers(&Contract)
)]
pub struct ApiDoc;

/// Serves the OpenAPI document.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
