//! Opening a record for a patient who is present: an adult, who activates it themselves, or a
//! minor or protected adult, with a legal representative's recorded consent.

use crate::audit::AuditAction;
use app::{
    account::messages::Kind,
    api::pro::{OpenRecord, OpenRepresentedRecord, RecordOpened},
    api::{
        account::RepresentedKind,
        validate::{self, Contact, Date},
    },
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};

use crate::{
    AppState,
    account::new_account,
    error::{ApiError, Refusal},
    extract::{ApiJson, Origin},
    limits::{ADDRESS_POLICY, limit},
    notices::{request_locale, send},
    session::ProSession,
    store::{
        AccountId, AccountRecord, AccountStatus, Event, EventOwner, NewRepresentation, StoreError,
    },
};

/// A person named by a professional: checked names and birth date.
pub(crate) struct Person {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
}

pub(crate) fn parse_person(
    given: &str,
    family: &str,
    birth: &str,
    today: Date,
) -> Result<Person, ApiError> {
    Ok(Person {
        given_name: validate::parse_name(given).map_err(|e| ApiError::input("given_name", e))?,
        family_name: validate::parse_name(family).map_err(|e| ApiError::input("family_name", e))?,
        birth_date: validate::parse_any_birth_date(birth, today)
            .map_err(|e| ApiError::input("birth_date", e))?,
    })
}

/// A contact that may receive a new record: free, or held by a sign-up that never proved it
/// (which is replaced, as a new sign-up would).
async fn claim_contact(state: &AppState, contact: &Contact) -> Result<(), ApiError> {
    match state.store.account_by_contact(contact.as_str()).await? {
        None => Ok(()),
        Some(pending) if pending.status == AccountStatus::Pending => {
            state.store.delete_pending_account(&pending.id).await?;
            Ok(())
        }
        Some(_) => Err(ApiError::Refused(Refusal::RecordExists)),
    }
}

fn conflict_as_refusal(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(_) => ApiError::Refused(Refusal::RecordExists),
        other => other.into(),
    }
}

/// The one entry of a record opened by a professional: theirs, on the new record.
async fn opening_entry(
    state: &AppState,
    session: &ProSession,
    origin: &Origin,
    action: AuditAction,
    record: &AccountId,
) -> Result<crate::audit::AuditEntry, ApiError> {
    let actor = crate::asker::trace::professional_actor(state, &session.rpps).await?;
    Ok(crate::asker::trace::outside_entry(state, actor, origin, action, Some(record), None, None))
}

/// The new account's own event, written with it.
fn opening_event<'a>(
    account_id: &'a AccountId,
    client_addr: &'a str,
    now: i64,
    audit: &'a crate::store::AuditRows,
) -> Event<'a> {
    Event {
        names: &[AuditAction::AccountOpenedByProfessional],
        owner: EventOwner::Account(account_id),
        client_addr,
        at: now,
        audit,
    }
}

/// A refused opening (the contact or the representative found, or not): the try stays counted
/// against the professional, and is traced.
async fn refuse_opening<T>(
    state: &AppState,
    session: &ProSession,
    origin: &Origin,
    error: ApiError,
) -> Result<T, ApiError> {
    let now = state.clock.now();
    let (rpps, client) = (Some(&session.rpps), &origin.client);
    crate::audit::professional_event(
        state,
        AuditAction::ProfessionalRecordOpenRefused,
        rpps,
        client,
        now,
    )
    .await?;
    Err(error)
}

/// Opens the record of an adult who is present. Unusable until they activate it: the message
/// sends them to the activation page, where a code to this contact lets them set a password.
pub(super) async fn open_record(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpenRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
    limit(&state, &format!("open:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = state.clock.today();
    let person =
        parse_person(&request.given_name, &request.family_name, &request.birth_date, today)?;
    if person.birth_date.age_on(today) < state.rules.majority_age {
        return Err(ApiError::input("birth_date", validate::InputError::Minor));
    }
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    // A contact that has an account already is a refusal counted and traced: otherwise a
    // professional could test contacts for accounts at will, unseen.
    if let Err(taken) = claim_contact(&state, &contact).await {
        return refuse_opening(&state, &session, &origin, taken).await;
    }

    let now = state.clock.now();
    let locale = request_locale(&headers);
    let account = AccountRecord {
        status: AccountStatus::Awaiting,
        opened_by: Some(session.rpps.clone()),
        ..new_account(
            Some(contact.clone()),
            [person.given_name, person.family_name],
            person.birth_date,
            locale,
            now,
        )
    };
    let entry =
        opening_entry(&state, &session, &origin, AuditAction::RecordOpen, &account.id).await?;
    state
        .auditor
        .write(&*state.store, &entry, async |rows| {
            let event = opening_event(&account.id, &origin.client, now, rows);
            state.store.create_account(&account, &event).await
        })
        .await
        .map_err(conflict_as_refusal)?;
    state.store.rate_limit_forgive(&format!("open:{}", session.rpps)).await?;
    let by = crate::notices::professional_line(&state, &session.rpps).await?;
    let url = format!("{}/activer", state.public_url);
    send(&state, &contact, locale, Kind::RecordOpened { by: &by, url: &url }).await?;
    Ok((StatusCode::CREATED, Json(RecordOpened { notified: contact.masked() })))
}

/// Opens the record of a minor or a protected adult, managed by the legal representative whose
/// consent the professional records. The representative must already have an active account.
pub(super) async fn open_represented_record(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    ApiJson(request): ApiJson<OpenRepresentedRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
    limit(&state, &format!("open:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = state.clock.today();
    let person =
        parse_person(&request.given_name, &request.family_name, &request.birth_date, today)?;
    let of_age = person.birth_date.age_on(today) >= state.rules.majority_age;
    match request.kind {
        RepresentedKind::Minor if of_age => {
            return Err(ApiError::input("birth_date", validate::InputError::NotAMinor));
        }
        RepresentedKind::ProtectedAdult if !of_age => {
            return Err(ApiError::input("birth_date", validate::InputError::NotAnAdult));
        }
        _ => {}
    }
    let contact = match request.contact.trim() {
        "" => None,
        typed => Some(validate::parse_contact(typed).map_err(|e| ApiError::input("contact", e))?),
    };
    let representative_contact = validate::parse_contact(&request.representative_contact)
        .map_err(|e| ApiError::input("representative_contact", e))?;
    let representative = state
        .store
        .account_by_contact(representative_contact.as_str())
        .await?
        .filter(|account| account.status == AccountStatus::Active);
    let Some(representative) = representative else {
        let unknown = ApiError::Refused(Refusal::RepresentativeUnknown);
        return refuse_opening(&state, &session, &origin, unknown).await;
    };
    if contact.as_ref() == Some(&representative_contact) {
        return Err(ApiError::input("contact", validate::InputError::ContactInvalid));
    }
    // The same person opened twice for the same representative is one record, not two.
    let birth = person.birth_date.to_string();
    let already = state.store.representations_by(&representative.id).await?.into_iter().any(|r| {
        r.withdrawn_at.is_none()
            && r.birth_date == birth
            && r.given_name.to_lowercase() == person.given_name.to_lowercase()
            && r.family_name.to_lowercase() == person.family_name.to_lowercase()
    });
    if already {
        let exists = ApiError::Refused(Refusal::RecordExists);
        return refuse_opening(&state, &session, &origin, exists).await;
    }
    if let Some(contact) = &contact
        && let Err(taken) = claim_contact(&state, contact).await
    {
        return refuse_opening(&state, &session, &origin, taken).await;
    }

    let now = state.clock.now();
    let name = format!("{} {}", person.given_name, person.family_name);
    let account = AccountRecord {
        status: AccountStatus::Awaiting,
        opened_by: Some(session.rpps.clone()),
        ..new_account(
            contact,
            [person.given_name, person.family_name],
            person.birth_date,
            &representative.locale,
            now,
        )
    };
    let representation = NewRepresentation {
        representative_id: &representative.id,
        kind: request.kind,
        consent_method: request.consent,
        consent_at: now,
        recorded_by: &session.rpps,
    };
    let action = AuditAction::RecordOpenRepresented;
    let entry = opening_entry(&state, &session, &origin, action, &account.id).await?;
    state
        .auditor
        .write(&*state.store, &entry, async |rows| {
            let event = opening_event(&account.id, &origin.client, now, rows);
            state.store.create_represented_account(&account, &representation, &event).await
        })
        .await
        .map_err(conflict_as_refusal)?;
    state.store.rate_limit_forgive(&format!("open:{}", session.rpps)).await?;
    let by = crate::notices::professional_line(&state, &session.rpps).await?;
    crate::notices::notify(&state, &representative, Kind::Representing { by: &by, name: &name })
        .await?;
    Ok((StatusCode::CREATED, Json(RecordOpened { notified: representative_contact.masked() })))
}
