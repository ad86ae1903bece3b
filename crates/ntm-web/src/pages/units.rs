//! Đơn vị: the unit tree as of a date, searchable without diacritics, and a unit's page
//! with its versions and its lineage across the 2025 reform.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use ntm_core::UnitLevel;
use ntm_core::access::Action;
use serde::Deserialize;

use super::{Chrome, render, unit_id, visible, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::format::date;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct TreeQuery {
    pub as_of: Option<NaiveDate>,
    pub q: Option<String>,
}

pub struct Row {
    pub id: String,
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Option<Chrome>,
    as_of: String,
    as_of_text: String,
    q: String,
    rows: Vec<Row>,
}

pub async fn tree(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<TreeQuery>,
) -> WebResult<Response> {
    let default = NaiveDate::from_ymd_opt(state.config.default_year, 12, 31).expect("valid year");
    let as_of = query.as_of.unwrap_or(default);
    let ws = workspace(&state, Some(0)).await?;
    let scope = visible(&session, &ws.registry, as_of.year());
    let q = query.q.unwrap_or_default();
    let rows = ws
        .registry
        .as_of(as_of)
        .into_iter()
        .filter(|v| scope.contains(v.id()))
        .filter(|v| q.trim().is_empty() || ntm_core::text::matches(v.name(), &q))
        .map(|v| Row {
            id: v.id().to_string(),
            code: v.unit.code.clone(),
            name: v.name().to_owned(),
            depth: match v.unit.level {
                UnitLevel::Province => 0,
                UnitLevel::District => 1,
                UnitLevel::Commune => {
                    if v.parent().is_some_and(|p| {
                        ws.registry
                            .get(p)
                            .is_some_and(|u| u.level == UnitLevel::Province)
                    }) {
                        1
                    } else {
                        2
                    }
                }
            },
            kind: v.unit_type().as_vi().to_owned(),
        })
        .collect();
    let chrome = Some(Chrome::new(
        &session,
        &ws.registry,
        state.config.default_year,
        "units",
    ));
    render(&UnitsPage {
        chrome,
        as_of: as_of.to_string(),
        as_of_text: date(as_of),
        q,
        rows,
    })
}

pub struct VersionRow {
    pub period: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
}

pub struct EdgeRow {
    pub from_id: String,
    pub from_name: String,
    pub to_id: String,
    pub to_name: String,
    pub date: String,
    pub kind: &'static str,
    pub from_visible: bool,
    pub to_visible: bool,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Option<Chrome>,
    id: String,
    code: String,
    name: String,
    valid: String,
    versions: Vec<VersionRow>,
    predecessors: Vec<EdgeRow>,
    successors: Vec<EdgeRow>,
    years: Vec<(i32, bool)>,
    /// Region and commune group over time: (what, value, period, basis).
    attributes: Vec<(&'static str, String, String, String)>,
    /// Whether a commune group is set at all (the 2026-2030 thresholds key on it).
    has_group: bool,
    /// The office may change them here.
    may_edit: bool,
    csrf: String,
    errors: Vec<String>,
    regions: Vec<&'static str>,
    /// The title held today, in lines: the first says the level and what it rests on,
    /// the others the units it was inherited from. Empty for a unit ntm does not recognise.
    standing: Vec<(String, Option<i64>)>,
    /// "Theo đánh giá năm 2026 (số liệu đã duyệt): đạt chuẩn", beside the title.
    evaluated: String,
    /// For a commune: its villages now, how many are model residential areas, its gardens
    /// and model gardens (the register is at `/units/{id}/villages`).
    villages: Option<(usize, usize, usize, usize)>,
}

/// The lines of a standing, nested by its lineage.
fn standing_lines(
    s: &ntm_app::recognition::Standing,
    depth: usize,
    out: &mut Vec<(String, Option<i64>)>,
) {
    use ntm_app::recognition::StandingBasis;
    let indent = "— ".repeat(depth);
    let level = if s.level == ntm_core::Level::None {
        "chưa có danh hiệu".to_owned()
    } else {
        s.level.label_vi().to_owned()
    };
    match &s.basis {
        StandingBasis::Decision { dossier, text } => {
            out.push((format!("{indent}{level}: {text}"), Some(*dossier)))
        }
        StandingBasis::Nothing => out.push((
            format!("{indent}{level}: không có quyết định công nhận nào được ghi trong ntm"),
            None,
        )),
        StandingBasis::Inherited {
            merged_on,
            rule,
            from,
        } => {
            out.push((
                format!(
                    "{indent}{level} (kế thừa khi sáp nhập ngày {}: {})",
                    date(*merged_on),
                    rule.describe_vi()
                ),
                None,
            ));
            for (_, name, st) in from {
                let mut inner = Vec::new();
                standing_lines(st, depth + 1, &mut inner);
                if let Some(first) = inner.first_mut() {
                    first.0 = format!(
                        "{}{name}: {}",
                        "— ".repeat(depth + 1),
                        first.0.trim_start_matches("— ")
                    );
                }
                out.extend(inner);
            }
        }
    }
}

pub async fn unit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    render(&unit_page(&state, &session, id, vec![]).await?)
}

#[derive(serde::Deserialize)]
pub struct AttributeForm {
    #[serde(default)]
    csrf: String,
    key: String,
    value: String,
    from: String,
    source: String,
}

/// The office sets the unit's region or commune group from a date on.
pub async fn set_attribute(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<AttributeForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let id = unit_id(&id)?;
    let registry = state.cache.registry(state.store.as_ref()).await?;
    let key = match f.key.as_str() {
        "region" => Some(ntm_core::unit::AttributeKey::Region),
        "commune_group" => Some(ntm_core::unit::AttributeKey::CommuneGroup),
        _ => None,
    };
    let from = chrono::NaiveDate::parse_from_str(f.from.trim(), "%Y-%m-%d").ok();
    let result = match (key, from) {
        (Some(key), Some(from)) => ntm_app::units::set_attributes(
            state.store.as_ref(),
            &registry,
            &session.actor,
            &[ntm_app::units::AttributeChange {
                unit: id.clone(),
                key,
                value: f.value.clone(),
                from,
                source: f.source.clone(),
                line: None,
            }],
            &session.actor.audit(state.now(), "vùng, nhóm xã"),
        )
        .await
        .map(|_| ()),
        (None, _) => Err(ntm_app::AppError::Invalid(vec![
            "chọn vùng hoặc nhóm xã".into(),
        ])),
        (_, None) => Err(ntm_app::AppError::Invalid(vec![format!(
            "“{}” không phải ngày (YYYY-MM-DD)",
            f.from
        )])),
    };
    match result {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("/units/{id}")).into_response()),
        Err(ntm_app::AppError::Invalid(errors)) => {
            let page = unit_page(&state, &session, id, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn unit_page(
    state: &AppState,
    session: &Session,
    id: ntm_core::UnitId,
    errors: Vec<String>,
) -> WebResult<UnitPage> {
    let ws = state
        .cache
        .workspace_of_units(
            state.store.as_ref(),
            std::slice::from_ref(&id),
            ntm_app::evaluate::Basis::Approved,
        )
        .await?;
    let u = ws
        .registry
        .get(&id)
        .ok_or_else(|| WebError::not_found(format!("Không có đơn vị {id}.")))?;
    let valid = u.valid();
    let last_year = valid
        .to
        .map_or(state.config.default_year.max(2026), |t| t.year());
    if !super::can_view_ever(session, &ws.registry, &id) {
        return Err(WebError::forbidden());
    }
    let name_of = |i: &ntm_core::UnitId| {
        ws.registry
            .get(i)
            .map(|u| u.latest().name.clone())
            .unwrap_or_default()
    };
    let sees = |i: &ntm_core::UnitId, y: i32| {
        ntm_core::access::can(&ws.registry, &session.actor.grants, Action::View, i, y)
    };
    let edge = |e: &ntm_core::unit::LineageEdge| EdgeRow {
        from_id: e.from.to_string(),
        from_name: name_of(&e.from),
        to_id: e.to.to_string(),
        to_name: name_of(&e.to),
        date: date(e.effective),
        kind: e.kind.label_vi(),
        from_visible: sees(&e.from, e.effective.year() - 1),
        to_visible: sees(&e.to, e.effective.year()),
    };
    let horizon = ws.catalogue.years();
    let first = horizon.map_or(i32::MAX, |h| h.from).max(valid.from.year());
    let last = horizon.map_or(i32::MIN, |h| h.to).min(last_year);
    let years: Vec<(i32, bool)> = (first..=last).map(|y| (y, ws.has_values(&id, y))).collect();
    let recognisable = matches!(u.level, ntm_core::UnitLevel::District)
        || u.versions
            .iter()
            .any(|v| v.unit_type == ntm_core::UnitType::Commune);
    let mut standing = Vec::new();
    let mut evaluated = String::new();
    if recognisable {
        let records = state
            .store
            .list_dossiers(&ntm_store::DossierFilter::default())
            .await
            .map_err(ntm_app::AppError::from)?;
        let today = ntm_core::task::local_date(state.now());
        let on = valid.to.map_or(today, |t| t.min(today));
        let s = ntm_app::recognition::standing(
            &ws.registry,
            &records,
            &id,
            on,
            state.config.inherit_rule,
        );
        standing_lines(&s, 0, &mut standing);
        if let Some(y) = years.iter().rev().find(|(_, has)| *has).map(|(y, _)| *y)
            && let Ok(e) = ws.evaluate(&id, y, None)
        {
            evaluated = format!(
                "Theo đánh giá năm {y} (số liệu đã duyệt): {} — đủ điều kiện theo đánh giá, không phải quyết định công nhận.",
                e.ladder.level.label_vi()
            );
        }
    }
    let villages = if u.level == ntm_core::UnitLevel::Commune {
        let book = state
            .store
            .village_book()
            .await
            .map_err(ntm_app::AppError::from)?;
        let today = ntm_core::task::local_date(state.now());
        let day = valid.to.map_or(today, |t| t.min(today));
        let (now, _) = ntm_app::villages::of_commune(&ws.registry, &book, &id, day);
        Some((
            now.len(),
            now.iter().filter(|l| l.title.is_some()).count(),
            now.iter().map(|l| l.gardens).sum(),
            now.iter().map(|l| l.model_gardens).sum(),
        ))
    } else {
        None
    };
    let page = UnitPage {
        standing,
        evaluated,
        villages,
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "units",
        )),
        id: id.to_string(),
        code: u.code.clone(),
        name: u.latest().name.clone(),
        valid: valid.to_string(),
        versions: u
            .versions
            .iter()
            .map(|v| VersionRow {
                period: v.valid.to_string(),
                name: v.name.clone(),
                kind: v.unit_type.as_vi().to_owned(),
                parent: v.parent.as_ref().map(&name_of).unwrap_or_default(),
            })
            .collect(),
        predecessors: ws.registry.ancestry(&id).into_iter().map(edge).collect(),
        successors: ws.registry.descendants(&id).into_iter().map(edge).collect(),
        years,
        attributes: {
            let mut rows: Vec<_> = ws
                .registry
                .attributes()
                .iter()
                .filter(|a| a.unit == id)
                .collect();
            rows.sort_by_key(|a| (a.key, a.valid.from));
            rows.into_iter()
                .map(|a| {
                    (
                        match a.key {
                            ntm_core::unit::AttributeKey::Region => "Vùng",
                            ntm_core::unit::AttributeKey::CommuneGroup => "Nhóm xã (2026-2030)",
                        },
                        a.value.clone(),
                        a.valid.to_string(),
                        a.source.clone(),
                    )
                })
                .collect()
        },
        has_group: ws
            .registry
            .attributes()
            .iter()
            .any(|a| a.unit == id && a.key == ntm_core::unit::AttributeKey::CommuneGroup),
        may_edit: session
            .actor
            .can_globally(&ws.registry, Action::EditCriteria),
        csrf: session.csrf.clone(),
        errors,
        regions: ntm_data::criteria_file::REGIONS.to_vec(),
    };
    Ok(page)
}
