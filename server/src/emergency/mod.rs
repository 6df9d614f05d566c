//! Emergency access over HTTP. A professional facing an emergency opens the record of a patient
//! found by identity (break-glass), with a reason, for at most the configured time, unless the
//! patient refused it in advance or blocked them. The patient is told at once (message and
//! in-app), and so is the regular doctor (in-app). The patient reviews every session, with its
//! reason, on their record; the operator reviews them all with `carnet break-glass review`.
//! The policy itself (`app::policy::decide`) decides what the session shows. The patient's
//! notifications and their channels are `notifications.rs`; the summary's links `links.rs`;
//! what the patient reviews and refuses, `review.rs`.

pub mod links;
mod notifications;
pub mod review;

use crate::audit::AuditAction;
use app::{
    account::messages::Kind,
    api::emergency::{BreakGlassRequest, LiveBreakGlass, NotificationKind, parse_reason},
    directory::Profession,
    policy::{Action, Consent, Decision, Item},
    vocabulary::Subject,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};

use crate::{
    AppState,
    asker::trace,
    audit::{AuditActor, AuditEntry},
    error::{ApiError, Refusal},
    extract::{ApiJson, Origin},
    limits::{ADDRESS_POLICY, limit},
    session::ProSession,
    store::{BreakGlassId, BreakGlassRecord, NewBreakGlass, Recipient, Rpps},
    vault::new_id,
};

/// How long a break-glass session lasts and what it shows; from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct EmergencyRules {
    pub break_glass_seconds: i64,
    /// Masked items show in break-glass too (off by default: a mask is the patient's word).
    pub sees_masked: bool,
}

impl Default for EmergencyRules {
    fn default() -> Self {
        Self { break_glass_seconds: 4 * 3600, sees_masked: false }
    }
}

/// Under `/api/pro`.
pub fn pro_routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/break-glass", get(live).post(start))
        .route("/break-glass/{session}/end", post(end))
}

/// Under `/api/records`.
pub fn record_routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/{record}/break-glass", get(review::review))
        .route("/{record}/break-glass-refusal", get(review::refusal).put(review::set_refusal))
        .route(
            "/{record}/notification-channels",
            get(notifications::channels).put(notifications::set_channels),
        )
}

/// Under `/api`.
pub fn notification_routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/notifications", get(notifications::notifications))
        .route("/notifications/read", post(notifications::read_notifications))
}

fn reason_context(session_id: &str) -> String {
    format!("break-glass-reason/{session_id}")
}

/// The entry of a break-glass attempt or session: always with the emergency purpose.
fn emergency_entry(
    state: &AppState,
    actor: &AuditActor,
    origin: &Origin,
    action: AuditAction,
    record: Option<&str>,
    item: Option<&str>,
    denied: Option<String>,
) -> AuditEntry {
    let mut entry =
        trace::outside_entry(state, actor.clone(), origin, action, record, item, denied);
    entry.purpose = Some("break_glass".into());
    entry
}

/// Refuses a break-glass start, traced with why (and on which record, when one was found).
async fn refuse_start<T>(
    state: &AppState,
    actor: &AuditActor,
    origin: &Origin,
    record: Option<&str>,
    reason: &str,
    error: ApiError,
) -> Result<T, ApiError> {
    let entry = emergency_entry(state, actor, origin, START, record, None, Some(reason.to_owned()));
    trace::write(state, &entry).await?;
    Err(error)
}

const START: AuditAction = AuditAction::BreakGlassStart;

/// The policy's answer to a professional opening a record in an emergency.
fn may_break_glass(
    state: &AppState,
    professional: &crate::store::ProfessionalRecord,
    consent: Consent,
    closed: bool,
    refused: bool,
) -> Decision {
    let context = app::policy::Context {
        matrix: &state.matrix,
        today: state.clock.today(),
        record_closed: closed,
        break_glass_refused: refused,
        break_glass_sees_masked: state.emergency.sees_masked,
    };
    let entry = &professional.professional;
    let actor = if entry.profession == Profession::EmergencyCentre {
        app::policy::Actor::EmergencyCentre { break_glass: app::policy::BreakGlass::Off }
    } else {
        app::policy::Actor::Professional(app::policy::Professional {
            rpps: entry.rpps.as_str(),
            profession: entry.profession,
            specialty: entry.specialty.as_deref(),
            regular_doctor: false,
            consent,
            break_glass: app::policy::BreakGlass::Off,
        })
    };
    app::policy::decide(&context, &actor, Action::BreakGlass, &Item::about(Subject::Record))
}

/// Opens the record in an emergency. The identity must match one active record exactly.
async fn start(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    ApiJson(request): ApiJson<BreakGlassRequest>,
) -> Result<(StatusCode, Json<LiveBreakGlass>), ApiError> {
    let professional = state
        .store
        .professional(&session.rpps)
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::Unauthenticated)?;
    let actor = trace::actor_of(&professional.professional);
    // Asked first of any record (a profession that reads nothing searches nothing), then of the
    // one found.
    if let Decision::Deny(deny) =
        may_break_glass(&state, &professional, Consent::None, false, false)
    {
        let denied = ApiError::Denied(deny);
        return refuse_start(&state, &actor, &origin, None, &trace::reason(deny), denied).await;
    }
    // Searching records by identity is bounded like any guessing game.
    limit(&state, &format!("break-glass:{}", session.rpps), ADDRESS_POLICY).await?;
    let today = state.clock.today();
    let person = crate::professional::parse_person(
        &request.given_name,
        &request.family_name,
        &request.birth_date,
        today,
    )?;
    let reason = parse_reason(&request.reason).map_err(|error| ApiError::input("reason", error))?;
    let mut found = state
        .store
        .records_by_identity(
            &person.given_name,
            &person.family_name,
            &person.birth_date.to_string(),
        )
        .await?
        .into_iter();
    let record = match (found.next(), found.next()) {
        (Some(record), None) => record,
        (None, _) => {
            let missing = ApiError::NotFound;
            return refuse_start(&state, &actor, &origin, None, trace::NOT_FOUND, missing).await;
        }
        (Some(_), Some(_)) => {
            let ambiguous = ApiError::Refused(Refusal::IdentityAmbiguous);
            let why = "identity_ambiguous";
            return refuse_start(&state, &actor, &origin, None, why, ambiguous).await;
        }
    };
    state.store.rate_limit_forgive(&format!("break-glass:{}", session.rpps)).await?;
    let now = state.clock.now();
    let consent = state.store.consent(&record.id, &session.rpps).await?;
    let closed = record.status == crate::store::AccountStatus::Closed;
    let decision =
        may_break_glass(&state, &professional, consent, closed, record.break_glass_refused);
    if let Decision::Deny(deny) = decision {
        let why = trace::reason(deny);
        let denied = ApiError::Denied(deny);
        return refuse_start(&state, &actor, &origin, Some(&record.id), &why, denied).await;
    }
    // One live session at a time per professional and record: asking again returns it.
    if let Some(live) = state.store.latest_break_glass(&record.id, &session.rpps).await?
        && live.live_at(now)
    {
        let entry =
            emergency_entry(&state, &actor, &origin, START, Some(&record.id), Some(&live.id), None);
        trace::write(&state, &entry).await?;
        return Ok((StatusCode::OK, Json(live_info(&live, &record))));
    }

    let id = BreakGlassId::new(new_id());
    let data_key = new_id();
    let sealed =
        state.vault.seal(reason.as_bytes(), &data_key, &record.id, &reason_context(&id))?;
    let expires_at = now + state.emergency.break_glass_seconds;
    let entry = emergency_entry(&state, &actor, &origin, START, Some(&record.id), Some(&id), None);
    let new = NewBreakGlass {
        id: &id,
        account_id: &record.id,
        rpps: &session.rpps,
        data_key: &data_key,
        key: &sealed.key,
        sealed_reason: &sealed.content,
        started_at: now,
        expires_at,
    };
    state
        .auditor
        .write(&*state.store, &entry, async |rows| state.store.start_break_glass(&new, rows).await)
        .await?;

    // The patient (and their legal representatives) always told, in the app and by message;
    // the regular doctor in the app.
    let by = crate::notices::line(&professional.professional);
    let url = crate::notices::record_url(&state);
    crate::notices::tell_patient(
        &state,
        &record.id,
        NotificationKind::BreakGlass,
        Some(&session.rpps),
        Kind::BreakGlass { by: &by, url: &url },
        None,
    )
    .await?;
    if let Some(doctor) = record.regular_doctor.as_ref().filter(|doctor| **doctor != session.rpps)
        && regular_doctor_told(&state, &record, doctor).await?
    {
        state
            .store
            .push_notification(
                &Recipient::Professional(doctor.clone()),
                NotificationKind::BreakGlassOfPatient.code(),
                Some(&record.id),
                Some(&session.rpps),
                None,
                now,
            )
            .await?;
    }
    let started = BreakGlassRecord {
        id,
        account_id: record.id.clone(),
        rpps: session.rpps.clone(),
        data_key,
        key: sealed.key,
        sealed_reason: sealed.content,
        started_at: now,
        expires_at,
        ended_at: None,
    };
    Ok((StatusCode::CREATED, Json(live_info(&started, &record))))
}

fn live_info(session: &BreakGlassRecord, record: &crate::store::AccountRecord) -> LiveBreakGlass {
    LiveBreakGlass {
        id: session.id.to_string(),
        record_id: record.id.to_string(),
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        birth_date: record.birth_date.clone(),
        started_at: session.started_at,
        expires_at: session.until(),
    }
}

/// The signed-in professional's live sessions, for the emergency banner on every screen.
async fn live(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
) -> Result<Json<Vec<LiveBreakGlass>>, ApiError> {
    let mut out = Vec::new();
    for live in state.store.live_break_glass_of(&session.rpps, state.clock.now()).await? {
        if let Some(record) = state.store.account_by_id(&live.account_id).await? {
            out.push(live_info(&live, &record));
        }
    }
    let actor = trace::professional_actor(&state, &session.rpps).await?;
    let entry =
        trace::outside_entry(&state, actor, &origin, AuditAction::BreakGlassLive, None, None, None);
    trace::write(&state, &entry).await?;
    Ok(Json(out))
}

async fn end(
    State(state): State<AppState>,
    origin: Origin,
    session: ProSession,
    Path(id): Path<BreakGlassId>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let actor = trace::professional_actor(&state, &session.rpps).await?;
    let ours = state.store.break_glass_by_id(&id).await?.filter(|s| s.rpps == session.rpps);
    if let Some(found) = &ours {
        let record = Some(found.account_id.as_str());
        let entry = emergency_entry(&state, &actor, &origin, END, record, Some(&id), None);
        let rpps = &session.rpps;
        let ended = state.auditor.write(&*state.store, &entry, async |rows| {
            state.store.end_break_glass(&id, rpps, now, rows).await
        });
        if ended.await?.is_some() {
            return Ok(StatusCode::NO_CONTENT);
        }
    }
    // Not this professional's, or over already: the same answer as an unknown session.
    let record = ours.as_ref().map(|found| found.account_id.as_str());
    let refused = Some(trace::NOT_FOUND.to_owned());
    let entry = emergency_entry(&state, &actor, &origin, END, record, Some(&id), refused);
    trace::write(&state, &entry).await?;
    Err(ApiError::NotFound)
}

const END: AuditAction = AuditAction::BreakGlassEnd;

/// Whether the professional `rpps` (the record's regular doctor) is told of an emergency access
/// to the record: asked of the policy, so a blocked regular doctor, or a closed record, is told
/// nothing.
pub async fn regular_doctor_told(
    state: &AppState,
    record: &crate::store::AccountRecord,
    rpps: &Rpps,
) -> Result<bool, ApiError> {
    let Some(professional) = state.store.professional(rpps).await?.filter(|found| found.active)
    else {
        return Ok(false);
    };
    let consent = state.store.consent(&record.id, rpps).await?;
    let actor = crate::asker::professional_actor(
        record,
        &professional,
        &consent,
        app::policy::BreakGlass::Off,
    );
    let review = Item::about(app::vocabulary::Subject::BreakGlassReview);
    let decision =
        app::policy::decide(&state.policy_context(record), &actor, Action::BeToldOf, &review);
    Ok(decision.allowed())
}
