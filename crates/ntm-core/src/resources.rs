//! Sponsorship (đỡ đầu) and mobilised resources (huy động nguồn lực): who committed what to
//! which commune or village, what was delivered and confirmed, and the money mobilised per
//! unit and year by source and purpose — placed on a chosen tree through the lineage, so
//! that amounts recorded before the 2025 reform are counted once under the units of after.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::text::search_key;
use crate::unit::{UnitId, UnitRegistry, followed_on};

// ---------------------------------------------------------------------------------------
// Mobilised funds
// ---------------------------------------------------------------------------------------

/// Where mobilised money came from: the sources the programme's reports name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    CentralInvestment,
    CentralRecurrent,
    Provincial,
    District,
    Commune,
    Integrated,
    PolicyCredit,
    Enterprise,
    CommunityCash,
    CommunityInKind,
    Other,
}

/// The groups a report totals the sources by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceGroup {
    /// Ngân sách nhà nước (central, provincial, district, commune).
    Budget,
    /// Lồng ghép từ các chương trình, dự án khác.
    Integrated,
    /// Vốn tín dụng chính sách.
    Credit,
    /// Doanh nghiệp, hợp tác xã.
    Enterprise,
    /// Cộng đồng dân cư (tiền, ngày công, đất, hiện vật quy đổi).
    Community,
    Other,
}

impl SourceGroup {
    pub const ALL: [SourceGroup; 6] = [
        SourceGroup::Budget,
        SourceGroup::Integrated,
        SourceGroup::Credit,
        SourceGroup::Enterprise,
        SourceGroup::Community,
        SourceGroup::Other,
    ];
    pub fn label_vi(self) -> &'static str {
        match self {
            SourceGroup::Budget => "Ngân sách nhà nước",
            SourceGroup::Integrated => "Lồng ghép chương trình, dự án khác",
            SourceGroup::Credit => "Vốn tín dụng",
            SourceGroup::Enterprise => "Doanh nghiệp, hợp tác xã",
            SourceGroup::Community => "Cộng đồng dân cư",
            SourceGroup::Other => "Nguồn khác",
        }
    }
}

/// The last year whose money can come from a district budget: districts ended on
/// 30/6/2025.
pub const LAST_DISTRICT_BUDGET_YEAR: i32 = 2025;

impl Source {
    pub const ALL: [Source; 11] = [
        Source::CentralInvestment,
        Source::CentralRecurrent,
        Source::Provincial,
        Source::District,
        Source::Commune,
        Source::Integrated,
        Source::PolicyCredit,
        Source::Enterprise,
        Source::CommunityCash,
        Source::CommunityInKind,
        Source::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Source::CentralInvestment => "central_investment",
            Source::CentralRecurrent => "central_recurrent",
            Source::Provincial => "provincial",
            Source::District => "district",
            Source::Commune => "commune",
            Source::Integrated => "integrated",
            Source::PolicyCredit => "policy_credit",
            Source::Enterprise => "enterprise",
            Source::CommunityCash => "community_cash",
            Source::CommunityInKind => "community_in_kind",
            Source::Other => "other",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Source::CentralInvestment => "Ngân sách trung ương – vốn đầu tư phát triển",
            Source::CentralRecurrent => "Ngân sách trung ương – vốn sự nghiệp",
            Source::Provincial => "Ngân sách tỉnh",
            Source::District => "Ngân sách huyện",
            Source::Commune => "Ngân sách xã",
            Source::Integrated => "Lồng ghép từ chương trình, dự án khác",
            Source::PolicyCredit => "Vốn tín dụng chính sách",
            Source::Enterprise => "Doanh nghiệp, hợp tác xã",
            Source::CommunityCash => "Cộng đồng dân cư – tiền mặt",
            Source::CommunityInKind => "Cộng đồng dân cư – ngày công, đất, hiện vật (quy đổi)",
            Source::Other => "Nguồn khác",
        }
    }
    pub fn group(self) -> SourceGroup {
        match self {
            Source::CentralInvestment
            | Source::CentralRecurrent
            | Source::Provincial
            | Source::District
            | Source::Commune => SourceGroup::Budget,
            Source::Integrated => SourceGroup::Integrated,
            Source::PolicyCredit => SourceGroup::Credit,
            Source::Enterprise => SourceGroup::Enterprise,
            Source::CommunityCash | Source::CommunityInKind => SourceGroup::Community,
            Source::Other => SourceGroup::Other,
        }
    }
    /// The stored code, or its label as typed in a sheet (with or without diacritics);
    /// abbreviations are not guessed.
    pub fn parse(text: &str) -> Option<Self> {
        let key = search_key(text);
        Source::ALL
            .into_iter()
            .find(|s| key == s.as_str() || key == search_key(s.label_vi()))
    }
    /// Why the source cannot carry money of `year`, if it cannot.
    pub fn refused_in(self, year: i32) -> Option<String> {
        (self == Source::District && year > LAST_DISTRICT_BUDGET_YEAR).then(|| {
            format!(
                "năm {year} không còn ngân sách huyện (cấp huyện kết thúc ngày 30/6/2025); ghi vào ngân sách tỉnh hoặc xã"
            )
        })
    }
}

/// Money mobilised for a unit in a year from one source for one purpose: the plan and
/// what was actually spent or delivered, in đồng (in-kind contributions valued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundLine {
    pub id: i64,
    /// The unit as it was when the money was recorded (a commune of 2022 stays one).
    pub unit: UnitId,
    pub year: i32,
    pub source: Source,
    /// The criterion it serves (its number in the set of the year: "2" giao thông), or
    /// empty when it serves none in particular.
    pub criterion: String,
    /// The work or content (đường giao thông thôn 3, nhà văn hóa, …).
    pub work: String,
    pub planned: Decimal,
    pub actual: Decimal,
    /// The decision or report the figures come from.
    pub document: String,
    pub note: String,
    pub illustrative: bool,
}

/// What makes two lines the same line: an import replaces the figures of a matched one.
pub fn fund_key(l: &FundLine) -> (UnitId, i32, Source, String, String) {
    (
        l.unit.clone(),
        l.year,
        l.source,
        l.criterion.trim().to_lowercase(),
        search_key(&l.work),
    )
}

/// The largest amount one line may carry: a million billion đồng, far above any
/// programme's, and far below where sums of many lines could overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

fn too_large(d: Decimal) -> bool {
    d > MAX_AMOUNT
}

/// Checks a fund line as typed (the unit's existence in its year is the caller's).
pub fn check_fund_line(l: &FundLine) -> Vec<String> {
    let mut out = Vec::new();
    if too_large(l.planned) || too_large(l.actual) {
        out.push("số tiền quá lớn (quá một triệu tỷ đồng): kiểm tra lại đơn vị tính (đồng)".into());
    }
    if l.planned < Decimal::ZERO || l.actual < Decimal::ZERO {
        out.push("số tiền không được âm".into());
    }
    if l.planned.is_zero() && l.actual.is_zero() {
        out.push("cần ít nhất một trong hai số: kế hoạch hoặc thực hiện".into());
    }
    if !(2010..=2100).contains(&l.year) {
        out.push(format!(
            "năm {} ngoài khoảng của chương trình nông thôn mới",
            l.year
        ));
    }
    if let Some(why) = l.source.refused_in(l.year) {
        out.push(why);
    }
    if l.criterion.chars().count() > 20 {
        out.push("tiêu chí ghi bằng số hiệu (ví dụ 2 hoặc 17.8), không quá 20 ký tự".into());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Placing amounts on a tree
// ---------------------------------------------------------------------------------------

/// How an amount recorded for a unit that no longer exists is placed on a later tree.
pub const SPLIT_RULE: &str = "Số liệu ghi cho đơn vị trước sắp xếp được tính cho đơn vị kế thừa \
    theo lịch sử địa giới: sáp nhập thì tính trọn cho đơn vị mới; đơn vị bị chia cho nhiều đơn vị \
    thì chia đều cho các đơn vị nhận (làm tròn đến đồng, phần lẻ tính cho đơn vị đầu tiên theo mã), \
    vì văn bản sắp xếp không cho tỷ lệ diện tích hay dân số. Mỗi khoản chỉ được tính một lần; \
    đơn vị đã giải thể không có đơn vị kế thừa (cấp huyện) thì giữ tên cũ.";

/// The units that stand for `unit` on `day`, each with its share (the shares sum to one):
/// the unit itself while it exists; across a merger its successor; across a split every
/// receiving unit equally ([`SPLIT_RULE`]). A unit that ended with no successor (a
/// district), one unknown to the registry, or one not yet begun on `day` stands for itself.
pub fn placement(registry: &UnitRegistry, unit: &UnitId, day: NaiveDate) -> Vec<(UnitId, Decimal)> {
    let mut out: Vec<(UnitId, Decimal)> = Vec::new();
    place(registry, unit, day, Decimal::ONE, 0, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn place(
    registry: &UnitRegistry,
    unit: &UnitId,
    day: NaiveDate,
    share: Decimal,
    depth: u8,
    out: &mut Vec<(UnitId, Decimal)>,
) {
    let mut keep = |u: &UnitId, s: Decimal| match out.iter_mut().find(|(v, _)| v == u) {
        Some((_, t)) => *t += s,
        None => out.push((u.clone(), s)),
    };
    let Some(u) = registry.get(unit) else {
        return keep(unit, share);
    };
    if u.version_on(day).is_some() || u.valid().from > day || depth >= 8 {
        return keep(unit, share);
    }
    let mut next: Vec<&UnitId> = registry
        .successors(unit)
        .into_iter()
        .filter(|e| e.effective <= day)
        .map(|e| &e.to)
        .collect();
    next.sort();
    next.dedup();
    if next.is_empty() {
        return keep(unit, share);
    }
    let part = share / Decimal::from(next.len());
    for n in next {
        place(registry, n, day, part, depth + 1, out);
    }
}

/// Splits `amount` by `shares` in whole đồng: every part rounded down, what rounding left
/// to the first, so the parts always sum to `amount` exactly and no part is below its
/// share.
pub fn allocate(amount: Decimal, shares: &[(UnitId, Decimal)]) -> Vec<(UnitId, Decimal)> {
    if shares.len() <= 1 {
        return shares.iter().map(|(u, _)| (u.clone(), amount)).collect();
    }
    let mut parts: Vec<(UnitId, Decimal)> = shares
        .iter()
        .map(|(u, s)| (u.clone(), (amount * s).floor()))
        .collect();
    let placed: Decimal = parts.iter().map(|(_, a)| *a).sum();
    parts[0].1 += amount - placed;
    parts
}

/// A fund line placed on a tree: the unit it counts under and its part of the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<'a> {
    pub line: &'a FundLine,
    pub unit: UnitId,
    pub planned: Decimal,
    pub actual: Decimal,
    /// Whether the line was recorded for another unit (a predecessor).
    pub inherited: bool,
    /// Whether the line was divided among several units.
    pub divided: bool,
}

/// Places every line on the tree of `day` (`None`: each under the unit it was recorded
/// for). Every line's figures appear exactly once in the result, split or whole.
pub fn place_lines<'a>(
    registry: &UnitRegistry,
    lines: &'a [FundLine],
    day: Option<NaiveDate>,
) -> Vec<Placed<'a>> {
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let shares = match day {
            Some(day) => placement(registry, &l.unit, day),
            None => vec![(l.unit.clone(), Decimal::ONE)],
        };
        let divided = shares.len() > 1;
        let planned = allocate(l.planned, &shares);
        let actual = allocate(l.actual, &shares);
        for ((u, p), (_, a)) in planned.into_iter().zip(actual) {
            out.push(Placed {
                line: l,
                inherited: u != l.unit,
                unit: u,
                planned: p,
                actual: a,
                divided,
            });
        }
    }
    out
}

/// Plan and actual added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sum {
    pub planned: Decimal,
    pub actual: Decimal,
}

impl Sum {
    pub fn add(&mut self, planned: Decimal, actual: Decimal) {
        self.planned += planned;
        self.actual += actual;
    }
    /// Actual ÷ plan; `None` without a plan.
    pub fn done(&self) -> Option<Decimal> {
        (self.planned > Decimal::ZERO).then(|| self.actual / self.planned)
    }
}

/// `part` as a share of `whole`; `None` when the whole is nothing.
pub fn share(part: Decimal, whole: Decimal) -> Option<Decimal> {
    (whole > Decimal::ZERO).then(|| part / whole)
}

/// The change from `before` to `now`, as a fraction; `None` when there was nothing before.
pub fn change(before: Decimal, now: Decimal) -> Option<Decimal> {
    (before > Decimal::ZERO).then(|| (now - before) / before)
}

// ---------------------------------------------------------------------------------------
// Sponsorship
// ---------------------------------------------------------------------------------------

/// An organisation sponsoring (đỡ đầu) a commune or one of its villages for a period, as
/// the Steering Committee assigned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sponsorship {
    pub id: i64,
    /// The organisation (the tasks' register of organisations).
    pub organisation: i64,
    /// The commune as it was when the assignment was made.
    pub unit: UnitId,
    /// A village of the commune, when the sponsorship is of a village.
    pub village: Option<i64>,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    /// The assignment (văn bản phân công): number and date.
    pub document: String,
    pub document_date: Option<NaiveDate>,
    /// What the sponsorship is for ("đạt chuẩn NTM năm 2022").
    pub goal: String,
    pub note: String,
    pub illustrative: bool,
}

impl Sponsorship {
    /// The unit the sponsorship stands in on `day`: its commune followed through mergers
    /// (`None` after a split: someone must say where it went).
    pub fn unit_on(&self, registry: &UnitRegistry, day: NaiveDate) -> Option<UnitId> {
        followed_on(registry, &self.unit, day)
    }
    /// Whether `day` is within the period.
    pub fn covers(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|u| day <= u)
    }
    /// Whether the period touches `year`.
    pub fn in_year(&self, year: i32) -> bool {
        self.from.year() <= year && self.until.is_none_or(|u| u.year() >= year)
    }
}

/// Checks a sponsorship as typed.
pub fn check_sponsorship(s: &Sponsorship) -> Vec<String> {
    let mut out = Vec::new();
    if s.document.trim().is_empty() {
        out.push("cần số, ký hiệu văn bản phân công đỡ đầu".into());
    }
    if let Some(u) = s.until
        && u < s.from
    {
        out.push("ngày kết thúc đỡ đầu trước ngày bắt đầu".into());
    }
    if let Some(d) = s.document_date
        && d > s.from + chrono::Days::new(366)
    {
        out.push("văn bản phân công ký sau ngày bắt đầu đỡ đầu hơn một năm".into());
    }
    out
}

/// What a commitment promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommitmentKind {
    /// Tiền.
    Money,
    /// Hiện vật, valued in đồng (xi măng, cây giống, máy móc …).
    InKind,
    /// Ngày công lao động, counted in days and valued in đồng.
    Labour,
    /// Công trình (a work built and handed over), valued in đồng.
    Works,
}

impl CommitmentKind {
    pub const ALL: [CommitmentKind; 4] = [
        CommitmentKind::Money,
        CommitmentKind::InKind,
        CommitmentKind::Labour,
        CommitmentKind::Works,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentKind::Money => "money",
            CommitmentKind::InKind => "in_kind",
            CommitmentKind::Labour => "labour",
            CommitmentKind::Works => "works",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            CommitmentKind::Money => "Tiền",
            CommitmentKind::InKind => "Hiện vật (quy ra tiền)",
            CommitmentKind::Labour => "Ngày công lao động",
            CommitmentKind::Works => "Công trình",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        let key = search_key(text);
        CommitmentKind::ALL
            .into_iter()
            .find(|k| key == k.as_str() || key == search_key(k.label_vi()))
    }
    /// What the quantity counts, for the kinds that have one.
    pub fn quantity_label(self) -> Option<&'static str> {
        match self {
            CommitmentKind::Labour => Some("ngày công"),
            CommitmentKind::InKind => Some("số lượng"),
            _ => None,
        }
    }
}

/// One thing a sponsor committed, with the criterion it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub id: i64,
    pub sponsorship: i64,
    pub kind: CommitmentKind,
    pub description: String,
    /// The criterion it serves (its number), or empty.
    pub criterion: String,
    /// Labour days, or the in-kind quantity; `None` for money and works.
    pub quantity: Option<Decimal>,
    /// Its value in đồng (the amount itself for money).
    pub value: Decimal,
    pub due: Option<NaiveDate>,
    pub illustrative: bool,
}

/// Checks a commitment as typed.
pub fn check_commitment(c: &Commitment, s: &Sponsorship) -> Vec<String> {
    let mut out = Vec::new();
    if c.description.trim().is_empty() {
        out.push("cần mô tả nội dung cam kết".into());
    }
    if c.value < Decimal::ZERO {
        out.push("giá trị cam kết không được âm".into());
    }
    if too_large(c.value) || c.quantity.is_some_and(too_large) {
        out.push("giá trị hoặc số lượng quá lớn: kiểm tra lại đơn vị tính".into());
    }
    match (c.kind, c.quantity) {
        (CommitmentKind::Labour, None) => out.push("cam kết ngày công cần số ngày công".into()),
        (_, Some(q)) if q <= Decimal::ZERO => out.push("số lượng phải lớn hơn 0".into()),
        (CommitmentKind::Money | CommitmentKind::Works, Some(_)) => out.push(format!(
            "cam kết “{}” không có số lượng, chỉ có giá trị",
            c.kind.label_vi()
        )),
        _ => {}
    }
    if c.value.is_zero() && c.quantity.is_none() {
        out.push("cần giá trị cam kết".into());
    }
    if let Some(d) = c.due
        && d < s.from
    {
        out.push("hạn thực hiện trước ngày bắt đầu đỡ đầu".into());
    }
    out
}

/// Where a recorded contribution stands: the sponsor records it, the office confirms it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContributionState {
    Pending,
    Confirmed,
    Refused,
}

impl ContributionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ContributionState::Pending => "pending",
            ContributionState::Confirmed => "confirmed",
            ContributionState::Refused => "refused",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            ContributionState::Pending => "chờ xác nhận",
            ContributionState::Confirmed => "đã xác nhận",
            ContributionState::Refused => "không xác nhận",
        }
    }
}

/// The office's answer to a recorded contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub confirmed: bool,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Required when not confirmed; what the office checked otherwise.
    pub reason: String,
}

/// What a sponsor delivered against one commitment, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub id: i64,
    pub commitment: i64,
    pub on: NaiveDate,
    /// In đồng (the valuation for in-kind, labour and works).
    pub value: Decimal,
    /// Labour days or in-kind quantity delivered.
    pub quantity: Option<Decimal>,
    /// What proves it (biên bản bàn giao, chứng từ chuyển khoản số …).
    pub evidence: String,
    /// The name of the attached file, if one is.
    pub file_name: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub decision: Option<Decision>,
    pub illustrative: bool,
}

impl Contribution {
    pub fn state(&self) -> ContributionState {
        match &self.decision {
            None => ContributionState::Pending,
            Some(d) if d.confirmed => ContributionState::Confirmed,
            Some(_) => ContributionState::Refused,
        }
    }
}

/// Checks a contribution as recorded on `today` against its commitment and sponsorship.
pub fn check_contribution(
    c: &Contribution,
    commitment: &Commitment,
    s: &Sponsorship,
    today: NaiveDate,
) -> Vec<String> {
    let mut out = Vec::new();
    if c.value < Decimal::ZERO {
        out.push("giá trị không được âm".into());
    }
    if too_large(c.value) || c.quantity.is_some_and(too_large) {
        out.push("giá trị hoặc số lượng quá lớn: kiểm tra lại đơn vị tính".into());
    }
    if c.value.is_zero() && c.quantity.is_none_or(|q| q.is_zero()) {
        out.push("cần giá trị (hoặc số ngày công) đã đóng góp".into());
    }
    if c.quantity.is_some_and(|q| q < Decimal::ZERO) {
        out.push("số lượng không được âm".into());
    }
    if c.quantity.is_some() && commitment.kind.quantity_label().is_none() {
        out.push(format!(
            "cam kết “{}” không có số lượng",
            commitment.kind.label_vi()
        ));
    }
    if c.on > today {
        out.push("ngày đóng góp chưa đến".into());
    }
    if !s.covers(c.on) {
        out.push(format!(
            "ngày {} ngoài thời gian đỡ đầu ({})",
            c.on.format("%d/%m/%Y"),
            period_vi(s)
        ));
    }
    if c.evidence.trim().is_empty() && c.file_name.is_none() {
        out.push("cần căn cứ: số chứng từ, biên bản bàn giao hoặc tệp đính kèm".into());
    }
    out
}

/// "01/03/2022 – 31/12/2022", or "từ 01/03/2022".
pub fn period_vi(s: &Sponsorship) -> String {
    match s.until {
        Some(u) => format!("{} – {}", s.from.format("%d/%m/%Y"), u.format("%d/%m/%Y")),
        None => format!("từ {}", s.from.format("%d/%m/%Y")),
    }
}

/// How delivered is counted.
pub const DELIVERY_RULE: &str = "Đã thực hiện = các khoản đóng góp đã được Văn phòng Điều phối \
    xác nhận; khoản đang chờ xác nhận ghi riêng, khoản không được xác nhận không tính. Còn thiếu = \
    giá trị cam kết − giá trị đã xác nhận (không âm; phần vượt ghi riêng).";

/// Committed against delivered, in đồng and labour days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ledger {
    pub committed: Decimal,
    pub confirmed: Decimal,
    pub pending: Decimal,
    pub refused: Decimal,
    pub labour_committed: Decimal,
    pub labour_confirmed: Decimal,
}

impl Ledger {
    /// What is still owed ([`DELIVERY_RULE`]).
    pub fn gap(&self) -> Decimal {
        (self.committed - self.confirmed).max(Decimal::ZERO)
    }
    /// What was delivered beyond the commitment.
    pub fn over(&self) -> Decimal {
        (self.confirmed - self.committed).max(Decimal::ZERO)
    }
    pub fn labour_gap(&self) -> Decimal {
        (self.labour_committed - self.labour_confirmed).max(Decimal::ZERO)
    }
    /// Confirmed ÷ committed.
    pub fn done(&self) -> Option<Decimal> {
        share(self.confirmed, self.committed)
    }
    pub fn add(&mut self, other: &Ledger) {
        self.committed += other.committed;
        self.confirmed += other.confirmed;
        self.pending += other.pending;
        self.refused += other.refused;
        self.labour_committed += other.labour_committed;
        self.labour_confirmed += other.labour_confirmed;
    }
}

/// The ledger of `commitments` from `contributions` (those of other commitments are
/// ignored).
pub fn ledger(commitments: &[&Commitment], contributions: &[Contribution]) -> Ledger {
    let mut l = Ledger::default();
    for c in commitments {
        l.committed += c.value;
        if c.kind == CommitmentKind::Labour {
            l.labour_committed += c.quantity.unwrap_or_default();
        }
        for k in contributions.iter().filter(|k| k.commitment == c.id) {
            match k.state() {
                ContributionState::Confirmed => {
                    l.confirmed += k.value;
                    if c.kind == CommitmentKind::Labour {
                        l.labour_confirmed += k.quantity.unwrap_or_default();
                    }
                }
                ContributionState::Pending => l.pending += k.value,
                ContributionState::Refused => l.refused += k.value,
            }
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{LineageEdge, LineageKind, Period, Unit, UnitType, UnitVersion};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn commune(code: &str, from: NaiveDate, to: Option<NaiveDate>) -> Unit {
        let valid = Period { from, to };
        Unit {
            id: UnitId::new(code, from),
            code: code.into(),
            level: UnitType::Commune.level(),
            versions: vec![UnitVersion {
                valid,
                name: format!("Xã {code}"),
                unit_type: UnitType::Commune,
                parent: Some(UnitId::new("P", d(2020, 1, 1))),
            }],
            source: String::new(),
        }
    }

    const REFORM: (i32, u32, u32) = (2025, 7, 1);

    /// A and B merge into M; C is split between M and N; D goes on; district-like E ends
    /// with no successor.
    fn registry() -> UnitRegistry {
        let old = d(2020, 1, 1);
        let end = Some(d(2025, 6, 30));
        let new = d(REFORM.0, REFORM.1, REFORM.2);
        let mut province = commune("P", old, None);
        province.level = UnitType::Province.level();
        province.versions[0].unit_type = UnitType::Province;
        province.versions[0].parent = None;
        let units = vec![
            province,
            commune("A", old, end),
            commune("B", old, end),
            commune("C", old, end),
            commune("D", old, None),
            commune("E", old, end),
            commune("M", new, None),
            commune("N", new, None),
        ];
        let edge = |f: &str, t: &str, kind| LineageEdge {
            from: UnitId::new(f, old),
            to: UnitId::new(t, new),
            effective: new,
            kind,
            basis: "test".into(),
        };
        let edges = vec![
            edge("A", "M", LineageKind::Merged),
            edge("B", "M", LineageKind::Merged),
            edge("C", "M", LineageKind::Split),
            edge("C", "N", LineageKind::Split),
        ];
        UnitRegistry::build(units, edges, vec![]).unwrap()
    }

    fn id(code: &str) -> UnitId {
        if code == "M" || code == "N" {
            UnitId::new(code, d(2025, 7, 1))
        } else {
            UnitId::new(code, d(2020, 1, 1))
        }
    }

    #[test]
    fn placement_follows_mergers_and_splits_equally() {
        let r = registry();
        let after = d(2026, 1, 1);
        type Row<'a> = (&'a str, NaiveDate, Vec<(&'a str, &'a str)>);
        let table: [Row<'_>; 7] = [
            ("A", after, vec![("M", "1")]),
            ("B", after, vec![("M", "1")]),
            ("C", after, vec![("M", "0.5"), ("N", "0.5")]),
            ("D", after, vec![("D", "1")]),
            ("E", after, vec![("E", "1")]),
            ("A", d(2024, 12, 31), vec![("A", "1")]),
            // A post-reform unit on a pre-reform tree stands for itself.
            ("M", d(2024, 12, 31), vec![("M", "1")]),
        ];
        for (from, day, want) in table {
            let got = placement(&r, &id(from), day);
            let want: Vec<(UnitId, Decimal)> = want.iter().map(|(u, s)| (id(u), dec(s))).collect();
            assert_eq!(got, want, "{from} on {day}");
        }
    }

    #[test]
    fn allocation_rounds_to_the_dong_and_loses_nothing() {
        let shares = vec![
            (id("M"), Decimal::ONE / Decimal::from(3)),
            (id("N"), Decimal::ONE / Decimal::from(3)),
            (id("D"), Decimal::ONE / Decimal::from(3)),
        ];
        let parts = allocate(dec("100"), &shares);
        assert_eq!(
            parts.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![dec("34"), dec("33"), dec("33")]
        );
        // Rounding down, the first never gets less than the others (half-even rounding
        // would have given 3 đồng as 1 + 2, or five ways as -1 + 1 + 1 + 1 + 1).
        let half = |n: usize| vec![(id("M"), Decimal::ONE / Decimal::from(n)); n];
        for (amount, n, first) in [("3", 2, "2"), ("3", 5, "3"), ("5", 3, "3"), ("2", 3, "2")] {
            let parts = allocate(dec(amount), &half(n));
            assert_eq!(parts[0].1, dec(first), "{amount} in {n}");
            assert!(
                parts
                    .iter()
                    .all(|p| p.1 >= Decimal::ZERO && p.1 <= parts[0].1)
            );
            assert_eq!(parts.iter().map(|p| p.1).sum::<Decimal>(), dec(amount));
        }
    }

    #[test]
    fn amounts_are_bounded_far_below_overflow() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_000i64));
        let mut l = line("D", 2024, Source::Commune, "1", "0");
        l.planned = MAX_AMOUNT + Decimal::ONE;
        assert_eq!(check_fund_line(&l).len(), 1);
        l.planned = MAX_AMOUNT;
        assert!(check_fund_line(&l).is_empty());
        // A hundred thousand lines at the bound still add up.
        let mut sum = Sum::default();
        for _ in 0..100_000 {
            sum.add(MAX_AMOUNT, MAX_AMOUNT);
        }
        assert_eq!(sum.done(), Some(Decimal::ONE));
    }

    fn line(unit: &str, year: i32, source: Source, planned: &str, actual: &str) -> FundLine {
        FundLine {
            id: 0,
            unit: id(unit),
            year,
            source,
            criterion: String::new(),
            work: String::new(),
            planned: dec(planned),
            actual: dec(actual),
            document: String::new(),
            note: String::new(),
            illustrative: false,
        }
    }

    #[test]
    fn lines_placed_after_the_reform_count_once() {
        let r = registry();
        let lines = vec![
            line("A", 2023, Source::Provincial, "100", "90"),
            line("C", 2024, Source::Commune, "1001", "1001"),
            line("M", 2026, Source::Provincial, "50", "0"),
        ];
        let placed = place_lines(&r, &lines, Some(d(2026, 12, 31)));
        let m: Decimal = placed
            .iter()
            .filter(|p| p.unit == id("M"))
            .map(|p| p.actual)
            .sum();
        let n: Decimal = placed
            .iter()
            .filter(|p| p.unit == id("N"))
            .map(|p| p.actual)
            .sum();
        assert_eq!((m, n), (dec("591"), dec("500")));
        assert!(placed.iter().any(|p| p.divided && p.inherited));
        let recorded = place_lines(&r, &lines, None);
        assert_eq!(recorded.len(), 3);
        assert!(recorded.iter().all(|p| !p.inherited));
    }

    proptest! {
        #[test]
        fn no_amount_is_lost_or_counted_twice(
            picks in proptest::collection::vec((0usize..7, 0i64..5_000_000_000, 0i64..3), 0..40),
            day in 0usize..3,
        ) {
            let r = registry();
            let codes = ["A", "B", "C", "D", "E", "M", "N"];
            let lines: Vec<FundLine> = picks
                .iter()
                .map(|(u, a, k)| {
                    let mut l = line(codes[*u], 2024, Source::Commune, "0", "0");
                    l.planned = Decimal::from(*a);
                    l.actual = Decimal::from(*a) / Decimal::from(k + 1);
                    l
                })
                .collect();
            let day = [None, Some(d(2024, 12, 31)), Some(d(2026, 12, 31))][day];
            let placed = place_lines(&r, &lines, day);
            let sum = |f: fn(&Placed<'_>) -> Decimal| placed.iter().map(f).sum::<Decimal>();
            let planned: Decimal = lines.iter().map(|l| l.planned).sum();
            let actual: Decimal = lines.iter().map(|l| l.actual).sum();
            prop_assert_eq!(sum(|p| p.planned), planned);
            prop_assert_eq!(sum(|p| p.actual), actual);
            for l in &lines {
                let mine: Decimal = placed
                    .iter()
                    .filter(|p| std::ptr::eq(p.line, l))
                    .map(|p| p.planned)
                    .sum();
                prop_assert_eq!(mine, l.planned);
            }
        }
    }

    #[test]
    fn a_district_budget_ends_with_the_districts() {
        let table = [
            (Source::District, 2024, true),
            (Source::District, 2025, true),
            (Source::District, 2026, false),
            (Source::Commune, 2026, true),
            (Source::Provincial, 2030, true),
        ];
        for (s, y, ok) in table {
            assert_eq!(s.refused_in(y).is_none(), ok, "{s:?} {y}");
            let l = line("D", y, s, "1", "0");
            assert_eq!(check_fund_line(&l).is_empty(), ok, "{s:?} {y}");
        }
        assert!(!check_fund_line(&line("D", 2024, Source::Commune, "0", "0")).is_empty());
        assert!(!check_fund_line(&line("D", 2024, Source::Commune, "-1", "5")).is_empty());
    }

    #[test]
    fn sources_read_as_typed() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
            assert_eq!(Source::parse(s.label_vi()), Some(s));
            assert_eq!(
                Source::parse(&search_key(s.label_vi()).to_uppercase()),
                Some(s)
            );
        }
        assert_eq!(Source::parse("ngân sách"), None);
        for k in CommitmentKind::ALL {
            assert_eq!(CommitmentKind::parse(k.label_vi()), Some(k));
        }
    }

    fn sponsorship() -> Sponsorship {
        Sponsorship {
            id: 1,
            organisation: 7,
            unit: id("A"),
            village: None,
            from: d(2022, 3, 1),
            until: Some(d(2022, 12, 31)),
            document: "125/QĐ-BCĐ".into(),
            document_date: Some(d(2022, 2, 20)),
            goal: "đạt chuẩn 2022".into(),
            note: String::new(),
            illustrative: false,
        }
    }

    fn commitment(id: i64, kind: CommitmentKind, value: &str, qty: Option<&str>) -> Commitment {
        Commitment {
            id,
            sponsorship: 1,
            kind,
            description: "x".into(),
            criterion: "2".into(),
            quantity: qty.map(dec),
            value: dec(value),
            due: None,
            illustrative: false,
        }
    }

    fn contribution(
        commitment: i64,
        value: &str,
        qty: Option<&str>,
        state: Option<bool>,
    ) -> Contribution {
        let at = DateTime::<Utc>::from_naive_utc_and_offset(
            d(2022, 6, 1).and_hms_opt(3, 0, 0).unwrap(),
            Utc,
        );
        Contribution {
            id: 0,
            commitment,
            on: d(2022, 6, 1),
            value: dec(value),
            quantity: qty.map(dec),
            evidence: "biên bản 1".into(),
            file_name: None,
            recorded_by: "so".into(),
            recorded_at: at,
            decision: state.map(|confirmed| Decision {
                confirmed,
                by: "vpdp".into(),
                at,
                reason: String::new(),
            }),
            illustrative: false,
        }
    }

    #[test]
    fn the_gap_counts_only_what_the_office_confirmed() {
        let money = commitment(1, CommitmentKind::Money, "500000000", None);
        let labour = commitment(2, CommitmentKind::Labour, "30000000", Some("100"));
        let other = commitment(3, CommitmentKind::Works, "900", None);
        let ks = vec![
            contribution(1, "200000000", None, Some(true)),
            contribution(1, "100000000", None, None),
            contribution(1, "50000000", None, Some(false)),
            contribution(2, "12000000", Some("40"), Some(true)),
            contribution(3, "900", None, Some(true)),
        ];
        let l = ledger(&[&money, &labour], &ks);
        assert_eq!(l.committed, dec("530000000"));
        assert_eq!(l.confirmed, dec("212000000"));
        assert_eq!(l.pending, dec("100000000"));
        assert_eq!(l.refused, dec("50000000"));
        assert_eq!(l.gap(), dec("318000000"));
        assert_eq!(
            (l.labour_committed, l.labour_confirmed),
            (dec("100"), dec("40"))
        );
        assert_eq!(l.labour_gap(), dec("60"));
        assert_eq!(l.over(), Decimal::ZERO);
        // Contributions to commitments outside the list are not counted.
        assert_eq!(ledger(&[&other], &ks).confirmed, dec("900"));
        let more = vec![contribution(1, "600000000", None, Some(true))];
        let l = ledger(&[&money], &more);
        assert_eq!((l.gap(), l.over()), (Decimal::ZERO, dec("100000000")));
    }

    #[test]
    fn contributions_are_checked_against_their_sponsorship() {
        let s = sponsorship();
        let money = commitment(1, CommitmentKind::Money, "500", None);
        let today = d(2022, 7, 1);
        assert!(
            check_contribution(&contribution(1, "5", None, None), &money, &s, today).is_empty()
        );
        let mut late = contribution(1, "5", None, None);
        late.on = d(2023, 1, 2);
        assert_eq!(
            check_contribution(&late, &money, &s, d(2023, 2, 1)).len(),
            1
        );
        assert_eq!(
            check_contribution(&late, &money, &s, d(2023, 1, 1)).len(),
            2
        );
        let mut bare = contribution(1, "5", Some("3"), None);
        bare.evidence = String::new();
        assert_eq!(check_contribution(&bare, &money, &s, today).len(), 2);
        assert!(
            check_contribution(&contribution(1, "0", None, None), &money, &s, today).len() == 1
        );
        let labour = commitment(2, CommitmentKind::Labour, "0", Some("100"));
        assert!(check_commitment(&labour, &s).is_empty());
        assert!(
            !check_commitment(&commitment(2, CommitmentKind::Labour, "10", None), &s).is_empty()
        );
        assert!(
            !check_commitment(&commitment(2, CommitmentKind::Money, "10", Some("1")), &s)
                .is_empty()
        );
        assert!(!check_commitment(&commitment(2, CommitmentKind::Money, "0", None), &s).is_empty());
        let mut open = s.clone();
        open.until = Some(d(2021, 1, 1));
        assert_eq!(check_sponsorship(&open).len(), 1);
        assert!(check_sponsorship(&s).is_empty());
        assert!(s.in_year(2022) && !s.in_year(2023) && !s.in_year(2021));
    }
}
