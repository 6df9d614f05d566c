//! Storage of emergency access: the patient's advance refusal, break-glass sessions (their
//! reasons arrive sealed), and finding a record by identity for a professional facing an
//! emergency.

use async_trait::async_trait;

use super::{AccountId, AccountRecord, AuditRows, BreakGlassId, Rpps, StoreError};
use crate::vault::WrappedKey;

pub struct NewBreakGlass<'a> {
    pub id: &'a BreakGlassId,
    pub account_id: &'a AccountId,
    pub rpps: &'a Rpps,
    pub data_key: &'a str,
    pub key: &'a WrappedKey,
    pub sealed_reason: &'a [u8],
    pub started_at: i64,
    pub expires_at: i64,
}

/// A break-glass session as stored. No `Debug`: the reason, once opened, is health content.
#[derive(Clone)]
pub struct BreakGlassRecord {
    pub id: BreakGlassId,
    pub account_id: AccountId,
    pub rpps: Rpps,
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

#[async_trait]
pub trait EmergencyStore: Send + Sync + 'static {
    async fn set_break_glass_refused(
        &self,
        account_id: &AccountId,
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
    async fn break_glass_by_id(
        &self,
        id: &BreakGlassId,
    ) -> Result<Option<BreakGlassRecord>, StoreError>;
    /// The newest break-glass session of this professional on this record, if any.
    async fn latest_break_glass(
        &self,
        account_id: &AccountId,
        rpps: &Rpps,
    ) -> Result<Option<BreakGlassRecord>, StoreError>;
    /// Ends the session early; `false` if it is not this professional's or was over already.
    async fn end_break_glass(
        &self,
        id: &BreakGlassId,
        rpps: &Rpps,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
    /// Every break-glass session on this record, newest first.
    async fn break_glass_of_record(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<BreakGlassRecord>, StoreError>;
    /// The professional's sessions still live at `now`, newest first.
    async fn live_break_glass_of(
        &self,
        rpps: &Rpps,
        now: i64,
    ) -> Result<Vec<BreakGlassRecord>, StoreError>;
    /// Every session started since `since`, oldest first (the review list).
    async fn break_glass_since(&self, since: i64) -> Result<Vec<BreakGlassRecord>, StoreError>;
}
