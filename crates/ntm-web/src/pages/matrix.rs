//! Ma trận: communes × criteria for a year, coloured by status, filterable by district
//! and level, sortable.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Chrome, render, visible, year_choices};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::criterion_class;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct MatrixQuery {
    pub year: Option<i32>,
    pub district: Option<String>,
    pub level: Option<String>,
    pub group: Option<String>,
    pub sort: Option<String>,
    /// A column filter: communes by their status on one criterion.
    pub criterion: Option<String>,
    pub status: Option<String>,
    pub page: Option<usize>,
    /// Communes a page (20 to 500; [`ROWS_A_PAGE`] unless chosen).
    pub per_page: Option<usize>,
}

/// Communes a page of the matrix shows: a province's fit on one or two pages; the
/// country's 10,000 would be a page of tens of megabytes.
const ROWS_A_PAGE: usize = 200;

pub struct Cell {
    pub class: &'static str,
    pub title: String,
    pub mark: &'static str,
}

pub struct MatrixRow {
    pub id: String,
    pub name: String,
    pub district: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub met: usize,
    pub cells: Vec<Cell>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    chrome: Option<Chrome>,
    basis_bar: super::BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    districts: Vec<Choice>,
    levels: Vec<Choice>,
    groups: Vec<Choice>,
    sorts: Vec<Choice>,
    columns: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    illustrative: bool,
    set_title: String,
    criteria: Vec<Choice>,
    statuses: Vec<Choice>,
    /// Communes that pass the filters (all pages).
    shown: usize,
    /// "Trang 2/5", the previous and the next page's addresses (empty at the ends).
    pager: Option<(String, String, String)>,
}

fn choices(options: &[(&str, &str)], selected: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| Choice {
            value: (*v).into(),
            label: (*l).into(),
            selected: *v == selected,
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<MatrixQuery>,
    chosen: super::ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = super::workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let filter = ntm_app::reports::MatrixFilter {
        district: q.district.unwrap_or_default(),
        group: q.group.unwrap_or_default(),
        level: q.level.unwrap_or_default(),
        sort: q.sort.unwrap_or_else(|| "name".into()),
    };
    let view = super::scoped(
        &state,
        &session,
        &chosen,
        "matrix",
        year,
        &format!("{filter:?}"),
        || {
            let scope = visible(&session, &ws.registry, year);
            Ok((
                ntm_app::reports::matrix(&ws, &scope, year, &filter),
                super::bar_counts(&ws, year, &scope),
            ))
        },
    )
    .await?;
    let (m, (unapproved, off_tree)) = &*view;
    let basis_bar = chosen.bar_on(&ws, year, *unapproved, *off_tree);
    let mut districts = vec![Choice {
        value: String::new(),
        label: "Tất cả".into(),
        selected: filter.district.is_empty(),
    }];
    districts.extend(m.districts.iter().map(|(id, name)| Choice {
        value: id.to_string(),
        label: name.clone(),
        selected: id.to_string() == filter.district,
    }));
    let criterion = q.criterion.unwrap_or_default();
    let status = q.status.unwrap_or_default();
    let lines: Vec<&ntm_app::reports::MatrixLine> = m
        .lines
        .iter()
        .filter(|l| {
            criterion.is_empty()
                || l.criteria.iter().any(|(id, _, s)| {
                    *id == criterion && (status.is_empty() || status_param(*s) == status)
                })
        })
        .collect();
    let per_page = q.per_page.unwrap_or(ROWS_A_PAGE).clamp(20, 500);
    let pages = lines.len().div_ceil(per_page).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let on_page = &lines[(page - 1) * per_page..(page * per_page).min(lines.len())];
    let pager = (pages > 1).then(|| {
        let at = |p: usize| {
            if (1..=pages).contains(&p) {
                chosen.href_setting("page", &p.to_string())
            } else {
                String::new()
            }
        };
        (format!("Trang {page}/{pages}"), at(page - 1), at(page + 1))
    });
    let mut criteria = vec![Choice {
        value: String::new(),
        label: "Tất cả".into(),
        selected: criterion.is_empty(),
    }];
    criteria.extend(m.columns.iter().map(|(id, name)| Choice {
        value: id.clone(),
        label: format!("{id}. {name}"),
        selected: *id == criterion,
    }));
    render(&MatrixPage {
        criteria,
        statuses: choices(STATUSES, &status),
        shown: lines.len(),
        pager,
        basis_bar,
        chrome: Some(Chrome::new(&session, &ws.registry, year, "matrix")),
        year,
        years: year_choices(year),
        districts,
        levels: choices(LEVELS, &filter.level),
        groups: choices(GROUPS, &filter.group),
        sorts: choices(SORTS, &filter.sort),
        rows: on_page.iter().map(|l| matrix_row(l)).collect(),
        columns: m.columns.clone(),
        illustrative: m.illustrative,
        set_title: m.set_title.clone(),
    })
}

const STATUSES: &[(&str, &str)] = &[
    ("", "Bất kỳ"),
    ("unmet", "Chưa đạt"),
    ("met", "Đạt"),
    ("unknown", "Chưa xác định"),
];

fn status_param(s: ntm_core::CriterionStatus) -> &'static str {
    match s {
        ntm_core::CriterionStatus::Met => "met",
        ntm_core::CriterionStatus::Unmet => "unmet",
        ntm_core::CriterionStatus::Unknown => "unknown",
    }
}

const LEVELS: &[(&str, &str)] = &[
    ("", "Tất cả"),
    ("none", "Chưa đạt chuẩn"),
    ("standard", "Đạt chuẩn"),
    ("advanced", "Nâng cao"),
    ("model", "Kiểu mẫu"),
];

/// Commune groups of the 2026-2030 set, an attribute of the commune in the year; "none"
/// selects communes not assigned to a group yet.
const GROUPS: &[(&str, &str)] = &[
    ("", "Tất cả"),
    ("1", "Nhóm 1"),
    ("2", "Nhóm 2"),
    ("3", "Nhóm 3"),
    ("none", "Chưa xếp nhóm"),
];

const SORTS: &[(&str, &str)] = &[
    ("name", "Tên xã"),
    ("district", "Đơn vị cấp huyện"),
    ("met", "Số tiêu chí đạt (ít trước)"),
];

fn matrix_row(l: &ntm_app::reports::MatrixLine) -> MatrixRow {
    MatrixRow {
        id: l.unit.to_string(),
        name: l.name.clone(),
        district: l.district.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
        level: l.level.label_vi(),
        level_class: crate::format::level_class(l.level),
        met: l.met,
        cells: l
            .criteria
            .iter()
            .map(|(id, name, status)| Cell {
                class: criterion_class(*status),
                title: format!("{} — tiêu chí {id} ({name}): {}", l.name, status.label_vi()),
                mark: match status {
                    ntm_core::CriterionStatus::Met => "✓",
                    ntm_core::CriterionStatus::Unmet => "✗",
                    ntm_core::CriterionStatus::Unknown => "?",
                },
            })
            .collect(),
    }
}
