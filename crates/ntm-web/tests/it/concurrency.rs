//! Two busy users at once: no save silently reverts another's, and no write slips past a
//! state it was not checked in (issue 10).

use axum::http::StatusCode;

use crate::app::{TestApp, form_fields, pairs, texts};

const KY_LAC: &str = "18850@2020-01-01";

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend(
        changes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    out.push(("action".into(), "save".into()));
    out
}

#[tokio::test]
async fn two_people_saving_one_form_keep_each_others_values() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let office = app.login("vpdp").await;
    let entry = format!("/entry/{KY_LAC}/2024");
    // Both open the form.
    let a = form_fields(&app.get(&commune, &entry).await.body);
    let b = form_fields(&app.get(&office, &entry).await.body);
    assert!(
        a.iter().any(|(k, _)| k == "s_3.1"),
        "the form carries what it showed"
    );

    // A changes 3.1, B changes 2.1, each sending the whole form back.
    let r = app
        .post(&commune, &entry, &pairs(&with(&a, &[("v_3.1", "91")])))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(&office, &entry, &pairs(&with(&b, &[("v_2.1", "77")])))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let values = app
        .get(&office, &format!("/api/v1/values?year=2024&unit={KY_LAC}"))
        .await
        .body;
    assert!(
        values.contains("\"value\":\"91\""),
        "A's 3.1 kept: {values}"
    );
    assert!(
        values.contains("\"value\":\"77\""),
        "B's 2.1 kept: {values}"
    );

    // Both change the same field: the second is refused, shown both, and can insist.
    let a = form_fields(&app.get(&commune, &entry).await.body);
    let b = form_fields(&app.get(&office, &entry).await.body);
    let r = app
        .post(&commune, &entry, &pairs(&with(&a, &[("v_3.1", "92")])))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post(&office, &entry, &pairs(&with(&b, &[("v_3.1", "60")])))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let errors = texts(&r.body, ".fielderror").join(" | ");
    assert!(errors.contains("xa-kylac đã lưu 92"), "{errors}");
    let again = form_fields(&r.body);
    assert!(
        again.contains(&("v_3.1".into(), "60".into())),
        "what B typed is kept"
    );
    let values = app
        .get(&office, &format!("/api/v1/values?year=2024&unit={KY_LAC}"))
        .await
        .body;
    assert!(
        values.contains("\"value\":\"92\""),
        "nothing of B written yet: {values}"
    );
    let r = app.post(&office, &entry, &pairs(&with(&again, &[]))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "B insists: {}", r.body);
    let values = app
        .get(&office, &format!("/api/v1/values?year=2024&unit={KY_LAC}"))
        .await
        .body;
    assert!(values.contains("\"value\":\"60\""), "{values}");
}

#[tokio::test]
async fn a_preview_taken_on_a_draft_cannot_be_confirmed_after_submission() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let csv = format!("unit,year,indicator,value,note\n{KY_LAC},2024,3.1,88,\n");
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "so-lieu.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = form_fields(&r.body)
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .expect("a preview to confirm");
    // Meanwhile the unit-year is submitted.
    let entry = format!("/entry/{KY_LAC}/2024");
    let fields = form_fields(&app.get(&commune, &entry).await.body);
    let mut submit = with(&fields, &[("v_2.1", "70")]);
    submit.retain(|(k, _)| k != "action");
    submit.push(("action".into(), "submit".into()));
    let r = app.post(&commune, &entry, &pairs(&submit)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = app
        .post(&commune, "/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("gửi duyệt"), "{}", r.body);
    let values = app
        .get(&commune, &format!("/api/v1/values?year=2024&unit={KY_LAC}"))
        .await
        .body;
    assert!(!values.contains("\"value\":\"88\""), "{values}");
}

/// Two officers adjusting the same task: the second, working from the old details, is
/// refused with what the task says now, keeps what was typed, and can save it knowingly.
#[tokio::test]
async fn two_adjustments_of_a_task_do_not_silently_undo_each_other() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let task = app
        ._store
        .list_tasks(&ntm_store::TaskFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == "5" && t.details.deadline.is_some())
        .expect("task 5 of the 2026 plan");
    let edit = format!("/tasks/{}/edit", task.id);
    let a = form_fields(&app.get(&office, &edit).await.body);
    let b = form_fields(&app.get(&office, &edit).await.body);
    let post = |fields: &[(String, String)], deadline: &str, reason: &str| {
        let mut f: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| k != "deadline_0" && k != "reason")
            .cloned()
            .collect();
        f.push(("deadline_0".into(), deadline.into()));
        f.push(("reason".into(), reason.into()));
        f.push(("rows".into(), "1".into()));
        f
    };
    let send = |f: Vec<(String, String)>| {
        let (app, office, edit) = (&app, &office, edit.clone());
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post_multipart(office, &edit, &pairs, &[]).await
        }
    };
    let r = send(post(&a, "2026-12-20", "Gia hạn theo TB 27")).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        crate::app::texts(&r.body, ".error, .errors, ul").join(" | ")
    );
    let r = send(post(&b, "2026-12-10", "Gia hạn theo TB 28")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("người khác điều chỉnh") && r.body.contains("20/12/2026"),
        "{}",
        r.body
    );
    let again = form_fields(&r.body);
    assert!(
        again.contains(&("deadline_0".into(), "2026-12-10".into())),
        "typed is kept"
    );
    let stored = app._store.get_task(task.id).await.unwrap().unwrap();
    assert_eq!(stored.details.deadline.unwrap().to_string(), "2026-12-20");
    let r = send(post(&again, "2026-12-10", "Gia hạn theo TB 28")).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "saved knowingly: {}",
        r.body
    );
}

/// Two administrators editing one criteria set: the second save is refused with the
/// version there is now, the text kept, and saving again replaces it knowingly.
#[tokio::test]
async fn two_edits_of_a_criteria_set_do_not_silently_undo_each_other() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let edit = "/criteria/xa-ntm-2021-2025-ha-tinh/edit";
    let a = form_fields(&app.get(&office, edit).await.body);
    let b = form_fields(&app.get(&office, edit).await.body);
    let text_of = |f: &[(String, String)]| {
        f.iter()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v.clone())
    };
    assert!(text_of(&a).is_some(), "the form carries its version");
    let body = |fields: &[(String, String)], text: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| k != "text")
            .cloned()
            .collect();
        f.push(("text".into(), text.into()));
        f
    };
    let original = app
        ._store
        .list_criteria_sets()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == "xa-ntm-2021-2025-ha-tinh")
        .unwrap()
        .source_text;
    let mine = format!("{original}\n# sửa của A\n");
    let theirs = format!("{original}\n# sửa của B\n");
    let send = |f: Vec<(String, String)>| {
        let (app, office) = (&app, &office);
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post(office, edit, &pairs).await
        }
    };
    let r = send(body(&a, &mine)).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        crate::app::texts(&r.body, ".error, .errors, ul").join(" | ")
    );
    let r = send(body(&b, &theirs)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("# sửa của B"), "B's text is kept");
    let again = form_fields(&r.body);
    let latest = |app: &TestApp| {
        let store = app._store.clone();
        async move {
            store
                .list_criteria_sets()
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.id == "xa-ntm-2021-2025-ha-tinh")
                .unwrap()
                .source_text
        }
    };
    assert!(latest(&app).await.contains("# sửa của A"));
    let r = send(body(&again, &theirs)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(latest(&app).await.contains("# sửa của B"));
}
