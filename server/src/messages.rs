//! The one way out for codes and notices: e-mail or SMS through a [`MessageService`]. The
//! default is a local outbox in the database, read with `carnet outbox` and by tests. E-mail
//! goes out over SMTP ([`Smtp`], lettre) when an SMTP URL is configured; SMS stay in the outbox
//! until an SMS provider is plugged in behind the same trait. A message's body (which may hold
//! a code) never goes to a log.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    clock::Clock,
    store::{Channel, Store, StoreError},
};

/// A message to one person. No `Debug`: the body may carry a one-time code.
pub struct Message {
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("the outbox could not be written")]
    Outbox(#[from] StoreError),
    /// The address or the message could not be built (the detail names no content).
    #[error("the e-mail could not be built")]
    Build,
    #[error("the SMTP server refused or could not be reached")]
    Smtp(#[source] lettre::transport::smtp::Error),
}

#[async_trait]
pub trait MessageService: Send + Sync + 'static {
    async fn send(&self, message: Message) -> Result<(), MessageError>;
}

/// Keeps messages in the database's outbox table: nothing leaves the machine.
pub struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }
}

#[async_trait]
impl MessageService for Outbox {
    async fn send(&self, message: Message) -> Result<(), MessageError> {
        self.store
            .push_outbox(
                message.channel,
                &message.recipient,
                &message.subject,
                &message.body,
                self.clock.now(),
            )
            .await?;
        tracing::info!(channel = ?message.channel, "message queued in the local outbox");
        Ok(())
    }
}

/// E-mail over SMTP; SMS to `sms` (the outbox until an SMS provider exists).
pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    sms: Arc<dyn MessageService>,
}

impl Smtp {
    /// `url`: `smtps://user:password@host:465`, `smtp://host:587?tls=required`, or
    /// `smtp://host:25` (no TLS, for a relay on the same machine). `from`: `Carnet <no-reply@…>`.
    pub fn new(url: &str, from: &str, sms: Arc<dyn MessageService>) -> Result<Self, MessageError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|_| MessageError::Build)?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|_| MessageError::Build)?;
        Ok(Self { transport, from, sms })
    }
}

#[async_trait]
impl MessageService for Smtp {
    async fn send(&self, message: Message) -> Result<(), MessageError> {
        use lettre::AsyncTransport;
        if message.channel == Channel::Sms {
            return self.sms.send(message).await;
        }
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(message.recipient.parse().map_err(|_| MessageError::Build)?)
            .subject(message.subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(message.body)
            .map_err(|_| MessageError::Build)?;
        self.transport.send(email).await.map_err(MessageError::Smtp)?;
        tracing::info!("e-mail handed to the SMTP server");
        Ok(())
    }
}
