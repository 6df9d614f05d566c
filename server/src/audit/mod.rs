//! The audit log: append-only, every entry chained to the one before by hash and a leaf of a
//! Merkle tree in the manner of Certificate Transparency (see [`merkle`]), with signed tree
//! heads (checkpoints) under the server's Ed25519 key. An entry says who, did what, to which
//! item of whose record, when, from where, with which outcome and purpose — never the health
//! content itself. [`verify`] replays a log and names the first entry that does not hold.

pub mod fhir;
mod log;
pub mod merkle;

mod verify;

pub use log::{AuditKeyError, Auditor, Pending, backfill_nodes, inclusion_proof, subtree_root};

pub use app::audit::AuditAction;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
pub use verify::{Broken, Report, verify, verify_stored};

use crate::store::{
    AccountId, AuditRows, Checkpoint, Committed, Event, EventOwner, Hash, Rpps, StoredEntry,
};

/// A checkpoint is signed after this many entries (and when asked for).
pub const CHECKPOINT_EVERY: u64 = 64;

/// Who acted, as the server established it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    /// `patient`, `representative`, `professional`, `insurer`, `anonymous`, `operator`.
    pub kind: String,
    /// The account identifier, or the professional's RPPS (their card's identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The profession, for a professional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// One audited event. Its JSON, field for field in this order, is what the leaf hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds, UTC.
    pub at: i64,
    pub actor: AuditActor,
    /// What was done: `document.read`, `document.deposit`, `grant.change`, `login`, …
    pub action: String,
    /// The document, entry, grant or session it was done to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Whose record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The client's address as this process saw it. Written to the log beside the entry, not in
    /// it ([`AuditEntry::logged`]); only entries written before that hold it here.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client: String,
    /// The browser's own name for itself, shortened (beside the entry, like `client`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `allowed`, or `denied` with the policy's reason.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why, when the actor had to say (a break-glass session's identifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The salted commitment (SHA-256, base64) to the client's address and device kept beside
    /// the entry: the log proves them, yet an entry shown to someone else (a patient reading
    /// who opened their record, with its proof) names no one's address or device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl AuditEntry {
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The entry as the log holds it, and its origin kept beside it: the address and device
    /// leave the entry for a commitment to them under a fresh random salt (so equal addresses
    /// give unrelated commitments).
    pub fn logged(&self) -> (AuditEntry, Vec<u8>) {
        use base64::{Engine, engine::general_purpose::STANDARD};
        let salt: [u8; 16] = rand::random();
        let origin = serde_json::to_vec(&EntryOrigin {
            client: self.client.clone(),
            device: self.device.clone(),
            salt: STANDARD.encode(salt),
        })
        .unwrap_or_default();
        let logged = AuditEntry {
            client: String::new(),
            device: None,
            origin: Some(STANDARD.encode(origin_commitment(&origin))),
            ..self.clone()
        };
        (logged, origin)
    }

    /// The entry with its address and device back from the origin kept beside it, when that
    /// origin is the one the entry commits to.
    pub fn with_origin(mut self, origin: Option<&[u8]>) -> Self {
        if let Some(origin) = origin.filter(|origin| self.commits_to(origin))
            && let Ok(origin) = serde_json::from_slice::<EntryOrigin>(origin)
        {
            self.client = origin.client;
            self.device = origin.device;
        }
        self
    }

    fn commits_to(&self, origin: &[u8]) -> bool {
        use base64::{Engine, engine::general_purpose::STANDARD};
        self.origin.as_deref() == Some(STANDARD.encode(origin_commitment(origin)).as_str())
    }
}

/// Where an entry came from, kept beside it in the log (see [`AuditEntry::origin`]).
#[derive(Serialize, Deserialize)]
struct EntryOrigin {
    client: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    salt: String,
}

fn origin_commitment(origin: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(b"carnet-audit-origin/1\0");
    hasher.update(origin);
    hasher.finalize().into()
}

/// The entries about one record, read from the store ([`crate::store::AuditStore::record_audit`]):
/// newest first, only `actor`'s if given, only those older than the entry `before` if given.
pub async fn record_entries(
    store: &dyn crate::store::Store,
    record_id: &AccountId,
    actor: Option<&str>,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<(u64, AuditEntry)>, crate::store::StoreError> {
    let rows = store.record_audit(record_id, actor, before, limit).await?;
    rows.into_iter()
        .map(|(seq, bytes)| {
            let entry =
                serde_json::from_slice(&bytes).map_err(|_| crate::store::StoreError::Corrupt)?;
            Ok((seq, entry))
        })
        .collect()
}

pub fn chain_hash(previous: &Hash, leaf: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// What a checkpoint's signature covers.
pub fn checkpoint_message(size: u64, root: &Hash, at: i64) -> Vec<u8> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    format!("carnet-audit/1\n{size}\n{}\n{at}\n", STANDARD.encode(root)).into_bytes()
}

pub fn sign_checkpoint(key: &SigningKey, size: u64, root: Hash, at: i64) -> Checkpoint {
    let signature = key.sign(&checkpoint_message(size, &root, at)).to_bytes().to_vec();
    Checkpoint { size, root, at, signature }
}

pub fn checkpoint_holds(key: &VerifyingKey, checkpoint: &Checkpoint) -> bool {
    let Ok(signature) = Signature::from_slice(&checkpoint.signature) else { return false };
    let message = checkpoint_message(checkpoint.size, &checkpoint.root, checkpoint.at);
    key.verify(&message, &signature).is_ok()
}

/// The entry of an account event (`account.login`, …): the account acts on its own record.
pub fn account_entry(
    event: AuditAction,
    account_id: Option<&str>,
    client_addr: &str,
    device: Option<&str>,
    now: i64,
) -> AuditEntry {
    let kind = if account_id.is_some() { "account" } else { "anonymous" };
    let actor = AuditActor { kind: kind.into(), id: account_id.map(str::to_owned), role: None };
    event_entry(actor, event, account_id, client_addr, device, now)
}

/// The entry of a professional's card or session event (`professional.card_login`, …).
pub fn professional_entry(
    event: AuditAction,
    rpps: Option<&Rpps>,
    client_addr: &str,
    device: Option<&str>,
    now: i64,
) -> AuditEntry {
    let actor =
        AuditActor { kind: "professional".into(), id: rpps.map(Rpps::to_string), role: None };
    event_entry(actor, event, None, client_addr, device, now)
}

/// An event's entry: no item, allowed.
pub fn event_entry(
    actor: AuditActor,
    action: AuditAction,
    record: Option<&str>,
    client_addr: &str,
    device: Option<&str>,
    now: i64,
) -> AuditEntry {
    AuditEntry {
        at: now,
        actor,
        action: action.as_str().to_owned(),
        item: None,
        record: record.map(str::to_owned),
        client: client_addr.to_owned(),
        device: device.map(str::to_owned),
        outcome: "allowed".into(),
        reason: None,
        purpose: None,
        origin: None,
    }
}

/// Records an account's authentication or account event (`login_failed`, `password_changed`,
/// …) with its audit entry, in one transaction.
pub async fn auth_event(
    state: &crate::AppState,
    event: AuditAction,
    account_id: Option<&AccountId>,
    client_addr: &str,
    now: i64,
) -> Result<(), crate::store::StoreError> {
    let entry = account_entry(event, account_id.map(AccountId::as_str), client_addr, None, now);
    let owner = account_id.map_or(EventOwner::Nobody, EventOwner::Account);
    write_event(state, &entry, &[event], owner, client_addr, now).await
}

/// The same for a professional's card and session events (`card_login_failed`, …).
pub async fn professional_event(
    state: &crate::AppState,
    event: AuditAction,
    rpps: Option<&Rpps>,
    client_addr: &str,
    now: i64,
) -> Result<(), crate::store::StoreError> {
    let entry = professional_entry(event, rpps, client_addr, None, now);
    let owner = rpps.map_or(EventOwner::Nobody, EventOwner::Professional);
    write_event(state, &entry, &[event], owner, client_addr, now).await
}

/// An account's change written by `change` with its event (`event`: the `auth_events` row and
/// the audit entry), in the change's own transaction.
pub async fn account_change<T: Committed>(
    state: &crate::AppState,
    event: AuditAction,
    account_id: &AccountId,
    client_addr: &str,
    now: i64,
    change: impl AsyncFnOnce(&Event<'_>) -> Result<T, crate::store::StoreError>,
) -> Result<T, crate::store::StoreError> {
    let entry = account_entry(event, Some(account_id.as_str()), client_addr, None, now);
    state
        .auditor
        .write(&*state.store, &entry, async |rows| {
            change(&account_event(&event, account_id, client_addr, now, rows)).await
        })
        .await
}

/// The account event to hand the store with the change (`event`: its `auth_events` row).
fn account_event<'a>(
    event: &'a AuditAction,
    account_id: &'a AccountId,
    client_addr: &'a str,
    now: i64,
    audit: &'a AuditRows,
) -> Event<'a> {
    Event {
        names: std::slice::from_ref(event),
        owner: EventOwner::Account(account_id),
        client_addr,
        at: now,
        audit,
    }
}

async fn write_event(
    state: &crate::AppState,
    entry: &AuditEntry,
    names: &[AuditAction],
    owner: EventOwner<'_>,
    client_addr: &str,
    now: i64,
) -> Result<(), crate::store::StoreError> {
    state
        .auditor
        .write(&*state.store, entry, async |audit| {
            state.store.record_event(&Event { names, owner, client_addr, at: now, audit }).await
        })
        .await
}

/// The signing key from its 32-byte seed.
pub fn signing_key(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

#[cfg(test)]
mod tests;
