//! Sealing of on-device records with AES-256-GCM, behind a two-function API: [`seal`] and
//! [`open`]. They pick the nonce themselves (96 random bits per write) and bind each record to
//! its identity ([`RecordId`]) as associated data, so a record copied under another user, store
//! or key, or read with another schema version, fails to open.
//!
//! This module must never log, print or return key material or plaintext in an error.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use zeroize::Zeroizing;

/// Length of the random nonce stored in front of every sealed record.
pub const NONCE_LEN: usize = 12;
/// Length of the GCM authentication tag at the end of every sealed record.
pub const TAG_LEN: usize = 16;
/// Separates these associated data from any other use of the same key.
const DOMAIN: &[u8] = b"carnet/cache/v1";

/// A 256-bit data key for the on-device cache.
///
/// Invariant: held in memory only while the cache is unlocked; no `Debug`, no `Serialize`; the
/// expanded key is zeroized on drop (aes-gcm's `zeroize` feature).
pub struct DataKey {
    cipher: Aes256Gcm,
}

impl DataKey {
    /// A fresh random key from the platform's CSPRNG (`crypto.getRandomValues` in a browser).
    pub fn generate() -> Self {
        let key = Aes256Gcm::generate_key(OsRng);
        Self { cipher: Aes256Gcm::new(&key) }
    }

    /// Rebuilds a key from raw bytes, e.g. after unwrapping it. The caller owns the bytes'
    /// secrecy: keep them in a `Zeroizing` buffer and drop them at once.
    pub fn danger_from_bytes(bytes: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)) }
    }
}

/// Where the data key sits, wrapped by the key derived from the device code.
pub fn wrap_id(user: &str) -> RecordId<'_> {
    RecordId { user, store: "keys", key: "device-code", schema_version: 1 }
}

/// Wraps the 32 bytes of a data key under `wrapping` (the key derived from the device code).
pub fn wrap(wrapping: &DataKey, user: &str, data_key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
    seal(wrapping, &wrap_id(user), data_key)
}

/// Unwraps a data key; a wrong device code fails here, like any altered byte.
pub fn unwrap(
    wrapping: &DataKey,
    user: &str,
    wrapped: &[u8],
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    let plain = open(wrapping, &wrap_id(user), wrapped)?;
    let mut out = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return Err(SealError);
    }
    out.copy_from_slice(&plain);
    Ok(out)
}

/// What a sealed record belongs to. Opening it under a different identity fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordId<'a> {
    /// The account the record belongs to.
    pub user: &'a str,
    /// The IndexedDB object store, e.g. `profile`, `documents`.
    pub store: &'a str,
    /// The record's key within that store.
    pub key: &'a str,
    /// Version of the record's encoding; bumping it makes old records unreadable, not misread.
    pub schema_version: u32,
}

impl RecordId<'_> {
    /// Unambiguous encoding: every variable field is length-prefixed, so no two identities share
    /// the same bytes.
    pub(crate) fn associated_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            DOMAIN.len() + 4 + 12 + self.user.len() + self.store.len() + self.key.len(),
        );
        out.extend_from_slice(DOMAIN);
        out.extend_from_slice(&self.schema_version.to_be_bytes());
        for field in [self.user, self.store, self.key] {
            // Record fields are short identifiers; a length beyond u32 cannot occur in a browser.
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        out
    }
}

/// The one error of this module: the record could not be sealed or opened. Deliberately
/// opaque — whether the key, the identity or the bytes were wrong is not told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealError;

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sealed record could not be processed")
    }
}

impl std::error::Error for SealError {}

/// Encrypts `plaintext` for the record `id`. Output: nonce ‖ ciphertext ‖ tag.
pub fn seal(key: &DataKey, id: &RecordId<'_>, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = id.associated_data();
    let ciphertext =
        key.cipher.encrypt(&nonce, Payload { msg: plaintext, aad: &aad }).map_err(|_| SealError)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Decrypts a record sealed by [`seal`] for the same `id`. The plaintext is zeroized on drop.
pub fn open(
    key: &DataKey,
    id: &RecordId<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let aad = id.associated_data();
    key.cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
        .map(Zeroizing::new)
        .map_err(|_| SealError)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: RecordId<'static> =
        RecordId { user: "patient-1", store: "profile", key: "allergies", schema_version: 1 };

    #[test]
    fn round_trip() {
        let key = DataKey::generate();
        let sealed = seal(&key, &ID, b"penicillin: anaphylaxis").unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + 23 + TAG_LEN);
        assert_eq!(&open(&key, &ID, &sealed).unwrap()[..], b"penicillin: anaphylaxis");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let key = DataKey::generate();
        let sealed = seal(&key, &ID, b"").unwrap();
        assert!(open(&key, &ID, &sealed).unwrap().is_empty());
    }

    #[test]
    fn ciphertext_does_not_contain_plaintext_and_nonces_differ() {
        let key = DataKey::generate();
        let text = b"blood group O negative";
        let a = seal(&key, &ID, text).unwrap();
        let b = seal(&key, &ID, text).unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN], "a nonce was reused");
        assert_ne!(a, b);
        assert!(!a.windows(text.len()).any(|w| w == text));
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = seal(&DataKey::generate(), &ID, b"x").unwrap();
        assert_eq!(open(&DataKey::generate(), &ID, &sealed), Err(SealError));
    }

    #[test]
    fn every_identity_field_is_bound() {
        let key = DataKey::generate();
        let sealed = seal(&key, &ID, b"x").unwrap();
        let others = [
            RecordId { user: "patient-2", ..ID },
            RecordId { store: "documents", ..ID },
            RecordId { key: "treatments", ..ID },
            RecordId { schema_version: 2, ..ID },
        ];
        for other in others {
            assert_eq!(open(&key, &other, &sealed), Err(SealError), "{other:?} opened");
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = RecordId { user: "ab", store: "c", ..ID };
        let b = RecordId { user: "a", store: "bc", ..ID };
        assert_ne!(a.associated_data(), b.associated_data());
    }

    #[test]
    fn any_flipped_bit_or_truncation_fails() {
        let key = DataKey::generate();
        let sealed = seal(&key, &ID, b"HbA1c 6.1 %").unwrap();
        for i in 0..sealed.len() {
            for bit in 0..8 {
                let mut bad = sealed.clone();
                bad[i] ^= 1 << bit;
                assert_eq!(open(&key, &ID, &bad), Err(SealError), "byte {i} bit {bit}");
            }
        }
        for len in 0..sealed.len() {
            assert_eq!(open(&key, &ID, &sealed[..len]), Err(SealError), "length {len}");
        }
    }

    #[test]
    fn a_wrapped_key_opens_only_with_its_code_and_user() {
        let data = [9u8; 32];
        let right = DataKey::danger_from_bytes(&[1u8; 32]);
        let wrapped = wrap(&right, "patient-1", &data).unwrap();
        assert_eq!(*unwrap(&right, "patient-1", &wrapped).unwrap(), data);
        assert!(unwrap(&DataKey::danger_from_bytes(&[2u8; 32]), "patient-1", &wrapped).is_err());
        assert!(unwrap(&right, "patient-2", &wrapped).is_err());
        let short = seal(&right, &wrap_id("patient-1"), &[0u8; 31]).unwrap();
        assert!(unwrap(&right, "patient-1", &short).is_err());
    }

    #[test]
    fn key_from_bytes_is_deterministic() {
        let bytes = [7u8; 32];
        let sealed = seal(&DataKey::danger_from_bytes(&bytes), &ID, b"x").unwrap();
        assert_eq!(&open(&DataKey::danger_from_bytes(&bytes), &ID, &sealed).unwrap()[..], b"x");
    }
}
