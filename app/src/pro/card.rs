//! The card in the browser: open the card file with its PIN and sign the server's challenge.
//! PBKDF2 and ECDSA run in the browser's native WebCrypto (off the page's work, and the
//! private key is imported as non-extractable: script cannot read it back out); the sealed key
//! is opened with the same AES-256-GCM as the on-device cache.

use aes_gcm::{Aes256Gcm, KeyInit, aead::Aead, aead::Payload};
use base64::{Engine, engine::general_purpose::STANDARD};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

use crate::api::InputError;
use crate::api::pro::CardFile;

/// Why the card could not sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardFailure {
    /// Not a card file (wrong JSON, unknown format…).
    NotACard,
    /// The PIN does not open this card.
    WrongPin,
    /// The browser's cryptography failed (very old browser, or no secure context).
    Browser,
}

impl From<CardFailure> for InputError {
    fn from(failure: CardFailure) -> Self {
        match failure {
            CardFailure::NotACard | CardFailure::Browser => InputError::CardFileInvalid,
            CardFailure::WrongPin => InputError::PinWrong,
        }
    }
}

/// Reads a card file's text.
pub fn parse(text: &str) -> Result<CardFile, CardFailure> {
    let card: CardFile = serde_json::from_str(text).map_err(|_| CardFailure::NotACard)?;
    let sane = card.format == crate::api::pro::CARD_FORMAT
        && (100_000..=10_000_000).contains(&card.iterations);
    sane.then_some(card).ok_or(CardFailure::NotACard)
}

/// Opens `card` with `pin` and signs `message`: the 64-byte `r ‖ s` ECDSA P-256 signature.
pub async fn sign(card: &CardFile, pin: &str, message: &str) -> Result<Vec<u8>, CardFailure> {
    let subtle = subtle()?;
    let decode = |text: &str| STANDARD.decode(text).map_err(|_| CardFailure::NotACard);
    let salt = decode(&card.salt)?;
    let nonce: [u8; 12] = decode(&card.nonce)?.try_into().map_err(|_| CardFailure::NotACard)?;
    let sealed = decode(&card.sealed_key)?;

    let pin_key = import(&subtle, "raw", pin.as_bytes(), &"PBKDF2".into(), "deriveBits").await?;
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", Uint8Array::from(salt.as_slice()).into()),
        ("iterations", card.iterations.into()),
    ]);
    let bits =
        subtle.derive_bits_with_object(&params, &pin_key, 256).map_err(|_| CardFailure::Browser)?;
    let bits = JsFuture::from(bits).await.map_err(|_| CardFailure::Browser)?;
    let key = Zeroizing::new(Uint8Array::new(&bits).to_vec());

    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| CardFailure::Browser)?;
    let aad = card.associated_data();
    let private = Zeroizing::new(
        cipher
            .decrypt(&nonce.into(), Payload { msg: &sealed, aad: aad.as_bytes() })
            .map_err(|_| CardFailure::WrongPin)?,
    );

    let ecdsa = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
    let signing_key = import(&subtle, "pkcs8", &private, &ecdsa, "sign").await?;
    let params = object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]);
    let signature = subtle
        .sign_with_object_and_u8_array(&params, &signing_key, message.as_bytes())
        .map_err(|_| CardFailure::Browser)?;
    let signature = JsFuture::from(signature).await.map_err(|_| CardFailure::Browser)?;
    Ok(Uint8Array::new(&signature).to_vec())
}

fn subtle() -> Result<SubtleCrypto, CardFailure> {
    let window = web_sys::window().ok_or(CardFailure::Browser)?;
    Ok(window.crypto().map_err(|_| CardFailure::Browser)?.subtle())
}

/// Imports key material as a non-extractable key for one usage.
async fn import(
    subtle: &SubtleCrypto,
    format: &str,
    material: &[u8],
    algorithm: &JsValue,
    usage: &str,
) -> Result<CryptoKey, CardFailure> {
    let usages = Array::of1(&usage.into());
    let data = Uint8Array::from(material);
    let promise = match algorithm.as_string() {
        Some(name) => subtle.import_key_with_str(format, &data, &name, false, &usages),
        None => subtle.import_key_with_object(
            format,
            &data,
            algorithm.unchecked_ref::<Object>(),
            false,
            &usages,
        ),
    }
    .map_err(|_| CardFailure::Browser)?;
    let key = JsFuture::from(promise).await.map_err(|_| CardFailure::Browser)?;
    key.dyn_into::<CryptoKey>().map_err(|_| CardFailure::Browser)
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object
}
