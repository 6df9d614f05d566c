//! A deposit: announced (`POST uploads`), sent in chunks that may be resumed after a dropped
//! connection (`PUT uploads/{id}?offset=N`, `GET uploads/{id}` says where to resume), and a
//! document only when `finish` finds every byte there and of the announced type. The policy is
//! asked again at every chunk and at the end.

use app::{
    api::{
        ErrorBody, ErrorCode, InputError,
        record::{DepositRequest, DocumentInfo, TITLE_MAX_CHARS, UploadStatus},
        validate::Date,
    },
    policy::{Action, Item},
    vocabulary::{MediaType, valid_loinc},
};
use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    content::content_of,
    document_changes::tell_of_new_document,
    documents::{allowed_actions, chunk_context, info, item_of, new_item, readable, title_context},
    exams::repeated_exams,
};
use crate::asker::{Asker, Names, trace};
use crate::{
    AppState,
    audit::AuditAction,
    error::{ApiError, Refusal},
    extract::{ApiJson, IdempotencyKey, Origin},
    store::{AppendOutcome, DocumentId, NewUpload, UploadId, UploadRecord},
    vault::new_id,
};

/// Largest chunk of a document accepted in one request (under the server's body limit).
pub const CHUNK_BYTES: u64 = 512 * 1024;

/// Largest document, unless configured otherwise (the reference: 20 MB).
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 20_000_000;

/// An upload not finished within a day is forgotten.
pub const UPLOAD_LIFETIME_SECONDS: i64 = 24 * 3600;

/// Whether the asker may deposit `item` (a new document, or a new version of one), held back or
/// hidden from the representatives if asked: asked of the policy when the upload starts and
/// again at every chunk and at its end, so that a revocation, a block or a closed record stops
/// a deposit under way.
#[allow(clippy::too_many_arguments)]
async fn deposit_allowed(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
    upload_id: Option<&str>,
    item: &Item<'_>,
    hidden_from_representatives: bool,
    awaiting_announcement: bool,
) -> Result<(), ApiError> {
    trace::require(state, asker, origin, audit_action, upload_id, Action::Write, item).await?;
    if awaiting_announcement {
        let action = Action::HoldBack;
        trace::require(state, asker, origin, audit_action, upload_id, action, item).await?;
    }
    if hidden_from_representatives {
        let action = Action::HideFromRepresentatives;
        trace::require(state, asker, origin, audit_action, upload_id, action, item).await?;
    }
    Ok(())
}

fn status_of(upload: &UploadRecord) -> UploadStatus {
    UploadStatus {
        upload_id: upload.id.to_string(),
        size: upload.size,
        received: upload.received,
        chunk_size: CHUNK_BYTES,
        finished: upload.finished,
        repeated: Vec::new(),
        interactions: Vec::new(),
    }
}

/// Announces a deposit. With an `Idempotency-Key` header, asking twice gives the same upload.
pub async fn start_upload(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    ApiJson(request): ApiJson<DepositRequest>,
) -> Result<(StatusCode, Json<UploadStatus>), ApiError> {
    let (status, upload) =
        start(&state, &asker, &origin, idempotency_key.as_deref(), request).await?;
    Ok((status, Json(upload)))
}

/// [`start_upload`] for a caller in the server (an import): 201 and a new upload, or 200 and
/// the one this idempotency key started.
pub(crate) async fn start(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    idempotency_key: Option<&str>,
    request: DepositRequest,
) -> Result<(StatusCode, UploadStatus), ApiError> {
    if let Some(key) = idempotency_key
        && let Some(existing) =
            state.store.upload_by_idempotency_key(&asker.record.id, &asker.party, key).await?
    {
        trace::read(state, asker, origin, AuditAction::UploadStart, Some(&existing.id), None)
            .await?;
        return Ok((StatusCode::OK, status_of(&existing)));
    }

    let title = request.title.trim();
    if title.is_empty()
        || title.chars().count() > TITLE_MAX_CHARS
        || title.chars().any(char::is_control)
    {
        return Err(ApiError::input("title", InputError::TitleInvalid));
    }
    if request.type_code.as_deref().is_some_and(|code| !valid_loinc(code)) {
        return Err(ApiError::input("type_code", InputError::TypeCodeInvalid));
    }
    let today = state.clock.today();
    let care_date = Date::parse(&request.care_date)
        .filter(|date| date.year() >= 1900)
        .ok_or(ApiError::input("care_date", InputError::BirthDateInvalid))?;
    if care_date > today {
        return Err(ApiError::input("care_date", InputError::DateInFuture));
    }
    if request.size == 0 {
        return Err(ApiError::input("size", InputError::MediaType));
    }
    if request.size > state.limits.max_document_bytes {
        return Err(ApiError::TooLarge);
    }

    // The policy decides on what the deposit would be: a new item, or a new version of one.
    let replaces = request.replaces.as_deref().map(DocumentId::new);
    let replaced = match &replaces {
        Some(id) => Some(readable(state, asker, origin, AuditAction::UploadStart, id).await?),
        None => None,
    };
    if let Some(document) = &replaced
        && document.category != request.category
    {
        return Err(ApiError::input("category", InputError::MediaType));
    }
    // A new version keeps its document's flags; a new document takes those asked for.
    let (hidden_from_representatives, awaiting_announcement) = match &replaced {
        Some(document) => (document.hidden_from_representatives, document.awaiting_announcement),
        None => (request.hidden_from_representatives, request.awaiting_announcement),
    };
    let item = match &replaced {
        Some(document) => item_of(document),
        None => new_item(request.category, request.domain),
    };
    deposit_allowed(
        state,
        asker,
        origin,
        AuditAction::UploadStart,
        None,
        &item,
        replaced.is_none() && hidden_from_representatives,
        replaced.is_none() && awaiting_announcement,
    )
    .await?;

    let substances = if request.substances.is_empty() {
        Vec::new()
    } else if request.category.names_medicines() {
        crate::profile::checks::prescribed(&request.substances)?
    } else {
        return Err(ApiError::input("substances", InputError::TextInvalid));
    };

    let id = UploadId::new(new_id());
    let data_key = new_id();
    let sealed_title =
        state.vault.seal(title.as_bytes(), &data_key, &asker.record.id, &title_context(&id))?;
    let sealed_terms = if substances.is_empty() {
        None
    } else {
        let words =
            app::api::filter::search_terms(&substances.join(" "), super::timeline::TERMS_MAX_BYTES);
        Some(super::timeline::seal_words(state, &id, &sealed_title.key, &data_key, &words)?)
    };
    trace::change(state, asker, origin, AuditAction::UploadStart, Some(&id), async |rows| {
        state
            .store
            .create_upload(
                &NewUpload {
                    id: &id,
                    account_id: &asker.record.id,
                    data_key: &data_key,
                    key: &sealed_title.key,
                    uploader: &asker.party,
                    idempotency_key,
                    sealed_title: &sealed_title.content,
                    category: request.category,
                    domain: replaced.as_ref().map_or(request.domain, |document| document.domain),
                    type_code: request.type_code.as_deref(),
                    care_date: &care_date.to_string(),
                    media_type: request.media_type,
                    size: request.size,
                    replaces: replaces.as_ref(),
                    hidden_from_representatives,
                    awaiting_announcement,
                    sealed_terms: sealed_terms.as_deref(),
                    now: state.clock.now(),
                },
                rows,
            )
            .await
    })
    .await?;
    let repeated = match &replaced {
        // A new version is the same exam, not a repeated one.
        Some(_) => Vec::new(),
        None => {
            let code = request.type_code.as_deref();
            repeated_exams(state, asker, request.category, code, care_date).await?
        }
    };
    let interactions = if substances.is_empty() {
        Vec::new()
    } else {
        crate::profile::checks::check_prescription(state, asker, &substances).await?
    };
    let status = UploadStatus {
        upload_id: id.into(),
        size: request.size,
        received: 0,
        chunk_size: CHUNK_BYTES,
        finished: false,
        repeated,
        interactions,
    };
    Ok((StatusCode::CREATED, status))
}

/// An upload of this asker on this record (nobody else's); otherwise the refusal of `action`
/// is traced.
async fn own_upload(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    upload_id: &UploadId,
) -> Result<UploadRecord, ApiError> {
    let now = state.clock.now();
    let upload = state
        .store
        .upload(&asker.record.id, upload_id)
        .await?
        .filter(|upload| upload.uploader == asker.party)
        .filter(|upload| now < upload.created_at.saturating_add(UPLOAD_LIFETIME_SECONDS));
    let Some(upload) = upload else {
        let refused = Some(trace::NOT_FOUND.to_owned());
        trace::read(state, asker, origin, action, Some(upload_id), refused).await?;
        return Err(ApiError::NotFound);
    };
    // The deposit is asked of the policy again: what was allowed when it started may not be now.
    let replaced = match &upload.replaces {
        Some(id) => Some(readable(state, asker, origin, action, id).await?),
        None => None,
    };
    let item = match &replaced {
        Some(document) => item_of(document),
        None => new_item(upload.category, upload.domain),
    };
    let (hidden, held_back) = match &replaced {
        Some(_) => (false, false),
        None => (upload.hidden_from_representatives, upload.awaiting_announcement),
    };
    deposit_allowed(state, asker, origin, action, Some(&upload.id), &item, hidden, held_back)
        .await?;
    Ok(upload)
}

pub async fn upload_status(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, upload_id)): Path<(String, UploadId)>,
) -> Result<Json<UploadStatus>, ApiError> {
    let upload = own_upload(&state, &asker, &origin, AuditAction::UploadStatus, &upload_id).await?;
    trace::read(&state, &asker, &origin, AuditAction::UploadStatus, Some(&upload.id), None).await?;
    Ok(Json(status_of(&upload)))
}

#[derive(Deserialize)]
pub struct Offset {
    offset: u64,
}

/// Appends one chunk at `offset`. A chunk sent again after a lost answer, or out of order, is
/// refused with the upload's status so the sender resumes at the right place.
pub async fn append(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, upload_id)): Path<(String, UploadId)>,
    Query(Offset { offset }): Query<Offset>,
    body: Bytes,
) -> Result<Response, ApiError> {
    match append_chunk(&state, &asker, &origin, &upload_id, offset, &body).await? {
        Ok(status) => Ok(Json(status).into_response()),
        Err(status) => {
            // A refusal, so problem details; its status says where to go on.
            let conflict =
                ErrorBody { reason: Some(Refusal::Conflict), ..ErrorBody::new(ErrorCode::Refused) };
            Ok(crate::error::problem_with(StatusCode::CONFLICT, &conflict, Some(&status)))
        }
    }
}

/// [`append`] for a caller in the server: the upload's status once the chunk is in, or (`Err`)
/// its status when the chunk was not where the upload stands.
pub(crate) async fn append_chunk(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    upload_id: &UploadId,
    offset: u64,
    body: &[u8],
) -> Result<Result<UploadStatus, UploadStatus>, ApiError> {
    let upload = own_upload(state, asker, origin, AuditAction::UploadChunk, upload_id).await?;
    let length = body.len() as u64;
    let end = offset.checked_add(length).ok_or(ApiError::TooLarge)?;
    if length == 0 || length > CHUNK_BYTES || end > upload.size {
        return Err(ApiError::TooLarge);
    }
    if offset == 0 && !first_bytes_match(upload.media_type, body) {
        return Err(ApiError::input("file", InputError::MediaType));
    }
    let context = chunk_context(&upload.id, upload.chunks as usize);
    let content = state.vault.seal_in(&upload.key, &upload.data_key, body, &context)?;
    let outcome = trace::change(
        state,
        asker,
        origin,
        AuditAction::UploadChunk,
        Some(&upload.id),
        async |rows| state.store.append_chunk(&upload.id, offset, &content, length, rows).await,
    )
    .await?;
    match outcome {
        AppendOutcome::Appended => {
            Ok(Ok(UploadStatus { received: offset + length, ..status_of(&upload) }))
        }
        AppendOutcome::WrongOffset { received } => {
            Ok(Err(UploadStatus { received, ..status_of(&upload) }))
        }
    }
}

/// Makes the upload a document once every byte is there and of the announced type.
pub async fn finish(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, upload_id)): Path<(String, UploadId)>,
) -> Result<(StatusCode, Json<DocumentInfo>), ApiError> {
    let deposited = finish_upload(&state, &asker, &origin, &upload_id).await?;
    Ok((StatusCode::CREATED, Json(deposited)))
}

/// [`finish`] for a caller in the server: the document deposited.
pub(crate) async fn finish_upload(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    upload_id: &UploadId,
) -> Result<DocumentInfo, ApiError> {
    let upload = own_upload(state, asker, origin, AuditAction::DocumentDeposit, upload_id).await?;
    if upload.received != upload.size {
        return Err(ApiError::Refused(Refusal::UploadIncomplete));
    }
    let content = content_of(state, &upload).await?;
    if content.len() as u64 != upload.size || !upload.media_type.matches(&content) {
        return Err(ApiError::input("file", InputError::MediaType));
    }
    let terms = super::timeline::seal_terms(state, &upload, &content)?;
    let document_id = DocumentId::new(new_id());
    let deposited_id = upload.replaces.as_ref().unwrap_or(&document_id);
    let now = state.clock.now();
    let deposited = trace::change(
        state,
        asker,
        origin,
        AuditAction::DocumentDeposit,
        Some(deposited_id),
        async |rows| {
            state.store.finish_upload(&upload.id, &document_id, terms.as_deref(), now, rows).await
        },
    )
    .await
    .map_err(|error| match error {
        ApiError::Store(crate::store::StoreError::Conflict(_)) => {
            ApiError::Refused(Refusal::Withdrawn)
        }
        other => other,
    })?
    .ok_or(ApiError::Refused(Refusal::UploadIncomplete))?;
    let document = state
        .store
        .document(&asker.record.id, &deposited.document_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // A professional's new document: the patient's side is told (by message too if they chose),
    // each person only if the policy lets them be told of it.
    if deposited.version == 1 {
        tell_of_new_document(state, asker, &document).await?;
    }
    let mut deposited = info(state, &document, &mut Names::new()).await?;
    deposited.allowed = allowed_actions(state, asker, &document);
    Ok(deposited)
}

/// Checks a chunk's media type early (first chunk only), so a wrong file is refused at once.
fn first_bytes_match(media: MediaType, first_chunk: &[u8]) -> bool {
    match media {
        // Text is checked whole at the end (a character may straddle two chunks).
        MediaType::Text => true,
        other => other.matches(first_chunk),
    }
}
