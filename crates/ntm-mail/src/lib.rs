//! SMTP: how ntm sends mail (today, the digest of a user's unread notifications, which
//! `ntm_app::mail` writes).
//!
//! The mailer exists only when an SMTP server is configured (an `smtp://` or `smtps://`
//! URL, see [`SmtpConfig::parse`]); without one, notifications stay in the application
//! and nothing here is used. The digest is plain text on purpose: the communes read mail
//! in old clients, on phones and over slow connections, where an HTML message arrives
//! late, badly drawn or as an attachment.
//!
//! Each [`Mailer::send`] opens its own connection and closes it after the message: a
//! digest goes out a few times a day, and a pooled connection would sit idle until the
//! server drops it.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;

/// How long one [`Mailer::send`] may take in all (connection, TLS, the whole SMTP
/// conversation) before it gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text, for a relay on the same machine or a test sink.
    None,
    /// Plain connection upgraded with STARTTLS, which is required: the mailer refuses a
    /// server that does not offer it rather than sending in the clear.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl Security {
    /// The usual port: 25 (relay), 587 (submission), 465 (submissions).
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// Where and how to send mail, read from a URL by [`SmtpConfig::parse`].
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, String)>,
    /// The sender: an address, optionally with a name (`Văn phòng <vpdp@example.vn>`).
    pub from: String,
}

// By hand, so that the password never reaches a log.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpConfig {
    /// Reads `smtp://user:password@host:port?from=...&security=...`.
    ///
    /// - `smtp://` means STARTTLS (port 587 by default), `smtps://` implicit TLS (465);
    ///   `security=none|starttls|tls` overrides `smtp://`, and `security=none` (port 25 by
    ///   default) is meant for a local relay or a test sink.
    /// - User, password and the query values are percent-decoded (`%40` for `@`); a `+`
    ///   stays a `+`, as e-mail addresses may hold one.
    /// - `from` is required unless the user name is itself an e-mail address.
    /// - A password is not accepted over `security=none` to another machine, where it
    ///   would cross the network in the clear.
    ///
    /// Errors are in Vietnamese and never repeat the password.
    pub fn parse(url: &str) -> Result<SmtpConfig, MailError> {
        let bad = |m: &str| MailError::Config(m.to_string());
        let url = url.trim();
        let parsed = url::Url::parse(url).map_err(|e| {
            MailError::Config(
                match e {
                    url::ParseError::RelativeUrlWithoutBase => {
                        "phải bắt đầu bằng smtp:// hoặc smtps://"
                    }
                    url::ParseError::EmptyHost => "thiếu tên máy chủ",
                    url::ParseError::InvalidPort => "cổng phải là một số từ 1 đến 65535",
                    url::ParseError::InvalidIpv4Address
                    | url::ParseError::InvalidIpv6Address
                    | url::ParseError::InvalidDomainCharacter
                    | url::ParseError::IdnaError => "tên máy chủ không hợp lệ",
                    _ => "không đọc được địa chỉ",
                }
                .to_string(),
            )
        })?;
        let implicit_tls = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(MailError::Config(format!(
                    "giao thức “{other}” không được hỗ trợ: dùng smtp:// hoặc smtps://"
                )));
            }
        };
        let host = match parsed.host() {
            None | Some(url::Host::Domain("")) => return Err(bad("thiếu tên máy chủ")),
            // `url` leaves the host of an smtp:// URL opaque and percent-encodes what is not
            // ASCII; neither DNS nor TLS would take that.
            Some(url::Host::Domain(d)) if d.contains('%') => {
                return Err(bad(
                    "tên máy chủ phải viết bằng chữ không dấu (tên miền tiếng Việt viết dạng xn--...)",
                ));
            }
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
        };
        if !matches!(parsed.path(), "" | "/") {
            return Err(bad("không được có đường dẫn sau tên máy chủ"));
        }
        if parsed.fragment().is_some() {
            return Err(bad("không được có phần “#...”"));
        }

        let mut from = None;
        let mut security = None;
        for pair in parsed.query().unwrap_or("").split('&') {
            if pair.is_empty() {
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key, "tên tham số")?;
            let value = decode(value, &key)?;
            let slot = match key.as_str() {
                "from" => &mut from,
                "security" => &mut security,
                _ => {
                    return Err(MailError::Config(format!(
                        "tham số “{key}” không được hỗ trợ: chỉ có from và security"
                    )));
                }
            };
            if slot.replace(value).is_some() {
                return Err(MailError::Config(format!("tham số “{key}” bị lặp lại")));
            }
        }
        let security = match security.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None if implicit_tls => Security::Tls,
            None => Security::StartTls,
            Some("tls") => Security::Tls,
            Some(s) if implicit_tls => {
                return Err(MailError::Config(format!(
                    "smtps:// luôn dùng TLS, không thể kèm security={s}"
                )));
            }
            Some("none") => Security::None,
            Some("starttls") => Security::StartTls,
            Some(s) => {
                return Err(MailError::Config(format!(
                    "security=“{s}” không hợp lệ: dùng none, starttls hoặc tls"
                )));
            }
        };
        let port = match parsed.port() {
            Some(0) => return Err(bad("cổng phải là một số từ 1 đến 65535")),
            Some(p) => p,
            None => security.default_port(),
        };

        let user = decode(parsed.username(), "tên người dùng")?;
        let password = parsed
            .password()
            .map(|p| decode(p, "mật khẩu"))
            .transpose()?;
        let credentials = match (user.is_empty(), password) {
            (true, None) => None,
            (true, Some(_)) => return Err(bad("có mật khẩu nhưng thiếu tên người dùng")),
            (false, None) => return Err(bad("thiếu mật khẩu của người dùng SMTP")),
            (false, Some(p)) if p.is_empty() => {
                return Err(bad("thiếu mật khẩu của người dùng SMTP"));
            }
            (false, Some(p)) => Some((user.clone(), p)),
        };
        if credentials.is_some() && security == Security::None && !is_loopback(&host) {
            return Err(bad(
                "không gửi mật khẩu qua kết nối không mã hoá tới máy khác: dùng security=starttls hoặc smtps://",
            ));
        }

        let from = match from {
            Some(f) => f,
            None if user.parse::<Address>().is_ok() => user,
            None => return Err(bad("thiếu địa chỉ người gửi (from=...)")),
        };
        if from.parse::<Mailbox>().is_err() {
            return Err(MailError::Config(format!(
                "địa chỉ người gửi “{from}” không hợp lệ"
            )));
        }
        Ok(SmtpConfig {
            host,
            port,
            security,
            credentials,
            from,
        })
    }
}

fn decode(s: &str, what: &str) -> Result<String, MailError> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| MailError::Config(format!("{what} không phải là văn bản UTF-8")))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// A message to send: plain UTF-8 text to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The recipient's name as shown by the mail client; may be empty.
    pub to_name: String,
    pub subject: String,
    pub text: String,
}

/// What sending mail can fail with. The messages are in Vietnamese, for the office.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP settings are wrong.
    #[error("địa chỉ SMTP không hợp lệ: {0}")]
    Config(String),
    /// A recipient's address is not an e-mail address.
    #[error("địa chỉ thư “{address}” không hợp lệ")]
    Address { address: String },
    /// The message could not be put together.
    #[error("không tạo được thư: {0}")]
    Build(String),
    /// The server could not be reached, or the connection broke.
    #[error("không kết nối được tới máy chủ thư {server}: {detail}")]
    Connect { server: String, detail: String },
    /// The TLS handshake failed (certificate, protocol version).
    #[error("không thiết lập được kết nối mã hoá (TLS) với máy chủ thư {server}: {detail}")]
    Tls { server: String, detail: String },
    /// The server did not answer in time.
    #[error("máy chủ thư {server} không trả lời trong {seconds} giây")]
    Timeout { server: String, seconds: u64 },
    /// The server refused, with an SMTP reply code; `temporary` (4xx) means a later
    /// attempt may succeed.
    #[error(
        "máy chủ thư {} thư gửi tới {to}: {code} {detail}",
        if *.temporary { "tạm thời chưa nhận" } else { "từ chối" }
    )]
    Rejected {
        to: String,
        code: u16,
        temporary: bool,
        detail: String,
    },
    /// Anything else the SMTP client reported, e.g. a server that offers no STARTTLS
    /// when it is required, or no login method the client knows.
    #[error("lỗi khi gửi thư qua {server}: {detail}")]
    Smtp { server: String, detail: String },
}

/// Sends mail through one SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
    security: Security,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Mailer {
    /// A mailer for `config`, giving up on a message after [`DEFAULT_TIMEOUT`].
    pub fn new(config: &SmtpConfig) -> Result<Mailer, MailError> {
        Mailer::with_timeout(config, DEFAULT_TIMEOUT)
    }

    /// A mailer for `config` that gives up on a message after `timeout`.
    pub fn with_timeout(config: &SmtpConfig, timeout: Duration) -> Result<Mailer, MailError> {
        let from = config.from.parse::<Mailbox>().map_err(|_| {
            MailError::Config(format!("địa chỉ người gửi “{}” không hợp lệ", config.from))
        })?;
        let server = format!("{}:{}", config.host, config.port);
        let tls = |host: &str| {
            TlsParameters::new(host.to_string()).map_err(|e| MailError::Tls {
                server: server.clone(),
                detail: e.to_string(),
            })
        };
        let tls = match config.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls(&config.host)?),
            Security::Tls => Tls::Wrapper(tls(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            server,
            security: config.security,
            timeout,
        })
    }

    /// Sends one message. A bad recipient address is an error before any connection is
    /// made; the whole exchange with the server is bounded by the mailer's timeout.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let address = mail
            .to
            .trim()
            .parse::<Address>()
            .map_err(|_| MailError::Address {
                address: mail.to.clone(),
            })?;
        let name = mail.to_name.trim();
        let to = Mailbox::new((!name.is_empty()).then(|| name.to_string()), address);
        let message = Message::builder()
            .message_id(Some(self.message_id()))
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| MailError::Build(e.to_string()))?;
        // lettre's own timeout covers connecting only; a server that accepts and then
        // stays silent would otherwise hold the caller for ever.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.explain(e, &mail.to)),
        }
    }

    // Some receiving servers count a message without a Message-ID as spam, and the
    // submission server does not always add one; the sender's own domain is the one the
    // office controls, unlike the host name of whatever machine runs the app.
    fn message_id(&self) -> String {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system provides randomness");
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("<{random}@{}>", self.from.email.domain())
    }

    fn timed_out(&self) -> MailError {
        MailError::Timeout {
            server: self.server.clone(),
            seconds: self.timeout.as_secs_f64().ceil() as u64,
        }
    }

    fn explain(&self, e: lettre::transport::smtp::Error, to: &str) -> MailError {
        if e.is_timeout() {
            return self.timed_out();
        }
        // lettre wraps the cause, each layer repeating the kind in its text: the innermost
        // error says it best.
        let mut innermost: &dyn std::error::Error = &e;
        let mut io_kind = None;
        while let Some(source) = innermost.source() {
            if let Some(io) = source.downcast_ref::<std::io::Error>() {
                io_kind.get_or_insert(io.kind());
            }
            innermost = source;
        }
        let detail = innermost.to_string();
        let server = self.server.clone();
        if let Some(code) = e.status() {
            return MailError::Rejected {
                to: to.to_string(),
                code: code.into(),
                temporary: e.is_transient(),
                detail,
            };
        }
        match io_kind {
            // tokio-rustls reports a failed handshake (an untrusted certificate, no common
            // protocol version) as invalid data; lettre itself calls it a connection error.
            Some(std::io::ErrorKind::InvalidData) if self.security != Security::None => {
                MailError::Tls { server, detail }
            }
            Some(_) => MailError::Connect { server, detail },
            None if e.is_tls() => MailError::Tls { server, detail },
            None => MailError::Smtp { server, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let c = SmtpConfig::parse("smtp://u%40x.vn:b%C3%AD%20m%E1%BA%ADt@mail.x.vn").unwrap();
        assert_eq!(
            c.credentials,
            Some(("u@x.vn".to_string(), "bí mật".to_string()))
        );
        assert_eq!(
            c.from, "u@x.vn",
            "the user name stands in for a missing from"
        );
        assert!(!format!("{c:?}").contains("bí mật"));
    }
}
