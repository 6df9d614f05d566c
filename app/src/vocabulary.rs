//! The words a record is written in, shared by the policy, the safety checks, the server and
//! the pages: document categories (the reference's), sections of the health profile, the
//! clinical domains that make some items more sensitive than their category says, the media
//! types a document may have, LOINC codes, and the folding that compares names whatever their
//! accents. Nothing here knows of the wire, the policy or a page.

use serde::{Deserialize, Serialize};

/// A document's category, as in the reference system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    Reports,
    Summaries,
    Imaging,
    LabResults,
    Prescriptions,
    Dispensing,
    CarePlans,
    Certificates,
    Reimbursement,
    PatientOwn,
    Administrative,
}

impl Category {
    pub const ALL: [Self; 11] = [
        Self::Reports,
        Self::Summaries,
        Self::Imaging,
        Self::LabResults,
        Self::Prescriptions,
        Self::Dispensing,
        Self::CarePlans,
        Self::Certificates,
        Self::Reimbursement,
        Self::PatientOwn,
        Self::Administrative,
    ];

    /// Whether a document of this category names medicines (a prescription, a dispensing): only
    /// those carry substances, checked for interactions with what the patient takes.
    pub fn names_medicines(self) -> bool {
        matches!(self, Self::Prescriptions | Self::Dispensing)
    }
}

/// The kind of a line of the care history (what the health insurer reimbursed): how the
/// history groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum CareKind {
    Consultation,
    /// A technical act (a nurse's care, physiotherapy, a procedure).
    Act,
    Pharmacy,
    Lab,
    Imaging,
    Hospital,
}

impl CareKind {
    pub const ALL: [Self; 6] =
        [Self::Consultation, Self::Act, Self::Pharmacy, Self::Lab, Self::Imaging, Self::Hospital];
}

/// A section of the health profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Section {
    BloodGroup,
    Allergies,
    Conditions,
    /// Implanted devices (pacemaker, prosthesis, stent…): an MRI or a defibrillator must know.
    Implants,
    Treatments,
    Vaccinations,
    Measurements,
    AdvanceDirectives,
    OrganDonation,
    EmergencyContacts,
    RegularDoctor,
}

impl Section {
    pub const ALL: [Self; 11] = [
        Self::BloodGroup,
        Self::Allergies,
        Self::Conditions,
        Self::Implants,
        Self::Treatments,
        Self::Vaccinations,
        Self::Measurements,
        Self::AdvanceDirectives,
        Self::OrganDonation,
        Self::EmergencyContacts,
        Self::RegularDoctor,
    ];

    /// Its name in addresses and on the wire (`allergies`, `blood_group`).
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        slug.parse().ok()
    }
}

/// A clinical domain that some professions do not see whatever the category (a dentist does not
/// read a psychiatric summary; a podiatrist does not read a delivery report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Domain {
    Psychiatry,
    Obstetrics,
    SexualHealth,
    Genetics,
}

impl Domain {
    pub const ALL: [Self; 4] =
        [Self::Psychiatry, Self::Obstetrics, Self::SexualHealth, Self::Genetics];
}

/// What an access question is about: an item of the record (a document of a category, or an
/// entry of a profile section), or a part of the record that is not an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum Subject {
    Document(Category),
    Profile(Section),
    /// Who may see the record: grants and blocks, emergency links, the notifications chosen, the
    /// advance refusal of emergency access, the preview of a professional's view.
    Sharing,
    /// One professional's access: granting, revoking, blocking or unblocking them, designating
    /// them as regular doctor.
    ProfessionalAccess {
        physician: bool,
        blocked: bool,
    },
    /// Who accessed the record, and when.
    AccessHistory,
    /// The emergency accesses to the record, with their reasons.
    BreakGlassReview,
    /// The care episodes that group items.
    Episodes,
    /// Whom the record is of, as the health insurer names them: the national health identifier
    /// (INS), declared by the patient's side or verified by a professional.
    Identity,
    /// The record itself: opening it in an emergency.
    Record,
}

/// The kinds of file a document may be. Checked on the real bytes (magic numbers), never on
/// what the browser or the file name says.
/// Named on the wire and in the store by its bare type (`text/plain`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
pub enum MediaType {
    #[serde(rename = "application/pdf")]
    #[strum(serialize = "application/pdf")]
    Pdf,
    #[serde(rename = "image/jpeg")]
    #[strum(serialize = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    #[strum(serialize = "image/png")]
    Png,
    #[serde(rename = "text/plain")]
    #[strum(serialize = "text/plain")]
    Text,
}

/// A media type's text without its parameters (`text/plain; charset=utf-8` is `text/plain`).
pub fn media_essence(media: &str) -> &str {
    media.split(';').next().unwrap_or("").trim()
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Text => "txt",
        }
    }

    /// Whether `content` really is of this type: the magic number for PDF, JPEG and PNG; for
    /// text, valid UTF-8 without control characters other than tab and line ends.
    pub fn matches(self, content: &[u8]) -> bool {
        match self {
            Self::Pdf => content.starts_with(b"%PDF-"),
            Self::Jpeg => content.starts_with(&[0xFF, 0xD8, 0xFF]),
            Self::Png => content.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Text => std::str::from_utf8(content)
                .is_ok_and(|text| !text.chars().any(|c| c.is_control() && !"\t\n\r".contains(c))),
        }
    }

    /// The type the bytes show, if any of ours.
    pub fn sniff(content: &[u8]) -> Option<Self> {
        [Self::Pdf, Self::Jpeg, Self::Png, Self::Text]
            .into_iter()
            .find(|kind| kind.matches(content))
    }
}

/// A LOINC code: digits, a hyphen, a check digit (`11502-2`).
pub fn valid_loinc(code: &str) -> bool {
    let Some((number, check)) = code.split_once('-') else { return false };
    (1..=7).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check.bytes().all(|b| b.is_ascii_digit())
}

/// Lower case without the accents of French and its neighbours, so that "echographie" finds
/// "Échographie".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            other => out.push(other),
        }
    }
    out
}
