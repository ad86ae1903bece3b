//! Villages (thôn, tổ dân phố, khu dân cư) below the communes, the model gardens (vườn
//! mẫu) of their households, and the titles the commune or district gives them: a village
//! recognised as a model residential area (khu dân cư nông thôn mới kiểu mẫu), a garden as
//! a model garden.
//!
//! They are not administrative units: they have no national code, are many (a commune has
//! ten to twenty villages, hundreds of gardens) and are registered by the commune. A
//! village's history is its own (villages are merged into one another, renamed) and it
//! follows its commune through the reform: the commune it belongs to on a day is the one
//! it was registered in, or the commune that took that one over by a merger.

use chrono::{Datelike, NaiveDate};

use crate::target::{CountBy, Period as PlanPeriod, counts_in};
use crate::unit::{UnitId, UnitRegistry};

/// The reform's first day: from it there are no districts to recognise anything.
pub const DISTRICTS_END: (i32, u32, u32) = (2025, 7, 1);

/// What a village is called where it is (the three names of the same level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VillageType {
    /// Thôn, xóm, bản: a village of a rural commune.
    Thon,
    /// Tổ dân phố: of a ward or a township.
    ToDanPho,
    /// Khu dân cư: a residential cluster named as such.
    KhuDanCu,
}

impl VillageType {
    pub const ALL: [VillageType; 3] = [
        VillageType::Thon,
        VillageType::ToDanPho,
        VillageType::KhuDanCu,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            VillageType::Thon => "thon",
            VillageType::ToDanPho => "to_dan_pho",
            VillageType::KhuDanCu => "khu_dan_cu",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            VillageType::Thon => "Thôn",
            VillageType::ToDanPho => "Tổ dân phố",
            VillageType::KhuDanCu => "Khu dân cư",
        }
    }
    /// Reads the stored code or what a person types in a sheet ("Thôn", "tổ dân phố",
    /// "TDP", "xóm", "KDC"), with or without diacritics.
    pub fn parse(text: &str) -> Option<Self> {
        let key = crate::text::search_key(text).replace(['_', '-'], " ");
        match key.as_str() {
            "thon" | "xom" | "ban" | "lang" => Some(VillageType::Thon),
            "to dan pho" | "tdp" | "to" | "khoi" | "khoi pho" => Some(VillageType::ToDanPho),
            "khu dan cu" | "kdc" | "khu" => Some(VillageType::KhuDanCu),
            _ => None,
        }
    }
}

/// A village as registered by its commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Village {
    /// 0 for one not stored yet.
    pub id: i64,
    /// The commune it was registered in (it follows that commune's mergers).
    pub commune: UnitId,
    /// The commune's own code for it, unique in the commune ("01", "TDP3").
    pub code: String,
    pub name: String,
    pub kind: VillageType,
    pub from: NaiveDate,
    /// The last day it existed, when it was merged into another or dissolved.
    pub to: Option<NaiveDate>,
    /// The village that took it over (a merger of villages), when `to` is set.
    pub successor: Option<i64>,
    pub note: String,
    /// Made up for the demo; labelled wherever shown.
    pub illustrative: bool,
}

impl Village {
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }

    /// The commune the village belongs to on `day`: its own while that commune exists,
    /// then the one that took its commune over by a merger (followed as far as it goes).
    /// `None` when its commune was split (a part went elsewhere: the commune must say
    /// where the village went) or the registry does not know the commune.
    pub fn commune_on(&self, registry: &UnitRegistry, day: NaiveDate) -> Option<UnitId> {
        crate::unit::followed_on(registry, &self.commune, day)
    }
}

/// A household's garden registered in a village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Garden {
    pub id: i64,
    pub village: i64,
    /// The head of household (chủ hộ) who keeps it.
    pub household: String,
    /// Square metres, as declared.
    pub area_m2: Option<rust_decimal::Decimal>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub note: String,
    pub illustrative: bool,
}

impl Garden {
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }
}

/// What a title is given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Village(i64),
    Garden(i64),
}

impl Subject {
    pub fn kind(self) -> &'static str {
        match self {
            Subject::Village(_) => "village",
            Subject::Garden(_) => "garden",
        }
    }
    pub fn id(self) -> i64 {
        match self {
            Subject::Village(i) | Subject::Garden(i) => i,
        }
    }
    pub fn parse(kind: &str, id: i64) -> Option<Self> {
        match kind {
            "village" => Some(Subject::Village(id)),
            "garden" => Some(Subject::Garden(id)),
            _ => None,
        }
    }
    /// The title's name: "khu dân cư nông thôn mới kiểu mẫu" or "vườn mẫu".
    pub fn title_vi(self) -> &'static str {
        match self {
            Subject::Village(_) => "khu dân cư nông thôn mới kiểu mẫu",
            Subject::Garden(_) => "vườn mẫu",
        }
    }
}

/// Who signs a title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Body {
    /// Chủ tịch UBND xã.
    Commune,
    /// Chủ tịch UBND huyện (until the reform).
    District,
}

impl Body {
    pub fn as_str(self) -> &'static str {
        match self {
            Body::Commune => "commune",
            Body::District => "district",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match crate::text::search_key(text).as_str() {
            "commune" | "xa" | "ubnd xa" | "cap xa" => Some(Body::Commune),
            "district" | "huyen" | "ubnd huyen" | "cap huyen" => Some(Body::District),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Body::Commune => "UBND xã",
            Body::District => "UBND huyện",
        }
    }
}

/// The rule of who may sign, stated where titles are entered.
pub const BODY_RULE: &str = "Vườn mẫu do UBND xã công nhận. Khu dân cư kiểu mẫu: nguồn lưu trữ \
    chưa ghi rõ cấp công nhận giai đoạn 2021-2025, nên ntm nhận quyết định của UBND huyện hoặc \
    UBND xã ký trước ngày 01/7/2025, và của UBND xã từ ngày đó (không còn cấp huyện).";

/// The bodies that may sign a title of `subject`'s kind on `day` (see [`BODY_RULE`]).
pub fn bodies_on(subject: Subject, day: NaiveDate) -> &'static [Body] {
    let (y, m, d) = DISTRICTS_END;
    let districts = day < NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
    match subject {
        Subject::Garden(_) => &[Body::Commune],
        Subject::Village(_) if districts => &[Body::District, Body::Commune],
        Subject::Village(_) => &[Body::Commune],
    }
}

/// A title withdrawn, with its grounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub on: NaiveDate,
    pub number: String,
    pub reason: String,
}

/// A title: a village recognised as a model residential area, or a garden as a model
/// garden, for a year, by a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    pub id: i64,
    pub subject: Subject,
    /// The year the subject reached the standard (the decision may be signed later).
    pub year: i32,
    pub number: String,
    pub signed_on: NaiveDate,
    pub body: Body,
    pub withdrawn: Option<Withdrawal>,
    pub note: String,
    pub illustrative: bool,
}

impl Title {
    /// Whether the title stood at the end of `day`.
    pub fn held_on(&self, day: NaiveDate) -> bool {
        self.signed_on <= day && self.withdrawn.as_ref().is_none_or(|w| w.on > day)
    }

    /// "QĐ 12/QĐ-UBND ngày 20/12/2022 của UBND xã (năm 2022)".
    pub fn describe_vi(&self) -> String {
        format!(
            "QĐ {} ngày {} của {} (năm {})",
            self.number,
            self.signed_on.format("%d/%m/%Y"),
            self.body.label_vi(),
            self.year
        )
    }
}

/// Why a title cannot be recorded, in Vietnamese.
pub fn check_title(
    title: &Title,
    subject_from: NaiveDate,
    subject_to: Option<NaiveDate>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if title.number.trim().is_empty() {
        problems.push("thiếu số quyết định".to_owned());
    }
    if !bodies_on(title.subject, title.signed_on).contains(&title.body) {
        problems.push(format!(
            "{} không phải cấp công nhận {} vào ngày {}: {BODY_RULE}",
            title.body.label_vi(),
            title.subject.title_vi(),
            title.signed_on.format("%d/%m/%Y")
        ));
    }
    if title.year > title.signed_on.year() {
        problems.push(format!(
            "năm đạt chuẩn {} sau năm ký quyết định {}",
            title.year,
            title.signed_on.year()
        ));
    }
    if title.signed_on < subject_from || subject_to.is_some_and(|t| title.signed_on > t) {
        problems.push(format!(
            "quyết định ngày {} không nằm trong thời gian tồn tại của {}",
            title.signed_on.format("%d/%m/%Y"),
            match title.subject {
                Subject::Village(_) => "thôn",
                Subject::Garden(_) => "vườn",
            }
        ));
    }
    if let Some(w) = &title.withdrawn {
        if w.on < title.signed_on {
            problems.push("ngày thu hồi trước ngày công nhận".to_owned());
        }
        if w.reason.trim().is_empty() || w.number.trim().is_empty() {
            problems.push("thu hồi cần số quyết định và lý do".to_owned());
        }
    }
    problems
}

/// The rule a model-area count follows, stated on the target's page.
pub const COUNT_RULE: &str = "Mỗi thôn được tính một lần: thôn có quyết định công nhận khu dân cư \
    kiểu mẫu còn hiệu lực, trong kỳ (theo cách tính năm của chỉ tiêu), thuộc phạm vi theo xã của \
    thôn vào ngày ký quyết định. Thôn đã sáp nhập vào thôn khác vẫn được tính cho năm được công \
    nhận.";

/// The villages of `villages` counted for a model-area target of `scope` over `period`
/// (see [`COUNT_RULE`]), each with the title that counts it, in the order of `titles`.
/// `in_scope(commune, year)` says whether a commune of that year lies in the scope.
pub fn counted_model_areas<'a>(
    registry: &UnitRegistry,
    villages: &'a [Village],
    titles: &'a [Title],
    (period, by): (PlanPeriod, CountBy),
    on: NaiveDate,
    in_scope: impl Fn(&UnitId, i32) -> bool,
) -> Vec<(&'a Village, &'a Title)> {
    let mut out: Vec<(&Village, &Title)> = Vec::new();
    for t in titles {
        let Subject::Village(vid) = t.subject else {
            continue;
        };
        if !t.held_on(on) || !counts_in(period, by, t.year, t.signed_on) {
            continue;
        }
        let Some(v) = villages.iter().find(|v| v.id == vid) else {
            continue;
        };
        if out.iter().any(|(c, _)| c.id == v.id) {
            continue;
        }
        let Some(commune) = v.commune_on(registry, t.signed_on) else {
            continue;
        };
        if in_scope(&commune, t.signed_on.year()) {
            out.push((v, t));
        }
    }
    out
}

/// Problems of a village list as a whole, in Vietnamese: a code twice in one commune, a
/// successor that does not exist or is itself, an end before a start.
pub fn check_villages(villages: &[Village]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for v in villages {
        let label = format!("thôn {} ({}, xã {})", v.name, v.code, v.commune.code());
        if v.code.trim().is_empty() {
            problems.push(format!("{label}: thiếu mã thôn"));
        }
        if v.name.trim().is_empty() {
            problems.push(format!("{label}: thiếu tên thôn"));
        }
        if !seen.insert((v.commune.clone(), v.code.trim().to_lowercase())) {
            problems.push(format!("{label}: mã thôn trùng trong cùng xã"));
        }
        if v.to.is_some_and(|t| t < v.from) {
            problems.push(format!("{label}: ngày kết thúc trước ngày bắt đầu"));
        }
        if let Some(s) = v.successor {
            if v.to.is_none() {
                problems.push(format!(
                    "{label}: có thôn tiếp nhận nhưng chưa có ngày kết thúc"
                ));
            }
            if s == v.id {
                problems.push(format!("{label}: thôn tiếp nhận là chính nó"));
            }
        }
    }
    problems
}

/// The count a model-area target's year can be judged on: the villages registered in
/// `communes` (the communes of the scope that year), and how many of those communes have
/// any registered. A count over a register that covers only some communes is shown with
/// its coverage and is not judged (see the targets' status rule).
pub fn coverage(
    villages: &[Village],
    communes: &[UnitId],
    registry: &UnitRegistry,
    day: NaiveDate,
) -> (usize, usize) {
    let covered = communes
        .iter()
        .filter(|c| {
            villages
                .iter()
                .any(|v| v.exists_on(day) && v.commune_on(registry, day).as_ref() == Some(*c))
        })
        .count();
    (covered, communes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{LineageEdge, LineageKind, Unit, UnitType, UnitVersion};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn unit(
        code: &str,
        from: NaiveDate,
        to: Option<NaiveDate>,
        ty: UnitType,
        parent: Option<&UnitId>,
    ) -> Unit {
        Unit {
            id: UnitId::new(code, from),
            code: code.into(),
            level: ty.level(),
            versions: vec![UnitVersion {
                name: format!("Đơn vị {code}"),
                unit_type: ty,
                parent: parent.cloned(),
                valid: crate::unit::Period { from, to },
            }],
            source: String::new(),
        }
    }

    /// A province, district D with communes A and B merged into C on 1/7/2025, and
    /// commune S split on the same day.
    fn registry() -> UnitRegistry {
        let p = unit("42", d(2020, 1, 1), None, UnitType::Province, None);
        let dist = unit(
            "447",
            d(2020, 1, 1),
            Some(d(2025, 6, 30)),
            UnitType::District,
            Some(&p.id),
        );
        let a = unit(
            "18850",
            d(2020, 1, 1),
            Some(d(2025, 6, 30)),
            UnitType::Commune,
            Some(&dist.id),
        );
        let b = unit(
            "18851",
            d(2020, 1, 1),
            Some(d(2025, 6, 30)),
            UnitType::Commune,
            Some(&dist.id),
        );
        let s = unit(
            "18852",
            d(2020, 1, 1),
            Some(d(2025, 6, 30)),
            UnitType::Commune,
            Some(&dist.id),
        );
        let c = unit("18900", d(2025, 7, 1), None, UnitType::Commune, Some(&p.id));
        let c2 = unit("18901", d(2025, 7, 1), None, UnitType::Commune, Some(&p.id));
        let edge = |from: &Unit, to: &Unit, kind| LineageEdge {
            from: from.id.clone(),
            to: to.id.clone(),
            effective: d(2025, 7, 1),
            kind,
            basis: "official".into(),
        };
        let edges = vec![
            edge(&a, &c, LineageKind::Merged),
            edge(&b, &c, LineageKind::Merged),
            edge(&s, &c, LineageKind::Split),
            edge(&s, &c2, LineageKind::Split),
        ];
        UnitRegistry::build(vec![p, dist, a, b, s, c, c2], edges, vec![]).unwrap()
    }

    fn village(id: i64, commune: &str, code: &str) -> Village {
        Village {
            id,
            commune: UnitId::new(commune, d(2020, 1, 1)),
            code: code.into(),
            name: format!("Thôn {code}"),
            kind: VillageType::Thon,
            from: d(2020, 1, 1),
            to: None,
            successor: None,
            note: String::new(),
            illustrative: false,
        }
    }

    fn title(id: i64, village: i64, year: i32, signed: NaiveDate, body: Body) -> Title {
        Title {
            id,
            subject: Subject::Village(village),
            year,
            number: format!("{id}/QĐ-UBND"),
            signed_on: signed,
            body,
            withdrawn: None,
            note: String::new(),
            illustrative: false,
        }
    }

    #[test]
    fn a_village_follows_its_commune_through_a_merger_but_not_a_split() {
        let r = registry();
        let merged = village(1, "18850", "01");
        let split = village(2, "18852", "01");
        assert_eq!(
            merged.commune_on(&r, d(2024, 5, 1)).unwrap().code(),
            "18850"
        );
        assert_eq!(
            merged.commune_on(&r, d(2026, 5, 1)).unwrap().code(),
            "18900"
        );
        assert_eq!(split.commune_on(&r, d(2024, 5, 1)).unwrap().code(), "18852");
        assert_eq!(split.commune_on(&r, d(2026, 5, 1)), None);
    }

    #[test]
    fn village_types_read_what_people_type() {
        for (text, want) in [
            ("Thôn", Some(VillageType::Thon)),
            ("xóm", Some(VillageType::Thon)),
            ("Tổ dân phố", Some(VillageType::ToDanPho)),
            ("TDP", Some(VillageType::ToDanPho)),
            ("to_dan_pho", Some(VillageType::ToDanPho)),
            ("khu dan cu", Some(VillageType::KhuDanCu)),
            ("phường", None),
            ("", None),
        ] {
            assert_eq!(VillageType::parse(text), want, "{text:?}");
        }
        for t in VillageType::ALL {
            assert_eq!(VillageType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn who_may_sign_changes_with_the_reform() {
        let v = Subject::Village(1);
        let g = Subject::Garden(1);
        assert_eq!(
            bodies_on(v, d(2025, 6, 30)),
            &[Body::District, Body::Commune]
        );
        assert_eq!(bodies_on(v, d(2025, 7, 1)), &[Body::Commune]);
        assert_eq!(bodies_on(g, d(2022, 1, 1)), &[Body::Commune]);
        let mut t = title(1, 1, 2025, d(2025, 8, 1), Body::District);
        let p = check_title(&t, d(2020, 1, 1), None);
        assert!(
            p.iter().any(|x| x.contains("UBND huyện không phải cấp")),
            "{p:?}"
        );
        t.body = Body::Commune;
        assert!(check_title(&t, d(2020, 1, 1), None).is_empty());
    }

    #[test]
    fn a_title_is_checked_against_its_subject_and_its_dates() {
        type Change = Box<dyn Fn(&mut Title)>;
        let cases: Vec<(&str, Change, Option<NaiveDate>, &str)> = vec![
            (
                "no number",
                Box::new(|t| t.number = " ".into()),
                None,
                "thiếu số",
            ),
            (
                "year after signing",
                Box::new(|t| t.year = 2024),
                None,
                "sau năm ký",
            ),
            (
                "after the village ended",
                Box::new(|_| {}),
                Some(d(2022, 1, 1)),
                "không nằm trong",
            ),
            (
                "withdrawn before given",
                Box::new(|t| {
                    t.withdrawn = Some(Withdrawal {
                        on: d(2021, 1, 1),
                        number: "1/QĐ".into(),
                        reason: "x".into(),
                    })
                }),
                None,
                "trước ngày công nhận",
            ),
            (
                "withdrawn without grounds",
                Box::new(|t| {
                    t.withdrawn = Some(Withdrawal {
                        on: d(2024, 1, 1),
                        number: "1/QĐ".into(),
                        reason: " ".into(),
                    })
                }),
                None,
                "lý do",
            ),
        ];
        for (name, change, to, want) in cases {
            let mut t = title(1, 1, 2023, d(2023, 12, 20), Body::District);
            change(&mut t);
            let p = check_title(&t, d(2020, 1, 1), to);
            assert!(p.iter().any(|x| x.contains(want)), "{name}: {p:?}");
        }
    }

    #[test]
    fn model_areas_are_counted_once_in_their_scope_and_year() {
        let r = registry();
        let villages = vec![
            village(1, "18850", "01"),
            village(2, "18851", "01"),
            village(3, "18850", "02"),
        ];
        let mut withdrawn = title(4, 3, 2022, d(2022, 12, 1), Body::District);
        withdrawn.withdrawn = Some(Withdrawal {
            on: d(2023, 3, 1),
            number: "9/QĐ".into(),
            reason: "không duy trì".into(),
        });
        let titles = vec![
            title(1, 1, 2022, d(2022, 12, 20), Body::District),
            // Twice for the same village: counted once.
            title(2, 1, 2022, d(2022, 12, 21), Body::Commune),
            // Standard 2022, signed 2023.
            title(3, 2, 2022, d(2023, 1, 10), Body::District),
            withdrawn,
        ];
        let only_a = |c: &UnitId, _y: i32| c.code() == "18850";
        let all = |_: &UnitId, _: i32| true;
        let y2022 = PlanPeriod::Year(2022);
        let ids =
            |v: Vec<(&Village, &Title)>| v.iter().map(|(v, t)| (v.id, t.id)).collect::<Vec<_>>();
        let end = d(2022, 12, 31);
        assert_eq!(
            ids(counted_model_areas(
                &r,
                &villages,
                &titles,
                (y2022, CountBy::StandardYear),
                end,
                all
            )),
            vec![(1, 1), (3, 4)]
        );
        // Seen a year later: the late decision counts for 2022, the withdrawn title no more.
        let later = d(2023, 12, 31);
        assert_eq!(
            ids(counted_model_areas(
                &r,
                &villages,
                &titles,
                (y2022, CountBy::StandardYear),
                later,
                all
            )),
            vec![(1, 1), (2, 3)]
        );
        assert_eq!(
            ids(counted_model_areas(
                &r,
                &villages,
                &titles,
                (y2022, CountBy::DecisionYear),
                later,
                all
            )),
            vec![(1, 1)]
        );
        assert_eq!(
            ids(counted_model_areas(
                &r,
                &villages,
                &titles,
                (y2022, CountBy::StandardYear),
                later,
                only_a
            )),
            vec![(1, 1)]
        );
    }

    #[test]
    fn a_village_list_refuses_duplicates_and_impossible_histories() {
        let mut a = village(1, "18850", "01");
        let b = village(2, "18850", " 01 ");
        let mut c = village(3, "18851", "01");
        c.successor = Some(3);
        a.to = Some(d(2019, 1, 1));
        let p = check_villages(&[a, b, c]);
        assert!(p.iter().any(|x| x.contains("trùng")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("trước ngày bắt đầu")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("chính nó")), "{p:?}");
        assert!(
            p.iter().any(|x| x.contains("chưa có ngày kết thúc")),
            "{p:?}"
        );
        // A village of the same code in another commune is fine.
        assert!(check_villages(&[village(1, "18850", "01"), village(2, "18851", "01")]).is_empty());
    }

    #[test]
    fn coverage_counts_the_communes_with_a_register() {
        let r = registry();
        let villages = vec![village(1, "18850", "01"), village(2, "18850", "02")];
        let communes = vec![
            UnitId::new("18850", d(2020, 1, 1)),
            UnitId::new("18851", d(2020, 1, 1)),
        ];
        assert_eq!(coverage(&villages, &communes, &r, d(2022, 12, 31)), (1, 2));
        // After the merger the villages of A are C's.
        let after = vec![UnitId::new("18900", d(2025, 7, 1))];
        assert_eq!(coverage(&villages, &after, &r, d(2026, 12, 31)), (1, 1));
    }
}
