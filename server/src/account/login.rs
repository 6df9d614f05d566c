//! Logging in: the password, then a second factor (a code sent to the contact, or the
//! authenticator app's), which opens the session; and logging out. Guesses are limited per
//! address, per contact and per account, each refusal in the account's history.

use app::account::messages::Kind;
use app::api::account::{CodeMethod, CodeRequest, CodeSent, LoginRequest};
use app::api::validate;
use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use axum_extra::extract::cookie::CookieJar;

use super::{
    codes::{self, MAX_CODE_ATTEMPTS, NewCode, code_kind, code_sent, decoy_failed, store_code},
    contact_key, me_of, totp,
};
use crate::{
    AppState,
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, ClientAddr, Origin},
    store::{
        AccountId, AccountRecord, AccountStatus, CodePurpose, CodeTry, DeviceSeen, RateDecision,
        RatePolicy, SessionOwner,
    },
};
use crate::{
    limits::{ACCOUNT_POLICY, ADDRESS_POLICY, blocked_event, limit},
    notices::{locale_of, notify, send},
    session::{self, AnySession},
};

pub(super) async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    limit(&state, &format!("login:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    let contact_limit = contact_key(contact.as_str());
    if let Err(blocked) = limit(&state, &contact_limit, ACCOUNT_POLICY).await {
        // The account's history shows the slow-down and the lock, like any other event.
        if let Some(account) = state.store.account_by_contact(contact.as_str()).await? {
            let event = blocked_event(
                &blocked,
                AuditAction::AccountLoginBlocked,
                AuditAction::AccountLoginLocked,
            );
            crate::audit::auth_event(&state, event, Some(&account.id), &addr, state.clock.now())
                .await?;
        }
        return Err(blocked);
    }

    let account = state.store.account_by_contact(contact.as_str()).await?;
    let stored_hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password_ok = state.passwords.verify(request.password.clone(), stored_hash).await?;
    let now = state.clock.now();
    let account_id = account.as_ref().map(|account| account.id.clone());
    let Some(account) = account.filter(|_| password_ok) else {
        crate::audit::auth_event(
            &state,
            AuditAction::AccountLoginFailed,
            account_id.as_ref(),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    };
    state.store.rate_limit_reset(&contact_limit).await?;
    state.store.rate_limit_forgive(&format!("login:{}", crate::extract::limit_key(&addr))).await?;

    // With an authenticator app, its code is the second factor: nothing is sent.
    let totp_enabled = state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled);
    // Closed too: an archived record is still health data behind the same second factor.
    if matches!(account.status, AccountStatus::Active | AccountStatus::Closed) && totp_enabled {
        let new = NewCode::draw();
        store_code(&state, &new, &account.id, CodePurpose::Totp).await?;
        crate::audit::auth_event(
            &state,
            AuditAction::AccountTotpAsked,
            Some(&account.id),
            &addr,
            now,
        )
        .await?;
        let sent = CodeSent {
            sent_to: String::new(),
            method: CodeMethod::Authenticator,
            ..code_sent(&new, &contact)
        };
        return Ok((StatusCode::ACCEPTED, Json(sent)));
    }

    // A pending account proves its contact with this code and is activated on the way. (An
    // account awaiting activation has no password, so it never gets this far.)
    let purpose = match account.status {
        AccountStatus::Pending | AccountStatus::Awaiting => CodePurpose::Activation,
        AccountStatus::Active | AccountStatus::Closed => CodePurpose::Login,
    };
    let new = NewCode::draw();
    store_code(&state, &new, &account.id, purpose).await?;
    send(&state, &contact, locale_of(&account), code_kind(purpose, &new.code)).await?;
    crate::audit::auth_event(&state, AuditAction::AccountCodeSent, Some(&account.id), &addr, now)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

pub(super) async fn verify(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let addr = origin.client.clone();
    limit(&state, &format!("code:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = match state
        .store
        .count_code_attempt(&challenge_hash, now, MAX_CODE_ATTEMPTS)
        .await?
        .ok_or(ApiError::CodeExpired)?
    {
        CodeTry::Real(attempt) => attempt,
        CodeTry::Decoy { attempts } => return Err(decoy_failed(&state, &addr, attempts).await?),
    };
    // Second-factor guesses count per account too: with the password, each login draws a new
    // challenge, so a per-challenge cap alone would allow endless rounds. Slowed down, then
    // locked with a notice; only a completed login or a recovery through the contact resets it.
    let second_factor = second_factor_key(&attempt.account_id);
    if matches!(attempt.purpose, CodePurpose::Login | CodePurpose::Totp)
        && let Err(blocked) = limit(&state, &second_factor, ACCOUNT_POLICY).await
    {
        let event = blocked_event(
            &blocked,
            AuditAction::AccountSecondFactorBlocked,
            AuditAction::AccountSecondFactorLocked,
        );
        crate::audit::auth_event(&state, event, Some(&attempt.account_id), &addr, now).await?;
        if event == AuditAction::AccountSecondFactorLocked
            && let Some(account) = state.store.account_by_id(&attempt.account_id).await?
        {
            notify_now_and_then(&state, &account, Kind::SecondFactorLocked).await?;
        }
        return Err(blocked);
    }
    let right = match attempt.purpose {
        // A recovery code sets a password (`/recover/finish`), a contact code proves a new
        // contact (`/contact/verify`); neither opens a session.
        CodePurpose::Recovery | CodePurpose::Contact => return Err(ApiError::CodeExpired),
        CodePurpose::Totp => totp::code_is_right(&state, &attempt.account_id, &code, now).await?,
        CodePurpose::Activation | CodePurpose::Login => crate::vault::digests_match(
            &attempt.code_hash,
            &codes::code_digest(&request.challenge, &code),
        ),
    };
    if !right {
        crate::audit::auth_event(
            &state,
            AuditAction::AccountCodeFailed,
            Some(&attempt.account_id),
            &addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    state.store.rate_limit_forgive(&format!("code:{}", crate::extract::limit_key(&addr))).await?;
    state.store.rate_limit_reset(&second_factor).await?;
    // The first code proves the contact: the account is activated as the session opens.
    let activate = attempt.purpose == CodePurpose::Activation;
    let (names, event): (&[AuditAction], _) = if activate {
        (&[AuditAction::AccountActivated, AuditAction::AccountLogin], AuditAction::AccountActivated)
    } else {
        (&[AuditAction::AccountLogin], AuditAction::AccountLogin)
    };
    let id = attempt.account_id.as_str();
    let entry = crate::audit::account_entry(event, Some(id), &addr, origin.device.as_deref(), now);
    let opening = session::Opening {
        owner: SessionOwner::Account(attempt.account_id.clone()),
        idle_timeout: session::IDLE_TIMEOUT_SECONDS,
        activate,
        names,
        entry,
    };
    let opened = session::open(&state, jar, opening, &origin).await?;
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;
    if opened.device == DeviceSeen::New {
        let at = app::date::moment(now);
        let url = crate::notices::record_url(&state);
        let device = &opened.device_label;
        crate::notices::tell_patient(
            &state,
            &account.id,
            app::api::emergency::NotificationKind::NewDevice,
            None,
            Kind::NewDevice { device, at: &at, url: &url },
            None,
        )
        .await?;
    }
    let me = me_of(&state, &account, opened.csrf_token, None).await?;
    Ok((opened.jar, Json(me)))
}

/// Ends the session on the server, whoever owns it (patient, representative, professional).
pub(crate) async fn logout(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: AnySession,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    state.store.delete_session(&session.token_hash).await?;
    let now = state.clock.now();
    match &session.owner {
        SessionOwner::Account(id) => {
            crate::audit::auth_event(&state, AuditAction::AccountLogout, Some(id), &addr, now)
                .await?;
        }
        SessionOwner::Professional(rpps) => {
            crate::audit::professional_event(
                &state,
                AuditAction::ProfessionalLogout,
                Some(rpps),
                &addr,
                now,
            )
            .await?;
        }
    }
    Ok((jar.add(session::removal_cookie()), StatusCode::NO_CONTENT))
}

/// Wrong second-factor codes of one account, whatever the challenge and the address.
pub(super) fn second_factor_key(account_id: &AccountId) -> String {
    format!("second-factor:{account_id}")
}

/// A notice that must not repeat at every try (a lock): at most once a day.
async fn notify_now_and_then(
    state: &AppState,
    account: &AccountRecord,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    const ONCE_A_DAY: RatePolicy =
        RatePolicy { free: 1, base_delay: 24 * 3600, max_delay: 24 * 3600, lock_after: u32::MAX };
    let key = format!("notice:{}:{}", kind_code(kind), account.id);
    match state.store.rate_limit_try(&key, state.clock.now(), ONCE_A_DAY).await? {
        RateDecision::Allowed => notify(state, account, kind).await,
        RateDecision::Blocked { .. } => Ok(()),
    }
}

/// A short name for the notices sent now and then.
fn kind_code(kind: Kind<'_>) -> &'static str {
    match kind {
        Kind::SecondFactorLocked => "second-factor-locked",
        _ => "notice",
    }
}
