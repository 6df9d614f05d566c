//! One-time codes: 6 digits from a CSPRNG, bound to one attempt by a random challenge,
//! valid 10 minutes, single use, at most 5 tries. Only digests are stored: the challenge's, and
//! the code's bound to its challenge. Below the pure part: storing a code (or a decoy), the
//! message that carries it, and counting a try at it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use app::account::messages::Kind;
use app::api::account::{CodeMethod, CodeSent};
use app::api::validate::Contact;

use crate::{
    AppState,
    audit::AuditAction,
    error::ApiError,
    store::{AccountId, CodeAttempt, CodePurpose, CodeTry, NewCode as StoredCode},
};

/// How long a code can be used.
pub const CODE_TTL_SECONDS: i64 = 10 * 60;
/// Wrong tries a code survives.
pub const MAX_CODE_ATTEMPTS: u32 = 5;

/// A freshly drawn code and the challenge it is bound to. No `Debug`: both are secrets.
pub struct NewCode {
    /// Sent to the browser that made the attempt (128 random bits, URL-safe base64).
    pub challenge: String,
    /// Sent to the person's contact.
    pub code: String,
}

impl NewCode {
    pub fn draw() -> Self {
        // ThreadRng: ChaCha12 seeded from the operating system, a CSPRNG.
        let mut rng = rand::rng();
        let mut challenge = [0u8; 16];
        rng.fill_bytes(&mut challenge);
        let code = rng.random_range(0..1_000_000u32);
        Self { challenge: URL_SAFE_NO_PAD.encode(challenge), code: format!("{code:06}") }
    }
}

/// The key under which a code is stored and looked up.
pub fn challenge_digest(challenge: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"carnet/challenge\0").chain_update(challenge).finalize().into()
}

/// The code's digest, bound to its challenge: a code never verifies under another attempt.
pub fn code_digest(challenge: &str, code: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"carnet/code\0")
        .chain_update(challenge)
        .chain_update(b"\0")
        .chain_update(code)
        .finalize()
        .into()
}

/// Counts one try at the code sent by message for `challenge` and checks it. `expected`
/// rejects a live code meant for something else (it then answers like an expired one).
pub(crate) async fn try_message_code(
    state: &AppState,
    addr: &str,
    challenge: &str,
    code: &str,
    expected: impl Fn(&CodeAttempt) -> bool,
) -> Result<CodeAttempt, ApiError> {
    let now = state.clock.now();
    let attempt = match state
        .store
        .count_code_attempt(&challenge_digest(challenge), now, MAX_CODE_ATTEMPTS)
        .await?
    {
        Some(CodeTry::Real(attempt)) if expected(&attempt) => attempt,
        Some(CodeTry::Decoy { attempts }) => return Err(decoy_failed(state, addr, attempts).await?),
        _ => return Err(ApiError::CodeExpired),
    };
    if !crate::vault::digests_match(&attempt.code_hash, &code_digest(challenge, code)) {
        crate::audit::auth_event(
            state,
            AuditAction::AccountCodeFailed,
            Some(&attempt.account_id),
            addr,
            now,
        )
        .await?;
        return Err(ApiError::BadCode {
            attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempt.attempts)),
        });
    }
    Ok(attempt)
}

pub(crate) fn code_sent(new: &NewCode, contact: &Contact) -> CodeSent {
    CodeSent {
        challenge: new.challenge.clone(),
        sent_to: contact.masked(),
        expires_in: CODE_TTL_SECONDS as u32,
        method: CodeMethod::Message,
    }
}

/// The message that carries a code of this purpose.
pub(crate) fn code_kind(purpose: CodePurpose, code: &str) -> Kind<'_> {
    match purpose {
        CodePurpose::Activation => Kind::ActivationCode(code),
        CodePurpose::Login | CodePurpose::Totp => Kind::LoginCode(code),
        CodePurpose::Recovery => Kind::RecoveryCode(code),
        CodePurpose::Contact => Kind::ContactCode(code),
    }
}

pub(super) async fn store_code(
    state: &AppState,
    new: &NewCode,
    account_id: &AccountId,
    purpose: CodePurpose,
) -> Result<(), ApiError> {
    store_code_with(state, new, account_id, purpose, None).await
}

/// Stores a code with what it unlocks (the new contact of a contact change).
pub(crate) async fn store_code_with(
    state: &AppState,
    new: &NewCode,
    account_id: &AccountId,
    purpose: CodePurpose,
    payload: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    state
        .store
        .insert_code(&StoredCode {
            payload,
            challenge_hash: &challenge_digest(&new.challenge),
            account_id,
            purpose,
            code_hash: &code_digest(&new.challenge, &new.code),
            created_at: now,
            expires_at: now + CODE_TTL_SECONDS,
        })
        .await?;
    Ok(())
}

/// A challenge answered like a real one whose code can never be right (the contact was someone
/// else's, or nobody's): nothing ties it to an account.
pub(crate) async fn store_decoy_code(state: &AppState, new: &NewCode) -> Result<(), ApiError> {
    let expires_at = state.clock.now() + CODE_TTL_SECONDS;
    state.store.insert_decoy_code(&challenge_digest(&new.challenge), expires_at).await?;
    Ok(())
}

/// A try at a decoy code: the answer, the trace and the work of a wrong real code.
pub(super) async fn decoy_failed(
    state: &AppState,
    addr: &str,
    attempts: u32,
) -> Result<ApiError, ApiError> {
    crate::audit::auth_event(state, AuditAction::AccountCodeFailed, None, addr, state.clock.now())
        .await?;
    Ok(ApiError::BadCode { attempts_left: Some(MAX_CODE_ATTEMPTS.saturating_sub(attempts)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::digests_match;
    use std::collections::HashSet;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let drawn: Vec<NewCode> = (0..2000).map(|_| NewCode::draw()).collect();
        for new in &drawn {
            assert_eq!(new.code.len(), 6);
            assert!(new.code.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(URL_SAFE_NO_PAD.decode(&new.challenge).unwrap().len(), 16);
        }
        let codes: HashSet<&str> = drawn.iter().map(|n| n.code.as_str()).collect();
        assert!(codes.len() > 1900, "codes repeat too often: {}", codes.len());
        // Leading zeros are kept: every digit position takes every value.
        for position in 0..6 {
            let digits: HashSet<u8> = drawn.iter().map(|n| n.code.as_bytes()[position]).collect();
            assert_eq!(digits.len(), 10, "position {position}");
        }
        let challenges: HashSet<&str> = drawn.iter().map(|n| n.challenge.as_str()).collect();
        assert_eq!(challenges.len(), drawn.len());
    }

    #[test]
    fn a_code_is_bound_to_its_challenge() {
        let a = code_digest("challenge-a", "123456");
        assert!(digests_match(&a, &code_digest("challenge-a", "123456")));
        assert!(!digests_match(&a, &code_digest("challenge-b", "123456")));
        assert!(!digests_match(&a, &code_digest("challenge-a", "123457")));
        assert!(!digests_match(&a, &a[..31]));
        assert_ne!(challenge_digest("x"), code_digest("x", ""));
    }
}
