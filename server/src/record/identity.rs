//! Whom the record is of, as the health insurer names them: the national health identifier
//! (INS). The patient's side declares it; a professional who may read the record verifies it
//! with the patient in front of them. The insurer's feed matches a verified INS only, so a
//! declaration never draws someone else's care history into the record, and no two records hold
//! the same verified INS.

use crate::audit::AuditAction;
use app::{
    api::{
        InputError, Refusal,
        record::{IdentityChange, IdentityInfo, IdentityVerification},
    },
    ins::Ins,
    policy::{Action, Item},
    vocabulary::Subject,
};
use axum::{Json, extract::State, http::StatusCode};

use crate::asker::{Asker, Who, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiJson, Origin},
    store::{IdentityRecord, IdentityWrite, StoreError},
};

const IDENTITY: Item<'static> = Item::about(Subject::Identity);

pub async fn identity(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<IdentityInfo>, ApiError> {
    const ACTION: AuditAction = AuditAction::IdentityRead;
    trace::require(&state, &asker, &origin, ACTION, None, Action::Read, &IDENTITY).await?;
    let stored = state.store.identity(&asker.record.id).await?;
    let mut info = IdentityInfo { ins: None, verified: None };
    if let Some(IdentityRecord { ins, verified }) = stored {
        info.ins = Some(ins);
        if let Some((rpps, at)) = verified {
            let by = crate::notices::professional_line(&state, &rpps).await?;
            info.verified = Some(IdentityVerification { by, at });
        }
    }
    trace::read(&state, &asker, &origin, ACTION, None, None).await?;
    Ok(Json(info))
}

/// Declared by the patient's side (a verified INS declared again as it is stays verified),
/// verified by a professional; `null` removes it (the patient's side only).
pub async fn set_identity(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiJson(request): ApiJson<IdentityChange>,
) -> Result<StatusCode, ApiError> {
    const ACTION: AuditAction = AuditAction::IdentitySet;
    let action = if request.ins.is_some() { Action::Write } else { Action::Withdraw };
    trace::require(&state, &asker, &origin, ACTION, None, action, &IDENTITY).await?;
    let invalid = || ApiError::input("ins", InputError::InsInvalid);
    let ins =
        request.ins.as_deref().map(|text| Ins::parse(text).ok_or_else(invalid)).transpose()?;
    let change = match (&ins, &asker.who) {
        (None, _) => IdentityWrite::Remove,
        (Some(ins), Who::Professional { record, .. }) => {
            IdentityWrite::Verify(ins, &record.professional.rpps)
        }
        (Some(ins), Who::Holder | Who::Representative) => IdentityWrite::Declare(ins),
    };
    let (record, now) = (&asker.record.id, state.clock.now());
    let written = trace::change(&state, &asker, &origin, ACTION, None, async |rows| {
        state.store.set_identity(record, change, now, rows).await
    })
    .await;
    match written {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        // Nothing was written, the entry with it: the refusal is traced on its own.
        Err(ApiError::Store(StoreError::Conflict(VERIFIED_ELSEWHERE))) => {
            let refused = Some("ins_taken".to_owned());
            trace::read(&state, &asker, &origin, ACTION, None, refused).await?;
            Err(ApiError::Refused(Refusal::InsTaken))
        }
        Err(other) => Err(other),
    }
}

/// The store's name for the rule that one record at most holds an INS verified.
const VERIFIED_ELSEWHERE: &str = "identities_verified_ins";
