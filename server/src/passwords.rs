//! Passwords: Argon2id with OWASP's parameters, computed on the blocking pool with a cap on
//! how many run at once (each takes 19 MiB and tens of milliseconds of a core), and the
//! strength rule: 8 to 128 characters, no composition rules, and nothing a strength estimator
//! (zxcvbn, which knows the most common passwords) finds easy to guess. What a person does with
//! their password (confirming, changing, recovering) is `account`'s.

use std::sync::Arc;

use app::api::account::Secret;
use app::api::{InputError, validate::check_password_length};
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2 failed")]
    Hash,
    #[error("hashing task failed")]
    Task,
}

/// Hashes and verifies passwords off the async threads.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when an account does not exist, so that
    /// "unknown identifier" costs the same time as "wrong password".
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// `max_concurrent` caps simultaneous hashes (memory: 19 MiB each).
    pub fn new(max_concurrent: usize) -> Result<Self, PasswordError> {
        let random: [u8; 16] = rand::random();
        let dummy = hash_blocking(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            random,
        ))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash: dummy.into(),
        })
    }

    pub async fn hash(&self, password: Secret) -> Result<String, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
            .await
            .map_err(|_| PasswordError::Task)?
    }

    /// `stored` is `None` for an unknown account: the work is done anyway and the answer is no.
    pub async fn verify(
        &self,
        password: Secret,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc)
                .map(|parsed| {
                    argon2().verify_password(password.expose().as_bytes(), &parsed).is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|_| PasswordError::Task)?;
        Ok(known && matches)
    }
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within Argon2's accepted ranges.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("OWASP parameters are valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Length rules, then the estimator, told about the person's own names and contact so that
/// "jeanne1980" is weak for Jeanne born in 1980.
pub fn check_strength(password: &str, personal: &[&str]) -> Result<(), InputError> {
    check_password_length(password)?;
    if mostly_personal(password, personal) {
        return Err(InputError::PasswordTooCommon);
    }
    let estimate = zxcvbn::zxcvbn(password, personal);
    // Score 0–2: fewer than 10^8 guesses. Covers every password in the estimator's
    // lists of the most common ones (tens of thousands of entries) and their variations, and
    // passwords built from the person's own names, contact and birth year.
    if (estimate.score() as u8) < 3 {
        return Err(InputError::PasswordTooCommon);
    }
    Ok(())
}

/// True when little is left of the password once the person's own names, contact and birth
/// year are taken out of it ("Jeanne.Martin-1980"): the estimator scores such concatenations
/// too kindly, and they are the first thing an attacker who knows the person tries.
fn mostly_personal(password: &str, personal: &[&str]) -> bool {
    let fold = |text: &str| -> String {
        text.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect()
    };
    let mut rest = fold(password);
    let mut tokens: Vec<String> = personal
        .iter()
        .flat_map(|item| item.split(|c: char| !c.is_alphanumeric()))
        .map(fold)
        .filter(|token| token.chars().count() >= 3)
        .collect();
    tokens.sort_by_key(|token| std::cmp::Reverse(token.len()));
    for token in &tokens {
        rest = rest.replace(token.as_str(), "");
    }
    rest.chars().count() < 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let passwords = Passwords::new(2).unwrap();
        let hash = passwords.hash(Secret::new("correct horse battery staple")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            passwords
                .verify(Secret::new("correct horse battery staple"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify(Secret::new("correct horse battery stapler"), Some(hash.clone()))
                .await
                .unwrap()
        );
        let again = passwords.hash(Secret::new("correct horse battery staple")).await.unwrap();
        assert_ne!(hash, again, "salts must differ");
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let passwords = Passwords::new(1).unwrap();
        assert!(!passwords.verify(Secret::new("anything at all"), None).await.unwrap());
        assert!(!passwords.verify(Secret::new("x"), Some("not a hash".into())).await.unwrap());
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for weak in ["password", "azertyuiop", "123456789", "qwerty123", "iloveyou", "motdepasse"] {
            assert_eq!(check_strength(weak, &[]), Err(InputError::PasswordTooCommon), "{weak}");
        }
        let me = ["Jeanne", "Martin", "jeanne.martin@example.fr", "1980"];
        for personal in
            ["jeannemartin", "Jeanne.Martin-1980", "martin1980jeanne!", "JeanneMartin80"]
        {
            assert_eq!(
                check_strength(personal, &me),
                Err(InputError::PasswordTooCommon),
                "{personal}"
            );
        }
        assert_eq!(check_strength("Jeanne aime les tempêtes de mars", &me), Ok(()));
        assert_eq!(check_strength("short", &[]), Err(InputError::PasswordTooShort));
        assert_eq!(check_strength(&"x".repeat(129), &[]), Err(InputError::PasswordTooLong));
        for strong in ["correct horse battery staple", "Vélo-rouge sous la pluie", "tq7#mW2!pLz9"]
        {
            assert_eq!(check_strength(strong, &[]), Ok(()), "{strong}");
        }
    }
}
