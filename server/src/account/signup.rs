//! Sign-up: the person's name, birth date, contact and password, then a code sent to the contact
//! that activates the account. A contact that already has an account gets the same answer (a
//! decoy code) and its owner a notice, so the form does not tell who has an account.

use app::account::messages::Kind;
use app::api::account::SignupRequest;
use app::api::validate::{self, Contact};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};

use super::{
    codes::{self, NewCode, code_kind, code_sent, store_code, store_decoy_code},
    new_account,
};
use crate::{
    AppState,
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, ClientAddr},
    store::{
        AccountRecord, AccountStatus, CodePurpose, Event, EventOwner, RateDecision, RatePolicy,
    },
};
use crate::{
    limits::{ADDRESS_POLICY, limit},
    notices::{request_locale, send},
};

pub(super) async fn signup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignupRequest>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&state, &format!("signup:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    let given_name =
        validate::parse_name(&request.given_name).map_err(|e| ApiError::input("given_name", e))?;
    let family_name = validate::parse_name(&request.family_name)
        .map_err(|e| ApiError::input("family_name", e))?;
    let birth_date = validate::parse_birth_date(
        &request.birth_date,
        state.clock.today(),
        state.rules.majority_age,
    )
    .map_err(|e| ApiError::input("birth_date", e))?;
    let birth_year = birth_date.year().to_string();
    crate::passwords::check_strength(
        request.password.expose(),
        &[&given_name, &family_name, contact.as_str(), &birth_year],
    )
    .map_err(|e| ApiError::input("password", e))?;

    let locale = request_locale(&headers);
    let password_hash = state.passwords.hash(request.password.clone()).await?;
    let now = state.clock.now();
    let new = NewCode::draw();

    match state.store.account_by_contact(contact.as_str()).await? {
        Some(existing) if existing.status != AccountStatus::Pending => {
            // Active, opened by a professional or closed: the owner logs in or recovers it. The
            // answer, and every answer to a code typed for it, is a real sign-up's (a decoy
            // code), so the form does not tell who has an account; the owner is told instead.
            store_decoy_code(&state, &new).await?;
            tell_already_registered(&state, &contact, locale).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountSignupExisting,
                Some(&existing.id),
                &addr,
                now,
            )
            .await?;
        }
        existing => {
            // A pending sign-up that never proved its contact is replaced: only the person who
            // receives the code can activate an account.
            if let Some(pending) = existing {
                state.store.delete_pending_account(&pending.id).await?;
            }
            let account = AccountRecord {
                password_hash: Some(password_hash),
                ..new_account(
                    Some(contact.clone()),
                    [given_name, family_name],
                    birth_date,
                    locale,
                    now,
                )
            };
            let id = account.id.clone();
            let entry = crate::audit::account_entry(
                AuditAction::AccountSignup,
                Some(&id),
                &addr,
                None,
                now,
            );
            state
                .auditor
                .write(&*state.store, &entry, async |audit| {
                    let event = Event {
                        names: &[AuditAction::AccountSignup],
                        owner: EventOwner::Account(&id),
                        client_addr: &addr,
                        at: now,
                        audit,
                    };
                    state.store.create_account(&account, &event).await
                })
                .await?;
            store_code(&state, &new, &id, CodePurpose::Activation).await?;
            send(&state, &contact, locale, code_kind(CodePurpose::Activation, &new.code)).await?;
        }
    }
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

/// Per contact: how many "someone tried to sign up with your contact" notices it receives
/// before they stop (a sign-up with someone else's contact must not flood its owner).
const ALREADY_REGISTERED_POLICY: RatePolicy =
    RatePolicy { free: 3, base_delay: 3600, max_delay: 24 * 3600, lock_after: u32::MAX };

/// Tells the owner of a contact that someone tried to use it, a few times at most.
pub(crate) async fn tell_already_registered(
    state: &AppState,
    contact: &Contact,
    locale: &str,
) -> Result<(), ApiError> {
    let digest = codes::challenge_digest(contact.as_str());
    let key = format!("already-registered:{}", crate::vault::hex(&digest[..16]));
    match state.store.rate_limit_try(&key, state.clock.now(), ALREADY_REGISTERED_POLICY).await? {
        RateDecision::Allowed => send(state, contact, locale, Kind::AlreadyRegistered).await,
        RateDecision::Blocked { .. } => Ok(()),
    }
}
