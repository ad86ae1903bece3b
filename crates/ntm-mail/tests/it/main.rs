//! Mail through a real SMTP conversation — the mailer alone, and the app's digests sent
//! through it: a small SMTP sink in this file listens on
//! 127.0.0.1, speaks enough RFC 5321 for the client, and records what it receives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ntm_app::mail::digest;
use ntm_mail::{Mail, MailError, Mailer, Security, SmtpConfig};

/// The binary's glue, as it is there: the app's outbox through the SMTP mailer.
struct Smtp(Mailer);

#[async_trait::async_trait]
impl ntm_app::mail::Outbox for Smtp {
    async fn send(&self, m: &ntm_app::mail::Message) -> Result<(), String> {
        self.0
            .send(&Mail {
                to: m.to.clone(),
                to_name: m.to_name.clone(),
                subject: m.subject.clone(),
                text: m.text.clone(),
            })
            .await
            .map_err(|e| e.to_string())
    }
}

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    /// The message as sent after DATA, dot-stuffing undone.
    data: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Accept,
    /// Answers every RCPT with 550.
    RefuseRcpt,
    /// Accepts the connection and never says a word.
    Silent,
}

struct Sink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
}

impl Sink {
    fn start(behaviour: Behaviour) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (m, c) = (messages.clone(), connections.clone());
        // The accepting thread ends with the test process; each connection's thread ends
        // when the client leaves or after a read timeout.
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                c.fetch_add(1, Ordering::SeqCst);
                let m = m.clone();
                thread::spawn(move || {
                    let _ = serve(stream, behaviour, &m);
                });
            }
        });
        Sink {
            port,
            messages,
            connections,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    fn config(&self) -> SmtpConfig {
        SmtpConfig::parse(&format!(
            "smtp://127.0.0.1:{}?security=none&from=ntm%40example.vn",
            self.port
        ))
        .unwrap()
    }
}

fn serve(
    stream: TcpStream,
    behaviour: Behaviour,
    messages: &Mutex<Vec<Received>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    if behaviour == Behaviour::Silent {
        // Until the client gives up and closes.
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
        return Ok(());
    }
    let mut out = stream;
    out.write_all(b"220 sink.test ESMTP ready\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            // No STARTTLS, no AUTH: this sink implements neither.
            "EHLO" => "250-sink.test greets you\r\n250 HELP\r\n".to_string(),
            "HELO" | "NOOP" => "250 OK\r\n".to_string(),
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                "250 OK\r\n".to_string()
            }
            "MAIL" => {
                from = angle_addr(&command);
                "250 2.1.0 OK\r\n".to_string()
            }
            "RCPT" if behaviour == Behaviour::RefuseRcpt => format!(
                "550 5.1.1 <{}>: Recipient address rejected: User unknown\r\n",
                angle_addr(&command)
            ),
            "RCPT" => {
                to.push(angle_addr(&command));
                "250 2.1.5 OK\r\n".to_string()
            }
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    let unstuffed = if line.starts_with(b"..") {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    data.extend_from_slice(unstuffed);
                }
                messages.lock().unwrap().push(Received {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data: String::from_utf8(data).expect("the message is UTF-8"),
                });
                "250 2.0.0 OK: queued\r\n".to_string()
            }
            "QUIT" => {
                out.write_all(b"221 2.0.0 Bye\r\n")?;
                return Ok(());
            }
            _ => "502 5.5.2 Command not recognised\r\n".to_string(),
        };
        out.write_all(reply.as_bytes())?;
    }
}

fn angle_addr(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_string()
}

/// The headers (unfolded, in order) and the decoded body of a message.
fn parse_message(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = data
        .split_once("\r\n\r\n")
        .expect("headers end with a blank line");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            headers.last_mut().unwrap().1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').expect("a header");
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    let encoding = header(&headers, "Content-Transfer-Encoding").to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body),
        "7bit" | "8bit" | "" => body.as_bytes().to_vec(),
        other => panic!("unexpected transfer encoding {other}"),
    };
    let text = String::from_utf8(bytes).expect("the body is UTF-8");
    (headers, text.replace("\r\n", "\n"))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or("", |(_, v)| v.as_str())
}

/// Decodes RFC 2047 encoded-words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`); whitespace
/// between two encoded-words is dropped, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            bytes.extend_from_slice(rest.as_bytes());
            break;
        };
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            bytes.extend_from_slice(between.as_bytes());
        }
        let word = &rest[start + 2..];
        let mut parts = word.splitn(3, '?');
        let (charset, kind, tail) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(charset.eq_ignore_ascii_case("utf-8"), "{charset}");
        let end = tail.find("?=").expect("an encoded-word ends with ?=");
        let text = &tail[..end];
        match kind {
            "b" | "B" => bytes.extend(base64(text)),
            "q" | "Q" => bytes.extend(quoted_printable(&text.replace('_', " "))),
            other => panic!("unknown encoding {other}"),
        }
        rest = &tail[end + 2..];
        after_word = true;
    }
    String::from_utf8(bytes).expect("UTF-8")
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("a base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("=XX"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn items() -> Vec<(String, String, Option<String>)> {
    vec![
        (
            "29/11/2026 12:00".into(),
            "Nhiệm vụ 2.2.18415 sắp đến hạn (hạn 05/12/2026): Hoàn thiện hồ sơ quy hoạch chung xã"
                .into(),
            Some("/tasks/41".into()),
        ),
        (
            "29/11/2026 12:00".into(),
            "Nhiệm vụ 17.1 đã quá hạn (hạn 01/11/2026): Thu gom, xử lý rác thải sinh hoạt".into(),
            Some("/tasks/7".into()),
        ),
        (
            "28/11/2026 08:15".into(),
            "Báo cáo quý IV đã được Văn phòng xác nhận".into(),
            None,
        ),
    ]
}

#[tokio::test]
async fn a_digest_arrives_whole_at_a_real_smtp_server() {
    let sink = Sink::start(Behaviour::Accept);
    let config = sink.config();
    assert_eq!(config.security, Security::None);
    let mailer = Mailer::new(&config).unwrap();
    let (subject, text) = digest("Nguyễn Thị Hoa", &items(), "https://ntm.hatinh.gov.vn");
    assert_eq!(
        subject,
        "[ntm] 3 thông báo mới: nhiệm vụ sắp đến hạn, quá hạn"
    );
    mailer
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: "Nguyễn Thị Hoa".into(),
            subject: subject.clone(),
            text,
        })
        .await
        .unwrap();

    let received = sink.received();
    assert_eq!(received.len(), 1, "exactly one message");
    let m = &received[0];
    assert_eq!(m.from, "ntm@example.vn");
    assert_eq!(m.to, ["xa-thanhsen@example.vn"]);
    let (headers, body) = parse_message(&m.data);
    assert_eq!(decode_words(header(&headers, "Subject")), subject);
    assert!(
        header(&headers, "Subject").is_ascii(),
        "headers travel as ASCII"
    );
    assert_eq!(
        decode_words(header(&headers, "To")),
        "Nguyễn Thị Hoa <xa-thanhsen@example.vn>"
    );
    assert_eq!(header(&headers, "From"), "ntm@example.vn");
    assert_eq!(
        header(&headers, "Content-Type").to_ascii_lowercase(),
        "text/plain; charset=utf-8"
    );
    assert!(!header(&headers, "Date").is_empty());
    let id = header(&headers, "Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@example.vn>"), "{id}");
    assert!(body.starts_with("Kính gửi Nguyễn Thị Hoa,\n"), "{body}");
    for (when, text, _) in items() {
        assert!(body.contains(&when), "{body}");
        assert!(body.contains(&text), "{body}");
    }
    assert!(
        body.contains("Xem: https://ntm.hatinh.gov.vn/tasks/41\n"),
        "{body}"
    );
    assert!(
        body.contains("Xem: https://ntm.hatinh.gov.vn/tasks/7\n"),
        "{body}"
    );
    assert!(body.contains("Văn phòng Điều phối nông thôn mới"), "{body}");
    assert!(
        body.contains("https://ntm.hatinh.gov.vn/notifications"),
        "{body}"
    );
}

#[tokio::test]
async fn a_refused_recipient_is_an_error_that_says_why() {
    let sink = Sink::start(Behaviour::RefuseRcpt);
    let mailer = Mailer::new(&sink.config()).unwrap();
    let err = mailer
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: String::new(),
            subject: "[ntm] thử".into(),
            text: "Nội dung".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MailError::Rejected {
                code: 550,
                temporary: false,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.starts_with("máy chủ thư từ chối"), "{message}");
    assert!(message.contains("xa-thanhsen@example.vn"), "{message}");
    assert!(message.contains("User unknown"), "{message}");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_bad_address_is_refused_before_any_connection() {
    let sink = Sink::start(Behaviour::Accept);
    let mailer = Mailer::new(&sink.config()).unwrap();
    let err = mailer
        .send(&Mail {
            to: "xã Thạch Sen".into(),
            to_name: String::new(),
            subject: "s".into(),
            text: "t".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Address { .. }), "{err:?}");
    assert_eq!(err.to_string(), "địa chỉ thư “xã Thạch Sen” không hợp lệ");
    assert_eq!(sink.connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn starttls_is_required_when_asked_for() {
    let sink = Sink::start(Behaviour::Accept);
    let config = SmtpConfig {
        security: Security::StartTls,
        ..sink.config()
    };
    let err = Mailer::new(&config)
        .unwrap()
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: String::new(),
            subject: "s".into(),
            text: "t".into(),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    assert!(
        sink.received().is_empty(),
        "nothing goes out in the clear when the server offers no STARTTLS"
    );
}

fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_not_a_hang() {
    let port = closed_port();
    let config = SmtpConfig::parse(&format!(
        "smtp://127.0.0.1:{port}?security=none&from=ntm%40example.vn"
    ))
    .unwrap();
    let mailer = Mailer::with_timeout(&config, Duration::from_secs(2)).unwrap();
    let started = Instant::now();
    let err = mailer
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: String::new(),
            subject: "s".into(),
            text: "t".into(),
        })
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err, MailError::Connect { .. } | MailError::Timeout { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let sink = Sink::start(Behaviour::Silent);
    let mailer = Mailer::with_timeout(&sink.config(), Duration::from_millis(500)).unwrap();
    let started = Instant::now();
    let err = mailer
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: String::new(),
            subject: "s".into(),
            text: "t".into(),
        })
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "máy chủ thư 127.0.0.1:{} không trả lời trong 1 giây",
            sink.port
        )
    );
}

#[test]
fn smtp_urls_are_read_with_their_defaults() {
    type Expected = (
        &'static str,
        u16,
        Security,
        Option<(&'static str, &'static str)>,
        &'static str,
    );
    let cases: [(&str, Expected); 11] = [
        (
            "smtp://user:pass@mail.hatinh.gov.vn:587?from=vpdp%40hatinh.gov.vn&security=starttls",
            (
                "mail.hatinh.gov.vn",
                587,
                Security::StartTls,
                Some(("user", "pass")),
                "vpdp@hatinh.gov.vn",
            ),
        ),
        (
            "smtp://mail.hatinh.gov.vn?from=vpdp%40hatinh.gov.vn",
            (
                "mail.hatinh.gov.vn",
                587,
                Security::StartTls,
                None,
                "vpdp@hatinh.gov.vn",
            ),
        ),
        (
            // The user name stands in for a missing from.
            "smtps://vpdp%40hatinh.gov.vn:m%E1%BA%ADt%20kh%E1%BA%A9u%3A%2F%40@mail.hatinh.gov.vn",
            (
                "mail.hatinh.gov.vn",
                465,
                Security::Tls,
                Some(("vpdp@hatinh.gov.vn", "mật khẩu:/@")),
                "vpdp@hatinh.gov.vn",
            ),
        ),
        (
            "smtps://mail.hatinh.gov.vn:2465?from=vpdp%40hatinh.gov.vn&security=tls",
            (
                "mail.hatinh.gov.vn",
                2465,
                Security::Tls,
                None,
                "vpdp@hatinh.gov.vn",
            ),
        ),
        (
            "smtp://mail.hatinh.gov.vn?security=tls&from=vpdp%40hatinh.gov.vn",
            (
                "mail.hatinh.gov.vn",
                465,
                Security::Tls,
                None,
                "vpdp@hatinh.gov.vn",
            ),
        ),
        (
            "smtp://127.0.0.1?security=none&from=ntm%40example.vn",
            ("127.0.0.1", 25, Security::None, None, "ntm@example.vn"),
        ),
        (
            " smtp://relay.local:2525?security=NONE&from=ntm%40example.vn ",
            ("relay.local", 2525, Security::None, None, "ntm@example.vn"),
        ),
        (
            "smtp://[::1]:2525?security=none&from=ntm%40example.vn",
            ("::1", 2525, Security::None, None, "ntm@example.vn"),
        ),
        (
            // A password in the clear is fine to this very machine.
            "smtp://u:p@localhost?security=none&from=ntm%40example.vn",
            (
                "localhost",
                25,
                Security::None,
                Some(("u", "p")),
                "ntm@example.vn",
            ),
        ),
        (
            "smtp://mail.hatinh.gov.vn?from=V%C4%83n%20ph%C3%B2ng%20%3Cvpdp%40hatinh.gov.vn%3E",
            (
                "mail.hatinh.gov.vn",
                587,
                Security::StartTls,
                None,
                "Văn phòng <vpdp@hatinh.gov.vn>",
            ),
        ),
        (
            // A + stays a +.
            "smtp://mail.hatinh.gov.vn?from=ntm+digest%40hatinh.gov.vn",
            (
                "mail.hatinh.gov.vn",
                587,
                Security::StartTls,
                None,
                "ntm+digest@hatinh.gov.vn",
            ),
        ),
    ];
    for (url, (host, port, security, credentials, from)) in cases {
        let c = SmtpConfig::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(c.host, host, "{url}");
        assert_eq!(c.port, port, "{url}");
        assert_eq!(c.security, security, "{url}");
        assert_eq!(
            c.credentials,
            credentials.map(|(u, p)| (u.to_string(), p.to_string())),
            "{url}"
        );
        assert_eq!(c.from, from, "{url}");
        Mailer::new(&c).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[test]
fn bad_smtp_urls_are_refused_in_vietnamese() {
    let cases = [
        (
            "mail.hatinh.gov.vn",
            "phải bắt đầu bằng smtp:// hoặc smtps://",
        ),
        (
            "http://mail.hatinh.gov.vn?from=a%40b.vn",
            "giao thức “http” không được hỗ trợ",
        ),
        ("smtp://mail.hatinh.gov.vn", "thiếu địa chỉ người gửi"),
        (
            "smtp://mail.hatinh.gov.vn?from=vpdp",
            "địa chỉ người gửi “vpdp” không hợp lệ",
        ),
        ("smtp://:25?from=a%40b.vn", "thiếu tên máy chủ"),
        (
            "smtp://mail.hatinh.gov.vn:99999?from=a%40b.vn",
            "cổng phải là một số từ 1 đến 65535",
        ),
        (
            "smtp://mail.hatinh.gov.vn:0?from=a%40b.vn",
            "cổng phải là một số từ 1 đến 65535",
        ),
        (
            "smtp://mail.hatinh.gov.vn?from=a%40b.vn&security=ssl",
            "security=“ssl” không hợp lệ",
        ),
        (
            "smtps://mail.hatinh.gov.vn?from=a%40b.vn&security=none",
            "smtps:// luôn dùng TLS",
        ),
        (
            "smtp://mail.hatinh.gov.vn?from=a%40b.vn&tls=true",
            "tham số “tls” không được hỗ trợ",
        ),
        (
            "smtp://mail.hatinh.gov.vn?from=a%40b.vn&from=c%40d.vn",
            "tham số “from” bị lặp lại",
        ),
        (
            "smtp://vpdp@mail.hatinh.gov.vn?from=a%40b.vn",
            "thiếu mật khẩu",
        ),
        (
            "smtp://:secret@mail.hatinh.gov.vn?from=a%40b.vn",
            "thiếu tên người dùng",
        ),
        (
            "smtp://u:secret@mail.hatinh.gov.vn?security=none&from=a%40b.vn",
            "không gửi mật khẩu qua kết nối không mã hoá",
        ),
        ("smtp://mail.hatinh.gov.vn/ehlo?from=a%40b.vn", "đường dẫn"),
        ("smtp://mail.hàtĩnh.vn?from=a%40b.vn", "chữ không dấu"),
    ];
    for (url, expected) in cases {
        let err = SmtpConfig::parse(url).expect_err(url);
        assert!(matches!(err, MailError::Config(_)), "{url}: {err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("địa chỉ SMTP không hợp lệ: "),
            "{url}: {message}"
        );
        assert!(message.contains(expected), "{url}: {message}");
        assert!(
            !message.contains("secret"),
            "{url}: the password leaked: {message}"
        );
    }
}

#[tokio::test]
async fn implicit_tls_to_a_plain_server_is_a_tls_error() {
    let sink = Sink::start(Behaviour::Accept);
    let config = SmtpConfig {
        security: Security::Tls,
        ..sink.config()
    };
    let err = Mailer::with_timeout(&config, Duration::from_secs(5))
        .unwrap()
        .send(&Mail {
            to: "xa-thanhsen@example.vn".into(),
            to_name: String::new(),
            subject: "s".into(),
            text: "t".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("không thiết lập được kết nối mã hoá (TLS)"),
        "{err}"
    );
    assert!(sink.received().is_empty());
}

/// The demo with e-mail addresses for the office and Thành Sen's officer, reminded at a
/// fixed time.
async fn reminded_demo(dir: &std::path::Path) -> std::sync::Arc<dyn ntm_store::Store> {
    let s = ntm_testkit::demo_store(dir).await;
    let audit = ntm_testkit::audit();
    for (user, email) in [
        ("vpdp", "vpdp@example.vn"),
        ("xa-thanhsen", "thanhsen@example.vn"),
    ] {
        let id = s.find_user(user).await.unwrap().unwrap().id;
        ntm_app::accounts::set_email(s.as_ref(), id, email, &audit)
            .await
            .unwrap();
    }
    let id = s.find_user("bcd").await.unwrap().unwrap().id;
    let err = ntm_app::accounts::set_email(s.as_ref(), id, "không phải địa chỉ", &audit)
        .await
        .unwrap_err();
    assert!(matches!(err, ntm_app::AppError::Fields(_)), "{err:?}");
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T05:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    ntm_app::tasks::remind(s.as_ref(), &registry, now, 7)
        .await
        .unwrap();
    s
}

#[tokio::test]
async fn reminders_reach_each_user_once_by_email() {
    let dir = tempfile::tempdir().unwrap();
    let s = reminded_demo(dir.path()).await;
    let now = test_now();
    let sink = Sink::start(Behaviour::Accept);
    let mailer = Smtp(Mailer::new(&sink.config()).unwrap());
    let first = ntm_app::mail::send_digests(s.as_ref(), &mailer, "https://ntm.example.vn", now)
        .await
        .unwrap();
    assert_eq!(first.mails, 2, "{first:?}");
    assert!(first.failures.is_empty());
    let received = sink.received();
    let mut to: Vec<_> = received.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["thanhsen@example.vn", "vpdp@example.vn"]);
    let thanh_sen = received
        .iter()
        .find(|m| m.to == ["thanhsen@example.vn"])
        .unwrap();
    let (headers, body) = parse_message(&thanh_sen.data);
    assert!(decode_words(header(&headers, "Subject")).contains("sắp đến hạn"));
    assert!(
        body.contains("Hoàn thiện hồ sơ đề nghị xét công nhận"),
        "its task due 30/11: {body}"
    );
    assert!(body.contains("https://ntm.example.vn/tasks/"), "{body}");
    let office = s.find_user("vpdp").await.unwrap().unwrap().id;
    let carried = s.list_notifications(office, true).await.unwrap().len()
        + s.list_notifications(s.find_user("xa-thanhsen").await.unwrap().unwrap().id, true)
            .await
            .unwrap()
            .len();
    assert_eq!(
        first.notifications, carried,
        "every unread notification went out"
    );

    // Running again sends nothing twice.
    let again = ntm_app::mail::send_digests(s.as_ref(), &mailer, "https://ntm.example.vn", now)
        .await
        .unwrap();
    assert_eq!(again, ntm_app::mail::DigestReport::default());
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test]
async fn a_refused_digest_is_kept_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = reminded_demo(dir.path()).await;
    let now = test_now();
    let refusing = Sink::start(Behaviour::RefuseRcpt);
    let report = ntm_app::mail::send_digests(
        s.as_ref(),
        &Smtp(Mailer::new(&refusing.config()).unwrap()),
        "https://ntm.example.vn",
        now,
    )
    .await
    .unwrap();
    assert_eq!(report.mails, 0);
    assert_eq!(report.failures.len(), 2, "{report:?}");
    assert!(report.failures[0].1.contains("từ chối"), "{report:?}");
    let sink = Sink::start(Behaviour::Accept);
    let later = ntm_app::mail::send_digests(
        s.as_ref(),
        &Smtp(Mailer::new(&sink.config()).unwrap()),
        "https://ntm.example.vn",
        now,
    )
    .await
    .unwrap();
    assert_eq!(later.mails, 2);
}

use ntm_testkit::test_now;
