//! Authenticator apps: TOTP (RFC 6238), SHA-1, 6 digits, 30-second steps, one step of clock
//! drift either way. A code is accepted once: the step it matched is remembered and a code of
//! that step or an earlier one is refused afterwards. Setting one up and turning it on are the
//! account owner's alone.

use crate::audit::AuditAction;
use app::account::messages::Kind;
use app::api::account::{TotpConfirm, TotpSetup};
use app::api::validate;
use axum::{Json, extract::State, http::StatusCode};
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use super::password::confirm_password;
use crate::extract::{ApiJson, ClientAddr};
use crate::{
    limits::{ACCOUNT_POLICY, limit},
    notices::notify,
    session::Session,
};

use crate::{
    AppState,
    error::ApiError,
    store::{AccountId, StoredSecret},
    vault::Vault,
};

/// What the sealed secret of `account_id` is bound to.
fn context(account_id: &AccountId) -> String {
    format!("totp/{account_id}")
}

/// Seals and stores an authenticator secret. `reset`: a new secret, to be confirmed, set up
/// from `client_addr` (its event written with it); otherwise the same secret sealed again.
pub async fn store_secret(
    state: &AppState,
    account_id: &AccountId,
    secret: &[u8],
    reset: Option<&str>,
) -> Result<(), ApiError> {
    let data_key = crate::vault::new_id();
    let sealed = state.vault.seal(secret, &data_key, account_id, &context(account_id))?;
    let now = state.clock.now();
    let (key, content) = (&sealed.key, &sealed.content);
    let Some(client_addr) = reset else {
        state.store.set_totp_secret(account_id, &data_key, key, content, now, None).await?;
        return Ok(());
    };
    let event = AuditAction::AccountTotpSetup;
    crate::audit::account_change(state, event, account_id, client_addr, now, async |event| {
        state.store.set_totp_secret(account_id, &data_key, key, content, now, Some(event)).await
    })
    .await?;
    Ok(())
}

/// Turns the authenticator off (the person lost it and recovered the account through their
/// contact): audited, and the person told.
pub async fn turn_off(
    state: &AppState,
    account: &crate::store::AccountRecord,
    client_addr: &str,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let event = AuditAction::AccountTotpDisabled;
    crate::audit::account_change(state, event, &account.id, client_addr, now, async |event| {
        state.store.disable_totp(&account.id, event).await
    })
    .await?;
    crate::notices::notify(state, account, app::account::messages::Kind::AuthenticatorRemoved).await
}

pub fn open_secret(
    state: &AppState,
    account_id: &AccountId,
    stored: &StoredSecret,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    Ok(open_with(&state.vault, account_id, stored)?)
}

fn open_with(
    vault: &Vault,
    account_id: &AccountId,
    stored: &StoredSecret,
) -> Result<Zeroizing<Vec<u8>>, crate::vault::VaultError> {
    match stored {
        StoredSecret::Sealed { data_key, key, content } => {
            let sealed = crate::vault::Sealed { key: key.clone(), content: content.clone() };
            vault.open(&sealed, data_key, &context(account_id))
        }
        StoredSecret::Legacy(secret) => Ok(Zeroizing::new(secret.clone())),
    }
}

/// Seals the authenticator secrets written in clear before sealing existed. Run at start.
pub async fn seal_legacy_secrets(state: &AppState) -> Result<usize, ApiError> {
    let accounts = state.store.legacy_totp_accounts().await?;
    for account_id in &accounts {
        if let Some(stored) = state.store.totp(account_id).await? {
            let secret = open_secret(state, account_id, &stored.secret)?;
            store_secret(state, account_id, &secret, None).await?;
        }
    }
    if !accounts.is_empty() {
        state.store.scrub().await?;
    }
    Ok(accounts.len())
}

/// Seconds per code.
pub const STEP_SECONDS: u64 = 30;
/// Steps of drift accepted on either side of the server's clock.
pub const SKEW_STEPS: u64 = 1;
/// Shown in the authenticator app next to the account.
pub const ISSUER: &str = "Carnet";

/// A new random 160-bit secret (RFC 4226's recommended length).
pub fn new_secret() -> Vec<u8> {
    let secret: [u8; 20] = rand::random();
    secret.to_vec()
}

fn totp(secret: &[u8], account_name: &str, digits: usize, algorithm: Algorithm) -> Option<TOTP> {
    TOTP::new(
        algorithm,
        digits,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account_name.to_owned(),
    )
    .ok()
}

/// The `otpauth://` URI an authenticator app reads (from a QR code or a link), and the secret in
/// base32 for typing it in by hand.
pub fn enrolment(secret: &[u8], account_name: &str) -> Option<(String, String)> {
    let totp = totp(secret, account_name, 6, Algorithm::SHA1)?;
    Some((totp.get_url(), totp.get_secret_base32()))
}

/// The time step a 6-digit `code` is valid for at `now` (Unix seconds), within the drift.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<u64> {
    let totp = totp(secret, "", 6, Algorithm::SHA1)?;
    let now = u64::try_from(now).ok()?;
    let current = now / STEP_SECONDS;
    (current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS).find(|step| {
        let expected = totp.generate(step * STEP_SECONDS);
        crate::vault::digests_match(expected.as_bytes(), code.as_bytes())
    })
}

/// Draws a new authenticator secret for the signed-in account. Until it is confirmed with
/// `/totp/enable`, login keeps sending codes by message.
/// Draws a new authenticator secret, pending until confirmed (an authenticator in use keeps
/// working meanwhile). Only the account's owner: the password, and the code of the
/// authenticator in use if there is one; a session alone is not enough.
pub(super) async fn setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<app::api::account::TotpSetupRequest>,
) -> Result<Json<TotpSetup>, ApiError> {
    let account = confirm_password(&state, &session, &request.current_password, &addr).await?;
    if state.store.totp(&account.id).await?.is_some_and(|totp| totp.enabled) {
        let Some(code) = &request.current_code else {
            return Err(ApiError::input("current_code", validate::InputError::CodeInvalid));
        };
        let code =
            validate::parse_code(code.expose()).map_err(|e| ApiError::input("current_code", e))?;
        limit(&state, &format!("totp:{}", account.id), ACCOUNT_POLICY).await?;
        if !code_is_right(&state, &account.id, &code, state.clock.now()).await? {
            return Err(ApiError::BadCode { attempts_left: None });
        }
        state.store.rate_limit_reset(&format!("totp:{}", account.id)).await?;
    }
    let secret = new_secret();
    let (uri, base32) = enrolment(&secret, account.contact_text()).ok_or(ApiError::BadRequest)?;
    store_secret(&state, &account.id, &secret, Some(&addr)).await?;
    Ok(Json(TotpSetup { uri, secret: base32 }))
}

/// Turns the authenticator on once the person typed a code it produced.
pub(super) async fn enable(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    session: Session,
    ApiJson(request): ApiJson<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    let code =
        validate::parse_code(request.code.expose()).map_err(|e| ApiError::input("code", e))?;
    limit(&state, &format!("totp:{}", session.account_id), ACCOUNT_POLICY).await?;
    let now = state.clock.now();
    // The code of the secret being set up, not of the one in use.
    let Some(pending_secret) = state.store.pending_totp(&session.account_id).await? else {
        return Err(ApiError::CodeExpired);
    };
    let secret = open_secret(&state, &session.account_id, &pending_secret)?;
    let Some(step) = matching_step(&secret, &code, now) else {
        return Err(ApiError::BadCode { attempts_left: None });
    };
    state.store.rate_limit_reset(&format!("totp:{}", session.account_id)).await?;
    let id = &session.account_id;
    let enabled = crate::audit::account_change(
        &state,
        AuditAction::AccountTotpEnabled,
        id,
        &addr,
        now,
        async |event| state.store.enable_totp(id, event).await,
    );
    if enabled.await?.is_none() {
        // Another request turned it on first: this one rolled back and wrote nothing.
        return Err(ApiError::CodeExpired);
    }
    // The code just typed cannot log in again.
    state.store.use_totp_step(id, i64::try_from(step).map_err(|_| ApiError::BadRequest)?).await?;
    if let Some(account) = state.store.account_by_id(id).await? {
        notify(&state, &account, Kind::AuthenticatorChanged).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Checks an authenticator code and spends its time step, so it cannot be replayed.
pub(super) async fn code_is_right(
    state: &AppState,
    account_id: &AccountId,
    code: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let Some(stored) = state.store.totp(account_id).await? else { return Ok(false) };
    let secret = open_secret(state, account_id, &stored.secret)?;
    let Some(step) = matching_step(&secret, code, now) else { return Ok(false) };
    let step = i64::try_from(step).map_err(|_| ApiError::BadRequest)?;
    Ok(state.store.use_totp_step(account_id, step).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the seeds are the ASCII digits "1234567890" repeated to the
    /// hash's key length, the codes have 8 digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let sha1 = b"12345678901234567890".to_vec();
        let sha256 = b"12345678901234567890123456789012".to_vec();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let vectors: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (time, want_sha1, want_sha256, want_sha512) in vectors {
            let generate = |secret: &Vec<u8>, algorithm| {
                totp(secret, "rfc", 8, algorithm).unwrap().generate(time)
            };
            assert_eq!(generate(&sha1, Algorithm::SHA1), want_sha1, "SHA-1 at {time}");
            assert_eq!(generate(&sha256, Algorithm::SHA256), want_sha256, "SHA-256 at {time}");
            assert_eq!(generate(&sha512, Algorithm::SHA512), want_sha512, "SHA-512 at {time}");
        }
    }

    #[test]
    fn codes_match_their_step_and_one_step_of_drift_only() {
        let secret = b"12345678901234567890";
        let now: i64 = 1_111_111_111;
        let code_at = |t: u64| totp(secret, "", 6, Algorithm::SHA1).unwrap().generate(t);
        let step = now as u64 / STEP_SECONDS;
        assert_eq!(matching_step(secret, &code_at(now as u64), now), Some(step));
        assert_eq!(matching_step(secret, &code_at(now as u64 - 30), now), Some(step - 1));
        assert_eq!(matching_step(secret, &code_at(now as u64 + 30), now), Some(step + 1));
        assert_eq!(matching_step(secret, &code_at(now as u64 - 90), now), None);
        assert_eq!(matching_step(secret, "000000x", now), None);
        assert_eq!(code_at(now as u64).len(), 6);
    }

    #[test]
    fn enrolment_uri_names_the_issuer_and_account() {
        let (uri, base32) = enrolment(&[7u8; 20], "jeanne@example.fr").unwrap();
        assert!(uri.starts_with("otpauth://totp/Carnet:jeanne%40example.fr?secret="), "{uri}");
        assert!(uri.contains(&format!("secret={base32}")) && uri.contains("issuer=Carnet"));
        assert_eq!(base32.len(), 32);
    }
}
