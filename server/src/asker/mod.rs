//! Who asks about a record, as the server establishes it from the session and the path (never
//! as the browser says): the patient, a representative, or a professional with their consent
//! and break-glass state ([`Asker`]). Every room's record entry points take it, ask the policy
//! through it, and leave their audit entry through [`trace`].

pub(crate) mod trace;

use app::{
    directory::Profession,
    policy::{Action, Actor, BreakGlass, Consent, Decision, Item, Professional},
};
use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use crate::{
    AppState,
    error::ApiError,
    session::{AnySession, Session},
    store::{
        AccountId, AccountRecord, AccountStatus, Party, ProfessionalRecord, Rpps, SessionOwner,
    },
};

/// Who is asking about a record, as the server established it (never as the browser says).
pub enum Who {
    Holder,
    Representative,
    Professional { record: Box<ProfessionalRecord>, consent: Consent, break_glass: BreakGlass },
}

/// The signed-in person asking about the record named in the path, and that record.
pub struct Asker {
    pub who: Who,
    /// The account of the person or professional asking (for authorship and audit).
    pub party: Party,
    pub record: AccountRecord,
    pub csrf_token: String,
}

impl Asker {
    /// The policy's view of the asker.
    pub fn actor(&self) -> Actor<'_> {
        match &self.who {
            Who::Holder => Actor::Patient,
            Who::Representative => Actor::Representative,
            Who::Professional { record, consent, break_glass } => {
                professional_actor(&self.record, record, consent, *break_glass)
            }
        }
    }

    /// What the policy answers this asker about `action` on `item` of their record.
    pub fn decide(&self, state: &AppState, action: Action, item: &Item<'_>) -> Decision {
        app::policy::decide(&state.policy_context(&self.record), &self.actor(), action, item)
    }
}

/// The policy's view of who wrote an item.
pub fn author_of(party: &Party) -> app::policy::Author<'_> {
    use app::policy::Author;
    match party {
        Party::Patient(_) => Author::Patient,
        Party::Professional(rpps) => Author::Professional(rpps.as_str()),
        Party::Insurer => Author::Insurer,
    }
}

/// Authors' names already looked up while building one answer (a list names the same few
/// professionals many times).
pub type Names = std::collections::HashMap<Rpps, String>;

/// Who wrote an item, as people read it (a professional by name, looked up once per answer).
pub async fn author_info(
    state: &AppState,
    party: &Party,
    names: &mut Names,
) -> Result<app::api::record::AuthorInfo, ApiError> {
    use app::api::record::AuthorInfo;
    Ok(match party {
        Party::Patient(_) => AuthorInfo::Patient,
        Party::Insurer => AuthorInfo::Insurer,
        Party::Professional(rpps) => {
            let name = match names.get(rpps) {
                Some(name) => name.clone(),
                None => {
                    let name = state
                        .store
                        .professional(rpps)
                        .await?
                        .map(|p| {
                            format!("{} {}", p.professional.given_name, p.professional.family_name)
                        })
                        .unwrap_or_default();
                    names.insert(rpps.clone(), name.clone());
                    name
                }
            };
            AuthorInfo::Professional { rpps: rpps.to_string(), name }
        }
    })
}

/// The policy's view of a professional asking about `patient`'s record.
pub fn professional_actor<'a>(
    patient: &AccountRecord,
    professional: &'a ProfessionalRecord,
    consent: &Consent,
    break_glass: BreakGlass,
) -> Actor<'a> {
    let entry = &professional.professional;
    if entry.profession == Profession::EmergencyCentre {
        return Actor::EmergencyCentre { break_glass };
    }
    Actor::Professional(Professional {
        rpps: entry.rpps.as_str(),
        profession: entry.profession,
        specialty: entry.specialty.as_deref(),
        regular_doctor: patient.regular_doctor.as_ref() == Some(&entry.rpps),
        consent: consent.clone(),
        break_glass,
    })
}

impl FromRequestParts<AppState> for Asker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        let record_id = params
            .iter()
            .find(|(name, _)| name == "record")
            .map(|(_, value)| AccountId::new(value.as_str()))
            .ok_or(ApiError::NotFound)?;
        Self::resolve(parts, state, record_id).await
    }
}

impl Asker {
    /// The signed-in person asking about `record_id`, wherever the request names it (the path
    /// of the app's API, a FHIR search's `patient` parameter).
    pub async fn resolve(
        parts: &mut Parts,
        state: &AppState,
        record_id: AccountId,
    ) -> Result<Self, ApiError> {
        let any = AnySession::from_request_parts(parts, state).await?;
        let (who, party, csrf_token) = match &any.owner {
            SessionOwner::Account(_) => {
                // Re-checks a representation at every request, on the session loaded above.
                let session = Session::from_any(any, state).await?;
                let who = if record_id == session.account_id {
                    Who::Holder
                } else if session.acting_for.as_deref() == Some(record_id.as_str()) {
                    Who::Representative
                } else {
                    return Err(ApiError::NotFound);
                };
                (who, Party::Patient(session.account_id), session.csrf_token)
            }
            SessionOwner::Professional(rpps) => {
                let rpps = rpps.clone();
                let record = state
                    .store
                    .professional(&rpps)
                    .await?
                    .filter(|record| record.active)
                    .ok_or(ApiError::Unauthenticated)?;
                let consent = state.store.consent(&record_id, &rpps).await?;
                let break_glass = match state.store.latest_break_glass(&record_id, &rpps).await? {
                    None => BreakGlass::Off,
                    Some(session) if session.live_at(state.clock.now()) => BreakGlass::Active,
                    Some(_) => BreakGlass::Expired,
                };
                let who = Who::Professional { record: Box::new(record), consent, break_glass };
                (who, Party::Professional(rpps), any.csrf_token)
            }
        };
        let record = state
            .store
            .account_by_id(&record_id)
            .await?
            // Awaiting: opened for someone who has not activated it yet (a minor managed by a
            // representative, an adult about to activate); nobody holds it, others may use it.
            .filter(|account| {
                matches!(
                    account.status,
                    AccountStatus::Active | AccountStatus::Awaiting | AccountStatus::Closed
                )
            })
            .ok_or(ApiError::NotFound)?;
        Ok(Self { who, party, record, csrf_token })
    }
}
