//! E-mail, as the app sees it: the digest of a user's unread notifications and the run
//! that sends one to every user with an address, through an [`Outbox`]. Sending itself
//! (SMTP, TLS) is `ntm-mail`'s; the binary connects the two, so that the use cases stay
//! free of the network and the runtime.
//!
//! The digest is plain text on purpose: the communes read mail in old clients, on phones
//! and over slow connections, where an HTML message arrives late, badly drawn or as an
//! attachment.

use async_trait::async_trait;

/// A message to send: plain UTF-8 text to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The recipient's address.
    pub to: String,
    /// The recipient's name as shown by the mail client; may be empty.
    pub to_name: String,
    pub subject: String,
    pub text: String,
}

/// Where the app's messages go: an SMTP server in production (`ntm-mail`, wired by the
/// binary). The error is the reason, in Vietnamese, for the report.
#[async_trait]
pub trait Outbox: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), String>;
}

/// One notification for [`digest`]: when (already formatted for the reader), its text,
/// and the path in the web application it points to, if any (`/tasks/12`).
pub type DigestItem = (String, String, Option<String>);

/// The subject and plain-text body of the e-mail that tells `full_name` of their unread
/// notifications; links are made absolute with `base_url` (`https://ntm.example.vn`).
///
/// The subject says how many notifications there are and what about, so that the reader
/// can judge from the inbox how urgent it is. Notifications carry no kind, so the topics
/// are recognised from the wording [`crate::tasks::remind`] gives them.
pub fn digest(full_name: &str, items: &[DigestItem], base_url: &str) -> (String, String) {
    let base = base_url.trim_end_matches('/');
    let due_soon = items.iter().any(|(_, t, _)| t.contains("sắp đến hạn"));
    let overdue = items.iter().any(|(_, t, _)| t.contains("quá hạn"));
    let topic = match (due_soon, overdue) {
        (true, true) => Some("nhiệm vụ sắp đến hạn, quá hạn"),
        (true, false) => Some("nhiệm vụ sắp đến hạn"),
        (false, true) => Some("nhiệm vụ quá hạn"),
        (false, false) => None,
    };
    let mut subject = format!("[ntm] {} thông báo mới", items.len());
    if let Some(topic) = topic {
        subject.push_str(": ");
        subject.push_str(topic);
    }

    let name = full_name.trim();
    let mut body = format!(
        "Kính gửi {},\n\nHệ thống ntm có {} thông báo mới chưa đọc:\n",
        if name.is_empty() { "anh/chị" } else { name },
        items.len()
    );
    for (i, (when, text, link)) in items.iter().enumerate() {
        body.push_str(&format!("\n{}. {when}\n   {}\n", i + 1, text.trim()));
        if let Some(link) = link {
            body.push_str(&format!("   Xem: {}\n", absolute(base, link)));
        }
    }
    // "-- " with its trailing space is the signature separator that mail clients
    // recognise, so they can fold the footer away or leave it out of a reply.
    body.push_str(&format!(
        "\n-- \nThư này được gửi tự động từ hệ thống ntm của Văn phòng Điều phối nông thôn mới; \
         xin đừng trả lời thư này.\nXem tất cả thông báo: {base}/notifications\n"
    ));
    (subject, body)
}

/// What one run of the digests did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// Messages sent, one per user.
    pub mails: usize,
    /// Notifications they carried.
    pub notifications: usize,
    /// Users whose digest could not be sent: (username, why). Their notifications stay
    /// pending and go out with the next run.
    pub failures: Vec<(String, String)>,
}

/// Sends every user with an e-mail address one digest of their notifications not yet
/// read nor e-mailed, then marks those e-mailed, so that running it twice sends nothing
/// twice. A user whose mail fails is reported and retried next time; the others still get
/// theirs.
pub async fn send_digests(
    store: &dyn ntm_store::Store,
    outbox: &dyn Outbox,
    base_url: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::AppResult<DigestReport> {
    let pending = store.pending_emails().await?;
    let mut by_user: std::collections::BTreeMap<i64, Vec<ntm_store::NotificationRecord>> =
        std::collections::BTreeMap::new();
    for n in pending {
        by_user.entry(n.user_id).or_default().push(n);
    }
    let mut report = DigestReport::default();
    for (user_id, notes) in by_user {
        let Some(user) = store.get_user(user_id).await? else {
            continue;
        };
        let Some(address) = user.email.clone() else {
            continue;
        };
        let items: Vec<DigestItem> = notes
            .iter()
            .map(|n| {
                (
                    crate::tasks::vn_datetime(n.at),
                    n.text.clone(),
                    n.link.clone(),
                )
            })
            .collect();
        let (subject, text) = digest(&user.full_name, &items, base_url);
        let message = Message {
            to: address,
            to_name: user.full_name.clone(),
            subject,
            text,
        };
        match outbox.send(&message).await {
            Ok(()) => {
                let ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
                store.mark_emailed(&ids, now).await?;
                report.mails += 1;
                report.notifications += ids.len();
            }
            Err(e) => report.failures.push((user.username, e)),
        }
    }
    Ok(report)
}

fn absolute(base: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        link.to_string()
    } else if link.starts_with('/') {
        format!("{base}{link}")
    } else {
        format!("{base}/{link}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(when: &str, text: &str, link: Option<&str>) -> DigestItem {
        (when.into(), text.into(), link.map(Into::into))
    }

    #[test]
    fn the_digest_names_its_topics_and_links_every_item() {
        let items = [
            item(
                "29/11/2026 12:00",
                "Nhiệm vụ 2.1 sắp đến hạn (hạn 05/12/2026): Rà soát quy hoạch",
                Some("/tasks/12"),
            ),
            item(
                "29/11/2026 12:00",
                "Nhiệm vụ 17.1 đã quá hạn (hạn 01/11/2026): Thu gom rác thải",
                Some("/tasks/40"),
            ),
            item("28/11/2026 08:15", "Báo cáo đã được xác nhận", None),
        ];
        let (subject, body) = digest("Nguyễn Văn An", &items, "https://ntm.example.vn/");
        assert_eq!(
            subject,
            "[ntm] 3 thông báo mới: nhiệm vụ sắp đến hạn, quá hạn"
        );
        assert!(body.starts_with("Kính gửi Nguyễn Văn An,\n"), "{body}");
        assert!(body.contains(
            "1. 29/11/2026 12:00\n   Nhiệm vụ 2.1 sắp đến hạn (hạn 05/12/2026): Rà soát quy hoạch\n   Xem: https://ntm.example.vn/tasks/12\n"
        ), "{body}");
        assert!(body.contains("Xem: https://ntm.example.vn/tasks/40\n"));
        assert!(body.contains("3. 28/11/2026 08:15\n   Báo cáo đã được xác nhận\n\n-- \n"));
        assert!(body.contains("Văn phòng Điều phối nông thôn mới"));
        assert!(body.ends_with("Xem tất cả thông báo: https://ntm.example.vn/notifications\n"));
    }

    #[test]
    fn the_subject_names_only_the_topics_present() {
        let soon = item("", "Nhiệm vụ 1 sắp đến hạn (hạn 05/12/2026): x", None);
        let late = item("", "Nhiệm vụ 2 đã quá hạn (hạn 01/11/2026): y", None);
        let other = item("", "Có báo cáo mới", None);
        let subject = |items: &[DigestItem]| digest("A", items, "http://x").0;
        assert_eq!(
            subject(std::slice::from_ref(&soon)),
            "[ntm] 1 thông báo mới: nhiệm vụ sắp đến hạn"
        );
        assert_eq!(
            subject(&[late.clone(), other.clone()]),
            "[ntm] 2 thông báo mới: nhiệm vụ quá hạn"
        );
        assert_eq!(subject(&[other]), "[ntm] 1 thông báo mới");
    }

    #[test]
    fn links_are_made_absolute_once() {
        assert_eq!(absolute("https://a.vn", "/tasks/1"), "https://a.vn/tasks/1");
        assert_eq!(absolute("https://a.vn", "tasks/1"), "https://a.vn/tasks/1");
        assert_eq!(absolute("https://a.vn", "https://b.vn/x"), "https://b.vn/x");
        let (_, body) = digest("", &[], "https://a.vn///");
        assert!(body.starts_with("Kính gửi anh/chị,"));
        assert!(body.contains("https://a.vn/notifications"));
    }
}
