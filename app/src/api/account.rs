//! Accounts on the wire: what crosses between the browser and the server when a person signs up,
//! activates their account, logs in with a one-time code, manages who they represent and logs out.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// A password or a code on its way to the server. Never printed: `Debug` is redacted, and the
/// memory is wiped on drop.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must use it (hashing, comparing, sending).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// `POST /api/account/signup`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignupRequest {
    pub contact: String,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
    pub password: Secret,
}

/// `POST /api/account/login`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    pub contact: String,
    pub password: Secret,
}

/// Answer to sign-up and to the password step of login: a code was sent (or, to avoid telling
/// whether an account exists, is said to have been sent) and must be given back with this
/// challenge, which binds the code to this attempt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeSent {
    pub challenge: String,
    /// Where the code went, partly hidden (`j•••@example.fr`); empty for an authenticator app.
    pub sent_to: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u32,
    #[serde(default)]
    pub method: CodeMethod,
}

/// Where the code to type comes from.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CodeMethod {
    /// Sent by e-mail or SMS.
    #[default]
    Message,
    /// Shown by the person's authenticator app (TOTP).
    Authenticator,
}

/// `POST /api/account/recover`: a code to set a new password is sent to the contact (if it
/// belongs to an account; the answer is the same either way).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecoverRequest {
    pub contact: String,
}

/// `POST /api/account/recover/finish`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecoverFinish {
    pub challenge: String,
    pub code: Secret,
    pub new_password: Secret,
}

/// `POST /api/account/password`, signed in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: Secret,
    pub new_password: Secret,
}

/// `POST /api/account/totp/setup`: proof that the person setting an authenticator up is the
/// account's owner, not whoever holds a session: the password, and the current authenticator's
/// code when one is on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TotpSetupRequest {
    pub current_password: Secret,
    #[serde(default)]
    pub current_code: Option<Secret>,
}

/// The answer to `POST /api/account/totp/setup`: what the authenticator app needs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TotpSetup {
    /// `otpauth://totp/…` for apps that open links or read it from a QR code.
    pub uri: String,
    /// The secret in base32, to type in by hand.
    pub secret: String,
}

/// `POST /api/account/totp/enable`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TotpConfirm {
    pub code: Secret,
}

/// `POST /api/account/activate` and `POST /api/account/login/code`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeRequest {
    pub challenge: String,
    pub code: Secret,
}

/// The signed-in person, as the interface shows them. `GET /api/account/me`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Me {
    /// The person's own record (`/api/records/{id}/…`).
    #[serde(default)]
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub birth_date: String,
    pub contact: String,
    /// Whether login asks for the authenticator app's code instead of sending one.
    #[serde(default)]
    pub totp_enabled: bool,
    /// Token to send back in the `x-csrf-token` header of every state-changing request.
    pub csrf_token: String,
    /// Set when the person closed their record: it is archived until `retained_until`.
    #[serde(default)]
    pub closed: Option<Closed>,
    /// The people this person represents now (minors, protected adults).
    #[serde(default)]
    pub represents: Vec<Represented>,
    /// Whose record this session manages, when it is not the person's own.
    #[serde(default)]
    pub acting_for: Option<Represented>,
}

/// A closed record's dates (`YYYY-MM-DD`, UTC).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Closed {
    pub closed_on: String,
    pub retained_until: String,
    /// Set when the person asked for erasure: the day it happens.
    pub erasure_on: Option<String>,
}

/// Someone a representative manages the record of.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Represented {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub kind: RepresentedKind,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum RepresentedKind {
    Minor,
    ProtectedAdult,
}

/// How the legal representative's consent was given, as the professional records it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum ConsentMethod {
    InPerson,
    Written,
    CourtDecision,
}

/// `POST /api/account/acting-for`: manage the record of someone represented, or (`None`) go
/// back to one's own.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActingFor {
    pub account_id: Option<String>,
}

/// `POST /api/account/representation/withdraw`: a representative gives up the role.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WithdrawRepresentation {
    pub account_id: String,
}

/// `POST /api/account/contact`: a new e-mail address or mobile number, proven by a code sent
/// to it before it replaces the old one. The password is asked again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContactChange {
    pub contact: String,
    pub password: Secret,
}

/// `POST /api/account/reopen`: reopening needs the password again, like closing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReopenRequest {
    pub password: Secret,
}

/// `POST /api/account/close`: closing or asking for erasure needs the password again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseRequest {
    pub password: Secret,
    /// Also erase the record once the configured delay has passed.
    #[serde(default)]
    pub erase: bool,
}
