//! Recognition dossiers: open one for a commune, move it a step (or send it back, answer
//! its conditions, record the council's vote and the decision, withdraw the title), record
//! a decision that recognised many communes at once, and list the pipeline. The rules are
//! `ntm_core::recognition`; who acts as which tier is `ntm_core::access`; each write is one
//! store call that checks nobody moved the dossier meanwhile.

use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::criteria::Level;
use ntm_core::recognition::{
    Conditions, Decision, Dossier, Entry, RecognitionError, SatisfactionRule, Step, Tier,
};
use ntm_core::{UnitId, UnitLevel, UnitRegistry};
use ntm_store::{DossierEntryRecord, DossierFilter, DossierRecord, Store};
use rust_decimal::Decimal;

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

impl From<RecognitionError> for AppError {
    fn from(e: RecognitionError) -> Self {
        AppError::Invalid(vec![e.to_string()])
    }
}

fn level_of(text: &str) -> AppResult<Level> {
    Level::parse(text)
        .filter(|l| *l != Level::None)
        .ok_or_else(|| AppError::Invalid(vec![format!("mức “{text}” không hợp lệ")]))
}

fn bad_record(what: &str) -> AppError {
    AppError::Invalid(vec![format!("hồ sơ lưu trữ không đọc được: {what}")])
}

/// The core's dossier of a stored one.
pub fn dossier_of(r: &DossierRecord) -> AppResult<Dossier> {
    let tier = |t: &str| Tier::parse(t).ok_or_else(|| bad_record(t));
    let step = |s: &str| Step::parse(s).ok_or_else(|| bad_record(s));
    let history = r
        .entries
        .iter()
        .map(|e| {
            Ok(match e.kind.as_str() {
                "took" => Entry::Took {
                    step: step(&e.step)?,
                    on: e.on,
                    by: tier(&e.tier)?,
                    note: e.text.clone(),
                },
                "sent_back" => Entry::SentBack {
                    from: step(&e.step)?,
                    to: step(e.to_step.as_deref().unwrap_or_default())?,
                    on: e.on,
                    by: tier(&e.tier)?,
                    reason: e.text.clone(),
                },
                "withdrew" => Entry::Withdrew {
                    decision: Decision {
                        number: e.decision_number.clone().unwrap_or_default(),
                        signed_on: e.on,
                        signer: e.decision_signer.clone().unwrap_or_default(),
                    },
                    grounds: e.text.clone(),
                },
                other => return Err(bad_record(other)),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Dossier {
        subject: tier(&r.subject)?,
        level: level_of(&r.level)?,
        year: r.year,
        verifier: tier(&r.verifier)?,
        conditions: Conditions {
            satisfaction_pct: r
                .satisfaction_pct
                .as_deref()
                .map(|p| p.parse::<Decimal>().map_err(|_| bad_record(p)))
                .transpose()?,
            no_construction_debt: r.no_construction_debt,
            not_security_hot_spot: r.not_security_hot_spot,
        },
        council: r
            .council_yes
            .zip(r.council_no)
            .map(|(y, n)| (u32::try_from(y).unwrap_or(0), u32::try_from(n).unwrap_or(0))),
        decision: r
            .decision_number
            .clone()
            .zip(r.decision_date)
            .map(|(number, signed_on)| Decision {
                number,
                signed_on,
                signer: r.decision_signer.clone().unwrap_or_default(),
            }),
        history,
    })
}

fn entry_record(d: &Dossier, e: &Entry, at: DateTime<Utc>, by: &str) -> DossierEntryRecord {
    let base = |kind: &str, step: Step, on: NaiveDate, tier: Tier, text: &str| DossierEntryRecord {
        kind: kind.into(),
        step: step.as_str().into(),
        to_step: None,
        on,
        tier: tier.as_str().into(),
        text: text.into(),
        decision_number: None,
        decision_signer: None,
        recorded_at: at,
        recorded_by: by.into(),
    };
    match e {
        Entry::Took {
            step,
            on,
            by: t,
            note,
        } => base("took", *step, *on, *t, note),
        Entry::SentBack {
            from,
            to,
            on,
            by: t,
            reason,
        } => DossierEntryRecord {
            to_step: Some(to.as_str().into()),
            ..base("sent_back", *from, *on, *t, reason)
        },
        Entry::Withdrew { decision, grounds } => DossierEntryRecord {
            decision_number: Some(decision.number.clone()),
            decision_signer: Some(decision.signer.clone()),
            ..base(
                "withdrew",
                Step::Decided,
                decision.signed_on,
                d.taken_by(Step::Decided),
                grounds,
            )
        },
    }
}

/// The stored form of `d`, over the record it was read from (its new entries appended).
fn record_of(d: &Dossier, read: &DossierRecord, audit: &AuditContext) -> DossierRecord {
    let mut r = read.clone();
    r.satisfaction_pct = d
        .conditions
        .satisfaction_pct
        .map(|p| p.normalize().to_string());
    r.no_construction_debt = d.conditions.no_construction_debt;
    r.not_security_hot_spot = d.conditions.not_security_hot_spot;
    r.council_yes = d.council.map(|(y, _)| i32::try_from(y).unwrap_or(i32::MAX));
    r.council_no = d.council.map(|(_, n)| i32::try_from(n).unwrap_or(i32::MAX));
    r.decision_number = d.decision.as_ref().map(|x| x.number.clone());
    r.decision_date = d.decision.as_ref().map(|x| x.signed_on);
    r.decision_signer = d.decision.as_ref().map(|x| x.signer.clone());
    r.entries.extend(
        d.history[read.entries.len()..]
            .iter()
            .map(|e| entry_record(d, e, audit.at, &audit.actor)),
    );
    r
}

/// What a dossier for `unit` in `year` recognises, and who verifies it: a xã in force
/// that year (wards and townships are urban: the programme recognises xã), verified by its
/// district while one stands above it and by the province after the reform; a district
/// (until the reform), verified by the province; the province, verified centrally.
fn subject_in(registry: &UnitRegistry, unit: &UnitId, year: i32) -> AppResult<(Tier, Tier)> {
    let u = registry
        .get(unit)
        .ok_or_else(|| AppError::NotFound(format!("không có đơn vị {unit}")))?;
    let Some(version) = u.version_in_year(year) else {
        return Err(AppError::Invalid(vec![format!(
            "{} không tồn tại trong năm {year}",
            u.latest().name
        )]));
    };
    let subject = match u.level {
        UnitLevel::Commune if version.unit_type == ntm_core::UnitType::Commune => Tier::Commune,
        UnitLevel::Commune => {
            return Err(AppError::Invalid(vec![format!(
                "{} không phải xã trong năm {year}: chỉ xã được xét công nhận nông thôn mới",
                u.latest().name
            )]));
        }
        UnitLevel::District => Tier::District,
        UnitLevel::Province => Tier::Province,
    };
    let has_district = version
        .parent
        .as_ref()
        .and_then(|p| registry.get(p).map(|p| p.level == UnitLevel::District))
        .unwrap_or(false);
    Ok((
        subject,
        ntm_core::recognition::verifier_of(subject, has_district),
    ))
}

/// The stored form of a dossier not stored yet.
fn new_record(unit: &UnitId, d: &Dossier, audit: &AuditContext) -> DossierRecord {
    DossierRecord {
        id: 0,
        unit_id: unit.clone(),
        subject: d.subject.as_str().into(),
        level: d.level.as_str().into(),
        year: d.year,
        verifier: d.verifier.as_str().into(),
        satisfaction_pct: None,
        no_construction_debt: None,
        not_security_hot_spot: None,
        council_yes: None,
        council_no: None,
        decision_number: d.decision.as_ref().map(|x| x.number.trim().to_owned()),
        decision_date: d.decision.as_ref().map(|x| x.signed_on),
        decision_signer: d.decision.as_ref().map(|x| x.signer.trim().to_owned()),
        created_at: audit.at,
        created_by: audit.actor.clone(),
        entries: d
            .history
            .iter()
            .map(|e| entry_record(d, e, audit.at, &audit.actor))
            .collect(),
    }
}

/// Opens a dossier for `unit` at `level` for `year`, registered on `on` by the actor's
/// tier (the commune, or the tier above that puts it on the year's list).
pub async fn open(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    (unit, level, year): (&UnitId, Level, i32),
    on: NaiveDate,
    audit: &AuditContext,
) -> AppResult<i64> {
    let record = registration(registry, actor, (unit, level, year), on, audit)?;
    Ok(store.create_dossier(&record, audit).await?)
}

/// The record of a new dossier for `unit`, registered by the actor's first tier on it;
/// refused when the unit cannot be recognised that year or the actor acts on it as none.
pub(crate) fn registration(
    registry: &UnitRegistry,
    actor: &Actor,
    (unit, level, year): (&UnitId, Level, i32),
    on: NaiveDate,
    audit: &AuditContext,
) -> AppResult<DossierRecord> {
    let (subject, verifier) = subject_in(registry, unit, year)?;
    let tiers = ntm_core::access::recognition_tiers(registry, &actor.grants, unit, year);
    let Some(by) = tiers.first().copied() else {
        return Err(AppError::Forbidden(
            "bạn không lập hồ sơ công nhận cho đơn vị này".into(),
        ));
    };
    let mut d = Dossier::register_by(level, year, verifier, on, by);
    d.subject = subject;
    Ok(new_record(unit, &d, audit))
}

/// Records one decision that recognised `units` (xã, at `level`, for `year`) at once: a
/// dossier per unit holding the decision, all stored or none. The province's office only.
pub async fn record_decision(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    units: &[UnitId],
    (level, year): (Level, i32),
    decision: Decision,
    audit: &AuditContext,
) -> AppResult<Vec<i64>> {
    // Only the operator may record a decision whose number the sources lack.
    if decision.number.trim().is_empty() {
        return Err(RecognitionError::DecisionIncomplete.into());
    }
    for unit in units {
        let (subject, verifier) = subject_in(registry, unit, year)?;
        let decider = ntm_core::recognition::taken_by_for(subject, Step::Decided, verifier);
        if !ntm_core::access::recognition_tiers(registry, &actor.grants, unit, year)
            .contains(&decider)
        {
            return Err(AppError::Forbidden(
                "chỉ văn phòng điều phối tỉnh ghi quyết định công nhận".into(),
            ));
        }
    }
    record_decision_as_operator(
        store,
        registry,
        units,
        (level, year),
        decision,
        "ghi nhận quyết định đã ban hành",
        audit,
    )
    .await
}

/// [`record_decision`] by the operator who holds the database (the demo, an import of
/// past decisions), with `note` saying where the decision comes from. A decision whose
/// number the sources do not give is recorded without one, when the note says so.
pub async fn record_decision_as_operator(
    store: &dyn Store,
    registry: &UnitRegistry,
    units: &[UnitId],
    (level, year): (Level, i32),
    decision: Decision,
    note: &str,
    audit: &AuditContext,
) -> AppResult<Vec<i64>> {
    if decision.signer.trim().is_empty()
        || (decision.number.trim().is_empty() && note.trim().is_empty())
    {
        return Err(RecognitionError::DecisionIncomplete.into());
    }
    let mut problems = Vec::new();
    let mut records = Vec::new();
    for unit in units {
        let (subject, verifier) = match subject_in(registry, unit, year) {
            Ok(s) => s,
            Err(AppError::Invalid(m)) => {
                problems.extend(m);
                continue;
            }
            Err(e) => return Err(e),
        };
        let d = Dossier::recorded_for(subject, level, year, decision.clone(), note, verifier);
        records.push(new_record(unit, &d, audit));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(store.create_dossiers(&records, audit).await?)
}

/// Stores a dossier whose history the operator reconstructs from sources (a district
/// appraised centrally in one year and recognised by the Prime Minister in the next):
/// the history is checked only for order and dates, since past tiers acted outside ntm.
pub async fn record_history_as_operator(
    store: &dyn Store,
    registry: &UnitRegistry,
    unit: &UnitId,
    mut dossier: Dossier,
    audit: &AuditContext,
) -> AppResult<i64> {
    let (subject, verifier) = subject_in(registry, unit, dossier.year)?;
    dossier.subject = subject;
    dossier.verifier = verifier;
    let dates: Vec<NaiveDate> = dossier.history.iter().map(Entry::on).collect();
    if dates.is_empty() || dates.windows(2).any(|w| w[1] < w[0]) {
        return Err(AppError::Invalid(vec![
            "lịch sử hồ sơ phải có ít nhất một bước, theo thứ tự ngày".into(),
        ]));
    }
    let record = new_record(unit, &dossier, audit);
    Ok(store.create_dossier(&record, audit).await?)
}

/// What a person does to a dossier.
#[derive(Debug, Clone)]
pub enum Act {
    /// The commune answers the conditions.
    Answer(Conditions),
    /// The province records the council's vote (for, against).
    Council(u32, u32),
    /// The province records the decision before taking the decision step.
    Decision(Decision),
    Take {
        step: Step,
        on: NaiveDate,
        note: String,
    },
    SendBack {
        to: Step,
        on: NaiveDate,
        reason: String,
    },
    Withdraw {
        decision: Decision,
        grounds: String,
    },
}

/// Does `act` to dossier `id` as read with `seen` history entries; refused with the
/// reason when the rules or the actor's tier do not allow it, `Conflict` when someone
/// moved the dossier meanwhile.
pub async fn act(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    (id, seen): (i64, usize),
    act: Act,
    rule: Option<&SatisfactionRule>,
    audit: &AuditContext,
) -> AppResult<()> {
    let read = store
        .get_dossier(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có hồ sơ {id}")))?;
    let tiers =
        ntm_core::access::recognition_tiers(registry, &actor.grants, &read.unit_id, read.year);
    if tiers.is_empty() {
        return Err(AppError::Forbidden(
            "bạn không xử lý hồ sơ của đơn vị này".into(),
        ));
    }
    // Acted on from a page that no longer shows the dossier as it is: said first, before
    // the rules judge a step the person did not see the dossier at.
    if read.entries.len() != seen {
        return Err(AppError::Conflict(
            "hồ sơ đã được người khác cập nhật sau khi bạn mở; hãy mở lại".into(),
        ));
    }
    let mut d = dossier_of(&read)?;
    // The tier the act needs, if the actor holds it; else the actor's own (refused below
    // with the tier it needs).
    let acting = |needs: Tier| {
        if tiers.contains(&needs) {
            needs
        } else {
            tiers[0]
        }
    };
    let needs_tier = |needs: Tier| -> AppResult<()> {
        if tiers.contains(&needs) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "việc này do {} thực hiện",
                needs.label_vi()
            )))
        }
    };
    match act {
        Act::Answer(c) => {
            // The unit itself answers: the commune, the district or the province.
            needs_tier(d.subject)?;
            if d.stage() >= Step::Submitted {
                return Err(AppError::Invalid(vec![
                    "hồ sơ đã trình thẩm tra: điều kiện đã chốt; muốn sửa thì trả lại hồ sơ".into(),
                ]));
            }
            d.conditions = c;
        }
        Act::Council(yes, no) => {
            needs_tier(d.taken_by(Step::Voted))?;
            d.council = Some((yes, no));
        }
        Act::Decision(x) => {
            needs_tier(d.taken_by(Step::Decided))?;
            d.decision = Some(x);
        }
        Act::Take { step, on, note } => {
            let by = acting(d.taken_by(step));
            d.take(step, by, on, &note, rule)?;
        }
        Act::SendBack { to, on, reason } => {
            let reviewing = d.stage().next().unwrap_or(d.stage());
            let by = acting(d.taken_by(reviewing));
            d.send_back(to, by, on, &reason)?;
        }
        Act::Withdraw { decision, grounds } => {
            d.withdraw(decision, &grounds, acting(d.taken_by(Step::Decided)))?;
        }
    }
    let record = record_of(&d, &read, audit);
    store.save_dossier_from(&record, seen, audit).await?;
    Ok(())
}

/// One line of the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineLine {
    pub id: i64,
    pub unit: UnitId,
    pub name: String,
    pub level: Level,
    pub year: i32,
    pub stage: Step,
    pub recognised: bool,
    pub withdrawn: bool,
    /// Days since the dossier last moved.
    pub idle_days: i64,
    pub send_backs: usize,
}

/// Every dossier the actor may read, of `year` or all, the longest idle first among those
/// not finished, then the finished ones.
pub async fn pipeline(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    year: Option<i32>,
    today: NaiveDate,
) -> AppResult<Vec<PipelineLine>> {
    let records = store
        .list_dossiers(&DossierFilter { year, unit: None })
        .await?;
    let mut lines = Vec::new();
    for r in records {
        if !ntm_core::access::can(
            registry,
            &actor.grants,
            ntm_core::access::Action::View,
            &r.unit_id,
            r.year,
        ) {
            continue;
        }
        let d = dossier_of(&r)?;
        let name = registry
            .get(&r.unit_id)
            .and_then(|u| u.version_in_year(r.year).or(Some(u.latest())))
            .map(|v| v.name.clone())
            .unwrap_or_else(|| r.unit_id.to_string());
        lines.push(PipelineLine {
            id: r.id,
            unit: r.unit_id.clone(),
            name,
            level: d.level,
            year: d.year,
            stage: d.stage(),
            recognised: d.is_recognised(),
            withdrawn: d.is_withdrawn(),
            idle_days: d.last_moved().map_or(0, |m| (today - m).num_days()),
            send_backs: d.send_backs().count(),
        });
    }
    // A title decided (announced or not) or withdrawn is no longer waiting on anyone:
    // after the open dossiers, newest year first.
    lines.sort_by_key(|l| {
        let done = l.recognised || l.withdrawn;
        (
            done,
            std::cmp::Reverse(if done { l.year as i64 } else { l.idle_days }),
            l.name.clone(),
        )
    });
    Ok(lines)
}

/// What a unit's title rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandingBasis {
    /// Its own decision: the dossier and the decision in words.
    Decision { dossier: i64, text: String },
    /// Inherited by the rule from the units merged into it on `merged_on`, each with its
    /// own standing the day before.
    Inherited {
        merged_on: NaiveDate,
        rule: ntm_core::recognition::InheritRule,
        from: Vec<(UnitId, String, Standing)>,
    },
    /// No decision recorded in ntm, and nothing to inherit.
    Nothing,
}

/// The title a unit holds on a day, and what it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub level: Level,
    pub basis: StandingBasis,
}

/// The title `unit` holds at the end of `on`: its best decision not withdrawn; else, for a
/// unit formed by merger, the level `rule` gives from its predecessors' standing the day
/// before the merger (their lineage followed back, as far as it goes).
pub fn standing(
    registry: &UnitRegistry,
    records: &[DossierRecord],
    unit: &UnitId,
    on: NaiveDate,
    rule: ntm_core::recognition::InheritRule,
) -> Standing {
    standing_at(registry, records, unit, on, rule, 0)
}

fn standing_at(
    registry: &UnitRegistry,
    records: &[DossierRecord],
    unit: &UnitId,
    on: NaiveDate,
    rule: ntm_core::recognition::InheritRule,
    depth: usize,
) -> Standing {
    let nothing = Standing {
        level: Level::None,
        basis: StandingBasis::Nothing,
    };
    // The last merger into the unit before `on`: other units merged into it (a new commune
    // formed by the 2025 reform, or an existing one that absorbed its neighbours).
    let edges: Vec<_> = registry
        .predecessors(unit)
        .into_iter()
        .filter(|e| {
            e.kind == ntm_core::unit::LineageKind::Merged && e.effective <= on && &e.from != unit
        })
        .collect();
    let merged_on = edges.iter().map(|e| e.effective).max();
    // Its own decisions count from the merger on (a title of the unit before it absorbed
    // others is one of the titles the rule weighs).
    let own = records
        .iter()
        .filter(|r| &r.unit_id == unit)
        .filter_map(|r| dossier_of(r).ok().map(|d| (r.id, d.as_of(on))))
        .filter(|(_, d)| {
            d.is_recognised()
                && merged_on.is_none_or(|m| d.decision.as_ref().is_some_and(|x| x.signed_on >= m))
        })
        .max_by_key(|(_, d)| (d.level, d.year));
    if let Some((id, d)) = own {
        let text = d
            .decision
            .as_ref()
            .map_or_else(String::new, |x| x.describe_vi(d.year));
        return Standing {
            level: d.level,
            basis: StandingBasis::Decision { dossier: id, text },
        };
    }
    let Some(merged_on) = merged_on else {
        return nothing;
    };
    if depth > 6 {
        return nothing;
    }
    let eve = merged_on.pred_opt().unwrap_or(merged_on);
    let name_on = |u: &UnitId| {
        registry.get(u).map_or(u.to_string(), |x| {
            x.version_on(eve)
                .map_or(x.latest().name.clone(), |v| v.name.clone())
        })
    };
    let mut from: Vec<(UnitId, String, Standing)> = edges
        .iter()
        .filter(|e| e.effective == merged_on)
        .map(|e| {
            (
                e.from.clone(),
                name_on(&e.from),
                standing_at(registry, records, &e.from, eve, rule, depth + 1),
            )
        })
        .collect();
    // A unit that absorbed others weighs its own standing of the day before with theirs.
    if registry
        .get(unit)
        .is_some_and(|u| u.version_on(eve).is_some())
    {
        from.insert(
            0,
            (
                unit.clone(),
                name_on(unit),
                standing_at(registry, records, unit, eve, rule, depth + 1),
            ),
        );
    }
    let levels: Vec<Level> = from.iter().map(|(_, _, s)| s.level).collect();
    Standing {
        level: ntm_core::recognition::inherited_level(&levels, rule),
        basis: StandingBasis::Inherited {
            merged_on,
            rule,
            from,
        },
    }
}

/// Attaches a document (minutes, survey results, a decision's scan) to dossier `id` at the
/// step it has reached: whoever acts on the dossier at any tier, while the title is not
/// withdrawn; at most [`crate::tasks::MAX_FILE_BYTES`], not empty, with a name.
pub async fn attach(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    id: i64,
    file: &ntm_store::StoredFile,
    note: &str,
    audit: &AuditContext,
) -> AppResult<i64> {
    let read = store
        .get_dossier(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có hồ sơ {id}")))?;
    if ntm_core::access::recognition_tiers(registry, &actor.grants, &read.unit_id, read.year)
        .is_empty()
    {
        return Err(AppError::Forbidden(
            "bạn không làm việc trên hồ sơ này nên không đính kèm được".into(),
        ));
    }
    let d = dossier_of(&read)?;
    let mut problems = Vec::new();
    if d.is_withdrawn() {
        problems.push("danh hiệu đã bị thu hồi: hồ sơ không nhận thêm văn bản".to_owned());
    }
    let name = file.name.trim();
    if name.is_empty() {
        problems.push("tệp không có tên".into());
    }
    if file.bytes.is_empty() {
        problems.push(format!("tệp “{name}” rỗng"));
    }
    if file.bytes.len() > crate::tasks::MAX_FILE_BYTES {
        problems.push(format!(
            "tệp “{name}” lớn hơn {} MB",
            crate::tasks::MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    // Only the file's own name: a path a browser may send is not kept.
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let file = ntm_store::StoredFile {
        name: base.to_owned(),
        bytes: file.bytes.clone(),
    };
    Ok(store
        .attach_dossier_file(id, d.stage().as_str(), &file, note.trim(), audit)
        .await?)
}

/// A dossier's document with its bytes, for whoever may view the dossier's unit.
pub async fn document(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    (dossier, file): (i64, i64),
) -> AppResult<ntm_store::StoredFile> {
    let Some((info, bytes)) = store.dossier_file(file).await? else {
        return Err(AppError::NotFound("không có văn bản này".into()));
    };
    let read = store.get_dossier(info.dossier_id).await?;
    match read {
        Some(r)
            if info.dossier_id == dossier
                && ntm_core::access::can(
                    registry,
                    &actor.grants,
                    ntm_core::access::Action::View,
                    &r.unit_id,
                    r.year,
                ) =>
        {
            Ok(bytes)
        }
        Some(_) if info.dossier_id == dossier => {
            Err(AppError::Forbidden("bạn không xem được hồ sơ này".into()))
        }
        _ => Err(AppError::NotFound("không có văn bản này".into())),
    }
}

/// What the recognitions of a year come to inside a scope: the communes recognised for
/// that standard year by level (whenever the decision was signed: the province's
/// decisions for a year come in the January after), and where the districts' dossiers
/// stood at the end of the year (a Prime Minister's decision may take years).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearResults {
    /// (level, the communes recognised for the year at it, with their decisions).
    pub communes: Vec<(Level, Vec<(String, String)>)>,
    /// Districts holding a title on 31 December, with the decision.
    pub districts: Vec<(String, String)>,
    /// Districts' dossiers under way on 31 December, with their stage.
    pub districts_under_way: Vec<(String, Step)>,
}

impl YearResults {
    pub fn is_empty(&self) -> bool {
        self.communes.iter().all(|(_, c)| c.is_empty())
            && self.districts.is_empty()
            && self.districts_under_way.is_empty()
    }
}

/// [`YearResults`] of `year` inside `scope` (a province or a district), as recorded now.
pub fn year_results(
    registry: &UnitRegistry,
    records: &[DossierRecord],
    scope: &UnitId,
    year: i32,
) -> AppResult<YearResults> {
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::Invalid(vec![format!("năm {year} không hợp lệ")]))?;
    let name = |u: &UnitId, y: i32| {
        registry.get(u).map_or(u.to_string(), |x| {
            x.version_in_year(y)
                .map_or(x.latest().name.clone(), |v| v.name.clone())
        })
    };
    let mut out = YearResults {
        communes: [Level::Standard, Level::Advanced, Level::Model]
            .into_iter()
            .map(|l| (l, Vec::new()))
            .collect(),
        ..Default::default()
    };
    for r in records {
        let d = dossier_of(r)?;
        if !ntm_core::access::in_subtree(registry, scope, &r.unit_id, d.year.min(year)) {
            continue;
        }
        match d.subject {
            Tier::Commune if d.year == year && d.is_recognised() => {
                if let (Some(slot), Some(x)) = (
                    out.communes.iter_mut().find(|(l, _)| *l == d.level),
                    &d.decision,
                ) {
                    slot.1.push((name(&r.unit_id, year), x.describe_vi(d.year)));
                }
            }
            Tier::District => {
                let then = d.as_of(end);
                if then.history.is_empty() || then.is_withdrawn() {
                    continue;
                }
                match &then.decision {
                    Some(x) if then.is_recognised() => out
                        .districts
                        .push((name(&r.unit_id, year), x.describe_vi(d.year))),
                    _ => out
                        .districts_under_way
                        .push((name(&r.unit_id, year), then.stage())),
                }
            }
            _ => {}
        }
    }
    for (_, c) in &mut out.communes {
        c.sort_by_key(|(n, _)| ntm_core::text::search_key(n));
    }
    // Each district once: its best standing of the year.
    out.districts.sort();
    out.districts.dedup_by(|a, b| a.0 == b.0);
    out.districts_under_way
        .retain(|(n, _)| !out.districts.iter().any(|(d, _)| d == n));
    Ok(out)
}
