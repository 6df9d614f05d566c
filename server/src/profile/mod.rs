//! The health profile over HTTP. Every entry point resolves who asks ([`Asker`]) and asks
//! `app::policy::decide` with the entry's section, author and mask; an entry the asker may not
//! read answers like one that does not exist. A new treatment comes back with the interactions
//! and duplicates the ANSM thesaurus finds among the current treatments the asker may read
//! (`checks.rs`).

pub(crate) mod checks;

use crate::audit::AuditAction;
use app::{
    api::{
        profile::{Entry, EntryInfo, EntryRequest, EntryVersion, EntryWritten},
        record::MaskRequest,
    },
    policy::{Action, Decision, Item, decide},
    vocabulary::Subject,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post, put},
};

use crate::{
    AppState,
    asker::{Asker, Names, author_info, author_of, trace},
    error::{ApiError, Refusal},
    extract::{ApiJson, IdempotencyKey, Origin},
    store::{EntryId, EntryRecord, Matched, NewEntry, NewVersion},
    vault::{Sealed, new_id},
};

/// Under `/api/records`.
pub fn routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/{record}/profile", get(list).post(create))
        .route("/{record}/profile/{entry}", put(update))
        .route("/{record}/profile/{entry}/history", get(history))
        .route("/{record}/profile/{entry}/mask", post(mask))
        .route("/{record}/profile/{entry}/remove", post(remove))
        .route("/{record}/interactions/check", post(checks::check))
}

fn version_context(entry_id: &str, version: u32) -> String {
    format!("profile-entry/{entry_id}/{version}")
}

fn item_of(entry: &EntryRecord) -> Item<'_> {
    Item {
        subject: Subject::Profile(entry.section),
        domain: None,
        author: Some(author_of(&entry.author)),
        masked: entry.masked,
        hidden_from_representatives: false,
        awaiting_announcement: false,
        // An entry ended by its author stays shown, in its history.
        withdrawn: false,
    }
}

fn allowed(state: &AppState, asker: &Asker, action: Action, item: &Item<'_>) -> Decision {
    decide(&state.policy_context(&asker.record), &asker.actor(), action, item)
}

fn open_entry(
    state: &AppState,
    record: &EntryRecord,
    sealed: &[u8],
    version: u32,
) -> Result<Entry, ApiError> {
    let sealed = Sealed { key: record.key.clone(), content: sealed.to_vec() };
    let plain =
        state.vault.open(&sealed, &record.data_key, &version_context(&record.id, version))?;
    serde_json::from_slice(&plain).map_err(|_| ApiError::BadRequest)
}

/// An entry as the asker reads it, with what they may do with it (the policy's answer).
async fn info(
    state: &AppState,
    asker: &Asker,
    record: &EntryRecord,
    names: &mut Names,
) -> Result<EntryInfo, ApiError> {
    let item = item_of(record);
    let allowed = [Action::Write, Action::Mask]
        .into_iter()
        .filter(|action| !record.removed || *action == Action::Mask)
        .filter(|action| asker.decide(state, *action, &item).allowed())
        .collect();
    Ok(EntryInfo {
        id: record.id.to_string(),
        entry: open_entry(state, record, &record.sealed, record.version)?,
        version: record.version,
        author: author_info(state, &record.version_author, names).await?,
        written_at: record.written_at,
        created_at: record.created_at,
        masked: record.masked,
        removed: record.removed,
        allowed,
    })
}

pub(crate) fn may_read(state: &AppState, asker: &Asker, entry: &EntryRecord) -> bool {
    allowed(state, asker, Action::Read, &item_of(entry)).allowed()
}

/// The current version of an entry, opened.
pub(crate) fn open_current(state: &AppState, entry: &EntryRecord) -> Result<Entry, ApiError> {
    open_entry(state, entry, &entry.sealed, entry.version)
}

/// The entry if the asker may read it; otherwise as if it did not exist, and the refusal of
/// `action` traced.
async fn readable(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    id: &EntryId,
) -> Result<EntryRecord, ApiError> {
    let refused = match state.store.entry(&asker.record.id, id).await? {
        Some(record) => match allowed(state, asker, Action::Read, &item_of(&record)) {
            Decision::Allow(_) => return Ok(record),
            Decision::Deny(reason) => trace::reason(reason),
        },
        None => trace::NOT_FOUND.to_owned(),
    };
    trace::read(state, asker, origin, action, Some(id), Some(refused)).await?;
    Err(ApiError::NotFound)
}

fn checked(mut entry: Entry, state: &AppState) -> Result<Entry, ApiError> {
    let today = state.clock.today();
    entry.check(today).map_err(|(field, error)| ApiError::input(field, error))?;
    Ok(entry)
}

/// The entries the asker may read, newest first; removed ones included (marked), for history.
async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<EntryInfo>>, ApiError> {
    let out = readable_entries(&state, &asker).await?;
    trace::read(&state, &asker, &origin, AuditAction::ProfileList, None, None).await?;
    Ok(Json(out))
}

/// Every entry the asker may read, opened (the caller traces the read).
pub(crate) async fn readable_entries(
    state: &AppState,
    asker: &Asker,
) -> Result<Vec<EntryInfo>, ApiError> {
    let mut out = Vec::new();
    let mut names = Names::new();
    for record in state.store.entries(&asker.record.id).await? {
        if allowed(state, asker, Action::Read, &item_of(&record)).allowed() {
            out.push(info(state, asker, &record, &mut names).await?);
        }
    }
    Ok(out)
}

/// Adds an entry. With an `Idempotency-Key` header, sending it twice adds it once.
async fn create(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    ApiJson(request): ApiJson<EntryRequest>,
) -> Result<(StatusCode, Json<EntryWritten>), ApiError> {
    let (status, written) =
        add(&state, &asker, &origin, idempotency_key.as_deref(), request.entry).await?;
    Ok((status, Json(written)))
}

/// [`create`] for a caller in the server (an import): 201 and the new entry, or 200 and the
/// one this idempotency key added.
pub(crate) async fn add(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    idempotency_key: Option<&str>,
    entry: Entry,
) -> Result<(StatusCode, EntryWritten), ApiError> {
    if let Some(key) = idempotency_key
        && let Some(existing) =
            state.store.entry_by_idempotency_key(&asker.record.id, &asker.party, key).await?
    {
        let entry = info(state, asker, &existing, &mut Names::new()).await?;
        trace::read(state, asker, origin, AuditAction::ProfileCreate, Some(&existing.id), None)
            .await?;
        let again = EntryWritten { entry, interactions: Vec::new(), duplicates: Vec::new() };
        return Ok((StatusCode::OK, again));
    }
    let entry = checked(entry, state)?;
    let item = Item::about(Subject::Profile(entry.section()));
    if let Decision::Deny(reason) = allowed(state, asker, Action::Write, &item) {
        return trace::refuse(state, asker, origin, AuditAction::ProfileCreate, "", reason).await;
    }
    let id = EntryId::new(new_id());
    let data_key = new_id();
    let plain = serde_json::to_vec(&entry).map_err(|_| ApiError::BadRequest)?;
    let sealed = state.vault.seal(&plain, &data_key, &asker.record.id, &version_context(&id, 1))?;
    let new = NewEntry {
        id: &id,
        account_id: &asker.record.id,
        section: entry.section(),
        data_key: &data_key,
        key: &sealed.key,
        author: &asker.party,
        idempotency_key,
        sealed: &sealed.content,
        now: state.clock.now(),
    };
    trace::change(state, asker, origin, AuditAction::ProfileCreate, Some(&id), async |rows| {
        state.store.create_entry(&new, rows).await
    })
    .await?;
    let stored = state.store.entry(&asker.record.id, &id).await?.ok_or(ApiError::NotFound)?;
    let stored = info(state, asker, &stored, &mut Names::new()).await?;
    let written = checks::of_treatment(state, asker, &entry, Some(&id), stored).await?;
    Ok((StatusCode::CREATED, written))
}

/// A new version of an entry, by its author. `base_version` (the version the writer saw)
/// guards against overwriting a change made meanwhile: a mismatch is a conflict, and nothing
/// is written. With an `Idempotency-Key` header, sending it twice writes it once (the second
/// answer is the entry as it is now).
async fn update(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    Path((_, id)): Path<(String, EntryId)>,
    ApiJson(request): ApiJson<EntryRequest>,
) -> Result<Json<EntryWritten>, ApiError> {
    Ok(Json(edit(&state, &asker, &origin, idempotency_key, &id, request).await?))
}

/// [`update`] for a caller in the server (the FHIR endpoint's replace): a new version of the
/// entry, unless this key wrote one already.
pub(crate) async fn edit(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    idempotency_key: Option<String>,
    id: &EntryId,
    request: EntryRequest,
) -> Result<EntryWritten, ApiError> {
    let record = readable(state, asker, origin, AuditAction::ProfileEdit, id).await?;
    if record.removed {
        return Err(ApiError::Refused(Refusal::Withdrawn));
    }
    if let Decision::Deny(reason) = allowed(state, asker, Action::Write, &item_of(&record)) {
        return trace::refuse(state, asker, origin, AuditAction::ProfileEdit, &record.id, reason)
            .await;
    }
    if let Some(key) = idempotency_key.as_deref()
        && state.store.version_by_idempotency_key(&record.id, &asker.party, key).await?.is_some()
    {
        let stored = info(state, asker, &record, &mut Names::new()).await?;
        trace::read(state, asker, origin, AuditAction::ProfileEdit, Some(&record.id), None).await?;
        return Ok(EntryWritten {
            entry: stored,
            interactions: Vec::new(),
            duplicates: Vec::new(),
        });
    }
    let entry = checked(request.entry, state)?;
    if entry.section() != record.section {
        return Err(ApiError::input("section", app::api::InputError::SectionChanged));
    }
    let base = request.base_version.unwrap_or(record.version);
    // A version no other can follow was never the entry's.
    let next = base.checked_add(1).ok_or(ApiError::Refused(Refusal::Conflict))?;
    let plain = serde_json::to_vec(&entry).map_err(|_| ApiError::BadRequest)?;
    let context = version_context(&record.id, next);
    let content = state.vault.seal_in(&record.key, &record.data_key, &plain, &context)?;
    let now = state.clock.now();
    let version = NewVersion {
        sealed: &content,
        author: &asker.party,
        idempotency_key: idempotency_key.as_deref(),
        now,
    };
    let account = &asker.record.id;
    let added = trace::change(
        state,
        asker,
        origin,
        AuditAction::ProfileEdit,
        Some(&record.id),
        async |rows| state.store.add_version(account, &record.id, base, &version, rows).await,
    )
    .await?;
    if added.is_none() {
        // Nothing written; the log is released, so the refusal can be traced.
        let conflict = Some("conflict".to_owned());
        trace::read(state, asker, origin, AuditAction::ProfileEdit, Some(&record.id), conflict)
            .await?;
        return Err(ApiError::Refused(Refusal::Conflict));
    }
    let stored =
        state.store.entry(&asker.record.id, &record.id).await?.ok_or(ApiError::NotFound)?;
    let stored = info(state, asker, &stored, &mut Names::new()).await?;
    checks::of_treatment(state, asker, &entry, Some(&record.id), stored).await
}

/// Every version of an entry the asker may read, oldest first, with who wrote each.
async fn history(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, id)): Path<(String, EntryId)>,
) -> Result<Json<Vec<EntryVersion>>, ApiError> {
    let record = readable(&state, &asker, &origin, AuditAction::ProfileHistory, &id).await?;
    let mut names = Names::new();
    let mut out = Vec::new();
    for version in state.store.versions(&record.id).await? {
        out.push(EntryVersion {
            version: version.version,
            entry: open_entry(&state, &record, &version.sealed, version.version)?,
            author: author_info(&state, &version.author, &mut names).await?,
            written_at: version.written_at,
        });
    }
    trace::read(&state, &asker, &origin, AuditAction::ProfileHistory, Some(&record.id), None)
        .await?;
    Ok(Json(out))
}

/// The patient (or their representative) masks or unmasks an entry.
async fn mask(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, id)): Path<(String, EntryId)>,
    ApiJson(request): ApiJson<MaskRequest>,
) -> Result<StatusCode, ApiError> {
    let action = if request.masked { AuditAction::ProfileMask } else { AuditAction::ProfileUnmask };
    let record = readable(&state, &asker, &origin, action, &id).await?;
    let (item, entry_id) = (item_of(&record), Some(record.id.as_str()));
    trace::require(&state, &asker, &origin, action, entry_id, Action::Mask, &item).await?;
    let account = &asker.record.id;
    trace::change(&state, &asker, &origin, action, Some(&record.id), async |rows| {
        state.store.set_entry_masked(account, &record.id, request.masked, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Its author ends an entry (a treatment stopped, a wrong entry): it stays in the history.
async fn remove(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, id)): Path<(String, EntryId)>,
) -> Result<StatusCode, ApiError> {
    let record = readable(&state, &asker, &origin, AuditAction::ProfileRemove, &id).await?;
    if let Decision::Deny(reason) = allowed(&state, &asker, Action::Write, &item_of(&record)) {
        return trace::refuse(
            &state,
            &asker,
            &origin,
            AuditAction::ProfileRemove,
            &record.id,
            reason,
        )
        .await;
    }
    let now = state.clock.now();
    let Matched(removed) = trace::change(
        &state,
        &asker,
        &origin,
        AuditAction::ProfileRemove,
        Some(&record.id),
        async |rows| state.store.remove_entry(&asker.record.id, &record.id, now, rows).await,
    )
    .await?;
    if !removed {
        return Err(ApiError::Refused(Refusal::Withdrawn));
    }
    Ok(StatusCode::NO_CONTENT)
}
