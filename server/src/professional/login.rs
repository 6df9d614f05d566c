//! A professional's card login: a fresh challenge, signed by the card's key, checked against
//! the directory; then the signed-in professional and what the access matrix gives them.

use crate::audit::AuditAction;
use app::{
    api::pro::{CardChallenge, CardLogin, ProMe},
    directory::Rpps,
};
use axum::{Json, extract::State, response::IntoResponse};
use axum_extra::extract::cookie::CookieJar;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::CHALLENGE_TTL_SECONDS;
use crate::{
    AppState,
    account::codes,
    asker::trace,
    error::ApiError,
    extract::{ApiJson, ClientAddr, Origin},
    limits::{ADDRESS_POLICY, CARD_POLICY, blocked_event, limit},
    session::{self, ProSession},
    store::SessionOwner,
};

fn challenge_key(addr: &str) -> String {
    format!("card-challenge:{}", crate::extract::limit_key(addr))
}

/// The limit of one card from one client address.
pub fn card_key(rpps: &Rpps, addr: &str) -> String {
    format!("{}{}", card_prefix(rpps), crate::extract::limit_key(addr))
}

/// Every card limit of this professional starts with it.
pub fn card_prefix(rpps: &Rpps) -> String {
    format!("card:{rpps}:")
}

pub(super) async fn challenge(
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

pub(super) async fn login(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    ApiJson(request): ApiJson<CardLogin>,
) -> Result<impl IntoResponse, ApiError> {
    let (addr, device) = (origin.client.clone(), origin.device.as_deref());
    limit(&state, &format!("card:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    let rpps = Rpps::parse(&request.rpps).ok_or(ApiError::BadCredentials)?;
    let now = state.clock.now();
    // Spent before anything else: a challenge serves one try, right or wrong; a made-up one
    // counts against no card.
    if !state.store.use_card_challenge(&codes::challenge_digest(&request.challenge), now).await? {
        return Err(ApiError::CodeExpired);
    }
    state.store.rate_limit_forgive(&challenge_key(&addr)).await?;
    // This card from this address: slowed down after failures, never locked for good.
    let card_limit = card_key(&rpps, &addr);
    if let Err(blocked) = limit(&state, &card_limit, CARD_POLICY).await {
        let event = blocked_event(
            &blocked,
            AuditAction::ProfessionalCardLoginBlocked,
            AuditAction::ProfessionalCardLocked,
        );
        crate::audit::professional_event(&state, event, Some(&rpps), &addr, now).await?;
        return Err(blocked);
    }
    let professional = state.store.professional(&rpps).await?;
    let signature = URL_SAFE_NO_PAD.decode(&request.signature).unwrap_or_default();
    let message = app::api::pro::card_login_message(&state.public_origin, &request.challenge);
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
            Some(&rpps),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&card_limit).await?;
    state.store.rate_limit_forgive(&format!("card:{}", crate::extract::limit_key(&addr))).await?;

    let entry = crate::audit::professional_entry(
        AuditAction::ProfessionalCardLogin,
        Some(&rpps),
        &addr,
        device,
        now,
    );
    let opening = session::Opening {
        owner: SessionOwner::Professional(rpps.clone()),
        idle_timeout: session::PRO_IDLE_TIMEOUT_SECONDS,
        activate: false,
        names: &[AuditAction::ProfessionalCardLogin],
        entry,
    };
    let opened = session::open(&state, jar, opening, &origin).await?;
    let csrf_token = crate::session::masked_csrf(&opened.csrf_token);
    let rights = rights_of(&state, &professional.professional);
    let me = ProMe { professional: professional.professional, csrf_token, rights };
    Ok((opened.jar, Json(me)))
}

pub(super) async fn me(
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
    let csrf_token = crate::session::masked_csrf(&session.csrf_token);
    Ok(Json(ProMe { professional: record.professional, csrf_token, rights }))
}

/// What the server's access matrix (the configured one) gives this professional anywhere, and
/// whether the policy lets their profession open a record in an emergency.
fn rights_of(
    state: &AppState,
    professional: &app::directory::Professional,
) -> app::api::pro::ProfessionRights {
    use app::policy::{Action, Actor, BreakGlass, Consent, Context, Item, Professional};
    let rights = state.matrix.rights(professional.profession, professional.specialty.as_deref());
    let context = Context {
        matrix: &state.matrix,
        today: state.clock.today(),
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
    app::api::pro::ProfessionRights {
        read: rights.read.iter().copied().collect(),
        deposit: rights.write.iter().copied().collect(),
        read_sections: rights.profile.iter().copied().collect(),
        write_sections: rights.profile_write.iter().copied().collect(),
        break_glass: app::policy::decide(&context, &actor, Action::BreakGlass, &record).allowed(),
    }
}
