//! Appending to the audit log: one writer at a time, each entry hashed, chained and stored, and
//! a signed checkpoint every [`CHECKPOINT_EVERY`] entries. The entries of reads are written by
//! group commit: those waiting when the log comes free go in one transaction, and each read's
//! answer waits for the commit that holds its entry ([`Auditor::append`]). The signing key is
//! an Ed25519 seed in the keys directory (`audit-ed25519.seed`, mode 0600) or in
//! `CARNET_AUDIT_KEY` (base64).

use std::{path::Path, sync::Arc};

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{SigningKey, VerifyingKey};
use tokio::sync::{Mutex, MutexGuard, oneshot};
use zeroize::Zeroizing;

use super::{
    AuditEntry, CHECKPOINT_EVERY, Checkpoint, StoredEntry, chain_hash,
    merkle::{self, Frontier},
    sign_checkpoint,
};
use crate::store::{AuditLock, AuditRows, Committed, Hash, Store, StoreError};

const SEED_FILE: &str = "audit-ed25519.seed";

/// The log's right edge, kept in memory once read: the frontier and the last chain hash. One
/// writer at a time: in this process, the mutex around it; across the processes that share the
/// database (several servers, a command beside one), the database's [`AuditLock`], under which
/// the edge is checked against the database (its size) and read again if another moved it.
struct Edge {
    frontier: Frontier,
    chain: Hash,
}

pub struct Auditor {
    key: SigningKey,
    edge: Mutex<Option<Edge>>,
    /// The entries of reads waiting for the log, in the order they came; whoever holds the log
    /// next writes them all.
    waiting: std::sync::Mutex<Vec<Waiting>>,
}

/// A read's entry waiting to be written, and where to say at which place it was.
struct Waiting {
    entry: AuditEntry,
    written: oneshot::Sender<Result<u64, ()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditKeyError {
    #[error("cannot read or write the audit key in {0}: {1}")]
    Io(std::path::PathBuf, std::io::Error),
    #[error("the audit key is not 32 bytes of base64")]
    BadKey,
}

impl Auditor {
    fn with_key(key: SigningKey) -> Self {
        Self { key, edge: Mutex::new(None), waiting: std::sync::Mutex::default() }
    }

    /// A key held in memory only: tests and benchmarks.
    pub fn ephemeral() -> Self {
        Self::with_key(SigningKey::from_bytes(&rand::random()))
    }

    /// The key from `CARNET_AUDIT_KEY`'s value.
    pub fn from_value(text: &str) -> Result<Self, AuditKeyError> {
        let bytes =
            Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| AuditKeyError::BadKey)?);
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| AuditKeyError::BadKey)?;
        Ok(Self::with_key(SigningKey::from_bytes(&seed)))
    }

    /// The key from the keys directory, made there the first time.
    pub fn open_dir(dir: &Path) -> Result<Self, AuditKeyError> {
        let path = dir.join(SEED_FILE);
        let io = |error| AuditKeyError::Io(dir.to_owned(), error);
        if !path.exists() {
            std::fs::create_dir_all(dir).map_err(io)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(io)?;
            }
            let seed = Zeroizing::new(rand::random::<[u8; 32]>());
            write_private(&path, STANDARD.encode(seed.as_slice()).as_bytes()).map_err(io)?;
            tracing::info!("created the audit signing key");
        }
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(io)?);
        Self::from_value(&text)
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Prepares the entry's rows and holds the log until they are written, for a caller that
    /// must read them first (their place in the log); [`Auditor::write`] otherwise. Dropped
    /// unwritten (the action failed), nothing is taken from the log.
    pub async fn prepare(
        &self,
        store: &dyn Store,
        entry: &AuditEntry,
    ) -> Result<Pending<'_>, StoreError> {
        let mut edge = self.edge.lock().await;
        let lock = store.lock_audit().await?;
        let rows = async {
            self.write_waiting(&mut edge, store).await?;
            let current = fresh(&mut edge, store).await?;
            Ok(self.rows_after(&current.frontier, &current.chain, entry))
        }
        .await;
        match rows {
            Ok(rows) => Ok(Pending { edge, lock: Some(lock), rows, written: false }),
            Err(error) => {
                lock.release().await;
                Err(error)
            }
        }
    }

    /// The rows of `entry` appended to a log whose edge is `frontier` and `chain`.
    fn rows_after(&self, frontier: &Frontier, chain: &Hash, entry: &AuditEntry) -> AuditRows {
        let (logged, origin) = entry.logged();
        let bytes = logged.canonical();
        let leaf = merkle::leaf_hash(&bytes);
        let chain = chain_hash(chain, &leaf);
        let seq = frontier.size() + 1;
        let mut next = frontier.clone();
        let nodes = next.push(leaf);
        let checkpoint = seq
            .is_multiple_of(CHECKPOINT_EVERY)
            .then(|| sign_checkpoint(&self.key, seq, next.root(), entry.at));
        AuditRows {
            stored: StoredEntry { seq, entry: bytes, leaf, chain, origin: Some(origin) },
            at: entry.at,
            record: entry.record.clone(),
            actor: entry.actor.id.clone(),
            action: entry.action.clone(),
            plain_access: entry.outcome == "allowed" && entry.purpose.is_none(),
            checkpoint,
            nodes,
        }
    }

    /// Under the log's lock: writes the reads' entries waiting, all in one transaction, and
    /// tells each its place once it is committed (or that it failed: the edge is then read
    /// again from the database next time, as the commit's outcome is unknown).
    async fn write_waiting(
        &self,
        edge: &mut Option<Edge>,
        store: &dyn Store,
    ) -> Result<(), StoreError> {
        let batch = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(());
        }
        // Should this future be dropped half-way, the edge is unknown until read again.
        let mut unknown = EdgeUnknown { edge, settled: false };
        let written = async {
            let current = fresh(unknown.edge, store).await?;
            let (mut frontier, mut chain) = (current.frontier.clone(), current.chain);
            let mut rows = Vec::with_capacity(batch.len());
            for waiting in &batch {
                let next = self.rows_after(&frontier, &chain, &waiting.entry);
                frontier.push(next.stored.leaf);
                chain = next.stored.chain;
                rows.push(next);
            }
            store.append_audit(&rows).await?;
            *unknown.edge = Some(Edge { frontier, chain });
            Ok(rows.iter().map(|rows| rows.stored.seq).collect::<Vec<_>>())
        }
        .await;
        match written {
            Ok(seqs) => {
                unknown.settled = true;
                for (waiting, seq) in batch.into_iter().zip(seqs) {
                    // A reader gone meanwhile (its client left) needs no answer.
                    let _ = waiting.written.send(Ok(seq));
                }
                Ok(())
            }
            Err(error) => {
                for waiting in batch {
                    let _ = waiting.written.send(Err(()));
                }
                Err(error)
            }
        }
    }

    /// Records `entry` with a change, in one transaction: `change` is the store call that writes
    /// the rows it is handed beside its own (see [`Pending::write`] for how far the log moves).
    pub async fn write<T: Committed>(
        &self,
        store: &dyn Store,
        entry: &AuditEntry,
        change: impl AsyncFnOnce(&AuditRows) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.prepare(store, entry).await?.write(change).await
    }

    /// Appends an entry on its own (a read: the trace is written before the answer leaves) and
    /// answers its place in the log. Group commit: the entry waits with those of other reads;
    /// whoever takes the log next writes all that wait in one transaction (while one batch is
    /// committed, the next gathers), and the answer comes once the transaction holding this
    /// entry is committed. One commit, one lock and one flush for many reads. The log is taken
    /// and the batch written in a task of its own: a request that goes away meanwhile (its
    /// client gone, a timeout) neither fails the other reads of its batch nor leaves its entry
    /// waiting.
    pub async fn append(
        self: &Arc<Self>,
        store: &Arc<dyn Store>,
        entry: &AuditEntry,
    ) -> Result<u64, StoreError> {
        let place = self.enqueue(entry);
        let (auditor, store) = (Arc::clone(self), Arc::clone(store));
        tokio::spawn(async move { auditor.write_queue(&*store).await })
            .await
            .map_err(|_| StoreError::GroupCommit)??;
        placed(place).await
    }

    /// [`Auditor::append`] within the caller's own task (a command, a test).
    pub async fn append_inline(
        &self,
        store: &dyn Store,
        entry: &AuditEntry,
    ) -> Result<u64, StoreError> {
        let place = self.enqueue(entry);
        self.write_queue(store).await?;
        placed(place).await
    }

    fn enqueue(&self, entry: &AuditEntry) -> oneshot::Receiver<Result<u64, ()>> {
        let (written, place) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Waiting { entry: entry.clone(), written });
        place
    }

    /// Takes the log and writes the entries waiting, if any are left.
    async fn write_queue(&self, store: &dyn Store) -> Result<(), StoreError> {
        let mut edge = self.edge.lock().await;
        if self.waiting.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
            return Ok(());
        }
        let lock = store.lock_audit().await?;
        let outcome = self.write_waiting(&mut edge, store).await;
        lock.release().await;
        outcome
    }

    /// Whether the log's edge is in memory (tests: a known rollback keeps it).
    #[cfg(test)]
    pub(crate) async fn edge_loaded(&self) -> bool {
        self.edge.lock().await.is_some()
    }

    /// Signs the log's head if it grew since the last checkpoint (what the scheduled task calls,
    /// so that a recent entry soon has a head that covers it).
    pub async fn checkpoint_if_grown(
        &self,
        store: &dyn Store,
        at: i64,
    ) -> Result<Option<Checkpoint>, StoreError> {
        self.sign_head(store, at, true).await
    }

    /// Signs the log's head as it stands now (on demand, and before a verification).
    pub async fn checkpoint(&self, store: &dyn Store, at: i64) -> Result<Checkpoint, StoreError> {
        self.sign_head(store, at, false).await?.ok_or(StoreError::Corrupt)
    }

    /// Signs the head as the database holds it, under the log's lock; `if_grown`: only when it
    /// grew past the latest checkpoint (whichever process signed that one).
    async fn sign_head(
        &self,
        store: &dyn Store,
        at: i64,
        if_grown: bool,
    ) -> Result<Option<Checkpoint>, StoreError> {
        let mut edge = self.edge.lock().await;
        let lock = store.lock_audit().await?;
        let signed = async {
            self.write_waiting(&mut edge, store).await?;
            let current = fresh(&mut edge, store).await?;
            let size = current.frontier.size();
            if if_grown {
                let latest = store.latest_checkpoint().await?.map_or(0, |c| c.size);
                if size <= latest {
                    return Ok(None);
                }
            }
            let checkpoint = sign_checkpoint(&self.key, size, current.frontier.root(), at);
            if size > 0 {
                store.insert_checkpoint(&checkpoint).await?;
            }
            Ok(Some(checkpoint))
        }
        .await;
        lock.release().await;
        signed
    }
}

/// An entry's place once it is written (by this request or by one that held the log before it,
/// which answered before releasing it).
async fn placed(place: oneshot::Receiver<Result<u64, ()>>) -> Result<u64, StoreError> {
    place.await.ok().and_then(Result::ok).ok_or(StoreError::GroupCommit)
}

/// The edge, forgotten when dropped unless taken out of it: a batch's commit whose outcome is
/// not known (an error, or the request dropped half-way) leaves the edge to be read again.
struct EdgeUnknown<'e> {
    edge: &'e mut Option<Edge>,
    settled: bool,
}

impl Drop for EdgeUnknown<'_> {
    fn drop(&mut self) {
        if !self.settled {
            *self.edge = None;
        }
    }
}

/// An entry prepared and the log held for it.
pub struct Pending<'a> {
    edge: MutexGuard<'a, Option<Edge>>,
    /// Given back when the entry is written; dropped with the `Pending` otherwise.
    lock: Option<AuditLock>,
    rows: AuditRows,
    written: bool,
}

impl Drop for Pending<'_> {
    /// Dropped without a word (an error whose commit is unknown, a panic): the edge is read
    /// again from the database next time, in case the failure happened after a commit.
    fn drop(&mut self) {
        if !self.written {
            *self.edge = None;
        }
    }
}

impl Pending<'_> {
    pub fn rows(&self) -> &AuditRows {
        &self.rows
    }

    /// Hands the rows to `change`, a store call that writes them in the transaction of its
    /// change, and moves the log on exactly as far as the database went: past the entry when
    /// the change committed, nowhere when it certainly rolled back (its answer says which,
    /// [`Committed`]), and back to the database's own edge next time when an error leaves the
    /// outcome unknown. The log is released either way, so a refusal can be traced after it.
    pub async fn write<T: Committed>(
        mut self,
        change: impl AsyncFnOnce(&AuditRows) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let outcome = change(&self.rows).await;
        let lock = self.lock.take();
        match &outcome {
            Ok(answer) if answer.committed() => {
                self.written();
            }
            Ok(_) => self.abandoned(),
            Err(_) => drop(self),
        }
        if let Some(lock) = lock {
            lock.release().await;
        }
        outcome
    }

    /// The action's transaction was rolled back, certainly (nothing matched, nothing written):
    /// the log stays where it was, and the next writer need not read it again. (Dropping a
    /// `Pending` instead makes the next writer reload the whole log: the right thing only when
    /// the outcome is unknown.)
    pub(super) fn abandoned(mut self) {
        self.written = true;
    }

    /// The rows are in the database: the log moves on. Returns the entry's sequence number.
    pub(super) fn written(mut self) -> u64 {
        let seq = self.rows.stored.seq;
        if let Some(edge) = self.edge.as_mut() {
            edge.frontier.push(self.rows.stored.leaf);
            edge.chain = self.rows.stored.chain;
        }
        self.written = true;
        seq
    }
}

/// Stores the subtrees of a log written before they were stored with each entry (or after a
/// crash between the two), reading it once. Answers how many it wrote.
pub async fn backfill_nodes(store: &dyn Store) -> Result<usize, StoreError> {
    let leaves = store.audit_leaves().await?;
    let expected: u64 = (1..64).map(|height| leaves.len() as u64 >> height).sum();
    if store.audit_node_count().await? >= expected {
        return Ok(0);
    }
    let mut frontier = Frontier::default();
    let mut nodes = Vec::new();
    for (leaf, _) in leaves {
        nodes.extend(frontier.push(leaf));
    }
    store.insert_audit_nodes(&nodes).await?;
    Ok(nodes.len())
}

/// The root of leaves `start … start + length − 1` of the log, from its stored subtrees.
pub async fn subtree_root(store: &dyn Store, start: u64, length: u64) -> Result<Hash, StoreError> {
    let mut parts = Vec::new();
    for (height, index) in merkle::perfect_parts(start, length) {
        parts.push(store.audit_subtree(height, index).await?.ok_or(StoreError::Corrupt)?);
    }
    let mut parts = parts.into_iter().rev();
    let mut root = parts.next().ok_or(StoreError::Corrupt)?;
    for left in parts {
        root = merkle::node_hash(&left, &root);
    }
    Ok(root)
}

/// The inclusion proof of entry `seq` in the first `size` entries, nearest the leaf first.
pub async fn inclusion_proof(
    store: &dyn Store,
    seq: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, StoreError> {
    let Some(ranges) = seq.checked_sub(1).and_then(|index| merkle::inclusion_path(index, size))
    else {
        return Ok(None);
    };
    let mut proof = Vec::with_capacity(ranges.len());
    for (start, length) in ranges {
        proof.push(subtree_root(store, start, length).await?);
    }
    Ok(Some(proof))
}

/// The edge in memory, read again from the database if another process moved the log since (or
/// it was never read, or a failure left it unknown). Called under the log's lock.
async fn fresh<'e>(edge: &'e mut Option<Edge>, store: &dyn Store) -> Result<&'e Edge, StoreError> {
    let size = store.audit_size().await?;
    if edge.as_ref().is_none_or(|known| known.frontier.size() != size) {
        *edge = Some(load(store, size).await?);
    }
    edge.as_ref().ok_or(StoreError::Corrupt)
}

/// The edge of a log of `size` entries from the database: the roots of the perfect subtrees
/// that make it up (stored with the entries, so O(log n) reads, not the whole log: another
/// server's append is read so) and the last entry's chain hash. A log whose subtrees are not all
/// stored (written before they were) is read whole.
async fn load(store: &dyn Store, size: u64) -> Result<Edge, StoreError> {
    let mut subtrees = Vec::new();
    let mut start = 0;
    for height in (0..u64::BITS).rev() {
        if size >> height & 1 == 0 {
            continue;
        }
        match store.audit_subtree(height, start >> height).await? {
            Some(root) => subtrees.push((height, root)),
            None => return load_whole(store).await,
        }
        start += 1 << height;
    }
    let chain = match size {
        0 => [0u8; 32],
        last => store.audit_entry(last).await?.ok_or(StoreError::Corrupt)?.0.chain,
    };
    Ok(Edge { frontier: Frontier::from_subtrees(size, subtrees), chain })
}

/// The edge from every entry of the log.
async fn load_whole(store: &dyn Store) -> Result<Edge, StoreError> {
    let mut frontier = Frontier::default();
    let mut chain = [0u8; 32];
    for (leaf, last_chain) in store.audit_leaves().await? {
        frontier.push(leaf);
        chain = last_chain;
    }
    Ok(Edge { frontier, chain })
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
