//! A record on the wire, shared by the server and the pages: documents, their deposit, pages and
//! exports, grants, and what the asker may do. The words they are written in (categories,
//! sections, domains, media types) are [`crate::vocabulary`]'s.

use serde::{Deserialize, Serialize};

use crate::vocabulary::{Category, Domain, MediaType, Section};

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

impl DepositRequest {
    /// A new document of `category` with nothing more said of it (no type, no domain, no
    /// flags, no substances).
    pub fn plain(
        title: String,
        category: Category,
        care_date: String,
        media_type: MediaType,
        size: u64,
    ) -> Self {
        Self {
            title,
            category,
            type_code: None,
            care_date,
            media_type,
            size,
            domain: None,
            replaces: None,
            hidden_from_representatives: false,
            awaiting_announcement: false,
            substances: Vec::new(),
        }
    }
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

/// Documents the home page shows, newest care first.
const RECENT_DOCUMENTS: usize = 3;

/// Where *Accueil* reads the record's newest documents.
pub fn recent_documents_path(record: &str) -> String {
    format!("/api/records/{record}/documents?limit={RECENT_DOCUMENTS}")
}

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

/// `GET /api/records/{record}/identity`: whom the record is of, as the health insurer names
/// them (its feed is matched on a verified INS only).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityInfo {
    pub ins: Option<crate::ins::Ins>,
    /// Who verified it, with the patient in front of them; `None` while it is only declared.
    pub verified: Option<IdentityVerification>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityVerification {
    /// The professional's name from the directory (or their RPPS if it no longer lists them).
    pub by: String,
    pub at: i64,
}

/// `PUT /api/records/{record}/identity`: the patient's side declares the INS, a professional
/// verifies it; `null` removes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdentityChange {
    pub ins: Option<String>,
}

/// `POST /api/records/{record}/import` (a FHIR R4 `Bundle`): what became of its resources.
/// Importing the same bundle again adds nothing (`already` counts what was there).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportReport {
    /// Profile entries and documents added.
    pub added: u32,
    /// Found already, from an earlier import of the same resources.
    pub already: u32,
    /// Resources Carnet does not model, kept whole in a text document of the record.
    pub kept: u32,
    /// What was not imported, and why.
    pub skipped: Vec<ImportSkip>,
    /// What the ANSM thesaurus finds of each imported treatment against the current ones (the
    /// others imported included), as when a treatment is added by hand.
    #[serde(default)]
    pub interactions: Vec<crate::safety::interactions::Finding>,
    #[serde(default)]
    pub duplicates: Vec<crate::safety::interactions::Duplicate>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportSkip {
    /// `AllergyIntolerance/3` or the entry's `fullUrl`.
    pub resource: String,
    pub reason: ImportSkipReason,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImportSkipReason {
    /// The importer may not write this part of the record.
    NotAllowed,
    /// A value Carnet would refuse from a person too (a date in the future, an empty name…), or
    /// what it must have is missing.
    Invalid,
    /// A document whose file is of a type Carnet does not keep, or is not in the bundle.
    UnsupportedFile,
    /// A document its author withdrew (`entered-in-error`).
    Withdrawn,
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
