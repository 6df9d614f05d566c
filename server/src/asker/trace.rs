//! The audit entries of the record's entry points: who asked (as [`Asker`] established it),
//! what, on which item, from where, and what the policy answered.

use app::policy::{Action, Allow, BreakGlass, Decision, Deny, Item};
use app::vocabulary::Subject;

use super::{Asker, Who};
use crate::{
    AppState,
    audit::{AuditAction, AuditActor, AuditEntry},
    error::ApiError,
    extract::Origin,
    store::{AccountId, AuditRows, Committed, Rpps, StoreError},
};

pub fn actor(asker: &Asker) -> AuditActor {
    match &asker.who {
        Who::Holder => {
            AuditActor { kind: "patient".into(), id: Some(asker.record.id.to_string()), role: None }
        }
        Who::Representative => {
            AuditActor { kind: "representative".into(), id: party_id(&asker.party), role: None }
        }
        Who::Professional { record, .. } => actor_of(&record.professional),
    }
}

fn party_id(party: &crate::store::Party) -> Option<String> {
    match party {
        crate::store::Party::Patient(id) => Some(id.to_string()),
        crate::store::Party::Professional(rpps) => Some(rpps.to_string()),
        crate::store::Party::Insurer => None,
    }
}

fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        _ => String::new(),
    }
}

/// Why an entry point refused: the policy's reason, or no such item (as far as the asker may
/// know).
pub fn reason(deny: Deny) -> String {
    code(&deny)
}

pub const NOT_FOUND: &str = "not_found";

/// The entry for `action` on `item` of the asker's record; `denied` gives the reason.
pub fn entry(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    item: Option<&str>,
    denied: Option<String>,
) -> AuditEntry {
    let break_glass =
        matches!(&asker.who, Who::Professional { break_glass: BreakGlass::Active, .. });
    let mut entry =
        outside_entry(state, actor(asker), origin, action, Some(&asker.record.id), item, denied);
    entry.purpose = break_glass.then(|| "break_glass".to_owned());
    entry
}

/// The entry of an action outside a record's own routes (the professional space, the account,
/// notifications), on `record` if it concerns one.
pub fn outside_entry(
    state: &AppState,
    actor: AuditActor,
    origin: &Origin,
    action: AuditAction,
    record: Option<&str>,
    item: Option<&str>,
    denied: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at: state.clock.now(),
        actor,
        action: action.as_str().to_owned(),
        // An identifier from the address may be anything: kept short.
        item: item.map(|item| item.chars().take(64).collect()),
        record: record.map(str::to_owned),
        client: origin.client.clone(),
        device: origin.device.clone(),
        outcome: if denied.is_some() { "denied" } else { "allowed" }.to_owned(),
        reason: denied,
        purpose: None,
        origin: None,
    }
}

/// A signed-in professional as the log names them, with their profession when the directory
/// still lists them.
pub async fn professional_actor(state: &AppState, rpps: &Rpps) -> Result<AuditActor, ApiError> {
    Ok(match state.store.professional(rpps).await? {
        Some(record) => actor_of(&record.professional),
        None => AuditActor { kind: "professional".into(), id: Some(rpps.to_string()), role: None },
    })
}

/// A professional already read from the directory, as the log names them.
pub fn actor_of(professional: &app::directory::Professional) -> AuditActor {
    AuditActor {
        kind: "professional".into(),
        id: Some(professional.rpps.as_str().to_owned()),
        role: Some(professional.profession.code().to_owned()),
    }
}

/// Asks the policy whether the asker may do `action` on `item`. A refusal is traced as
/// `audit_action` on `item_id` and answered with the policy's reason (403).
pub async fn require(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
    item_id: Option<&str>,
    action: Action,
    item: &Item<'_>,
) -> Result<Allow, ApiError> {
    match asker.decide(state, action, item) {
        Decision::Allow(why) => Ok(why),
        Decision::Deny(why) => {
            read(state, asker, origin, audit_action, item_id, Some(reason(why))).await?;
            Err(ApiError::Denied(why))
        }
    }
}

/// Like [`require`], for what the asker may not even know exists (the record's sharing, its
/// emergency accesses): a refusal is answered as if there were nothing (404).
pub async fn require_or_nothing(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
    item_id: Option<&str>,
    action: Action,
    item: &Item<'_>,
) -> Result<Allow, ApiError> {
    match require(state, asker, origin, audit_action, item_id, action, item).await {
        Err(ApiError::Denied(_)) => Err(ApiError::NotFound),
        other => other,
    }
}

/// Reads of the record's sharing (grants, emergency links, notification choices, the advance
/// refusal): the policy's answer, a refusal answered as if there were nothing.
pub async fn sharing_read(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
) -> Result<(), ApiError> {
    let sharing = Item::about(Subject::Sharing);
    require_or_nothing(state, asker, origin, audit_action, None, Action::Read, &sharing).await?;
    Ok(())
}

/// Changes to the record's sharing: the policy's answer, a refusal traced with its reason.
pub async fn sharing_write(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
    item_id: Option<&str>,
) -> Result<(), ApiError> {
    let sharing = Item::about(Subject::Sharing);
    require(state, asker, origin, audit_action, item_id, Action::Write, &sharing).await?;
    Ok(())
}

/// A signed-in account (patient or representative) acting on its own account.
pub fn account_actor(account_id: &AccountId) -> AuditActor {
    AuditActor { kind: "account".into(), id: Some(account_id.to_string()), role: None }
}

/// Writes an entry now, before the answer leaves.
pub async fn write(state: &AppState, entry: &AuditEntry) -> Result<(), ApiError> {
    state.auditor.append(&state.store, entry).await?;
    Ok(())
}

/// Writes the entry of a read before its answer leaves; no trace, no answer.
pub async fn read(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    item: Option<&str>,
    denied: Option<String>,
) -> Result<(), ApiError> {
    let allowed = denied.is_none();
    let entry = entry(state, asker, origin, action, item, denied);
    let seq = state.auditor.append(&state.store, &entry).await?;
    if first_access(state, asker, allowed, seq).await? {
        notify_first_access(state, asker).await?;
    }
    Ok(())
}

/// Whether the entry `seq` is an allowed professional's first on the record. Asked once the
/// entry has its place in the log (appends are serialised), so of two requests at once exactly
/// one is the first.
async fn first_access(
    state: &AppState,
    asker: &Asker,
    allowed: bool,
    seq: u64,
) -> Result<bool, ApiError> {
    let Who::Professional { record, break_glass, .. } = &asker.who else { return Ok(false) };
    // In an emergency the patient is told otherwise, and at once.
    if !allowed || *break_glass == BreakGlass::Active {
        return Ok(false);
    }
    let rpps = record.professional.rpps.as_str();
    Ok(!state.store.has_acted(&asker.record.id, rpps, seq).await?)
}

/// Tells the patient that a professional came to their record for the first time.
async fn notify_first_access(state: &AppState, asker: &Asker) -> Result<(), ApiError> {
    let Who::Professional { record, .. } = &asker.who else { return Ok(()) };
    let by = crate::notices::line(&record.professional);
    let url = crate::notices::record_url(state);
    crate::notices::tell_patient(
        state,
        &asker.record.id,
        app::api::emergency::NotificationKind::FirstAccess,
        Some(&record.professional.rpps),
        app::account::messages::Kind::FirstAccess { by: &by, url: &url },
        None,
    )
    .await
}

/// Writes a change with its entry, in the change's own transaction: `change` is the store call
/// that writes the rows it is handed beside its own (see [`crate::audit::Pending::write`]). A
/// professional's first access to the record is told to the patient once the change is
/// committed, never for one that was not.
pub async fn change<T: Committed>(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    item: Option<&str>,
    change: impl AsyncFnOnce(&AuditRows) -> Result<T, StoreError>,
) -> Result<T, ApiError> {
    let entry = entry(state, asker, origin, action, item, None);
    let pending = state.auditor.prepare(&*state.store, &entry).await?;
    // The log is held: no other entry can take a place before this one meanwhile.
    let first = first_access(state, asker, true, pending.rows().stored.seq).await?;
    let answer = pending.write(change).await?;
    if first && answer.committed() {
        notify_first_access(state, asker).await?;
    }
    Ok(answer)
}

/// Refuses `action` on `item` for the policy's `reason`, traced.
pub async fn refuse<T>(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    item: &str,
    reason: Deny,
) -> Result<T, ApiError> {
    read(state, asker, origin, action, Some(item), Some(self::reason(reason))).await?;
    Err(ApiError::Denied(reason))
}
