//! Storage of the emergency summary's share links: the ciphertext a responder opens, never its
//! key, with the count of views and of wrong passcodes.

use async_trait::async_trait;

use super::{AccountId, AuditRows, LinkId, StoreError};

/// A share link of the emergency summary, as stored: ciphertext, never the key.
pub struct NewEmergencyLink<'a> {
    pub id: &'a LinkId,
    pub account_id: &'a AccountId,
    pub jwe: &'a str,
    pub fhir_jwe: &'a str,
    pub passcode_hash: Option<&'a str>,
    pub single_use: bool,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A link's state; its encrypted files are read apart, for a view only. Read as the row is.
#[derive(Clone, sqlx::FromRow)]
pub struct EmergencyLinkRecord {
    pub id: LinkId,
    pub account_id: AccountId,
    pub passcode_hash: Option<String>,
    #[sqlx(try_from = "i64")]
    pub failures: u32,
    #[sqlx(try_from = "i64")]
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

#[async_trait]
pub trait EmergencyLinkStore: Send + Sync + 'static {
    async fn create_emergency_link(
        &self,
        link: &NewEmergencyLink<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// The patient's links, newest first.
    async fn emergency_links(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<EmergencyLinkRecord>, StoreError>;
    async fn emergency_link(&self, id: &LinkId) -> Result<Option<EmergencyLinkRecord>, StoreError>;
    /// The link's encrypted summary and bundle.
    async fn emergency_link_files(
        &self,
        id: &LinkId,
    ) -> Result<Option<(String, String)>, StoreError>;
    /// Ends the patient's link now; `false` if it is not theirs or already ended.
    async fn revoke_emergency_link(
        &self,
        id: &LinkId,
        account_id: &AccountId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
    /// Counts one passcode try before it is checked, if the link is still live at `now` with
    /// fewer than `tries` failures: the new count, or `None` (dead). Parallel tries cannot pass
    /// the cap: each takes its place first.
    async fn reserve_link_try(
        &self,
        id: &LinkId,
        now: i64,
        tries: u32,
    ) -> Result<Option<u32>, StoreError>;
    /// A view, with its audit entry: gives back the try taken for a right passcode (`reserved`),
    /// counts the view and ends a single-use link. `false` if the link died meanwhile.
    async fn view_emergency_link(
        &self,
        id: &LinkId,
        reserved: bool,
        now: i64,
        tries: u32,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
}
