//! Who represents whom today: a representation is in force until it is withdrawn and, for a
//! minor, until they come of age. Asked by the sessions (acting for someone), the notices (who
//! else is told) and the rooms that open or list representations.

use app::api::account::RepresentedKind;
use app::date::Date;

use crate::{
    AppState,
    error::ApiError,
    store::{AccountId, RepresentationRecord},
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
    representative: &AccountId,
    represented: &AccountId,
) -> Result<bool, ApiError> {
    let today = state.clock.today();
    Ok(state.store.representations_by(representative).await?.iter().any(|record| {
        record.account_id == *represented && in_force(record, today, state.rules.majority_age)
    }))
}

/// Whether anyone represents `account_id` now (its holder cannot act alone meanwhile).
pub async fn is_represented(state: &AppState, account_id: &AccountId) -> Result<bool, ApiError> {
    Ok(!representatives_now(state, account_id).await?.is_empty())
}

/// The accounts of those who represent `account_id` now.
pub async fn representatives_now(
    state: &AppState,
    account_id: &AccountId,
) -> Result<Vec<AccountId>, ApiError> {
    let today = state.clock.today();
    Ok(state
        .store
        .representations_of(account_id)
        .await?
        .into_iter()
        .filter(|record| in_force(record, today, state.rules.majority_age))
        .map(|record| record.representative_id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::account::ConsentMethod;

    fn record(kind: RepresentedKind, birth_date: &str, withdrawn: bool) -> RepresentationRecord {
        RepresentationRecord {
            id: 1,
            account_id: "child".into(),
            representative_id: "parent".into(),
            kind,
            consent_at: 0,
            consent_method: ConsentMethod::InPerson,
            recorded_by: app::directory::Rpps::parse("10000000009").unwrap(),
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
