//! Proof that a professional holds their card. Behind [`CardAuthority`] so that a real card
//! middleware, or an OpenID Connect professional identity provider (whose ID token would carry
//! the challenge as its nonce), can replace the simulation without touching the login flow.
//!
//! The simulation: a card is an ECDSA P-256 key pair. The public key sits in the directory; the
//! private key lives in a card file, sealed with AES-256-GCM under a key derived from the PIN
//! (PBKDF2-SHA256, 600,000 rounds). The browser opens the file with the PIN and signs the
//! server's fresh challenge; the server checks the signature against the directory's key.

use aes_gcm::{Aes256Gcm, KeyInit, aead::Aead, aead::Payload};
use app::{
    api::pro::{CARD_FORMAT, CARD_PBKDF2_ROUNDS, CardFile},
    directory::Rpps,
};
use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use p256::{
    ecdsa::{Signature, SigningKey, VerifyingKey, signature::Verifier},
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey},
};
use zeroize::Zeroizing;

use crate::store::ProfessionalRecord;

#[async_trait]
pub trait CardAuthority: Send + Sync + 'static {
    /// Whether `proof` shows that the holder of `professional`'s card approved `message`.
    async fn verify(&self, professional: &ProfessionalRecord, message: &[u8], proof: &[u8])
    -> bool;
}

/// Cards simulated as key pairs whose public keys are in the directory.
pub struct SimulatedCards;

#[async_trait]
impl CardAuthority for SimulatedCards {
    async fn verify(
        &self,
        professional: &ProfessionalRecord,
        message: &[u8],
        proof: &[u8],
    ) -> bool {
        let Some(public_key) = &professional.public_key else { return false };
        let Ok(key) = VerifyingKey::from_public_key_der(public_key) else { return false };
        let Ok(signature) = Signature::from_slice(proof) else { return false };
        key.verify(message, &signature).is_ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the PIN must have 4 to 12 digits")]
    Pin,
    #[error("the card file does not open with this PIN, or is damaged")]
    Sealed,
    #[error("the card key could not be encoded")]
    Encoding,
}

/// A new card for `rpps`: the card file to hand to the professional, and the public key
/// (SubjectPublicKeyInfo, DER) to record in the directory.
pub fn issue(rpps: &Rpps, pin: &str) -> Result<(CardFile, Vec<u8>), CardError> {
    if !app::api::pro::valid_pin(pin) {
        return Err(CardError::Pin);
    }
    let signing_key = loop {
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
        if let Ok(key) = SigningKey::from_slice(bytes.as_slice()) {
            break key;
        }
    };
    let private = signing_key.to_pkcs8_der().map_err(|_| CardError::Encoding)?;
    let public = signing_key
        .verifying_key()
        .to_public_key_der()
        .map_err(|_| CardError::Encoding)?
        .into_vec();
    let salt: [u8; 16] = rand::random();
    let nonce: [u8; 12] = rand::random();
    let mut card = CardFile {
        format: CARD_FORMAT.to_owned(),
        rpps: rpps.clone(),
        iterations: CARD_PBKDF2_ROUNDS,
        salt: STANDARD.encode(salt),
        nonce: STANDARD.encode(nonce),
        sealed_key: String::new(),
    };
    let cipher = pin_cipher(pin, &salt, card.iterations);
    let aad = card.associated_data();
    let sealed = cipher
        .encrypt(&nonce.into(), Payload { msg: private.as_bytes(), aad: aad.as_bytes() })
        .map_err(|_| CardError::Encoding)?;
    card.sealed_key = STANDARD.encode(sealed);
    Ok((card, public))
}

/// Opens a card file with its PIN (what the browser does with WebCrypto; used by tests).
pub fn open(card: &CardFile, pin: &str) -> Result<SigningKey, CardError> {
    let decode = |text: &str| STANDARD.decode(text).map_err(|_| CardError::Sealed);
    let salt = decode(&card.salt)?;
    let nonce: [u8; 12] = decode(&card.nonce)?.try_into().map_err(|_| CardError::Sealed)?;
    let sealed = decode(&card.sealed_key)?;
    let cipher = pin_cipher(pin, &salt, card.iterations);
    let aad = card.associated_data();
    let private = Zeroizing::new(
        cipher
            .decrypt(&nonce.into(), Payload { msg: &sealed, aad: aad.as_bytes() })
            .map_err(|_| CardError::Sealed)?,
    );
    SigningKey::from_pkcs8_der(&private).map_err(|_| CardError::Sealed)
}

fn pin_cipher(pin: &str, salt: &[u8], iterations: u32) -> Aes256Gcm {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pin.as_bytes(), salt, iterations, key.as_mut());
    Aes256Gcm::new(key.as_ref().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::directory::{Profession, Professional};
    use p256::ecdsa::signature::Signer;

    fn record(public_key: Vec<u8>) -> ProfessionalRecord {
        ProfessionalRecord {
            professional: Professional {
                rpps: Rpps::parse("10000000009").unwrap(),
                given_name: "Anne".into(),
                family_name: "Martin".into(),
                profession: Profession::Physician,
                specialty: None,
                place: "Paris".into(),
            },
            public_key: Some(public_key),
            active: true,
        }
    }

    #[tokio::test]
    async fn an_issued_card_signs_and_its_key_in_the_directory_verifies() {
        let rpps = Rpps::parse("10000000009").unwrap();
        let (card, public) = issue(&rpps, "4321").unwrap();
        assert_eq!(card.iterations, 600_000);
        let key = open(&card, "4321").unwrap();
        let signature: Signature = key.sign(b"challenge");
        let stored = record(public);
        assert!(SimulatedCards.verify(&stored, b"challenge", &signature.to_bytes()).await);
        assert!(!SimulatedCards.verify(&stored, b"another", &signature.to_bytes()).await);
        assert!(!SimulatedCards.verify(&stored, b"challenge", &[0; 64]).await);
        assert!(!SimulatedCards.verify(&stored, b"challenge", b"short").await);
    }

    #[test]
    fn a_card_opens_only_with_its_pin_and_its_identifier() {
        let rpps = Rpps::parse("10000000009").unwrap();
        let (card, _) = issue(&rpps, "4321").unwrap();
        assert!(matches!(open(&card, "1234"), Err(CardError::Sealed)));
        let moved = CardFile { rpps: Rpps::parse("10001234565").unwrap(), ..card.clone() };
        assert!(matches!(open(&moved, "4321"), Err(CardError::Sealed)));
        assert!(matches!(issue(&rpps, "12"), Err(CardError::Pin)));
    }

    #[tokio::test]
    async fn another_cards_signature_does_not_verify() {
        let rpps = Rpps::parse("10000000009").unwrap();
        let (card, _) = issue(&rpps, "4321").unwrap();
        let (_, other_public) = issue(&rpps, "4321").unwrap();
        let signature: Signature = open(&card, "4321").unwrap().sign(b"m");
        assert!(!SimulatedCards.verify(&record(other_public), b"m", &signature.to_bytes()).await);
    }
}
