//! Công nhận: the pipeline of recognition dossiers (stage and idle days at a glance, the
//! longest idle first) and one dossier with its history and the forms for what the reader
//! may do next. The rules and who may act are below (`ntm_app::recognition`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use ntm_app::recognition::{Act, dossier_of};
use ntm_core::criteria::Level;
use ntm_core::recognition::{Conditions, Decision, Entry, Step, Tier};
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::format::{date, datetime};
use crate::state::AppState;

fn today(state: &AppState) -> NaiveDate {
    ntm_core::task::local_date(state.now())
}

pub struct Line {
    pub id: i64,
    pub name: String,
    pub level: &'static str,
    pub year: i32,
    pub stage: &'static str,
    /// Days since it last moved, for a dossier still waiting (empty once decided).
    pub idle: String,
    pub send_backs: usize,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "recognition_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    csrf: String,
    lines: Vec<Line>,
    problems: Vec<String>,
    /// Whether the reader is the province's office (records decisions).
    office: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    year: Option<i32>,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    year: Option<i32>,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let lines = ntm_app::recognition::pipeline(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        year,
        today(state),
    )
    .await?
    .into_iter()
    .map(|l| Line {
        id: l.id,
        name: l.name,
        level: l.level.label_vi(),
        year: l.year,
        stage: l.stage.label_vi(),
        idle: if l.recognised || l.withdrawn {
            String::new()
        } else {
            l.idle_days.to_string()
        },
        send_backs: l.send_backs,
        state: if l.withdrawn {
            "unmet"
        } else if l.recognised {
            "met"
        } else {
            "unknown"
        },
    })
    .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "recognition",
        )),
        csrf: session.csrf.clone(),
        lines,
        problems,
        office: session
            .actor
            .can_globally(&ws.registry, ntm_core::access::Action::ManageTasks),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    list_page(&state, &session, q.year, vec![]).await
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    csrf: String,
    unit: String,
    year: i32,
    level: String,
    on: String,
}

pub async fn open(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<OpenForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let mut problems = Vec::new();
    let unit = ws
        .registry
        .resolve_in_year(f.unit.trim(), f.year)
        .map(|u| u.id.clone())
        .map_err(|e| problems.push(format!("Đơn vị: {e}")))
        .ok();
    let level = Level::parse(f.level.trim())
        .filter(|l| *l != Level::None)
        .or_else(|| {
            problems.push("Mức: chọn đạt chuẩn, nâng cao hoặc kiểu mẫu".into());
            None
        });
    let on = super::directives::parse_date(&f.on).or_else(|| {
        problems.push(format!("Ngày đăng ký “{}” không phải là ngày", f.on));
        None
    });
    let (Some(unit), Some(level), Some(on)) = (unit, level, on) else {
        return list_page(&state, &session, None, problems).await;
    };
    let audit = session.actor.audit(state.now(), "lập hồ sơ công nhận");
    match ntm_app::recognition::open(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (&unit, level, f.year),
        on,
        &audit,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/recognition/{id}")).into_response()),
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            list_page(&state, &session, None, vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// Commune codes, one per line or separated by commas.
    units: String,
    year: i32,
    level: String,
    number: String,
    on: String,
    signer: String,
}

/// A decision that recognised many communes, entered once.
pub async fn record_decision(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<DecisionForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let mut problems = Vec::new();
    let units: Vec<ntm_core::UnitId> = f
        .units
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .filter_map(|code| {
            ws.registry
                .resolve_in_year(code, f.year)
                .map(|u| u.id.clone())
                .map_err(|e| problems.push(format!("“{code}”: {e}")))
                .ok()
        })
        .collect();
    if units.is_empty() && problems.is_empty() {
        problems.push("Chưa ghi mã xã nào.".into());
    }
    let level = Level::parse(f.level.trim()).filter(|l| *l != Level::None);
    let on = super::directives::parse_date(&f.on);
    if level.is_none() {
        problems.push("Mức: chọn đạt chuẩn, nâng cao hoặc kiểu mẫu".into());
    }
    if on.is_none() {
        problems.push(format!("Ngày ký “{}” không phải là ngày", f.on));
    }
    let (Some(level), Some(on), true) = (level, on, problems.is_empty()) else {
        return list_page(&state, &session, None, problems).await;
    };
    let decision = Decision {
        number: f.number,
        signed_on: on,
        signer: f.signer,
    };
    let audit = session.actor.audit(
        state.now(),
        format!("ghi quyết định {}", decision.number.trim()),
    );
    match ntm_app::recognition::record_decision(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &units,
        (level, f.year),
        decision,
        &audit,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/recognition?year={}", f.year)).into_response()),
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            list_page(&state, &session, None, vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct HistoryRow {
    pub on: String,
    pub what: String,
    pub tier: &'static str,
    pub text: String,
    pub by: String,
    pub back: bool,
}

#[derive(Template)]
#[template(path = "recognition.html")]
struct DossierPage {
    chrome: Option<Chrome>,
    csrf: String,
    /// The documents attached: (id, name, size, step, by and when, note).
    documents: Vec<(i64, String, String, &'static str, String, String)>,
    /// The reader acts on the dossier and may attach documents.
    may_attach: bool,
    max_mb: usize,
    id: i64,
    seen: usize,
    name: String,
    unit_id: String,
    level: &'static str,
    year: i32,
    verifier: &'static str,
    stage: &'static str,
    recognised: bool,
    withdrawn: bool,
    /// The next step and the tier that takes it, when there is one.
    next: Option<(&'static str, &'static str, &'static str)>,
    may_next: bool,
    may_send_back: bool,
    back_to: Vec<(&'static str, &'static str)>,
    may_answer: bool,
    may_province: bool,
    /// The vote and the decision can still be recorded (the decision step not taken).
    before_decision: bool,
    /// Who signs for this dossier's tier: the province's chairman for a commune, the
    /// Prime Minister for a district or the province.
    signer: &'static str,
    missing: Vec<String>,
    satisfaction: String,
    debt: &'static str,
    hot_spot: &'static str,
    council: String,
    decision: String,
    rule: String,
    history: Vec<HistoryRow>,
    problems: Vec<String>,
    today: String,
}

fn yes_no(v: Option<bool>, yes: &'static str, no: &'static str) -> &'static str {
    match v {
        None => "chưa trả lời",
        Some(true) => yes,
        Some(false) => no,
    }
}

async fn dossier_page(
    state: &AppState,
    session: &Session,
    id: i64,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let record = state
        .store
        .get_dossier(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .ok_or_else(|| WebError::not_found(format!("Không có hồ sơ {id}.")))?;
    if !ntm_core::access::can(
        &ws.registry,
        &session.actor.grants,
        ntm_core::access::Action::View,
        &record.unit_id,
        record.year,
    ) {
        return Err(WebError::forbidden());
    }
    let d = dossier_of(&record)?;
    let tiers = ntm_core::access::recognition_tiers(
        &ws.registry,
        &session.actor.grants,
        &record.unit_id,
        record.year,
    );
    let stage = d.stage();
    let open = !d.is_withdrawn() && stage < Step::Announced;
    let next = stage.next().filter(|_| open);
    let rule = state.config.satisfaction_rule.as_ref();
    let reviewing = next.map(|n| d.taken_by(n));
    let name = ws
        .registry
        .get(&record.unit_id)
        .and_then(|u| u.version_in_year(record.year).or(Some(u.latest())))
        .map(|v| v.name.clone())
        .unwrap_or_default();
    let documents = state
        .store
        .dossier_files(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .map(|f| {
            (
                f.id,
                f.name,
                super::tasks::size_text(f.size),
                Step::parse(&f.step).map_or("", Step::label_vi),
                format!("{} lúc {}", f.attached_by, datetime(f.attached_at)),
                f.note,
            )
        })
        .collect();
    let page = DossierPage {
        documents,
        may_attach: !tiers.is_empty() && !d.is_withdrawn(),
        max_mb: ntm_app::tasks::MAX_FILE_BYTES / 1024 / 1024,
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "recognition",
        )),
        csrf: session.csrf.clone(),
        id,
        seen: record.entries.len(),
        name,
        unit_id: record.unit_id.to_string(),
        level: d.level.label_vi(),
        year: d.year,
        verifier: d.verifier.label_vi(),
        stage: stage.label_vi(),
        recognised: d.is_recognised(),
        withdrawn: d.is_withdrawn(),
        next: next.map(|n| {
            (
                n.as_str(),
                n.label_vi(),
                d.taken_by(n).label_vi(),
            )
        }),
        may_next: reviewing.is_some_and(|t| tiers.contains(&t)),
        may_send_back: open
            && stage > Step::Registered
            && stage < Step::Decided
            && reviewing.is_some_and(|t| t != Tier::Commune && tiers.contains(&t)),
        back_to: Step::ALL
            .iter()
            .filter(|s| **s < stage && **s <= Step::Submitted)
            .map(|s| (s.as_str(), s.label_vi()))
            .collect(),
        may_answer: tiers.contains(&d.subject) && stage < Step::Submitted,
        may_province: tiers.contains(&d.taken_by(Step::Decided)) && !d.is_withdrawn(),
        before_decision: stage < Step::Decided,
        signer: if d.subject == Tier::Commune {
            "Chủ tịch UBND tỉnh"
        } else {
            "Thủ tướng Chính phủ"
        },
        missing: next.map_or_else(Vec::new, |n| d.missing_for(n, rule)),
        satisfaction: d
            .conditions
            .satisfaction_pct
            .map_or("chưa ghi".into(), |p| format!("{}%", p.normalize())),
        debt: yes_no(
            d.conditions.no_construction_debt,
            "không có nợ đọng",
            "còn nợ đọng",
        ),
        hot_spot: yes_no(
            d.conditions.not_security_hot_spot,
            "không phức tạp",
            "là địa bàn phức tạp",
        ),
        council: d
            .council
            .map_or("chưa có".into(), |(y, n)| format!("{y} tán thành, {n} không tán thành")),
        decision: d.decision.as_ref().map_or("chưa có".into(), |x| {
            let number = if x.number.is_empty() {
                "số chưa rõ"
            } else {
                x.number.as_str()
            };
            format!("{number}, ngày {}, {}", date(x.signed_on), x.signer)
        }),
        rule: rule.map_or(
            "chưa cấu hình: văn phòng điều phối tỉnh đặt mức theo văn bản (chưa tìm thấy mức của 18/2022/QĐ-TTg)".into(),
            |r| format!("{}% ({})", r.min_pct.normalize(), r.source),
        ),
        history: d
            .history
            .iter()
            .zip(&record.entries)
            .map(|(e, r)| match e {
                Entry::Took { step, on, by, note } => HistoryRow {
                    on: date(*on),
                    what: step.label_vi().into(),
                    tier: by.label_vi(),
                    text: note.clone(),
                    by: format!("{} lúc {}", r.recorded_by, datetime(r.recorded_at)),
                    back: false,
                },
                Entry::SentBack {
                    to, on, by, reason, ..
                } => HistoryRow {
                    on: date(*on),
                    what: format!("trả lại về bước “{}”", to.label_vi()),
                    tier: by.label_vi(),
                    text: reason.clone(),
                    by: format!("{} lúc {}", r.recorded_by, datetime(r.recorded_at)),
                    back: true,
                },
                Entry::Withdrew { decision, grounds } => HistoryRow {
                    on: date(decision.signed_on),
                    what: format!("thu hồi danh hiệu ({})", decision.number),
                    tier: d.taken_by(Step::Decided).label_vi(),
                    text: grounds.clone(),
                    by: format!("{} lúc {}", r.recorded_by, datetime(r.recorded_at)),
                    back: true,
                },
            })
            .collect(),
        problems,
        today: today(state).to_string(),
    };
    let status = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    dossier_page(&state, &session, id, vec![]).await
}

/// A document attached to the dossier (multipart form: `file`, `note`).
pub async fn attach(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let Some(file) = form.file("file") else {
        return dossier_page(&state, &session, id, vec!["Chưa chọn tệp".into()]).await;
    };
    let ws = workspace(&state, Some(0)).await?;
    let audit = session
        .actor
        .audit(state.now(), "đính kèm văn bản hồ sơ công nhận");
    match ntm_app::recognition::attach(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        &file,
        form.get("note"),
        &audit,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/recognition/{id}")).into_response()),
        Err(ntm_app::AppError::Invalid(p)) => dossier_page(&state, &session, id, p).await,
        Err(e) => Err(e.into()),
    }
}

/// One of the dossier's documents, as a download.
pub async fn document(
    State(state): State<AppState>,
    session: Session,
    Path((id, file)): Path<(i64, i64)>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let f = ntm_app::recognition::document(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (id, file),
    )
    .await?;
    Ok(super::download(f.bytes, &f.name, None))
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    seen: usize,
    kind: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    debt: String,
    #[serde(default)]
    hot_spot: String,
    #[serde(default)]
    yes: String,
    #[serde(default)]
    no: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    signer: String,
}

fn answer(text: &str) -> Option<bool> {
    match text {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The act a form asks for, or what is wrong with the form.
fn act_of(f: &ActForm) -> Result<Act, String> {
    let on = || {
        super::directives::parse_date(&f.on)
            .ok_or_else(|| format!("Ngày “{}” không phải là ngày", f.on))
    };
    let step = || Step::parse(&f.step).ok_or_else(|| format!("bước “{}” không có", f.step));
    Ok(match f.kind.as_str() {
        "take" => Act::Take {
            step: step()?,
            on: on()?,
            note: f.text.clone(),
        },
        "send_back" => Act::SendBack {
            to: step()?,
            on: on()?,
            reason: f.text.clone(),
        },
        "answer" => Act::Answer(Conditions {
            satisfaction_pct: match f.satisfaction.trim() {
                "" => None,
                t => Some(
                    ntm_core::Value::parse_number(t).map_err(|e| format!("Tỷ lệ hài lòng: {e}"))?,
                ),
            },
            no_construction_debt: answer(&f.debt),
            not_security_hot_spot: answer(&f.hot_spot),
        }),
        "council" => Act::Council(
            f.yes
                .trim()
                .parse()
                .map_err(|_| "Số phiếu tán thành không hợp lệ".to_owned())?,
            f.no.trim()
                .parse()
                .map_err(|_| "Số phiếu không tán thành không hợp lệ".to_owned())?,
        ),
        "decision" | "withdraw" => {
            let decision = Decision {
                number: f.number.trim().to_owned(),
                signed_on: on()?,
                signer: f.signer.trim().to_owned(),
            };
            if f.kind == "decision" {
                Act::Decision(decision)
            } else {
                Act::Withdraw {
                    decision,
                    grounds: f.text.clone(),
                }
            }
        }
        other => return Err(format!("việc “{other}” không có")),
    })
}

pub async fn act(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let act = match act_of(&f) {
        Ok(a) => a,
        Err(m) => return dossier_page(&state, &session, id, vec![m]).await,
    };
    let ws = workspace(&state, Some(0)).await?;
    let audit = session.actor.audit(state.now(), "xử lý hồ sơ công nhận");
    match ntm_app::recognition::act(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (id, f.seen),
        act,
        state.config.satisfaction_rule.as_ref(),
        &audit,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/recognition/{id}")).into_response()),
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            dossier_page(&state, &session, id, vec![e.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}
