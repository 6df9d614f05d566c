//! The local outbox: every message (a code, a notice) is written here first, right after what it
//! tells of (in a transaction of its own), and delivered from here (by SMTP when configured); a
//! delivered message's body is forgotten.

use async_trait::async_trait;

use super::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

/// A message waiting in (or read from) the local outbox.
#[derive(Clone)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// Empty once delivered or given up (it may have held a code).
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// Failed deliveries so far.
    pub attempts: u32,
    /// Given up after too many failures (the operator sees it with `carnet outbox`).
    pub failed: bool,
}

#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    async fn push_outbox(
        &self,
        channel: Channel,
        recipient: &str,
        subject: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Newest first.
    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Claims the messages of `channel` due for delivery (never sent, not given up, their next
    /// try come), oldest first: none is due again before `claimed_until`, so that another
    /// server's courier does not send it too, and one whose sender stopped midway is sent then.
    async fn claim_outbox_due(
        &self,
        channel: Channel,
        now: i64,
        claimed_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Delivered: the body (which may hold a code) is forgotten.
    async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), StoreError>;
    /// Not delivered: tried again at `next_try_at`, or given up when that is `None`.
    async fn outbox_retry(
        &self,
        id: i64,
        next_try_at: Option<i64>,
        now: i64,
    ) -> Result<u32, StoreError>;
}
