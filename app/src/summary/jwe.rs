//! JWE compact serialisation with direct encryption under a shared 256-bit key
//! (`{"alg":"dir","enc":"A256GCM"}`, RFC 7516 / RFC 7518), as SMART Health Links use it: the
//! summary is encrypted in the patient's browser, the server keeps only the result, and the key
//! travels in the link's fragment alone. Five parts: protected header, an empty encrypted key,
//! the 96-bit IV, the ciphertext, the 128-bit tag; the associated data are the ASCII of the
//! encoded header.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// `{"alg":"dir","enc":"A256GCM"}`, fixed: nothing to negotiate.
const HEADER: &str = r#"{"alg":"dir","enc":"A256GCM"}"#;
pub const KEY_LEN: usize = 32;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Largest JWE accepted to open (a summary is a few kilobytes).
pub const MAX_JWE_BYTES: usize = 512 * 1024;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    /// Not five parts, bad base64, another algorithm, a wrong key or a changed byte: all the same.
    #[error("the encrypted summary cannot be opened")]
    Unreadable,
}

/// A fresh random key (the platform's CSPRNG), in a buffer wiped on drop.
pub fn new_key() -> Zeroizing<[u8; KEY_LEN]> {
    let key = Aes256Gcm::generate_key(OsRng);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    out.copy_from_slice(&key);
    out
}

/// The key as a link carries it (base64url, 43 characters).
pub fn encode_key(key: &[u8; KEY_LEN]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

pub fn decode_key(text: &str) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(text).ok()?);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    (bytes.len() == KEY_LEN).then(|| out.copy_from_slice(&bytes))?;
    Some(out)
}

/// Encrypts `plaintext` under `key` with a fresh random IV.
pub fn encrypt(key: &[u8; KEY_LEN], plaintext: &[u8]) -> String {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let iv = Aes256Gcm::generate_nonce(OsRng);
    let header = URL_SAFE_NO_PAD.encode(HEADER);
    let sealed = cipher
        .encrypt(&iv, Payload { msg: plaintext, aad: header.as_bytes() })
        .expect("AES-GCM encrypts any message under 64 GiB");
    let (ciphertext, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    format!(
        "{header}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(ciphertext),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// Decrypts a compact JWE made by [`encrypt`] (or any `dir`/`A256GCM` one).
pub fn decrypt(key: &[u8; KEY_LEN], jwe: &str) -> Result<Zeroizing<Vec<u8>>, JweError> {
    if jwe.len() > MAX_JWE_BYTES {
        return Err(JweError::Unreadable);
    }
    let parts: Vec<&str> = jwe.split('.').collect();
    let [header, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(JweError::Unreadable);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| JweError::Unreadable);
    let fields: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| JweError::Unreadable)?;
    let supported = fields["alg"] == "dir" && fields["enc"] == "A256GCM";
    let (iv, mut sealed, tag) = (decode(iv)?, decode(ciphertext)?, decode(tag)?);
    if !supported || !encrypted_key.is_empty() || iv.len() != IV_LEN || tag.len() != TAG_LEN {
        return Err(JweError::Unreadable);
    }
    sealed.extend_from_slice(&tag);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher
        .decrypt(Nonce::from_slice(&iv), Payload { msg: &sealed, aad: header.as_bytes() })
        .map(Zeroizing::new)
        .map_err(|_| JweError::Unreadable)
}
