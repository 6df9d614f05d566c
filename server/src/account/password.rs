//! The person's password: typed again before a sensitive change, changed, replaced (after a
//! recovery). Hashing and the strength rule are [`crate::passwords`].

use app::account::messages::Kind;
use app::api::account::{PasswordChange, Secret};
use axum::{extract::State, http::StatusCode};

use crate::{
    AppState,
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, ClientAddr},
    passwords::check_strength,
    store::AccountRecord,
};
use crate::{
    limits::{ACCOUNT_POLICY, limit},
    notices::notify,
    session::Session,
};

/// The signed-in account, once its password was typed again (before a sensitive change).
/// Wrong guesses are limited per account like logins.
pub(crate) async fn confirm_password(
    state: &AppState,
    session: &Session,
    password: &Secret,
    addr: &str,
) -> Result<AccountRecord, ApiError> {
    let key = format!("password:{}", session.account_id);
    limit(state, &key, ACCOUNT_POLICY).await?;
    let account =
        state.store.account_by_id(&session.account_id).await?.ok_or(ApiError::Unauthenticated)?;
    if !state.passwords.verify(password.clone(), account.password_hash.clone()).await? {
        let now = state.clock.now();
        crate::audit::auth_event(
            state,
            AuditAction::AccountPasswordConfirmFailed,
            Some(&account.id),
            addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCredentials);
    }
    state.store.rate_limit_reset(&key).await?;
    Ok(account)
}

/// Changes the password of the signed-in account; its other sessions end.
pub(super) async fn change(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let account = confirm_password(&state, &session, &request.current_password, &addr).await?;
    check_personal_strength(&account, &request.new_password)?;
    let keep = Some(session.token_hash.as_slice());
    let change = Replacement {
        event: AuditAction::AccountPasswordChanged,
        activate: false,
        keep,
        addr: &addr,
    };
    replace_password(&state, &account, &request.new_password, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn check_personal_strength(
    account: &AccountRecord,
    password: &Secret,
) -> Result<(), ApiError> {
    let birth_year = account.birth_date.get(..4).unwrap_or_default();
    check_strength(
        password.expose(),
        &[&account.given_name, &account.family_name, account.contact_text(), birth_year],
    )
    .map_err(|e| ApiError::input("new_password", e))
}

/// How a password is replaced: the event it writes, whether it activates the account (a record
/// opened for the patient), and the session kept.
pub(super) struct Replacement<'a> {
    pub event: AuditAction,
    pub activate: bool,
    pub keep: Option<&'a [u8]>,
    pub addr: &'a str,
}

/// Stores the new hash with its event, ends the other sessions and tells the person on their
/// contact.
pub(super) async fn replace_password(
    state: &AppState,
    account: &AccountRecord,
    password: &Secret,
    change: Replacement<'_>,
) -> Result<(), ApiError> {
    let hash = state.passwords.hash(password.clone()).await?;
    let now = state.clock.now();
    crate::audit::account_change(
        state,
        change.event,
        &account.id,
        change.addr,
        now,
        async |event| state.store.set_password(&account.id, &hash, change.activate, event).await,
    )
    .await?;
    state.store.delete_sessions_of(&account.id, change.keep).await?;
    notify(state, account, Kind::PasswordChanged).await
}
