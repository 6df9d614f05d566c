//! Share links for the emergency summary, in the manner of SMART Health Links. The patient's
//! browser encrypts the summary (and its IPS bundle) under a fresh key ([`super::jwe`]); the
//! server keeps only the ciphertext, a passcode's hash, the expiry and the counts. The link is
//! `…/urgence.html#shlink:/<payload>`, the payload naming the manifest URL and the key: the
//! fragment never reaches a server, so neither does the key.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::api::account::Secret;

/// Wrong passcodes a link survives in its whole life; the next kills it.
pub const PASSCODE_TRIES: u32 = 10;
/// Passcode length, in characters.
pub const PASSCODE_CHARS: std::ops::RangeInclusive<usize> = 4..=64;
/// A link lasts a year unless the patient chooses a shorter life.
pub const DEFAULT_DAYS: u32 = 365;
pub const MAX_DAYS: u32 = 365;
/// Live links a patient may hold at once.
pub const MAX_LIVE_LINKS: usize = 20;
/// Largest encrypted summary (or bundle) accepted.
pub const MAX_JWE_CHARS: usize = 96 * 1024;
/// The summary's media type in a manifest, and the bundle's.
pub const SUMMARY_TYPE: &str = "application/vnd.carnet.summary+json";
pub const FHIR_TYPE: &str = "application/fhir+json";

/// `POST /api/records/{record}/emergency-links`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// The summary, encrypted (JWE compact, `dir`/`A256GCM`).
    pub jwe: String,
    /// Its IPS bundle, encrypted under the same key.
    pub fhir_jwe: String,
    #[serde(default)]
    pub passcode: Option<Secret>,
    pub days: u32,
    /// Dies after its first view (a hand-over).
    #[serde(default)]
    pub single_use: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkCreated {
    pub id: String,
    /// Where a viewer asks for the files (`POST`).
    pub manifest_url: String,
    pub expires_at: i64,
}

/// A link as its patient lists it. `GET /api/records/{record}/emergency-links`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkInfo {
    pub id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub passcode: bool,
    pub single_use: bool,
    pub views: u32,
    /// Wrong passcodes so far.
    pub failures: u32,
    /// Still opens (not revoked, used up, expired or killed by wrong passcodes).
    pub live: bool,
}

/// `POST /api/shl/{id}`: a viewer asks for the files, naming itself (SMART Health Links).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRequest {
    pub recipient: String,
    #[serde(default)]
    pub passcode: Option<Secret>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    #[serde(rename = "contentType")]
    pub content_type: String,
    pub embedded: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub files: Vec<ManifestFile>,
}

/// Whether a text has the shape of a compact JWE with direct encryption (five base64url parts,
/// the second empty), of a sensible size. The server cannot check more: it has no key.
pub fn jwe_shaped(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    let base64url =
        |part: &str| part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    text.len() <= MAX_JWE_CHARS
        && parts.len() == 5
        && parts[1].is_empty()
        && [parts[0], parts[2], parts[3], parts[4]].iter().all(|p| !p.is_empty() && base64url(p))
}

/// The SMART Health Link payload (`shlink:/` + base64url of this JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub url: String,
    pub key: String,
    pub exp: i64,
    /// `P`: a passcode is needed; `LP` when it also lasts (more than a day); `U`: single use is
    /// ours, told by the server.
    pub flag: String,
    pub label: String,
    pub v: u32,
}

impl Payload {
    pub fn flag_for(passcode: bool, days: u32) -> String {
        let mut flag = String::new();
        if days > 1 {
            flag.push('L');
        }
        if passcode {
            flag.push('P');
        }
        flag
    }

    /// `shlink:/eyJ…`
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("shlink:/{}", URL_SAFE_NO_PAD.encode(json))
    }

    pub fn decode(text: &str) -> Option<Self> {
        let payload = text.rsplit("shlink:/").next()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}
