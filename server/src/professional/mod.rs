//! Professionals over HTTP: card login (a fresh challenge signed by the card), the signed-in
//! professional, and opening a record for a patient who is present — an adult, who activates
//! it themselves, or a minor or protected adult, with a legal representative's recorded
//! consent. Profession and specialty come from the directory alone.

pub mod card;
pub mod directory;

use crate::audit::AuditAction;
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
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    AppState,
    account::{
        ADDRESS_POLICY, CARD_POLICY, blocked_event, codes, limit, new_account, request_locale,
        send,
        session::{self, ProSession},
    },
    error::{ApiError, Refusal},
    record::trace,
    store::{
        AccountRecord, AccountStatus, Event, EventOwner, NewRepresentation, SessionOwner,
        StoreError,
    },
    web::{ApiJson, ClientAddr, Origin},
};

/// Seconds a card challenge stays valid: time to type the PIN.
pub const CHALLENGE_TTL_SECONDS: i64 = 120;

pub fn routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/challenge", post(challenge))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(crate::account::login::logout))
        .route("/records", post(open_record))
        .route("/records/represented", post(open_represented_record))
        .route("/patients", get(patients))
        .route("/patients/{record}", get(patient))
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
    origin: Origin,
    session: crate::account::session::AnySession,
    axum::extract::Query(Search { q }): axum::extract::Query<Search>,
) -> Result<Json<Vec<app::directory::Professional>>, ApiError> {
    let q = q.trim();
    let found = if q.chars().count() < 2 || q.chars().count() > 100 {
        Vec::new()
    } else {
        state.store.search_professionals(q, 20).await?
    };
    // Who searched the directory, not for whom: the words typed stay out of the log.
    let actor = match &session.owner {
        SessionOwner::Account(id) => trace::account_actor(id),
        SessionOwner::Professional(rpps) => trace::professional_actor(&state, rpps).await?,
    };
    let entry = trace::outside_entry(
        &state,
        actor,
        &origin,
        AuditAction::DirectorySearch,
        None,
        None,
        None,
    );
    trace::write(&state, &entry).await?;
    Ok(Json(found))
}

/// Traces a read of the professional's own space.
async fn own_read(
    state: &AppState,
    session: &ProSession,
    origin: &Origin,
    action: AuditAction,
) -> Result<(), ApiError> {
    let actor = trace::professional_actor(state, &session.rpps).await?;
    trace::write(state, &trace::outside_entry(state, actor, origin, action, None, None, None)).await
}

/// The code a professional shows a patient who wants to grant them access: a QR code (SVG) of
/// the address that opens the patient's record on this professional. It names them only (the
/// directory is public); the patient still chooses what to grant.
async fn grant_code(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
) -> Result<Json<app::pro::GrantCode>, ApiError> {
    own_read(&state, &session, &origin, AuditAction::ProfessionalGrantCode).await?;
    let url = format!("{}/dossier/partage?pro={}", state.public_url, session.rpps);
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
    origin: Origin,
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
    own_read(&state, &session, &origin, AuditAction::ProfessionalPatients).await?;
    Ok(Json(patients))
}

/// One of those patients, as the list shows them, for the pages of their record: found by a
/// lookup, so a record's page costs the same whatever the number of this professional's
/// patients. A record they may not open answers as a missing one, and is traced as refused;
/// the identifier asked for is the entry's item.
async fn patient(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    Path(record): Path<String>,
) -> Result<Json<PatientSummary>, ApiError> {
    let today = crate::account::today(&state).to_string();
    let granted = state.store.granted_record(&session.rpps, &today, &record).await?;
    let emergency_until = state
        .store
        .latest_break_glass(&record, &session.rpps)
        .await?
        .filter(|live| live.live_at(state.clock.now()))
        .map(|live| live.until());
    let found = match (granted, emergency_until) {
        (Some((id, given_name, family_name, birth_date)), emergency_until) => {
            Some(PatientSummary { id, given_name, family_name, birth_date, emergency_until })
        }
        (None, Some(until)) => {
            state.store.account_by_id(&record).await?.map(|account| PatientSummary {
                id: account.id,
                given_name: account.given_name,
                family_name: account.family_name,
                birth_date: account.birth_date,
                emergency_until: Some(until),
            })
        }
        (None, None) => None,
    };
    // In the professional's space, like the list: on no record, so that the first access the
    // patient is told of stays the first read of the record itself.
    let actor = trace::professional_actor(&state, &session.rpps).await?;
    let refused = found.is_none().then(|| trace::NOT_FOUND.to_owned());
    let action = AuditAction::ProfessionalPatient;
    let entry = trace::outside_entry(&state, actor, &origin, action, None, Some(&record), refused);
    trace::write(&state, &entry).await?;
    found.map(Json).ok_or(ApiError::NotFound)
}

fn challenge_key(addr: &str) -> String {
    format!("card-challenge:{}", crate::web::limit_key(addr))
}

/// The limit of one card from one client address.
pub fn card_key(rpps: &str, addr: &str) -> String {
    format!("{}{}", card_prefix(rpps), crate::web::limit_key(addr))
}

/// Every card limit of this professional starts with it.
pub fn card_prefix(rpps: &str) -> String {
    format!("card:{rpps}:")
}

async fn challenge(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
) -> Result<Json<CardChallenge>, ApiError> {
    // Counted until a login uses it: an address that asks for challenges without logging in is
    // slowed down like any other guessing game.
    limit(&state, &challenge_key(&addr), ADDRESS_POLICY).await?;
    let challenge = session::new_token();
    let expires_at = state.clock.now() + CHALLENGE_TTL_SECONDS;
    state.store.insert_card_challenge(&codes::challenge_digest(&challenge), expires_at).await?;
    Ok(Json(CardChallenge { challenge, expires_in: CHALLENGE_TTL_SECONDS as u32 }))
}

async fn login(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    ApiJson(request): ApiJson<CardLogin>,
) -> Result<impl IntoResponse, ApiError> {
    let (addr, device) = (origin.client.clone(), origin.device.as_deref());
    limit(&state, &format!("card:{}", crate::web::limit_key(&addr)), ADDRESS_POLICY).await?;
    let rpps = Rpps::parse(&request.rpps).ok_or(ApiError::BadCredentials)?;
    let now = state.clock.now();
    // Spent before anything else: a challenge serves one try, right or wrong; a made-up one
    // counts against no card.
    if !state.store.use_card_challenge(&codes::challenge_digest(&request.challenge), now).await? {
        return Err(ApiError::CodeExpired);
    }
    state.store.rate_limit_forgive(&challenge_key(&addr)).await?;
    // This card from this address: slowed down after failures, never locked for good.
    let card_limit = card_key(rpps.as_str(), &addr);
    if let Err(blocked) = limit(&state, &card_limit, CARD_POLICY).await {
        let event = blocked_event(
            &blocked,
            AuditAction::ProfessionalCardLoginBlocked,
            AuditAction::ProfessionalCardLocked,
        );
        crate::audit::professional_event(&state, event, Some(rpps.as_str()), &addr, now).await?;
        return Err(blocked);
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
            AuditAction::ProfessionalCardLoginFailed,
            Some(rpps.as_str()),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&card_limit).await?;
    state.store.rate_limit_forgive(&format!("card:{}", crate::web::limit_key(&addr))).await?;

    let entry = crate::audit::professional_entry(
        AuditAction::ProfessionalCardLogin,
        Some(rpps.as_str()),
        &addr,
        device,
        now,
    );
    let opening = session::Opening {
        owner: SessionOwner::Professional(rpps.to_string()),
        idle_timeout: session::PRO_IDLE_TIMEOUT_SECONDS,
        activate: false,
        names: &[AuditAction::ProfessionalCardLogin],
        entry,
    };
    let opened = session::open(&state, jar, opening, &origin).await?;
    let csrf_token = crate::account::session::masked_csrf(&opened.csrf_token);
    let rights = rights_of(&state, &professional.professional);
    let me = ProMe { professional: professional.professional, csrf_token, rights };
    Ok((opened.jar, Json(me)))
}

async fn me(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
) -> Result<Json<ProMe>, ApiError> {
    let record = state
        .store
        .professional(&session.rpps)
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::Unauthenticated)?;
    let actor = trace::actor_of(&record.professional);
    let entry =
        trace::outside_entry(&state, actor, &origin, AuditAction::ProfessionalMe, None, None, None);
    trace::write(&state, &entry).await?;
    let rights = rights_of(&state, &record.professional);
    let csrf_token = crate::account::session::masked_csrf(&session.csrf_token);
    Ok(Json(ProMe { professional: record.professional, csrf_token, rights }))
}

/// What the server's access matrix (the configured one) gives this professional anywhere, and
/// whether the policy lets their profession open a record in an emergency.
fn rights_of(
    state: &AppState,
    professional: &app::directory::Professional,
) -> app::pro::ProfessionRights {
    use app::policy::{Action, Actor, BreakGlass, Consent, Context, Item, Professional};
    let rights = state.matrix.rights(professional.profession, professional.specialty.as_deref());
    let context = Context {
        matrix: &state.matrix,
        today: crate::account::today(state),
        record_closed: false,
        break_glass_refused: false,
        break_glass_sees_masked: state.emergency.sees_masked,
    };
    let actor = if professional.profession == app::directory::Profession::EmergencyCentre {
        Actor::EmergencyCentre { break_glass: BreakGlass::Off }
    } else {
        Actor::Professional(Professional {
            rpps: professional.rpps.as_str(),
            profession: professional.profession,
            specialty: professional.specialty.as_deref(),
            regular_doctor: false,
            consent: Consent::None,
            break_glass: BreakGlass::Off,
        })
    };
    let record = Item::about(app::vocabulary::Subject::Record);
    app::pro::ProfessionRights {
        read: rights.read.iter().copied().collect(),
        deposit: rights.write.iter().copied().collect(),
        read_sections: rights.profile.iter().copied().collect(),
        write_sections: rights.profile_write.iter().copied().collect(),
        break_glass: app::policy::decide(&context, &actor, Action::BreakGlass, &record).allowed(),
    }
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

/// The one entry of a record opened by a professional: theirs, on the new record.
async fn opening_entry(
    state: &AppState,
    session: &ProSession,
    origin: &Origin,
    action: AuditAction,
    record: &str,
) -> Result<crate::audit::AuditEntry, ApiError> {
    let actor = crate::record::trace::professional_actor(state, &session.rpps).await?;
    Ok(crate::record::trace::outside_entry(state, actor, origin, action, Some(record), None, None))
}

/// The new account's own event, written with it.
fn opening_event<'a>(
    account_id: &'a str,
    client_addr: &'a str,
    now: i64,
    audit: &'a crate::audit::AuditRows,
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
    let (rpps, client) = (Some(session.rpps.as_str()), &origin.client);
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
async fn open_record(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OpenRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
    limit(&state, &format!("open:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = crate::account::today(&state);
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
async fn open_represented_record(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    ApiJson(request): ApiJson<OpenRepresentedRecord>,
) -> Result<(StatusCode, Json<RecordOpened>), ApiError> {
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
    crate::account::notify(&state, &representative, Kind::Representing { by: &by, name: &name })
        .await?;
    Ok((StatusCode::CREATED, Json(RecordOpened { notified: representative_contact.masked() })))
}
