//! Legal representatives: a parent or guardian manages the record of a minor or a protected
//! adult with their own account, switching between their record and those they represent.
//! The role ends when it is withdrawn or, for a minor, on coming of age; this is decided at
//! every request, so the end takes effect on the very next one.

use crate::audit::AuditAction;
use app::api::account::{ActingFor, Represented, WithdrawRepresentation};
use axum::{Json, extract::State, http::StatusCode};

use crate::session::Session;
use crate::{
    AppState,
    error::{ApiError, Refusal},
    extract::{ApiJson, ClientAddr},
    store::AccountId,
};

/// The people `representative` represents now, as the interface lists them.
pub async fn represented_by(
    state: &AppState,
    representative: &AccountId,
) -> Result<Vec<Represented>, ApiError> {
    let today = state.clock.today();
    Ok(state
        .store
        .representations_by(representative)
        .await?
        .into_iter()
        .filter(|record| crate::representatives::in_force(record, today, state.rules.majority_age))
        .map(|record| Represented {
            id: record.account_id.into(),
            given_name: record.given_name,
            family_name: record.family_name,
            birth_date: record.birth_date,
            kind: record.kind,
        })
        .collect())
}

/// Switches this session to the record of someone represented, or back to one's own.
pub async fn set_acting_for(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<ActingFor>,
) -> Result<StatusCode, ApiError> {
    let target = request.account_id.map(AccountId::new).filter(|id| *id != session.account_id);
    if let Some(represented) = &target
        && !crate::representatives::represents(&state, &session.account_id, represented).await?
    {
        return Err(ApiError::Refused(Refusal::NotRepresented));
    }
    let event = if target.is_some() {
        AuditAction::AccountActingForStarted
    } else {
        AuditAction::AccountActingForEnded
    };
    let (id, now) = (&session.account_id, state.clock.now());
    crate::audit::account_change(&state, event, id, &addr, now, async |event| {
        state.store.set_acting_for(&session.token_hash, target.as_ref(), event).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A representative gives up the role; the represented person's record stays as it is.
pub async fn withdraw(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<WithdrawRepresentation>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let event = AuditAction::AccountRepresentationWithdrawn;
    let id = &session.account_id;
    let represented = &AccountId::new(request.account_id);
    let withdrawn = crate::audit::account_change(&state, event, id, &addr, now, async |event| {
        state.store.withdraw_representation(represented, id, "representative", now, event).await
    });
    if withdrawn.await?.is_none() {
        return Err(ApiError::Refused(Refusal::NotRepresented));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/account/represented`: the people this account represents now.
pub async fn list(
    State(state): State<AppState>,
    origin: crate::extract::Origin,
    session: Session,
) -> Result<Json<Vec<Represented>>, ApiError> {
    let represented = represented_by(&state, &session.account_id).await?;
    super::own_read(&state, &session.account_id, &origin, AuditAction::AccountRepresented).await?;
    Ok(Json(represented))
}
