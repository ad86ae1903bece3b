//! Villages and model gardens: the commune's register (imported from .xlsx with a
//! preview, or kept village by village), their assessments against Hà Tĩnh's sets, and
//! the titles the commune or district gives them. The rules are `ntm_core::village`; who
//! may do what is `ntm_core::access`.

use chrono::{Datelike, NaiveDate};
use ntm_core::access;
use ntm_core::criteria::{CriteriaSet, UnitKind};
use ntm_core::evaluation::{Inputs, SetResult, evaluate_set};
use ntm_core::village::{
    Body, Garden, Subject, Title, Village, VillageType, Withdrawal, check_title,
};
use ntm_core::{Catalogue, UnitContext, UnitId, UnitLevel, UnitRegistry, Value};
use ntm_reports::villages::{GardenLine, VillageLine, VillageSheets};
use ntm_store::Store;
use ntm_store::villages::{
    GardenRow, VillageBatch, VillageBook, VillagePlan, VillageRow, VillageValue, VillageValueWrite,
    plan_import,
};

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

/// Reads an uploaded workbook's villages and gardens; problems in Vietnamese, placed.
pub fn read_file(bytes: &[u8]) -> Result<VillageSheets, Vec<String>> {
    ntm_reports::villages::read_villages(bytes)
        .map_err(|p| p.iter().map(ToString::to_string).collect())
}

/// The commune a code names for a village that began on `from` (or, with no date, the
/// latest commune of that code), and the date the village is taken to begin.
fn commune_for(
    registry: &UnitRegistry,
    code: &str,
    from: Option<NaiveDate>,
) -> Result<(UnitId, NaiveDate), String> {
    let units: Vec<_> = registry
        .with_code(code.trim())
        .into_iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .collect();
    let pick = match from {
        Some(d) => units.iter().find(|u| u.version_on(d).is_some()),
        None => units.iter().max_by_key(|u| u.valid().from),
    };
    match (pick, from) {
        (Some(u), Some(d)) => Ok((u.id.clone(), d)),
        (Some(u), None) => Ok((u.id.clone(), u.valid().from)),
        (None, _) if units.is_empty() => Err(format!("không có xã mã “{code}”")),
        (None, Some(d)) => Err(format!(
            "xã mã {code} không tồn tại vào ngày {}",
            d.format("%d/%m/%Y")
        )),
        (None, None) => Err(format!("không có xã mã “{code}”")),
    }
}

fn date_cell(text: &str, what: &str, problems: &mut Vec<String>, place: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    let d = ntm_core::text::parse_date(text);
    if d.is_none() {
        problems.push(format!(
            "{place}, cột “{what}”: “{text}” không phải ngày (dd/mm/yyyy)"
        ));
    }
    d
}

/// The commune a village belongs to on `day`, or the one it was registered in when its
/// commune was split (the register must then say where it went).
pub fn commune_now(registry: &UnitRegistry, v: &Village, day: NaiveDate) -> UnitId {
    v.commune_on(registry, day)
        .unwrap_or_else(|| v.commune.clone())
}

/// Whether `actor` keeps the register of `v` on `day` (see `access::may_keep_villages`).
pub fn may_keep(registry: &UnitRegistry, actor: &Actor, v: &Village, day: NaiveDate) -> bool {
    let commune = commune_now(registry, v, day);
    let year = registry
        .get(&commune)
        .and_then(|u| u.valid().to)
        .map_or(day.year(), |t| t.year().min(day.year()));
    access::may_keep_villages(registry, &actor.grants, &commune, year)
}

/// Turns the sheets into a batch: every cell checked (commune codes, types, dates, areas),
/// every row the actor may not write refused; all problems at once, with their place.
pub fn batch_of(
    sheets: &VillageSheets,
    registry: &UnitRegistry,
    actor: Option<&Actor>,
    today: NaiveDate,
    illustrative: bool,
) -> Result<VillageBatch, Vec<String>> {
    let mut problems = Vec::new();
    let mut batch = VillageBatch::default();
    for r in &sheets.villages {
        let place = format!("trang “{}”, dòng {}", r.sheet, r.row);
        let from = date_cell(&r.from, "Từ ngày", &mut problems, &place);
        let to = date_cell(&r.to, "Đến ngày", &mut problems, &place);
        let commune = match commune_for(registry, &r.commune, from) {
            Ok(c) => Some(c),
            Err(m) => {
                problems.push(format!("{place}, cột “Mã xã”: {m}"));
                None
            }
        };
        let kind = if r.kind.trim().is_empty() {
            Some(VillageType::Thon)
        } else {
            VillageType::parse(&r.kind)
        };
        if kind.is_none() {
            problems.push(format!(
                "{place}, cột “Loại”: “{}” không phải Thôn, Tổ dân phố hay Khu dân cư",
                r.kind
            ));
        }
        for (text, what) in [(&r.code, "Mã thôn"), (&r.name, "Tên thôn")] {
            if text.trim().is_empty() {
                problems.push(format!("{place}, cột “{what}”: còn trống"));
            }
        }
        let (Some((commune, from)), Some(kind)) = (commune, kind) else {
            continue;
        };
        let village = Village {
            id: 0,
            commune: commune.clone(),
            code: r.code.trim().to_owned(),
            name: ntm_core::text::nfc(r.name.trim()),
            kind,
            from,
            to,
            successor: None,
            note: r.note.trim().to_owned(),
            illustrative,
        };
        if let Some(actor) = actor
            && !may_keep(registry, actor, &village, today)
        {
            problems.push(format!(
                "{place}: bạn không được ghi sổ thôn của xã {}",
                r.commune.trim()
            ));
        }
        batch.villages.push(VillageRow {
            successor: (!r.successor.trim().is_empty())
                .then(|| (commune, r.successor.trim().to_owned())),
            village,
            place,
        });
    }
    for r in &sheets.gardens {
        let place = format!("trang “{}”, dòng {}", r.sheet, r.row);
        let from = date_cell(&r.from, "Từ ngày", &mut problems, &place);
        let to = date_cell(&r.to, "Đến ngày", &mut problems, &place);
        let area = if r.area.trim().is_empty() {
            None
        } else {
            match Value::parse_number(&r.area) {
                Ok(a) if a > rust_decimal::Decimal::ZERO => Some(a),
                Ok(_) => {
                    problems.push(format!(
                        "{place}, cột “Diện tích”: “{}” phải là số mét vuông lớn hơn 0",
                        r.area
                    ));
                    None
                }
                Err(e) => {
                    problems.push(format!("{place}, cột “Diện tích”: {e}"));
                    None
                }
            }
        };
        if r.household.trim().is_empty() {
            problems.push(format!("{place}, cột “Chủ hộ”: còn trống"));
        }
        if r.village.trim().is_empty() {
            problems.push(format!("{place}, cột “Mã thôn”: còn trống"));
        }
        // The garden's village is named by its commune's code and its own: a village of the
        // file gives the commune; otherwise the register matches the village by the codes
        // (`plan_import`), and here the code need only name some commune.
        let in_file = batch.villages.iter().find(|v| {
            v.village.commune.code() == r.commune.trim()
                && v.village.code.eq_ignore_ascii_case(r.village.trim())
        });
        let commune = match in_file {
            Some(v) => Some(v.village.commune.clone()),
            // Only the code counts here: the register finds the village by its codes.
            None => match commune_for(registry, &r.commune, None) {
                Ok((c, _)) => Some(c),
                Err(m) => {
                    problems.push(format!("{place}, cột “Mã xã”: {m}"));
                    None
                }
            },
        };
        let Some(commune) = commune else { continue };
        let from = from.unwrap_or(today);
        batch.gardens.push(GardenRow {
            commune,
            village_code: r.village.trim().to_owned(),
            garden: Garden {
                id: 0,
                village: 0,
                household: ntm_core::text::nfc(r.household.trim()),
                area_m2: area,
                from,
                to,
                note: r.note.trim().to_owned(),
                illustrative,
            },
            place,
        });
    }
    if problems.is_empty() {
        Ok(batch)
    } else {
        Err(problems)
    }
}

/// What an import of `sheets` would write, checked whole; nothing is written.
pub async fn preview(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: Option<&Actor>,
    sheets: &VillageSheets,
    today: NaiveDate,
) -> AppResult<(VillageBatch, VillagePlan)> {
    let batch = batch_of(sheets, registry, actor, today, false).map_err(AppError::Invalid)?;
    let book = store.village_book().await?;
    let plan = plan_import(&batch, &book).map_err(AppError::Invalid)?;
    // A garden of the file must belong to a village the actor keeps; a stored village is
    // checked here (one of the file was checked with its row).
    if let Some(actor) = actor {
        let mut problems = Vec::new();
        for g in &batch.gardens {
            if let Some(v) = book.villages.iter().find(|v| {
                v.commune.code() == g.commune.code() && v.code.eq_ignore_ascii_case(&g.village_code)
            }) && !may_keep(registry, actor, v, today)
            {
                problems.push(format!(
                    "{}: bạn không được ghi vườn của thôn {}",
                    g.place, v.name
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
    }
    Ok((batch, plan))
}

/// Writes a previewed batch in one transaction (planned again inside it).
pub async fn confirm(
    store: &dyn Store,
    batch: &VillageBatch,
    audit: &AuditContext,
) -> AppResult<(usize, usize, usize)> {
    Ok(store.import_villages(batch, audit).await?)
}

/// The register of the villages `keep` selects, as a workbook [`read_file`] reads back.
pub fn workbook(
    registry: &UnitRegistry,
    book: &VillageBook,
    keep: impl Fn(&Village) -> bool,
) -> AppResult<Vec<u8>> {
    let villages: Vec<&Village> = book.villages.iter().filter(|v| keep(v)).collect();
    let lines: Vec<VillageLine> = villages
        .iter()
        .map(|v| VillageLine {
            commune: v.commune.code().to_owned(),
            commune_name: registry
                .get(&v.commune)
                .and_then(|u| u.version_on(v.from))
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            code: v.code.clone(),
            name: v.name.clone(),
            kind: v.kind.label_vi().to_owned(),
            from: v.from,
            to: v.to,
            successor: v
                .successor
                .and_then(|s| book.village(s))
                .map(|s| s.code.clone())
                .unwrap_or_default(),
            note: v.note.clone(),
        })
        .collect();
    let gardens: Vec<GardenLine> = book
        .gardens
        .iter()
        .filter_map(|g| {
            let v = villages.iter().find(|v| v.id == g.village)?;
            Some(GardenLine {
                commune: v.commune.code().to_owned(),
                village: v.code.clone(),
                household: g.household.clone(),
                area: g.area_m2,
                from: g.from,
                to: g.to,
                note: g.note.clone(),
            })
        })
        .collect();
    ntm_reports::villages::villages_workbook(&lines, &gardens).map_err(|e| {
        AppError::Store(ntm_store::StoreError::Other(anyhow::anyhow!(
            "writing the register: {e}"
        )))
    })
}

/// The set a village or garden is assessed with in `year`: the one for its kind whose
/// period holds the year (a real set before an illustrative one).
pub fn set_for(catalogue: &Catalogue, subject: Subject, year: i32) -> Option<&CriteriaSet> {
    let kind = match subject {
        Subject::Village(_) => UnitKind::Village,
        Subject::Garden(_) => UnitKind::Garden,
    };
    catalogue
        .sets()
        .filter(|s| s.header.kind == kind && s.header.period.contains(year))
        .min_by_key(|s| (s.is_illustrative(), s.id().0.clone()))
}

/// The values of `year` among `values`, as the engine reads them.
pub fn inputs(values: &[VillageValue], year: i32) -> Inputs {
    let mut inputs = Inputs::default();
    for v in values.iter().filter(|v| v.year == year) {
        if let Ok(value) = Value::from_canonical(&v.value) {
            inputs.values.insert(v.indicator.clone(), value);
        }
    }
    inputs
}

/// A subject's assessment in `year`, when a set covers the year.
pub fn assess<'a>(
    catalogue: &'a Catalogue,
    subject: Subject,
    year: i32,
    values: &[VillageValue],
) -> Option<SetResult<'a>> {
    let set = set_for(catalogue, subject, year)?;
    let ctx = UnitContext {
        year,
        region: None,
        group: None,
    };
    Some(evaluate_set(catalogue, set, &ctx, &inputs(values, year)))
}

/// Where a subject is and who keeps it.
pub struct Located<'a> {
    pub village: &'a Village,
    pub garden: Option<&'a Garden>,
    pub commune: UnitId,
}

pub fn locate<'a>(
    registry: &UnitRegistry,
    book: &'a VillageBook,
    subject: Subject,
    day: NaiveDate,
) -> AppResult<Located<'a>> {
    let missing = || AppError::NotFound(format!("không có {} {}", subject.kind(), subject.id()));
    let (village, garden) = match subject {
        Subject::Village(id) => (book.village(id).ok_or_else(missing)?, None),
        Subject::Garden(id) => {
            let g = book.garden(id).ok_or_else(missing)?;
            (book.village(g.village).ok_or_else(missing)?, Some(g))
        }
    };
    Ok(Located {
        village,
        garden,
        commune: commune_now(registry, village, day),
    })
}

/// Writes a year's assessment of a village or garden from the form's (indicator, text)
/// pairs: each read as its indicator asks (a number, or đạt / không đạt); an empty text
/// clears the value. Only the indicators of the year's set are taken.
#[allow(clippy::too_many_arguments)]
pub async fn save_values(
    store: &dyn Store,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    actor: &Actor,
    subject: Subject,
    year: i32,
    entries: &[(String, String)],
    (today, audit): (NaiveDate, &AuditContext),
) -> AppResult<usize> {
    let book = store.village_book().await?;
    let at = locate(registry, &book, subject, today)?;
    if !may_keep(registry, actor, at.village, today) {
        return Err(AppError::Forbidden(
            "bạn không được ghi đánh giá của thôn này".into(),
        ));
    }
    let set = set_for(catalogue, subject, year).ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "chưa có bộ tiêu chí {} cho năm {year}",
            subject.title_vi()
        )])
    })?;
    let mut problems = Vec::new();
    let mut writes = Vec::new();
    for (id, text) in entries {
        let Some(indicator) = set.indicator(id) else {
            problems.push(format!("chỉ tiêu {id} không thuộc bộ {}", set.header.title));
            continue;
        };
        let text = text.trim();
        let value = if text.is_empty() {
            None
        } else if indicator.comparison == ntm_core::Comparison::Pass {
            match Value::parse_verdict(text) {
                Ok(b) => Some(Value::Pass(b).canonical()),
                Err(e) => {
                    problems.push(format!("chỉ tiêu {id}: {e}"));
                    None
                }
            }
        } else {
            match Value::parse_number(text) {
                Ok(n) => Some(Value::Number(n).canonical()),
                Err(e) => {
                    problems.push(format!("chỉ tiêu {id}: {e}"));
                    None
                }
            }
        };
        writes.push(VillageValueWrite {
            indicator: id.clone(),
            value,
            note: String::new(),
        });
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store
        .put_village_values(subject, year, &writes, audit)
        .await?)
}

/// One decision's titles: the same number, date, signer and year for every subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub year: i32,
    pub number: String,
    pub signed_on: NaiveDate,
    pub body: Body,
    pub note: String,
}

/// Records one decision for several villages (or gardens) at once: each checked (who
/// signs on that date, the subject's life, the actor's right to enter the signer's
/// decision), all written or none.
pub async fn record_titles(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    subjects: &[Subject],
    decision: &Decision,
    (today, audit): (NaiveDate, &AuditContext),
) -> AppResult<Vec<i64>> {
    if subjects.is_empty() {
        return Err(AppError::Invalid(vec![
            "chưa chọn thôn hay vườn nào".into(),
        ]));
    }
    if decision.signed_on > today {
        return Err(AppError::Invalid(vec![format!(
            "ngày ký {} sau hôm nay: chỉ ghi quyết định đã ký",
            decision.signed_on.format("%d/%m/%Y")
        )]));
    }
    let book = store.village_book().await?;
    let mut problems = Vec::new();
    let mut titles = Vec::new();
    for &subject in subjects {
        let at = locate(registry, &book, subject, decision.signed_on)?;
        let (from, to, name) = match at.garden {
            Some(g) => (g.from, g.to, format!("vườn hộ {}", g.household)),
            None => (at.village.from, at.village.to, at.village.name.clone()),
        };
        let title = Title {
            id: 0,
            subject,
            year: decision.year,
            number: decision.number.trim().to_owned(),
            signed_on: decision.signed_on,
            body: decision.body,
            withdrawn: None,
            note: decision.note.trim().to_owned(),
            illustrative: false,
        };
        for p in check_title(&title, from, to) {
            problems.push(format!("{name}: {p}"));
        }
        if !access::may_record_village_title(
            registry,
            &actor.grants,
            &at.commune,
            decision.year,
            decision.body,
        ) {
            problems.push(format!(
                "{name}: bạn không được ghi quyết định của {}",
                decision.body.label_vi()
            ));
        }
        if book
            .titles_of(subject)
            .any(|t| t.withdrawn.is_none() && t.year == decision.year)
        {
            problems.push(format!(
                "{name}: đã có quyết định công nhận năm {} còn hiệu lực",
                decision.year
            ));
        }
        titles.push(title);
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store.record_titles(&titles, audit).await?)
}

/// Withdraws a title with its decision and grounds.
pub async fn withdraw(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    id: i64,
    withdrawal: &Withdrawal,
    (today, audit): (NaiveDate, &AuditContext),
) -> AppResult<()> {
    if withdrawal.on > today {
        return Err(AppError::Invalid(vec![format!(
            "ngày thu hồi {} sau hôm nay: chỉ ghi quyết định đã ký",
            withdrawal.on.format("%d/%m/%Y")
        )]));
    }
    let book = store.village_book().await?;
    let title = book
        .titles
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::NotFound(format!("không có quyết định công nhận {id}")))?;
    let at = locate(registry, &book, title.subject, withdrawal.on)?;
    if !access::may_record_village_title(
        registry,
        &actor.grants,
        &at.commune,
        title
            .year
            .max(withdrawal.on.year().min(access::LAST_DISTRICT_YEAR)),
        if ntm_core::village::bodies_on(title.subject, withdrawal.on).contains(&title.body) {
            title.body
        } else {
            Body::Commune
        },
    ) {
        return Err(AppError::Forbidden(
            "bạn không được thu hồi danh hiệu này".into(),
        ));
    }
    let mut withdrawn = title.clone();
    withdrawn.withdrawn = Some(withdrawal.clone());
    let problems = check_title(&withdrawn, at.village.from, None);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store.withdraw_title(id, withdrawal, audit).await?)
}

/// A village as its commune's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageLineView {
    pub village: Village,
    /// The title it holds on the day, if any.
    pub title: Option<Title>,
    pub gardens: usize,
    pub model_gardens: usize,
    /// Registered in a commune the reform merged into this one.
    pub from_predecessor: bool,
}

/// The villages of `commune` on `day` (its own and those of the communes merged into it),
/// with what each holds; then the villages that no longer exist, for the history.
pub fn of_commune(
    registry: &UnitRegistry,
    book: &VillageBook,
    commune: &UnitId,
    day: NaiveDate,
) -> (Vec<VillageLineView>, Vec<VillageLineView>) {
    let mut now = Vec::new();
    let mut past = Vec::new();
    for v in &book.villages {
        // A village that ended before the reform still belongs to the history of the
        // commune its own commune became.
        let here = &v.commune == commune || v.commune_on(registry, day).as_ref() == Some(commune);
        if !here {
            continue;
        }
        let gardens: Vec<&Garden> = book
            .gardens
            .iter()
            .filter(|g| g.village == v.id && g.exists_on(day))
            .collect();
        let line = VillageLineView {
            village: v.clone(),
            title: book
                .titles_of(Subject::Village(v.id))
                .filter(|t| t.held_on(day))
                .max_by_key(|t| t.signed_on)
                .cloned(),
            gardens: gardens.len(),
            model_gardens: gardens
                .iter()
                .filter(|g| {
                    book.titles_of(Subject::Garden(g.id))
                        .any(|t| t.held_on(day))
                })
                .count(),
            from_predecessor: &v.commune != commune,
        };
        if v.exists_on(day) {
            now.push(line);
        } else {
            past.push(line);
        }
    }
    (now, past)
}
