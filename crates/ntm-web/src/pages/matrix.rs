//! Ma trận: communes × criteria for a year, coloured by status, filterable by district
//! and level, sortable.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use ntm_core::criteria::Level;
use serde::Deserialize;

use super::{Chrome, render, visible, workspace, year_choices};
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
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace(&state, Some(year)).await?;
    let scope = visible(&session, &ws.registry, year);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let district_filter = q.district.clone().unwrap_or_default();
    let level_filter = q.level.clone().unwrap_or_default();
    // Commune group (1-3) of the 2026-2030 set, an attribute of the commune in the year;
    // "none" selects communes not assigned to a group yet.
    let group_filter = q.group.clone().unwrap_or_default();
    let sort = q.sort.clone().unwrap_or_else(|| "name".into());
    let mut rows = Vec::new();
    let mut columns: Vec<(String, String)> = Vec::new();
    let mut illustrative = false;
    let mut set_title = String::new();
    for v in ws
        .communes(year, None)
        .into_iter()
        .filter(|v| scope.contains(v.id()))
    {
        let parent = v.parent().and_then(|p| ws.registry.view_on(p, end));
        let district = parent
            .as_ref()
            .filter(|p| p.unit.level == ntm_core::UnitLevel::District);
        if !district_filter.is_empty()
            && district.map(|d| d.id().to_string()) != Some(district_filter.clone())
        {
            continue;
        }
        if !group_filter.is_empty() {
            let group = ws
                .context(v.id(), year)
                .group
                .map_or_else(|| "none".to_owned(), |g| g.to_string());
            if group != group_filter {
                continue;
            }
        }
        let Ok(e) = ws.evaluate(v.id(), year, None) else {
            continue;
        };
        if !level_filter.is_empty() && e.ladder.level.as_str() != level_filter {
            continue;
        }
        let base = &e.ladder.steps[0];
        if columns.is_empty() {
            columns = base
                .criteria
                .iter()
                .map(|c| (c.criterion.id.clone(), c.criterion.name.clone()))
                .collect();
            set_title = format!("{} ({})", base.set.header.title, base.set.id());
        }
        illustrative |= e.illustrative();
        rows.push(MatrixRow {
            id: v.id().to_string(),
            name: v.name().to_owned(),
            district: district.map(|d| d.name().to_owned()).unwrap_or_default(),
            level: e.ladder.level.label_vi(),
            level_class: match e.ladder.level {
                Level::None => "lv-none",
                Level::Standard => "lv-standard",
                Level::Advanced => "lv-advanced",
                Level::Model => "lv-model",
            },
            met: base.criteria_met(),
            cells: base
                .criteria
                .iter()
                .map(|c| Cell {
                    class: criterion_class(c.status),
                    title: format!(
                        "{} — tiêu chí {} ({}): {}",
                        v.name(),
                        c.criterion.id,
                        c.criterion.name,
                        c.status.label_vi()
                    ),
                    mark: match c.status {
                        ntm_core::CriterionStatus::Met => "✓",
                        ntm_core::CriterionStatus::Unmet => "✗",
                        ntm_core::CriterionStatus::Unknown => "?",
                    },
                })
                .collect(),
        });
    }
    match sort.as_str() {
        "met" => rows.sort_by(|a, b| a.met.cmp(&b.met).then_with(|| a.name.cmp(&b.name))),
        "district" => rows.sort_by(|a, b| (&a.district, &a.name).cmp(&(&b.district, &b.name))),
        _ => rows.sort_by_key(|r| ntm_core::text::search_key(&r.name)),
    }
    let mut districts = vec![Choice {
        value: String::new(),
        label: "Tất cả".into(),
        selected: district_filter.is_empty(),
    }];
    districts.extend(
        ws.registry
            .as_of(end)
            .into_iter()
            .filter(|d| d.unit.level == ntm_core::UnitLevel::District && scope.contains(d.id()))
            .map(|d| Choice {
                value: d.id().to_string(),
                label: d.name().to_owned(),
                selected: d.id().to_string() == district_filter,
            }),
    );
    let page = MatrixPage {
        chrome: Some(Chrome::new(&session, &ws.registry, year, "matrix")),
        year,
        years: year_choices(year),
        districts,
        levels: choices(
            &[
                ("", "Tất cả"),
                ("none", "Chưa đạt chuẩn"),
                ("standard", "Đạt chuẩn"),
                ("advanced", "Nâng cao"),
                ("model", "Kiểu mẫu"),
            ],
            &level_filter,
        ),
        groups: choices(
            &[
                ("", "Tất cả"),
                ("1", "Nhóm 1"),
                ("2", "Nhóm 2"),
                ("3", "Nhóm 3"),
                ("none", "Chưa xếp nhóm"),
            ],
            &group_filter,
        ),
        sorts: choices(
            &[
                ("name", "Tên xã"),
                ("district", "Đơn vị cấp huyện"),
                ("met", "Số tiêu chí đạt (ít trước)"),
            ],
            &sort,
        ),
        columns,
        rows,
        illustrative,
        set_title,
    };
    render(&page)
}
