//! The one way out for codes and notices: e-mail or SMS through a [`MessageService`]. The
//! default is a local outbox in the database, read with `carnet outbox` and by tests; an SMTP
//! or SMS provider plugs in behind the same trait. A message's body (which may hold a code)
//! never goes to a log.

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
