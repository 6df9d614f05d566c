//! The patient's side of emergency access: every break-glass session on their record with its
//! reason (also read by the regular doctor while the policy allows), and the refusal of
//! emergency access in advance.

use app::{
    api::emergency::{BreakGlassInfo, BreakGlassRefusal},
    policy::{Action, Item},
    vocabulary::Subject,
};
use axum::{Json, extract::State, http::StatusCode};

use super::reason_context;
use crate::{
    AppState,
    asker::{Asker, trace},
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, Origin},
    store::BreakGlassRecord,
    vault::{Sealed, Vault, VaultError},
};

/// Every break-glass session on the record, with its reason: for the patient side, and for the
/// regular doctor.
pub(super) async fn review(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<BreakGlassInfo>>, ApiError> {
    // The patient's side, and the regular doctor while neither blocked nor the record closed.
    let review = Item::about(Subject::BreakGlassReview);
    let action = Action::Read;
    trace::require_or_nothing(
        &state,
        &asker,
        &origin,
        AuditAction::BreakGlassList,
        None,
        action,
        &review,
    )
    .await?;
    let now = state.clock.now();
    let mut out = Vec::new();
    for session in state.store.break_glass_of_record(&asker.record.id).await? {
        let Some(professional) = state.store.professional(&session.rpps).await? else {
            continue;
        };
        out.push(BreakGlassInfo {
            id: session.id.to_string(),
            professional: professional.professional,
            reason: open_reason(&state.vault, &session)?,
            started_at: session.started_at,
            until: session.until(),
            live: session.live_at(now),
        });
    }
    trace::read(&state, &asker, &origin, AuditAction::BreakGlassList, None, None).await?;
    Ok(Json(out))
}

/// The reason of a session, opened (health content: never logged).
pub fn open_reason(vault: &Vault, session: &BreakGlassRecord) -> Result<String, VaultError> {
    let sealed = Sealed { key: session.key.clone(), content: session.sealed_reason.clone() };
    let plain = vault.open(&sealed, &session.data_key, &reason_context(&session.id))?;
    String::from_utf8(plain.to_vec()).map_err(|_| VaultError::Tampered)
}

pub(super) async fn refusal(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<BreakGlassRefusal>, ApiError> {
    const READ: AuditAction = AuditAction::BreakGlassRefusalRead;
    trace::sharing_read(&state, &asker, &origin, READ).await?;
    trace::read(&state, &asker, &origin, READ, None, None).await?;
    Ok(Json(BreakGlassRefusal { refused: asker.record.break_glass_refused }))
}

/// The patient (or their representative) refuses, or accepts again, emergency access.
pub(super) async fn set_refusal(
    State(state): State<AppState>,
    origin: Origin,
    asker: Asker,
    ApiJson(request): ApiJson<BreakGlassRefusal>,
) -> Result<StatusCode, ApiError> {
    let action =
        if request.refused { AuditAction::BreakGlassRefuse } else { AuditAction::BreakGlassAccept };
    trace::sharing_write(&state, &asker, &origin, action, None).await?;
    trace::change(&state, &asker, &origin, action, None, async |rows| {
        state.store.set_break_glass_refused(&asker.record.id, request.refused, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
