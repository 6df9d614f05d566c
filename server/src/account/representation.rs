//! Legal representatives: a parent or guardian manages the record of a minor or a protected
//! adult with their own account, switching between their record and those they represent.
//! The role ends when it is withdrawn or, for a minor, on coming of age; this is decided at
//! every request, so the end takes effect on the very next one.

use crate::audit::AuditAction;
use app::account::{
    ActingFor, Represented, RepresentedKind, WithdrawRepresentation, validate::Date,
};
use axum::{Json, extract::State, http::StatusCode};

use super::session::Session;
use crate::{
    AppState,
    error::{ApiError, Refusal},
    store::RepresentationRecord,
    web::{ApiJson, ClientAddr},
};

/// Whether a representation is in force on `today`.
pub fn in_force(record: &RepresentationRecord, today: Date, majority_age: u32) -> bool {
    if record.withdrawn_at.is_some() {
        return false;
    }
    match record.kind {
        RepresentedKind::ProtectedAdult => true,
        RepresentedKind::Minor => {
            Date::parse(&record.birth_date).is_some_and(|born| born.age_on(today) < majority_age)
        }
    }
}

/// Whether `representative` represents `represented` now.
pub async fn represents(
    state: &AppState,
    representative: &str,
    represented: &str,
) -> Result<bool, ApiError> {
    let today = super::today(state);
    Ok(state.store.representations_by(representative).await?.iter().any(|record| {
        record.account_id == represented && in_force(record, today, state.rules.majority_age)
    }))
}

/// Whether anyone represents `account_id` now (its holder cannot act alone meanwhile).
pub async fn is_represented(state: &AppState, account_id: &str) -> Result<bool, ApiError> {
    Ok(!representatives_now(state, account_id).await?.is_empty())
}

/// The accounts of those who represent `account_id` now.
pub async fn representatives_now(
    state: &AppState,
    account_id: &str,
) -> Result<Vec<String>, ApiError> {
    let today = super::today(state);
    Ok(state
        .store
        .representations_of(account_id)
        .await?
        .into_iter()
        .filter(|record| in_force(record, today, state.rules.majority_age))
        .map(|record| record.representative_id)
        .collect())
}

/// The people `representative` represents now, as the interface lists them.
pub async fn represented_by(
    state: &AppState,
    representative: &str,
) -> Result<Vec<Represented>, ApiError> {
    let today = super::today(state);
    Ok(state
        .store
        .representations_by(representative)
        .await?
        .into_iter()
        .filter(|record| in_force(record, today, state.rules.majority_age))
        .map(|record| Represented {
            id: record.account_id,
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
    let target = request.account_id.filter(|id| *id != session.account_id);
    if let Some(represented) = &target
        && !represents(&state, &session.account_id, represented).await?
    {
        return Err(ApiError::Refused(Refusal::NotRepresented));
    }
    let event = if target.is_some() {
        AuditAction::AccountActingForStarted
    } else {
        AuditAction::AccountActingForEnded
    };
    let (id, now) = (session.account_id.as_str(), state.clock.now());
    crate::audit::account_change(&state, event, id, &addr, now, async |event| {
        state.store.set_acting_for(&session.token_hash, target.as_deref(), event).await
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
    let id = session.account_id.as_str();
    let represented = &request.account_id;
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
    origin: crate::web::Origin,
    session: Session,
) -> Result<Json<Vec<Represented>>, ApiError> {
    let represented = represented_by(&state, &session.account_id).await?;
    super::own_read(&state, &session.account_id, &origin, AuditAction::AccountRepresented).await?;
    Ok(Json(represented))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::account::ConsentMethod;

    fn record(kind: RepresentedKind, birth_date: &str, withdrawn: bool) -> RepresentationRecord {
        RepresentationRecord {
            id: 1,
            account_id: "child".into(),
            representative_id: "parent".into(),
            kind,
            consent_at: 0,
            consent_method: ConsentMethod::InPerson,
            recorded_by: "10000000009".into(),
            withdrawn_at: withdrawn.then_some(1),
            given_name: "Léa".into(),
            family_name: "Martin".into(),
            birth_date: birth_date.into(),
        }
    }

    #[test]
    fn a_minor_is_represented_until_the_day_of_majority() {
        let day = |s| Date::parse(s).unwrap();
        let minor = record(RepresentedKind::Minor, "2010-06-15", false);
        assert!(in_force(&minor, day("2028-06-14"), 18));
        assert!(!in_force(&minor, day("2028-06-15"), 18), "18th birthday");
        assert!(in_force(&minor, day("2028-06-15"), 19), "majority is configurable");
        assert!(!in_force(
            &record(RepresentedKind::Minor, "2010-06-15", true),
            day("2020-01-01"),
            18
        ));
    }

    #[test]
    fn a_protected_adult_is_represented_until_withdrawn() {
        let day = Date::parse("2060-01-01").unwrap();
        assert!(in_force(&record(RepresentedKind::ProtectedAdult, "1950-01-01", false), day, 18));
        assert!(!in_force(&record(RepresentedKind::ProtectedAdult, "1950-01-01", true), day, 18));
    }
}
