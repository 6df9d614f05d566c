//! Storage of the audit log: entries appended with their hashes (never changed, never deleted:
//! the database refuses both), and signed checkpoints. The rows are declared here; what they
//! mean (the entry, its hashing, the tree, the signatures) is [`crate::audit`]'s, which writes
//! and reads them through this room.

use async_trait::async_trait;

use serde::{Deserialize, Serialize};

use super::{AccountId, StoreError};

pub type Hash = [u8; 32];

/// An entry as stored: its place, its bytes and the hashes that bind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub entry: Vec<u8>,
    pub leaf: Hash,
    /// `SHA-256(previous chain || leaf)`; the first entry's previous chain is 32 zero bytes.
    pub chain: Hash,
    /// The client's address and device, kept beside the entry, which commits to them.
    pub origin: Option<Vec<u8>>,
}

/// A signed tree head: the root of the first `size` entries, signed with the server's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub size: u64,
    pub root: Hash,
    pub at: i64,
    pub signature: Vec<u8>,
}

/// A stored node of the tree: the root of a perfect subtree above the leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// 1 for a pair of leaves, …
    pub height: u32,
    pub index: u64,
    pub hash: Hash,
}

/// The rows of one audit entry, ready to be written (with a checkpoint when one is due).
pub struct AuditRows {
    pub stored: StoredEntry,
    pub at: i64,
    pub record: Option<String>,
    pub actor: Option<String>,
    pub action: String,
    /// An action allowed without a stated purpose (not under break-glass): what counts as a
    /// professional's access to a record (see [`AuditStore::has_acted`]).
    pub plain_access: bool,
    pub checkpoint: Option<Checkpoint>,
    /// The subtrees this entry completes, stored with it for inclusion proofs.
    pub nodes: Vec<Node>,
}

/// What a store change's answer says of the audit rows it was handed: committed with the change,
/// or rolled back with it (nothing written). Every audited change answers a type that says so,
/// and [`crate::audit::Pending::write`] moves the log's edge exactly as far as the database went.
/// `bool` has no impl on purpose: a change that answers whether it found its row says which
/// of the two it means ([`Matched`], or `Option`).
pub trait Committed {
    fn committed(&self) -> bool;
}

/// Committed: an error is the only other outcome.
impl Committed for () {
    fn committed(&self) -> bool {
        true
    }
}

/// `None`: the change found nothing to change (a session ended, a version replaced, a link
/// gone) and was rolled back with its audit rows.
impl<T> Committed for Option<T> {
    fn committed(&self) -> bool {
        self.is_some()
    }
}

/// A change written with its audit entry whether or not it found its row; `Matched(true)` when
/// it did. (Withdrawing a document already withdrawn is still an act that the log keeps.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matched(pub bool);

impl Committed for Matched {
    fn committed(&self) -> bool {
        true
    }
}

/// The database's hold on the audit log's edge: taken before the edge is read, kept until the
/// entry after it is written, so that processes sharing a database (several servers, or a
/// command run beside one) append one after another and never both after the same entry.
/// [`AuditLock::release`] ends it; dropped instead (a failure, a panic), it ends with its file
/// or its connection, which is closed rather than handed back to the pool still holding it.
pub struct AuditLock(Option<Hold>);

pub(super) enum Hold {
    /// An exclusive lock on a file beside the SQLite database.
    File(#[allow(dead_code, reason = "held, not read: closing it unlocks")] std::fs::File),
    /// A session-level advisory lock on a PostgreSQL connection of its own.
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// The PostgreSQL advisory lock of the audit log's edge (another than the store's write lock).
pub(super) const AUDIT_LOCK: i64 = 0x0043_6172_6e65_744c; // "CarnetL"

impl AuditLock {
    pub(super) fn new(hold: Hold) -> Self {
        Self(Some(hold))
    }

    /// The PostgreSQL connection the lock is held on.
    pub(super) fn connection(&mut self) -> Option<&mut sqlx::pool::PoolConnection<sqlx::Postgres>> {
        match self.0.as_mut() {
            Some(Hold::Postgres(conn)) => Some(conn),
            _ => None,
        }
    }

    /// Lets the next writer in. Never fails: a lock that cannot be given back cleanly goes with
    /// its connection.
    pub async fn release(mut self) {
        if let Some(Hold::Postgres(conn)) = self.0.as_mut() {
            let unlocked =
                sqlx::query("SELECT pg_advisory_unlock($1)").bind(AUDIT_LOCK).execute(&mut **conn);
            if let Err(error) = unlocked.await {
                tracing::warn!(%error, "the audit log's lock ends with its connection");
                return;
            }
        }
        self.0 = None;
    }
}

impl Drop for AuditLock {
    fn drop(&mut self) {
        if let Some(Hold::Postgres(conn)) = self.0.as_mut() {
            conn.close_on_drop();
        }
    }
}

#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Waits for, then takes, the database's hold on the log's edge ([`AuditLock`]).
    async fn lock_audit(&self) -> Result<AuditLock, StoreError>;
    /// Appends entries at their places (refused if one is taken), each with its checkpoint if
    /// one is due, in one transaction (a group commit of reads' entries). Audited writes add
    /// the same rows inside their own.
    async fn append_audit(&self, entries: &[AuditRows]) -> Result<(), StoreError>;
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
    /// How many entries the log holds (its last sequence number).
    async fn audit_size(&self) -> Result<u64, StoreError>;
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
        record_id: &AccountId,
        actor_id: &str,
        before: u64,
    ) -> Result<bool, StoreError>;
    /// The entries about one record (each as its JSON, read by [`crate::audit::record_entries`]),
    /// newest first; only `actor`'s if given; only those older than the entry `before` if given.
    async fn record_audit(
        &self,
        record_id: &AccountId,
        actor: Option<&str>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
}
