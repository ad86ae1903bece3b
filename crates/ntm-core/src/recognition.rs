//! Recognition (công nhận) of a unit's level: the steps of a dossier (hồ sơ) under Decision
//! 18/2022/QĐ-TTg, who takes each, what must be answered before it, the send-backs with
//! their reasons (kept, never overwritten), the decision and its withdrawal; and the level
//! a commune formed by merger inherits until it is recognised again.
//!
//! The step list follows `shared/reference/ntm/recognition-2021-2025.yaml` (medium
//! confidence: the exact steps and deadlines of 18/2022 were not read in full). The
//! residents' satisfaction rate a commune needs was not found: it is a setting with its
//! source, and while it is unset no dossier passes appraisal — the page says why.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::criteria::Level;

/// The steps of a dossier, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Đăng ký phấn đấu: the commune is on the year's list.
    Registered,
    /// Tự đánh giá: the commune assesses every criterion.
    SelfAssessed,
    /// Công khai, lấy ý kiến: public disclosure and the residents' satisfaction survey.
    Consulted,
    /// Hoàn thiện hồ sơ, trình thẩm tra: the dossier goes to the verifier.
    Submitted,
    /// Thẩm tra: verification of the dossier and on the ground.
    Verified,
    /// Thẩm định: appraisal by the province.
    Appraised,
    /// Hội đồng thẩm định bỏ phiếu: the council votes.
    Voted,
    /// Quyết định công nhận: the decision (number, date, signer).
    Decided,
    /// Công bố: the announcement.
    Announced,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Registered,
        Step::SelfAssessed,
        Step::Consulted,
        Step::Submitted,
        Step::Verified,
        Step::Appraised,
        Step::Voted,
        Step::Decided,
        Step::Announced,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            Step::Registered => "đăng ký phấn đấu",
            Step::SelfAssessed => "tự đánh giá",
            Step::Consulted => "công khai, lấy ý kiến nhân dân",
            Step::Submitted => "trình thẩm tra",
            Step::Verified => "thẩm tra",
            Step::Appraised => "thẩm định",
            Step::Voted => "hội đồng bỏ phiếu",
            Step::Decided => "quyết định công nhận",
            Step::Announced => "công bố",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Registered => "registered",
            Step::SelfAssessed => "self_assessed",
            Step::Consulted => "consulted",
            Step::Submitted => "submitted",
            Step::Verified => "verified",
            Step::Appraised => "appraised",
            Step::Voted => "voted",
            Step::Decided => "decided",
            Step::Announced => "announced",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Step::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The step after this one.
    pub fn next(self) -> Option<Step> {
        let i = Step::ALL.iter().position(|s| *s == self)?;
        Step::ALL.get(i + 1).copied()
    }
}

/// The tier of government that takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Commune,
    District,
    Province,
    /// The central inter-agency team and the Prime Minister, who appraise and recognise
    /// districts and provinces; ntm records their steps through the province's office.
    Central,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Commune => "commune",
            Tier::District => "district",
            Tier::Province => "province",
            Tier::Central => "central",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Tier::Commune, Tier::District, Tier::Province, Tier::Central]
            .into_iter()
            .find(|t| t.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Tier::Commune => "cấp xã",
            Tier::District => "cấp huyện",
            Tier::Province => "cấp tỉnh",
            Tier::Central => "trung ương",
        }
    }
}

/// Who verifies and announces a commune's dossier: its district while districts exist,
/// the province after the 2025 reform abolished them.
pub fn verifier(has_district: bool) -> Tier {
    if has_district {
        Tier::District
    } else {
        Tier::Province
    }
}

/// The tier that takes `step` of a commune's dossier, given who verifies it.
pub fn taken_by(step: Step, verifier: Tier) -> Tier {
    taken_by_for(Tier::Commune, step, verifier)
}

/// Who verifies a dossier for a unit of tier `subject`: a commune's district (before the
/// reform) or province, a district's province, a province's central team.
pub fn verifier_of(subject: Tier, has_district: bool) -> Tier {
    match subject {
        Tier::Commune => verifier(has_district),
        Tier::District => Tier::Province,
        Tier::Province | Tier::Central => Tier::Central,
    }
}

/// The tier that takes `step` of a dossier for a unit of tier `subject`: the unit itself
/// prepares it; a commune is appraised and decided by the province, a district or a
/// province by the central team and the Prime Minister (18/2022); the unit's own tier
/// above announces a district's title, the province its own.
pub fn taken_by_for(subject: Tier, step: Step, verifier: Tier) -> Tier {
    match (subject, step) {
        (_, Step::Registered | Step::SelfAssessed | Step::Consulted | Step::Submitted) => subject,
        (Tier::Commune, Step::Verified | Step::Announced) => verifier,
        (Tier::Commune, _) => Tier::Province,
        (_, Step::Verified) => verifier,
        (Tier::District, Step::Announced) => Tier::Province,
        (_, Step::Announced) => subject,
        (_, _) => Tier::Central,
    }
}

/// The conditions of recognition besides the criteria (18/2022, conditions C2-C4), each
/// unanswered until the commune states it with its evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Residents satisfied with the commune's results, in percent, from the survey.
    pub satisfaction_pct: Option<Decimal>,
    /// No outstanding capital-construction debt under the programme.
    pub no_construction_debt: Option<bool>,
    /// Not classed as a security and order hot spot.
    pub not_security_hot_spot: Option<bool>,
}

/// The satisfaction rate a commune needs, with the act it comes from; `None` while the
/// office has not set it (the rate of 18/2022 for communes was not found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatisfactionRule {
    pub min_pct: Decimal,
    pub source: String,
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecognitionError {
    #[error("hồ sơ đang ở bước “{}”: bước tiếp theo là “{}”, không phải “{}”", .at.label_vi(), .next.map_or("(đã xong)", Step::label_vi), .wanted.label_vi())]
    OutOfOrder {
        at: Step,
        next: Option<Step>,
        wanted: Step,
    },
    #[error("bước “{}” do {} thực hiện, không phải {}", .step.label_vi(), .needs.label_vi(), .by.label_vi())]
    WrongTier { step: Step, needs: Tier, by: Tier },
    #[error("chưa đủ điều kiện để “{}”: {}", .step.label_vi(), .missing.join("; "))]
    Conditions { step: Step, missing: Vec<String> },
    #[error("ngày {on} sớm hơn bước trước ({last})")]
    Backdated { on: NaiveDate, last: NaiveDate },
    #[error("quyết định cần số hiệu, ngày ký và người ký")]
    DecisionIncomplete,
    #[error("trả lại cần lý do")]
    NoReason,
    #[error("chỉ trả lại về một bước trước bước đang xét")]
    SendBackForward,
    #[error("hồ sơ đã có quyết định công nhận; muốn thôi công nhận thì thu hồi quyết định")]
    AlreadyDecided,
    #[error("chỉ thu hồi được danh hiệu đã có quyết định công nhận")]
    NothingToWithdraw,
    #[error("danh hiệu đã bị thu hồi")]
    Withdrawn,
}

/// The decision that recognises (or withdraws).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// "1337/QĐ-UBND".
    pub number: String,
    pub signed_on: NaiveDate,
    /// "Chủ tịch UBND tỉnh".
    pub signer: String,
}

impl Decision {
    fn is_complete(&self) -> bool {
        !self.number.trim().is_empty() && !self.signer.trim().is_empty()
    }

    /// The decision in words for the title of `year`: "QĐ 1337/QĐ-UBND ngày 01/07/2022,
    /// năm công nhận 2022"; one whose number the sources lack says so and sends the reader
    /// to the dossier's note (its date may be a bound, not the day it was signed).
    pub fn describe_vi(&self, year: i32) -> String {
        format!(
            "{} ngày {}, năm công nhận {year}",
            if self.number.is_empty() {
                "quyết định (chưa rõ số và có thể cả ngày: xem ghi chú hồ sơ)".to_owned()
            } else {
                format!("QĐ {}", self.number)
            },
            self.signed_on.format("%d/%m/%Y"),
        )
    }
}

/// One entry of a dossier's history: a step taken, a send-back or a withdrawal. Entries
/// are only added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Took {
        step: Step,
        on: NaiveDate,
        by: Tier,
        note: String,
    },
    SentBack {
        from: Step,
        to: Step,
        on: NaiveDate,
        by: Tier,
        reason: String,
    },
    Withdrew {
        decision: Decision,
        grounds: String,
    },
}

impl Entry {
    pub fn on(&self) -> NaiveDate {
        match self {
            Entry::Took { on, .. } | Entry::SentBack { on, .. } => *on,
            Entry::Withdrew { decision, .. } => decision.signed_on,
        }
    }
}

/// A dossier for recognising one unit at one level for one year (the year of the
/// standard, which a decision may sign later: Hương Sơn "đạt chuẩn năm 2020" by a decision
/// of 27/4/2022).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    /// The tier of the unit recognised: a commune, a district or the province.
    pub subject: Tier,
    pub level: Level,
    pub year: i32,
    /// Who verifies and announces (see [`verifier`]).
    pub verifier: Tier,
    pub conditions: Conditions,
    pub council: Option<(u32, u32)>,
    pub decision: Option<Decision>,
    pub history: Vec<Entry>,
}

impl Dossier {
    /// A dossier registered on `on` (by the commune, or put on the year's list by the
    /// tier above it: `by`).
    pub fn register(level: Level, year: i32, verifier: Tier, on: NaiveDate) -> Self {
        Self::register_by(level, year, verifier, on, Tier::Commune)
    }

    /// [`Dossier::register`] by another tier.
    pub fn register_by(level: Level, year: i32, verifier: Tier, on: NaiveDate, by: Tier) -> Self {
        Dossier {
            subject: Tier::Commune,
            level,
            year,
            verifier,
            conditions: Conditions::default(),
            council: None,
            decision: None,
            history: vec![Entry::Took {
                step: Step::Registered,
                on,
                by,
                note: String::new(),
            }],
        }
    }

    /// A title recorded from a decision already signed (a decision of before ntm, or one
    /// that recognised many communes at once): its history holds the decision step only,
    /// taken by the province on the day it was signed.
    pub fn recorded(
        level: Level,
        year: i32,
        verifier: Tier,
        decision: Decision,
        note: &str,
    ) -> Self {
        Self::recorded_for(Tier::Commune, level, year, decision, note, verifier)
    }

    /// [`Dossier::recorded`] for a unit of tier `subject` (a district recognised by the
    /// Prime Minister): the decision step is taken by whoever decides for that tier.
    pub fn recorded_for(
        subject: Tier,
        level: Level,
        year: i32,
        decision: Decision,
        note: &str,
        verifier: Tier,
    ) -> Self {
        Dossier {
            subject,
            level,
            year,
            verifier,
            conditions: Conditions::default(),
            council: None,
            history: vec![Entry::Took {
                step: Step::Decided,
                on: decision.signed_on,
                by: taken_by_for(subject, Step::Decided, verifier),
                note: note.trim().to_owned(),
            }],
            decision: Some(decision),
        }
    }

    /// The tier that takes `step` of this dossier.
    pub fn taken_by(&self, step: Step) -> Tier {
        taken_by_for(self.subject, step, self.verifier)
    }

    /// The step the dossier has reached: the last taken, or the one a send-back returned
    /// it to.
    pub fn stage(&self) -> Step {
        self.history
            .iter()
            .rev()
            .find_map(|e| match e {
                Entry::Took { step, .. } => Some(*step),
                Entry::SentBack { to, .. } => Some(*to),
                Entry::Withdrew { .. } => None,
            })
            .unwrap_or(Step::Registered)
    }

    pub fn is_withdrawn(&self) -> bool {
        self.history
            .iter()
            .any(|e| matches!(e, Entry::Withdrew { .. }))
    }

    /// Whether the unit holds the title: decided and not withdrawn.
    pub fn is_recognised(&self) -> bool {
        self.stage() >= Step::Decided && !self.is_withdrawn()
    }

    /// The dossier as it stood at the end of `day`: its entries of that day or before.
    pub fn as_of(&self, day: NaiveDate) -> Dossier {
        let mut d = self.clone();
        d.history.retain(|e| e.on() <= day);
        if d.history.iter().all(|e| {
            !matches!(
                e,
                Entry::Took {
                    step: Step::Decided,
                    ..
                }
            )
        }) {
            d.decision = None;
        }
        d
    }

    /// The day of the last entry: a dossier's age is counted from it.
    pub fn last_moved(&self) -> Option<NaiveDate> {
        self.history.last().map(Entry::on)
    }

    /// The send-backs, oldest first, with their reasons.
    pub fn send_backs(&self) -> impl Iterator<Item = &Entry> {
        self.history
            .iter()
            .filter(|e| matches!(e, Entry::SentBack { .. }))
    }

    /// What still blocks `step`, in words; empty when nothing does. Each condition is
    /// judged at the step it guards — the answers at submission (they are fixed from then
    /// on), the rate at appraisal, the vote at the decision — so a title recorded from a
    /// decision can still be announced.
    pub fn missing_for(&self, step: Step, rule: Option<&SatisfactionRule>) -> Vec<String> {
        let c = &self.conditions;
        let mut missing = Vec::new();
        if step == Step::Submitted {
            match c.satisfaction_pct {
                None => {
                    missing.push("chưa ghi tỷ lệ người dân hài lòng (kết quả lấy ý kiến)".into())
                }
                Some(p) if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&p) => {
                    missing.push(format!("tỷ lệ hài lòng {p}% không hợp lệ"));
                }
                Some(_) => {}
            }
            match c.no_construction_debt {
                None => missing.push("chưa trả lời: không có nợ đọng xây dựng cơ bản".into()),
                Some(false) => missing.push("còn nợ đọng xây dựng cơ bản".into()),
                Some(true) => {}
            }
            match c.not_security_hot_spot {
                None => missing
                    .push("chưa trả lời: không phải địa bàn phức tạp về an ninh, trật tự".into()),
                Some(false) => missing.push("là địa bàn phức tạp về an ninh, trật tự".into()),
                Some(true) => {}
            }
        }
        if step == Step::Appraised {
            match (rule, c.satisfaction_pct) {
                (None, _) => missing.push(
                    "tỷ lệ hài lòng cần đạt chưa được cấu hình (chưa tìm thấy mức của 18/2022/QĐ-TTg)"
                        .into(),
                ),
                (Some(r), Some(p)) if p < r.min_pct => missing.push(format!(
                    "tỷ lệ hài lòng {}% thấp hơn mức {}% ({})",
                    p.normalize(),
                    r.min_pct.normalize(),
                    r.source
                )),
                _ => {}
            }
        }
        if step == Step::Decided {
            match self.council {
                None => missing.push("chưa có kết quả bỏ phiếu của hội đồng".into()),
                Some((yes, no)) if yes <= no => {
                    missing.push(format!(
                        "hội đồng không tán thành ({yes} tán thành, {no} không)"
                    ));
                }
                Some(_) => {}
            }
        }
        missing
    }

    fn check_date(&self, on: NaiveDate) -> Result<(), RecognitionError> {
        match self.last_moved() {
            Some(last) if on < last => Err(RecognitionError::Backdated { on, last }),
            _ => Ok(()),
        }
    }

    /// Takes the next step; refused, with the reason, when it is not the next one, not
    /// this tier's, predates the last entry, or a condition is unanswered or unmet.
    pub fn take(
        &mut self,
        step: Step,
        by: Tier,
        on: NaiveDate,
        note: &str,
        rule: Option<&SatisfactionRule>,
    ) -> Result<(), RecognitionError> {
        if self.is_withdrawn() {
            return Err(RecognitionError::Withdrawn);
        }
        let at = self.stage();
        if at.next() != Some(step) {
            return Err(RecognitionError::OutOfOrder {
                at,
                next: at.next(),
                wanted: step,
            });
        }
        let needs = self.taken_by(step);
        if by != needs {
            return Err(RecognitionError::WrongTier { step, needs, by });
        }
        self.check_date(on)?;
        let missing = self.missing_for(step, rule);
        if !missing.is_empty() {
            return Err(RecognitionError::Conditions { step, missing });
        }
        if step == Step::Decided && !self.decision.as_ref().is_some_and(Decision::is_complete) {
            return Err(RecognitionError::DecisionIncomplete);
        }
        self.history.push(Entry::Took {
            step,
            on,
            by,
            note: note.trim().to_owned(),
        });
        Ok(())
    }

    /// Sends the dossier back to an earlier step with a reason, by the tier whose step
    /// comes next (the reviewer); the history keeps every send-back.
    pub fn send_back(
        &mut self,
        to: Step,
        by: Tier,
        on: NaiveDate,
        reason: &str,
    ) -> Result<(), RecognitionError> {
        if self.is_withdrawn() {
            return Err(RecognitionError::Withdrawn);
        }
        let at = self.stage();
        if at >= Step::Decided {
            return Err(RecognitionError::AlreadyDecided);
        }
        if to >= at {
            return Err(RecognitionError::SendBackForward);
        }
        let reviewing = at.next().unwrap_or(at);
        let needs = self.taken_by(reviewing);
        if by != needs {
            return Err(RecognitionError::WrongTier {
                step: reviewing,
                needs,
                by,
            });
        }
        if reason.trim().is_empty() {
            return Err(RecognitionError::NoReason);
        }
        self.check_date(on)?;
        self.history.push(Entry::SentBack {
            from: at,
            to,
            on,
            by,
            reason: reason.trim().to_owned(),
        });
        Ok(())
    }

    /// Withdraws a title by a decision of whoever decides it (the province for a
    /// commune), with its grounds.
    pub fn withdraw(
        &mut self,
        decision: Decision,
        grounds: &str,
        by: Tier,
    ) -> Result<(), RecognitionError> {
        if self.is_withdrawn() {
            return Err(RecognitionError::Withdrawn);
        }
        if self.stage() < Step::Decided {
            return Err(RecognitionError::NothingToWithdraw);
        }
        let needs = self.taken_by(Step::Decided);
        if by != needs {
            return Err(RecognitionError::WrongTier {
                step: Step::Decided,
                needs,
                by,
            });
        }
        if !decision.is_complete() {
            return Err(RecognitionError::DecisionIncomplete);
        }
        if grounds.trim().is_empty() {
            return Err(RecognitionError::NoReason);
        }
        self.check_date(decision.signed_on)?;
        self.history.push(Entry::Withdrew {
            decision,
            grounds: grounds.trim().to_owned(),
        });
        Ok(())
    }
}

/// How a commune formed by merger holds a title until it is recognised again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InheritRule {
    /// The lowest level among its predecessors (a predecessor without the title gives
    /// none): the practice reported after the 2019-2023 mergers.
    #[default]
    Lowest,
    /// Nothing: a commune formed by merger holds no title until it is recognised.
    Nothing,
}

impl InheritRule {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lowest" => Some(InheritRule::Lowest),
            "none" => Some(InheritRule::Nothing),
            _ => None,
        }
    }

    /// The rule as the pages state it.
    pub fn describe_vi(self) -> &'static str {
        match self {
            InheritRule::Lowest => {
                "xã hình thành do sáp nhập giữ mức thấp nhất trong các xã trước sáp nhập (xã trước sáp nhập chưa có danh hiệu thì xã mới chưa có), cho đến khi được công nhận lại"
            }
            InheritRule::Nothing => {
                "xã hình thành do sáp nhập chưa có danh hiệu cho đến khi được công nhận lại"
            }
        }
    }
}

impl fmt::Display for InheritRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe_vi())
    }
}

/// The level a merged commune holds from its predecessors' recognised levels.
pub fn inherited_level(predecessors: &[Level], rule: InheritRule) -> Level {
    match rule {
        InheritRule::Lowest => predecessors.iter().copied().min().unwrap_or(Level::None),
        InheritRule::Nothing => Level::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, 5, d).unwrap()
    }

    fn rule() -> SatisfactionRule {
        SatisfactionRule {
            min_pct: Decimal::from(90),
            source: "quy định của tỉnh (ví dụ trong kiểm thử)".into(),
        }
    }

    fn answered() -> Conditions {
        Conditions {
            satisfaction_pct: Some(Decimal::from(95)),
            no_construction_debt: Some(true),
            not_security_hot_spot: Some(true),
        }
    }

    /// A commune dossier before the reform (its district verifies), conditions answered,
    /// taken up to `last`.
    fn dossier_to(last: Step) -> Dossier {
        let mut d = Dossier::register(Level::Standard, 2022, verifier(true), day(1));
        d.conditions = answered();
        d.council = Some((9, 1));
        d.decision = Some(Decision {
            number: "1337/QĐ-UBND".into(),
            signed_on: day(20),
            signer: "Chủ tịch UBND tỉnh".into(),
        });
        let mut n = 2;
        let mut at = Step::Registered;
        while at < last {
            let next = at.next().unwrap();
            d.take(next, taken_by(next, d.verifier), day(n), "", Some(&rule()))
                .unwrap_or_else(|e| panic!("{next:?}: {e}"));
            n += 1;
            at = next;
        }
        d
    }

    #[test]
    fn each_step_is_taken_by_its_tier_before_and_after_the_reform() {
        let table = [
            (Step::SelfAssessed, true, Tier::Commune),
            (Step::Submitted, true, Tier::Commune),
            (Step::Verified, true, Tier::District),
            (Step::Verified, false, Tier::Province),
            (Step::Appraised, true, Tier::Province),
            (Step::Decided, false, Tier::Province),
            (Step::Announced, true, Tier::District),
            (Step::Announced, false, Tier::Province),
        ];
        for (step, has_district, tier) in table {
            assert_eq!(taken_by(step, verifier(has_district)), tier, "{step:?}");
        }
    }

    /// A district's dossier: prepared by the district, verified by the province,
    /// appraised and decided by the central tier (the Prime Minister), announced by the
    /// province; a title recorded from a Prime Minister's decision is the central tier's.
    #[test]
    fn a_district_is_recognised_by_the_central_tier() {
        let table = [
            (Step::Submitted, Tier::District),
            (Step::Verified, Tier::Province),
            (Step::Appraised, Tier::Central),
            (Step::Voted, Tier::Central),
            (Step::Decided, Tier::Central),
            (Step::Announced, Tier::Province),
        ];
        let v = verifier_of(Tier::District, false);
        assert_eq!(v, Tier::Province);
        for (step, tier) in table {
            assert_eq!(taken_by_for(Tier::District, step, v), tier, "{step:?}");
        }
        let mut d = Dossier::register_by(Level::Standard, 2021, v, day(1), Tier::District);
        d.subject = Tier::District;
        d.conditions = answered();
        for (k, step) in [
            Step::SelfAssessed,
            Step::Consulted,
            Step::Submitted,
            Step::Verified,
        ]
        .into_iter()
        .enumerate()
        {
            d.take(step, d.taken_by(step), day(2 + k as u32), "", Some(&rule()))
                .unwrap();
        }
        let e = d.take(Step::Appraised, Tier::Province, day(9), "", Some(&rule()));
        assert!(matches!(
            e,
            Err(RecognitionError::WrongTier {
                needs: Tier::Central,
                ..
            })
        ));
        d.take(Step::Appraised, Tier::Central, day(9), "", Some(&rule()))
            .unwrap();
        assert_eq!(d.stage(), Step::Appraised);
        assert!(!d.is_recognised(), "appraised is not recognised");

        let pm = Decision {
            number: "1044/QĐ-TTg".into(),
            signed_on: day(20),
            signer: "Thủ tướng Chính phủ".into(),
        };
        let mut r = Dossier::recorded_for(Tier::District, Level::Standard, 2021, pm.clone(), "", v);
        assert!(r.is_recognised());
        assert!(matches!(
            &r.history[0],
            Entry::Took {
                by: Tier::Central,
                ..
            }
        ));
        assert!(matches!(
            r.withdraw(pm.clone(), "lý do", Tier::Province),
            Err(RecognitionError::WrongTier {
                needs: Tier::Central,
                ..
            })
        ));
        r.withdraw(pm, "lý do", Tier::Central).unwrap();
        assert!(!r.is_recognised());
    }

    #[test]
    fn the_full_path_reaches_the_title_and_every_refusal_says_why() {
        let d = dossier_to(Step::Announced);
        assert!(d.is_recognised());
        assert_eq!(d.history.len(), Step::ALL.len());

        // Out of order, the wrong tier, backdated.
        let mut d = dossier_to(Step::Consulted);
        let e = d.take(Step::Verified, Tier::District, day(9), "", Some(&rule()));
        assert!(matches!(e, Err(RecognitionError::OutOfOrder { .. })));
        let e = d.take(Step::Submitted, Tier::Province, day(9), "", Some(&rule()));
        assert!(matches!(
            e,
            Err(RecognitionError::WrongTier {
                needs: Tier::Commune,
                ..
            })
        ));
        let e = d.take(Step::Submitted, Tier::Commune, day(1), "", Some(&rule()));
        assert!(matches!(e, Err(RecognitionError::Backdated { .. })));
        assert_eq!(d.stage(), Step::Consulted, "nothing taken by a refusal");
    }

    #[test]
    fn the_conditions_block_until_answered_and_met() {
        let mut d = Dossier::register(Level::Standard, 2022, Tier::District, day(1));
        d.take(Step::SelfAssessed, Tier::Commune, day(2), "", None)
            .unwrap();
        d.take(Step::Consulted, Tier::Commune, day(3), "", None)
            .unwrap();
        let Err(RecognitionError::Conditions { missing, .. }) =
            d.take(Step::Submitted, Tier::Commune, day(4), "", None)
        else {
            panic!("blocked")
        };
        assert_eq!(missing.len(), 3, "{missing:?}");
        d.conditions = Conditions {
            no_construction_debt: Some(false),
            ..answered()
        };
        let e = d.take(Step::Submitted, Tier::Commune, day(4), "", None);
        assert!(e.unwrap_err().to_string().contains("còn nợ đọng"));
        d.conditions = Conditions {
            satisfaction_pct: Some(Decimal::from(85)),
            ..answered()
        };
        d.take(Step::Submitted, Tier::Commune, day(4), "", None)
            .unwrap();
        d.take(Step::Verified, Tier::District, day(5), "", None)
            .unwrap();
        // The rate is judged at appraisal: unset, it blocks and says it is unset; set, 85%
        // is below it.
        let e = d
            .take(Step::Appraised, Tier::Province, day(6), "", None)
            .unwrap_err();
        assert!(e.to_string().contains("chưa được cấu hình"), "{e}");
        let e = d
            .take(Step::Appraised, Tier::Province, day(6), "", Some(&rule()))
            .unwrap_err();
        assert!(e.to_string().contains("85% thấp hơn mức 90%"), "{e}");
    }

    #[test]
    fn a_council_against_or_an_incomplete_decision_stops_the_decision() {
        let mut d = dossier_to(Step::Voted);
        d.council = Some((4, 5));
        let e = d.take(Step::Decided, Tier::Province, day(20), "", Some(&rule()));
        assert!(e.unwrap_err().to_string().contains("không tán thành"));
        d.council = Some((8, 1));
        d.decision.as_mut().unwrap().number = " ".into();
        let e = d.take(Step::Decided, Tier::Province, day(20), "", Some(&rule()));
        assert_eq!(e, Err(RecognitionError::DecisionIncomplete));
    }

    #[test]
    fn send_backs_return_the_dossier_and_stay_in_its_history() {
        let mut d = dossier_to(Step::Submitted);
        // The district reviews a submitted dossier: it sends it back, with a reason.
        assert_eq!(
            d.send_back(Step::SelfAssessed, Tier::District, day(9), " "),
            Err(RecognitionError::NoReason)
        );
        assert!(matches!(
            d.send_back(Step::SelfAssessed, Tier::Province, day(9), "x"),
            Err(RecognitionError::WrongTier { .. })
        ));
        d.send_back(
            Step::SelfAssessed,
            Tier::District,
            day(9),
            "Tiêu chí 17 thiếu minh chứng",
        )
        .unwrap();
        assert_eq!(d.stage(), Step::SelfAssessed);
        d.take(Step::Consulted, Tier::Commune, day(10), "", None)
            .unwrap();
        d.take(Step::Submitted, Tier::Commune, day(11), "bổ sung", None)
            .unwrap();
        d.send_back(
            Step::Consulted,
            Tier::District,
            day(12),
            "Biên bản lấy ý kiến chưa ký",
        )
        .unwrap();
        let reasons: Vec<&str> = d
            .send_backs()
            .map(|e| match e {
                Entry::SentBack { reason, .. } => reason.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "Tiêu chí 17 thiếu minh chứng",
                "Biên bản lấy ý kiến chưa ký"
            ]
        );
        assert_eq!(
            d.send_back(Step::Submitted, Tier::Commune, day(13), "x"),
            Err(RecognitionError::SendBackForward)
        );
        let decided = &mut dossier_to(Step::Decided);
        assert_eq!(
            decided.send_back(Step::Consulted, Tier::District, day(21), "x"),
            Err(RecognitionError::AlreadyDecided)
        );
    }

    #[test]
    fn a_title_is_withdrawn_by_the_province_with_its_grounds_and_then_held_no_more() {
        let mut d = dossier_to(Step::Consulted);
        let decision = Decision {
            number: "2001/QĐ-UBND".into(),
            signed_on: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            signer: "Chủ tịch UBND tỉnh".into(),
        };
        assert_eq!(
            d.withdraw(decision.clone(), "x", Tier::Province),
            Err(RecognitionError::NothingToWithdraw)
        );
        let mut d = dossier_to(Step::Announced);
        assert!(matches!(
            d.withdraw(decision.clone(), "x", Tier::District),
            Err(RecognitionError::WrongTier { .. })
        ));
        assert_eq!(
            d.withdraw(decision.clone(), "", Tier::Province),
            Err(RecognitionError::NoReason)
        );
        d.withdraw(
            decision,
            "Không còn đạt 6/19 tiêu chí, trong đó tiêu chí thu nhập",
            Tier::Province,
        )
        .unwrap();
        assert!(!d.is_recognised());
        assert_eq!(
            d.stage(),
            Step::Announced,
            "the steps taken stay in the history"
        );
    }

    #[test]
    fn a_merged_commune_holds_the_lowest_level_of_its_predecessors() {
        use Level::*;
        let table: [(&[Level], Level); 5] = [
            (&[Advanced, Standard, Model], Standard),
            (&[Advanced, Advanced], Advanced),
            (&[Standard, None], None),
            (&[Model], Model),
            (&[], None),
        ];
        for (before, held) in table {
            assert_eq!(
                inherited_level(before, InheritRule::Lowest),
                held,
                "{before:?}"
            );
        }
    }

    #[test]
    fn a_decision_recorded_after_the_fact_holds_the_title_and_can_be_announced_or_withdrawn() {
        let decision = Decision {
            number: "283/QĐ-UBND".into(),
            signed_on: NaiveDate::from_ymd_opt(2022, 1, 26).unwrap(),
            signer: "Chủ tịch UBND tỉnh".into(),
        };
        let mut d = Dossier::recorded(
            Level::Advanced,
            2021,
            Tier::District,
            decision.clone(),
            "ghi nhận",
        );
        assert!(d.is_recognised());
        assert_eq!(d.stage(), Step::Decided);
        d.take(Step::Announced, Tier::District, day(1), "", None)
            .unwrap();
        let later = Decision {
            number: "9/QĐ-UBND".into(),
            signed_on: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
            ..decision
        };
        d.withdraw(later, "không còn đạt", Tier::Province).unwrap();
        assert!(!d.is_recognised());
    }
}
