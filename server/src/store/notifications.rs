//! Storage of the in-app notifications that tell people what happened: on whose record, by
//! whom, about which item. Never any content.

use async_trait::async_trait;

use super::{AccountId, AuditRows, Rpps, StoreError};

/// Who a notification is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A patient's account.
    Patient(AccountId),
    /// A professional, by RPPS.
    Professional(Rpps),
}

/// A notification as stored: what happened, on whose record, by whom (an RPPS). No content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub kind: String,
    pub record_id: Option<AccountId>,
    pub actor: Option<Rpps>,
    /// The item it is about (a document), if any.
    pub item_id: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

#[async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    async fn push_notification(
        &self,
        recipient: &Recipient,
        kind: &str,
        record_id: Option<&AccountId>,
        actor: Option<&Rpps>,
        item_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Newest first.
    async fn notifications(
        &self,
        recipient: &Recipient,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
    async fn mark_notifications_read(
        &self,
        recipient: &Recipient,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
}
