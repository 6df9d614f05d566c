//! Storage of the insurer's feeds (their credentials) and of the care history they write. A
//! line's content arrives here already sealed; what a list sorts and the purge reads (its kind
//! and date) is in clear, as a document's category and date are.

use app::{date::Date, ins::Ins, vocabulary::CareKind};
use async_trait::async_trait;

use super::{AccountId, AuditRows, CareLineId, Matched, StoreError};
use crate::vault::WrappedKey;

/// A configured feed, without its credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedRecord {
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// The insurer's own name for a line: its identifier system (a URI) and the value in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId {
    pub system: String,
    pub value: String,
}

/// A line as stored, with its current version. No `Debug`: `sealed` opens to health content.
#[derive(Clone)]
pub struct CareLineRecord {
    pub id: CareLineId,
    pub account_id: AccountId,
    /// The feed that wrote it: the only one that may correct it.
    pub feed: String,
    pub source: SourceId,
    pub kind: CareKind,
    pub care_date: Date,
    pub data_key: String,
    pub key: WrappedKey,
    pub version: u32,
    pub sealed: Vec<u8>,
    pub masked: bool,
    pub updated_at: i64,
}

/// One line of a batch, as the store writes it into one record.
pub enum CareWrite<'a> {
    /// A line the record does not have yet, with its own data key.
    New {
        id: &'a CareLineId,
        source: &'a SourceId,
        data_key: &'a str,
        key: &'a WrappedKey,
        kind: CareKind,
        care_date: Date,
        sealed: &'a [u8],
    },
    /// The next version of a line of the record that stands at version `after`.
    Version { id: &'a CareLineId, after: u32, kind: CareKind, care_date: Date, sealed: &'a [u8] },
}

/// What became of one [`CareWrite`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CareWritten {
    Stored,
    Updated {
        version: u32,
    },
    /// Someone wrote that line first (a batch sent twice at once): nothing written, send again.
    Raced,
}

/// Committed with its audit entry whatever became of each line (a line that raced is still
/// reported, and the batch still happened).
impl super::Committed for Vec<CareWritten> {
    fn committed(&self) -> bool {
        true
    }
}

/// How many lines a pruning deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deleted(pub u64);

/// How many lines a record lost to the 24-month limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pruned {
    pub account_id: AccountId,
    pub lines: u64,
}

#[async_trait]
pub trait CareStore: Send + Sync + 'static {
    /// Adds a feed; `Conflict("feeds_name")` if the name is taken (revoked or not).
    async fn add_feed(&self, name: &str, token_hash: &[u8], now: i64) -> Result<(), StoreError>;
    /// `false` if there is no such live feed.
    async fn revoke_feed(&self, name: &str, now: i64) -> Result<Matched, StoreError>;
    async fn feeds(&self) -> Result<Vec<FeedRecord>, StoreError>;
    /// The live feed whose token has this digest.
    async fn feed_by_token(&self, token_hash: &[u8]) -> Result<Option<String>, StoreError>;
    /// The lines already stored under these identifiers, whatever their record.
    async fn care_lines_by_source(
        &self,
        sources: &[&SourceId],
    ) -> Result<Vec<CareLineRecord>, StoreError>;
    /// Writes a batch's lines of one record, matched on `ins`, with its audit entry, in one
    /// transaction; answers what became of each, in order. `None`, and nothing written, when the
    /// record no longer holds `ins` verified or was closed meanwhile.
    async fn write_care_lines(
        &self,
        account_id: &AccountId,
        ins: &Ins,
        feed: &str,
        writes: &[CareWrite<'_>],
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<Vec<CareWritten>>, StoreError>;
    /// The record's lines, newest care first.
    async fn care_lines(&self, account_id: &AccountId) -> Result<Vec<CareLineRecord>, StoreError>;
    async fn care_line(
        &self,
        account_id: &AccountId,
        id: &CareLineId,
    ) -> Result<Option<CareLineRecord>, StoreError>;
    async fn set_care_line_masked(
        &self,
        account_id: &AccountId,
        id: &CareLineId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
    /// The records that hold lines of care before `before`, and how many.
    async fn care_lines_before(&self, before: Date) -> Result<Vec<Pruned>, StoreError>;
    /// Deletes the record's lines of care before `before` (their versions and keys with them),
    /// with the audit entry that says so; answers how many, `None` (and no entry) if another
    /// pruning took them first.
    async fn prune_care_lines(
        &self,
        account_id: &AccountId,
        before: Date,
        audit: &AuditRows,
    ) -> Result<Option<Deleted>, StoreError>;
}
