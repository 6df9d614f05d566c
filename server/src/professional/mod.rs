//! Professionals over HTTP: the routes, and the professional's own space (finding a patient,
//! the patients they have seen). Card login is `login.rs`; opening a record for a patient who is
//! present (an adult, or a minor or protected adult with a representative's recorded consent)
//! is `opening.rs`. Profession and specialty come from the directory alone.

pub mod card;
pub mod directory;
mod login;
mod opening;

pub use login::{card_key, card_prefix};
pub(crate) use opening::parse_person;

use crate::audit::AuditAction;
use app::api::pro::PatientSummary;
use axum::{
    Json,
    extract::{Path, State},
    routing::{get, post},
};

use crate::{
    AppState,
    asker::trace,
    error::ApiError,
    extract::Origin,
    session::ProSession,
    store::{AccountId, SessionOwner},
};

/// Seconds a card challenge stays valid: time to type the PIN.
pub const CHALLENGE_TTL_SECONDS: i64 = 120;

pub fn routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/challenge", post(login::challenge))
        .route("/login", post(login::login))
        .route("/me", get(login::me))
        .route("/logout", post(crate::account::login::logout))
        .route("/records", post(opening::open_record))
        .route("/records/represented", post(opening::open_represented_record))
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
    session: crate::session::AnySession,
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
) -> Result<Json<app::api::pro::GrantCode>, ApiError> {
    own_read(&state, &session, &origin, AuditAction::ProfessionalGrantCode).await?;
    let url = format!("{}/dossier/partage?pro={}", state.public_url, session.rpps);
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| ApiError::BadRequest)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Json(app::api::pro::GrantCode { url, svg }))
}

/// The patients whose records this professional may open today.
async fn patients(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
) -> Result<Json<Vec<PatientSummary>>, ApiError> {
    let today = state.clock.today().to_string();
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
        if let Some(known) = patients.iter_mut().find(|p| live.account_id == p.id) {
            known.emergency_until = Some(until);
        } else if let Some(record) = state.store.account_by_id(&live.account_id).await? {
            patients.insert(
                0,
                PatientSummary {
                    id: record.id.into(),
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
    Path(record): Path<AccountId>,
) -> Result<Json<PatientSummary>, ApiError> {
    let today = state.clock.today().to_string();
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
                id: account.id.into(),
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
