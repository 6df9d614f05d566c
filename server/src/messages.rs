//! The one way out for codes and notices: e-mail or SMS through a [`MessageService`], which
//! queues them in the database's outbox at once ([`Outbox`]). Without more, they stay there
//! (read with `carnet outbox` and by tests). With an SMTP URL, a background [`Courier`] delivers
//! the e-mail and retries what fails; SMS stay in the outbox until an SMS provider is plugged
//! in. A message's body (which may hold a code) never goes to a log, and is forgotten once
//! delivered.

use std::sync::Arc;

use async_trait::async_trait;

use tokio::sync::Notify;

use crate::{
    clock::Clock,
    store::{Channel, OutboxMessage, Store, StoreError},
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

/// Queues messages in the database's outbox table, at once: no request waits for a mail
/// server, and none is timed by one. Without a [`Courier`] nothing leaves the machine (read them
/// with `carnet outbox`); with one, it delivers them in the background.
pub struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    courier: Option<Arc<Notify>>,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, courier: None }
    }

    /// Wakes the courier as soon as a message is queued.
    pub fn waking(mut self, courier: Arc<Notify>) -> Self {
        self.courier = Some(courier);
        self
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
        match &self.courier {
            Some(courier) => courier.notify_one(),
            None => {
                tracing::info!(channel = ?message.channel, "message queued in the local outbox")
            }
        }
        Ok(())
    }
}

/// How long a courier's claim on a message lasts: servers sharing a database each run a courier,
/// and a message is sent by the one that claimed it; if that one stops before sending, another
/// sends it once the claim runs out.
pub const CLAIMED_FOR: i64 = 300;

/// Failed deliveries after which a message is given up.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 12;

/// How long after its `attempts`-th failure a message is tried again: 30 s doubling up to an hour
/// (about seven hours in all); `None` once it is given up.
pub fn retry_delay(attempts: u32) -> Option<i64> {
    if attempts >= MAX_DELIVERY_ATTEMPTS {
        return None;
    }
    let doubling = 30_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    Some(doubling.min(3600))
}

/// Delivers the outbox's e-mail over SMTP (lettre), in the background: what is due at once, and
/// again after a failure with growing delays. SMS stay in the outbox until an SMS provider is
/// plugged in.
pub struct Courier {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    wake: Arc<Notify>,
}

impl Courier {
    /// `url`: `smtps://user:password@host:465`, `smtp://host:587?tls=required`, or
    /// `smtp://host:25` (no TLS, for a relay on the same machine). `from`: `Carnet <no-reply@…>`.
    pub fn new(
        url: &str,
        from: &str,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, MessageError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|_| MessageError::Build)?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|_| MessageError::Build)?;
        Ok(Self { store, clock, transport, from, wake: Arc::new(Notify::new()) })
    }

    /// What an [`Outbox`] notifies when it queues a message.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Woken by this instead (made before the courier, for an outbox made first).
    pub fn woken_by(mut self, wake: Arc<Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// Delivers the e-mail that is due now, each message claimed first (see [`CLAIMED_FOR`]);
    /// answers how many went out.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let mut delivered = 0;
        loop {
            let now = self.clock.now();
            let due =
                self.store.claim_outbox_due(Channel::Email, now, now + CLAIMED_FOR, 1).await?;
            if due.is_empty() {
                return Ok(delivered);
            }
            for message in due {
                match self.deliver(&message).await {
                    Ok(()) => {
                        self.store.outbox_sent(message.id, self.clock.now()).await?;
                        delivered += 1;
                    }
                    Err(error) => {
                        let now = self.clock.now();
                        let next = retry_delay(message.attempts + 1).map(|delay| now + delay);
                        let attempts = self.store.outbox_retry(message.id, next, now).await?;
                        // Never the body, never the recipient: which message, and why.
                        tracing::warn!(message = message.id, attempts, given_up = next.is_none(),
                            error = %error, "an e-mail could not be delivered");
                    }
                }
            }
        }
    }

    async fn deliver(&self, message: &OutboxMessage) -> Result<(), MessageError> {
        use lettre::AsyncTransport;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(message.recipient.parse().map_err(|_| MessageError::Build)?)
            .subject(message.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|_| MessageError::Build)?;
        self.transport.send(email).await.map_err(MessageError::Smtp)?;
        Ok(())
    }

    /// Delivers for as long as the server runs: when woken by a new message, and every 30 s for
    /// the retries.
    pub async fn run(self) {
        loop {
            if let Err(error) = self.deliver_due().await {
                tracing::error!(%error, "the outbox could not be read");
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(30), self.wake.notified())
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deliveries_are_retried_with_growing_delays_then_given_up() {
        use super::retry_delay;
        assert_eq!(retry_delay(1), Some(30));
        assert_eq!(retry_delay(2), Some(60));
        assert_eq!(retry_delay(7), Some(1920));
        assert_eq!(retry_delay(8), Some(3600));
        assert_eq!(retry_delay(11), Some(3600));
        assert_eq!(retry_delay(12), None);
    }
}
