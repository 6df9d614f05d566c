//! Emergency (break-glass) access and the patient's notifications on the wire: a break-glass
//! request and its reason's rules, the live session, the patient's view of the sessions on their
//! record and of their advance refusal, and the notifications with the channels they go out by.
//! The pages are `emergency`'s (the patient's side) and `pro`'s (the professional's).

use serde::{Deserialize, Serialize};

use crate::api::InputError;
use crate::directory::Professional;

/// Longest and shortest reason for a break-glass access, in characters.
pub const REASON_CHARS: std::ops::RangeInclusive<usize> = 10..=500;

/// The reason as stored: trimmed, of a sensible length, no control characters but line ends.
pub fn parse_reason(input: &str) -> Result<String, InputError> {
    let reason = input.trim();
    let clean = !reason.chars().any(|c| c.is_control() && c != '\n');
    if clean && REASON_CHARS.contains(&reason.chars().count()) {
        Ok(reason.to_owned())
    } else {
        Err(InputError::ReasonInvalid)
    }
}

/// `POST /api/pro/break-glass`: open the record of the patient with this identity, now.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
    pub reason: String,
}

/// A live break-glass session of the signed-in professional. `GET /api/pro/break-glass`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LiveBreakGlass {
    pub id: String,
    pub record_id: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub started_at: i64,
    /// Unix seconds: the access ends then, whatever happens.
    pub expires_at: i64,
}

/// A break-glass session as the patient (and the review list) sees it.
/// `GET /api/records/{record}/break-glass`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BreakGlassInfo {
    pub id: String,
    pub professional: Professional,
    pub reason: String,
    pub started_at: i64,
    /// When it ended or will end.
    pub until: i64,
    pub live: bool,
}

/// The patient's advance choice. `GET`/`PUT /api/records/{record}/break-glass-refusal`
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BreakGlassRefusal {
    pub refused: bool,
}

/// What a notification is about.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum NotificationKind {
    /// A professional opened the record in an emergency (to the patient).
    BreakGlass,
    /// A professional opened the record of one of the regular doctor's patients in an
    /// emergency (to the regular doctor).
    BreakGlassOfPatient,
    /// A professional added a document to the record (to the patient).
    DocumentDeposited,
    /// A professional read or changed the record for the first time (to the patient).
    FirstAccess,
    /// Someone signed in to the account from a device it never used (to its owner).
    NewDevice,
    /// Someone opened one of the patient's emergency-summary links (to the patient).
    EmergencyLinkViewed,
    /// The health insurer's feed added or corrected lines of the care history (to the patient).
    CareHistoryUpdated,
}

/// The kinds a patient may choose to receive outside the app too.
pub const CHOSEN_KINDS: [NotificationKind; 4] = [
    NotificationKind::DocumentDeposited,
    NotificationKind::FirstAccess,
    NotificationKind::NewDevice,
    NotificationKind::CareHistoryUpdated,
];

impl NotificationKind {
    /// Its stable code (`first_access`), as stored and sent.
    pub fn code(self) -> &'static str {
        self.into()
    }

    pub fn from_code(code: &str) -> Option<Self> {
        code.parse().ok()
    }
}

/// Which notifications also reach the patient by e-mail or SMS (and their legal
/// representatives). Every notification shows in the app; break-glass always goes out too.
/// `GET`/`PUT /api/records/{record}/notification-channels`
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    pub document_deposited: bool,
    pub first_access: bool,
    pub new_device: bool,
    pub emergency_link_viewed: bool,
    /// Choices stored before the care history existed leave it out: off.
    #[serde(default)]
    pub care_history_updated: bool,
}

impl Default for Channels {
    /// What protects the account goes out unless refused; each new document only if asked.
    fn default() -> Self {
        Self {
            document_deposited: false,
            first_access: true,
            new_device: true,
            emergency_link_viewed: true,
            care_history_updated: false,
        }
    }
}

impl Channels {
    /// Whether a notification of this kind goes out by message too.
    pub fn sends(self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::BreakGlass => true,
            NotificationKind::BreakGlassOfPatient => false,
            NotificationKind::DocumentDeposited => self.document_deposited,
            NotificationKind::FirstAccess => self.first_access,
            NotificationKind::NewDevice => self.new_device,
            NotificationKind::EmergencyLinkViewed => self.emergency_link_viewed,
            NotificationKind::CareHistoryUpdated => self.care_history_updated,
        }
    }

    /// The same, with one chosen kind set to `on` (break-glass cannot be turned off).
    pub fn with(mut self, kind: NotificationKind, on: bool) -> Self {
        match kind {
            NotificationKind::DocumentDeposited => self.document_deposited = on,
            NotificationKind::FirstAccess => self.first_access = on,
            NotificationKind::NewDevice => self.new_device = on,
            NotificationKind::EmergencyLinkViewed => self.emergency_link_viewed = on,
            NotificationKind::CareHistoryUpdated => self.care_history_updated = on,
            NotificationKind::BreakGlass | NotificationKind::BreakGlassOfPatient => {}
        }
        self
    }
}

/// `GET /api/notifications`: newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NotificationInfo {
    pub id: i64,
    pub kind: NotificationKind,
    /// Who acted, as people read it: "Anne Martin, médecin (Le Havre)".
    pub by: Option<Professional>,
    /// Whose record, for a professional's notification ("Jeanne Durand").
    pub patient: Option<String>,
    pub at: i64,
    pub read: bool,
}
