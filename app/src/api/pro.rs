//! The professional's side on the wire: the card file and its login, who is logged in and what
//! their profession may do, opening a record for a patient, and the patients they may open.
//! The pages are `pro`'s.

use serde::{Deserialize, Serialize};

use crate::api::account::{ConsentMethod, RepresentedKind};
use crate::directory::{Professional, Rpps};

/// Format tag of a card file; also part of what the sealed key is bound to.
pub const CARD_FORMAT: &str = "carnet-card/1";
/// PBKDF2-SHA256 rounds protecting a card file's key with its PIN (OWASP 2023: ≥ 600,000).
pub const CARD_PBKDF2_ROUNDS: u32 = 600_000;
/// PIN length, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;

/// A simulated professional card, as a file the professional keeps: the card's private key
/// (PKCS#8, ECDSA P-256) sealed with AES-256-GCM under a key derived from the card's PIN. The
/// server only ever holds the public key, in the directory.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CardFile {
    pub format: String,
    pub rpps: Rpps,
    pub iterations: u32,
    /// Base64 (standard, padded) of 16 random bytes.
    pub salt: String,
    /// Base64 of the 12-byte AES-GCM nonce.
    pub nonce: String,
    /// Base64 of the sealed PKCS#8 private key.
    pub sealed_key: String,
}

impl CardFile {
    /// The associated data the sealed key is bound to: a key moved into another card file
    /// (another identifier) does not open.
    pub fn associated_data(&self) -> String {
        format!("{}\n{}", self.format, self.rpps)
    }
}

pub fn valid_pin(pin: &str) -> bool {
    PIN_DIGITS.contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// What the card signs to log in: bound to this server's origin and to one fresh challenge,
/// so a signature is worth nothing anywhere else or a second time.
pub fn card_login_message(origin: &str, challenge: &str) -> String {
    format!("carnet-card-login/1\n{origin}\n{challenge}")
}

/// `POST /api/pro/challenge`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CardChallenge {
    pub challenge: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u32,
}

/// `POST /api/pro/login`: the card's ECDSA P-256 / SHA-256 signature of
/// [`card_login_message`], base64url (no padding) of its 64-byte `r ‖ s` form.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CardLogin {
    pub rpps: String,
    pub challenge: String,
    pub signature: String,
}

/// The signed-in professional. `GET /api/pro/me`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProMe {
    pub professional: Professional,
    pub csrf_token: String,
    /// What the server's access matrix gives this profession (and specialty).
    #[serde(default)]
    pub rights: ProfessionRights,
}

/// What the access matrix the server enforces (`--access-matrix`, or the built-in one) lets a
/// profession read and deposit anywhere; in a given record a grant narrows it further.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfessionRights {
    pub read: Vec<crate::vocabulary::Category>,
    pub deposit: Vec<crate::vocabulary::Category>,
    pub read_sections: Vec<crate::vocabulary::Section>,
    pub write_sections: Vec<crate::vocabulary::Section>,
    /// May open a record in an emergency.
    pub break_glass: bool,
}

/// `POST /api/pro/records`: open a record for an adult patient who is present. The account is
/// unusable until the patient activates it with a code sent to their contact.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenRecord {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
    pub contact: String,
}

/// `POST /api/pro/records/represented`: open the record of a minor or a protected adult, with
/// the consent of a legal representative who has their own active account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenRepresentedRecord {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub kind: RepresentedKind,
    /// The represented person's own contact, if they have one (empty: none).
    #[serde(default)]
    pub contact: String,
    pub representative_contact: String,
    pub consent: ConsentMethod,
}

/// A patient who granted the signed-in professional access. `GET /api/pro/patients`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PatientSummary {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    /// Not granted: reachable through this professional's live break-glass session, until then.
    #[serde(default)]
    pub emergency_until: Option<i64>,
}

/// `GET /api/pro/grant-code`: what a patient scans to grant this professional access.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantCode {
    /// `https://…/dossier?pro=RPPS`
    pub url: String,
    /// The QR code of `url`, as an SVG document.
    pub svg: String,
}

/// Answer to opening a record: where the activation notice went (partly hidden).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordOpened {
    pub notified: String,
}
