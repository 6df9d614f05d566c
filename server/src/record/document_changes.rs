//! What happens to a document once deposited: withdrawn by its author, masked by the patient,
//! announced to the patient by the professional, and the patient told of a new one.

use crate::audit::AuditAction;
use app::{api::record::MaskRequest, policy::Action};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};

use super::documents::{item_of, readable};
use crate::asker::{Asker, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiJson, Origin},
    store::{DocumentId, DocumentRecord, Matched, Party},
};

/// The document `document_id`, if the asker may read it and do `action` on it; otherwise the
/// refusal is traced as `audit_action` (a document they may not read answers as missing).
async fn changeable(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    audit_action: AuditAction,
    action: Action,
    document_id: &DocumentId,
) -> Result<DocumentRecord, ApiError> {
    let document = readable(state, asker, origin, audit_action, document_id).await?;
    let id = Some(document.id.as_str());
    trace::require(state, asker, origin, audit_action, id, action, &item_of(&document)).await?;
    Ok(document)
}

/// The author withdraws their document: it stays in the history, marked withdrawn.
pub async fn withdraw(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, DocumentId)>,
) -> Result<StatusCode, ApiError> {
    let document = changeable(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentWithdraw,
        Action::Withdraw,
        &document_id,
    )
    .await?;
    let now = state.clock.now();
    trace::change(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentWithdraw,
        Some(&document.id),
        async |rows| state.store.withdraw_document(&asker.record.id, &document.id, now, rows).await,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The professional who deposited a result held back for announcement releases it to the
/// patient (after telling them, in person).
pub async fn announce(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, DocumentId)>,
) -> Result<StatusCode, ApiError> {
    let document = changeable(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentAnnounce,
        Action::Announce,
        &document_id,
    )
    .await?;
    let Matched(announced) = trace::change(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentAnnounce,
        Some(&document.id),
        async |rows| state.store.announce_document(&asker.record.id, &document.id, rows).await,
    )
    .await?;
    if !announced {
        return Err(ApiError::NotFound);
    }
    // Released: now the patient is told of it.
    let mut document = document;
    document.facts.awaiting_announcement = false;
    tell_of_new_document(&state, &asker, &document).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The patient (or their representative) masks or unmasks a document.
pub async fn mask(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, DocumentId)>,
    ApiJson(request): ApiJson<MaskRequest>,
) -> Result<StatusCode, ApiError> {
    let action =
        if request.masked { AuditAction::DocumentMask } else { AuditAction::DocumentUnmask };
    let document = changeable(&state, &asker, &origin, action, Action::Mask, &document_id).await?;
    trace::change(&state, &asker, &origin, action, Some(&document.id), async |rows| {
        state.store.set_masked(&asker.record.id, &document.id, request.masked, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tells the patient's side of a professional's new document, through the policy: nobody while
/// it is held back, not the representatives if it is hidden from them.
pub(super) async fn tell_of_new_document(
    state: &AppState,
    asker: &Asker,
    document: &DocumentRecord,
) -> Result<(), ApiError> {
    let Party::Professional(rpps) = &document.author else { return Ok(()) };
    let by = crate::notices::professional_line(state, rpps).await?;
    let url = crate::notices::record_url(state);
    let about = crate::notices::About { id: Some(&document.id), item: item_of(document) };
    crate::notices::tell_patient(
        state,
        &asker.record.id,
        app::api::emergency::NotificationKind::DocumentDeposited,
        Some(rpps),
        app::account::messages::Kind::DocumentDeposited { by: &by, url: &url },
        Some(about),
    )
    .await
}
