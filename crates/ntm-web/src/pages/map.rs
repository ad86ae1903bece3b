//! The office's map page: the points of the post-reform units (the shipped ones, marked
//! where doubtful, and the office's corrections), and the boundary files of the two trees
//! with what matched and what did not, both ways.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, render, require_admin};
use crate::auth::Session;
use crate::error::WebResult;
use crate::state::AppState;

pub struct PointRow {
    pub code: String,
    pub name: String,
    pub lat: String,
    pub lon: String,
    pub source: &'static str,
    pub doubtful: bool,
}

pub struct TreeFile {
    pub tree: &'static str,
    pub title: &'static str,
    pub file: Option<String>,
    pub matched: usize,
    pub features_without_unit: Vec<String>,
    pub units_without_feature: Vec<String>,
    pub duplicates: Vec<String>,
}

#[derive(Template)]
#[template(path = "map_admin.html")]
struct MapPage {
    chrome: Option<Chrome>,
    csrf: String,
    map: Result<String, String>,
    points: Vec<PointRow>,
    trees: Vec<TreeFile>,
    message: String,
    /// What an upload did not match, both ways.
    details: Vec<String>,
    errors: Vec<String>,
}

async fn build(
    state: &AppState,
    session: &Session,
    message: String,
    errors: Vec<String>,
) -> WebResult<MapPage> {
    let registry = state.cache.registry(state.store.as_ref()).await?;
    require_admin(session, &registry)?;
    let base = crate::maps::base(state).await?;
    let units = ntm_app::maps::tree_units(&registry, "post");
    let name_of = |code: &str| {
        units
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
    };
    let points = base
        .points
        .iter()
        .map(|p| PointRow {
            name: name_of(&p.code),
            lat: format!("{:.5}", p.lat),
            lon: format!("{:.5}", p.lon),
            source: if base.corrected.contains(&p.code) {
                "văn phòng đã sửa"
            } else {
                "có sẵn (CC-BY-4.0)"
            },
            doubtful: ntm_data::shipped_units::HATINH_DOUBTFUL_POINTS.contains(&p.code.as_str())
                && !base.corrected.contains(&p.code),
            code: p.code.clone(),
        })
        .collect();
    let trees = [
        ("post", "Sau sắp xếp (từ 1/7/2025)"),
        ("pre", "Trước sắp xếp"),
    ]
    .into_iter()
    .map(|(tree, title)| match base.boundaries(tree) {
        Some(k) => TreeFile {
            tree,
            title,
            file: Some(format!(
                "{} — {} lúc {}",
                k.name,
                k.uploaded_by,
                crate::format::datetime(k.uploaded_at)
            )),
            matched: k.matching.matched.len(),
            features_without_unit: k
                .matching
                .features_without_unit
                .iter()
                .map(|f| {
                    format!(
                        "vùng thứ {}: {}{}",
                        f.number,
                        f.code_or_placeholder(),
                        f.name
                            .as_deref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
            units_without_feature: k
                .matching
                .units_without_feature
                .iter()
                .map(|(c, n)| format!("{n} ({c})"))
                .collect(),
            duplicates: k
                .matching
                .duplicates
                .iter()
                .map(|(c, _)| c.clone())
                .collect(),
        },
        None => TreeFile {
            tree,
            title,
            file: None,
            matched: 0,
            features_without_unit: Vec::new(),
            units_without_feature: Vec::new(),
            duplicates: Vec::new(),
        },
    })
    .collect();
    let map = crate::maps::unit_map(
        &base,
        &registry,
        ntm_app::maps::reform_day(),
        "ban-do-don-vi",
        "Các xã, phường sau sắp xếp",
        &[crate::maps::Class {
            label: "Xã, phường".into(),
            units: registry
                .as_of(ntm_app::maps::reform_day())
                .into_iter()
                .filter(|v| v.unit.level == ntm_core::UnitLevel::Commune)
                .map(|v| (v.id().clone(), format!("{} ({})", v.name(), v.unit.code)))
                .collect(),
        }],
    );
    Ok(MapPage {
        chrome: Some(Chrome::new(
            session,
            &registry,
            state.config.default_year,
            "maps",
        )),
        csrf: session.csrf.clone(),
        map,
        points,
        trees,
        message,
        details: Vec::new(),
        errors,
    })
}

pub async fn page(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    render(&build(&state, &session, String::new(), Vec::new()).await?)
}

#[derive(Deserialize)]
pub struct PointForm {
    #[serde(default)]
    csrf: String,
    code: String,
    lat: String,
    lon: String,
    #[serde(default)]
    note: String,
}

pub async fn set_point(
    State(state): State<AppState>,
    session: Session,
    axum::Form(form): axum::Form<PointForm>,
) -> WebResult<Response> {
    session.check_csrf(&form.csrf)?;
    let registry = state.cache.registry(state.store.as_ref()).await?;
    match ntm_app::maps::set_point(
        state.store.as_ref(),
        &registry,
        &session.actor,
        &form.code,
        &form.lat,
        &form.lon,
        &form.note,
        state.now(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/maps").into_response()),
        Err(ntm_app::AppError::Invalid(p)) => refused(&state, &session, p).await,
        Err(e) => Err(e.into()),
    }
}

async fn refused(
    state: &AppState,
    session: &Session,
    problems: Vec<String>,
) -> WebResult<Response> {
    let page = build(state, session, String::new(), problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Uploads a boundary file (multipart: `csrf`, `tree`, `code_property`, `file`).
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    multipart: axum::extract::Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let Some(file) = form.file("file") else {
        return refused(&state, &session, vec!["Chưa chọn tệp ranh giới.".into()]).await;
    };
    let registry = state.cache.registry(state.store.as_ref()).await?;
    let code_property = form.get("code_property").trim();
    match ntm_app::maps::upload_boundaries(
        state.store.as_ref(),
        &registry,
        &session.actor,
        form.get("tree"),
        &file.name,
        &file.bytes,
        (!code_property.is_empty()).then_some(code_property),
        state.now(),
    )
    .await
    {
        Ok(u) => {
            let message = format!(
                "Đã lưu tệp “{}”: {} vùng khớp mã đơn vị, {} vùng không khớp, {} đơn vị chưa có vùng; {} điểm tọa độ, còn {} sau khi đơn giản hóa.",
                file.name,
                u.matching.matched.len(),
                u.matching.features_without_unit.len(),
                u.matching.units_without_feature.len(),
                u.points_before,
                u.points_after
            );
            let mut page = build(&state, &session, message, Vec::new()).await?;
            page.details = u
                .matching
                .features_without_unit
                .iter()
                .map(|f| {
                    format!(
                        "Vùng thứ {} của tệp ({}{}) không khớp đơn vị nào: không được lưu.",
                        f.number,
                        f.code_or_placeholder(),
                        f.name
                            .as_deref()
                            .map(|n| format!(", {n}"))
                            .unwrap_or_default()
                    )
                })
                .chain(
                    u.matching
                        .units_without_feature
                        .iter()
                        .map(|(c, n)| format!("{n} ({c}) chưa có vùng trong tệp.")),
                )
                .collect();
            render(&page)
        }
        Err(ntm_app::AppError::Invalid(p)) => refused(&state, &session, p).await,
        Err(e) => Err(e.into()),
    }
}
