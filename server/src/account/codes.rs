//! One-time codes: 6 digits from a CSPRNG, bound to one attempt by a random challenge,
//! valid 10 minutes, single use, at most 5 tries. Only digests are stored: the challenge's, and
//! the code's bound to its challenge.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

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

/// Compares two digests without an early exit.
pub fn digests_match(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;
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
