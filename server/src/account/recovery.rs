//! Recovery through the contact: a code sent to it sets a new password (and activates a record
//! opened for the patient). The answer is the same whether or not the contact has an account.

use app::api::account::{RecoverFinish, RecoverRequest};
use app::api::validate;
use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};

use super::{
    codes::{self, NewCode, code_kind, code_sent, store_code, store_decoy_code, try_message_code},
    contact_key,
    login::second_factor_key,
    password::{Replacement, check_personal_strength, replace_password},
    totp,
};
use crate::{
    AppState,
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, ClientAddr},
    store::{AccountStatus, CodePurpose},
};
use crate::{
    limits::{ADDRESS_POLICY, RECOVERY_POLICY, limit},
    notices::{locale_of, send},
};

/// Sends a code to set a new password. The answer is the same whether or not the contact has
/// an account; only a real, active account receives a message.
pub(super) async fn recover(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let contact =
        validate::parse_contact(&request.contact).map_err(|e| ApiError::input("contact", e))?;
    limit(&state, &format!("recover:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    limit(&state, &recovery_key(contact.as_str()), RECOVERY_POLICY).await?;
    let new = NewCode::draw();
    let account = state.store.account_by_contact(contact.as_str()).await?;
    // A record opened by a professional is activated the same way: a code to the contact, then
    // a password. Not while a representative manages it, and never a bare sign-up.
    let recoverable = match &account {
        Some(account) => match account.status {
            AccountStatus::Active | AccountStatus::Closed => true,
            AccountStatus::Awaiting => {
                !crate::representatives::is_represented(&state, &account.id).await?
            }
            AccountStatus::Pending => false,
        },
        None => false,
    };
    let now = state.clock.now();
    match account.filter(|_| recoverable) {
        Some(account) => {
            store_code(&state, &new, &account.id, CodePurpose::Recovery).await?;
            let kind = if account.status == AccountStatus::Awaiting {
                code_kind(CodePurpose::Activation, &new.code)
            } else {
                code_kind(CodePurpose::Recovery, &new.code)
            };
            send(&state, &contact, locale_of(&account), kind).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountRecoveryRequested,
                Some(&account.id),
                &addr,
                now,
            )
            .await?;
        }
        // The same work, the same answer (a decoy code): neither the answer nor its time says
        // whether the contact has an account.
        None => {
            store_decoy_code(&state, &new).await?;
            crate::audit::auth_event(
                &state,
                AuditAction::AccountRecoveryRequested,
                None,
                &addr,
                now,
            )
            .await?;
        }
    }
    Ok((StatusCode::ACCEPTED, Json(code_sent(&new, &contact))))
}

/// Sets a new password with a recovery code; every session of the account ends.
pub(super) async fn finish(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RecoverFinish>,
) -> Result<StatusCode, ApiError> {
    limit(&state, &format!("code:{}", crate::extract::limit_key(&addr)), ADDRESS_POLICY).await?;
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    // The rules that need no account first, so a weak password does not spend a try.
    crate::passwords::check_strength(request.new_password.expose(), &[])
        .map_err(|e| ApiError::input("new_password", e))?;
    let challenge_hash = codes::challenge_digest(&request.challenge);
    let now = state.clock.now();
    let attempt = try_message_code(&state, &addr, &request.challenge, &code, |attempt| {
        attempt.purpose == CodePurpose::Recovery
    })
    .await?;
    let account =
        state.store.account_by_id(&attempt.account_id).await?.ok_or(ApiError::CodeExpired)?;
    check_personal_strength(&account, &request.new_password)?;
    if !state.store.use_code(&challenge_hash, now).await? {
        return Err(ApiError::CodeExpired);
    }
    // A record opened for the patient is activated by its first password.
    let activate = account.status == AccountStatus::Awaiting;
    let event =
        if activate { AuditAction::AccountActivated } else { AuditAction::AccountPasswordReset };
    let change = Replacement { event, activate, keep: None, addr: &addr };
    replace_password(&state, &account, &request.new_password, change).await?;
    // Proving the contact also lifts a lock on logging in (the password's and the second
    // factor's) and the slow-down of recovery.
    state.store.rate_limit_reset(&contact_key(account.contact_text())).await?;
    state.store.rate_limit_reset(&recovery_key(account.contact_text())).await?;
    state.store.rate_limit_reset(&second_factor_key(&account.id)).await?;
    // The way back for a person who lost their authenticator: the contact, proven, turns it off.
    if state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled) {
        totp::turn_off(&state, &account, &addr).await?;
    }
    state.store.rate_limit_forgive(&format!("code:{}", crate::extract::limit_key(&addr))).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn recovery_key(contact: &str) -> String {
    format!("recover-{}", contact_key(contact))
}
