//! The app's outbox through the SMTP mailer: the one place the use cases meet the network
//! for mail, as `store.rs` is for the database.

use ntm_app::mail::{Message, Outbox};
use ntm_mail::{Mail, Mailer, SmtpConfig};

pub struct Smtp(Mailer);

impl Smtp {
    /// The mailer of an `smtp://` or `smtps://` URL; a bad URL is refused before anything
    /// is sent or recorded.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        Ok(Smtp(Mailer::new(&SmtpConfig::parse(url)?)?))
    }
}

#[async_trait::async_trait]
impl Outbox for Smtp {
    async fn send(&self, m: &Message) -> Result<(), String> {
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
