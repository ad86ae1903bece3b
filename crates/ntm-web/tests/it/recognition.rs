//! Recognition dossiers through the web: opened by the commune, moved by each tier, sent
//! back with a reason that stays in the history, read by those who may.

use axum::http::StatusCode;

use crate::app::{TestApp, form_fields, pairs, set_field, texts};

/// The fields of the form on `html` whose hidden `kind` is `kind`.
fn form_of(html: &str, kind: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form").unwrap();
    let marker = scraper::Selector::parse(&format!("input[name=kind][value={kind}]")).unwrap();
    let form = doc
        .select(&forms)
        .find(|f| f.select(&marker).next().is_some())
        .unwrap_or_else(|| panic!("no {kind} form"));
    form_fields(&format!("<html><body>{}</body></html>", form.html()))
}

#[tokio::test]
async fn a_dossier_is_opened_moved_sent_back_and_read_by_scope() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let r = app
        .post(
            &commune,
            "/recognition",
            &[
                ("unit", "18850"),
                ("year", "2022"),
                ("level", "advanced"),
                ("on", "2022-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page_path = r.location.clone().expect("to the dossier");
    let act_path = format!("{page_path}/act");

    let page = app.get(&commune, &page_path).await;
    assert!(
        page.body
            .contains("Đang ở bước: <strong>đăng ký phấn đấu</strong>"),
        "{}",
        page.body
    );
    let mut take = form_of(&page.body, "take");
    set_field(&mut take, "on", "2022-03-05");
    let r = app.post(&commune, &act_path, &pairs(&take)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&commune, &page_path).await;
    assert!(
        page.body
            .contains("Đang ở bước: <strong>tự đánh giá</strong>"),
        "{}",
        page.body
    );
    let mut take = form_of(&page.body, "take");
    set_field(&mut take, "on", "2022-03-10");
    assert_eq!(
        app.post(&commune, &act_path, &pairs(&take)).await.status,
        StatusCode::SEE_OTHER
    );

    // Submitting waits for the conditions, and says which.
    let page = app.get(&commune, &page_path).await;
    let take = form_of(&page.body, "take");
    let r = app.post(&commune, &act_path, &pairs(&take)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("chưa ghi tỷ lệ người dân hài lòng"),
        "{}",
        r.body
    );
    let mut answer = form_of(&page.body, "answer");
    set_field(&mut answer, "satisfaction", "93,5");
    set_field(&mut answer, "debt", "yes");
    set_field(&mut answer, "hot_spot", "yes");
    assert_eq!(
        app.post(&commune, &act_path, &pairs(&answer)).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get(&commune, &page_path).await;
    assert!(
        page.body.contains("93,5%") || page.body.contains("93.5%"),
        "{}",
        page.body
    );
    let take = form_of(&page.body, "take");
    assert_eq!(
        app.post(&commune, &act_path, &pairs(&take)).await.status,
        StatusCode::SEE_OTHER
    );

    // The commune may not verify its own dossier; the district may, or send it back.
    let page = app.get(&commune, &page_path).await;
    assert!(
        !page.body.contains("value=\"take\""),
        "no step form for the commune now"
    );
    let district = app.login("huyen-kyanh").await;
    let page = app.get(&district, &page_path).await;
    let mut back = form_of(&page.body, "send_back");
    set_field(&mut back, "step", "self_assessed");
    set_field(&mut back, "text", "Tiêu chí 17 thiếu biên bản kiểm tra");
    let r = app.post(&district, &act_path, &pairs(&back)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&commune, &page_path).await;
    let kept = texts(&page.body, "tr.changed");
    assert!(
        kept.iter()
            .any(|t| t.contains("Tiêu chí 17 thiếu biên bản kiểm tra")),
        "{kept:?}"
    );
    assert!(
        page.body
            .contains("Đang ở bước: <strong>tự đánh giá</strong>")
    );
    // The district's form, opened before its own send-back, is now stale.
    let r = app.post(&district, &act_path, &pairs(&back)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("người khác cập nhật"), "{}", r.body);

    // Who reads it: the office and the Steering Committee see it; another commune does not.
    let office = app.login("vpdp").await;
    let list = app.get(&office, "/recognition").await;
    assert!(list.body.contains("Xã Kỳ Lạc"), "{}", list.body);
    let viewer = app.login("bcd").await;
    let seen = app.get(&viewer, &page_path).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        !seen.body.contains("name=\"seen\""),
        "a viewer gets no form"
    );
    let other = app.login("xa-thanhsen").await;
    assert_eq!(
        app.get(&other, &page_path).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.post(&other, &act_path, &pairs(&back)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_office_enters_one_decision_for_many_communes() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let fields = [
        ("units", "18850\n18793"),
        ("year", "2021"),
        ("level", "standard"),
        ("number", "283/QĐ-UBND"),
        ("on", "2022-01-26"),
        ("signer", "Chủ tịch UBND tỉnh"),
    ];
    let r = app.post(&office, "/recognition/decisions", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = app.get(&office, "/recognition?year=2021").await;
    let rows = texts(&list.body, "table.data tbody tr");
    let mine: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("Kỳ Lạc") || r.contains("Kỳ Tây"))
        .collect();
    assert_eq!(mine.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.contains("quyết định công nhận")));
    // Beside them, the demo's record of 283/QĐ-UBND (the 2021 advanced communes).
    assert!(
        rows.iter()
            .any(|r| r.contains("Kỳ Phú") && r.contains("nâng cao")),
        "{rows:?}"
    );
    let mut bad = fields;
    bad[0] = ("units", "18850, 99999");
    let r = app.post(&office, "/recognition/decisions", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("99999"), "{}", r.body);
    let commune = app.login("xa-kylac").await;
    let page = app.get(&commune, "/recognition").await;
    assert!(
        !page.body.contains("/recognition/decisions"),
        "the form is the office's"
    );
    let r = app.post(&commune, "/recognition/decisions", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_districts_dossier_is_the_central_tiers_and_says_what_the_sources_lack() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let list = app.get(&office, "/recognition").await.body;
    let doc = scraper::Html::parse_document(&list);
    let sel = scraper::Selector::parse("table a").unwrap();
    let href = doc
        .select(&sel)
        .find(|a| a.text().collect::<String>() == "Huyện Hương Sơn")
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("Hương Sơn in the pipeline");
    let page = app.get(&office, &href).await.body;
    assert!(
        page.contains("Quyết định: số chưa rõ, ngày 27/04/2022, Thủ tướng Chính phủ"),
        "{page}"
    );
    assert!(
        !page.contains("value=\"decision\""),
        "no decision form once decided"
    );
    assert!(page.contains("trung ương"), "the central tier's steps");
    assert!(
        page.contains("value=\"Thủ tướng Chính phủ\""),
        "a withdrawal is the Prime Minister's"
    );
}

#[tokio::test]
async fn documents_are_attached_at_the_dossiers_step_and_read_by_scope() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let r = app
        .post(
            &commune,
            "/recognition",
            &[
                ("unit", "18850"),
                ("year", "2022"),
                ("level", "model"),
                ("on", "2022-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location.clone().unwrap();
    let pdf: &[u8] = b"%PDF-1.4 bien ban";
    let r = app
        .post_multipart(
            &commune,
            &format!("{page}/files"),
            &[("note", "biên bản họp thôn")],
            &[("file", "C:\\Users\\x\\Biên bản.pdf", pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = app.get(&commune, &page).await.body;
    let links = texts(&body, "table a[href*='/files/']");
    assert_eq!(
        links,
        ["Biên bản.pdf"],
        "the name without the sender's path"
    );
    assert!(body.contains("biên bản họp thôn") && body.contains("đăng ký phấn đấu"));
    let doc = scraper::Html::parse_document(&body);
    let sel = scraper::Selector::parse("table a[href*='/files/']").unwrap();
    let href = doc
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let file = app.get(&commune, &href).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, pdf);
    assert!(
        file.disposition
            .as_deref()
            .unwrap_or_default()
            .starts_with("attachment")
    );

    // An empty file is refused with its reason; another commune neither reads nor attaches.
    let r = app
        .post_multipart(
            &commune,
            &format!("{page}/files"),
            &[],
            &[("file", "rong.pdf", b"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("rỗng") || r.body.contains("Chưa chọn tệp"),
        "{}",
        r.body
    );
    let other = app.login("xa-thanhsen").await;
    assert_eq!(app.get(&other, &href).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post_multipart(
            &other,
            &format!("{page}/files"),
            &[],
            &[("file", "x.pdf", b"x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A document id under another dossier's path is not found.
    let wrong = href.replacen(&page, "/recognition/1", 1);
    assert_eq!(
        app.get(&commune, &wrong).await.status,
        StatusCode::NOT_FOUND,
        "{wrong}"
    );
}
