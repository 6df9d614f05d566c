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
    pub fn associated_data(&self) -> Vec<u8> {
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
