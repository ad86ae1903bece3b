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
}

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
    let scope = visible(&session, &ws.registry, year);
    let m = ntm_app::reports::matrix(&ws, &scope, year, &filter);
    let basis_bar = chosen.bar_on(
        &ws,
        year,
        ws.unapproved_communes(year, None, |u| scope.contains(u)),
        ws.communes_off_tree(year, |u| scope.contains(u)),
    );
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
    render(&MatrixPage {
        basis_bar,
        chrome: Some(Chrome::new(&session, &ws.registry, year, "matrix")),
        year,
        years: year_choices(year),
        districts,
        levels: choices(LEVELS, &filter.level),
        groups: choices(GROUPS, &filter.group),
        sorts: choices(SORTS, &filter.sort),
        rows: m.lines.iter().map(matrix_row).collect(),
        columns: m.columns,
        illustrative: m.illustrative,
        set_title: m.set_title,
    })
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
