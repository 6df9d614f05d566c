//! The vocabulary of a record, shared by the policy, the server and the pages: document
//! categories (the reference's), sections of the health profile, and the clinical domains that
//! make some items more sensitive than their category says.

pub mod access;
mod access_history;
mod chronology;
pub mod documents;
pub mod filter;
mod finder;
pub mod history;
pub mod note;
mod page;
mod preview;
pub mod routes;
pub mod timeline;
pub mod upload;

pub use access_history::AccessHistory;
pub use chronology::{RecordChanged, TimelineSection, use_episodes};
pub use finder::DocumentFinder;
pub use page::{
    DocumentBrowse, DocumentSplit, deposit_forms, recent_documents_path, with_abilities,
};

use serde::{Deserialize, Serialize};

/// A document's category, as in the reference system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
}

/// A section of the health profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
        match self {
            Self::BloodGroup => "blood_group",
            Self::Allergies => "allergies",
            Self::Conditions => "conditions",
            Self::Implants => "implants",
            Self::Treatments => "treatments",
            Self::Vaccinations => "vaccinations",
            Self::Measurements => "measurements",
            Self::AdvanceDirectives => "advance_directives",
            Self::OrganDonation => "organ_donation",
            Self::EmergencyContacts => "emergency_contacts",
            Self::RegularDoctor => "regular_doctor",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|section| section.slug() == slug)
    }
}

/// A clinical domain that some professions do not see whatever the category (a dentist does not
/// read a psychiatric summary; a podiatrist does not read a delivery report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// The record itself: opening it in an emergency.
    Record,
}

/// The kinds of file a document may be. Checked on the real bytes (magic numbers), never on
/// what the browser or the file name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "text/plain")]
    Text,
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

/// `POST /api/records/{record}/uploads`: the description of a document about to be sent in
/// chunks. With `replaces`, a new version of that document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositRequest {
    pub title: String,
    pub category: Category,
    /// LOINC code of the document's type, when there is one (`11502-2`).
    #[serde(default)]
    pub type_code: Option<String>,
    /// `YYYY-MM-DD`: the day of the care the document is about.
    pub care_date: String,
    pub media_type: MediaType,
    /// Total size in bytes.
    pub size: u64,
    #[serde(default)]
    pub domain: Option<Domain>,
    #[serde(default)]
    pub replaces: Option<String>,
    /// A minor's confidential care: hidden from the legal representatives.
    #[serde(default)]
    pub hidden_from_representatives: bool,
    /// A result the patient reads only once the depositing professional has announced it.
    #[serde(default)]
    pub awaiting_announcement: bool,
    /// For a prescription or a dispensing: the substances it names, checked against the
    /// current treatments and kept (sealed) so that search finds the document by them.
    #[serde(default)]
    pub substances: Vec<String>,
}

/// Answer to a deposit request, and to `GET` on an upload: where a resumed upload starts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UploadStatus {
    pub upload_id: String,
    pub size: u64,
    pub received: u64,
    /// Largest chunk accepted by `PUT`.
    pub chunk_size: u64,
    /// The upload is a document already: an announcement sent again with the same idempotency
    /// key (an offline deposit whose answer was lost) has nothing left to send.
    #[serde(default)]
    pub finished: bool,
    /// When the deposit starts: exams of the same type already in the record within the
    /// type's window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeated: Vec<crate::safety::exams::RepeatedExam>,
    /// When a prescription's deposit starts: what the ANSM thesaurus finds of its substances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interactions: Vec<crate::safety::interactions::Prescribed>,
}

/// `GET /api/records/{record}/exams/repeated?category=…&type_code=…&care_date=…`: the check a
/// deposit form (or a prescription) runs before sending.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatedQuery {
    pub category: Category,
    pub type_code: String,
    pub care_date: String,
}

/// Who wrote a document, as people read it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthorInfo {
    Patient,
    Professional { rpps: String, name: String },
    Insurer,
}

/// A document as listed (its content is fetched separately).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocumentInfo {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub category: Category,
    pub domain: Option<Domain>,
    pub type_code: Option<String>,
    pub care_date: String,
    pub media_type: MediaType,
    pub size: u64,
    pub author: AuthorInfo,
    pub masked: bool,
    pub hidden_from_representatives: bool,
    /// Hidden from the patient until its author announces it.
    #[serde(default)]
    pub awaiting_announcement: bool,
    pub deposited_at: i64,
    pub withdrawn: bool,
    /// The care episodes it is tagged with (identifiers).
    #[serde(default)]
    pub episodes: Vec<String>,
    /// What the asker may do with it besides reading (withdraw, mask, announce), as the
    /// server's policy decided: the interface offers exactly these.
    #[serde(default)]
    pub allowed: Vec<crate::policy::Action>,
}

/// Documents on one page of the list: a phone's screen or two.
pub const DOCUMENTS_PER_PAGE: usize = 20;

/// `GET /api/records/{record}/documents/pages/{page}?<filter>`: one page of the list of
/// documents (newest care first, [`DOCUMENTS_PER_PAGE`] a page), as the filter narrows what the
/// asker may read. The server opens only what the page shows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DocumentPage {
    pub documents: Vec<DocumentInfo>,
    /// The page it is, from 1: the last one when the one asked for is past it.
    pub page: usize,
    /// How many pages the list has (at least one, maybe empty).
    pub pages: usize,
}

/// `GET /api/records/{record}/abilities`: what the asker may do on this record now, as the
/// server's policy decides with the server's access matrix. The pages offer exactly this (never
/// the built-in matrix, never a list kept by hand).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAbilities {
    /// The categories of document the asker may deposit.
    pub deposit: Vec<Category>,
    /// The profile sections the asker may add an entry to.
    pub write_sections: Vec<Section>,
    /// May deposit a result held back until announced.
    pub hold_back: bool,
    /// May deposit an item hidden from a minor's legal representatives.
    pub hide_from_representatives: bool,
    /// Decides who sees the record (grants, emergency links…).
    pub sharing: bool,
}

/// `PUT /api/records/{record}/grants/{rpps}`: give a professional access.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GrantRequest {
    pub scope: crate::policy::Scope,
    /// `YYYY-MM-DD`: the last day of access, if it ends.
    #[serde(default)]
    pub until: Option<String>,
}

/// A professional and where they stand with this patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantInfo {
    pub professional: crate::directory::Professional,
    pub consent: crate::policy::Consent,
    /// This professional is the patient's designated regular doctor.
    #[serde(default)]
    pub regular_doctor: bool,
}

/// `PUT /api/records/{record}/regular-doctor`: designate a physician of the directory as
/// regular doctor (médecin traitant), or none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegularDoctor {
    pub rpps: Option<String>,
}

/// `GET /api/records/{record}/export`: the record as the asker may read it, in one file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordExport {
    /// `carnet-export/1`
    pub format: String,
    pub exported_at: i64,
    pub documents: Vec<ExportedDocument>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportedDocument {
    #[serde(flatten)]
    pub info: DocumentInfo,
    /// The document's bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// How many documents of a category the asker may read. `GET /api/records/{record}/documents/counts`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: Category,
    pub count: u32,
}

/// A document of the record that a professional would not see, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct HiddenDocument {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub care_date: String,
    pub reason: crate::policy::Deny,
}

/// `GET /api/records/{record}/preview/{rpps}`: the record exactly as this professional would
/// see it now (the same policy, the same answer), and what they would not see, with the reason.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Preview {
    pub professional: crate::directory::Professional,
    pub documents: Vec<DocumentInfo>,
    pub hidden: Vec<HiddenDocument>,
    /// Profile sections they would read.
    pub profile: Vec<Section>,
}

/// `POST /api/records/{record}/documents/{id}/mask`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MaskRequest {
    pub masked: bool,
}

/// Longest document title.
pub const TITLE_MAX_CHARS: usize = 200;

/// A LOINC code: digits, a hyphen, a check digit (`11502-2`).
pub fn valid_loinc(code: &str) -> bool {
    let Some((number, check)) = code.split_once('-') else { return false };
    (1..=7).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && check.len() == 1
        && check.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_read_from_the_bytes() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n..."), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\nrest"), Some(MediaType::Png));
        assert_eq!(MediaType::sniff("Tension 12/8.\n".as_bytes()), Some(MediaType::Text));
        assert_eq!(MediaType::sniff(b"<script>\x00"), None);
        assert_eq!(MediaType::sniff(b"MZ\x90\x00"), None, "an executable is none of ours");
        assert!(!MediaType::Pdf.matches(b"<html>"));
        assert!(!MediaType::Text.matches(&[0xC3]), "broken UTF-8");
    }

    #[test]
    fn a_section_s_address_name_is_its_wire_name() {
        for section in Section::ALL {
            let wire = serde_json::to_value(section).unwrap();
            assert_eq!(wire.as_str(), Some(section.slug()));
            assert_eq!(Section::from_slug(section.slug()), Some(section));
        }
        assert_eq!(Section::from_slug("Allergies"), None);
        assert_eq!(Section::from_slug(""), None);
    }

    #[test]
    fn loinc_codes() {
        assert!(valid_loinc("11502-2"));
        assert!(valid_loinc("60591-5"));
        assert!(!valid_loinc("11502"));
        assert!(!valid_loinc("1150a-2"));
        assert!(!valid_loinc("11502-22"));
    }
}
