//! OCOP (Chương trình Mỗi xã một sản phẩm): producers (chủ thể) and their products, the
//! rule sets that applied on each date (1048/2019 → 148/2023 → 148 as amended by
//! 1489/2025), council scoring and the star bands, the per-rank mandatory conditions held
//! as data, certificates with their 36 months, re-evaluation, and the support paid.
//!
//! Sources: `shared/reference/ocop/` (the legal texts' annexes were not read: the per-set
//! criteria and the mandatory items are data loaded by the office, and their absence is
//! shown, never assumed met).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::unit::{UnitId, UnitRegistry};

// ---------------------------------------------------------------------------------------
// Producers and products
// ---------------------------------------------------------------------------------------

/// Who may take part (chủ thể OCOP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProducerKind {
    Cooperative,
    CooperativeGroup,
    Enterprise,
    Household,
}

impl ProducerKind {
    pub const ALL: [ProducerKind; 4] = [
        ProducerKind::Cooperative,
        ProducerKind::CooperativeGroup,
        ProducerKind::Enterprise,
        ProducerKind::Household,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ProducerKind::Cooperative => "htx",
            ProducerKind::CooperativeGroup => "tht",
            ProducerKind::Enterprise => "dn",
            ProducerKind::Household => "ho",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            ProducerKind::Cooperative => "Hợp tác xã",
            ProducerKind::CooperativeGroup => "Tổ hợp tác",
            ProducerKind::Enterprise => "Doanh nghiệp",
            ProducerKind::Household => "Hộ sản xuất, kinh doanh",
        }
    }
    /// The stored code or what a person types ("HTX", "Hợp tác xã", "hộ kinh doanh").
    pub fn parse(text: &str) -> Option<Self> {
        let key = crate::text::search_key(text);
        ProducerKind::ALL.into_iter().find(|k| {
            key == k.as_str()
                || key == crate::text::search_key(k.label_vi())
                || match k {
                    ProducerKind::Cooperative => key == "hop tac xa",
                    ProducerKind::CooperativeGroup => key == "to hop tac",
                    ProducerKind::Enterprise => key.starts_with("doanh nghiep") || key == "cong ty",
                    ProducerKind::Household => {
                        key.starts_with("ho ") || key == "ho" || key.starts_with("co so")
                    }
                }
        })
    }
}

/// A producer, registered in the unit where it is located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producer {
    /// 0 for one not stored yet.
    pub id: i64,
    pub name: String,
    pub kind: ProducerKind,
    /// The unit it was registered in; it follows that unit's mergers ([`Producer::unit_on`]).
    pub unit: UnitId,
    pub address: String,
    /// Business registration number (mã số doanh nghiệp / HTX / hộ kinh doanh).
    pub registration: String,
    pub representative: String,
    pub phone: String,
    pub note: String,
    /// Made up for the demo; labelled wherever shown.
    pub illustrative: bool,
}

impl Producer {
    /// The unit the producer belongs to on `day`: its own while it exists, then the one
    /// that took it over by a merger; `None` after a split (the office must say where).
    pub fn unit_on(&self, registry: &UnitRegistry, day: NaiveDate) -> Option<UnitId> {
        crate::unit::followed_on(registry, &self.unit, day)
    }

    /// The last day of the unit it was registered in, when that unit has ended.
    pub fn registered_unit_end(&self, registry: &UnitRegistry) -> Option<NaiveDate> {
        registry.get(&self.unit).and_then(|u| u.valid().to)
    }
}

/// One leaf of the classification (bộ sản phẩm), with its place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductSet {
    pub code: &'static str,
    pub category: &'static str,
    pub group: &'static str,
    pub name: &'static str,
    /// Services need no sample units.
    pub service: bool,
}

/// The six categories of 148/2023 Annex I.
pub const CATEGORIES_148: [(&str, &str); 6] = [
    ("I", "Thực phẩm"),
    ("II", "Đồ uống"),
    ("III", "Dược liệu và sản phẩm từ dược liệu"),
    ("IV", "Hàng thủ công mỹ nghệ"),
    ("V", "Sinh vật cảnh"),
    (
        "VI",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
    ),
];

const fn set(
    code: &'static str,
    category: &'static str,
    group: &'static str,
    name: &'static str,
) -> ProductSet {
    ProductSet {
        code,
        category,
        group,
        name,
        service: false,
    }
}

/// The 26 product sets of 148/2023 Annex I (groups I.4–VI are medium confidence in the
/// reference: read from a seed that follows the 2026 annex).
pub const PRODUCT_SETS_148: [ProductSet; 26] = [
    set(
        "I.1.a",
        "I",
        "Thực phẩm tươi sống",
        "Rau, củ, quả, hạt tươi",
    ),
    set(
        "I.1.b",
        "I",
        "Thực phẩm tươi sống",
        "Thịt, thủy sản, trứng, sữa tươi",
    ),
    set(
        "I.2.a",
        "I",
        "Thực phẩm thô, sơ chế",
        "Gạo, ngũ cốc, hạt sơ chế khác",
    ),
    set(
        "I.2.b",
        "I",
        "Thực phẩm thô, sơ chế",
        "Mật ong, mật khác và nông sản thực phẩm khác",
    ),
    set("I.3.a", "I", "Thực phẩm chế biến", "Đồ ăn nhanh"),
    set(
        "I.3.b",
        "I",
        "Thực phẩm chế biến",
        "Chế biến từ gạo, ngũ cốc",
    ),
    set(
        "I.3.c",
        "I",
        "Thực phẩm chế biến",
        "Chế biến từ rau, củ, quả, hạt",
    ),
    set(
        "I.3.d",
        "I",
        "Thực phẩm chế biến",
        "Chế biến từ thịt, trứng, sữa, thủy sản, mật ong và nông sản thực phẩm khác",
    ),
    set(
        "I.4.a",
        "I",
        "Gia vị",
        "Tương, nước mắm, gia vị dạng lỏng khác",
    ),
    set("I.4.b", "I", "Gia vị", "Gia vị khác"),
    set("I.5.a", "I", "Chè", "Chè tươi, chế biến"),
    set("I.5.b", "I", "Chè", "Sản phẩm chè từ thực vật khác"),
    set("I.6", "I", "Cà phê, ca cao", "Cà phê, ca cao"),
    set("II.1.a", "II", "Đồ uống có cồn", "Rượu trắng"),
    set("II.1.b", "II", "Đồ uống có cồn", "Đồ uống có cồn khác"),
    set(
        "II.2.a",
        "II",
        "Đồ uống không cồn",
        "Nước khoáng thiên nhiên, nước uống đóng chai",
    ),
    set(
        "II.2.b",
        "II",
        "Đồ uống không cồn",
        "Đồ uống không cồn khác",
    ),
    set(
        "III.1",
        "III",
        "Dược liệu",
        "Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền",
    ),
    set(
        "III.2",
        "III",
        "Dược liệu",
        "Mỹ phẩm có thành phần từ dược liệu",
    ),
    set("III.3", "III", "Dược liệu", "Tinh dầu và dược liệu khác"),
    set(
        "IV.1",
        "IV",
        "Thủ công mỹ nghệ",
        "Thủ công mỹ nghệ gia dụng, trang trí",
    ),
    set("IV.2", "IV", "Thủ công mỹ nghệ", "Vải, may mặc"),
    set("V.1", "V", "Sinh vật cảnh", "Hoa"),
    set("V.2", "V", "Sinh vật cảnh", "Cây cảnh"),
    set("V.3", "V", "Sinh vật cảnh", "Động vật cảnh"),
    ProductSet {
        code: "VI.1",
        category: "VI",
        group: "Du lịch",
        name: "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        service: true,
    },
];

/// The six product groups (ngành hàng) of 1048/2019, kept for products certified before
/// 2023 (its subgroups were not captured). Numbered 1–6.
pub const GROUPS_1048: [&str; 6] = [
    "Thực phẩm",
    "Đồ uống",
    "Thảo dược",
    "Vải và may mặc",
    "Lưu niệm - nội thất - trang trí",
    "Dịch vụ du lịch nông thôn, bán hàng",
];

pub fn product_set(code: &str) -> Option<&'static ProductSet> {
    let code = code.trim();
    PRODUCT_SETS_148
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code))
}

pub fn category_name(code: &str) -> Option<&'static str> {
    CATEGORIES_148
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// A product of a producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub producer: i64,
    pub name: String,
    /// Its 148/2023 product set, when classified under it.
    pub product_set: Option<String>,
    /// Its 1048/2019 group (1–6), for products certified before 2023.
    pub group_1048: Option<u8>,
    /// Sold under a collective brand (nhãn hiệu tập thể).
    pub collective_brand: bool,
    /// A regional or specialty product (sản phẩm đặc trưng vùng, chỉ dẫn địa lý).
    pub regional: bool,
    /// Its identifier in the national system (ocopvietnam.gov.vn), when known.
    pub national_code: String,
    /// What the public catalogue shows about it.
    pub description: String,
    pub note: String,
    pub illustrative: bool,
}

impl Product {
    /// The category (I–VI) by its 148 set, else by its 1048 group mapped by name.
    pub fn category(&self) -> Option<&'static str> {
        if let Some(s) = self.product_set.as_deref().and_then(product_set) {
            return Some(s.category);
        }
        match self.group_1048? {
            1 => Some("I"),
            2 => Some("II"),
            3 => Some("III"),
            4 | 5 => Some("IV"),
            6 => Some("VI"),
            _ => None,
        }
    }
    pub fn classification_vi(&self) -> String {
        match (
            self.product_set.as_deref().and_then(product_set),
            self.group_1048,
        ) {
            (Some(s), _) => format!("{} {} ({})", s.code, s.name, s.group),
            (None, Some(g)) if (1..=6).contains(&g) => {
                format!("Ngành {} (QĐ 1048/2019)", GROUPS_1048[g as usize - 1])
            }
            _ => "Chưa phân loại".into(),
        }
    }
    pub fn is_service(&self) -> bool {
        self.category() == Some("VI")
    }
}

// ---------------------------------------------------------------------------------------
// Rule sets, levels, parts and bands
// ---------------------------------------------------------------------------------------

/// The rule set an evaluation is held under, chosen by its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleSet {
    /// QĐ 1048/QĐ-TTg (21/8/2019), amended by QĐ 781/QĐ-TTg (8/6/2020).
    Qd1048,
    /// QĐ 148/QĐ-TTg (24/2/2023), three evaluation levels.
    Qd148,
    /// QĐ 148 as amended by QĐ 1489/QĐ-TTg (6/7/2025): no district level.
    Qd148Amended,
}

/// An evaluation level (cấp đánh giá).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Commune,
    District,
    Province,
    Central,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Commune,
        Level::District,
        Level::Province,
        Level::Central,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Commune => "commune",
            Level::District => "district",
            Level::Province => "province",
            Level::Central => "central",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Level::ALL.into_iter().find(|l| l.as_str() == text.trim())
    }
    /// The level at the start of a sentence.
    pub fn title_vi(self) -> &'static str {
        match self {
            Level::Commune => "Cấp xã",
            Level::District => "Cấp huyện",
            Level::Province => "Cấp tỉnh",
            Level::Central => "Cấp Trung ương",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Commune => "cấp xã",
            Level::District => "cấp huyện",
            Level::Province => "cấp tỉnh",
            Level::Central => "cấp Trung ương",
        }
    }
}

/// The three parts of every score sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    A,
    B,
    C,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::A, Part::B, Part::C];
    pub fn label_vi(self) -> &'static str {
        match self {
            Part::A => "Phần A: Sản phẩm và sức mạnh cộng đồng",
            Part::B => "Phần B: Khả năng tiếp thị",
            Part::C => "Phần C: Chất lượng sản phẩm",
        }
    }
}

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("bad date"),
    }
}

impl RuleSet {
    pub const ALL: [RuleSet; 3] = [RuleSet::Qd1048, RuleSet::Qd148, RuleSet::Qd148Amended];

    /// The rule set in force on `day`; `None` before 1048 (21/8/2019).
    pub fn on(day: NaiveDate) -> Option<RuleSet> {
        if day >= ymd(2025, 7, 6) {
            Some(RuleSet::Qd148Amended)
        } else if day >= ymd(2023, 2, 24) {
            Some(RuleSet::Qd148)
        } else if day >= ymd(2019, 8, 21) {
            Some(RuleSet::Qd1048)
        } else {
            None
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSet::Qd1048 => "1048",
            RuleSet::Qd148 => "148",
            RuleSet::Qd148Amended => "148-1489",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        RuleSet::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            RuleSet::Qd1048 => "QĐ 1048/QĐ-TTg (2019), sửa đổi bởi QĐ 781/QĐ-TTg (2020)",
            RuleSet::Qd148 => "QĐ 148/QĐ-TTg (2023)",
            RuleSet::Qd148Amended => "QĐ 148/QĐ-TTg, sửa đổi bởi QĐ 1489/QĐ-TTg (2025)",
        }
    }
    /// The maximum points of a part.
    pub fn max(self, part: Part) -> Decimal {
        Decimal::from(match (self, part) {
            (RuleSet::Qd1048, Part::A) => 35,
            (RuleSet::Qd1048, Part::C) => 40,
            (_, Part::A) => 40,
            (_, Part::B) => 25,
            (_, Part::C) => 35,
        })
    }
    /// Which levels hold scoring councils under this rule set.
    pub fn scoring_levels(self) -> &'static [Level] {
        match self {
            RuleSet::Qd1048 | RuleSet::Qd148 => &[Level::District, Level::Province, Level::Central],
            RuleSet::Qd148Amended => &[Level::Province, Level::Central],
        }
    }
    /// The star ranks the level's People's Committee (or the ministry) certifies.
    pub fn certifies(self, level: Level) -> &'static [u8] {
        match (self, level) {
            (_, Level::Central) => &[5],
            (RuleSet::Qd148, Level::District) => &[3],
            (RuleSet::Qd148, Level::Province) => &[4],
            (RuleSet::Qd1048 | RuleSet::Qd148Amended, Level::Province) => &[3, 4],
            _ => &[],
        }
    }
    /// Who certifies `stars` under this rule set.
    pub fn certifier(self, stars: u8) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| self.certifies(*l).contains(&stars))
    }
    /// The parts of the producer's dossier the rule set requires, in order. Services
    /// (category VI) bring no sample units.
    pub fn dossier_parts(self, service: bool) -> Vec<DossierPart> {
        let parts: &[(&str, &str)] = match self {
            RuleSet::Qd1048 => &[
                ("dang_ky", "Phiếu đăng ký sản phẩm"),
                ("phuong_an", "Phương án, kế hoạch kinh doanh"),
                ("to_chuc", "Bản mô tả tổ chức chủ thể"),
                ("dkkd", "Bản sao giấy đăng ký kinh doanh"),
                ("mau", "Biên bản giao nhận 05 sản phẩm mẫu"),
                (
                    "minh_chung",
                    "Tài liệu minh chứng (công bố chất lượng, kiểm nghiệm, …)",
                ),
            ],
            RuleSet::Qd148 | RuleSet::Qd148Amended => &[
                ("dang_ky", "Phiếu đăng ký đánh giá, phân hạng"),
                ("tu_danh_gia", "Báo cáo tự đánh giá theo bộ tiêu chí"),
                ("minh_chung", "Hồ sơ minh chứng các tiêu chí"),
                ("mau", "Biên bản giao nhận 05 sản phẩm mẫu"),
            ],
        };
        parts
            .iter()
            .filter(|(code, _)| !(service && *code == "mau"))
            .map(|(code, label)| DossierPart {
                code,
                label,
                required: *code != "minh_chung" || self != RuleSet::Qd1048,
            })
            .collect()
    }
}

/// A part of the producer's dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DossierPart {
    pub code: &'static str,
    pub label: &'static str,
    pub required: bool,
}

/// How the band is read from the council's average: half-open intervals (the texts print
/// whole-number ranges and do not say how 69.5 falls; this is ntm's reading).
pub const BAND_RULE: &str = "Hạng sao theo điểm trung bình của hội đồng: dưới 30 điểm: 1 sao; \
    từ 30 đến dưới 50: 2 sao; từ 50 đến dưới 70: 3 sao; từ 70 đến dưới 90: 4 sao; từ 90 đến 100: 5 sao. \
    Văn bản ghi khoảng điểm nguyên (50–69, 70–89); điểm lẻ (như 69,5) được tính theo khoảng nửa mở.";

/// The star band of an average score (1–5).
pub fn band(average: Decimal) -> u8 {
    if average < Decimal::from(30) {
        1
    } else if average < Decimal::from(50) {
        2
    } else if average < Decimal::from(70) {
        3
    } else if average < Decimal::from(90) {
        4
    } else {
        5
    }
}

/// Only three stars and above are certified.
pub fn certifiable(stars: u8) -> bool {
    (3..=5).contains(&stars)
}

pub fn stars_vi(stars: u8) -> String {
    format!("{stars} sao")
}

// ---------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------

/// One council member's sheet for one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub member: i64,
    pub a: Decimal,
    pub b: Decimal,
    pub c: Decimal,
}

impl Sheet {
    pub fn total(&self) -> Decimal {
        self.a + self.b + self.c
    }
    pub fn part(&self, part: Part) -> Decimal {
        match part {
            Part::A => self.a,
            Part::B => self.b,
            Part::C => self.c,
        }
    }
}

/// Checks a sheet against the rule set's maxima: each part from 0 to its maximum, at most
/// two decimals. Every problem, in Vietnamese.
pub fn check_sheet(rule: RuleSet, sheet: &Sheet) -> Vec<String> {
    let mut out = Vec::new();
    for part in Part::ALL {
        let v = sheet.part(part);
        let max = rule.max(part);
        if v < Decimal::ZERO || v > max {
            out.push(format!(
                "{}: {} điểm nằm ngoài khoảng 0–{} điểm của {}",
                part.label_vi(),
                crate::text::vi_number(v),
                max,
                rule.label_vi()
            ));
        } else if v.normalize().scale() > 2 {
            out.push(format!(
                "{}: điểm chỉ lấy đến hai chữ số thập phân",
                part.label_vi()
            ));
        }
    }
    out
}

/// How a member's total is flagged: when it is further than the round's limit from the
/// mean of the *other* members (so that one outlier does not pull the mean toward itself).
pub const OUTLIER_RULE: &str = "Điểm của một thành viên bị đánh dấu lệch khi tổng điểm cách \
    điểm trung bình của các thành viên còn lại quá ngưỡng của đợt (mặc định 10 điểm). \
    Điểm trung bình của hội đồng vẫn tính đủ mọi phiếu, như quy định.";

/// One member's place in the tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    pub member: i64,
    pub total: Decimal,
    /// The member's total less the council's mean.
    pub deviation: Decimal,
    /// Per part, the member's points less the part's mean.
    pub part_deviation: [Decimal; 3],
    pub outlier: bool,
}

/// The council's result for one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub sheets: usize,
    /// The council's average total (the legal basis of the band), exact.
    pub mean: Decimal,
    pub part_means: [Decimal; 3],
    pub band: u8,
    pub lines: Vec<MemberLine>,
}

/// Tallies the sheets; `None` without a sheet.
pub fn tally(sheets: &[Sheet], outlier_points: Decimal) -> Option<Tally> {
    if sheets.is_empty() {
        return None;
    }
    let n = Decimal::from(sheets.len());
    let sum: Decimal = sheets.iter().map(Sheet::total).sum();
    let mean = sum / n;
    let part_means = Part::ALL.map(|p| sheets.iter().map(|s| s.part(p)).sum::<Decimal>() / n);
    let lines = sheets
        .iter()
        .map(|s| {
            let others = if sheets.len() > 1 {
                Some((sum - s.total()) / (n - Decimal::ONE))
            } else {
                None
            };
            MemberLine {
                member: s.member,
                total: s.total(),
                deviation: s.total() - mean,
                part_deviation: [
                    s.a - part_means[0],
                    s.b - part_means[1],
                    s.c - part_means[2],
                ],
                outlier: others.is_some_and(|o| (s.total() - o).abs() > outlier_points),
            }
        })
        .collect();
    Some(Tally {
        sheets: sheets.len(),
        mean,
        part_means,
        band: band(mean),
        lines,
    })
}

/// Who sees which sheets of a round: before the secretary closes scoring a member sees
/// only their own sheet, and nobody else sees any score (the secretary and the office see
/// who has handed in, not what); once closed, the council and the office see all.
pub fn visible_sheet(closed: bool, viewer: i64, sheet_member: i64, may_see_closed: bool) -> bool {
    if closed {
        viewer == sheet_member || may_see_closed
    } else {
        viewer == sheet_member
    }
}

/// Whether `member` may still change their sheet.
pub fn may_score(closed: bool, members: &[i64], member: i64) -> bool {
    !closed && members.contains(&member)
}

// ---------------------------------------------------------------------------------------
// Mandatory conditions and the outcome
// ---------------------------------------------------------------------------------------

/// A mandatory condition (tiêu chí bắt buộc) loaded as data: for ranks from `stars` up,
/// in the product set `product_set` ("*": every set) of a rule set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Condition {
    pub rule_set: RuleSet,
    pub product_set: String,
    pub stars: u8,
    pub code: String,
    pub text: String,
    /// The act and annex it comes from.
    pub source: String,
}

impl Condition {
    pub fn applies(&self, rule: RuleSet, set: Option<&str>, rank: u8) -> bool {
        self.rule_set == rule
            && self.stars <= rank
            && (self.product_set == "*" || Some(self.product_set.as_str()) == set)
    }
}

/// What the mandatory conditions say of a rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conditions {
    /// No condition of the rule set and product set is loaded: the rank was not checked.
    NotLoaded,
    /// Some applicable conditions are not yet marked met or unmet.
    Pending(Vec<String>),
    /// Every applicable condition is marked; these were unmet (with the rank each caps).
    Checked { unmet: Vec<(String, u8)> },
}

/// The council's verdict at a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub mean: Decimal,
    pub band: u8,
    /// The rank after the mandatory conditions (≤ band); `None` while they are pending.
    pub rank: Option<u8>,
    pub conditions: Conditions,
    /// The rank this level certifies, if any.
    pub certify: Option<u8>,
    /// The level the product is proposed to.
    pub forward: Option<Level>,
    pub explain: String,
}

/// Judges a tallied product at `level` under `rule`: its band, the mandatory conditions
/// of its set (`checks`: code → met), what this level certifies and where it goes next.
pub fn outcome(
    rule: RuleSet,
    level: Level,
    product_set: Option<&str>,
    mean: Decimal,
    conditions: &[Condition],
    checks: &BTreeMap<String, bool>,
) -> Outcome {
    let b = band(mean);
    let relevant: Vec<&Condition> = conditions
        .iter()
        .filter(|c| c.applies(rule, product_set, b))
        .collect();
    let loaded = conditions.iter().any(|c| {
        c.rule_set == rule && (c.product_set == "*" || Some(c.product_set.as_str()) == product_set)
    });
    let (conds, rank) = if !loaded {
        (Conditions::NotLoaded, Some(b))
    } else {
        let pending: Vec<String> = relevant
            .iter()
            .filter(|c| !checks.contains_key(&c.code))
            .map(|c| c.code.clone())
            .collect();
        if !pending.is_empty() {
            (Conditions::Pending(pending), None)
        } else {
            let unmet: Vec<(String, u8)> = relevant
                .iter()
                .filter(|c| checks.get(&c.code) == Some(&false))
                .map(|c| (c.code.clone(), c.stars.saturating_sub(1)))
                .collect();
            let cap = unmet.iter().map(|(_, r)| *r).min().unwrap_or(b);
            (Conditions::Checked { unmet }, Some(b.min(cap)))
        }
    };
    let mut explain = format!(
        "Điểm trung bình {} → {}.",
        crate::text::vi_number(mean.round_dp(2)),
        stars_vi(b)
    );
    match &conds {
        Conditions::NotLoaded => explain.push_str(
            " Chưa nạp tiêu chí bắt buộc của bộ sản phẩm này: hạng sao chưa được kiểm theo tiêu chí bắt buộc.",
        ),
        Conditions::Pending(p) => explain.push_str(&format!(
            " Còn {} tiêu chí bắt buộc chưa kiểm ({}).",
            p.len(),
            p.join(", ")
        )),
        Conditions::Checked { unmet } if !unmet.is_empty() => explain.push_str(&format!(
            " Không đạt tiêu chí bắt buộc {}: hạng còn {}.",
            unmet
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            rank.map_or("?".into(), stars_vi)
        )),
        Conditions::Checked { .. } => explain.push_str(" Đạt mọi tiêu chí bắt buộc đã nạp."),
    }
    let (certify, forward) = match rank {
        None => (None, None),
        Some(r) => verdict(rule, level, r),
    };
    match (certify, forward) {
        (Some(s), Some(to)) => explain.push_str(&format!(
            " {} công nhận {} và đề xuất {} đánh giá.",
            level.title_vi(),
            stars_vi(s),
            to.label_vi()
        )),
        (Some(s), None) => {
            explain.push_str(&format!(" {} công nhận {}.", level.title_vi(), stars_vi(s)))
        }
        (None, Some(to)) => explain.push_str(&format!(" Đề xuất {} đánh giá.", to.label_vi())),
        (None, None) if rank.is_some() => {
            explain.push_str(&format!(" {} không công nhận hạng này.", level.title_vi()))
        }
        (None, None) => {}
    }
    Outcome {
        mean,
        band: b,
        rank,
        conditions: conds,
        certify,
        forward,
        explain,
    }
}

/// What `level` does with a product of rank `rank` under `rule`: the rank it certifies and
/// the level it proposes the product to.
pub fn verdict(rule: RuleSet, level: Level, rank: u8) -> (Option<u8>, Option<Level>) {
    if !certifiable(rank) {
        return (None, None);
    }
    match (rule, level) {
        // 1048: the district council forwards 50+ to the province, certifying nothing.
        (RuleSet::Qd1048, Level::District) => (None, Some(Level::Province)),
        // 148: the district certifies 3 stars and forwards 70+ to the province.
        (RuleSet::Qd148, Level::District) if rank == 3 => (Some(3), None),
        (RuleSet::Qd148, Level::District) => (None, Some(Level::Province)),
        // The province certifies its ranks; a 90+ product is certified four stars
        // ("potential five") and proposed to the central level.
        (_, Level::Province) => {
            let ranks = rule.certifies(Level::Province);
            let top = ranks.iter().copied().max().unwrap_or(4);
            match rank {
                5 => (Some(top), Some(Level::Central)),
                r if ranks.contains(&r) => (Some(r), None),
                _ => (None, None),
            }
        }
        (_, Level::Central) if rank == 5 => (Some(5), None),
        _ => (None, None),
    }
}

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

/// Months a certificate is valid from its decision's date.
pub const VALIDITY_MONTHS: u32 = 36;

pub const VALIDITY_RULE: &str = "Giấy chứng nhận sản phẩm OCOP có giá trị 36 tháng kể từ ngày \
    ký quyết định công nhận: đến hết ngày tương ứng sau 36 tháng (tháng không có ngày đó thì đến \
    ngày cuối tháng), như cách tính thời hạn của Bộ luật Dân sự (Điều 147, 148). \
    Cơ quan công nhận thông báo cho chủ thể chậm nhất 30 ngày trước khi hết hạn.";

/// The last day a certificate decided on `decision` is valid: the period starts the day
/// after the decision and ends with the corresponding day 36 months on (the month's last
/// day when it has none), as the Civil Code counts periods in months.
pub fn valid_until(decision: NaiveDate) -> NaiveDate {
    decision
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .unwrap_or(decision)
}

/// How a certificate ended before its term, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndKind {
    /// Thu hồi: revoked by a decision.
    Revoked,
    /// Ghi nhận hết hiệu lực: the office records that it lapsed (the producer withdrew or
    /// did not apply again), with the reason.
    Lapsed,
}

impl EndKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndKind::Revoked => "revoked",
            EndKind::Lapsed => "lapsed",
        }
    }
    pub fn parse(t: &str) -> Option<Self> {
        match t.trim() {
            "revoked" => Some(EndKind::Revoked),
            "lapsed" => Some(EndKind::Lapsed),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            EndKind::Revoked => "Thu hồi",
            EndKind::Lapsed => "Hết hiệu lực",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub kind: EndKind,
    pub on: NaiveDate,
    /// The decision's number (for a revocation).
    pub number: String,
    pub reason: String,
}

/// A recognition decision and its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: i64,
    pub product: i64,
    pub stars: u8,
    pub level: Level,
    pub rule_set: RuleSet,
    /// The year of the evaluation it results from (đợt đánh giá năm …): Hà Tĩnh's 2021
    /// products were certified by a decision of 21/02/2022.
    pub year: i32,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub certificate_number: String,
    /// The round entry it came from, when the round is in ntm.
    pub entry: Option<i64>,
    pub ended: Option<Ending>,
    pub note: String,
    pub illustrative: bool,
}

impl Certificate {
    pub fn valid_until(&self) -> NaiveDate {
        valid_until(self.decision_date)
    }
}

/// Checks a decision before it is recorded: a certifiable rank, given by the level that
/// certifies it under the rule set of its date, not in the future.
pub fn check_certificate(c: &Certificate, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    if !certifiable(c.stars) {
        out.push(format!(
            "{}: chỉ sản phẩm từ 3 sao trở lên được công nhận và cấp giấy chứng nhận",
            stars_vi(c.stars)
        ));
    }
    match RuleSet::on(c.decision_date) {
        None => out.push("ngày quyết định trước QĐ 1048/QĐ-TTg (21/8/2019)".into()),
        Some(r) if r != c.rule_set => out.push(format!(
            "ngày {} thuộc {}, không phải {}",
            c.decision_date.format("%d/%m/%Y"),
            r.label_vi(),
            c.rule_set.label_vi()
        )),
        Some(r) => {
            if certifiable(c.stars) && r.certifier(c.stars) != Some(c.level) {
                out.push(format!(
                    "theo {}, {} do {} công nhận, không phải {}",
                    r.label_vi(),
                    stars_vi(c.stars),
                    r.certifier(c.stars).map_or("—", Level::label_vi),
                    c.level.label_vi()
                ));
            }
        }
    }
    if c.decision_date > today {
        out.push("ngày quyết định sau hôm nay".into());
    }
    if c.year > c.decision_date.year() || c.year < c.decision_date.year() - 1 {
        out.push(format!(
            "năm đánh giá {} không khớp ngày quyết định (cùng năm hoặc năm trước)",
            c.year
        ));
    }
    if c.decision_number.trim().is_empty() {
        out.push("thiếu số quyết định".into());
    }
    out
}

/// Where a certificate stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    /// Decided after the day.
    NotYet,
    /// In force, with the days left (0 on its last day).
    Valid {
        days_left: i64,
    },
    /// A later decision on the same product replaced it.
    Superseded {
        by: i64,
    },
    Revoked,
    Lapsed,
    /// Its 36 months ran out.
    Expired,
}

impl CertState {
    pub fn is_valid(self) -> bool {
        matches!(self, CertState::Valid { .. })
    }
    pub fn label_vi(self) -> String {
        match self {
            CertState::NotYet => "Chưa có hiệu lực".into(),
            CertState::Valid { days_left } => format!("Còn hiệu lực ({days_left} ngày)"),
            CertState::Superseded { .. } => "Đã được thay bằng quyết định sau".into(),
            CertState::Revoked => "Đã thu hồi".into(),
            CertState::Lapsed => "Hết hiệu lực".into(),
            CertState::Expired => "Hết hạn".into(),
        }
    }
}

/// The state of `cert` on `day`, among all the certificates (`all`) of ntm.
pub fn state(cert: &Certificate, all: &[Certificate], day: NaiveDate) -> CertState {
    if day < cert.decision_date {
        return CertState::NotYet;
    }
    if let Some(e) = &cert.ended
        && e.on <= day
    {
        return match e.kind {
            EndKind::Revoked => CertState::Revoked,
            EndKind::Lapsed => CertState::Lapsed,
        };
    }
    if let Some(later) = all
        .iter()
        .filter(|o| {
            o.product == cert.product
                && o.id != cert.id
                && o.decision_date <= day
                && (o.decision_date, o.id) > (cert.decision_date, cert.id)
        })
        .max_by_key(|o| (o.decision_date, o.id))
    {
        return CertState::Superseded { by: later.id };
    }
    let until = cert.valid_until();
    if day > until {
        CertState::Expired
    } else {
        CertState::Valid {
            days_left: (until - day).num_days(),
        }
    }
}

/// The products with a valid certificate on `day`, with its stars and the certificate.
pub fn valid_on(all: &[Certificate], day: NaiveDate) -> BTreeMap<i64, &Certificate> {
    let mut out: BTreeMap<i64, &Certificate> = BTreeMap::new();
    for c in all {
        if state(c, all, day).is_valid() {
            let keep = out.get(&c.product).is_none_or(|o| o.stars < c.stars);
            if keep {
                out.insert(c.product, c);
            }
        }
    }
    out
}

/// The products ever certified up to `day` (the cumulative count, never to be read as
/// those valid now).
pub fn ever_certified(all: &[Certificate], day: NaiveDate) -> BTreeSet<i64> {
    all.iter()
        .filter(|c| c.decision_date <= day)
        .map(|c| c.product)
        .collect()
}

pub const COUNT_RULE: &str = "Sản phẩm còn hiệu lực: có giấy chứng nhận chưa hết 36 tháng, \
    chưa bị thu hồi hay thay thế vào ngày xem. Lũy kế: mọi sản phẩm đã từng được công nhận đến \
    ngày đó, kể cả đã hết hạn. Một sản phẩm được tính một lần, theo hạng sao cao nhất còn hiệu lực.";

/// A decision compared with the product's certificate before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reevaluation {
    First,
    Same,
    Higher { from: u8 },
    Lower { from: u8 },
}

impl Reevaluation {
    pub fn label_vi(self) -> String {
        match self {
            Reevaluation::First => "Công nhận lần đầu".into(),
            Reevaluation::Same => "Đánh giá lại, giữ hạng".into(),
            Reevaluation::Higher { from } => format!("Nâng hạng từ {from} sao"),
            Reevaluation::Lower { from } => format!("Hạ hạng từ {from} sao"),
        }
    }
}

/// How `cert` relates to the product's previous certificate (decided before it).
pub fn reevaluation(cert: &Certificate, all: &[Certificate]) -> Reevaluation {
    let before = all
        .iter()
        .filter(|o| {
            o.product == cert.product
                && o.id != cert.id
                && (o.decision_date, o.id) < (cert.decision_date, cert.id)
        })
        .max_by_key(|o| (o.decision_date, o.id));
    match before {
        None => Reevaluation::First,
        Some(b) if b.stars == cert.stars => Reevaluation::Same,
        Some(b) if b.stars < cert.stars => Reevaluation::Higher { from: b.stars },
        Some(b) => Reevaluation::Lower { from: b.stars },
    }
}

/// The certificates due an expiry alert on `today`: valid ones with at most `d` days left,
/// for the smallest configured `d` that applies, and only when the product has no later
/// certificate already decided. Returns (certificate, the alert's days).
pub fn expiry_alerts<'a>(
    all: &'a [Certificate],
    today: NaiveDate,
    days: &[u32],
) -> Vec<(&'a Certificate, u32)> {
    let mut days: Vec<u32> = days.to_vec();
    days.sort_unstable();
    all.iter()
        .filter_map(|c| match state(c, all, today) {
            CertState::Valid { days_left } => days
                .iter()
                .find(|d| days_left <= i64::from(**d))
                .map(|d| (c, *d)),
            _ => None,
        })
        .collect()
}

/// Parses "90, 30" (the alert days).
pub fn parse_alert_days(text: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in text.split([',', ';', ' ']).filter(|p| !p.trim().is_empty()) {
        match part.trim().parse::<u32>() {
            Ok(d) if (1..=366).contains(&d) => out.push(d),
            _ => return Err(format!("“{part}” không phải số ngày từ 1 đến 366")),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Support spending
// ---------------------------------------------------------------------------------------

/// What a support line paid for (the lines named by national and provincial documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SupportCategory {
    RewardByStar,
    UpgradeBonus,
    Planning,
    Credit,
    TechTransfer,
    IpProtection,
    QualityDeclaration,
    Traceability,
    Barcode,
    BrandIdentity,
    Certification,
    TradePromotion,
    Showroom,
    Training,
}

/// Which side of the notice's complaint a category is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportSide {
    /// The identity kit, packaging and labels (bộ nhận diện).
    IdentityKit,
    /// Investment in production: raw-material zones, credit, technology and equipment.
    Production,
    Other,
}

impl SupportCategory {
    pub const ALL: [SupportCategory; 14] = [
        SupportCategory::RewardByStar,
        SupportCategory::UpgradeBonus,
        SupportCategory::Planning,
        SupportCategory::Credit,
        SupportCategory::TechTransfer,
        SupportCategory::IpProtection,
        SupportCategory::QualityDeclaration,
        SupportCategory::Traceability,
        SupportCategory::Barcode,
        SupportCategory::BrandIdentity,
        SupportCategory::Certification,
        SupportCategory::TradePromotion,
        SupportCategory::Showroom,
        SupportCategory::Training,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SupportCategory::RewardByStar => "reward_by_star",
            SupportCategory::UpgradeBonus => "upgrade_bonus",
            SupportCategory::Planning => "planning",
            SupportCategory::Credit => "credit",
            SupportCategory::TechTransfer => "rnd_tech_transfer",
            SupportCategory::IpProtection => "ip_protection",
            SupportCategory::QualityDeclaration => "quality_declaration",
            SupportCategory::Traceability => "traceability",
            SupportCategory::Barcode => "barcode",
            SupportCategory::BrandIdentity => "brand_identity",
            SupportCategory::Certification => "certification",
            SupportCategory::TradePromotion => "trade_promotion",
            SupportCategory::Showroom => "showroom",
            SupportCategory::Training => "training",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            SupportCategory::RewardByStar => "Thưởng theo hạng sao",
            SupportCategory::UpgradeBonus => "Hỗ trợ thăng hạng sao",
            SupportCategory::Planning => "Quy hoạch vùng nguyên liệu",
            SupportCategory::Credit => "Hỗ trợ tín dụng sản xuất",
            SupportCategory::TechTransfer => "Chuyển giao công nghệ, máy móc thiết bị",
            SupportCategory::IpProtection => "Bảo hộ sở hữu trí tuệ",
            SupportCategory::QualityDeclaration => "Công bố chất lượng, kiểm nghiệm",
            SupportCategory::Traceability => "Truy xuất nguồn gốc, tem QR",
            SupportCategory::Barcode => "Mã số mã vạch",
            SupportCategory::BrandIdentity => "Bộ nhận diện, bao bì, nhãn mác",
            SupportCategory::Certification => "Chứng nhận tiêu chuẩn (VietGAP, hữu cơ, …)",
            SupportCategory::TradePromotion => "Xúc tiến thương mại, quảng bá",
            SupportCategory::Showroom => "Điểm giới thiệu, bán sản phẩm",
            SupportCategory::Training => "Đào tạo, tập huấn",
        }
    }
    pub fn side(self) -> SupportSide {
        match self {
            SupportCategory::BrandIdentity => SupportSide::IdentityKit,
            SupportCategory::Planning | SupportCategory::Credit | SupportCategory::TechTransfer => {
                SupportSide::Production
            }
            _ => SupportSide::Other,
        }
    }
    /// The stored code, or its label as typed in a sheet (with or without diacritics).
    pub fn parse(text: &str) -> Option<Self> {
        let key = crate::text::search_key(text);
        SupportCategory::ALL
            .into_iter()
            .find(|c| key == c.as_str() || key == crate::text::search_key(c.label_vi()))
    }
}

/// Where the money came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FundSource {
    Central,
    Provincial,
    Local,
    Credit,
    Producer,
    Other,
}

impl FundSource {
    pub const ALL: [FundSource; 6] = [
        FundSource::Central,
        FundSource::Provincial,
        FundSource::Local,
        FundSource::Credit,
        FundSource::Producer,
        FundSource::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FundSource::Central => "central",
            FundSource::Provincial => "provincial",
            FundSource::Local => "local",
            FundSource::Credit => "credit",
            FundSource::Producer => "producer",
            FundSource::Other => "other",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            FundSource::Central => "Ngân sách trung ương",
            FundSource::Provincial => "Ngân sách tỉnh",
            FundSource::Local => "Ngân sách huyện, xã",
            FundSource::Credit => "Vốn tín dụng",
            FundSource::Producer => "Vốn của chủ thể",
            FundSource::Other => "Nguồn khác",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        let key = crate::text::search_key(text);
        FundSource::ALL
            .into_iter()
            .find(|c| key == c.as_str() || key == crate::text::search_key(c.label_vi()))
    }
}

/// One support payment to a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    pub id: i64,
    pub product: i64,
    pub year: i32,
    pub category: SupportCategory,
    pub source: FundSource,
    /// In đồng.
    pub amount: Decimal,
    /// The decision or voucher it was paid under.
    pub document: String,
    pub note: String,
    pub illustrative: bool,
}

pub const RATIO_RULE: &str = "Tỷ lệ = chi bộ nhận diện, bao bì, nhãn mác ÷ chi đầu tư sản xuất \
    (quy hoạch vùng nguyên liệu, tín dụng, chuyển giao công nghệ và máy móc thiết bị), theo đơn vị \
    và năm; vượt ngưỡng văn phòng đặt thì được đánh dấu. Các văn bản không quy định cách chia này: \
    đây là cách ntm gắn nhãn từng khoản.";

/// A unit's year of support, split by side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spending {
    pub identity: Decimal,
    pub production: Decimal,
    pub other: Decimal,
}

impl Spending {
    pub fn add(&mut self, s: &Support) {
        match s.category.side() {
            SupportSide::IdentityKit => self.identity += s.amount,
            SupportSide::Production => self.production += s.amount,
            SupportSide::Other => self.other += s.amount,
        }
    }
    pub fn total(&self) -> Decimal {
        self.identity + self.production + self.other
    }
    /// Identity ÷ production; `None` when nothing went to production.
    pub fn ratio(&self) -> Option<Decimal> {
        (self.production > Decimal::ZERO).then(|| self.identity / self.production)
    }
    /// Above the limit: a ratio over it, or identity spending with no production at all.
    pub fn flagged(&self, limit: Decimal) -> bool {
        match self.ratio() {
            Some(r) => r > limit,
            None => self.identity > Decimal::ZERO,
        }
    }
}

/// Checks a support line as typed.
pub fn check_support(s: &Support) -> Vec<String> {
    let mut out = Vec::new();
    if s.amount <= Decimal::ZERO {
        out.push("số tiền phải lớn hơn 0".into());
    }
    if !(2018..=2100).contains(&s.year) {
        out.push(format!("năm {} ngoài khoảng của chương trình OCOP", s.year));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bands_at_every_boundary() {
        let table = [
            (dec("0"), 1),
            (dec("29.99"), 1),
            (dec("30"), 2),
            (dec("49.99"), 2),
            (dec("50"), 3),
            (dec("69.5"), 3),
            (dec("69.99"), 3),
            (dec("70"), 4),
            (dec("89.99"), 4),
            (dec("90"), 5),
            (dec("100"), 5),
        ];
        for (score, stars) in table {
            assert_eq!(band(score), stars, "{score}");
        }
        assert!(!certifiable(2) && certifiable(3) && certifiable(5) && !certifiable(6));
    }

    #[test]
    fn the_rule_set_is_chosen_by_date() {
        let table = [
            (d(2019, 8, 20), None),
            (d(2019, 8, 21), Some(RuleSet::Qd1048)),
            (d(2023, 2, 23), Some(RuleSet::Qd1048)),
            (d(2023, 2, 24), Some(RuleSet::Qd148)),
            (d(2025, 7, 5), Some(RuleSet::Qd148)),
            (d(2025, 7, 6), Some(RuleSet::Qd148Amended)),
            (d(2026, 12, 1), Some(RuleSet::Qd148Amended)),
        ];
        for (day, rule) in table {
            assert_eq!(RuleSet::on(day), rule, "{day}");
        }
        assert_eq!(RuleSet::Qd1048.max(Part::A), dec("35"));
        assert_eq!(RuleSet::Qd148.max(Part::A), dec("40"));
        assert_eq!(RuleSet::Qd148Amended.max(Part::C), dec("35"));
        for r in RuleSet::ALL {
            let total: Decimal = Part::ALL.iter().map(|p| r.max(*p)).sum();
            assert_eq!(total, dec("100"));
            assert_eq!(RuleSet::parse(r.as_str()), Some(r));
        }
        // Who certifies which rank changes with the rule set.
        assert_eq!(RuleSet::Qd1048.certifier(3), Some(Level::Province));
        assert_eq!(RuleSet::Qd148.certifier(3), Some(Level::District));
        assert_eq!(RuleSet::Qd148.certifier(4), Some(Level::Province));
        assert_eq!(RuleSet::Qd148Amended.certifier(3), Some(Level::Province));
        assert_eq!(RuleSet::Qd148Amended.certifier(5), Some(Level::Central));
        assert!(
            !RuleSet::Qd148Amended
                .scoring_levels()
                .contains(&Level::District)
        );
    }

    #[test]
    fn verdicts_by_rule_set_level_and_rank() {
        use Level::*;
        use RuleSet::*;
        let table = [
            (Qd1048, District, 3, (None, Some(Province))),
            (Qd1048, Province, 3, (Some(3), None)),
            (Qd1048, Province, 5, (Some(4), Some(Central))),
            (Qd148, District, 3, (Some(3), None)),
            (Qd148, District, 4, (None, Some(Province))),
            (Qd148, Province, 4, (Some(4), None)),
            (Qd148, Province, 3, (None, None)),
            (Qd148Amended, Province, 3, (Some(3), None)),
            (Qd148Amended, Province, 4, (Some(4), None)),
            (Qd148Amended, Province, 5, (Some(4), Some(Central))),
            (Qd148Amended, Central, 5, (Some(5), None)),
            (Qd148Amended, Central, 4, (None, None)),
            (Qd148Amended, Province, 2, (None, None)),
        ];
        for (rule, level, rank, want) in table {
            assert_eq!(
                verdict(rule, level, rank),
                want,
                "{rule:?} {level:?} {rank}"
            );
        }
    }

    fn sheet(member: i64, a: Decimal, b: Decimal, c: Decimal) -> Sheet {
        Sheet { member, a, b, c }
    }

    #[test]
    fn sheets_are_checked_against_the_rule_sets_maxima() {
        let s = sheet(1, dec("38"), dec("20"), dec("30"));
        assert!(check_sheet(RuleSet::Qd148, &s).is_empty());
        // 38 in part A exceeds 1048's 35.
        let p = check_sheet(RuleSet::Qd1048, &s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("0–35"), "{p:?}");
        assert_eq!(
            check_sheet(
                RuleSet::Qd148,
                &sheet(1, dec("-1"), dec("26"), dec("1.255"))
            )
            .len(),
            3
        );
    }

    #[test]
    fn the_tally_averages_every_sheet_and_flags_the_outlier() {
        let sheets = [
            sheet(1, dec("30"), dec("18"), dec("24")), // 72
            sheet(2, dec("31"), dec("17"), dec("25")), // 73
            sheet(3, dec("29"), dec("19"), dec("23")), // 71
            sheet(4, dec("38"), dec("24"), dec("33")), // 95
        ];
        let t = tally(&sheets, dec("10")).unwrap();
        assert_eq!(t.mean, dec("77.75"));
        assert_eq!(t.band, 4);
        assert_eq!(t.lines[3].deviation, dec("17.25"));
        let flagged: Vec<i64> = t
            .lines
            .iter()
            .filter(|l| l.outlier)
            .map(|l| l.member)
            .collect();
        assert_eq!(flagged, vec![4]);
        // A single sheet is never an outlier, and no sheet gives no tally.
        assert!(!tally(&sheets[..1], dec("0")).unwrap().lines[0].outlier);
        assert!(tally(&[], dec("10")).is_none());
    }

    #[test]
    fn a_member_sees_only_their_own_sheet_until_scoring_closes() {
        // (closed, viewer, sheet's member, may see closed) → visible
        let table = [
            (false, 1, 1, false, true),
            (false, 1, 2, false, false),
            (false, 9, 2, true, false), // the secretary too
            (true, 1, 2, true, true),
            (true, 5, 2, false, false), // outsiders never
        ];
        for (closed, viewer, member, may, want) in table {
            assert_eq!(visible_sheet(closed, viewer, member, may), want);
        }
        assert!(may_score(false, &[1, 2], 1));
        assert!(!may_score(true, &[1, 2], 1));
        assert!(!may_score(false, &[1, 2], 3));
    }

    fn cond(stars: u8, code: &str, set: &str) -> Condition {
        Condition {
            rule_set: RuleSet::Qd148Amended,
            product_set: set.into(),
            stars,
            code: code.into(),
            text: code.into(),
            source: "test".into(),
        }
    }

    #[test]
    fn mandatory_conditions_cap_the_rank_and_their_absence_is_shown() {
        let rule = RuleSet::Qd148Amended;
        let none = BTreeMap::new();
        // Nothing loaded for the set: the band stands, flagged unchecked.
        let o = outcome(rule, Level::Province, Some("I.3.b"), dec("75"), &[], &none);
        assert_eq!((o.rank, o.certify), (Some(4), Some(4)));
        assert_eq!(o.conditions, Conditions::NotLoaded);
        assert!(o.explain.contains("Chưa nạp"), "{}", o.explain);
        let conds = [
            cond(3, "C3.1", "I.3.b"),
            cond(4, "C4.1", "I.3.b"),
            cond(3, "X", "*"),
        ];
        // Loaded but not checked: no rank yet.
        let o = outcome(
            rule,
            Level::Province,
            Some("I.3.b"),
            dec("75"),
            &conds,
            &none,
        );
        assert_eq!(o.rank, None);
        assert!(matches!(o.conditions, Conditions::Pending(ref p) if p.len() == 3));
        // The four-star condition unmet: three stars.
        let checks: BTreeMap<String, bool> = [("C3.1", true), ("C4.1", false), ("X", true)]
            .map(|(c, m)| (c.to_string(), m))
            .into();
        let o = outcome(
            rule,
            Level::Province,
            Some("I.3.b"),
            dec("75"),
            &conds,
            &checks,
        );
        assert_eq!((o.rank, o.certify), (Some(3), Some(3)));
        // A three-star condition unmet: not certified at all.
        let checks: BTreeMap<String, bool> = [("C3.1", false), ("C4.1", true), ("X", true)]
            .map(|(c, m)| (c.to_string(), m))
            .into();
        let o = outcome(
            rule,
            Level::Province,
            Some("I.3.b"),
            dec("75"),
            &conds,
            &checks,
        );
        assert_eq!((o.rank, o.certify), (Some(2), None));
        // A 65 needs only the three-star conditions; another set's are not asked.
        let checks: BTreeMap<String, bool> = [("C3.1", true), ("X", true)]
            .map(|(c, m)| (c.to_string(), m))
            .into();
        let o = outcome(
            rule,
            Level::Province,
            Some("I.3.b"),
            dec("65"),
            &conds,
            &checks,
        );
        assert_eq!(o.rank, Some(3));
        let o = outcome(
            rule,
            Level::Province,
            Some("II.1.a"),
            dec("65"),
            &conds,
            &checks,
        );
        assert_eq!(o.rank, Some(3));
    }

    fn cert(id: i64, product: i64, stars: u8, on: NaiveDate) -> Certificate {
        let rule = RuleSet::on(on).unwrap();
        Certificate {
            id,
            product,
            stars,
            level: rule.certifier(stars).unwrap_or(Level::Province),
            rule_set: rule,
            year: on.year(),
            decision_number: format!("{id}/QĐ-UBND"),
            decision_date: on,
            certificate_number: String::new(),
            entry: None,
            ended: None,
            note: String::new(),
            illustrative: false,
        }
    }

    #[test]
    fn a_certificate_runs_36_months_and_alerts_before_it_ends() {
        assert_eq!(valid_until(d(2019, 12, 20)), d(2022, 12, 20));
        assert_eq!(valid_until(d(2020, 2, 29)), d(2023, 2, 28));
        assert_eq!(valid_until(d(2023, 8, 31)), d(2026, 8, 31));
        let c = cert(1, 1, 3, d(2023, 12, 20));
        let all = [c.clone()];
        assert_eq!(state(&c, &all, d(2023, 12, 19)), CertState::NotYet);
        assert_eq!(
            state(&c, &all, d(2026, 12, 20)),
            CertState::Valid { days_left: 0 }
        );
        assert_eq!(state(&c, &all, d(2026, 12, 21)), CertState::Expired);
        let days = [90, 30];
        assert!(expiry_alerts(&all, d(2026, 9, 20), &days).is_empty());
        assert_eq!(expiry_alerts(&all, d(2026, 9, 21), &days)[0].1, 90);
        assert_eq!(expiry_alerts(&all, d(2026, 11, 20), &days)[0].1, 30);
        assert!(expiry_alerts(&all, d(2026, 12, 21), &days).is_empty());
        // A re-certification already decided silences the old one's alert.
        let renewed = [c.clone(), cert(2, 1, 3, d(2026, 11, 1))];
        assert!(expiry_alerts(&renewed, d(2026, 11, 19), &days).is_empty());
        assert_eq!(parse_alert_days("90, 30").unwrap(), vec![30, 90]);
        assert!(parse_alert_days("90, x").is_err());
    }

    #[test]
    fn re_evaluation_outcomes_and_endings() {
        let first = cert(1, 7, 3, d(2020, 6, 1));
        let same = cert(2, 7, 3, d(2023, 6, 1));
        let higher = cert(3, 7, 4, d(2024, 10, 15));
        let lower = cert(4, 7, 3, d(2026, 10, 1));
        let all = [first.clone(), same.clone(), higher.clone(), lower.clone()];
        assert_eq!(reevaluation(&first, &all), Reevaluation::First);
        assert_eq!(reevaluation(&same, &all), Reevaluation::Same);
        assert_eq!(
            reevaluation(&higher, &all),
            Reevaluation::Higher { from: 3 }
        );
        assert_eq!(reevaluation(&lower, &all), Reevaluation::Lower { from: 4 });
        assert_eq!(
            state(&same, &all, d(2024, 10, 15)),
            CertState::Superseded { by: 3 }
        );
        let mut revoked = cert(5, 8, 3, d(2024, 1, 1));
        revoked.ended = Some(Ending {
            kind: EndKind::Revoked,
            on: d(2025, 1, 1),
            number: "12/QĐ-UBND".into(),
            reason: "vi phạm an toàn thực phẩm".into(),
        });
        let all = [revoked.clone()];
        assert!(state(&revoked, &all, d(2024, 12, 31)).is_valid());
        assert_eq!(state(&revoked, &all, d(2025, 1, 1)), CertState::Revoked);
    }

    #[test]
    fn valid_and_cumulative_counts_are_never_the_same_number() {
        let all = [
            cert(1, 1, 3, d(2019, 12, 1)), // expired 2022
            cert(2, 2, 4, d(2019, 12, 1)), // expired 2022
            cert(3, 2, 4, d(2022, 11, 1)), // re-certified
            cert(4, 3, 3, d(2024, 1, 1)),
            cert(5, 4, 3, d(2026, 12, 2)), // after the day
        ];
        let day = d(2025, 1, 1);
        let valid = valid_on(&all, day);
        assert_eq!(valid.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(valid[&2].id, 3);
        assert_eq!(ever_certified(&all, day).len(), 3);
    }

    #[test]
    fn a_decision_is_checked_against_its_rule_set_and_level() {
        let today = d(2026, 12, 1);
        assert!(check_certificate(&cert(1, 1, 3, d(2024, 3, 1)), today).is_empty());
        let mut c = cert(1, 1, 3, d(2024, 3, 1));
        c.level = Level::Province; // 3 stars were the district's under 148
        assert_eq!(check_certificate(&c, today).len(), 1);
        let mut c = cert(1, 1, 2, d(2026, 3, 1));
        c.level = Level::Province;
        assert!(!check_certificate(&c, today).is_empty());
        let c = cert(1, 1, 3, d(2026, 12, 2));
        assert_eq!(
            check_certificate(&c, today),
            vec!["ngày quyết định sau hôm nay"]
        );
    }

    #[test]
    fn the_identity_kit_ratio_is_flagged_above_the_limit() {
        let line = |category, amount: Decimal| Support {
            id: 0,
            product: 1,
            year: 2025,
            category,
            source: FundSource::Provincial,
            amount,
            document: String::new(),
            note: String::new(),
            illustrative: false,
        };
        let mut s = Spending::default();
        s.add(&line(SupportCategory::BrandIdentity, dec("60000000")));
        assert_eq!(s.ratio(), None);
        assert!(s.flagged(dec("1")), "identity with no production at all");
        s.add(&line(SupportCategory::TechTransfer, dec("40000000")));
        s.add(&line(SupportCategory::TradePromotion, dec("10000000")));
        assert_eq!(s.ratio(), Some(dec("1.5")));
        assert!(s.flagged(dec("1")));
        assert!(!s.flagged(dec("1.5")));
        assert_eq!(s.total(), dec("110000000"));
        assert!(!Spending::default().flagged(dec("1")));
        assert_eq!(
            SupportCategory::parse("Bộ nhận diện, bao bì, nhãn mác"),
            Some(SupportCategory::BrandIdentity)
        );
        assert_eq!(
            FundSource::parse("ngan sach tinh"),
            Some(FundSource::Provincial)
        );
        assert_eq!(ProducerKind::parse("HTX"), Some(ProducerKind::Cooperative));
        assert_eq!(
            ProducerKind::parse("Hộ kinh doanh"),
            Some(ProducerKind::Household)
        );
    }

    #[test]
    fn the_classification_has_26_sets_under_six_categories() {
        assert_eq!(PRODUCT_SETS_148.len(), 26);
        let codes: BTreeSet<&str> = PRODUCT_SETS_148.iter().map(|s| s.code).collect();
        assert_eq!(codes.len(), 26);
        for s in PRODUCT_SETS_148 {
            assert!(category_name(s.category).is_some(), "{}", s.code);
        }
        assert!(product_set("vi.1").unwrap().service);
        // The dossier of a service asks for no sample units.
        let with = RuleSet::Qd148Amended.dossier_parts(false);
        let without = RuleSet::Qd148Amended.dossier_parts(true);
        assert_eq!(with.len(), without.len() + 1);
        let legacy = Product {
            id: 1,
            producer: 1,
            name: "x".into(),
            product_set: None,
            group_1048: Some(5),
            collective_brand: false,
            regional: false,
            national_code: String::new(),
            description: String::new(),
            note: String::new(),
            illustrative: false,
        };
        assert_eq!(legacy.category(), Some("IV"));
        assert!(legacy.classification_vi().contains("1048"));
    }
}
