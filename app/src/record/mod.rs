//! The vocabulary of a record, shared by the policy, the server and the pages: document
//! categories (the reference's), sections of the health profile, and the clinical domains that
//! make some items more sensitive than their category says.

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
    Treatments,
    Vaccinations,
    Measurements,
    AdvanceDirectives,
    OrganDonation,
    EmergencyContacts,
    RegularDoctor,
}

impl Section {
    pub const ALL: [Self; 10] = [
        Self::BloodGroup,
        Self::Allergies,
        Self::Conditions,
        Self::Treatments,
        Self::Vaccinations,
        Self::Measurements,
        Self::AdvanceDirectives,
        Self::OrganDonation,
        Self::EmergencyContacts,
        Self::RegularDoctor,
    ];
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

/// What an item of the record is: a document of a category, or an entry of a profile section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum Subject {
    Document(Category),
    Profile(Section),
}
