//! Professionals over HTTP: card login (a fresh challenge signed by the card), the signed-in
//! professional, and opening a record for a patient who is present — an adult, who activates
//! it themselves, or a minor or protected adult, with a legal representative's recorded
//! consent. Profession and specialty come from the directory alone.

pub mod card;
pub mod directory;

use app::{
    account::{
        Contact, RepresentedKind,
        messages::Kind,
        validate::{self, Date},
    },
    directory::Rpps,
    pro::{
        CardChallenge, CardLogin, OpenRecord, OpenRepresentedRecord, PatientSummary, ProMe,
        RecordOpened,
    },
};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    AppState,
    account::{
        ACCOUNT_POLICY, ADDRESS_POLICY, blocked_event, codes, limit, new_account, request_locale,
        send,
        session::{self, ProSession},
    },
    error::{ApiError, Refusal},
    store::{AccountRecord, AccountStatus, NewRepresentation, SessionOwner, StoreError},
    web::{ApiJson, ClientAddr},
};

/// Seconds a card challenge stays valid: time to type the PIN.
pub const CHALLENGE_TTL_SECONDS: i64 = 120;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/challenge", post(challenge))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(crate::account::logout))
        .route("/records", post(open_record))
        .route("/records/represented", post(open_represented_record))
        .route("/patients", get(patients))
        .route("/grant-code", get(grant_code))
}

#[derive(serde::Deserialize)]
pub struct Search {
    q: String,
}

/// `GET /api/directory?q=`: professionals by identifier or name, for a signed-in person
/// choosing whom to grant access (at least 2 characters; 20 answers at most).
pub async fn search(
    State(state): State<AppState>,
    _session: crate::account::session::AnySession,
    axum::extract::Query(Search { q }): axum::extract::Query<Search>,
) -> Result<Json<Vec<app::directory::Professional>>, ApiError> {
    let q = q.trim();
    if q.chars().count() < 2 || q.chars().count() > 100 {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(state.store.search_professionals(q, 20).await?))
}

/// The code a professional shows a patient who wants to grant them access: a QR code (SVG) of
/// the address that opens the patient's record on this professional. It names them only (the
/// directory is public); the patient still chooses what to grant.
async fn grant_code(
    State(state): State<AppState>,
    session: ProSession,
) -> Result<Json<app::pro::GrantCode>, ApiError> {
    let url = format!("{}/dossier?pro={}", state.public_url, session.rpps);
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| ApiError::BadRequest)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Json(app::pro::GrantCode { url, svg }))
}

/// The patients whose records this professional may open today.
async fn patients(
    State(state): State<AppState>,
    session: ProSession,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let today = crate::account::today(&state).to_string();
    let rows = state.store.granted_records(&session.rpps, &today).await?;
    let mut patients: Vec<PatientSummary> = rows
        .into_iter()
        .map(|(id, given_name, family_name, birth_date)| PatientSummary {
            id,
            given_name,
            family_name,
            birth_date,
            emergency_until: None,
        })
        .collect();
    // And the records this professional holds open in an emergency, first.
    for live in state.store.live_break_glass_of(&session.rpps, state.clock.now()).await? {
        let until = live.until();
        if let Some(known) = patients.iter_mut().find(|p| p.id == live.account_id) {
            known.emergency_until = Some(until);
        } else if let Some(record) = state.store.account_by_id(&live.account_id).await? {
            patients.insert(
                0,
                PatientSummary {
                    id: record.id,
                    given_name: record.given_name,
                    family_name: record.family_name,
                    birth_date: record.birth_date,
                    emergency_until: Some(until),
                },
            );
        }
    }
    Ok(Json(patients))
}

async fn challenge(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
) -> Result<Json<CardChallenge>, ApiError> {
    limit(&state, &format!("card-challenge:{addr}"), ADDRESS_POLICY).await?;
    state.store.rate_limit_forgive(&format!("card-challenge:{addr}")).await?;
    let challenge = session::new_token();
    let expires_at = state.clock.now() + CHALLENGE_TTL_SECONDS;
    state.store.insert_card_challenge(&codes::challenge_digest(&challenge), expires_at).await?;
    Ok(Json(CardChallenge { challenge, expires_in: CHALLENGE_TTL_SECONDS as u32 }))
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    ApiJson(request): ApiJson<CardLogin>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&state, &format!("card:{addr}"), ADDRESS_POLICY).await?;
    let rpps = Rpps::parse(&request.rpps).ok_or(ApiError::BadCredentials)?;
    let card_limit = format!("card:{rpps}");
    if let Err(blocked) = limit(&state, &card_limit, ACCOUNT_POLICY).await {
        let event = blocked_event(&blocked, "card_login_blocked", "card_locked");
        let now = state.clock.now();
        crate::audit::professional_event(&state, event, Some(rpps.as_str()), &addr, now).await?;
        return Err(blocked);
    }
    let now = state.clock.now();
    // Spent before anything else: a challenge serves one try, right or wrong.
    if !state.store.use_card_challenge(&codes::challenge_digest(&request.challenge), now).await? {
        return Err(ApiError::CodeExpired);
    }
    let professional = state.store.professional(rpps.as_str()).await?;
    let signature = URL_SAFE_NO_PAD.decode(&request.signature).unwrap_or_default();
    let message = app::pro::card_login_message(&state.public_origin, &request.challenge);
    let proven = match &professional {
        Some(record) if record.active => {
            state.cards.verify(record, message.as_bytes(), &signature).await
        }
        _ => false,
    };
    let Some(professional) = professional.filter(|_| proven) else {
        crate::audit::professional_event(
            &state,
            "card_login_failed",
            Some(rpps.as_str()),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&card_limit).await?;
    state.store.rate_limit_forgive(&format!("card:{addr}")).await?;

    if let Some(old) = jar.get(session::COOKIE_NAME) {
        state.store.delete_session(&session::token_digest(old.value())).await?;
    }
    let token = session::new_token();
    let csrf_token = session::new_token();
    state
        .store
        .create_session(
            &session::token_digest(&token),
            &SessionOwner::Professional(rpps.to_string()),
            &csrf_token,
            now,
            session::PRO_IDLE_TIMEOUT_SECONDS,
        )
        .await?;
    crate::audit::professional_event(&state, "card_login", Some(rpps.as_str()), &addr, now).await?;
    let me = ProMe { professional: professional.professional, csrf_token };
    Ok((jar.add(session::session_cookie(token)), Json(me)))
}

async fn me(State(state): State<AppState>, session: ProSession) -> Result<Json<ProMe>, ApiError> {
    let record = state
        .store
        .professional(&session.rpps)
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(ProMe { professional: record.professional, csrf_token: session.csrf_token }))
}

/// How a message names the professional: "Anne Martin (Cabinet médical, Paris)".
async fn signature_line(state: &AppState, rpps: &str) -> Result<String, ApiError> {
    let record = state.store.professional(rpps).await?.ok_or(ApiError::Unauthenticated)?;
    let p = record.professional;
    Ok(format!("{} {} ({})", p.given_name, p.family_name, p.place))
}

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

/// Opens the record of an adult who is present. Unusable until they activate it: the message
/// sends them to the activation page, where a code to this contact lets them set a password.
async fn open_record(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: ProSession,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpenRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
    session.check_csrf(&headers)?;
    limit(&state, &format!("open:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = crate::account::today(&state);
    let person =
        parse_person(&request.given_name, &request.family_name, &request.birth_date, today)?;
    if person.birth_date.age_on(today) < state.rules.majority_age {
        return Err(ApiError::input("birth_date", validate::InputError::Minor));
    }
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    state.store.rate_limit_forgive(&format!("open:{}", session.rpps)).await?;
    claim_contact(&state, &contact).await?;

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
    state.store.create_account(&account).await.map_err(conflict_as_refusal)?;
    let by = signature_line(&state, &session.rpps).await?;
    let url = format!("{}/activer", state.public_url);
    send(&state, &contact, locale, Kind::RecordOpened { by: &by, url: &url }).await?;
    crate::audit::auth_event(&state, "opened_by_professional", Some(&account.id), &addr, now)
        .await?;
    crate::audit::professional_event(&state, "record_opened", Some(&session.rpps), &addr, now)
        .await?;
    Ok((StatusCode::CREATED, Json(RecordOpened { notified: contact.masked() })))
}

/// Opens the record of a minor or a protected adult, managed by the legal representative whose
/// consent the professional records. The representative must already have an active account.
async fn open_represented_record(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: ProSession,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpenRepresentedRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
    session.check_csrf(&headers)?;
    limit(&state, &format!("open:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = crate::account::today(&state);
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
    state.store.rate_limit_forgive(&format!("open:{}", session.rpps)).await?;
    let representative = state
        .store
        .account_by_contact(representative_contact.as_str())
        .await?
        .filter(|account| account.status == AccountStatus::Active)
        .ok_or(ApiError::Refused(Refusal::RepresentativeUnknown))?;
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
        return Err(ApiError::Refused(Refusal::RecordExists));
    }
    if let Some(contact) = &contact {
        claim_contact(&state, contact).await?;
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
    state
        .store
        .create_represented_account(&account, &representation)
        .await
        .map_err(conflict_as_refusal)?;
    let by = signature_line(&state, &session.rpps).await?;
    crate::account::notify(&state, &representative, Kind::Representing { by: &by, name: &name })
        .await?;
    crate::audit::auth_event(&state, "opened_by_professional", Some(&account.id), &addr, now)
        .await?;
    crate::audit::auth_event(
        &state,
        "representation_started",
        Some(&representative.id),
        &addr,
        now,
    )
    .await?;
    crate::audit::professional_event(
        &state,
        "represented_record_opened",
        Some(&session.rpps),
        &addr,
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(RecordOpened { notified: representative_contact.masked() })))
}
