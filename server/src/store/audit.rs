//! Storage of the audit log: entries appended with their hashes (never changed, never deleted:
//! the database refuses both), and signed checkpoints.

use async_trait::async_trait;

use super::StoreError;
use crate::audit::{
    AuditEntry, AuditRows, Checkpoint, StoredEntry,
    merkle::{Hash, Node},
};

#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends the entry at its place (refused if that place is taken), with its checkpoint if
    /// one is due, in one transaction. Audited writes add the same rows inside their own.
    async fn append_audit(&self, rows: &AuditRows) -> Result<(), StoreError>;
    async fn insert_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// Each entry's leaf and chain hash, in order.
    async fn audit_leaves(&self) -> Result<Vec<(Hash, Hash)>, StoreError>;
    /// The whole log, in order.
    async fn audit_log(&self) -> Result<Vec<StoredEntry>, StoreError>;
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
    /// The checkpoint of the largest size.
    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError>;
    /// The root of the perfect subtree of `height` and `index` (height 0: a leaf).
    async fn audit_subtree(&self, height: u32, index: u64) -> Result<Option<Hash>, StoreError>;
    async fn audit_node_count(&self) -> Result<u64, StoreError>;
    /// Stores subtrees (those already there are kept).
    async fn insert_audit_nodes(&self, nodes: &[Node]) -> Result<(), StoreError>;
    /// One entry and the record it is about.
    async fn audit_entry(
        &self,
        seq: u64,
    ) -> Result<Option<(StoredEntry, Option<String>)>, StoreError>;
    /// Whether this actor has an allowed entry on this record before the entry `before`,
    /// outside break-glass.
    async fn has_acted(
        &self,
        record_id: &str,
        actor_id: &str,
        before: u64,
    ) -> Result<bool, StoreError>;
    /// The entries about one record, newest first; only `actor`'s if given; only those older
    /// than the entry `before` if given.
    async fn record_audit(
        &self,
        record_id: &str,
        actor: Option<&str>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<(u64, AuditEntry)>, StoreError>;
}
