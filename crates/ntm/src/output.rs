//! Rendering results for the terminal (Vietnamese, vi-VN numbers and dates) and as JSON.
//! JSON field names are English and stable; statuses are the lowercase English words of
//! the core (`met`, `unmet`, `missing`, `unconfigured`, `unknown`).

use chrono::NaiveDate;
use ntm_app::demo::DemoReport;
use ntm_app::evaluate::{Basis, UnitEvaluation};
use ntm_app::summary::Summary;
use ntm_core::criteria::{Comparison, CriteriaSet, Level};
use ntm_core::evaluation::{CriterionStatus, IndicatorResult};
use ntm_core::unit::{Unit, UnitView};
use ntm_core::{Catalogue, UnitRegistry, Value};
use ntm_data::criteria_file::FileProblem;
use ntm_store::{AuditRecord, CriteriaSetRecord, PutOutcome, WriteSummary};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

const ILLUSTRATIVE_BANNER: &str = "⚠ MINH HỌA: ngưỡng và số liệu dưới đây là số liệu minh họa (demo), không phải số liệu chính thức.";

fn print_json(v: &Json) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// A decimal in vi-VN style: decimal comma, dot as thousands separator.
pub fn vi_number(d: Decimal) -> String {
    ntm_core::text::vi_number(d)
}

fn vi_pct(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".into(), |d| format!("{}%", vi_number(d.round_dp(2))))
}

fn vi_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn num(d: Decimal) -> Json {
    d.normalize()
        .to_string()
        .parse::<f64>()
        .map(Json::from)
        .unwrap_or(Json::Null)
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Number(n) => num(*n),
        Value::Pass(_) => Json::from(v.to_string()),
    }
}

fn value_text(v: &Value, unit: Option<&str>) -> String {
    match v {
        Value::Number(n) => match unit {
            Some("%") => format!("{}%", vi_number(*n)),
            Some(u) => format!("{} {u}", vi_number(*n)),
            None => vi_number(*n),
        },
        Value::Pass(_) => v.to_string(),
    }
}

fn level_vi(level: Level) -> &'static str {
    level.label_vi()
}

pub fn check(
    files: &[(String, String)],
    problems: &[FileProblem],
    json: bool,
) -> anyhow::Result<()> {
    if json {
        print_json(&json!({
            "files": files.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "ok": problems.is_empty(),
            "problems": problems.iter().map(|p| json!({
                "file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message
            })).collect::<Vec<_>>(),
        }))?;
    } else if problems.is_empty() {
        for (name, _) in files {
            outln!("{name}: hợp lệ");
        }
    } else {
        for p in problems {
            outln!("{p}");
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} lỗi trong tệp bộ tiêu chí", problems.len())
    }
}

/// The preview of an import, on standard error when the result goes to standard output as
/// JSON.
pub fn preview(p: &ntm_app::imports::Preview, json: bool) -> anyhow::Result<()> {
    let say = |line: String| {
        if json {
            eprintln!("{line}")
        } else {
            outln!("{line}")
        }
    };
    say(format!(
        "Xem trước: {} giá trị mới, {} giá trị thay đổi, {} không đổi.",
        p.new.len(),
        p.changed.len(),
        p.unchanged
    ));
    for c in p.changed.iter().take(50) {
        say(format!(
            "  {} ({}) năm {} chỉ tiêu {}: {} → {}",
            c.unit_name,
            c.unit,
            c.year,
            c.indicator,
            c.old.as_deref().unwrap_or(""),
            c.new
        ));
    }
    if p.changed.len() > 50 {
        say(format!("  … và {} thay đổi khác", p.changed.len() - 50));
    }
    for r in &p.refused {
        say(format!(
            "  Bỏ qua {} ({}) năm {}: số liệu {} — {} giá trị của tệp không được ghi",
            r.unit_name, r.unit, r.year, r.reason, r.values
        ));
    }
    Ok(())
}

pub fn write_summary(what: &str, s: &WriteSummary, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(
            &json!({"inserted": s.inserted, "updated": s.updated, "unchanged": s.unchanged}),
        );
    }
    outln!(
        "Đã nhập {what}: {} mới, {} thay đổi, {} không đổi.",
        s.inserted,
        s.updated,
        s.unchanged
    );
    Ok(())
}

fn unit_view_json(v: &UnitView<'_>) -> Json {
    json!({
        "id": v.id().as_str(), "code": v.unit.code, "name": v.name(), "type": v.unit_type().as_vi(),
        "level": v.unit.level.as_str(), "parent": v.parent().map(|p| p.as_str()),
        "valid_from": v.unit.valid().from.to_string(), "valid_to": v.unit.valid().to.map(|d| d.to_string()),
    })
}

pub fn units(views: &[UnitView<'_>], date: NaiveDate, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(
            &json!({"as_of": date.to_string(), "units": views.iter().map(unit_view_json).collect::<Vec<_>>()}),
        );
    }
    outln!(
        "Đơn vị hành chính ngày {} ({} đơn vị)",
        vi_date(date),
        views.len()
    );
    for v in views {
        let indent = match v.unit.level {
            ntm_core::UnitLevel::Province => "",
            ntm_core::UnitLevel::District => "  ",
            ntm_core::UnitLevel::Commune => {
                if v.parent().map(|p| p.code().len()) == Some(2) {
                    "  "
                } else {
                    "    "
                }
            }
        };
        outln!("{indent}{:<6} {}", v.unit.code, v.name());
    }
    Ok(())
}

pub fn lineage(registry: &UnitRegistry, unit: &Unit, json: bool) -> anyhow::Result<()> {
    let name = |id: &ntm_core::UnitId| {
        registry
            .get(id)
            .map(|u| u.latest().name.clone())
            .unwrap_or_default()
    };
    let edge_json = |e: &ntm_core::unit::LineageEdge| {
        json!({
            "from": {"id": e.from.as_str(), "name": name(&e.from)}, "to": {"id": e.to.as_str(), "name": name(&e.to)},
            "effective": e.effective.to_string(), "kind": e.kind.as_str(), "basis": e.basis,
        })
    };
    let ancestry = registry.ancestry(&unit.id);
    let descendants = registry.descendants(&unit.id);
    if json {
        return print_json(&json!({
            "unit": {"id": unit.id.as_str(), "code": unit.code, "name": unit.latest().name, "valid_from": unit.valid().from.to_string(), "valid_to": unit.valid().to.map(|d| d.to_string()),
                     "versions": unit.versions.iter().map(|v| json!({"name": v.name, "type": v.unit_type.as_vi(), "parent": v.parent.as_ref().map(|p| p.as_str()), "valid_from": v.valid.from.to_string(), "valid_to": v.valid.to.map(|d| d.to_string())})).collect::<Vec<_>>()},
            "predecessors": ancestry.iter().map(|e| edge_json(e)).collect::<Vec<_>>(),
            "successors": descendants.iter().map(|e| edge_json(e)).collect::<Vec<_>>(),
        }));
    }
    outln!(
        "{} — mã {} ({}), hiệu lực {}",
        unit.latest().name,
        unit.code,
        unit.id,
        unit.valid()
    );
    for v in &unit.versions {
        let parent = v
            .parent
            .as_ref()
            .map(|p| format!(", thuộc {}", name(p)))
            .unwrap_or_default();
        outln!(
            "  {}: {} ({}){parent}",
            v.valid,
            v.name,
            v.unit_type.as_vi()
        );
    }
    for (title, edges) in [("Tiền thân:", &ancestry), ("Kế thừa bởi:", &descendants)] {
        if !edges.is_empty() {
            outln!("{title}");
        }
        for e in edges.iter() {
            outln!(
                "  {} ({}) → {} ({}) từ {} [{}]",
                name(&e.from),
                e.from,
                name(&e.to),
                e.to,
                vi_date(e.effective),
                e.kind.label_vi()
            );
        }
    }
    if ancestry.is_empty() && descendants.is_empty() {
        outln!("Không có sáp nhập, chia tách nào được ghi nhận.");
    }
    Ok(())
}

pub fn criteria_list(
    records: &[CriteriaSetRecord],
    catalogue: &Catalogue,
    json: bool,
) -> anyhow::Result<()> {
    let rows: Vec<Json> = records
        .iter()
        .map(|r| {
            let set = catalogue.get(&ntm_core::SetId(r.id.clone()));
            json!({
                "id": r.id, "version": r.version, "title": r.title,
                "level": set.map(|s| s.header.level.as_str()), "unit_kind": set.map(|s| s.header.kind.as_str()),
                "period": set.map(|s| format!("{}-{}", s.header.period.from, s.header.period.to)),
                "derives_from": set.and_then(|s| s.derives_from.as_ref().map(|d| d.0.clone())),
                "illustrative": set.is_some_and(|s| s.is_illustrative()),
                "imported_at": r.imported_at.to_rfc3339(), "imported_by": r.imported_by,
            })
        })
        .collect();
    if json {
        return print_json(&json!({"criteria_sets": rows}));
    }
    if records.is_empty() {
        outln!("Chưa có bộ tiêu chí nào. Nhập bằng: ntm criteria import --shipped");
    }
    for r in records {
        let set = catalogue.get(&ntm_core::SetId(r.id.clone()));
        let tag = if set.is_some_and(|s| s.is_illustrative()) {
            " [minh họa]"
        } else {
            ""
        };
        let extra = set
            .map(|s| {
                format!(
                    " — {}, {}–{}",
                    s.header.level.label_vi(),
                    s.header.period.from,
                    s.header.period.to
                )
            })
            .unwrap_or_default();
        outln!("{} (v{}){tag}: {}{extra}", r.id, r.version, r.title);
    }
    Ok(())
}

fn comparison_text(c: Comparison) -> &'static str {
    match c {
        Comparison::AtLeast => "≥",
        Comparison::AtMost => "≤",
        Comparison::Equal => "=",
        Comparison::Pass => "đạt",
    }
}

pub fn criteria_show(set: &CriteriaSet, json: bool) -> anyhow::Result<()> {
    let h = &set.header;
    if json {
        return print_json(&json!({
            "id": h.id.0, "title": h.title, "level": h.level.as_str(), "unit_kind": h.kind.as_str(),
            "applies_to": h.applies_to.iter().map(|t| t.as_vi()).collect::<Vec<_>>(),
            "period": {"from": h.period.from, "to": h.period.to}, "requires": h.requires.as_ref().map(|r| r.0.clone()),
            "derives_from": set.derives_from.as_ref().map(|d| d.0.clone()), "illustrative": h.illustrative,
            "legal_basis": h.legal_basis.iter().map(|l| json!({"decision": l.decision, "date": l.date, "part": l.part, "source": l.source, "confidence": l.confidence.as_str()})).collect::<Vec<_>>(),
            "criteria": set.criteria.iter().map(|c| json!({
                "id": c.id, "name": c.name, "indicators": c.indicators.iter().map(|i| json!({
                    "id": i.id, "name": i.name, "unit": i.unit, "comparison": i.comparison.as_str(),
                    "computed": i.computed.map(|c| c.as_str()), "value_of": i.value_of,
                    "threshold_from": i.threshold_from.as_ref().map(|t| json!({"indicator": t.indicator, "factor": num(t.factor)})),
                    "thresholds": i.thresholds.iter().map(|t| json!({
                        "value": num(t.value), "region": t.when.region, "group": t.when.group, "year": t.when.year,
                        "source": t.source, "confidence": t.confidence.as_str(), "illustrative": t.illustrative,
                    })).collect::<Vec<_>>(),
                    "configured": i.comparison == Comparison::Pass || !i.thresholds.is_empty() || i.threshold_from.is_some(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
    }
    if h.illustrative {
        outln!("{ILLUSTRATIVE_BANNER}");
    }
    outln!("{} — {}", h.id, h.title);
    outln!(
        "Mức: {}; áp dụng: {}; giai đoạn {}–{}",
        h.level.label_vi(),
        h.applies_to
            .iter()
            .map(|t| t.as_vi())
            .collect::<Vec<_>>()
            .join(", "),
        h.period.from,
        h.period.to
    );
    if let Some(d) = &set.derives_from {
        outln!("Kế thừa từ: {d}");
    }
    if let Some(r) = &h.requires {
        outln!("Yêu cầu đạt trước: {r}");
    }
    for l in &h.legal_basis {
        outln!(
            "Căn cứ: {} {} {}",
            l.decision.as_deref().unwrap_or("(chưa xác định số hiệu)"),
            l.date.as_deref().unwrap_or(""),
            l.part.as_deref().unwrap_or("")
        );
    }
    for c in &set.criteria {
        outln!("\nTiêu chí {}: {}", c.id, c.name);
        if c.indicators.is_empty() {
            outln!("  (chưa có chỉ tiêu — chưa cấu hình)");
        }
        for i in &c.indicators {
            let unit = i.unit.as_deref().unwrap_or("");
            let thresholds = if i.comparison == Comparison::Pass {
                "đạt".to_owned()
            } else if let Some(t) = &i.threshold_from {
                format!(
                    "{} {} × ngưỡng {} của bộ yêu cầu trước",
                    comparison_text(i.comparison),
                    vi_number(t.factor),
                    t.indicator
                )
            } else if let Some(c) = i.computed {
                format!(
                    "tính từ cấp dưới ({}); {}",
                    c.as_str(),
                    i.thresholds
                        .iter()
                        .map(|t| format!(
                            "{} {}",
                            comparison_text(i.comparison),
                            vi_number(t.value)
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            } else if i.thresholds.is_empty() {
                "CHƯA CẤU HÌNH NGƯỠNG".to_owned()
            } else {
                i.thresholds
                    .iter()
                    .map(|t| {
                        format!(
                            "{} {}{unit} ({}{}{})",
                            comparison_text(i.comparison),
                            vi_number(t.value),
                            t.when,
                            if t.illustrative { ", minh họa" } else { "" },
                            t.source
                                .as_deref()
                                .map(|s| format!(", nguồn {s}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            outln!("  {} {} — {thresholds}", i.id, i.name);
        }
    }
    Ok(())
}

pub fn criteria_imported(outcomes: &[(String, PutOutcome)], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(
            &json!({"criteria_sets": outcomes.iter().map(|(id, o)| match o {
            PutOutcome::Created { version } => json!({"id": id, "version": version, "changed": true}),
            PutOutcome::Unchanged { version } => json!({"id": id, "version": version, "changed": false}),
        }).collect::<Vec<_>>()}),
        );
    }
    for (id, o) in outcomes {
        match o {
            PutOutcome::Created { version } => outln!("{id}: đã lưu phiên bản {version}"),
            PutOutcome::Unchanged { version } => outln!("{id}: không đổi (phiên bản {version})"),
        }
    }
    Ok(())
}

fn indicator_json(r: &IndicatorResult<'_>, note: Option<&String>) -> Json {
    let t = r.threshold.as_ref();
    json!({
        "id": r.indicator.id, "name": r.indicator.name, "unit": r.indicator.unit,
        "value": r.value.as_ref().map(value_json), "comparison": r.indicator.comparison.as_str(),
        "threshold": t.map(|t| t.value.map_or(Json::from("đạt"), num)),
        "status": r.status.as_str(), "gap": r.gap.map(num),
        "threshold_source": t.and_then(|t| t.source.clone()), "threshold_confidence": t.map(|t| t.confidence.as_str()),
        "threshold_illustrative": t.map(|t| t.illustrative), "threshold_derivation": t.and_then(|t| t.derivation.clone()),
        "note": note, "problem": r.problem,
    })
}

pub fn evaluation(e: &UnitEvaluation<'_>, json: bool) -> anyhow::Result<()> {
    let result = e.result();
    if json {
        let next = e.ladder.next();
        return print_json(&json!({
            "unit": {"code": e.unit.code, "name": e.name, "id": e.unit.id.as_str(), "type": e.unit_type.as_vi()},
            "year": e.year,
            "criteria_set": e.set.id().0, "criteria_set_title": e.set.header.title,
            "illustrative": e.illustrative(),
            "basis": basis_json(e.basis), "unapproved_status": e.unapproved.map(|s| s.as_str()),
            "context": {"region": e.context.region, "group": e.context.group},
            "criteria_total": result.criteria_total(), "criteria_met": result.criteria_met(),
            "criteria_unmet": result.count(CriterionStatus::Unmet), "criteria_unknown": result.count(CriterionStatus::Unknown),
            "status": result.status.as_str(),
            "level": e.ladder.level.as_str(),
            "levels": e.ladder.steps.iter().map(|s| json!({
                "level": s.set.header.level.as_str(), "set": s.set.id().0, "status": s.status.as_str(),
                "criteria_met": s.criteria_met(), "criteria_total": s.criteria_total(),
            })).collect::<Vec<_>>(),
            "next_level": next.map(|s| json!({
                "level": s.set.header.level.as_str(), "set": s.set.id().0,
                "criteria_unmet": s.criteria.iter().filter(|c| c.status == CriterionStatus::Unmet).map(|c| &c.criterion.id).collect::<Vec<_>>(),
                "criteria_unknown": s.criteria.iter().filter(|c| c.status == CriterionStatus::Unknown).map(|c| &c.criterion.id).collect::<Vec<_>>(),
            })),
            "computed": e.computed.iter().map(|(k, v)| (k.as_str().to_owned(), num(*v))).collect::<serde_json::Map<_, _>>(),
            "criteria": result.criteria.iter().map(|c| json!({
                "id": c.criterion.id, "name": c.criterion.name, "status": c.status.as_str(),
                "indicators": c.indicators.iter().map(|i| indicator_json(i, e.notes.get(i.indicator.value_key()))).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
    }
    if e.illustrative() {
        outln!("{ILLUSTRATIVE_BANNER}");
    }
    outln!(
        "{} (mã {}) — năm {}{}",
        e.name,
        e.unit.code,
        e.year,
        e.basis.title_suffix()
    );
    outln!("{}", e.basis.explained());
    if let Some(status) = e.unapproved {
        outln!(
            "{}",
            match e.basis {
                Basis::Approved => format!(
                    "Số liệu năm {} của đơn vị chưa được duyệt ({}): không tính ở đây; --unapproved để xem đánh giá theo số liệu hiện có.",
                    e.year,
                    status.label_vi()
                ),
                Basis::Current => format!(
                    "Số liệu năm {} của đơn vị chưa được duyệt ({}).",
                    e.year,
                    status.label_vi()
                ),
            }
        );
    }
    outln!("Bộ tiêu chí: {} — {}", e.set.id(), e.set.header.title);
    outln!(
        "Đạt {}/{} tiêu chí ({} chưa đạt, {} chưa xác định). Mức đạt: {}.",
        result.criteria_met(),
        result.criteria_total(),
        result.count(CriterionStatus::Unmet),
        result.count(CriterionStatus::Unknown),
        level_vi(e.ladder.level)
    );
    let gaps = e.set.gaps();
    if !gaps.empty_criteria.is_empty() {
        outln!(
            "Bộ tiêu chí chưa đủ để đánh giá: {}. Ở những chỗ đó kết quả là “chưa xác định” do bộ chưa đủ, không phải do đơn vị chưa đạt.",
            gaps.describe_vi()
        );
    } else if let Some(next) = e.ladder.next() {
        let lacking: Vec<&str> = next
            .criteria
            .iter()
            .filter(|c| c.status != CriterionStatus::Met)
            .map(|c| c.criterion.id.as_str())
            .collect();
        outln!(
            "Để đạt mức {} ({}) còn thiếu tiêu chí: {}",
            next.set.header.level.label_vi(),
            next.set.id(),
            lacking.join(", ")
        );
    }
    for c in &result.criteria {
        let mark = match c.status {
            CriterionStatus::Met => "✓",
            CriterionStatus::Unmet => "✗",
            CriterionStatus::Unknown => "?",
        };
        outln!(
            "\n{mark} Tiêu chí {}: {} — {}",
            c.criterion.id,
            c.criterion.name,
            c.status.label_vi()
        );
        for i in &c.indicators {
            let unit = i.indicator.unit.as_deref();
            let value = i
                .value
                .as_ref()
                .map_or("—".to_owned(), |v| value_text(v, unit));
            let threshold = match &i.threshold {
                None => "chưa cấu hình ngưỡng".to_owned(),
                Some(t) => match t.value {
                    None => "yêu cầu: đạt".to_owned(),
                    Some(v) => format!(
                        "ngưỡng {} {}{}{}",
                        comparison_text(i.indicator.comparison),
                        value_text(&Value::Number(v), unit),
                        if t.illustrative { " (minh họa)" } else { "" },
                        t.source
                            .as_deref()
                            .map(|s| format!(", nguồn: {s}"))
                            .unwrap_or_default()
                    ),
                },
            };
            let gap = match (i.gap, i.status) {
                (Some(g), ntm_core::IndicatorStatus::Unmet) => {
                    format!(", còn thiếu {}", vi_number(g))
                }
                _ => String::new(),
            };
            outln!(
                "    {} {}: {value}; {threshold} → {}{gap}",
                i.indicator.id,
                i.indicator.name,
                i.status.label_vi()
            );
        }
    }
    Ok(())
}

fn stats_json(s: &ntm_core::rollup::LevelStats) -> Json {
    json!({
        "communes": s.communes, "standard": s.standard_or_above, "advanced": s.advanced_or_above, "model": s.model,
        "standard_pct": s.standard_pct().map(num), "advanced_pct_of_ntm": s.advanced_pct_of_ntm().map(num),
        "model_pct_of_ntm": s.model_pct_of_ntm().map(num), "advanced_pct_of_all": s.advanced_pct_of_all().map(num),
        "criteria_met_sum": s.criteria_met_sum, "criteria_total": s.criteria_total,
        "average_criteria": s.average_criteria().map(num),
        "bands": {"all": s.bands[0], "15_to_all_but_one": s.bands[1], "10_to_14": s.bands[2], "5_to_9": s.bands[3], "under_5": s.bands[4]},
        "bands_labelled": s.labelled_bands().iter().map(|(label, n)| json!({"label": label, "communes": n})).collect::<Vec<_>>(),
    })
}

/// `approved` (official) or `current` (including values not approved).
fn basis_json(b: Basis) -> &'static str {
    match b {
        Basis::Approved => "approved",
        Basis::Current => "current",
    }
}

fn summary_json(s: &Summary<'_>) -> Json {
    json!({
        "year": s.year, "province": s.province.as_ref().map(|(id, name)| json!({"id": id.as_str(), "name": name})),
        "basis": basis_json(s.basis), "communes_unapproved": s.unapproved,
        "tree_date": s.tree_date.to_string(), "communes_off_tree": s.off_tree,
        "criteria_set": s.set.id().0, "illustrative": s.illustrative,
        "communes": stats_json(&s.stats), "communes_without_data": s.communes_without_data,
        "all_communes": s.all_communes(), "standard_pct_of_all": s.standard_pct_of_all().map(num),
        "province_level": s.province_level.map(|l| l.as_str()),
        "province_status": s.province_status.map(|l| l.as_str()),
        "previous_year": s.previous.as_ref().map(|(p, t)| json!({
            "communes": stats_json(p),
            "newly_standard": t.newly_standard.len(), "newly_advanced": t.newly_advanced.len(), "newly_model": t.newly_model.len(),
            "dropped": t.dropped.len(),
            "compared_through_lineage": t.through_lineage.iter().map(|(u, p)| json!({"unit": u.as_str(), "predecessors": p.iter().map(|p| p.as_str()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "without_previous": t.without_previous.len(),
        })),
        "previous_year_missing": s.previous_missing,
        "districts": s.districts.iter().map(|d| json!({
            "id": d.unit.as_str(), "name": d.name, "type": d.unit_type.as_vi(), "level": d.level.as_str(),
            "criteria_set": d.set.as_ref().map(|s| s.0.clone()), "status": d.status.map(|s| s.as_str()), "communes": stats_json(&d.stats),
        })).collect::<Vec<_>>(),
        "most_unmet": s.most_unmet.iter().map(|u| json!({"criterion": u.criterion, "name": u.name, "unmet": u.unmet})).collect::<Vec<_>>(),
    })
}

/// The district's own result in words: met, unmet, or not decidable for lack of thresholds
/// or values (never reported as "not met" then).
fn district_result(d: &ntm_app::summary::DistrictLine) -> &'static str {
    let town = d.unit_type != ntm_core::UnitType::District;
    match (d.status, town) {
        (None, _) => "—",
        (Some(CriterionStatus::Met), false) => "huyện đạt chuẩn NTM",
        (Some(CriterionStatus::Met), true) => "hoàn thành nhiệm vụ",
        (Some(CriterionStatus::Unmet), false) => "chưa đạt chuẩn",
        (Some(CriterionStatus::Unmet), true) => "chưa hoàn thành nhiệm vụ",
        (Some(CriterionStatus::Unknown), _) => "chưa đủ căn cứ (thiếu ngưỡng hoặc số liệu)",
    }
}

/// Several provinces' summaries, one after another (JSON: one object for one province, as
/// before; an array for several).
pub fn summaries(all: &[Summary<'_>], json: bool) -> anyhow::Result<()> {
    if json && all.len() > 1 {
        return print_json(&serde_json::Value::Array(
            all.iter().map(summary_json).collect(),
        ));
    }
    for (i, s) in all.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        summary(s, json)?;
    }
    Ok(())
}

pub fn summary(s: &Summary<'_>, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&summary_json(s));
    }
    if s.illustrative {
        outln!("{ILLUSTRATIVE_BANNER}");
    }
    let st = &s.stats;
    outln!(
        "TỔNG HỢP KẾT QUẢ XÂY DỰNG NÔNG THÔN MỚI NĂM {} — {}{}",
        s.year,
        s.province.as_ref().map_or("", |(_, n)| n.as_str()),
        s.basis.title_suffix().to_uppercase()
    );
    outln!("Bộ tiêu chí: {} — {}", s.set.id(), s.set.header.title);
    outln!(
        "Địa giới hành chính ngày {}. {}",
        s.tree_date.format("%d/%m/%Y"),
        ntm_app::evaluate::TREE_DATE_RULE
    );
    if s.off_tree > 0 {
        outln!(
            "{} xã có số liệu năm {} không thuộc địa giới ngày {} (đơn vị trước hoặc sau sắp xếp): không tính ở đây; xem theo ngày khác bằng --as-of.",
            s.off_tree,
            s.year,
            s.tree_date.format("%d/%m/%Y")
        );
    }
    outln!("{}", s.basis.explained());
    if s.unapproved > 0 {
        outln!(
            "{}",
            match s.basis {
                Basis::Approved => format!(
                    "Chưa tính {} xã có số liệu năm {} chưa duyệt (đang nhập, chờ duyệt hoặc bị trả lại); --unapproved để tính cả.",
                    s.unapproved, s.year
                ),
                Basis::Current => format!(
                    "Trong đó {} xã có số liệu năm {} chưa duyệt.",
                    s.unapproved, s.year
                ),
            }
        );
    }
    outln!("(Số liệu theo kết quả đánh giá; công nhận theo quyết định là hồ sơ riêng.)\n");
    outln!(
        "Số xã đánh giá: {}{}",
        st.communes,
        if s.communes_without_data > 0 {
            format!(
                " ({}: {} xã)",
                s.basis.no_data_words(),
                s.communes_without_data
            )
        } else {
            String::new()
        }
    );
    outln!(
        "  Đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu): {} xã — {} tổng số {} xã{}",
        st.standard_or_above,
        vi_pct(s.standard_pct_of_all()),
        s.all_communes(),
        if s.communes_without_data > 0 {
            format!(
                " (xã {} tính là chưa đạt: {} xã)",
                s.basis.no_data_words(),
                s.communes_without_data
            )
        } else {
            String::new()
        }
    );
    outln!(
        "  Đạt NTM nâng cao (kể cả kiểu mẫu):        {} xã — {} số xã NTM",
        st.advanced_or_above,
        vi_pct(st.advanced_pct_of_ntm())
    );
    outln!(
        "  Đạt NTM kiểu mẫu:                          {} xã — {} số xã NTM",
        st.model,
        vi_pct(st.model_pct_of_ntm())
    );
    outln!(
        "  Chưa đạt chuẩn:                            {} xã",
        st.communes - st.standard_or_above
    );
    outln!(
        "  Bình quân: {} tiêu chí/xã (tổng {} tiêu chí đạt / {} xã; bộ có {} tiêu chí)",
        st.average_criteria().map_or("—".into(), vi_number),
        st.criteria_met_sum,
        st.communes,
        st.criteria_total
    );
    outln!(
        "  Phân nhóm: {}",
        st.labelled_bands()
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let Some((prev, t)) = &s.previous {
        outln!("\nSo với năm {}:", s.year - 1);
        outln!(
            "  Tăng thêm: {} xã đạt chuẩn, {} xã nâng cao, {} xã kiểu mẫu",
            t.newly_standard.len(),
            t.newly_advanced.len(),
            t.newly_model.len()
        );
        outln!(
            "  Năm {}: {} xã đạt chuẩn, {} nâng cao, {} kiểu mẫu; bình quân {} tiêu chí/xã",
            s.year - 1,
            prev.standard_or_above,
            prev.advanced_or_above,
            prev.model,
            prev.average_criteria().map_or("—".into(), vi_number)
        );
        if !t.dropped.is_empty() {
            outln!("  Giảm mức: {} xã", t.dropped.len());
        }
        if !t.through_lineage.is_empty() {
            outln!(
                "  {} xã mới sau sáp nhập được so qua các xã trước sáp nhập. {}",
                t.through_lineage.len(),
                ntm_core::rollup::MERGED_COMPARISON_RULE
            );
        }
        if !t.without_previous.is_empty() {
            outln!(
                "  Không so sánh được (không có kết quả năm {}): {} xã",
                s.year - 1,
                t.without_previous.len()
            );
        }
    } else if let Some(why) = &s.previous_missing {
        outln!("\nSo với năm {}: không so sánh được — {why}.", s.year - 1);
    }
    if !s.districts.is_empty() {
        outln!("\nTheo đơn vị cấp huyện:");
        outln!(
            "  {:<22} {:>5} {:>9} {:>9} {:>9} {:>10}  Kết quả cấp huyện",
            "Đơn vị",
            "Số xã",
            "Đạt chuẩn",
            "Nâng cao",
            "Kiểu mẫu",
            "BQ tiêu chí"
        );
        for d in &s.districts {
            let result = district_result(d);
            outln!(
                "  {:<22} {:>5} {:>9} {:>9} {:>9} {:>10}  {result}",
                d.name,
                d.stats.communes,
                d.stats.standard_or_above,
                d.stats.advanced_or_above,
                d.stats.model,
                d.stats.average_criteria().map_or("—".into(), vi_number)
            );
        }
    }
    if !s.most_unmet.is_empty() {
        outln!("\nTiêu chí nhiều xã chưa đạt nhất:");
        for u in s.most_unmet.iter().take(5) {
            outln!("  Tiêu chí {} ({}): {} xã", u.criterion, u.name, u.unmet);
        }
    }
    if let Some(status) = s.province_status {
        let text = match status {
            CriterionStatus::Met => "hoàn thành nhiệm vụ xây dựng NTM",
            CriterionStatus::Unmet => "chưa hoàn thành nhiệm vụ",
            CriterionStatus::Unknown => "chưa đủ căn cứ (thiếu ngưỡng hoặc số liệu)",
        };
        outln!("\nCấp tỉnh (321/QĐ-TTg): {text}");
    }
    Ok(())
}

pub fn demo(report: &DemoReport, summary: &Summary<'_>, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&json!({
            "units": {"inserted": report.units.inserted, "updated": report.units.updated, "unchanged": report.units.unchanged},
            "criteria_sets": report.criteria_sets,
            "values": {"inserted": report.values.inserted, "updated": report.values.updated, "unchanged": report.values.unchanged, "kept": report.kept},
            "communes": report.communes, "choices": report.choices, "summary": summary_json(summary),
        }));
    }
    outln!("Dữ liệu minh họa tỉnh Hà Tĩnh đã sẵn sàng:");
    outln!(
        "  đơn vị hành chính: {} mới, {} không đổi",
        report.units.inserted,
        report.units.unchanged
    );
    outln!("  bộ tiêu chí: {}", report.criteria_sets);
    outln!(
        "  giá trị chỉ tiêu của {} xã, năm {}–{}: {} mới, {} giữ nguyên như trong cơ sở dữ liệu",
        report.communes,
        ntm_app::demo::YEARS[0],
        ntm_app::demo::YEARS[ntm_app::demo::YEARS.len() - 1],
        report.values.inserted,
        report.kept
    );
    outln!("  lựa chọn minh họa (lịch sử không nêu tên):");
    for c in &report.choices {
        outln!("    - {c}");
    }
    outln!();
    self::summary(summary, false)
}

pub fn audit(records: &[AuditRecord], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&json!({"audit": records.iter().map(|r| json!({
            "id": r.id, "at": r.at.to_rfc3339(), "actor": r.actor, "action": r.action, "target_kind": r.target_kind,
            "target_id": r.target_id, "unit_id": r.unit_id, "before": r.before, "after": r.after, "reason": r.reason,
        })).collect::<Vec<_>>()}));
    }
    for r in records {
        let change = match (&r.before, &r.after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => format!("→ {a}"),
            (Some(b), None) => format!("{b} →"),
            (None, None) => String::new(),
        };
        outln!(
            "{} {} {} {} {change} ({})",
            r.at.format("%d/%m/%Y %H:%M:%S"),
            r.actor,
            r.action,
            r.target_id,
            r.reason
        );
    }
    Ok(())
}

pub fn tasks(tasks: &[ntm_app::tasks::TaskView], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&json!({"tasks": tasks.iter().map(|t| json!({
            "id": t.task.id, "directive": t.task.directive_id, "parent": t.task.parent_id, "code": t.task.code,
            "text": t.task.details.text, "lead": t.lead_name, "deadline": t.deadline.map(|d| d.to_string()),
            "recurrence": t.task.details.recurrence, "state": t.state.as_str(), "awaiting_confirmation": t.awaiting_confirmation,
            "completed_at": t.task.completed_at.map(|d| d.to_rfc3339()),
        })).collect::<Vec<_>>()}));
    }
    for t in tasks {
        let deadline = t.deadline.map_or("không hạn".to_owned(), vi_date);
        outln!(
            "{:<8} {:<34} {:<12} {:<34} {}",
            t.task.code,
            t.state.label_vi(),
            deadline,
            t.lead_name,
            t.task.details.text.chars().take(60).collect::<String>()
        );
    }
    Ok(())
}

pub fn compilation(c: &ntm_app::tasks::Compilation, json: bool) -> anyhow::Result<()> {
    let t = &c.tally;
    if json {
        return print_json(&json!({
            "done_on_time": t.on_time, "done_late": t.late, "open": t.open, "overdue": t.overdue,
            "on_time_rate": t.on_time_rate().map(num),
            "ranking": c.ranking.iter().map(|r| (&r.lead, &r.tally)).map(|(lead, t)| json!({"lead": lead, "done_on_time": t.on_time, "done_late": t.late, "open": t.open, "overdue": t.overdue, "on_time_rate": t.on_time_rate().map(num)})).collect::<Vec<_>>(),
        }));
    }
    outln!(
        "Hoàn thành đúng hạn: {} · hoàn thành quá hạn: {} · đang thực hiện trong hạn: {} · quá hạn chưa hoàn thành: {} · tỷ lệ đúng hạn: {}",
        t.on_time,
        t.late,
        t.open,
        t.overdue,
        vi_pct(t.on_time_rate())
    );
    outln!("Xếp hạng đơn vị chủ trì (chậm nhất trước):");
    for ntm_app::tasks::Ranked { lead, tally: t, .. } in &c.ranking {
        outln!(
            "  {:<40} đúng hạn {:>3}  quá hạn {:>3}  trong hạn {:>3}  chưa xong quá hạn {:>3}  tỷ lệ {}",
            lead,
            t.on_time,
            t.late,
            t.open,
            t.overdue,
            vi_pct(t.on_time_rate())
        );
    }
    Ok(())
}

/// A copy's report: every table with its rows and checksum, and whether the target read
/// back matches (✓) or not (✗, with what the target holds).
pub fn copy(
    report: &ntm_app::copy::CopyReport,
    from: &str,
    to: &str,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        return print_json(&json!({
            "from": {"database": from, "backend": report.source_backend},
            "to": {"database": to, "backend": report.target_backend},
            "verified": report.verified(),
            "rows": report.rows(),
            "tables": report.tables.iter().map(|t| json!({
                "table": t.source.table,
                "rows": t.source.rows,
                "checksum": t.source.checksum,
                "target_rows": t.target.rows,
                "target_checksum": t.target.checksum,
                "ok": t.ok(),
            })).collect::<Vec<_>>(),
        }));
    }
    outln!(
        "Đã chép {from} ({}) sang {to} ({}): {} bảng, {} dòng, trong một giao dịch.",
        report.source_backend,
        report.target_backend,
        report.tables.len(),
        report.rows()
    );
    outln!("{:<24} {:>10}  Tổng kiểm (SHA-256)", "Bảng", "Số dòng");
    for t in &report.tables {
        if t.ok() {
            outln!(
                "{:<24} {:>10}  {}  ✓",
                t.source.table,
                t.source.rows,
                t.source.checksum
            );
        } else {
            outln!(
                "{:<24} {:>10}  {}  ✗ đích: {} dòng, {}",
                t.source.table,
                t.source.rows,
                t.source.checksum,
                t.target.rows,
                t.target.checksum
            );
        }
    }
    if report.verified() {
        outln!(
            "Đích đọc lại khớp với nguồn ở mọi bảng. Phiên đăng nhập không được chép: người dùng đăng nhập lại."
        );
    }
    Ok(())
}
