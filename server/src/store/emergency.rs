//! Storage of emergency access: the patient's advance refusal, break-glass sessions (their
//! reasons arrive sealed), finding a record by identity for a professional facing an
//! emergency, and the in-app notifications that tell people what happened.

use super::AuditRows;
use async_trait::async_trait;

use super::{AccountRecord, StoreError};
use crate::vault::WrappedKey;

pub struct NewBreakGlass<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub rpps: &'a str,
    pub data_key: &'a str,
    pub key: &'a WrappedKey,
    pub sealed_reason: &'a [u8],
    pub started_at: i64,
    pub expires_at: i64,
}

/// A break-glass session as stored. No `Debug`: the reason, once opened, is health content.
#[derive(Clone)]
pub struct BreakGlassRecord {
    pub id: String,
    pub account_id: String,
    pub rpps: String,
    pub data_key: String,
    pub key: WrappedKey,
    pub sealed_reason: Vec<u8>,
    pub started_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
}

impl BreakGlassRecord {
    /// When the access stopped or will stop: ended early, or its maximum.
    pub fn until(&self) -> i64 {
        self.ended_at.map_or(self.expires_at, |ended| ended.min(self.expires_at))
    }

    pub fn live_at(&self, now: i64) -> bool {
        now < self.until()
    }
}

/// Who a notification is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A patient's account.
    Patient(String),
    /// A professional, by RPPS.
    Professional(String),
}

/// A notification as stored: what happened, on whose record, by whom (an RPPS). No content.
#[derive(Clone, Debug, PartialEq, Eq)]
/// A share link of the emergency summary, as stored: ciphertext, never the key.
pub struct NewEmergencyLink<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub jwe: &'a str,
    pub fhir_jwe: &'a str,
    pub passcode_hash: Option<&'a str>,
    pub single_use: bool,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A link's state; its encrypted files are read apart, for a view only.
#[derive(Clone)]
pub struct EmergencyLinkRecord {
    pub id: String,
    pub account_id: String,
    pub passcode_hash: Option<String>,
    pub failures: u32,
    pub views: u32,
    pub single_use: bool,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl EmergencyLinkRecord {
    /// Whether the link still opens at `now` with at most `tries` wrong passcodes.
    pub fn live_at(&self, now: i64, tries: u32) -> bool {
        self.revoked_at.is_none()
            && self.expires_at > now
            && self.failures < tries
            && !(self.single_use && self.views > 0)
    }
}

pub struct NotificationRecord {
    pub id: i64,
    pub kind: String,
    pub record_id: Option<String>,
    pub actor: Option<String>,
    /// The item it is about (a document), if any.
    pub item_id: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

#[async_trait]
pub trait EmergencyStore: Send + Sync + 'static {
    async fn set_break_glass_refused(
        &self,
        account_id: &str,
        refused: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// Active (or awaiting activation) records whose holder has exactly these names (compared without case) and birth
    /// date. More than one means the identity is ambiguous.
    async fn records_by_identity(
        &self,
        given_name: &str,
        family_name: &str,
        birth_date: &str,
    ) -> Result<Vec<AccountRecord>, StoreError>;
    /// Creates the session with its reason's data key and its audit entry, in one transaction.
    async fn start_break_glass(
        &self,
        session: &NewBreakGlass<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    async fn break_glass_by_id(&self, id: &str) -> Result<Option<BreakGlassRecord>, StoreError>;
    /// The newest break-glass session of this professional on this record, if any.
    async fn latest_break_glass(
        &self,
        account_id: &str,
        rpps: &str,
    ) -> Result<Option<BreakGlassRecord>, StoreError>;
    /// Ends the session early; `false` if it is not this professional's or was over already.
    async fn end_break_glass(
        &self,
        id: &str,
        rpps: &str,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
    /// Every break-glass session on this record, newest first.
    async fn break_glass_of_record(
        &self,
        account_id: &str,
    ) -> Result<Vec<BreakGlassRecord>, StoreError>;
    /// The professional's sessions still live at `now`, newest first.
    async fn live_break_glass_of(
        &self,
        rpps: &str,
        now: i64,
    ) -> Result<Vec<BreakGlassRecord>, StoreError>;
    /// Every session started since `since`, oldest first (the review list).
    async fn break_glass_since(&self, since: i64) -> Result<Vec<BreakGlassRecord>, StoreError>;

    async fn push_notification(
        &self,
        recipient: &Recipient,
        kind: &str,
        record_id: Option<&str>,
        actor: Option<&str>,
        item_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Newest first.
    async fn notifications(
        &self,
        recipient: &Recipient,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
    async fn create_emergency_link(
        &self,
        link: &NewEmergencyLink<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// The patient's links, newest first.
    async fn emergency_links(
        &self,
        account_id: &str,
    ) -> Result<Vec<EmergencyLinkRecord>, StoreError>;
    async fn emergency_link(&self, id: &str) -> Result<Option<EmergencyLinkRecord>, StoreError>;
    /// The link's encrypted summary and bundle.
    async fn emergency_link_files(&self, id: &str) -> Result<Option<(String, String)>, StoreError>;
    /// Ends the patient's link now; `false` if it is not theirs or already ended.
    async fn revoke_emergency_link(
        &self,
        id: &str,
        account_id: &str,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
    /// Counts one passcode try before it is checked, if the link is still live at `now` with
    /// fewer than `tries` failures: the new count, or `None` (dead). Parallel tries cannot pass
    /// the cap: each takes its place first.
    async fn reserve_link_try(
        &self,
        id: &str,
        now: i64,
        tries: u32,
    ) -> Result<Option<u32>, StoreError>;
    /// A view, with its audit entry: gives back the try taken for a right passcode (`reserved`),
    /// counts the view and ends a single-use link. `false` if the link died meanwhile.
    async fn view_emergency_link(
        &self,
        id: &str,
        reserved: bool,
        now: i64,
        tries: u32,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;

    async fn mark_notifications_read(
        &self,
        recipient: &Recipient,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
}
