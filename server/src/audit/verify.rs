//! Checking the log: [`verify`] replays entries and checkpoints and names the first that does
//! not hold; [`verify_stored`] does it for the log as stored.

use ed25519_dalek::VerifyingKey;

use super::merkle::{self, Frontier, leaf_hash};
use super::{AuditEntry, chain_hash, checkpoint_holds};
use crate::store::{Checkpoint, Hash, StoredEntry};

/// Where a log stops holding, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("entry {0} is out of sequence (missing, repeated or moved)")]
    Sequence(u64),
    #[error("entry {0} does not hash to its leaf (its content changed)")]
    Leaf(u64),
    #[error("entry {0} is not chained to the entry before it")]
    Chain(u64),
    #[error("entry {0} is not in the tree a signed checkpoint describes")]
    Checkpoint(u64),
    #[error("the checkpoint at size {0} is not signed by the audit key")]
    Signature(u64),
    #[error("the log is shorter than a signed checkpoint says: {0} entries")]
    Truncated(u64),
    #[error("the address kept beside entry {0} is not the one it commits to")]
    Origin(u64),
}

/// Replays the log: sequence, leaves, chain, and every checkpoint's root and signature; `known`
/// is the latest signed head seen outside the log (by an auditor), which a shortened log cannot
/// match. The first entry that does not hold is reported.
pub fn verify(
    entries: &[StoredEntry],
    checkpoints: &[Checkpoint],
    known: Option<&Checkpoint>,
    key: &VerifyingKey,
) -> Result<(), Broken> {
    let mut heads: Vec<&Checkpoint> = checkpoints.iter().chain(known).collect();
    heads.sort_by_key(|head| head.size);
    for head in &heads {
        if !checkpoint_holds(key, head) {
            return Err(Broken::Signature(head.size));
        }
    }
    let mut heads = heads.into_iter().peekable();
    let mut frontier = Frontier::default();
    let mut previous = [0u8; 32];
    // The entries after the last head that held, for a root mismatch: the first one changed is
    // somewhere in that stretch; report its start.
    let mut stretch_start = 1;
    for (index, stored) in entries.iter().enumerate() {
        let seq = index as u64 + 1;
        if stored.seq != seq {
            return Err(Broken::Sequence(seq));
        }
        if leaf_hash(&stored.entry) != stored.leaf {
            return Err(Broken::Leaf(seq));
        }
        if chain_hash(&previous, &stored.leaf) != stored.chain {
            return Err(Broken::Chain(seq));
        }
        if let Some(origin) = &stored.origin {
            let entry = serde_json::from_slice::<AuditEntry>(&stored.entry);
            if !entry.is_ok_and(|entry| entry.commits_to(origin)) {
                return Err(Broken::Origin(seq));
            }
        }
        previous = stored.chain;
        frontier.push(stored.leaf);
        while let Some(head) = heads.next_if(|head| head.size <= seq) {
            if head.size == seq && frontier.root() != head.root {
                return Err(Broken::Checkpoint(stretch_start));
            }
            stretch_start = seq + 1;
        }
    }
    match heads.next() {
        Some(_) => Err(Broken::Truncated(entries.len() as u64)),
        None => Ok(()),
    }
}

/// What a verification of the stored log found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: usize,
    pub root: Hash,
}

/// Verifies the log as stored, with its checkpoints, against the audit key.
pub async fn verify_stored(
    store: &dyn crate::store::Store,
    key: &VerifyingKey,
) -> Result<Result<Report, Broken>, crate::store::StoreError> {
    let entries = store.audit_log().await?;
    let checkpoints = store.checkpoints().await?;
    if let Err(broken) = verify(&entries, &checkpoints, None, key) {
        return Ok(Err(broken));
    }
    let leaves: Vec<Hash> = entries.iter().map(|entry| entry.leaf).collect();
    Ok(Ok(Report {
        entries: entries.len() as u64,
        checkpoints: checkpoints.len(),
        root: merkle::root(&leaves),
    }))
}
