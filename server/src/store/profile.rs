//! Storage of the health profile: entries with every version kept, contents sealed before they
//! arrive here.

use app::vocabulary::Section;
use async_trait::async_trait;

use super::AuditRows;
use super::{AccountId, EntryId, Matched, Party, StoreError};
use crate::vault::WrappedKey;

pub struct NewEntry<'a> {
    pub id: &'a EntryId,
    pub account_id: &'a AccountId,
    pub section: Section,
    pub data_key: &'a str,
    pub key: &'a WrappedKey,
    pub author: &'a Party,
    pub idempotency_key: Option<&'a str>,
    /// Version 1, sealed.
    pub sealed: &'a [u8],
    pub now: i64,
}

/// A new version of an entry, sealed.
pub struct NewVersion<'a> {
    pub sealed: &'a [u8],
    pub author: &'a Party,
    /// The writer's `Idempotency-Key`, when it sent one.
    pub idempotency_key: Option<&'a str>,
    pub now: i64,
}

/// An entry with its current version. No `Debug`: `sealed` opens to health content.
#[derive(Clone)]
pub struct EntryRecord {
    pub id: EntryId,
    pub account_id: AccountId,
    pub section: Section,
    pub data_key: String,
    pub key: WrappedKey,
    /// Who created the entry: the one who may change or remove it.
    pub author: Party,
    pub version: u32,
    pub masked: bool,
    pub removed: bool,
    pub removed_at: Option<i64>,
    pub created_at: i64,
    pub sealed: Vec<u8>,
    pub version_author: Party,
    pub written_at: i64,
}

#[derive(Clone)]
pub struct VersionRecord {
    pub version: u32,
    pub sealed: Vec<u8>,
    pub author: Party,
    pub written_at: i64,
}

/// Who wrote a version and when, without its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionStamp {
    pub entry_id: EntryId,
    pub version: u32,
    pub author: Party,
    pub written_at: i64,
}

#[async_trait]
pub trait ProfileStore: Send + Sync + 'static {
    /// Creates the entry, its data key and its first version together.
    async fn create_entry(&self, entry: &NewEntry<'_>, audit: &AuditRows)
    -> Result<(), StoreError>;
    async fn entry_by_idempotency_key(
        &self,
        account_id: &AccountId,
        author: &Party,
        key: &str,
    ) -> Result<Option<EntryRecord>, StoreError>;
    /// Every entry of the record, removed ones included, newest first.
    async fn entries(&self, account_id: &AccountId) -> Result<Vec<EntryRecord>, StoreError>;
    async fn entry(
        &self,
        account_id: &AccountId,
        id: &EntryId,
    ) -> Result<Option<EntryRecord>, StoreError>;
    /// The version of entry `id` this author wrote with this idempotency key, if any.
    async fn version_by_idempotency_key(
        &self,
        id: &EntryId,
        author: &Party,
        key: &str,
    ) -> Result<Option<u32>, StoreError>;
    /// Adds version `after + 1` if the entry is still at version `after` and not removed;
    /// `false` otherwise (someone wrote first: the caller reports a conflict).
    async fn add_version(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        after: u32,
        version: &NewVersion<'_>,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError>;
    /// Every version, oldest first.
    async fn versions(&self, entry_id: &EntryId) -> Result<Vec<VersionRecord>, StoreError>;
    /// Who wrote each version of each entry of the record, and when.
    async fn version_stamps(&self, account_id: &AccountId)
    -> Result<Vec<VersionStamp>, StoreError>;
    async fn set_entry_masked(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// `false` if it was removed already.
    async fn remove_entry(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
}
