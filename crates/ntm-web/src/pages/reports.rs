//! Báo cáo: the criteria summary table, the level statistics, the candidates for the next
//! level and the data export — each as a page (printable to PDF: A4, landscape where wide,
//! page numbers from the browser's print footer), as a formatted .xlsx, over the viewer's
//! scope only. Also the import templates.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ntm_app::reports::{CriteriaSummary, LevelStatistics};
use ntm_core::evaluation::CriterionStatus;
use ntm_core::rollup::LevelStats;
use ntm_reports::{Cell, CellValue, Column, Table, Tone};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    BasisBar, ChosenBasis, Chrome, render, visible, workspace, workspace_on, year_choices,
};
use crate::auth::Session;
use crate::error::{WebError, WebResult, internal};
use crate::format::{number, percent};
use crate::state::{AppState, blocking};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize)]
pub struct ReportQuery {
    pub year: Option<i32>,
    pub format: Option<String>,
}

/// An .xlsx download.
pub fn xlsx(bytes: Vec<u8>, file: &str) -> Response {
    super::download(bytes, file, Some(XLSX))
}

pub(crate) fn t(text: impl Into<String>) -> Cell {
    Cell {
        value: CellValue::Text(text.into()),
        tone: Tone::Plain,
    }
}
pub(crate) fn int(n: usize) -> Cell {
    Cell {
        value: CellValue::Int(n as i64),
        tone: Tone::Plain,
    }
}
fn dec(d: Option<Decimal>, places: u32) -> Cell {
    Cell {
        value: d.map_or(CellValue::Empty, |value| CellValue::Decimal {
            value,
            places,
        }),
        tone: Tone::Plain,
    }
}
fn pct(d: Option<Decimal>) -> Cell {
    Cell {
        value: d.map_or(CellValue::Empty, CellValue::Percent),
        tone: Tone::Plain,
    }
}
fn bold(mut c: Cell) -> Cell {
    c.tone = Tone::Emphasis;
    c
}
pub(crate) fn col(header: &str, width: f64) -> Column {
    Column {
        header: header.into(),
        width,
    }
}

fn status_mark(s: CriterionStatus) -> (&'static str, &'static str, Tone) {
    match s {
        CriterionStatus::Met => ("✓", "met", Tone::Good),
        CriterionStatus::Unmet => ("✗", "unmet", Tone::Bad),
        CriterionStatus::Unknown => ("?", "unknown", Tone::Unknown),
    }
}

pub(crate) fn subtitle(scope: &str, set: &str, illustrative: bool, bar: &BasisBar) -> Vec<String> {
    let mut v = vec![
        format!("Phạm vi: {scope}"),
        format!("Bộ tiêu chí: {set}"),
        "Số liệu theo kết quả đánh giá; công nhận theo quyết định là hồ sơ riêng.".into(),
        basis_line(bar),
    ];
    if illustrative {
        v.push("MINH HỌA: ngưỡng và số liệu là số liệu minh họa (demo), không phải số liệu chính thức.".into());
    }
    v
}

/// What the numbers count, for a printed or exported report.
fn basis_line(bar: &BasisBar) -> String {
    let tree = if bar.tree.is_empty() {
        String::new()
    } else if bar.off_tree > 0 {
        format!(
            " {} {} xã có số liệu năm {} không thuộc địa giới này: không tính.",
            bar.tree, bar.off_tree, bar.year
        )
    } else {
        format!(" {}", bar.tree)
    };
    basis_words(bar) + &tree
}

fn basis_words(bar: &BasisBar) -> String {
    match (bar.official, bar.unapproved) {
        (_, 0) => bar.explained.to_owned(),
        (true, n) => format!(
            "{} Chưa tính {n} xã có số liệu năm {} chưa duyệt.",
            bar.explained, bar.year
        ),
        (false, n) => format!(
            "{} Trong đó {n} xã có số liệu năm {} chưa duyệt.",
            bar.explained, bar.year
        ),
    }
}

/// A report, or the message saying why there is none (no set for the year): kept as it
/// is, since it too holds until a write; any other failure is not kept.
fn found<T>(r: ntm_app::AppResult<T>) -> WebResult<Result<T, String>> {
    match r {
        Ok(r) => Ok(Ok(r)),
        Err(ntm_app::AppError::NotFound(m)) => Ok(Err(m)),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn scope_name(session: &Session, ws: &ntm_app::evaluate::Workspace) -> String {
    session
        .actor
        .grants
        .iter()
        .filter_map(|g| ws.registry.get(&g.unit).map(|u| u.latest().name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One commune line: (index, unit id, name, (mark, class) per criterion, criteria met,
/// level).
pub type SummaryLine = (
    usize,
    String,
    String,
    Vec<(&'static str, &'static str)>,
    usize,
    &'static str,
);

pub struct SummaryView {
    pub name: String,
    pub rows: Vec<SummaryLine>,
    pub stats: Vec<String>,
}

#[derive(Template)]
#[template(path = "report_criteria.html")]
struct CriteriaPage {
    chrome: Option<Chrome>,
    basis_bar: BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    scope: String,
    set: String,
    illustrative: bool,
    columns: Vec<(String, String)>,
    groups: Vec<SummaryView>,
    totals: Vec<String>,
    met_per_criterion: Vec<usize>,
    empty: String,
}

fn stats_line(s: &LevelStats) -> Vec<String> {
    vec![
        format!("{} xã", s.communes),
        format!(
            "đạt chuẩn {} ({})",
            s.standard_or_above,
            percent(s.standard_pct())
        ),
        format!("nâng cao {}", s.advanced_or_above),
        format!("kiểu mẫu {}", s.model),
        format!(
            "bình quân {} tiêu chí/xã",
            s.average_criteria().map_or("—".into(), number)
        ),
    ]
}

fn criteria_table(r: &CriteriaSummary, scope: &str, bar: &BasisBar) -> Table {
    let mut columns = vec![col("STT", 5.0), col("Đơn vị", 24.0)];
    columns.extend(
        r.criteria
            .iter()
            .map(|(id, _)| col(&format!("TC {id}"), 5.5)),
    );
    columns.push(col("Số tiêu chí đạt", 9.0));
    columns.push(col("Mức đạt", 13.0));
    let n = r.criteria.len();
    let mut rows = Vec::new();
    let mut index = 0;
    for g in &r.groups {
        let mut head = vec![bold(t("")), bold(t(g.name.clone()))];
        head.extend((0..n).map(|_| t("")));
        head.push(bold(dec(g.stats.average_criteria(), 2)));
        head.push(bold(t(format!(
            "{}/{} đạt chuẩn",
            g.stats.standard_or_above, g.stats.communes
        ))));
        rows.push(head);
        for row in &g.rows {
            index += 1;
            let mut cells = vec![int(index), t(row.name.clone())];
            cells.extend(row.statuses.iter().map(|s| {
                let (mark, _, tone) = status_mark(*s);
                Cell {
                    value: CellValue::Text(mark.into()),
                    tone,
                }
            }));
            cells.push(int(row.met));
            cells.push(t(row.level.label_vi()));
            rows.push(cells);
        }
    }
    let mut met = vec![bold(t("")), bold(t("Số xã đạt từng tiêu chí"))];
    met.extend(r.met_per_criterion.iter().map(|m| bold(int(*m))));
    met.push(bold(t("")));
    met.push(bold(t("")));
    let mut avg = vec![bold(t("")), bold(t("Bình quân tiêu chí/xã"))];
    avg.extend((0..n).map(|_| t("")));
    avg.push(bold(dec(r.totals.average_criteria(), 2)));
    avg.push(bold(t(format!(
        "{}/{} đạt chuẩn",
        r.totals.standard_or_above, r.totals.communes
    ))));
    Table {
        sheet: format!("Tổng hợp tiêu chí {}", r.year),
        title: format!(
            "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM {}{}",
            r.year,
            bar.suffix.to_uppercase()
        ),
        subtitle: subtitle(
            scope,
            &format!("{} ({})", r.set_title, r.set_id),
            r.illustrative,
            bar,
        ),
        columns,
        header_rows: vec![],
        rows,
        totals: vec![met, avg],
        notes: vec![
            "✓ đạt; ✗ chưa đạt; ? chưa xác định (thiếu số liệu hoặc chưa cấu hình ngưỡng).".into(),
            "Bình quân tiêu chí/xã = tổng số tiêu chí đạt của các xã ÷ số xã.".into(),
        ],
        landscape: true,
        freeze_columns: 2,
    }
}

pub async fn criteria(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ReportQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let scope_title = scope_name(&session, &ws);
    let view = super::scoped(&state, &session, &chosen, "criteria", year, "", || {
        let scope = visible(&session, &ws.registry, year);
        Ok((
            found(ntm_app::reports::criteria_summary(&ws, year, &scope))?,
            super::bar_counts(&ws, year, &scope),
        ))
    })
    .await?;
    let bar = chosen.bar_on(&ws, year, view.1.0, view.1.1);
    let chrome = Some(Chrome::new(&session, &ws.registry, year, "reports"));
    let r = match &view.0 {
        Ok(r) => r,
        Err(m) => {
            let m = m.clone();
            return render(&CriteriaPage {
                basis_bar: bar.clone(),
                chrome,
                year,
                years: year_choices(year),
                scope: scope_title,
                set: String::new(),
                illustrative: false,
                columns: vec![],
                groups: vec![],
                totals: vec![],
                met_per_criterion: vec![],
                empty: m,
            });
        }
    };
    if q.format.as_deref() == Some("xlsx") {
        let table = criteria_table(r, &scope_title, &bar);
        let bytes = blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(xlsx(bytes, &format!("tong-hop-tieu-chi-{year}.xlsx")));
    }
    let mut index = 0;
    let groups = r
        .groups
        .iter()
        .map(|g| SummaryView {
            name: g.name.clone(),
            stats: stats_line(&g.stats),
            rows: g
                .rows
                .iter()
                .map(|row| {
                    index += 1;
                    let marks = row.statuses.iter().map(|s| {
                        let (m, c, _) = status_mark(*s);
                        (m, c)
                    });
                    (
                        index,
                        row.unit.to_string(),
                        row.name.clone(),
                        marks.collect(),
                        row.met,
                        row.level.label_vi(),
                    )
                })
                .collect(),
        })
        .collect();
    render(&CriteriaPage {
        basis_bar: bar.clone(),
        chrome,
        year,
        years: year_choices(year),
        scope: scope_title,
        set: format!("{} ({})", r.set_title, r.set_id),
        illustrative: r.illustrative,
        columns: r.criteria.clone(),
        totals: stats_line(&r.totals),
        met_per_criterion: r.met_per_criterion.clone(),
        groups,
        empty: String::new(),
    })
}

pub struct LevelRow {
    pub area: String,
    pub cells: Vec<String>,
    pub own: &'static str,
}

#[derive(Template)]
#[template(path = "report_levels.html")]
struct LevelsPage {
    chrome: Option<Chrome>,
    basis_bar: BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    scope: String,
    illustrative: bool,
    rows: Vec<LevelRow>,
    districts: String,
    empty: String,
}

fn own_text(s: Option<CriterionStatus>) -> &'static str {
    match s {
        None => "—",
        Some(CriterionStatus::Met) => "đạt",
        Some(CriterionStatus::Unmet) => "chưa đạt",
        Some(CriterionStatus::Unknown) => "chưa đủ căn cứ",
    }
}

fn change(now: usize, before: Option<&LevelStats>, f: impl Fn(&LevelStats) -> usize) -> String {
    before.map_or("—".into(), |b| {
        let d = now as i64 - f(b) as i64;
        if d > 0 {
            format!("+{d}")
        } else {
            d.to_string()
        }
    })
}

fn levels_table(r: &LevelStatistics, scope: &str, bar: &BasisBar) -> Table {
    let columns = vec![
        col("Địa bàn", 24.0),
        col("Số xã", 8.0),
        col("Có số liệu", 9.0),
        col("Đạt chuẩn", 10.0),
        col("Tỷ lệ (% số xã)", 11.0),
        col("Tăng so năm trước", 10.0),
        col("Nâng cao", 9.0),
        col("Tỷ lệ (% xã NTM)", 11.0),
        col("Tăng", 7.0),
        col("Kiểu mẫu", 9.0),
        col("Tỷ lệ (% xã NTM)", 11.0),
        col("Tăng", 7.0),
        col("BQ tiêu chí/xã", 10.0),
        col("Kết quả cấp huyện/tỉnh", 16.0),
    ];
    let rows = r
        .lines
        .iter()
        .map(|l| {
            let b = l.before.as_ref();
            vec![
                t(l.area.clone()),
                int(l.all),
                int(l.now.communes),
                int(l.now.standard_or_above),
                pct(l.standard_pct_of_all()),
                t(change(l.now.standard_or_above, b, |s| s.standard_or_above)),
                int(l.now.advanced_or_above),
                pct(l.now.advanced_pct_of_ntm()),
                t(change(l.now.advanced_or_above, b, |s| s.advanced_or_above)),
                int(l.now.model),
                pct(l.now.model_pct_of_ntm()),
                t(change(l.now.model, b, |s| s.model)),
                dec(l.now.average_criteria(), 2),
                t(own_text(l.own)),
            ]
        })
        .collect();
    let mut notes = vec![
        "Số xã: mọi xã của địa bàn trong năm; có số liệu: xã có số liệu được tính. Tỷ lệ đạt chuẩn tính trên tổng số xã (xã chưa có số liệu tính là chưa đạt); tỷ lệ nâng cao và kiểu mẫu tính trên số xã đạt chuẩn NTM (như báo cáo toàn quốc).".into(),
        "Bình quân tiêu chí/xã = tổng số tiêu chí đạt ÷ số xã.".into(),
    ];
    if let Some((met, all)) = r.districts {
        notes.push(format!(
            "Đơn vị cấp huyện đạt chuẩn/hoàn thành nhiệm vụ: {met}/{all}."
        ));
    }
    Table {
        sheet: format!("Thống kê mức đạt {}", r.year),
        title: format!(
            "THỐNG KÊ KẾT QUẢ XÂY DỰNG NÔNG THÔN MỚI NĂM {}{}",
            r.year,
            bar.suffix.to_uppercase()
        ),
        subtitle: subtitle(scope, "theo bộ tiêu chí áp dụng", r.illustrative, bar),
        columns,
        header_rows: vec![],
        rows,
        totals: vec![],
        notes,
        landscape: true,
        freeze_columns: 1,
    }
}

pub async fn levels(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ReportQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let prev = workspace_on(&state, Some(year - 1), chosen.basis).await?;
    let scope_title = scope_name(&session, &ws);
    let view = super::scoped(&state, &session, &chosen, "levels", year, "", || {
        let scope = visible(&session, &ws.registry, year);
        Ok((
            found(ntm_app::reports::level_statistics(&ws, &prev, year, &scope))?,
            super::bar_counts(&ws, year, &scope),
        ))
    })
    .await?;
    let bar = chosen.bar_on(&ws, year, view.1.0, view.1.1);
    let chrome = Some(Chrome::new(&session, &ws.registry, year, "reports"));
    let r = match &view.0 {
        Ok(r) => r,
        Err(m) => {
            let m = m.clone();
            return render(&LevelsPage {
                basis_bar: bar.clone(),
                chrome,
                year,
                years: year_choices(year),
                scope: scope_title,
                illustrative: false,
                rows: vec![],
                districts: String::new(),
                empty: m,
            });
        }
    };
    if q.format.as_deref() == Some("xlsx") {
        let table = levels_table(r, &scope_title, &bar);
        let bytes = blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(xlsx(bytes, &format!("thong-ke-muc-dat-{year}.xlsx")));
    }
    let rows = r
        .lines
        .iter()
        .map(|l| {
            let b = l.before.as_ref();
            LevelRow {
                area: l.area.clone(),
                cells: vec![
                    l.all.to_string(),
                    l.now.communes.to_string(),
                    l.now.standard_or_above.to_string(),
                    percent(l.standard_pct_of_all()),
                    change(l.now.standard_or_above, b, |s| s.standard_or_above),
                    l.now.advanced_or_above.to_string(),
                    percent(l.now.advanced_pct_of_ntm()),
                    change(l.now.advanced_or_above, b, |s| s.advanced_or_above),
                    l.now.model.to_string(),
                    percent(l.now.model_pct_of_ntm()),
                    change(l.now.model, b, |s| s.model),
                    l.now.average_criteria().map_or("—".into(), number),
                ],
                own: own_text(l.own),
            }
        })
        .collect();
    render(&LevelsPage {
        basis_bar: bar.clone(),
        chrome,
        year,
        years: year_choices(year),
        scope: scope_title,
        illustrative: r.illustrative,
        rows,
        districts: r
            .districts
            .map(|(m, a)| format!("Đơn vị cấp huyện đạt chuẩn/hoàn thành nhiệm vụ: {m}/{a}."))
            .unwrap_or_default(),
        empty: String::new(),
    })
}

pub struct CandidateRow {
    pub rank: usize,
    pub unit: String,
    pub name: String,
    pub district: String,
    pub level: &'static str,
    pub next: &'static str,
    pub count: usize,
    pub lacking: String,
}

#[derive(Template)]
#[template(path = "report_candidates.html")]
struct CandidatesPage {
    chrome: Option<Chrome>,
    basis_bar: BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    scope: String,
    rows: Vec<CandidateRow>,
}

/// What a commune still lacks, in a line: "TC 10: 10 thiếu 5,2; TC 17 (chưa đủ số liệu)".
pub(crate) fn lacking_text(lacking: &[ntm_app::reports::Lack]) -> String {
    lacking
        .iter()
        .map(|l| {
            let inds: Vec<String> = l
                .indicators
                .iter()
                .map(|(id, gap, st)| match (gap, st) {
                    (Some(g), ntm_core::IndicatorStatus::Unmet) => {
                        format!("{id} thiếu {}", number(*g))
                    }
                    (_, st) => format!("{id} {}", st.label_vi()),
                })
                .collect();
            if inds.is_empty() {
                format!("TC {} ({})", l.criterion, l.status.label_vi())
            } else {
                format!("TC {}: {}", l.criterion, inds.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn candidates(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ReportQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let scope_title = scope_name(&session, &ws);
    let view = super::scoped(&state, &session, &chosen, "candidates", year, "", || {
        let scope = visible(&session, &ws.registry, year);
        Ok((
            ntm_app::reports::candidates(&ws, year, &scope)?,
            super::bar_counts(&ws, year, &scope),
        ))
    })
    .await?;
    let bar = chosen.bar_on(&ws, year, view.1.0, view.1.1);
    let list = &view.0;
    let rows: Vec<CandidateRow> = list
        .iter()
        .enumerate()
        .map(|(i, c)| CandidateRow {
            rank: i + 1,
            unit: c.unit.to_string(),
            name: c.name.clone(),
            district: c.district.clone(),
            level: c.level.label_vi(),
            next: c.next.label_vi(),
            count: c.lacking.len(),
            lacking: lacking_text(&c.lacking),
        })
        .collect();
    if q.format.as_deref() == Some("xlsx") {
        let table = Table {
            sheet: format!("Xã gần đạt mức {year}"),
            title: format!(
                "DANH SÁCH XÃ XẾP THEO KHOẢNG CÁCH ĐẾN MỨC TIẾP THEO NĂM {year}{}",
                bar.suffix.to_uppercase()
            ),
            subtitle: subtitle(
                &scope_title,
                "theo bộ tiêu chí áp dụng",
                list.is_empty(),
                &bar,
            ),
            columns: vec![
                col("STT", 5.0),
                col("Xã", 22.0),
                col("Đơn vị cấp huyện", 20.0),
                col("Mức hiện tại", 13.0),
                col("Mức tiếp theo", 13.0),
                col("Số tiêu chí còn thiếu", 10.0),
                col("Còn thiếu", 70.0),
            ],
            header_rows: vec![],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        int(r.rank),
                        t(r.name.clone()),
                        t(r.district.clone()),
                        t(r.level),
                        t(r.next),
                        int(r.count),
                        t(r.lacking.clone()),
                    ]
                })
                .collect(),
            totals: vec![],
            notes: vec!["Xếp theo mức tiếp theo, rồi số tiêu chí còn thiếu (ít trước).".into()],
            landscape: true,
            freeze_columns: 2,
        };
        let bytes = blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(xlsx(bytes, &format!("xa-gan-dat-muc-{year}.xlsx")));
    }
    render(&CandidatesPage {
        basis_bar: bar.clone(),
        chrome: Some(Chrome::new(&session, &ws.registry, year, "reports")),
        year,
        years: year_choices(year),
        scope: scope_title,
        rows,
    })
}

#[derive(Deserialize)]
pub struct ExportQuery {
    pub year: Option<i32>,
    pub format: Option<String>,
}

/// All values in scope in the long format (CSV or .xlsx), re-importable with zero changes.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ExportQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, q.year.or(Some(0))).await?;
    let records = state
        .store
        .list_values(&ntm_store::ValueFilter {
            year: q.year,
            units: None,
            indicator_id: None,
        })
        .await
        .map_err(ntm_app::AppError::from)?;
    // Off the request threads: a country's year is 630,000 rows. The decision is taken
    // once per unit-year, not once per value.
    let registry = ws.registry.clone();
    let grants = session.actor.grants.clone();
    let records = blocking(move || {
        let mut decided: std::collections::HashMap<(ntm_core::UnitId, i32), bool> =
            std::collections::HashMap::new();
        let mut records = records;
        records.retain(|r| {
            *decided
                .entry((r.unit_id.clone(), r.year))
                .or_insert_with(|| {
                    ntm_core::access::can(
                        &registry,
                        &grants,
                        ntm_core::access::Action::View,
                        &r.unit_id,
                        r.year,
                    )
                })
        });
        records
    })
    .await?;
    let suffix = q.year.map_or("tat-ca".into(), |y| y.to_string());
    if q.format.as_deref() == Some("xlsx") {
        let subtitle = format!("Phạm vi: {}", scope_name(&session, &ws));
        let bytes = blocking(move || ntm_app::values::values_workbook(records, subtitle)).await??;
        return Ok(xlsx(bytes, &format!("so-lieu-{suffix}.xlsx")));
    }
    let rows: Vec<ntm_data::values_file::ValueRow> = records
        .into_iter()
        .map(|r| ntm_data::values_file::ValueRow {
            line: 0,
            place: String::new(),
            unit: r.unit_id.to_string(),
            year: r.year.to_string(),
            indicator: r.indicator_id,
            value: r.value,
            note: r.note,
            keeps_note: false,
        })
        .collect();
    let csv = ntm_data::values_file::write_values(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"so-lieu-{suffix}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    chrome: Option<Chrome>,
    year: i32,
    years: Vec<(i32, bool)>,
    scopes: Vec<(String, String)>,
    /// The plans covering the year: (id, title, period).
    plans: Vec<(i64, String, String)>,
}

pub async fn index(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace(&state, Some(0)).await?;
    let scopes = session
        .actor
        .grants
        .iter()
        .filter_map(|g| {
            ws.registry
                .get(&g.unit)
                .map(|u| (g.unit.to_string(), u.latest().name.clone()))
        })
        .collect();
    let plans = ntm_app::targets::visible_plans(state.store.as_ref(), &ws.registry, &session.actor)
        .await?
        .into_iter()
        .filter(|p| ntm_core::target::Period::parse(&p.period).is_some_and(|x| x.contains(year)))
        .map(|p| (p.id, p.title, p.period))
        .collect();
    render(&IndexPage {
        chrome: Some(Chrome::new(&session, &ws.registry, year, "reports")),
        year,
        years: year_choices(year),
        scopes,
        plans,
    })
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    pub year: i32,
    pub scope: String,
}

/// The .xlsx import template of a scope and year: one row per commune, one column per
/// indicator of the applicable sets, existing values filled in.
pub async fn template(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<TemplateQuery>,
) -> WebResult<Response> {
    let scope_id = super::unit_id(&q.scope)?;
    // The template is filled with the values as they stand, approved or not.
    let ws = super::workspace_on(&state, Some(q.year), ntm_app::evaluate::Basis::Current).await?;
    super::require(
        &session,
        &ws.registry,
        ntm_core::access::Action::View,
        &scope_id,
        q.year,
    )?;
    let visible_units = visible(&session, &ws.registry, q.year);
    let date = chrono::NaiveDate::from_ymd_opt(q.year, 12, 31)
        .ok_or_else(|| WebError::not_found("năm"))?;
    let units: Vec<_> = ws
        .registry
        .subtree_on(&scope_id, date)
        .into_iter()
        .filter(|v| v.unit_type() == ntm_core::UnitType::Commune && visible_units.contains(v.id()))
        .collect();
    if units.is_empty() {
        return Err(WebError::new(
            crate::error::Kind::Invalid,
            "Không có xã nào trong phạm vi này để lập mẫu nhập liệu.",
        ));
    }
    let set = ws.default_set(ntm_core::UnitType::Commune, q.year)?;
    let unit_ids: Vec<ntm_core::UnitId> = units.iter().map(|v| v.id().clone()).collect();
    let indicators = ntm_app::reports::template_indicators(&ws, set, &unit_ids, q.year);
    let mut existing = std::collections::BTreeMap::new();
    let mut notes = std::collections::BTreeMap::new();
    for v in &units {
        if let Some(m) = ws.values.get(&(v.id().clone(), q.year)) {
            for (k, e) in m {
                existing.insert((v.id().to_string(), k.to_string()), e.value.canonical());
                let (note, evidence) = ntm_app::notes::shown_note(e.note.as_deref());
                if !note.is_empty() || !evidence.is_empty() {
                    notes.insert((v.id().to_string(), k.to_string()), (note, evidence));
                }
            }
        }
    }
    let spec = ntm_reports::TemplateSpec {
        year: q.year,
        set_id: set.id().0.clone(),
        set_title: set.header.title.clone(),
        illustrative: set.is_illustrative(),
        scope_title: ws
            .registry
            .get(&scope_id)
            .map_or_else(String::new, |u| u.latest().name.clone()),
        units: units.iter().map(ntm_app::reports::template_unit).collect(),
        indicators,
        existing,
        notes,
    };
    let bytes = ntm_reports::template(&spec).map_err(|e| internal(anyhow::anyhow!("{e}")))?;
    Ok(xlsx(
        bytes,
        &format!("mau-nhap-lieu-{}-{}.xlsx", scope_id.code(), q.year),
    ))
}

#[derive(Deserialize)]
pub struct WhatIfQuery {
    pub year: Option<i32>,
    /// The set to compare with; the next period's default commune set when absent.
    pub set: Option<String>,
    pub format: Option<String>,
}

pub struct WhatIfLine {
    pub name: String,
    pub now: String,
    pub under: String,
    pub lower: bool,
    pub lacking: String,
}

#[derive(Template)]
#[template(path = "report_whatif.html")]
struct WhatIfPage {
    chrome: Option<Chrome>,
    basis_bar: BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    scope: String,
    sets: Vec<(String, bool)>,
    set: String,
    empty: String,
    report: Option<ntm_app::reports::WhatIf>,
    lines: Vec<WhatIfLine>,
    standard_now: usize,
    standard_under: usize,
}

fn level_text(l: (ntm_core::criteria::Level, usize, usize)) -> String {
    format!("{} — {}/{} tiêu chí", l.0.label_vi(), l.1, l.2)
}

/// So sánh giả định: a year's data judged under a set of another period (the 2025 data
/// under the 2026-2030 set), beside the year's own result.
pub async fn what_if(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<WhatIfQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    // Last year's data under the set of the year the pages open on, by default.
    let year = q.year.unwrap_or(state.config.default_year - 1);
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let scope = visible(&session, &ws.registry, year);
    let bar = chosen.bar_on(
        &ws,
        year,
        ws.unapproved_communes(year, None, |u| scope.contains(u)),
        ws.communes_off_tree(year, |u| scope.contains(u)),
    );
    let choices = ntm_app::reports::what_if_sets(&ws, year);
    let set = q
        .set
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| choices.first().map(|s| s.0.clone()))
        .unwrap_or_default();
    let mut page = WhatIfPage {
        chrome: Some(Chrome::new(&session, &ws.registry, year, "reports")),
        basis_bar: bar,
        year,
        years: year_choices(year),
        scope: scope_name(&session, &ws),
        sets: choices.iter().map(|s| (s.0.clone(), s.0 == set)).collect(),
        set: set.clone(),
        empty: String::new(),
        report: None,
        lines: vec![],
        standard_now: 0,
        standard_under: 0,
    };
    let r =
        match ntm_app::reports::what_if(&ws, year, &ntm_core::criteria::SetId(set.clone()), &scope)
        {
            Ok(r) => r,
            Err(e @ (ntm_app::AppError::NotFound(_) | ntm_app::AppError::Ambiguous(_))) => {
                page.empty = e.to_string();
                return render(&page);
            }
            Err(e) => return Err(e.into()),
        };
    if r.rows.is_empty() {
        page.empty = format!("chưa có số liệu của xã nào năm {year} trong phạm vi này");
    }
    if q.format.as_deref() == Some("xlsx") {
        let (now, under) = r.standard();
        let table = Table {
            sheet: format!("So sánh {year}"),
            title: format!(
                "SO SÁNH GIẢ ĐỊNH: SỐ LIỆU NĂM {year} THEO BỘ TIÊU CHÍ MỚI{}",
                page.basis_bar.suffix.to_uppercase()
            ),
            subtitle: {
                let mut s = subtitle(
                    &page.scope,
                    &format!("{} (năm {year}), so với {}", r.now_set, r.new_set),
                    r.new_set_illustrative,
                    &page.basis_bar,
                );
                s.push(format!(
                    "Đạt chuẩn: {now} xã theo bộ của năm {year}, {under} xã nếu áp dụng bộ mới (mức của năm {})",
                    r.levels_of
                ));
                s
            },
            columns: vec![
                col("Xã", 28.0),
                col(&format!("Theo bộ năm {year}"), 26.0),
                col("Theo bộ mới", 26.0),
                col("Tiêu chí chưa đạt theo bộ mới", 60.0),
            ],
            header_rows: vec![],
            rows: r
                .rows
                .iter()
                .map(|w| {
                    vec![
                        t(w.name.clone()),
                        t(level_text(w.now)),
                        t(level_text(w.under)),
                        t(w.lacking.join("; ")),
                    ]
                })
                .collect(),
            totals: vec![],
            notes: vec![
                "Giả định: số liệu đã có của năm được đánh giá theo bộ mới; không phải kết quả chính thức.".into(),
            ],
            landscape: true,
            freeze_columns: 1,
        };
        let bytes = blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(xlsx(bytes, &format!("so-sanh-gia-dinh-{year}.xlsx")));
    }
    (page.standard_now, page.standard_under) = r.standard();
    page.lines = r
        .rows
        .iter()
        .map(|w| WhatIfLine {
            name: w.name.clone(),
            now: level_text(w.now),
            under: level_text(w.under),
            lower: w.falls,
            lacking: w.lacking.join("; "),
        })
        .collect();
    page.report = Some(r);
    render(&page)
}
