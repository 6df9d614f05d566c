//! The contract between the browser and the server, shared by both: what each request and
//! answer carries ([`account`], [`record`], [`filter`], [`timeline`], [`history`], [`profile`],
//! [`emergency`], [`pro`]), the input rules both apply ([`validate`]), the headers, and what
//! every refusal looks like on the wire (the server writes it; the interface translates its code
//! into a sentence). Below the pages and the offline copy, above the pure core (policy,
//! vocabulary, dates): it imports no page.

pub mod account;
pub mod care;
pub mod emergency;
pub mod filter;
pub mod history;
pub mod pro;
pub mod profile;
pub mod record;
pub mod timeline;
pub mod validate;

use serde::{Deserialize, Serialize};

/// The header that carries the session's CSRF token on every unsafe request.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The header that makes a write safe to send again: the same key, the same effect, once.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// A query string (`?name=value&…`) of `pairs`, form-encoded as the server's `Query` extractor
/// reads it; empty when there is no pair.
pub fn query_string<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    if query.is_empty() { query } else { format!("?{query}") }
}

/// Why an input was refused. Serialised as a stable code the interface translates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputError {
    ContactInvalid,
    NameMissing,
    NameTooLong,
    NameInvalid,
    BirthDateInvalid,
    BirthDateInFuture,
    Minor,
    /// Said to be a minor, but of age.
    NotAMinor,
    /// Said to be an adult (a protected adult), but a minor.
    NotAnAdult,
    PasswordTooShort,
    PasswordTooLong,
    PasswordTooCommon,
    CodeInvalid,
    /// The chosen file is not a card file (checked in the browser).
    CardFileInvalid,
    PinInvalid,
    /// The PIN does not open the card file (checked in the browser).
    PinWrong,
    /// The bytes are not of an accepted document type.
    MediaType,
    TooLarge,
    TitleInvalid,
    TypeCodeInvalid,
    DateInFuture,
    /// The person chosen does not have the profession this needs (a regular doctor is a
    /// physician).
    NotForProfession,
    /// An emergency access needs a reason of 10 to 500 characters.
    ReasonInvalid,
    /// Not a day of the calendar (`YYYY-MM-DD`).
    DateInvalid,
    /// The period ends before it starts.
    PeriodInvalid,
    /// A search of more than 100 characters, or with control characters.
    QueryInvalid,
    /// A measurement no human body shows (a typing error).
    ValueImplausible,
    /// A text left empty, too long, or with control characters.
    TextInvalid,
    /// Not a phone number.
    PhoneInvalid,
    /// A new version of an entry must stay in its section.
    SectionChanged,
    /// Not a national health identifier (INS): 15 characters whose key does not check.
    InsInvalid,
}

/// A stable machine-readable reason. The interface has a translated sentence for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No such resource.
    NotFound,
    /// The request could not be read (not JSON, missing field, too large…).
    BadRequest,
    /// A field is malformed; `field` says which and `input` why.
    Input,
    /// Wrong identifier or password — deliberately the same answer for both.
    BadCredentials,
    /// Wrong code; `attempts_left` says how many tries remain.
    BadCode,
    /// The code expired, was used, or belongs to another attempt: start again.
    CodeExpired,
    /// Too many failures: wait `retry_after` seconds.
    TooManyAttempts,
    /// Not signed in, or the session ended.
    Unauthenticated,
    /// The request lacks its CSRF token or comes from another site.
    Forbidden,
    /// Understood and allowed to ask, but refused by a rule; `reason` says which.
    Refused,
    /// The service cannot answer now; nothing was changed.
    Unavailable,
    /// Something broke on the server; nothing was changed.
    Internal,
}

/// The JSON body of every refused API request.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Refusal>,
    /// When the access policy refused: its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied: Option<crate::policy::Deny>,
}

/// Why a well-formed request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The signed-in person does not represent that person (or no longer does).
    NotRepresented,
    /// A record already exists for this contact.
    RecordExists,
    /// The legal representative's contact belongs to no active account: they sign up first.
    RepresentativeUnknown,
    /// The record is closed: reopen it first.
    RecordClosed,
    /// The access policy refused; `denied` says why.
    NotAllowed,
    /// The upload is not complete, or its bytes are not of the announced type.
    UploadIncomplete,
    /// The document was withdrawn by its author.
    Withdrawn,
    /// More than one record matches the identity given: ask for another detail.
    IdentityAmbiguous,
    /// Someone changed this since the writer read it; nothing was written.
    Conflict,
    /// The patient has as many live emergency links as allowed: withdraw one first.
    TooManyLinks,
    /// This national health identifier is already verified on another record.
    InsTaken,
}

impl ErrorBody {
    pub fn new(error: ErrorCode) -> Self {
        Self {
            error,
            field: None,
            input: None,
            attempts_left: None,
            retry_after: None,
            reason: None,
            denied: None,
        }
    }
}
