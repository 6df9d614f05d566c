//! The patient's grants: which professionals may read the record, how much of it, until when;
//! revoking, blocking and unblocking. Decided by the patient or a representative — except that
//! a professional the patient blocked cannot be granted by a representative.

use crate::audit::AuditAction;
use app::{
    api::{
        InputError,
        record::{GrantInfo, GrantRequest, RegularDoctor},
        validate::Date,
    },
    directory::{Profession, Rpps},
    policy::{Action, Consent, Grant, Item},
    vocabulary::Subject,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use crate::asker::{Asker, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiJson, Origin},
};

/// A decision on one professional's access (`policy_action`: granting, revoking, blocking,
/// designating), asked of the policy: first whether the asker manages the record's sharing at
/// all (before anything about the professional is looked up), then about this professional as
/// they stand. The professional must be an active directory entry. A refusal of `action` is
/// traced.
async fn checked(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    rpps: &str,
    policy_action: Action,
) -> Result<Rpps, ApiError> {
    trace::sharing_write(state, asker, origin, action, Some(rpps)).await?;
    let known = match Rpps::parse(rpps) {
        Some(parsed) => state
            .store
            .professional(&parsed)
            .await?
            .filter(|record| record.active)
            .map(|record| (parsed, record.professional.profession)),
        None => None,
    };
    let Some((rpps, profession)) = known else {
        let refused = Some(trace::NOT_FOUND.to_owned());
        trace::read(state, asker, origin, action, Some(rpps), refused).await?;
        return Err(ApiError::NotFound);
    };
    let blocked = state.store.consent(&asker.record.id, &rpps).await? == Consent::Blocked;
    let subject =
        Subject::ProfessionalAccess { physician: profession == Profession::Physician, blocked };
    let item = Item::about(subject);
    trace::require(state, asker, origin, action, Some(rpps.as_str()), policy_action, &item).await?;
    Ok(rpps)
}

/// Writes the patient's decision on a professional, with its trace.
async fn store_consent(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    rpps: &Rpps,
    consent: &Consent,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    trace::change(state, asker, origin, action, Some(rpps.as_str()), async |rows| {
        state.store.set_consent(&asker.record.id, rpps, consent, now, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<GrantInfo>>, ApiError> {
    trace::sharing_read(&state, &asker, &origin, AuditAction::GrantsList).await?;
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
            let regular_doctor = regular.as_ref() == Some(&rpps);
            out.push(GrantInfo { professional: record.professional, consent, regular_doctor });
        }
    }
    trace::read(&state, &asker, &origin, AuditAction::GrantsList, None, None).await?;
    Ok(Json(out))
}

pub async fn grant(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, rpps)): Path<(String, String)>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<StatusCode, ApiError> {
    let rpps =
        checked(&state, &asker, &origin, AuditAction::GrantGive, &rpps, Action::Write).await?;
    let until = match request.until.as_deref().filter(|day| !day.is_empty()) {
        None => None,
        Some(day) => {
            let until =
                Date::parse(day).ok_or(ApiError::input("until", InputError::BirthDateInvalid))?;
            if until < state.clock.today() {
                return Err(ApiError::input("until", InputError::BirthDateInvalid));
            }
            Some(until)
        }
    };
    let consent = Consent::Granted(Grant { scope: request.scope, until });
    store_consent(&state, &asker, &origin, AuditAction::GrantGive, &rpps, &consent).await
}

async fn set(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    rpps: &str,
    consent: Consent,
) -> Result<StatusCode, ApiError> {
    // A block is the patient's own: a representative neither lifts nor works around it (the
    // policy says so).
    let rpps = checked(state, asker, origin, action, rpps, Action::Write).await?;
    store_consent(state, asker, origin, action, &rpps, &consent).await
}

/// `revoke`, `block` or `unblock` (which leaves the professional without access).
pub async fn change(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, rpps, change)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (consent, action) = match change.as_str() {
        "revoke" => (Consent::Revoked, AuditAction::GrantRevoke),
        "unblock" => (Consent::Revoked, AuditAction::GrantUnblock),
        "block" => (Consent::Blocked, AuditAction::GrantBlock),
        _ => return Err(ApiError::NotFound),
    };
    set(&state, &asker, &origin, action, &rpps, consent).await
}

/// Designates the regular doctor (a physician; one a representative's block forbids cannot be
/// chosen by the representative), or clears it with `null`.
pub async fn regular_doctor(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiJson(request): ApiJson<RegularDoctor>,
) -> Result<StatusCode, ApiError> {
    const ACTION: AuditAction = AuditAction::RegularDoctorSet;
    let Some(rpps) = request.rpps else {
        trace::sharing_write(&state, &asker, &origin, ACTION, None).await?;
        trace::change(&state, &asker, &origin, ACTION, None, async |rows| {
            state.store.set_regular_doctor(&asker.record.id, None, rows).await
        })
        .await?;
        return Ok(StatusCode::NO_CONTENT);
    };
    let designate = Action::DesignateRegularDoctor;
    let rpps = match checked(&state, &asker, &origin, ACTION, &rpps, designate).await {
        // Choosing someone who is not a physician is a mistake in the form: said on the field.
        Err(ApiError::Denied(app::policy::Deny::NotForProfession)) => {
            return Err(ApiError::input("rpps", InputError::NotForProfession));
        }
        other => other?,
    };
    trace::change(&state, &asker, &origin, ACTION, Some(rpps.as_str()), async |rows| {
        state.store.set_regular_doctor(&asker.record.id, Some(&rpps), rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
