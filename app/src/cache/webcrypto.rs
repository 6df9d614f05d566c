//! The browser's own crypto (`crypto.subtle`), for what it does better than code in WebAssembly:
//! the slow key derivation that turns the device code into the key wrapping the data key
//! (PBKDF2-SHA256, [`PBKDF2_ROUNDS`] rounds, native speed, off the page's thread), and AES-256-GCM
//! on large records (see `scripts/bench-cache.sh`: several times faster than the aes-gcm crate
//! on a megabyte).
//!
//! The sealed format is the one of [`super::crypto::seal`] (nonce ‖ ciphertext ‖ tag, same
//! associated data), so a record sealed by one opens with the other.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

use super::crypto::{NONCE_LEN, RecordId, SealError, TAG_LEN};

/// PBKDF2-SHA256 rounds for the device code: OWASP's 2023 figure for this hash.
pub const PBKDF2_ROUNDS: u32 = 600_000;

fn subtle() -> Result<SubtleCrypto, SealError> {
    Ok(web_sys::window().ok_or(SealError)?.crypto().map_err(|_| SealError)?.subtle())
}

fn object(fields: &[(&str, &JsValue)]) -> Result<Object, SealError> {
    let out = Object::new();
    for (name, value) in fields {
        Reflect::set(&out, &JsValue::from_str(name), value).map_err(|_| SealError)?;
    }
    Ok(out)
}

async fn promise(result: Result<js_sys::Promise, JsValue>) -> Result<JsValue, SealError> {
    JsFuture::from(result.map_err(|_| SealError)?).await.map_err(|_| SealError)
}

/// Derives 32 bytes from `secret` and `salt` with PBKDF2-SHA256. The copy of the secret handed
/// to the browser is overwritten as soon as the derivation has it.
pub async fn pbkdf2(
    secret: &str,
    salt: &[u8],
    rounds: u32,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    let subtle = subtle()?;
    let raw = Uint8Array::from(secret.as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let imported = promise(subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages)).await;
    raw.fill(0, 0, raw.length());
    let base: CryptoKey = imported?.unchecked_into();
    let params = object(&[
        ("name", &JsValue::from_str("PBKDF2")),
        ("hash", &JsValue::from_str("SHA-256")),
        ("salt", &Uint8Array::from(salt).into()),
        ("iterations", &JsValue::from(rounds)),
    ])?;
    let bits =
        Uint8Array::new(&promise(subtle.derive_bits_with_object(&params, &base, 256)).await?);
    let mut out = Zeroizing::new([0u8; 32]);
    if bits.length() != 32 {
        return Err(SealError);
    }
    bits.copy_to(&mut out[..]);
    bits.fill(0, 0, 32);
    Ok(out)
}

/// A data key imported into the browser: not extractable, usable only to encrypt and decrypt.
#[derive(Clone)]
pub struct NativeKey(CryptoKey);

impl NativeKey {
    pub async fn import(bytes: &[u8; 32]) -> Result<Self, SealError> {
        let subtle = subtle()?;
        let raw = Uint8Array::from(&bytes[..]);
        let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
        let key = promise(subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &usages)).await;
        raw.fill(0, 0, 32);
        Ok(Self(key?.unchecked_into()))
    }
}

fn gcm_params(nonce: &[u8], aad: &[u8]) -> Result<Object, SealError> {
    object(&[
        ("name", &JsValue::from_str("AES-GCM")),
        ("iv", &Uint8Array::from(nonce).into()),
        ("additionalData", &Uint8Array::from(aad).into()),
        ("tagLength", &JsValue::from(128)),
    ])
}

/// [`super::crypto::seal`], by the browser.
pub async fn seal(
    key: &NativeKey,
    id: &RecordId<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|_| SealError)?;
    let params = gcm_params(&nonce, &id.associated_data())?;
    let data = Uint8Array::from(plaintext);
    let sealed =
        promise(subtle()?.encrypt_with_object_and_buffer_source(&params, &key.0, &data)).await;
    data.fill(0, 0, data.length());
    let sealed = Uint8Array::new(&sealed?);
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.length() as usize);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed.to_vec());
    Ok(out)
}

/// [`super::crypto::open`], by the browser.
pub async fn open(
    key: &NativeKey,
    id: &RecordId<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(SealError);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let params = gcm_params(nonce, &id.associated_data())?;
    let data = Uint8Array::from(body);
    let plain =
        promise(subtle()?.decrypt_with_object_and_buffer_source(&params, &key.0, &data)).await?;
    let plain = Uint8Array::new(&plain);
    let out = Zeroizing::new(plain.to_vec());
    plain.fill(0, 0, plain.length());
    Ok(out)
}
