//! Sponsorship and mobilised resources: who sponsors which commune or village under which
//! assignment, what they committed and delivered (recorded by the sponsor, confirmed by the
//! office), whether the sponsored communes moved; the money mobilised per unit and year by
//! source and purpose, entered by form or workbook, and the funding report on a chosen
//! tree. The rules are `ntm_core::resources`; who may do what is `ntm_core::access` (the
//! office keeps sponsorships and confirms; a sponsor's members record and see their own; a
//! department sees no one else's money; whoever enters a unit's values enters its funds).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ntm_core::access;
use ntm_core::resources::{
    self, Commitment, Contribution, Decision, FundLine, Ledger, Source, SourceGroup, Sponsorship,
    Sum,
};
use ntm_core::unit::AttributeKey;
use ntm_core::{Catalogue, Decimal, Level, UnitId, UnitLevel, UnitRegistry, UnitType};
use ntm_store::resources::{FundPlan, ResourceBook};
use ntm_store::{NewNotification, Store, StoredFile};

use crate::accounts::Actor;
use crate::evaluate::{HistoryEntry, Workspace};
use crate::reports::Lack;
use crate::{AppError, AppResult};

/// What the asking person is, for sponsorships: the organisations they belong to and
/// whether they are the office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub organisations: Vec<i64>,
    pub manage: bool,
}

/// Whether the actor keeps sponsorships and confirms contributions in the province of
/// `day`.
pub fn may_manage(registry: &UnitRegistry, actor: &Actor, day: NaiveDate) -> bool {
    crate::tasks::home(registry, day)
        .iter()
        .any(|h| access::may_manage_resources(registry, &actor.grants, h, day.year()))
}

pub async fn standing(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    day: NaiveDate,
) -> AppResult<Standing> {
    Ok(Standing {
        organisations: store
            .list_user_organisations(actor.user_id)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect(),
        manage: may_manage(registry, actor, day),
    })
}

/// Whether the actor may read the sponsorship and its money.
pub fn may_see(registry: &UnitRegistry, actor: &Actor, st: &Standing, s: &Sponsorship) -> bool {
    st.manage
        || access::may_see_sponsorship(
            registry,
            &actor.grants,
            &st.organisations,
            s.organisation,
            &s.unit,
            s.from.year(),
        )
}

/// Whether the actor may record a contribution under the sponsorship: its sponsor's
/// members and the office.
pub fn may_contribute(st: &Standing, s: &Sponsorship) -> bool {
    st.manage || st.organisations.contains(&s.organisation)
}

fn forbidden() -> AppError {
    AppError::Forbidden("Bạn không có quyền thực hiện việc này với công tác đỡ đầu, huy động nguồn lực ở đơn vị này.".into())
}

fn invalid(problems: Vec<String>) -> AppResult<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

pub fn unit_name(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> String {
    crate::ocop::unit_name(registry, unit, day)
}

/// The district (before the reform) or province a unit stood in on `day`.
fn parent_name(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> String {
    registry
        .get(unit)
        .and_then(|u| u.version_on(day).or_else(|| Some(u.latest())))
        .and_then(|v| v.parent.as_ref())
        .map(|p| unit_name(registry, p, day))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Sponsorships
// ---------------------------------------------------------------------------------------

/// A sponsorship as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsorLine {
    pub sponsorship: Sponsorship,
    pub organisation: String,
    /// The commune as recorded, and the district it was in then.
    pub unit_name: String,
    pub district: String,
    /// The commune that stands for it today, when another (after a merger).
    pub now: Option<(UnitId, String)>,
    pub village: Option<String>,
    pub ledger: Ledger,
    /// Contributions waiting for the office.
    pub pending: usize,
}

/// Which sponsorships a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SponsorFilter {
    pub organisation: Option<i64>,
    /// The commune as recorded or as it stands today.
    pub unit: Option<UnitId>,
    /// Sponsorships whose period touches the year.
    pub year: Option<i32>,
    pub pending_only: bool,
}

/// The names the lists show.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub organisations: BTreeMap<i64, String>,
    pub villages: BTreeMap<i64, String>,
}

impl Names {
    pub async fn load(store: &dyn Store) -> AppResult<Names> {
        Ok(Names {
            organisations: store
                .list_organisations()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            villages: store
                .village_book()
                .await?
                .villages
                .into_iter()
                .map(|v| (v.id, v.name))
                .collect(),
        })
    }
}

fn line_of(
    book: &ResourceBook,
    names: &Names,
    registry: &UnitRegistry,
    s: &Sponsorship,
    day: NaiveDate,
) -> SponsorLine {
    let commitments = book.commitments_of(s.id);
    let ids: BTreeSet<i64> = commitments.iter().map(|c| c.id).collect();
    let now = s.unit_on(registry, day).filter(|u| u != &s.unit).map(|u| {
        let name = unit_name(registry, &u, day);
        // A merged commune often keeps one old commune's name: say it is the new one.
        let name = if name == unit_name(registry, &s.unit, s.from) {
            let from = registry.get(&u).map(|x| x.valid().from).unwrap_or(day);
            format!("{name} (mới, từ {})", from.format("%d/%m/%Y"))
        } else {
            name
        };
        (u, name)
    });
    SponsorLine {
        organisation: names
            .organisations
            .get(&s.organisation)
            .cloned()
            .unwrap_or_else(|| format!("tổ chức {}", s.organisation)),
        unit_name: unit_name(registry, &s.unit, s.from),
        district: parent_name(registry, &s.unit, s.from),
        now,
        village: s.village.and_then(|v| names.villages.get(&v).cloned()),
        ledger: resources::ledger(&commitments, &book.contributions),
        pending: book
            .contributions
            .iter()
            .filter(|k| ids.contains(&k.commitment) && k.decision.is_none())
            .count(),
        sponsorship: s.clone(),
    }
}

/// The sponsorships the actor may read, by the filter; newest first.
pub fn sponsor_lines(
    book: &ResourceBook,
    names: &Names,
    registry: &UnitRegistry,
    actor: &Actor,
    st: &Standing,
    filter: &SponsorFilter,
    day: NaiveDate,
) -> Vec<SponsorLine> {
    let mut out: Vec<SponsorLine> = book
        .sponsorships
        .iter()
        .filter(|s| may_see(registry, actor, st, s))
        .filter(|s| filter.organisation.is_none_or(|o| s.organisation == o))
        .filter(|s| filter.year.is_none_or(|y| s.in_year(y)))
        .filter(|s| {
            filter
                .unit
                .as_ref()
                .is_none_or(|u| &s.unit == u || s.unit_on(registry, day).as_ref() == Some(u))
        })
        .map(|s| line_of(book, names, registry, s, day))
        .filter(|l| !filter.pending_only || l.pending > 0)
        .collect();
    out.sort_by(|a, b| {
        b.sponsorship
            .from
            .cmp(&a.sponsorship.from)
            .then_with(|| a.unit_name.cmp(&b.unit_name))
    });
    out
}

/// The sum of the lines' ledgers.
pub fn total(lines: &[SponsorLine]) -> Ledger {
    let mut t = Ledger::default();
    for l in lines {
        t.add(&l.ledger);
    }
    t
}

/// A commitment with what was delivered against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentLine {
    pub commitment: Commitment,
    pub criterion_name: String,
    pub ledger: Ledger,
    pub contributions: Vec<Contribution>,
}

/// A sponsorship with its commitments, contributions and the sponsored commune's progress.
#[derive(Debug, Clone)]
pub struct SponsorshipDetail {
    pub line: SponsorLine,
    pub commitments: Vec<CommitmentLine>,
    /// The commune's years from the year before the sponsorship on, followed through the
    /// reform.
    pub progress: Vec<HistoryEntry>,
    pub may_contribute: bool,
    pub may_manage: bool,
}

/// The name of criterion `code` in the commune set of `year`, if there is one.
pub fn criterion_name(catalogue: &Catalogue, code: &str, year: i32) -> String {
    if code.trim().is_empty() {
        return String::new();
    }
    catalogue
        .default_set(UnitType::Commune, year, Level::Standard)
        .ok()
        .and_then(|set| set.criteria.iter().find(|c| c.id == code.trim()))
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// The progress of the commune sponsored: its evaluations from the year before the
/// sponsorship began, as the actor may read them.
pub fn progress(
    ws: &Workspace,
    actor: &Actor,
    s: &Sponsorship,
    day: NaiveDate,
) -> Vec<HistoryEntry> {
    let unit = s
        .unit_on(&ws.registry, day)
        .unwrap_or_else(|| s.unit.clone());
    // The commune itself, then what took it over: not the other communes of the merger.
    ws.history(&unit, &actor.grants)
        .into_iter()
        .filter(|h| h.year >= s.from.year() - 1 && (h.unit == s.unit || h.unit == unit))
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn detail(
    ws: &Workspace,
    book: &ResourceBook,
    names: &Names,
    actor: &Actor,
    st: &Standing,
    id: i64,
    day: NaiveDate,
) -> AppResult<SponsorshipDetail> {
    let s = book
        .sponsorship(id)
        .ok_or_else(|| AppError::NotFound(format!("không có đỡ đầu {id}")))?;
    if !may_see(&ws.registry, actor, st, s) {
        return Err(forbidden());
    }
    let commitments = book
        .commitments_of(id)
        .into_iter()
        .map(|c| CommitmentLine {
            criterion_name: criterion_name(&ws.catalogue, &c.criterion, s.from.year()),
            ledger: resources::ledger(&[c], &book.contributions),
            contributions: book
                .contributions
                .iter()
                .filter(|k| k.commitment == c.id)
                .cloned()
                .collect(),
            commitment: c.clone(),
        })
        .collect();
    Ok(SponsorshipDetail {
        line: line_of(book, names, &ws.registry, s, day),
        commitments,
        progress: progress(ws, actor, s, day),
        may_contribute: may_contribute(st, s),
        may_manage: st.manage,
    })
}

/// Checks and stores a sponsorship: the office only. Its commune must exist on its first
/// day; a village must be of that commune.
pub async fn save_sponsorship(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    s: &Sponsorship,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    let mut problems = resources::check_sponsorship(s);
    match registry.get(&s.unit) {
        None => problems.push(format!("không có đơn vị {}", s.unit)),
        Some(u) if u.level != UnitLevel::Commune => {
            problems.push(format!("{} không phải cấp xã", u.latest().name))
        }
        Some(u) if u.version_on(s.from).is_none() => problems.push(format!(
            "{} không tồn tại ngày {} (hiệu lực {})",
            u.latest().name,
            s.from.format("%d/%m/%Y"),
            u.valid()
        )),
        Some(_) => {}
    }
    if let Some(v) = s.village {
        let villages = store.village_book().await?;
        match villages.villages.iter().find(|x| x.id == v) {
            None => problems.push(format!("không có thôn {v}")),
            Some(x) if crate::villages::commune_now(registry, x, s.from) != s.unit => {
                problems.push(format!("{} không thuộc xã được đỡ đầu", x.name))
            }
            Some(_) => {}
        }
    }
    invalid(problems)?;
    Ok(store
        .put_sponsorship(s, &actor.audit(at, "ghi phân công đỡ đầu"))
        .await?)
}

/// The village of `commune` on `day` that the commune's register calls `code` (or names
/// so); `None` for an empty text.
pub async fn village_by_code(
    store: &dyn Store,
    registry: &UnitRegistry,
    commune: &UnitId,
    day: NaiveDate,
    code: &str,
) -> AppResult<Option<i64>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let key = ntm_core::text::search_key(code);
    let book = store.village_book().await?;
    let found: Vec<i64> = book
        .villages
        .iter()
        .filter(|v| v.from <= day && v.to.is_none_or(|t| t >= day))
        .filter(|v| &crate::villages::commune_now(registry, v, day) == commune)
        .filter(|v| v.code == code || ntm_core::text::search_key(&v.name) == key)
        .map(|v| v.id)
        .collect();
    match found.as_slice() {
        [id] => Ok(Some(*id)),
        [] => Err(AppError::Invalid(vec![format!(
            "Sổ thôn của xã không có thôn mã hoặc tên “{code}” ngày {}; ghi mã thôn trong sổ thôn của xã.",
            day.format("%d/%m/%Y")
        )])),
        _ => Err(AppError::Invalid(vec![format!(
            "Có nhiều thôn tên “{code}”; ghi mã thôn."
        )])),
    }
}

/// Checks and stores a commitment: the office only.
pub async fn save_commitment(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    book: &ResourceBook,
    c: &Commitment,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    let s = book
        .sponsorship(c.sponsorship)
        .ok_or_else(|| AppError::NotFound(format!("không có đỡ đầu {}", c.sponsorship)))?;
    invalid(resources::check_commitment(c, s))?;
    Ok(store
        .put_commitment(c, &actor.audit(at, "ghi cam kết đỡ đầu"))
        .await?)
}

/// Records a contribution: a member of the sponsoring organisation (it waits for the
/// office) or the office itself (confirmed as it is recorded, saying so). The office's
/// accounts are told of one waiting.
#[allow(clippy::too_many_arguments)]
pub async fn record_contribution(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    st: &Standing,
    book: &ResourceBook,
    c: &Contribution,
    file: Option<StoredFile>,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    let commitment = book
        .commitment(c.commitment)
        .ok_or_else(|| AppError::NotFound(format!("không có cam kết {}", c.commitment)))?;
    let s = book
        .sponsorship(commitment.sponsorship)
        .ok_or_else(|| AppError::NotFound(format!("không có đỡ đầu {}", commitment.sponsorship)))?;
    if !may_contribute(st, s) {
        return Err(forbidden());
    }
    let mut c = c.clone();
    c.file_name = file.as_ref().map(|f| f.name.clone());
    invalid(resources::check_contribution(&c, commitment, s, today))?;
    c.decision = st.manage.then(|| Decision {
        confirmed: true,
        by: actor.username.clone(),
        at,
        reason: "Văn phòng Điều phối ghi và xác nhận".into(),
    });
    let id = store
        .record_contribution(&c, file.as_ref(), &actor.audit(at, "ghi đóng góp đỡ đầu"))
        .await?;
    if !st.manage {
        let text = format!(
            "{} ghi một khoản đóng góp đỡ đầu {} ({} đồng) chờ xác nhận.",
            actor.full_name,
            unit_name(registry, &s.unit, s.from),
            ntm_core::text::vi_number(c.value)
        );
        notify_office(store, registry, today, at, &text, s.id).await?;
    }
    Ok(id)
}

async fn notify_office(
    store: &dyn Store,
    registry: &UnitRegistry,
    today: NaiveDate,
    at: DateTime<Utc>,
    text: &str,
    sponsorship: i64,
) -> AppResult<()> {
    let mut notes = Vec::new();
    for u in store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
    {
        let a = crate::accounts::actor_by_username(store, &u.username).await?;
        if may_manage(registry, &a, today) {
            notes.push(NewNotification {
                user_id: a.user_id,
                at,
                text: text.to_string(),
                link: Some(format!("/sponsors/{sponsorship}")),
            });
        }
    }
    if !notes.is_empty() {
        store.add_notifications(&notes).await?;
    }
    Ok(())
}

/// Confirms or refuses a recorded contribution: the office only; a refusal says why. The
/// one who recorded it is told.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    book: &ResourceBook,
    id: i64,
    confirmed: bool,
    reason: &str,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    let k = book
        .contribution(id)
        .ok_or_else(|| AppError::NotFound(format!("không có khoản đóng góp {id}")))?;
    if !confirmed && reason.trim().is_empty() {
        return Err(AppError::Invalid(vec![
            "Cần ghi lý do không xác nhận để tổ chức đỡ đầu biết cần bổ sung gì.".into(),
        ]));
    }
    let d = Decision {
        confirmed,
        by: actor.username.clone(),
        at,
        reason: reason.trim().to_string(),
    };
    store
        .decide_contribution(
            id,
            &d,
            &actor.audit(
                at,
                if confirmed {
                    "xác nhận đóng góp đỡ đầu"
                } else {
                    "không xác nhận đóng góp đỡ đầu"
                },
            ),
        )
        .await?;
    if let (Some(s), Some(u)) = (
        book.sponsorship_of(k),
        store.find_user(&k.recorded_by).await?,
    ) && u.username != actor.username
    {
        let text = if confirmed {
            format!(
                "Khoản đóng góp {} đồng ngày {} đã được xác nhận.",
                ntm_core::text::vi_number(k.value),
                k.on.format("%d/%m/%Y")
            )
        } else {
            format!(
                "Khoản đóng góp {} đồng ngày {} không được xác nhận: {}",
                ntm_core::text::vi_number(k.value),
                k.on.format("%d/%m/%Y"),
                reason.trim()
            )
        };
        store
            .add_notifications(&[NewNotification {
                user_id: u.id,
                at,
                text,
                link: Some(format!("/sponsors/{}", s.id)),
            }])
            .await?;
    }
    Ok(())
}

/// The evidence file of a contribution, for who may read its sponsorship.
pub async fn evidence(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    st: &Standing,
    book: &ResourceBook,
    id: i64,
) -> AppResult<StoredFile> {
    let k = book
        .contribution(id)
        .ok_or_else(|| AppError::NotFound(format!("không có khoản đóng góp {id}")))?;
    let s = book
        .sponsorship_of(k)
        .ok_or_else(|| AppError::NotFound(format!("không có khoản đóng góp {id}")))?;
    if !may_see(registry, actor, st, s) {
        return Err(forbidden());
    }
    store
        .contribution_file(id)
        .await?
        .ok_or_else(|| AppError::NotFound("khoản đóng góp này không có tệp đính kèm".into()))
}

/// A commune not yet at standard, with its sponsors: the Hương Khê view.
#[derive(Debug, Clone)]
pub struct LaggingRow {
    pub unit: UnitId,
    pub name: String,
    pub district: String,
    pub met: usize,
    pub total: usize,
    /// Criteria of the standard level not met, with what is missing.
    pub lacking: Vec<Lack>,
    pub sponsors: Vec<SponsorLine>,
    pub ledger: Ledger,
    /// The latest evaluation of the commune, followed through the reform.
    pub latest: Option<HistoryEntry>,
}

/// The communes under `scope` (all the actor reads when `None`) not at standard in
/// `year`, each with the sponsorships touching that year that the actor may read.
#[allow(clippy::too_many_arguments)]
pub fn lagging(
    ws: &Workspace,
    book: &ResourceBook,
    names: &Names,
    actor: &Actor,
    st: &Standing,
    year: i32,
    scope: Option<&UnitId>,
    day: NaiveDate,
) -> AppResult<Vec<LaggingRow>> {
    let date = ws.tree_date(year);
    let visible: BTreeSet<UnitId> = ws
        .communes(year, scope)
        .into_iter()
        .map(|v| v.id().clone())
        .filter(|u| access::can(&ws.registry, &actor.grants, access::Action::View, u, year))
        .collect();
    let mut out = Vec::new();
    for c in crate::reports::candidates(ws, year, &visible)? {
        if c.level != Level::None {
            continue;
        }
        let e = ws.evaluate(&c.unit, year, None)?;
        let base = &e.ladder.steps[0];
        let sponsors: Vec<SponsorLine> = book
            .sponsorships
            .iter()
            .filter(|s| s.in_year(year))
            .filter(|s| s.unit == c.unit || s.unit_on(&ws.registry, date).as_ref() == Some(&c.unit))
            .filter(|s| may_see(&ws.registry, actor, st, s))
            .map(|s| line_of(book, names, &ws.registry, s, day))
            .collect();
        let now = ntm_core::unit::followed_on(&ws.registry, &c.unit, day).unwrap_or(c.unit.clone());
        let latest = ws
            .history(&now, &actor.grants)
            .into_iter()
            .rfind(|h| h.year > year);
        out.push(LaggingRow {
            district: c.district.clone(),
            met: base.criteria_met(),
            total: base.criteria_total(),
            ledger: total(&sponsors),
            sponsors,
            latest,
            unit: c.unit,
            name: c.name,
            lacking: c.lacking,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Mobilised funds
// ---------------------------------------------------------------------------------------

/// Whether the actor enters the funds of `unit` in `year`.
pub fn may_enter(
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    day: NaiveDate,
) -> bool {
    access::may_enter_funds(registry, &actor.grants, unit, year) || may_manage(registry, actor, day)
}

/// A fund line as typed, each field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedLine {
    pub unit: String,
    pub year: String,
    pub source: String,
    pub criterion: String,
    pub work: String,
    pub planned: String,
    pub actual: String,
    pub document: String,
    pub note: String,
}

fn money(text: &str) -> Result<Decimal, ()> {
    if text.trim().is_empty() {
        return Ok(Decimal::ZERO);
    }
    ntm_core::Value::parse_number_as(text, ntm_core::value::Convention::Vietnamese).map_err(|_| ())
}

/// Reads a typed line: the unit is its code (or `code@date`) resolved in the line's year
/// (a code that named two units that year is an error). Problems are prefixed by `place`.
pub fn read_line(
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    t: &TypedLine,
    place: &str,
) -> Result<FundLine, Vec<String>> {
    let mut problems = Vec::new();
    let year = match t.year.trim().parse::<i32>() {
        Ok(y) => Some(y),
        Err(_) => {
            problems.push(format!("{place}cột Năm: “{}” không phải một năm", t.year));
            None
        }
    };
    let unit = year.and_then(|y| match registry.resolve_in_year(t.unit.trim(), y) {
        Ok(u) => Some(u.id.clone()),
        Err(e) => {
            problems.push(format!("{place}cột Mã đơn vị: “{}” — {e}", t.unit));
            None
        }
    });
    let criterion = t.criterion.trim();
    if let Some(y) = year
        && !criterion.is_empty()
        && let Ok(set) = catalogue.default_set(UnitType::Commune, y, Level::Standard)
        && !set.criteria.iter().any(|c| c.id == criterion)
    {
        problems.push(format!(
            "{place}cột Tiêu chí: {} không có tiêu chí “{criterion}” (ghi số tiêu chí của bộ tiêu chí năm {y}, hoặc để trống)",
            set.header.title
        ));
    }
    let source = Source::parse(&t.source);
    if source.is_none() {
        problems.push(format!(
            "{place}cột Nguồn vốn: “{}” không có trong danh mục (chọn trong trang “Danh mục” của mẫu)",
            t.source
        ));
    }
    let planned = money(&t.planned).map_err(|_| {
        problems.push(format!(
            "{place}cột Kế hoạch: “{}” không phải một số (ghi bằng đồng)",
            t.planned
        ))
    });
    let actual = money(&t.actual).map_err(|_| {
        problems.push(format!(
            "{place}cột Thực hiện: “{}” không phải một số (ghi bằng đồng)",
            t.actual
        ))
    });
    if let (Some(unit), Some(year), Some(source), Ok(planned), Ok(actual)) =
        (unit, year, source, planned, actual)
    {
        let l = FundLine {
            id: 0,
            unit,
            year,
            source,
            criterion: t.criterion.trim().to_string(),
            work: t.work.trim().to_string(),
            planned,
            actual,
            document: t.document.trim().to_string(),
            note: t.note.trim().to_string(),
            illustrative: false,
        };
        for e in resources::check_fund_line(&l) {
            problems.push(format!("{place}{e}"));
        }
        if problems.is_empty() {
            return Ok(l);
        }
    }
    Err(problems)
}

/// Reads a funds workbook: every line with its sheet and row, all problems at once.
pub fn funds_of(
    bytes: &[u8],
    registry: &UnitRegistry,
    catalogue: &Catalogue,
) -> Result<Vec<FundLine>, Vec<String>> {
    let rows = ntm_reports::funds::read_funds(bytes)
        .map_err(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for r in &rows {
        let t = TypedLine {
            unit: r.unit_code.clone(),
            year: r.year.clone(),
            source: r.source.clone(),
            criterion: r.criterion.clone(),
            work: r.work.clone(),
            planned: r.planned.clone(),
            actual: r.actual.clone(),
            document: r.document.clone(),
            note: r.note.clone(),
        };
        match read_line(
            registry,
            catalogue,
            &t,
            &format!("trang {}, dòng {}: ", r.sheet, r.row),
        ) {
            Ok(l) => out.push(l),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What an import would write, for the preview; a line the actor may not enter is refused
/// with its place.
pub fn funds_preview(
    registry: &UnitRegistry,
    actor: &Actor,
    lines: &[FundLine],
    book: &ResourceBook,
    day: NaiveDate,
) -> AppResult<FundPlan> {
    let refused: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !may_enter(registry, actor, &l.unit, l.year, day))
        .map(|(i, l)| {
            format!(
                "khoản thứ {}: bạn không nhập số liệu của {} năm {}",
                i + 1,
                unit_name(registry, &l.unit, day),
                l.year
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(AppError::Forbidden(refused.join("; ")));
    }
    ntm_store::resources::plan_funds(lines, &book.funds).map_err(AppError::Invalid)
}

/// Writes fund lines, all or none.
pub async fn import_funds(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    lines: &[FundLine],
    (today, at): (NaiveDate, DateTime<Utc>),
    reason: &str,
) -> AppResult<(usize, usize, usize)> {
    let book = store.resource_book().await?;
    funds_preview(registry, actor, lines, &book, today)?;
    Ok(store
        .import_funds(lines, &actor.audit(at, reason.to_string()))
        .await?)
}

/// Removes a line entered in error: who may enter it.
pub async fn delete_fund_line(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    id: i64,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    let book = store.resource_book().await?;
    let l = book
        .funds
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| AppError::NotFound(format!("không có khoản huy động {id}")))?;
    if !may_enter(registry, actor, &l.unit, l.year, today) {
        return Err(forbidden());
    }
    Ok(store
        .delete_fund_line(id, &actor.audit(at, "xóa khoản huy động ghi nhầm"))
        .await?)
}

/// The lines the actor may read (those of units they read in the line's year).
pub fn visible_funds<'a>(
    registry: &UnitRegistry,
    actor: &Actor,
    book: &'a ResourceBook,
) -> Vec<&'a FundLine> {
    book.funds
        .iter()
        .filter(|l| {
            access::can(
                registry,
                &actor.grants,
                access::Action::View,
                &l.unit,
                l.year,
            )
        })
        .collect()
}

/// Which tree a report places amounts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// Each amount under the unit it was recorded for.
    Recorded,
    /// Amounts of units that no longer exist on the day under their successors
    /// ([`resources::SPLIT_RULE`]).
    On(NaiveDate),
}

impl Tree {
    pub fn label_vi(&self) -> String {
        match self {
            Tree::Recorded => {
                "Theo đơn vị hành chính tại thời điểm ghi số liệu (mỗi khoản dưới đơn vị đã ghi)."
                    .into()
            }
            Tree::On(d) => format!(
                "Theo địa giới hành chính ngày {}: số liệu của đơn vị trước sắp xếp được tính cho đơn vị kế thừa.",
                d.format("%d/%m/%Y")
            ),
        }
    }
}

/// A row of the report: a label with plan and actual per year and in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub label: String,
    pub by_year: BTreeMap<i32, Sum>,
    pub total: Sum,
}

impl Row {
    fn add(&mut self, year: i32, planned: Decimal, actual: Decimal) {
        self.by_year.entry(year).or_default().add(planned, actual);
        self.total.add(planned, actual);
    }
}

/// A unit's funds on the report's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub unit: UnitId,
    pub parent: String,
    pub group: String,
    pub row: Row,
    /// Part of it was recorded for predecessors.
    pub inherited: bool,
    pub by_group: BTreeMap<SourceGroup, Decimal>,
}

/// The funding report the office sends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingReport {
    pub from: i32,
    pub to: i32,
    pub tree: Tree,
    pub years: Vec<i32>,
    pub total: Row,
    pub by_source: Vec<(Source, Row)>,
    pub by_group: Vec<(SourceGroup, Row)>,
    pub by_purpose: Vec<Row>,
    pub by_commune_group: Vec<Row>,
    pub units: Vec<UnitRow>,
    pub lines: usize,
    /// Lines counted under a successor, and of them those divided among several.
    pub inherited: usize,
    pub divided: usize,
    pub illustrative: bool,
}

impl FundingReport {
    /// The share of a group in the whole actual.
    pub fn share(&self, actual: Decimal) -> Option<Decimal> {
        resources::share(actual, self.total.total.actual)
    }
    /// The change of actual from the year before.
    pub fn change(&self, year: i32) -> Option<Decimal> {
        let at = |y| {
            self.total
                .by_year
                .get(&y)
                .map(|s| s.actual)
                .unwrap_or_default()
        };
        resources::change(at(year - 1), at(year))
    }
}

fn group_label(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> String {
    let Some(u) = registry.get(unit) else {
        return "Không rõ".into();
    };
    if u.level != UnitLevel::Commune {
        return format!("Cấp {}", u.level.label_vi().to_lowercase());
    }
    match registry.attribute_on(unit, AttributeKey::CommuneGroup, day) {
        Some(a) => format!("Xã nhóm {}", a.value),
        None => "Chưa phân nhóm (trước bộ tiêu chí 2026-2030)".into(),
    }
}

/// The funds the actor reads, of years `from..=to`, on `tree`: by source, source group,
/// purpose (criterion of the year's commune set), commune group and unit, plan against
/// actual, each line counted once.
pub fn funding(
    catalogue: &Catalogue,
    registry: &UnitRegistry,
    actor: &Actor,
    book: &ResourceBook,
    (from, to): (i32, i32),
    tree: Tree,
) -> FundingReport {
    let lines: Vec<FundLine> = visible_funds(registry, actor, book)
        .into_iter()
        .filter(|l| (from..=to).contains(&l.year))
        .cloned()
        .collect();
    let day = match tree {
        Tree::Recorded => None,
        Tree::On(d) => Some(d),
    };
    let placed = resources::place_lines(registry, &lines, day);
    let mut total = Row {
        label: "Tổng cộng".into(),
        ..Row::default()
    };
    let mut by_source: BTreeMap<Source, Row> = BTreeMap::new();
    let mut by_group: BTreeMap<SourceGroup, Row> = BTreeMap::new();
    let mut by_purpose: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_commune_group: BTreeMap<String, Row> = BTreeMap::new();
    let mut units: BTreeMap<UnitId, UnitRow> = BTreeMap::new();
    let mut inherited = BTreeSet::new();
    let mut divided = BTreeSet::new();
    for p in &placed {
        let l = p.line;
        let y = l.year;
        let on =
            day.unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX));
        total.add(y, p.planned, p.actual);
        by_source
            .entry(l.source)
            .or_insert_with(|| Row {
                label: l.source.label_vi().into(),
                ..Row::default()
            })
            .add(y, p.planned, p.actual);
        by_group
            .entry(l.source.group())
            .or_insert_with(|| Row {
                label: l.source.group().label_vi().into(),
                ..Row::default()
            })
            .add(y, p.planned, p.actual);
        let purpose = if l.criterion.trim().is_empty() {
            "Không gắn tiêu chí cụ thể".to_string()
        } else {
            let name = criterion_name(catalogue, &l.criterion, y);
            if name.is_empty() {
                format!("Tiêu chí {}", l.criterion.trim())
            } else {
                format!("Tiêu chí {} — {name}", l.criterion.trim())
            }
        };
        by_purpose
            .entry(purpose.clone())
            .or_insert_with(|| Row {
                label: purpose,
                ..Row::default()
            })
            .add(y, p.planned, p.actual);
        let group = group_label(registry, &p.unit, on);
        by_commune_group
            .entry(group.clone())
            .or_insert_with(|| Row {
                label: group.clone(),
                ..Row::default()
            })
            .add(y, p.planned, p.actual);
        let u = units.entry(p.unit.clone()).or_insert_with(|| UnitRow {
            unit: p.unit.clone(),
            parent: parent_name(registry, &p.unit, on),
            group,
            row: Row {
                label: unit_name(registry, &p.unit, on),
                ..Row::default()
            },
            inherited: false,
            by_group: BTreeMap::new(),
        });
        u.row.add(y, p.planned, p.actual);
        u.inherited |= p.inherited;
        *u.by_group.entry(l.source.group()).or_default() += p.actual;
        if p.inherited {
            inherited.insert(l.id);
        }
        if p.divided {
            divided.insert(l.id);
        }
    }
    let mut units: Vec<UnitRow> = units.into_values().collect();
    units.sort_by(|a, b| {
        (&a.parent, ntm_core::text::search_key(&a.row.label))
            .cmp(&(&b.parent, ntm_core::text::search_key(&b.row.label)))
    });
    let mut by_purpose: Vec<Row> = by_purpose.into_values().collect();
    by_purpose.sort_by_key(|r| std::cmp::Reverse(r.total.actual));
    FundingReport {
        from,
        to,
        tree,
        years: (from..=to).collect(),
        total,
        by_source: by_source.into_iter().collect(),
        by_group: by_group.into_iter().collect(),
        by_purpose,
        by_commune_group: by_commune_group.into_values().collect(),
        units,
        lines: lines.len(),
        inherited: inherited.len(),
        divided: divided.len(),
        illustrative: lines.iter().any(|l| l.illustrative),
    }
}

/// The funding report as a workbook: by source (plan and actual per year, shares), by
/// purpose, by commune group and by unit; the tree and the split rule said on every sheet.
pub fn funding_workbook(r: &FundingReport, day: NaiveDate) -> AppResult<Vec<u8>> {
    use ntm_reports::{Cell, Column, Table};
    let money = |d: Decimal| Cell::decimal(d.round_dp(0), 0);
    let pct = |d: Option<Decimal>| {
        d.map_or_else(Cell::empty, |x| {
            Cell::percent((x * Decimal::ONE_HUNDRED).round_dp(2))
        })
    };
    let mut subtitle = vec![
        format!(
            "Giai đoạn {}–{}; lập ngày {}",
            r.from,
            r.to,
            day.format("%d/%m/%Y")
        ),
        r.tree.label_vi(),
        "Đơn vị tính: đồng.".into(),
    ];
    if r.illustrative {
        subtitle.push("Có số liệu minh họa của bản trình diễn.".into());
    }
    let notes = vec![resources::SPLIT_RULE.to_string()];
    let year_columns = |first: &str| {
        let mut c = vec![Column::new(first, 44.0)];
        for y in &r.years {
            c.push(Column::new(format!("{y}\nkế hoạch"), 16.0));
            c.push(Column::new(format!("{y}\nthực hiện"), 16.0));
        }
        c.push(Column::new("Cả giai đoạn\nkế hoạch", 17.0));
        c.push(Column::new("Cả giai đoạn\nthực hiện", 17.0));
        c.push(Column::new("Tỷ lệ thực hiện", 10.0));
        c.push(Column::new("Cơ cấu", 9.0));
        c
    };
    let row_cells = |row: &Row| {
        let mut cells = vec![Cell::text(&row.label)];
        for y in &r.years {
            let s = row.by_year.get(y).copied().unwrap_or_default();
            cells.push(money(s.planned));
            cells.push(money(s.actual));
        }
        cells.push(money(row.total.planned));
        cells.push(money(row.total.actual));
        cells.push(pct(row.total.done()));
        cells.push(pct(r.share(row.total.actual)));
        cells
    };
    let table = |sheet: &str, title: &str, first: &str, rows: Vec<Vec<Cell>>| Table {
        sheet: sheet.into(),
        title: title.into(),
        subtitle: subtitle.clone(),
        columns: year_columns(first),
        header_rows: vec![],
        rows,
        totals: vec![row_cells(&r.total)],
        notes: notes.clone(),
        landscape: true,
        freeze_columns: 1,
    };
    let mut source_rows = Vec::new();
    for g in SourceGroup::ALL {
        let Some((_, gr)) = r.by_group.iter().find(|(x, _)| *x == g) else {
            continue;
        };
        source_rows.push(row_cells(gr));
        for (s, row) in r.by_source.iter().filter(|(s, _)| s.group() == g) {
            let mut cells = row_cells(row);
            cells[0] = Cell::text(format!("   {}", s.label_vi()));
            source_rows.push(cells);
        }
    }
    let mut unit_columns = vec![
        Column::new("Đơn vị", 30.0),
        Column::new("Thuộc", 24.0),
        Column::new("Nhóm", 18.0),
        Column::new("Kế hoạch", 17.0),
        Column::new("Thực hiện", 17.0),
        Column::new("Tỷ lệ thực hiện", 10.0),
    ];
    for g in SourceGroup::ALL {
        unit_columns.push(Column::new(format!("Thực hiện: {}", g.label_vi()), 16.0));
    }
    let unit_rows = r
        .units
        .iter()
        .map(|u| {
            let mut c = vec![
                Cell::text(if u.inherited {
                    format!("{} (gồm số liệu đơn vị cũ)", u.row.label)
                } else {
                    u.row.label.clone()
                }),
                Cell::text(&u.parent),
                Cell::text(&u.group),
                money(u.row.total.planned),
                money(u.row.total.actual),
                pct(u.row.total.done()),
            ];
            for g in SourceGroup::ALL {
                c.push(money(u.by_group.get(&g).copied().unwrap_or_default()));
            }
            c
        })
        .collect();
    let tables = vec![
        table(
            "Theo nguồn",
            "NGUỒN LỰC HUY ĐỘNG XÂY DỰNG NÔNG THÔN MỚI THEO NGUỒN VỐN",
            "Nguồn vốn",
            source_rows,
        ),
        table(
            "Theo mục đích",
            "NGUỒN LỰC HUY ĐỘNG THEO TIÊU CHÍ, NỘI DUNG",
            "Tiêu chí, nội dung",
            r.by_purpose.iter().map(row_cells).collect(),
        ),
        table(
            "Theo nhóm xã",
            "NGUỒN LỰC HUY ĐỘNG THEO NHÓM XÃ",
            "Nhóm",
            r.by_commune_group.iter().map(row_cells).collect(),
        ),
        Table {
            sheet: "Theo đơn vị".into(),
            title: "NGUỒN LỰC HUY ĐỘNG THEO ĐƠN VỊ".into(),
            subtitle: subtitle.clone(),
            columns: unit_columns,
            header_rows: vec![],
            rows: unit_rows,
            totals: vec![],
            notes: notes.clone(),
            landscape: true,
            freeze_columns: 1,
        },
    ];
    ntm_reports::workbook(&tables).map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// The lines as the export/template workbook.
pub fn funds_workbook(registry: &UnitRegistry, lines: &[&FundLine]) -> AppResult<Vec<u8>> {
    let rows: Vec<ntm_reports::funds::FundExportLine> = lines
        .iter()
        .map(|l| {
            let end = NaiveDate::from_ymd_opt(l.year, 12, 31).unwrap_or(NaiveDate::MAX);
            ntm_reports::funds::FundExportLine {
                unit_code: l.unit.code().to_string(),
                unit_name: unit_name(registry, &l.unit, end),
                year: l.year,
                source: l.source.label_vi().into(),
                criterion: l.criterion.clone(),
                work: l.work.clone(),
                planned: l.planned,
                actual: l.actual,
                document: l.document.clone(),
                note: l.note.clone(),
            }
        })
        .collect();
    let sources: Vec<&str> = Source::ALL.iter().map(|s| s.label_vi()).collect();
    ntm_reports::funds::funds_workbook(&rows, &sources)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}
