//! The patient's grants: which professionals may read the record, how much of it, until when;
//! revoking, blocking and unblocking. Decided by the patient or a representative — except that
//! a professional the patient blocked cannot be granted by a representative.

use app::{
    account::{InputError, validate::Date},
    directory::Profession,
    directory::Rpps,
    policy::{Consent, Grant},
    record::{GrantInfo, GrantRequest, RegularDoctor},
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};

use super::{Asker, Who};
use crate::{AppState, error::ApiError, web::ApiJson};

/// Only the patient side manages grants; the professional must be an active directory entry.
async fn checked(
    state: &AppState,
    asker: &Asker,
    headers: &HeaderMap,
    rpps: &str,
) -> Result<Rpps, ApiError> {
    asker.check_csrf(headers)?;
    if !asker.is_patient_side() {
        return Err(ApiError::Denied(app::policy::Deny::NotYours));
    }
    let rpps = Rpps::parse(rpps).ok_or(ApiError::NotFound)?;
    state
        .store
        .professional(rpps.as_str())
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::NotFound)?;
    Ok(rpps)
}

pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
) -> Result<Json<Vec<GrantInfo>>, ApiError> {
    if !asker.is_patient_side() {
        return Err(ApiError::NotFound);
    }
    let mut out = Vec::new();
    let regular = asker.record.regular_doctor.clone();
    let mut rows = state.store.consents(&asker.record.id).await?;
    // The regular doctor is listed even without a grant row.
    if let Some(rpps) = &regular
        && !rows.iter().any(|(r, _)| r == rpps)
    {
        rows.insert(0, (rpps.clone(), Consent::None));
    }
    for (rpps, consent) in rows {
        if let Some(record) = state.store.professional(&rpps).await? {
            let regular_doctor = regular.as_deref() == Some(rpps.as_str());
            out.push(GrantInfo { professional: record.professional, consent, regular_doctor });
        }
    }
    Ok(Json(out))
}

pub async fn grant(
    State(state): State<AppState>,
    asker: Asker,
    headers: HeaderMap,
    Path((_, rpps)): Path<(String, String)>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<StatusCode, ApiError> {
    let rpps = checked(&state, &asker, &headers, &rpps).await?;
    let until = match request.until.as_deref().filter(|day| !day.is_empty()) {
        None => None,
        Some(day) => {
            let until =
                Date::parse(day).ok_or(ApiError::input("until", InputError::BirthDateInvalid))?;
            if until < Date::from_unix_seconds(state.clock.now()) {
                return Err(ApiError::input("until", InputError::BirthDateInvalid));
            }
            Some(until)
        }
    };
    let current = state.store.consent(&asker.record.id, rpps.as_str()).await?;
    if current == Consent::Blocked && matches!(asker.who, Who::Representative) {
        return Err(ApiError::Denied(app::policy::Deny::Blocked));
    }
    let consent = Consent::Granted(Grant { scope: request.scope, until });
    state.store.set_consent(&asker.record.id, rpps.as_str(), &consent, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set(
    state: &AppState,
    asker: &Asker,
    headers: &HeaderMap,
    rpps: &str,
    consent: Consent,
) -> Result<StatusCode, ApiError> {
    let rpps = checked(state, asker, headers, rpps).await?;
    let current = state.store.consent(&asker.record.id, rpps.as_str()).await?;
    // A block is the patient's own: a representative neither lifts nor works around it.
    if current == Consent::Blocked && matches!(asker.who, Who::Representative) {
        return Err(ApiError::Denied(app::policy::Deny::Blocked));
    }
    state.store.set_consent(&asker.record.id, rpps.as_str(), &consent, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `revoke`, `block` or `unblock` (which leaves the professional without access).
pub async fn change(
    State(state): State<AppState>,
    asker: Asker,
    headers: HeaderMap,
    Path((_, rpps, change)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let consent = match change.as_str() {
        "revoke" | "unblock" => Consent::Revoked,
        "block" => Consent::Blocked,
        _ => return Err(ApiError::NotFound),
    };
    set(&state, &asker, &headers, &rpps, consent).await
}

/// Designates the regular doctor (a physician; one a representative's block forbids cannot be
/// chosen by the representative), or clears it with `null`.
pub async fn regular_doctor(
    State(state): State<AppState>,
    asker: Asker,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RegularDoctor>,
) -> Result<StatusCode, ApiError> {
    let Some(rpps) = request.rpps else {
        asker.check_csrf(&headers)?;
        if !asker.is_patient_side() {
            return Err(ApiError::Denied(app::policy::Deny::NotYours));
        }
        state.store.set_regular_doctor(&asker.record.id, None).await?;
        return Ok(StatusCode::NO_CONTENT);
    };
    let rpps = checked(&state, &asker, &headers, &rpps).await?;
    let physician = state
        .store
        .professional(rpps.as_str())
        .await?
        .is_some_and(|record| record.professional.profession == Profession::Physician);
    if !physician {
        return Err(ApiError::input("rpps", InputError::NotForProfession));
    }
    let consent = state.store.consent(&asker.record.id, rpps.as_str()).await?;
    if consent == Consent::Blocked {
        return Err(ApiError::Denied(app::policy::Deny::Blocked));
    }
    state.store.set_regular_doctor(&asker.record.id, Some(rpps.as_str())).await?;
    Ok(StatusCode::NO_CONTENT)
}
