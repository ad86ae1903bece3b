//! OCOP: the register of producers and products, evaluation rounds scored online by their
//! councils, recognition decisions and certificates, expiry alerts, support spending, the
//! province's figures and the public catalogue. The rules are `ntm_core::ocop`; who may do
//! what is `ntm_core::access` (the office runs rounds and decisions; whoever enters a
//! unit's data keeps its producers; council members score by membership of the round).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ntm_core::access;
use ntm_core::ocop::{
    self, CertState, Certificate, Ending, FundSource, Level, Outcome, Producer, Product,
    Reevaluation, RuleSet, Sheet, Spending, Support, SupportCategory, Tally,
};
use ntm_core::{Decimal, UnitId, UnitRegistry};
use ntm_store::ocop::{EntryFileInfo, OcopBook, Round, SheetRecord};
use ntm_store::{NewNotification, Store, StoredFile};

use crate::accounts::Actor;
use crate::{AppError, AppResult};

/// The default expiry alerts, in days before a certificate's last day.
pub const DEFAULT_ALERT_DAYS: [u32; 2] = [90, 30];
/// The default limit of identity-kit spending against production investment.
pub const DEFAULT_IDENTITY_RATIO: Decimal = Decimal::ONE;

pub fn unit_name(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> String {
    registry
        .get(unit)
        .map(|u| {
            u.version_on(day)
                .map_or_else(|| u.latest().name.clone(), |v| v.name.clone())
        })
        .unwrap_or_else(|| unit.to_string())
}

/// The unit a producer stands in on `day` (followed through mergers), else where it was
/// registered.
pub fn unit_now(registry: &UnitRegistry, p: &Producer, day: NaiveDate) -> UnitId {
    p.unit_on(registry, day).unwrap_or_else(|| p.unit.clone())
}

/// Whether the actor runs OCOP in the province of `day`.
pub fn may_manage(registry: &UnitRegistry, actor: &Actor, day: NaiveDate) -> bool {
    crate::tasks::home(registry, day)
        .iter()
        .any(|h| access::may_manage_ocop(registry, &actor.grants, h, day.year()))
}

/// Whether the actor may keep the producer (its record, products and dossiers).
pub fn may_keep(registry: &UnitRegistry, actor: &Actor, p: &Producer, day: NaiveDate) -> bool {
    access::may_keep_ocop(
        registry,
        &actor.grants,
        &unit_now(registry, p, day),
        day.year(),
    ) || may_manage(registry, actor, day)
}

/// Whether the actor may read the producer's record (not only its public page).
/// A producer standing in a unit today is read by who reads that unit today; one whose
/// unit was split (it stands in none) by who read its unit in its last year, so that the
/// office can still say where it went.
pub fn may_see(registry: &UnitRegistry, actor: &Actor, p: &Producer, day: NaiveDate) -> bool {
    match p.unit_on(registry, day) {
        Some(now) => access::can(
            registry,
            &actor.grants,
            access::Action::View,
            &now,
            day.year(),
        ),
        None => access::can(
            registry,
            &actor.grants,
            access::Action::View,
            &p.unit,
            p.registered_unit_end(registry)
                .map_or(day.year(), |d| d.year()),
        ),
    }
}

fn forbidden() -> AppError {
    AppError::Forbidden("Bạn không có quyền thực hiện việc này với OCOP ở đơn vị này.".into())
}

fn invalid(problems: Vec<String>) -> AppResult<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

// ---------------------------------------------------------------------------------------
// Register
// ---------------------------------------------------------------------------------------

/// Checks and stores a producer (id 0: new). Its unit must exist on `today` or be
/// followed to one that does; the actor must keep that unit's data.
pub async fn save_producer(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    producer: &Producer,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    let mut problems = Vec::new();
    if producer.name.trim().is_empty() {
        problems.push("Thiếu tên chủ thể.".into());
    }
    if registry.get(&producer.unit).is_none() {
        problems.push(format!("Không có đơn vị {}.", producer.unit));
    }
    invalid(problems)?;
    if producer.id != 0 {
        let book = store.ocop_book().await?;
        let old = book
            .producer(producer.id)
            .ok_or_else(|| AppError::NotFound(format!("Không có chủ thể {}.", producer.id)))?;
        if !may_keep(registry, actor, old, today) {
            return Err(forbidden());
        }
    }
    if !may_keep(registry, actor, producer, today) {
        return Err(forbidden());
    }
    Ok(store
        .put_producer(producer, &actor.audit(at, "sổ chủ thể OCOP"))
        .await?)
}

/// Checks and stores a product (id 0: new) of a producer the actor keeps.
pub async fn save_product(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    product: &Product,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    let book = store.ocop_book().await?;
    let producer = book
        .producer(product.producer)
        .ok_or_else(|| AppError::NotFound(format!("Không có chủ thể {}.", product.producer)))?;
    if !may_keep(registry, actor, producer, today) {
        return Err(forbidden());
    }
    let mut problems = Vec::new();
    if product.name.trim().is_empty() {
        problems.push("Thiếu tên sản phẩm.".into());
    }
    if let Some(s) = &product.product_set
        && ocop::product_set(s).is_none()
    {
        problems.push(format!(
            "“{s}” không phải một bộ sản phẩm của QĐ 148 (ví dụ I.3.b)."
        ));
    }
    if let Some(g) = product.group_1048
        && !(1..=6).contains(&g)
    {
        problems.push("Ngành hàng theo QĐ 1048 là một số từ 1 đến 6.".into());
    }
    if product.product_set.is_none() && product.group_1048.is_none() {
        problems.push(
            "Chọn bộ sản phẩm theo QĐ 148/2023 (hoặc, với sản phẩm công nhận trước 2023, ngành hàng theo QĐ 1048/2019)."
                .into(),
        );
    }
    if product.id != 0 {
        // An edit is decided on the product's own producer: the form names one, but a
        // product never moves to another producer through it.
        let old = book
            .product(product.id)
            .ok_or_else(|| AppError::NotFound(format!("Không có sản phẩm {}.", product.id)))?;
        if old.producer != product.producer {
            return Err(AppError::Invalid(vec![
                "Không chuyển sản phẩm sang chủ thể khác: hãy đăng ký sản phẩm mới cho chủ thể đó."
                    .into(),
            ]));
        }
    }
    invalid(problems)?;
    Ok(store
        .put_product(product, &actor.audit(at, "sổ sản phẩm OCOP"))
        .await?)
}

/// A product as listed: its producer, the unit it stands in now, its best valid
/// certificate and its latest one.
#[derive(Debug, Clone)]
pub struct ProductLine<'a> {
    pub product: &'a Product,
    pub producer: &'a Producer,
    pub unit: UnitId,
    pub unit_name: String,
    pub valid: Option<&'a Certificate>,
    pub latest: Option<&'a Certificate>,
    pub state: Option<CertState>,
}

/// What a product list is filtered by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// Stars of the valid certificate (0: products without one).
    pub stars: Option<u8>,
    pub category: Option<String>,
    /// The unit (now) the producer stands in, or one above it.
    pub unit: Option<UnitId>,
    /// Certified (a decision) in this year.
    pub year: Option<i32>,
    pub text: String,
}

/// The products the actor may see (everyone's for the office and the Steering Committee),
/// filtered, by unit then name.
pub fn products<'a>(
    book: &'a OcopBook,
    registry: &UnitRegistry,
    actor: Option<&Actor>,
    filter: &ProductFilter,
    today: NaiveDate,
) -> Vec<ProductLine<'a>> {
    let valid = ocop::valid_on(&book.certificates, today);
    let key = ntm_core::text::search_key(&filter.text);
    let mut out: Vec<ProductLine<'a>> = book
        .products
        .iter()
        .filter_map(|p| {
            let producer = book.producer(p.producer)?;
            if let Some(a) = actor
                && !may_see(registry, a, producer, today)
            {
                return None;
            }
            let unit = unit_now(registry, producer, today);
            let latest = book
                .certificates
                .iter()
                .filter(|c| c.product == p.id && c.decision_date <= today)
                .max_by_key(|c| (c.decision_date, c.id));
            let v = valid.get(&p.id).copied();
            Some(ProductLine {
                product: p,
                producer,
                unit_name: unit_name(registry, &unit, today),
                unit,
                valid: v,
                latest,
                state: latest.map(|c| ocop::state(c, &book.certificates, today)),
            })
        })
        .filter(|l| match filter.stars {
            None => true,
            Some(0) => l.valid.is_none(),
            Some(s) => l.valid.is_some_and(|c| c.stars == s),
        })
        .filter(|l| {
            filter
                .category
                .as_deref()
                .is_none_or(|c| l.product.category() == Some(c))
        })
        .filter(|l| {
            filter
                .unit
                .as_ref()
                .is_none_or(|u| access::in_subtree(registry, u, &l.unit, today.year()))
        })
        .filter(|l| {
            filter.year.is_none_or(|y| {
                book.certificates
                    .iter()
                    .any(|c| c.product == l.product.id && c.year == y)
            })
        })
        .filter(|l| {
            key.is_empty()
                || ntm_core::text::search_key(&l.product.name).contains(&key)
                || ntm_core::text::search_key(&l.producer.name).contains(&key)
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.unit_name, &a.product.name, a.product.id).cmp(&(
            &b.unit_name,
            &b.product.name,
            b.product.id,
        ))
    });
    out
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

/// One year's decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearRow {
    pub year: i32,
    /// Distinct products with a decision that year.
    pub products: usize,
    pub first: usize,
    pub again: usize,
    /// By stars 3, 4, 5.
    pub by_stars: [usize; 3],
}

/// The province's figures on a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub on: Option<NaiveDate>,
    /// Valid on the day, by stars 3, 4, 5.
    pub valid_by_stars: [usize; 3],
    pub valid: usize,
    /// Ever certified up to the day.
    pub cumulative: usize,
    /// Certified before and no longer valid.
    pub lapsed: usize,
    pub years: Vec<YearRow>,
    /// Valid products by category code.
    pub by_category: BTreeMap<String, usize>,
    /// Valid products by unit (now), with its name.
    pub by_unit: Vec<(UnitId, String, [usize; 3])>,
    /// Proposed to the central level (a round's outcome) and not yet given five stars,
    /// with the year of the round.
    pub five_star_candidates: Vec<(i64, i32)>,
    pub illustrative: bool,
}

/// The figures of the producers `visible` lets through (the province's for the office,
/// a commune's for its officer: what [`may_see`] allows).
pub fn figures(
    book: &OcopBook,
    registry: &UnitRegistry,
    visible: &dyn Fn(&Producer) -> bool,
    today: NaiveDate,
    outcomes: &BTreeMap<i64, Outcome>,
) -> Figures {
    let in_scope = |product: i64| book.producer_of(product).is_some_and(visible);
    let certs: Vec<Certificate> = book
        .certificates
        .iter()
        .filter(|c| in_scope(c.product))
        .cloned()
        .collect();
    let valid = ocop::valid_on(&certs, today);
    let ever = ocop::ever_certified(&certs, today);
    let mut f = Figures {
        on: Some(today),
        valid: valid.len(),
        cumulative: ever.len(),
        lapsed: ever.len() - valid.len(),
        illustrative: certs.iter().any(|c| c.illustrative),
        ..Default::default()
    };
    let mut by_unit: BTreeMap<UnitId, [usize; 3]> = BTreeMap::new();
    for (pid, c) in &valid {
        let idx = usize::from(c.stars.clamp(3, 5) - 3);
        f.valid_by_stars[idx] += 1;
        if let Some(p) = book.product(*pid) {
            *f.by_category
                .entry(p.category().unwrap_or("?").to_string())
                .or_default() += 1;
            if let Some(prod) = book.producer(p.producer) {
                by_unit.entry(unit_now(registry, prod, today)).or_default()[idx] += 1;
            }
        }
    }
    f.by_unit = by_unit
        .into_iter()
        .map(|(u, n)| {
            let name = unit_name(registry, &u, today);
            (u, name, n)
        })
        .collect();
    f.by_unit.sort_by(|a, b| {
        b.2.iter()
            .sum::<usize>()
            .cmp(&a.2.iter().sum())
            .then(a.1.cmp(&b.1))
    });
    let mut years: BTreeMap<i32, (BTreeSet<i64>, YearRow)> = BTreeMap::new();
    for c in certs.iter().filter(|c| c.decision_date <= today) {
        let y = c.year;
        let (seen, row) = years.entry(y).or_insert_with(|| {
            (
                BTreeSet::new(),
                YearRow {
                    year: y,
                    ..Default::default()
                },
            )
        });
        if !seen.insert(c.product) {
            continue;
        }
        row.products += 1;
        row.by_stars[usize::from(c.stars.clamp(3, 5) - 3)] += 1;
        match ocop::reevaluation(c, &certs) {
            Reevaluation::First => row.first += 1,
            _ => row.again += 1,
        }
    }
    f.years = years.into_values().map(|(_, r)| r).collect();
    let five: BTreeSet<i64> = certs
        .iter()
        .filter(|c| c.stars == 5)
        .map(|c| c.product)
        .collect();
    for e in &book.entries {
        if let Some(o) = outcomes.get(&e.id)
            && o.forward == Some(Level::Central)
            && !five.contains(&e.product)
            && in_scope(e.product)
            && !f.five_star_candidates.iter().any(|(p, _)| *p == e.product)
            && let Some(r) = book.round(e.round)
        {
            f.five_star_candidates.push((e.product, r.held_on.year()));
        }
    }
    f
}

/// OCOP products counted for a target of `period`: distinct products with a decision
/// counted in it (by its evaluation year or its decision's, as the target says), signed by
/// `on`, of at least `min_stars` (certifiable ranks when 0), whose producer stood in
/// `scope` on the decision's day. Returns (product, certificate) pairs.
pub fn counted<'a>(
    book: &'a OcopBook,
    registry: &UnitRegistry,
    scope: &UnitId,
    (period, by, on): (
        ntm_core::target::Period,
        ntm_core::target::CountBy,
        NaiveDate,
    ),
    min_stars: u8,
) -> Vec<(&'a Product, &'a Certificate)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in &book.certificates {
        if c.decision_date > on
            || !ntm_core::target::counts_in(period, by, c.year, c.decision_date)
            || c.stars < min_stars.max(3)
        {
            continue;
        }
        let Some(p) = book.product(c.product) else {
            continue;
        };
        let Some(prod) = book.producer(p.producer) else {
            continue;
        };
        let u = unit_now(registry, prod, c.decision_date);
        if !access::in_subtree(registry, scope, &u, c.decision_date.year()) {
            continue;
        }
        if seen.insert(p.id) {
            out.push((p, c));
        }
    }
    out
}

pub const TARGET_RULE: &str = "Đếm mỗi sản phẩm một lần nếu có quyết định công nhận (lần đầu, \
    đánh giá lại hay nâng hạng) tính vào kỳ, đạt từ số sao của chỉ tiêu, và chủ thể thuộc đơn vị \
    vào ngày ký. Đây là số được công nhận trong kỳ, không phải số còn hiệu lực.";

// ---------------------------------------------------------------------------------------
// Rounds and scoring
// ---------------------------------------------------------------------------------------

/// Opens a round: its rule set is the one in force on its date, its level one that scores
/// under it; the council has a secretary and members.
pub async fn open_round(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    round: &Round,
    at: DateTime<Utc>,
) -> AppResult<i64> {
    if !access::may_manage_ocop(registry, &actor.grants, &round.unit, round.held_on.year())
        && !may_manage(registry, actor, round.held_on)
    {
        return Err(forbidden());
    }
    let mut problems = Vec::new();
    if round.name.trim().is_empty() {
        problems.push("Thiếu tên đợt đánh giá.".into());
    }
    match RuleSet::on(round.held_on) {
        None => problems.push(
            "Ngày họp trước QĐ 1048/QĐ-TTg (21/8/2019): chưa có bộ tiêu chí OCOP quốc gia.".into(),
        ),
        Some(r) if r != round.rule_set => problems.push(format!(
            "Ngày {} thuộc {}.",
            round.held_on.format("%d/%m/%Y"),
            r.label_vi()
        )),
        Some(r) if !r.scoring_levels().contains(&round.level) => problems.push(format!(
            "Theo {}, {} không chấm điểm sản phẩm.",
            r.label_vi(),
            round.level.label_vi()
        )),
        Some(_) => {}
    }
    if round.members.is_empty() {
        problems.push("Hội đồng cần ít nhất một thành viên chấm điểm.".into());
    }
    if round.outlier_points <= Decimal::ZERO {
        problems.push("Ngưỡng lệch điểm phải lớn hơn 0.".into());
    }
    invalid(problems)?;
    Ok(store
        .create_round(round, &actor.audit(at, "mở đợt đánh giá OCOP"))
        .await?)
}

/// Enters products in an open round (the office, or whoever keeps the producer: the
/// commune proposes its products under 1489).
pub async fn enter_products(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    round_id: i64,
    products: &[i64],
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<Vec<i64>> {
    let book = store.ocop_book().await?;
    let round = book
        .round(round_id)
        .ok_or_else(|| AppError::NotFound(format!("Không có đợt đánh giá {round_id}.")))?;
    let manage = may_manage(registry, actor, today);
    for p in products {
        let producer = book
            .producer_of(*p)
            .ok_or_else(|| AppError::NotFound(format!("Không có sản phẩm {p}.")))?;
        if !manage && !may_keep(registry, actor, producer, today) {
            return Err(forbidden());
        }
    }
    if round.is_closed() {
        return Err(AppError::Conflict("Đợt đánh giá đã khóa chấm điểm.".into()));
    }
    Ok(store
        .add_entries(
            round_id,
            products,
            &actor.audit(at, "đăng ký sản phẩm dự đánh giá"),
        )
        .await?)
}

/// One entry of a round as a person sees it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub entry: ntm_store::ocop::Entry,
    pub product: Product,
    pub producer: Producer,
    pub unit_name: String,
    /// The product's certificate valid on the round's day: an entry with one is a
    /// re-evaluation or an upgrade request.
    pub holding: Option<Certificate>,
    pub files: Vec<EntryFileInfo>,
    /// (part, has a file)
    pub checklist: Vec<(ocop::DossierPart, bool)>,
    /// Members who handed in a sheet.
    pub handed_in: Vec<i64>,
    /// The viewer's own sheet.
    pub mine: Option<Sheet>,
    /// Once the round is closed, for those who may see it: every sheet and the tally.
    pub sheets: Vec<Sheet>,
    pub tally: Option<Tally>,
    pub outcome: Option<Outcome>,
    /// Mandatory conditions that apply at the band, with their marks.
    pub conditions: Vec<(ocop::Condition, Option<bool>)>,
    pub decided: Vec<Certificate>,
}

#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: Round,
    pub unit_name: String,
    pub member_names: BTreeMap<i64, String>,
    pub entries: Vec<EntryView>,
    pub is_member: bool,
    pub is_secretary: bool,
    pub may_manage: bool,
    /// May see every sheet once closed.
    pub may_see_sheets: bool,
}

impl RoundView {
    pub fn may_close(&self) -> bool {
        !self.round.is_closed() && (self.is_secretary || self.may_manage)
    }
}

/// The outcome of every entry of every closed round (for the figures: five-star
/// candidates).
pub async fn outcomes(store: &dyn Store, book: &OcopBook) -> AppResult<BTreeMap<i64, Outcome>> {
    let mut out = BTreeMap::new();
    for r in book.rounds.iter().filter(|r| r.is_closed()) {
        let sheets = store.round_sheets(r.id).await?;
        let checks = store.round_checks(r.id).await?;
        for e in book.entries.iter().filter(|e| e.round == r.id) {
            if let Some(o) = entry_outcome(book, r, e, &sheets, &checks) {
                out.insert(e.id, o);
            }
        }
    }
    Ok(out)
}

fn entry_outcome(
    book: &OcopBook,
    round: &Round,
    e: &ntm_store::ocop::Entry,
    sheets: &[SheetRecord],
    checks: &[(i64, String, bool)],
) -> Option<Outcome> {
    let own: Vec<Sheet> = sheets
        .iter()
        .filter(|s| s.entry == e.id)
        .map(|s| s.sheet.clone())
        .collect();
    let t = ocop::tally(&own, round.outlier_points)?;
    let product = book.product(e.product)?;
    let marks: BTreeMap<String, bool> = checks
        .iter()
        .filter(|(id, _, _)| *id == e.id)
        .map(|(_, c, m)| (c.clone(), *m))
        .collect();
    Some(ocop::outcome(
        round.rule_set,
        round.level,
        product.product_set.as_deref(),
        t.mean,
        &book.conditions,
        &marks,
    ))
}

/// A round as the actor may see it. Council members, the secretary and the office see
/// the round; before it closes only one's own sheet shows.
pub async fn round_view(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    round_id: i64,
    today: NaiveDate,
) -> AppResult<RoundView> {
    let book = store.ocop_book().await?;
    let round = book
        .round(round_id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("Không có đợt đánh giá {round_id}.")))?;
    let manage = may_manage(registry, actor, today);
    let is_member = round.members.contains(&actor.user_id);
    let is_secretary = round.secretary == actor.user_id;
    let viewer = access::can(
        registry,
        &actor.grants,
        access::Action::View,
        &round.unit,
        round.held_on.year(),
    );
    // Whoever keeps a producer in the round sees its entry's dossier, not the scores.
    let keeps: Vec<i64> = book
        .entries
        .iter()
        .filter(|e| e.round == round_id)
        .filter(|e| {
            book.producer_of(e.product)
                .is_some_and(|p| may_keep(registry, actor, p, today))
        })
        .map(|e| e.id)
        .collect();
    if !(manage || is_member || is_secretary || viewer || !keeps.is_empty()) {
        return Err(forbidden());
    }
    let may_see_sheets = manage || is_member || is_secretary;
    let sheets = store.round_sheets(round_id).await?;
    let checks = store.round_checks(round_id).await?;
    let files = store.round_files(round_id).await?;
    let users = store.list_users().await?;
    let member_names: BTreeMap<i64, String> = users
        .iter()
        .filter(|u| round.members.contains(&u.id) || u.id == round.secretary)
        .map(|u| (u.id, format!("{} ({})", u.full_name, u.username)))
        .collect();
    let closed = round.is_closed();
    let mut entries = Vec::new();
    for e in book.entries.iter().filter(|e| e.round == round_id) {
        let only_dossier = !(manage || is_member || is_secretary || viewer);
        if only_dossier && !keeps.contains(&e.id) {
            continue;
        }
        let (Some(product), Some(producer)) =
            (book.product(e.product), book.producer_of(e.product))
        else {
            continue;
        };
        let own: Vec<&SheetRecord> = sheets.iter().filter(|s| s.entry == e.id).collect();
        let visible: Vec<Sheet> = own
            .iter()
            .filter(|s| ocop::visible_sheet(closed, actor.user_id, s.sheet.member, may_see_sheets))
            .map(|s| s.sheet.clone())
            .collect();
        let all_sheets: Vec<Sheet> = own.iter().map(|s| s.sheet.clone()).collect();
        let show_result = closed && (may_see_sheets || viewer);
        // The Steering Committee reads the result, not each member's points.
        let tally = if show_result {
            ocop::tally(&all_sheets, round.outlier_points).map(|mut t| {
                if !may_see_sheets {
                    t.lines.clear();
                }
                t
            })
        } else {
            None
        };
        let outcome = if show_result {
            entry_outcome(&book, &round, e, &sheets, &checks)
        } else {
            None
        };
        let band = ocop::tally(&all_sheets, round.outlier_points).map(|t| t.band);
        let marks: BTreeMap<&str, bool> = checks
            .iter()
            .filter(|(id, _, _)| *id == e.id)
            .map(|(_, c, m)| (c.as_str(), *m))
            .collect();
        let conditions = book
            .conditions
            .iter()
            .filter(|c| {
                c.applies(
                    round.rule_set,
                    product.product_set.as_deref(),
                    if closed && !only_dossier {
                        band.unwrap_or(5)
                    } else {
                        5
                    },
                )
            })
            .map(|c| (c.clone(), marks.get(c.code.as_str()).copied()))
            .collect();
        let entry_files: Vec<EntryFileInfo> =
            files.iter().filter(|f| f.entry == e.id).cloned().collect();
        let checklist = round
            .rule_set
            .dossier_parts(product.is_service())
            .into_iter()
            .map(|p| {
                let has = entry_files.iter().any(|f| f.part == p.code);
                (p, has)
            })
            .collect();
        let holding = ocop::valid_on(&book.certificates, round.held_on)
            .get(&product.id)
            .map(|c| (*c).clone());
        let unit = unit_now(registry, producer, today);
        entries.push(EntryView {
            entry: e.clone(),
            product: product.clone(),
            producer: producer.clone(),
            unit_name: unit_name(registry, &unit, today),
            holding,
            files: entry_files,
            checklist,
            handed_in: own.iter().map(|s| s.sheet.member).collect(),
            mine: own
                .iter()
                .find(|s| s.sheet.member == actor.user_id)
                .map(|s| s.sheet.clone()),
            sheets: if only_dossier { vec![] } else { visible },
            tally: if only_dossier { None } else { tally },
            outcome: if only_dossier { None } else { outcome },
            conditions,
            decided: book
                .certificates
                .iter()
                .filter(|c| c.entry == Some(e.id))
                .cloned()
                .collect(),
        });
    }
    Ok(RoundView {
        unit_name: unit_name(registry, &round.unit, round.held_on),
        round,
        member_names,
        entries,
        is_member,
        is_secretary,
        may_manage: manage,
        may_see_sheets,
    })
}

/// An entry with its round and its product's producer, or why not.
fn entry_of(
    book: &OcopBook,
    entry_id: i64,
) -> AppResult<(&ntm_store::ocop::Entry, &Round, &Producer)> {
    let entry = book
        .entry(entry_id)
        .ok_or_else(|| AppError::NotFound(format!("Không có sản phẩm dự đánh giá {entry_id}.")))?;
    let round = book
        .round(entry.round)
        .ok_or_else(|| AppError::NotFound("Không có đợt đánh giá.".into()))?;
    let producer = book
        .producer_of(entry.product)
        .ok_or_else(|| AppError::NotFound("Không có chủ thể.".into()))?;
    Ok((entry, round, producer))
}

/// A member hands in (or changes) their own sheet for an entry, while the round is open.
pub async fn score(
    store: &dyn Store,
    actor: &Actor,
    entry_id: i64,
    parts: [Decimal; 3],
    at: DateTime<Utc>,
) -> AppResult<()> {
    let book = store.ocop_book().await?;
    let (_, round, _) = entry_of(&book, entry_id)?;
    if !round.members.contains(&actor.user_id) {
        return Err(AppError::Forbidden(
            "Chỉ thành viên hội đồng của đợt này được chấm điểm.".into(),
        ));
    }
    if !ocop::may_score(round.is_closed(), &round.members, actor.user_id) {
        return Err(AppError::Conflict(
            "Thư ký đã khóa chấm điểm: phiếu không sửa được nữa.".into(),
        ));
    }
    let sheet = Sheet {
        member: actor.user_id,
        a: parts[0],
        b: parts[1],
        c: parts[2],
    };
    invalid(ocop::check_sheet(round.rule_set, &sheet))?;
    store
        .put_sheet(entry_id, &sheet, &actor.audit(at, "phiếu chấm OCOP"))
        .await?;
    Ok(())
}

/// The secretary (or the office) closes scoring: from then the sheets are final and seen.
pub async fn close(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    round_id: i64,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    let book = store.ocop_book().await?;
    let round = book
        .round(round_id)
        .ok_or_else(|| AppError::NotFound(format!("Không có đợt đánh giá {round_id}.")))?;
    if round.secretary != actor.user_id && !may_manage(registry, actor, today) {
        return Err(AppError::Forbidden(
            "Chỉ thư ký hội đồng hoặc Văn phòng Điều phối được khóa chấm điểm.".into(),
        ));
    }
    store
        .close_round(round_id, &actor.audit(at, "khóa chấm điểm OCOP"))
        .await?;
    Ok(())
}

/// What the commune checks before it proposes a product under 1489 (the rest of its
/// checklist was not captured by the reference).
pub const PRECHECK_RULE: &str = "Theo QĐ 1489/QĐ-TTg, UBND xã tiếp nhận hồ sơ, kiểm tra một số \
    nội dung (sản phẩm và nguyên liệu có nguồn gốc tại địa phương, sử dụng lao động địa phương, \
    nguồn gốc ý tưởng sản phẩm, …) rồi đề xuất cấp tỉnh đánh giá.";

/// The commune records its check of an entry's dossier (1489 rounds only): whoever keeps
/// the producer, or the office on its behalf.
pub async fn precheck(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    entry_id: i64,
    (on, note): (NaiveDate, &str),
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    let book = store.ocop_book().await?;
    let (_, round, producer) = entry_of(&book, entry_id)?;
    if !may_keep(registry, actor, producer, today) {
        return Err(forbidden());
    }
    let mut problems = Vec::new();
    if round.rule_set != RuleSet::Qd148Amended {
        problems.push(format!(
            "Bước kiểm tra của UBND xã có từ QĐ 1489/QĐ-TTg (06/7/2025); đợt này theo {}.",
            round.rule_set.label_vi()
        ));
    }
    if on > today {
        problems.push("Ngày kiểm tra sau hôm nay.".into());
    }
    invalid(problems)?;
    store
        .put_precheck(
            entry_id,
            on,
            note,
            &actor.audit(at, "UBND xã kiểm tra hồ sơ OCOP"),
        )
        .await?;
    Ok(())
}

/// The secretary (or the office) marks mandatory conditions of an entry.
pub async fn check_conditions(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    entry_id: i64,
    checks: &[(String, bool)],
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    let book = store.ocop_book().await?;
    let (_, round, _) = entry_of(&book, entry_id)?;
    if round.secretary != actor.user_id && !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    let known: BTreeSet<&str> = book
        .conditions
        .iter()
        .filter(|c| c.rule_set == round.rule_set)
        .map(|c| c.code.as_str())
        .collect();
    let unknown: Vec<String> = checks
        .iter()
        .filter(|(c, _)| !known.contains(c.as_str()))
        .map(|(c, _)| {
            format!(
                "Không có tiêu chí bắt buộc mã {c} trong {}.",
                round.rule_set.label_vi()
            )
        })
        .collect();
    invalid(unknown)?;
    store
        .put_checks(
            entry_id,
            checks,
            &actor.audit(at, "kiểm tiêu chí bắt buộc OCOP"),
        )
        .await?;
    Ok(())
}

/// The largest dossier file accepted.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Attaches a file to a part of an entry's dossier: whoever keeps the producer, or the
/// office.
pub async fn attach(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    entry_id: i64,
    (part, file, note): (&str, &StoredFile, &str),
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<i64> {
    let book = store.ocop_book().await?;
    let (entry, round, producer) = entry_of(&book, entry_id)?;
    if !may_keep(registry, actor, producer, today) {
        return Err(forbidden());
    }
    let service = book.product(entry.product).is_some_and(Product::is_service);
    let mut problems = Vec::new();
    if !round
        .rule_set
        .dossier_parts(service)
        .iter()
        .any(|p| p.code == part)
    {
        problems.push(format!(
            "“{part}” không phải một phần của hồ sơ theo {}.",
            round.rule_set.label_vi()
        ));
    }
    if file.bytes.is_empty() || file.name.trim().is_empty() {
        problems.push("Chọn một tệp có nội dung.".into());
    }
    if file.bytes.len() > MAX_FILE_BYTES {
        problems.push(format!(
            "Tệp lớn hơn {} MB: hãy tách hồ sơ thành nhiều tệp.",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    invalid(problems)?;
    Ok(store
        .attach_entry_file(
            entry_id,
            part,
            file,
            note.trim(),
            &actor.audit(at, "hồ sơ OCOP"),
        )
        .await?)
}

/// One file, for whoever may see its round's entry.
pub async fn entry_file(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    file_id: i64,
    today: NaiveDate,
) -> AppResult<StoredFile> {
    let (info, file) = store
        .entry_file(file_id)
        .await?
        .ok_or_else(|| AppError::NotFound("Không có tệp này.".into()))?;
    let book = store.ocop_book().await?;
    let round = book
        .entry(info.entry)
        .and_then(|e| book.round(e.round))
        .ok_or_else(|| AppError::NotFound("Không có tệp này.".into()))?;
    let view = round_view(store, registry, actor, round.id, today).await?;
    if !view.entries.iter().any(|e| e.entry.id == info.entry) {
        return Err(forbidden());
    }
    Ok(file)
}

// ---------------------------------------------------------------------------------------
// Decisions and certificates
// ---------------------------------------------------------------------------------------

/// Records one decision's certificates (the office enters the decisions of every level:
/// the ministry and, before the reform, the districts have no accounts). Each is checked
/// against its rule set and level and, when it comes from a round, against the round's
/// outcome: the rank the level certifies.
pub async fn record_decision(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    certificates: &[Certificate],
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<Vec<i64>> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    if certificates.is_empty() {
        return Err(AppError::Invalid(vec!["Chọn ít nhất một sản phẩm.".into()]));
    }
    let book = store.ocop_book().await?;
    let outcomes = outcomes(store, &book).await?;
    let mut problems = Vec::new();
    for c in certificates {
        let name = book
            .product(c.product)
            .map_or_else(|| format!("sản phẩm {}", c.product), |p| p.name.clone());
        if book.product(c.product).is_none() {
            problems.push(format!("Không có sản phẩm {}.", c.product));
            continue;
        }
        for p in ocop::check_certificate(c, today) {
            problems.push(format!("{name}: {p}."));
        }
        if let Some(e) = c.entry {
            match (book.entry(e), outcomes.get(&e)) {
                (Some(en), _) if en.product != c.product => problems.push(format!(
                    "{name}: không phải sản phẩm của lượt đánh giá {e}."
                )),
                (Some(_), Some(o)) if o.rank.is_none() => problems.push(format!(
                    "{name}: chưa kiểm xong tiêu chí bắt buộc — {}",
                    o.explain
                )),
                (Some(_), Some(o)) if o.certify != Some(c.stars) => problems.push(format!(
                    "{name}: kết quả của hội đồng là {} — {}",
                    o.certify
                        .map_or("không công nhận hạng nào ở cấp này".into(), ocop::stars_vi),
                    o.explain
                )),
                (Some(_), None) => problems.push(format!(
                    "{name}: hội đồng chưa khóa chấm điểm, hoặc chưa có phiếu chấm."
                )),
                (None, _) => problems.push(format!("Không có lượt đánh giá {e}.")),
                _ => {}
            }
            if book
                .certificates
                .iter()
                .any(|x| x.entry == Some(e) && x.stars == c.stars)
            {
                problems.push(format!(
                    "{name}: quyết định của lượt đánh giá này đã được ghi."
                ));
            }
        }
    }
    invalid(problems)?;
    Ok(store
        .record_certificates(certificates, &actor.audit(at, "quyết định công nhận OCOP"))
        .await?)
}

/// Ends a certificate: revoked by a decision, or recorded as lapsed with its reason.
pub async fn end_certificate(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    id: i64,
    ending: &Ending,
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<()> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    let book = store.ocop_book().await?;
    let c = book
        .certificates
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::NotFound(format!("Không có giấy chứng nhận {id}.")))?;
    let mut problems = Vec::new();
    if ending.reason.trim().is_empty() {
        problems.push("Ghi lý do.".into());
    }
    if ending.on > today {
        problems.push("Ngày sau hôm nay.".into());
    }
    if ending.on < c.decision_date {
        problems.push("Ngày trước ngày quyết định công nhận.".into());
    }
    if ending.kind == ocop::EndKind::Revoked && ending.number.trim().is_empty() {
        problems.push("Ghi số quyết định thu hồi.".into());
    }
    invalid(problems)?;
    store
        .end_certificate(
            id,
            ending,
            &actor.audit(at, "chấm dứt hiệu lực giấy chứng nhận OCOP"),
        )
        .await?;
    Ok(())
}

/// What one run of the expiry alerts did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertReport {
    pub certificates: usize,
    pub notifications: usize,
}

/// Alerts (once per certificate and alert day) the office and whoever keeps the
/// producer, in the same notifications and digest as tasks.
pub async fn remind(
    store: &dyn Store,
    registry: &UnitRegistry,
    now: DateTime<Utc>,
    days: &[u32],
) -> AppResult<AlertReport> {
    let today = ntm_core::task::local_date(now);
    let book = store.ocop_book().await?;
    let mut report = AlertReport::default();
    let mut notes = Vec::new();
    let mut users = Vec::new();
    for u in store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
    {
        users.push(crate::accounts::actor_by_username(store, &u.username).await?);
    }
    for (c, d) in ocop::expiry_alerts(&book.certificates, today, days) {
        let (Some(p), Some(prod)) = (book.product(c.product), book.producer_of(c.product)) else {
            continue;
        };
        if !store.record_ocop_alert(c.id, d, now).await? {
            continue;
        }
        report.certificates += 1;
        let left = (c.valid_until() - today).num_days();
        let text = format!(
            "Giấy chứng nhận OCOP {} sao của “{}” ({}) hết hạn ngày {} (còn {left} ngày): nhắc chủ thể đăng ký đánh giá lại.",
            c.stars,
            p.name,
            prod.name,
            c.valid_until().format("%d/%m/%Y")
        );
        for u in &users {
            if may_keep(registry, u, prod, today) {
                notes.push(NewNotification {
                    user_id: u.user_id,
                    at: now,
                    text: text.clone(),
                    link: Some(format!("/ocop/products/{}", p.id)),
                });
            }
        }
    }
    report.notifications = notes.len();
    if !notes.is_empty() {
        store.add_notifications(&notes).await?;
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// Support
// ---------------------------------------------------------------------------------------

/// Reads a support workbook against the register: each line names a product (its code, or
/// its exact name when unique), a year, a category and a source from the lists, and an
/// amount in đồng. Every problem with its sheet and row.
pub fn support_of(bytes: &[u8], book: &OcopBook) -> Result<Vec<Support>, Vec<String>> {
    let rows = ntm_reports::ocop::read_support(bytes)
        .map_err(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for r in &rows {
        let place = format!("trang {}, dòng {}", r.sheet, r.row);
        let product = if !r.product_code.trim().is_empty() {
            match r
                .product_code
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|id| book.product(id))
            {
                Some(p) => Some(p),
                None => {
                    problems.push(format!(
                        "{place}, cột Mã sản phẩm: không có sản phẩm mã “{}”",
                        r.product_code
                    ));
                    None
                }
            }
        } else {
            let key = ntm_core::text::search_key(&r.product_name);
            let found: Vec<&Product> = book
                .products
                .iter()
                .filter(|p| ntm_core::text::search_key(&p.name) == key)
                .collect();
            match found.as_slice() {
                [p] => Some(*p),
                [] => {
                    problems.push(format!(
                        "{place}, cột Tên sản phẩm: không có sản phẩm “{}” (ghi mã sản phẩm)",
                        r.product_name
                    ));
                    None
                }
                _ => {
                    problems.push(format!(
                        "{place}, cột Tên sản phẩm: có {} sản phẩm tên “{}”; ghi mã sản phẩm",
                        found.len(),
                        r.product_name
                    ));
                    None
                }
            }
        };
        let year = match r.year.trim().parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                problems.push(format!("{place}, cột Năm: “{}” không phải một năm", r.year));
                None
            }
        };
        let category = SupportCategory::parse(&r.category);
        if category.is_none() {
            problems.push(format!(
                "{place}, cột Nội dung hỗ trợ: “{}” không có trong danh mục",
                r.category
            ));
        }
        let source = if r.source.trim().is_empty() {
            Some(FundSource::Other)
        } else {
            FundSource::parse(&r.source)
        };
        if source.is_none() {
            problems.push(format!(
                "{place}, cột Nguồn vốn: “{}” không có trong danh mục",
                r.source
            ));
        }
        // Money in đồng is written the Vietnamese way (60.000.000) or plain (60000000).
        let amount = match ntm_core::Value::parse_number_as(
            &r.amount,
            ntm_core::value::Convention::Vietnamese,
        ) {
            Ok(a) => Some(a),
            Err(_) => {
                problems.push(format!(
                    "{place}, cột Số tiền: “{}” không phải một số (ghi bằng đồng)",
                    r.amount
                ));
                None
            }
        };
        if let (Some(p), Some(year), Some(category), Some(source), Some(amount)) =
            (product, year, category, source, amount)
        {
            let s = Support {
                id: 0,
                product: p.id,
                year,
                category,
                source,
                amount,
                document: r.document.trim().to_string(),
                note: r.note.trim().to_string(),
                illustrative: false,
            };
            for e in ocop::check_support(&s) {
                problems.push(format!("{place}: {e}"));
            }
            out.push(s);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What an import would write, for the preview.
pub fn support_preview(
    lines: &[Support],
    book: &OcopBook,
) -> AppResult<ntm_store::ocop::SupportPlan> {
    ntm_store::ocop::plan_support(lines, &book.support).map_err(AppError::Invalid)
}

/// Imports support lines, all or none: the office only.
pub async fn import_support(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    lines: &[Support],
    (today, at): (NaiveDate, DateTime<Utc>),
    reason: &str,
) -> AppResult<(usize, usize, usize)> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    Ok(store
        .import_support(lines, &actor.audit(at, reason.to_string()))
        .await?)
}

/// A unit's year of support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingRow {
    pub unit: UnitId,
    pub unit_name: String,
    pub year: i32,
    pub spending: Spending,
    pub flagged: bool,
    pub by_source: BTreeMap<FundSource, Decimal>,
}

/// Support by unit (where the producer stood at the end of the year) and year, with the
/// identity-kit ratio flagged above `limit`; the province's total per year last.
pub fn spending(
    book: &OcopBook,
    registry: &UnitRegistry,
    year: Option<i32>,
    limit: Decimal,
) -> (Vec<SpendingRow>, Vec<SpendingRow>) {
    let mut rows: BTreeMap<(i32, UnitId), (Spending, BTreeMap<FundSource, Decimal>)> =
        BTreeMap::new();
    let mut totals: BTreeMap<i32, (Spending, BTreeMap<FundSource, Decimal>)> = BTreeMap::new();
    for s in book
        .support
        .iter()
        .filter(|s| year.is_none_or(|y| s.year == y))
    {
        let Some(p) = book.producer_of(s.product) else {
            continue;
        };
        let end = NaiveDate::from_ymd_opt(s.year, 12, 31).unwrap_or_default();
        let u = unit_now(registry, p, end);
        let e = rows.entry((s.year, u)).or_default();
        e.0.add(s);
        *e.1.entry(s.source).or_default() += s.amount;
        let t = totals.entry(s.year).or_default();
        t.0.add(s);
        *t.1.entry(s.source).or_default() += s.amount;
    }
    let mk = |year: i32,
              unit: UnitId,
              name: String,
              (sp, src): (Spending, BTreeMap<FundSource, Decimal>)| {
        SpendingRow {
            flagged: sp.flagged(limit),
            unit,
            unit_name: name,
            year,
            spending: sp,
            by_source: src,
        }
    };
    let mut out: Vec<SpendingRow> = rows
        .into_iter()
        .map(|((y, u), v)| {
            let end = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default();
            let name = unit_name(registry, &u, end);
            mk(y, u, name, v)
        })
        .collect();
    out.sort_by(|a, b| (b.year, &a.unit_name).cmp(&(a.year, &b.unit_name)));
    let province = crate::tasks::home(
        registry,
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    )
    .into_iter()
    .next();
    let totals = totals
        .into_iter()
        .rev()
        .map(|(y, v)| {
            let u = province
                .clone()
                .unwrap_or_else(|| UnitId::new("42", NaiveDate::MIN));
            mk(y, u, "Toàn tỉnh".into(), v)
        })
        .collect();
    (out, totals)
}

/// Reads a conditions CSV (see `ntm_data::ocop_conditions`).
pub fn parse_conditions(text: &str) -> Result<Vec<ocop::Condition>, Vec<String>> {
    ntm_data::ocop_conditions::parse_conditions(text)
}

/// Loads mandatory conditions: the office only.
pub async fn load_conditions(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    conditions: &[ocop::Condition],
    (today, at): (NaiveDate, DateTime<Utc>),
) -> AppResult<usize> {
    if !may_manage(registry, actor, today) {
        return Err(forbidden());
    }
    if conditions.is_empty() {
        return Err(AppError::Invalid(vec!["Tệp không có tiêu chí nào.".into()]));
    }
    Ok(store
        .put_conditions(conditions, &actor.audit(at, "nạp tiêu chí bắt buộc OCOP"))
        .await?)
}

/// The province's OCOP report as a workbook: the totals (valid against cumulative), the
/// decisions by evaluation year, the valid products by unit and by category, and the
/// support by year with the identity-kit ratio (`totals` from [`spending`]).
pub fn report_workbook(f: &Figures, totals: &[SpendingRow], day: NaiveDate) -> AppResult<Vec<u8>> {
    use ntm_reports::{Cell, Column, Table};
    let date = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let money = |d: Decimal| ntm_core::text::vi_number(d.round_dp(0));
    let mut subtitle = vec![format!("Đến ngày {}", date(day))];
    if f.illustrative {
        subtitle.push("Có số liệu minh họa của bản trình diễn.".into());
    }
    let n = |x: usize| Cell::int(i64::try_from(x).unwrap_or(i64::MAX));
    let table = |sheet: &str,
                 title: &str,
                 columns: Vec<Column>,
                 rows: Vec<Vec<Cell>>,
                 totals: Vec<Vec<Cell>>| Table {
        sheet: sheet.into(),
        title: title.into(),
        subtitle: subtitle.clone(),
        columns,
        header_rows: vec![],
        rows,
        totals,
        notes: vec![ocop::COUNT_RULE.into()],
        landscape: false,
        freeze_columns: 1,
    };
    let stars_columns = || {
        vec![
            Column::new("3 sao", 8.0),
            Column::new("4 sao", 8.0),
            Column::new("5 sao", 8.0),
        ]
    };
    let mut by_year = vec![
        Column::new("Năm", 8.0),
        Column::new("Số sản phẩm", 12.0),
        Column::new("Lần đầu", 10.0),
        Column::new("Đánh giá lại, nâng hạng", 14.0),
    ];
    by_year.extend(stars_columns());
    let mut by_unit = vec![Column::new("Đơn vị", 30.0)];
    by_unit.extend(stars_columns());
    by_unit.push(Column::new("Tổng", 8.0));
    let tables = vec![
        table(
            "Tổng hợp",
            "TỔNG HỢP SẢN PHẨM OCOP",
            vec![
                Column::new("Chỉ số", 44.0),
                Column::new("Số sản phẩm", 14.0),
            ],
            vec![
                vec![Cell::text("Còn hiệu lực"), n(f.valid)],
                vec![Cell::text("   trong đó 3 sao"), n(f.valid_by_stars[0])],
                vec![Cell::text("   trong đó 4 sao"), n(f.valid_by_stars[1])],
                vec![Cell::text("   trong đó 5 sao"), n(f.valid_by_stars[2])],
                vec![Cell::text("Lũy kế đã từng được công nhận"), n(f.cumulative)],
                vec![
                    Cell::text("Đã hết hiệu lực (hết hạn, thu hồi, không đánh giá lại)"),
                    n(f.lapsed),
                ],
                vec![
                    Cell::text("Tiềm năng 5 sao đã đề xuất Trung ương"),
                    n(f.five_star_candidates.len()),
                ],
            ],
            vec![],
        ),
        table(
            "Theo năm",
            "SẢN PHẨM OCOP ĐƯỢC CÔNG NHẬN THEO NĂM ĐÁNH GIÁ",
            by_year,
            f.years
                .iter()
                .rev()
                .map(|y| {
                    vec![
                        Cell::int(i64::from(y.year)),
                        n(y.products),
                        n(y.first),
                        n(y.again),
                        n(y.by_stars[0]),
                        n(y.by_stars[1]),
                        n(y.by_stars[2]),
                    ]
                })
                .collect(),
            vec![],
        ),
        table(
            "Theo đơn vị",
            "SẢN PHẨM OCOP CÒN HIỆU LỰC THEO ĐƠN VỊ",
            by_unit,
            f.by_unit
                .iter()
                .map(|(_, name, s)| {
                    vec![
                        Cell::text(name),
                        n(s[0]),
                        n(s[1]),
                        n(s[2]),
                        n(s.iter().sum()),
                    ]
                })
                .collect(),
            vec![vec![
                Cell::text("Toàn bộ"),
                n(f.valid_by_stars[0]),
                n(f.valid_by_stars[1]),
                n(f.valid_by_stars[2]),
                n(f.valid),
            ]],
        ),
        table(
            "Theo nhóm",
            "SẢN PHẨM OCOP CÒN HIỆU LỰC THEO NHÓM (QĐ 148/2023)",
            vec![
                Column::new("Nhóm sản phẩm", 50.0),
                Column::new("Số sản phẩm", 12.0),
            ],
            f.by_category
                .iter()
                .map(|(c, k)| {
                    vec![
                        Cell::text(format!(
                            "{c}. {}",
                            ocop::category_name(c).unwrap_or("Chưa phân loại")
                        )),
                        n(*k),
                    ]
                })
                .collect(),
            vec![],
        ),
        Table {
            notes: vec![ocop::RATIO_RULE.into()],
            ..table(
                "Kinh phí",
                "KINH PHÍ HỖ TRỢ OCOP THEO NĂM (ĐỒNG)",
                vec![
                    Column::new("Năm", 8.0),
                    Column::new("Bộ nhận diện, bao bì", 16.0),
                    Column::new("Đầu tư sản xuất", 16.0),
                    Column::new("Khác", 16.0),
                    Column::new("Tổng", 16.0),
                    Column::new("Tỷ lệ nhận diện / sản xuất", 14.0),
                ],
                totals
                    .iter()
                    .map(|s| {
                        vec![
                            Cell::int(i64::from(s.year)),
                            Cell::text(money(s.spending.identity)),
                            Cell::text(money(s.spending.production)),
                            Cell::text(money(s.spending.other)),
                            Cell::text(money(s.spending.total())),
                            Cell::text(match s.spending.ratio() {
                                Some(r) if s.flagged => format!(
                                    "{} (vượt ngưỡng)",
                                    ntm_core::text::vi_number(r.round_dp(2))
                                ),
                                Some(r) => ntm_core::text::vi_number(r.round_dp(2)),
                                None => "không có chi sản xuất".into(),
                            }),
                        ]
                    })
                    .collect(),
                vec![],
            )
        },
    ];
    ntm_reports::workbook(&tables).map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

// ---------------------------------------------------------------------------------------
// Public catalogue
// ---------------------------------------------------------------------------------------

/// What the public sees of a product: nothing of the producer's registration, contacts,
/// scores, dossiers, notes or the support paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicProduct {
    pub id: i64,
    pub name: String,
    pub producer: String,
    pub unit_name: String,
    pub category: String,
    pub stars: u8,
    pub decision: String,
    pub valid_until: NaiveDate,
    pub valid: bool,
    pub state: String,
    pub description: String,
    pub illustrative: bool,
}

fn public_of(
    book: &OcopBook,
    registry: &UnitRegistry,
    p: &Product,
    today: NaiveDate,
) -> Option<PublicProduct> {
    let producer = book.producer(p.producer)?;
    let valid = ocop::valid_on(&book.certificates, today);
    let cert = valid.get(&p.id).copied().or_else(|| {
        book.certificates
            .iter()
            .filter(|c| c.product == p.id && c.decision_date <= today)
            .max_by_key(|c| (c.decision_date, c.id))
    })?;
    let unit = unit_now(registry, producer, today);
    let state = ocop::state(cert, &book.certificates, today);
    Some(PublicProduct {
        id: p.id,
        name: p.name.clone(),
        producer: producer.name.clone(),
        unit_name: unit_name(registry, &unit, today),
        category: p
            .category()
            .and_then(ocop::category_name)
            .unwrap_or("")
            .to_string(),
        stars: cert.stars,
        decision: format!(
            "QĐ {} ngày {} ({})",
            cert.decision_number,
            cert.decision_date.format("%d/%m/%Y"),
            cert.level.label_vi()
        ),
        valid_until: cert.valid_until(),
        valid: state.is_valid(),
        state: match state {
            CertState::Valid { .. } => "Còn hiệu lực".into(),
            s => s.label_vi(),
        },
        description: p.description.clone(),
        illustrative: p.illustrative || cert.illustrative,
    })
}

/// The public catalogue: currently certified products, by stars (highest first) then
/// name, optionally of one category or matching a text.
pub fn catalogue(
    book: &OcopBook,
    registry: &UnitRegistry,
    today: NaiveDate,
    category: Option<&str>,
    text: &str,
) -> Vec<PublicProduct> {
    let valid = ocop::valid_on(&book.certificates, today);
    let key = ntm_core::text::search_key(text);
    let mut out: Vec<PublicProduct> = book
        .products
        .iter()
        .filter(|p| valid.contains_key(&p.id))
        .filter(|p| category.is_none_or(|c| p.category() == Some(c)))
        .filter_map(|p| public_of(book, registry, p, today))
        .filter(|p| {
            key.is_empty()
                || ntm_core::text::search_key(&p.name).contains(&key)
                || ntm_core::text::search_key(&p.producer).contains(&key)
                || ntm_core::text::search_key(&p.unit_name).contains(&key)
        })
        .collect();
    out.sort_by(|a, b| b.stars.cmp(&a.stars).then(a.name.cmp(&b.name)));
    out
}

/// A product's public page: any product ever certified (a package scanned after its
/// certificate ended must say so); `None` for one never certified.
pub fn public_product(
    book: &OcopBook,
    registry: &UnitRegistry,
    id: i64,
    today: NaiveDate,
) -> Option<PublicProduct> {
    public_of(book, registry, book.product(id)?, today)
}

/// The QR code of a product's public page, as SVG.
pub fn qr_svg(url: &str) -> AppResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Invalid(vec![format!("Không tạo được mã QR: {e}")]))?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    // Without the XML declaration, the same text serves as a file and inside a page.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_url() {
        let svg = qr_svg("https://ntm.example/ocop/p/12").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }
}
