//! Real-browser tests: headless Chromium driven through chromedriver (Debian's
//! `chromium` and `chromium-driver`, installed by `.ci/run`). They are `#[ignore]`d, so a
//! plain run reports them as skipped; `--run-ignored all` (as `.ci/run` does) runs them,
//! and they fail when the browser is missing.
//!
//! With `NTM_SCREENSHOTS=DIR`, the main pages are also saved as PNG at desktop and phone
//! width, for people to look at.

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::app::test_now;
use fantoccini::{Client, ClientBuilder, Locator};
use ntm_app::clock::Clock;
use ntm_web::{AppState, WebConfig, router};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const KY_LAC: &str = "18850@2020-01-01";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("address")
        .port()
}

/// Fails the test when the browser is missing: these tests are `#[ignore]`d, so they run
/// only when asked for (`--run-ignored all`, as `.ci/run` does), and then must run.
fn require_browser() {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "{CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver)"
    );
}

/// Serves the demo application on a free port; returns its base URL.
async fn serve_demo(dir: &std::path::Path) -> String {
    let store = ntm_testkit::demo_store(dir).await;
    let app = router(AppState::new(
        store,
        WebConfig::default(),
        Clock::fixed(test_now()),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

async fn browser() -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", "--lang=vi-VN"],
        }),
    );
    // chromedriver needs a moment to listen: retry a bounded number of times.
    for attempt in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if attempt == 49 => panic!("cannot reach chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    unreachable!("the loop returns or panics")
}

async fn login(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    c.find(Locator::Css("input[name=username]"))
        .await
        .expect("name field")
        .send_keys(user)
        .await
        .expect("type");
    c.find(Locator::Css("input[name=password]"))
        .await
        .expect("password field")
        .send_keys(ntm_app::demo::DEMO_PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css(".login button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("nav.main"))
        .await
        .expect("signed in");
}

async fn logout(c: &Client) {
    c.find(Locator::Css(".who button"))
        .await
        .expect("sign-out button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("input[name=username]"))
        .await
        .expect("signed out");
}

/// Waits (up to 10 s) until the page's main text holds `needle`: after a click, the old
/// page may still be there for a moment.
async fn wait_text(c: &Client, needle: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(main) = c.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            if text.contains(needle) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never said “{needle}”: {last}");
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

async fn shoot(c: &Client, base: &str, path: &str, name: &str) {
    let Ok(dir) = std::env::var("NTM_SCREENSHOTS") else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    c.goto(&format!("{base}{path}")).await.expect("page");
    for (suffix, w, h) in [("desktop", 1280, 900), ("phone", 390, 844)] {
        c.set_window_size(w, h).await.expect("resize");
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(format!("{dir}/{name}-{suffix}.png"), png).expect("write png");
    }
    c.set_window_size(1280, 900).await.expect("resize");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: apt-get install chromium chromium-driver, run with --run-ignored all"]
async fn a_commune_enters_and_submits_the_office_approves_and_the_scorecard_and_dashboard_change() {
    require_browser();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = serve_demo(dir.path()).await;
    let (_driver, c) = browser().await;

    // Before: no commune has data for 2023.
    login(&c, &base, "xa-kylac").await;
    c.goto(&format!("{base}/?year=2023"))
        .await
        .expect("overview");
    assert!(
        body_text(&c).await.contains("chưa có số liệu"),
        "2023 starts empty"
    );

    // The commune officer enters values and submits.
    c.goto(&format!("{base}/entry/{KY_LAC}/2023"))
        .await
        .expect("entry form");
    c.find(Locator::Css("input[name='v_3.1']"))
        .await
        .expect("3.1")
        .send_keys("86,5")
        .await
        .expect("type");
    c.find(Locator::Css("input[name='e_3.1']"))
        .await
        .expect("evidence")
        .send_keys("https://example.vn/bien-ban.pdf")
        .await
        .expect("type");
    c.find(Locator::Css("input[name='v_2.1']"))
        .await
        .expect("2.1")
        .send_keys("100")
        .await
        .expect("type");
    c.find(Locator::Css("button[value=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("p.ok"))
        .await
        .expect("confirmation");
    let text = body_text(&c).await;
    assert!(
        text.contains("Đã gửi duyệt") && text.contains("chờ duyệt"),
        "{text}"
    );
    logout(&c).await;

    // The office approves.
    login(&c, &base, "vpdp").await;
    c.goto(&format!("{base}/approval"))
        .await
        .expect("approval list");
    // The demo leaves two 2022 unit-years waiting too: open Kỳ Lạc's 2023.
    c.find(Locator::Css(&format!("a[href='/approval/{KY_LAC}/2023']")))
        .await
        .expect("pending item")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("button.primary"))
        .await
        .expect("approve button")
        .click()
        .await
        .expect("click");
    // The page before the click has a status too: wait for the new one, not for any.
    wait_text(&c, "đã duyệt (khóa)").await;

    // The scorecard shows the value and its evidence; the dashboard counts the commune.
    c.goto(&format!("{base}/units/{KY_LAC}/scorecard?year=2023"))
        .await
        .expect("scorecard");
    let card = body_text(&c).await;
    assert!(
        card.contains("86,5%") && card.contains("minh chứng") && card.contains("đã duyệt (khóa)"),
        "{card}"
    );
    c.goto(&format!("{base}/?year=2023"))
        .await
        .expect("overview");
    let tiles = c
        .find(Locator::Css(".tile-value"))
        .await
        .expect("tiles")
        .text()
        .await
        .expect("text");
    assert_eq!(tiles, "1", "the dashboard now counts the commune");

    // Screenshots of the main pages at desktop and phone width.
    for (path, name) in [
        ("/?year=2021", "overview"),
        ("/units?as_of=2025-07-01", "units"),
        ("/units/18073@2025-07-01", "unit-lineage"),
        (
            &format!("/units/{KY_LAC}/scorecard?year=2021") as &str,
            "scorecard",
        ),
        ("/matrix?year=2021", "matrix"),
        (&format!("/entry/{KY_LAC}/2024") as &str, "entry"),
        (&format!("/approval/{KY_LAC}/2023") as &str, "approval"),
        ("/criteria/xa-ntm-2021-2025-minh-hoa", "criteria"),
        ("/audit", "audit"),
        (
            "/sponsors/lagging?year=2022&unit=444@2020-01-01",
            "do-dau-huong-khe",
        ),
        ("/sponsors/1", "do-dau"),
        ("/funds/report?from=2021&to=2026", "bao-cao-nguon-luc"),
    ] {
        shoot(&c, &base, path, name).await;
    }
    // The reports print to PDF (A4; the wide ones landscape) with page numbers.
    for (path, name) in [
        ("/reports/criteria?year=2021", "bao-cao-tieu-chi"),
        ("/reports/levels?year=2021", "thong-ke-muc-dat"),
        ("/reports/candidates?year=2022", "xa-gan-dat-muc"),
        ("/funds/report?from=2021&to=2026", "bao-cao-nguon-luc"),
        (
            "/sponsors/lagging?year=2022&unit=444@2020-01-01",
            "do-dau-huong-khe",
        ),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("report page");
        // WebDriver printing ignores the CSS page size, so ask for what landscape.css asks
        // the print dialog for.
        let config = fantoccini::wd::PrintConfiguration::builder()
            .background(true)
            .orientation(fantoccini::wd::PrintOrientation::Landscape)
            .build()
            .expect("print configuration");
        let pdf = c.print(config).await.expect("print to PDF");
        assert!(pdf.starts_with(b"%PDF"), "{path} prints to PDF");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.matches("/Type /Page").count() + text.matches("/Type/Page").count() >= 1,
            "{path}: the PDF has pages"
        );
        if let Ok(dir) = std::env::var("NTM_SCREENSHOTS") {
            std::fs::write(format!("{dir}/{name}.pdf"), &pdf).expect("write pdf");
        }
    }
    c.close().await.expect("close the browser");
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: apt-get install chromium chromium-driver, run with --run-ignored all"]
async fn a_task_goes_from_the_directive_form_through_a_progress_report_to_confirmed_completion() {
    require_browser();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = serve_demo(dir.path()).await;
    let (_driver, c) = browser().await;

    // The office records a directive with one task for Phường Thành Sen.
    login(&c, &base, "vpdp").await;
    c.goto(&format!("{base}/directives/new"))
        .await
        .expect("form");
    type_into(&c, "input[name=number]", "27/TB-BCĐ").await;
    type_into(
        &c,
        "input[name=title]",
        "Kết luận giao ban Ban Chỉ đạo tháng 11/2026",
    )
    .await;
    type_into(&c, "input[name=code_0]", "1").await;
    type_into(&c, "input[name=lead_0]", "Phường Thành Sen").await;
    type_into(
        &c,
        "textarea[name=text_0]",
        "Báo cáo kết quả thu gom rác thải sinh hoạt tháng 11",
    )
    .await;
    // Date inputs take what the locale shows; set the value as the picker would. The
    // deadline is 47 days after the server's fixed clock.
    let due = ntm_core::task::local_date(test_now()) + chrono::Duration::days(47);
    c.execute(
        &format!(
            "document.querySelector(\"input[name='deadline_0']\").value = '{}'",
            due.format("%Y-%m-%d")
        ),
        vec![],
    )
    .await
    .expect("deadline");
    click(&c, "form.directive-form button.primary").await;
    c.wait()
        .for_element(Locator::Css(".tiles"))
        .await
        .expect("the directive's compilation");
    let page = body_text(&c).await;
    assert!(
        page.contains("27/TB-BCĐ")
            && page.contains("Phường Thành Sen")
            && page.contains(&due.format("%d/%m/%Y").to_string()),
        "{page}"
    );
    let task = c
        .find(Locator::Css("table.data td a[href^='/tasks/']"))
        .await
        .expect("task link")
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    logout(&c).await;

    // The ward's officer reports progress with the minutes attached and marks it done.
    login(&c, &base, "xa-thanhsen").await;
    c.goto(&format!("{base}{task}")).await.expect("task page");
    type_into(
        &c,
        "textarea[name=text]",
        "Đã thu gom 96% rác thải, biên bản kèm theo",
    )
    .await;
    c.find(Locator::Css("input[name=percent]"))
        .await
        .expect("percent")
        .clear()
        .await
        .expect("clear");
    type_into(&c, "input[name=percent]", "100").await;
    let minutes = dir.path().join("bien-ban-thu-gom.pdf");
    std::fs::write(&minutes, b"%PDF-1.4 bien ban").expect("file");
    type_into(
        &c,
        "input[name=attachment]",
        minutes.to_str().expect("utf-8"),
    )
    .await;
    click(&c, "input[name=done]").await;
    click(&c, "form[action$='/report'] button[type=submit]").await;
    c.wait()
        .for_element(Locator::LinkText("bien-ban-thu-gom.pdf (1 KB)"))
        .await
        .expect("the report with its attachment");
    let text = body_text(&c).await;
    assert!(text.contains("chờ xác nhận"), "{text}");
    logout(&c).await;

    // The office confirms: done on time.
    login(&c, &base, "vpdp").await;
    c.goto(&format!("{base}{task}")).await.expect("task page");
    click(&c, ".decide button.primary").await;
    c.wait()
        .for_element(Locator::XPath("//*[contains(text(), 'xác nhận lúc')]"))
        .await
        .expect("confirmed");
    let text = body_text(&c).await;
    assert!(
        text.contains("hoàn thành đúng hạn") && !text.contains("chờ xác nhận"),
        "{text}"
    );

    for (path, name) in [
        ("/tasks", "tasks"),
        ("/directives/2", "directive"),
        ("/directives/report", "period-report"),
        ("/directives/new?rows=2", "directive-form"),
        (&task as &str, "task"),
    ] {
        shoot(&c, &base, path, name).await;
    }
    c.close().await.expect("close the browser");
}

/// Every behaviour of a page works under its Content-Security-Policy: no inline handler,
/// style attribute or `javascript:` link on the pages that had them, and clicking "In"
/// (print) runs the script's handler without a policy violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: apt-get install chromium chromium-driver, run with --run-ignored all"]
async fn print_and_back_work_under_the_content_security_policy() {
    require_browser();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = serve_demo(dir.path()).await;
    let (_driver, c) = browser().await;
    login(&c, &base, "vpdp").await;
    const INLINE: &str = "return document.querySelectorAll('[style],[onclick],[onload],[onsubmit],[onchange],[oninput],a[href^=\"javascript:\"]').length";
    for path in [
        "/directives/1",
        "/directives/report",
        "/tasks",
        "/units/khong-co",
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        let inline = c.execute(INLINE, vec![]).await.expect("script");
        assert_eq!(
            inline,
            serde_json::json!(0),
            "{path}: inline script or style"
        );
    }
    c.goto(&format!("{base}/directives/1")).await.expect("page");
    c.execute(
        "window.__violations = []; window.__printed = false; \
         document.addEventListener('securitypolicyviolation', function (e) { window.__violations.push(e.violatedDirective); }); \
         window.print = function () { window.__printed = true; };",
        vec![],
    )
    .await
    .expect("instrument");
    click(&c, "button[data-print]").await;
    let seen = c
        .execute("return [window.__printed, window.__violations];", vec![])
        .await
        .expect("read back");
    assert_eq!(seen, serde_json::json!([true, []]), "printed, no violation");

    // The error page's "back" goes back.
    c.goto(&format!("{base}/tasks")).await.expect("page");
    c.goto(&format!("{base}/units/khong-co"))
        .await
        .expect("error page");
    click(&c, "a[data-back]").await;
    let mut back = String::new();
    for _ in 0..50 {
        back = c.current_url().await.expect("url").to_string();
        if back.ends_with("/tasks") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        back.ends_with("/tasks"),
        "back on the follow-up page: {back}"
    );
    c.close().await.expect("close the browser");
}

/// A phone scanning a product's QR code: the code on the office's product page encodes the
/// product's public address (the encoder, run on that address, gives the same code), and a
/// phone-sized browser without a session opens it on the public page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: apt-get install chromium chromium-driver, run with --run-ignored all"]
async fn a_phone_scanning_a_products_qr_code_lands_on_its_public_page() {
    require_browser();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = serve_demo(dir.path()).await;
    let (_driver, c) = browser().await;
    login(&c, &base, "vpdp").await;
    c.goto(&format!("{base}/ocop/products?stars=4"))
        .await
        .expect("products");
    let link = c
        .find(Locator::Css("table a[href^='/ocop/products/']"))
        .await
        .expect("a four-star product");
    let name = link.text().await.expect("name");
    link.click().await.expect("click");
    wait_text(&c, "Mã QR trên bao bì").await;
    let path = c.current_url().await.expect("url").path().to_owned();
    let id = path.trim_start_matches("/ocop/products/").to_owned();
    let url = c
        .find(Locator::Css("section.card a[href*='/san-pham-ocop/']"))
        .await
        .expect("the public link")
        .attr("href")
        .await
        .expect("href")
        .expect("an address");
    assert_eq!(url, format!("{base}/san-pham-ocop/{id}"));
    // The dark modules are one path: its outline is the code.
    let shown = c
        .execute(
            "return Array.from(document.querySelectorAll('div.qr svg path')).map(p => p.getAttribute('d')).join('|');",
            vec![],
        )
        .await
        .expect("the QR code's paths");
    let expected = ntm_app::ocop::qr_svg(&url).expect("encode");
    let paths: Vec<&str> = expected
        .split(" d=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next())
        .collect();
    assert!(!paths.is_empty(), "{expected}");
    assert_eq!(
        shown,
        serde_json::json!(paths.join("|")),
        "the code on the page is the code of the public address"
    );
    shoot(&c, &base, &path, "ocop-product").await;
    // The phone: no session, a phone's width, the scanned address.
    logout(&c).await;
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(&url).await.expect("the scanned address");
    wait_text(&c, "Sản phẩm OCOP 4 sao").await;
    let text = body_text(&c).await;
    assert!(
        text.contains(name.trim_end_matches(" minh họa").trim()),
        "{text}"
    );
    assert!(text.contains("Còn hiệu lực"), "{text}");
    assert!(
        c.find(Locator::Css("nav.main")).await.is_err(),
        "a public page, without the application's menu"
    );
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        wide,
        serde_json::json!(true),
        "no sideways scrolling on a phone"
    );
    shoot(&c, &base, &format!("/san-pham-ocop/{id}"), "ocop-public").await;
    c.close().await.expect("close the browser");
}
