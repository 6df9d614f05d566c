//! The patient's access history (from the audit log) and the proof that one of its entries is in
//! the log that the server signed.

use crate::audit::AuditAction;
use app::api::history::{AccessEvent, HISTORY_MAX, HistoryPage, HistoryQuery};
use axum::{
    Json,
    extract::{Path, State},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Serialize;

use app::{
    policy::{Action, Allow, Item},
    vocabulary::Subject,
};

use crate::asker::{Asker, Who, trace};
use crate::{
    AppState,
    audit::AuditEntry,
    error::ApiError,
    extract::{ApiQuery, Origin},
    store::{DocumentId, EntryId, Rpps, UploadId},
};

/// Which entries of the record's log the asker reads.
#[derive(Clone, Copy)]
enum View<'a> {
    /// The patient side: all of them.
    Everything,
    /// The regular doctor: what professionals did on the record (not the patient's own
    /// account events).
    Professionals,
    /// Any other professional: what they did themselves.
    Own(&'a str),
}

impl View<'_> {
    /// What the policy lets the asker read of the history; a refusal (a blocked professional, a
    /// closed record) is traced as `action` and answered as if there were nothing.
    async fn of<'a>(
        state: &AppState,
        asker: &'a Asker,
        origin: &Origin,
        action: AuditAction,
        item: Option<&str>,
    ) -> Result<View<'a>, ApiError> {
        let history = Item::about(Subject::AccessHistory);
        let why =
            trace::require_or_nothing(state, asker, origin, action, item, Action::Read, &history)
                .await?;
        Ok(match (why, &asker.who) {
            (Allow::Holder | Allow::Representative, _) => View::Everything,
            (Allow::RegularDoctor, _) => View::Professionals,
            (_, Who::Professional { record, .. }) => View::Own(record.professional.rpps.as_str()),
            // The policy allows nothing else; deny by default.
            (_, _) => return Err(ApiError::NotFound),
        })
    }

    fn shows(self, entry: &AuditEntry) -> bool {
        match self {
            View::Everything => true,
            View::Professionals => entry.actor.kind == "professional",
            View::Own(rpps) => {
                entry.actor.kind == "professional" && entry.actor.id.as_deref() == Some(rpps)
            }
        }
    }
}

/// `GET /api/records/{record}/access-history?filter=…&before=…&limit=…`, newest first:
/// everything for the patient side, the professionals' accesses for the regular doctor, their own
/// actions for any other professional; a page at a time, filtered here, so that a page costs
/// what it shows. The log is read in batches until the page is full, the log ends, or
/// [`HISTORY_SCANNED`] entries were looked through (the page then says where to go on). Where
/// the next page starts is always an entry the asker may see: the seq of one they may not would
/// say that something happened there.
pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let limit = query.limit.unwrap_or(HISTORY_MAX);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(ApiError::BadRequest);
    }
    let view = View::of(&state, &asker, &origin, AuditAction::HistoryList, None).await?;
    let actor = match view {
        View::Own(rpps) => Some(rpps),
        _ => None,
    };
    // Read before this read is traced: the list shows what happened until now.
    let mut names = crate::asker::Names::new();
    let mut items = Readable::default();
    let mut page = HistoryPage::default();
    let mut cursor = query.before;
    // The last entry looked through that the asker may see, whatever the filter.
    let mut last_visible = None;
    let mut scanned = 0;
    'log: loop {
        let batch = crate::audit::record_entries(
            &*state.store,
            &asker.record.id,
            actor,
            cursor,
            SCAN_BATCH,
        )
        .await?;
        let ended = batch.len() < SCAN_BATCH as usize;
        for (seq, entry) in batch {
            scanned += 1;
            cursor = Some(seq);
            if !view.shows(&entry) {
                continue;
            }
            let mut event = AccessEvent {
                seq,
                at: entry.at,
                actor_kind: entry.actor.kind,
                actor_name: String::new(),
                role: entry.actor.role,
                action: entry.action,
                item: entry.item,
                allowed: entry.outcome == "allowed",
                reason: entry.reason,
                break_glass: entry.purpose.as_deref() == Some("break_glass"),
            };
            // An entry about an item the asker may not read (hidden from representatives, held
            // back until announced, masked from them) is not shown either.
            if !items.may_read(&state, &asker, event.item.as_deref()).await? {
                continue;
            }
            if !query.filter.admits(&event) {
                last_visible = Some(seq);
                continue;
            }
            if page.events.len() == limit as usize {
                // One more to show: the next page starts after the last one shown.
                page.older = page.events.last().map(|shown| shown.seq);
                break 'log;
            }
            last_visible = Some(seq);
            if let ("professional", Some(rpps)) = (event.actor_kind.as_str(), &entry.actor.id) {
                event.actor_name = professional_name(&state, &mut names, rpps).await?;
            }
            page.events.push(event);
        }
        if ended {
            break;
        }
        if scanned >= HISTORY_SCANNED {
            // Looked through enough for one answer: the next goes on from the last entry the
            // asker may see (none among these many: the history says no more).
            page.older = last_visible;
            break;
        }
    }
    trace::read(&state, &asker, &origin, AuditAction::HistoryList, None, None).await?;
    Ok(Json(page))
}

/// A professional's name from the directory, else the identifier the entry gives; looked up
/// once per answer.
async fn professional_name(
    state: &AppState,
    names: &mut crate::asker::Names,
    id: &str,
) -> Result<String, ApiError> {
    let Some(rpps) = Rpps::parse(id) else { return Ok(id.to_owned()) };
    if let Some(name) = names.get(&rpps) {
        return Ok(name.clone());
    }
    let name = match state.store.professional(&rpps).await? {
        Some(found) => {
            format!("{} {}", found.professional.given_name, found.professional.family_name)
        }
        None => rpps.to_string(),
    };
    names.insert(rpps, name.clone());
    Ok(name)
}

/// Whether the asker may read the item an entry is about, each item asked of the policy once.
#[derive(Default)]
struct Readable(std::collections::HashMap<String, bool>);

impl Readable {
    async fn may_read(
        &mut self,
        state: &AppState,
        asker: &Asker,
        item: Option<&str>,
    ) -> Result<bool, ApiError> {
        let Some(item) = item else { return Ok(true) };
        if let Some(known) = self.0.get(item) {
            return Ok(*known);
        }
        let record = &asker.record.id;
        let readable =
            if let Some(document) = state.store.document(record, &DocumentId::new(item)).await? {
                super::documents::may_read(state, asker, &document)
            } else if let Some(entry) = state.store.entry(record, &EntryId::new(item)).await? {
                crate::profile::may_read(state, asker, &entry)
            } else if let Some(upload) = state.store.upload(record, &UploadId::new(item)).await? {
                super::documents::may_read_upload(state, asker, &upload)
            } else {
                // Not an item of the record (a link, a professional, an episode): the entry is about
                // the asker's own record's sharing or history, which the view already decided.
                true
            };
        self.0.insert(item.to_owned(), readable);
        Ok(readable)
    }
}

/// How often the log's head is signed while it grows (`checkpoint_periodically`).
pub const CHECKPOINT_SECONDS: u64 = 60;

/// Proofs: a handful at once, then one a minute or so.
const PROOF_POLICY: crate::store::RatePolicy =
    crate::store::RatePolicy { free: 20, base_delay: 5, max_delay: 60, lock_after: u32::MAX };

fn party_key(asker: &Asker) -> String {
    match &asker.party {
        crate::store::Party::Patient(id) => id.to_string(),
        crate::store::Party::Professional(rpps) => rpps.to_string(),
        crate::store::Party::Insurer => "insurer".to_owned(),
    }
}

/// Signs the log's head every [`CHECKPOINT_SECONDS`] while it grows, for as long as the server
/// runs: the proofs of recent entries need a head that covers them.
pub async fn checkpoint_periodically(state: AppState) {
    let period = std::time::Duration::from_secs(CHECKPOINT_SECONDS);
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        if !crate::schedule::leased(&state, "audit-checkpoint", period).await {
            continue;
        }
        if let Err(error) =
            state.auditor.checkpoint_if_grown(&*state.store, state.clock.now()).await
        {
            tracing::error!(%error, "the audit log's head could not be signed");
        }
    }
}

/// Entries looked through, at most, for one page of a filtered history.
const HISTORY_SCANNED: u32 = 4 * HISTORY_MAX;

/// Entries read from the store at once.
const SCAN_BATCH: u32 = 100;

/// An entry of the log, and the Merkle path from it to a signed tree head.
#[derive(Serialize)]
pub struct InclusionProof {
    pub seq: u64,
    /// The entry's canonical JSON, base64. It names no address or device, only a commitment
    /// to them; an entry written before that, with someone else's address inside, is left out
    /// (the leaf is still proven).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    pub leaf: String,
    /// Nearest the leaf first (RFC 6962).
    pub path: Vec<String>,
    pub tree_size: u64,
    pub root: String,
    pub checkpoint_at: i64,
    pub signature: String,
    /// The audit key (Ed25519), to check the signature with.
    pub public_key: String,
}

/// `GET /api/records/{record}/access-history/{seq}/proof`: for an entry of this record that the
/// asker's history shows.
pub async fn proof(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, seq)): Path<(String, u64)>,
) -> Result<Json<InclusionProof>, ApiError> {
    // An entry of this record that the asker may read in its history.
    let view = View::of(&state, &asker, &origin, AuditAction::HistoryProof, Some(&seq.to_string()))
        .await?;
    let found = match state.store.audit_entry(seq).await? {
        Some((stored, Some(record))) if record == asker.record.id => {
            match serde_json::from_slice::<AuditEntry>(&stored.entry).ok() {
                Some(entry)
                    if view.shows(&entry)
                        && Readable::default()
                            .may_read(&state, &asker, entry.item.as_deref())
                            .await? =>
                {
                    let someone_elses_address = !entry.client.is_empty()
                        && entry.actor.id.as_deref() != Some(party_key(&asker).as_str());
                    Some((stored, someone_elses_address))
                }
                _ => None,
            }
        }
        _ => None,
    };
    let ours = found.is_some();
    if !ours {
        let refused = Some(trace::NOT_FOUND.to_owned());
        trace::read(
            &state,
            &asker,
            &origin,
            AuditAction::HistoryProof,
            Some(&seq.to_string()),
            refused,
        )
        .await?;
        return Err(ApiError::NotFound);
    }
    // A proof costs reads of the log: a handful at once, then one a minute, per person.
    crate::limits::limit(&state, &format!("proof:{}", party_key(&asker)), PROOF_POLICY).await?;
    trace::read(&state, &asker, &origin, AuditAction::HistoryProof, Some(&seq.to_string()), None)
        .await?;
    // Against the latest head the server signed (every 64 entries, and every minute while the
    // log grows): never a signature per request. An entry newer than it is proven a little
    // later.
    let head = state.store.latest_checkpoint().await?.filter(|head| head.size >= seq);
    let Some(head) = head else {
        return Err(ApiError::TooManyAttempts { retry_after: CHECKPOINT_SECONDS as u32 });
    };
    // O(log n) stored subtrees, not every leaf.
    let path = crate::audit::inclusion_proof(&*state.store, seq, head.size)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (stored, someone_elses_address) = found.ok_or(ApiError::NotFound)?;
    Ok(Json(InclusionProof {
        seq,
        entry: (!someone_elses_address).then(|| STANDARD.encode(&stored.entry)),
        leaf: STANDARD.encode(stored.leaf),
        path: path.iter().map(|hash| STANDARD.encode(hash)).collect(),
        tree_size: head.size,
        root: STANDARD.encode(head.root),
        checkpoint_at: head.at,
        signature: STANDARD.encode(&head.signature),
        public_key: STANDARD.encode(state.auditor.public_key().as_bytes()),
    }))
}
