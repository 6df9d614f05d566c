//! The emergency summary: what a responder must see at a glance, built from the health profile
//! by one pure function ([`summarize`]), in the shape of the International Patient Summary —
//! problems, allergies and medications always there (an empty one says why), immunisations,
//! results and advance directives when present, and what an emergency needs beyond the IPS:
//! blood group, organ-donation wish, people to call, the regular doctor; and the medicines the
//! pharmacy dispensed lately, marked so ([`dispensed_treatments`]). The patient sees
//! exactly this before sharing, and leaves out any item. [`fhir`] writes it as an IPS FHIR R4
//! bundle; [`jwe`] encrypts it for a share link.

pub mod card;
pub mod fhir;
pub mod jwe;
pub mod link;
pub mod routes;
mod share;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::api::care::CareLine;
use crate::api::profile::{Entry, EntryInfo, MeasurementKind};
use crate::date::Date;
use crate::directory::Professional;
use crate::safety::treatments;
use crate::vocabulary::fold;

/// The summary's format, in what a share link carries.
pub const SUMMARY_VERSION: u32 = 1;

/// A part of the summary, critical ones first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    BloodGroup,
    Allergies,
    Medications,
    Problems,
    /// Implanted devices (IPS "medical devices").
    Devices,
    AdvanceDirectives,
    OrganDonation,
    EmergencyContacts,
    Immunizations,
    Results,
}

impl Part {
    pub const ALL: [Self; 10] = [
        Self::BloodGroup,
        Self::Allergies,
        Self::Medications,
        Self::Problems,
        Self::Devices,
        Self::AdvanceDirectives,
        Self::OrganDonation,
        Self::EmergencyContacts,
        Self::Immunizations,
        Self::Results,
    ];

    /// The IPS requires these three, empty or not.
    pub fn required(self) -> bool {
        matches!(self, Self::Allergies | Self::Medications | Self::Problems)
    }

    /// The part an entry belongs to.
    pub fn of(entry: &Entry) -> Self {
        match entry {
            Entry::BloodGroup { .. } => Self::BloodGroup,
            Entry::Allergy { .. } => Self::Allergies,
            Entry::Treatment { .. } => Self::Medications,
            Entry::Condition { .. } => Self::Problems,
            Entry::Implant { .. } => Self::Devices,
            Entry::AdvanceDirectives { .. } => Self::AdvanceDirectives,
            Entry::OrganDonation { .. } => Self::OrganDonation,
            Entry::EmergencyContact { .. } => Self::EmergencyContacts,
            Entry::Vaccination { .. } => Self::Immunizations,
            Entry::Measurement { .. } => Self::Results,
        }
    }
}

/// Why a required part holds nothing (IPS `emptyReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyReason {
    /// Nothing recorded in the profile: not "none", unknown.
    NothingRecorded,
    /// Recorded, but the patient chose not to share it.
    Withheld,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryItem {
    /// The profile entry's identifier (what the patient leaves out).
    pub id: String,
    pub entry: Entry,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryPart {
    pub part: Part,
    pub items: Vec<SummaryItem>,
    #[serde(default)]
    pub empty: Option<EmptyReason>,
}

/// Whose summary it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientLine {
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`
    pub birth_date: String,
}

/// The emergency summary, as shared and as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub version: u32,
    pub patient: PatientLine,
    /// The day it was built (`YYYY-MM-DD`): a responder sees how fresh it is.
    pub as_of: String,
    /// Only the parts that have something, or are required.
    pub parts: Vec<SummaryPart>,
    #[serde(default)]
    pub regular_doctor: Option<Professional>,
}

impl Summary {
    pub fn part(&self, part: Part) -> Option<&SummaryPart> {
        self.parts.iter().find(|p| p.part == part)
    }
}

/// What may go in the summary: current entries, not removed; the latest measurement of each
/// kind; the latest advance directives, blood group and donation wish.
pub fn candidates(entries: &[EntryInfo], today: Date) -> Vec<&EntryInfo> {
    let mut out: Vec<&EntryInfo> = entries
        .iter()
        .filter(|info| !info.removed && info.entry.is_current(today))
        .filter(|info| !matches!(info.entry, Entry::Measurement { .. }))
        .collect();
    // Of a single-valued entry, the latest only.
    let single = |entry: &Entry| {
        matches!(
            entry,
            Entry::BloodGroup { .. }
                | Entry::AdvanceDirectives { .. }
                | Entry::OrganDonation { .. }
        )
    };
    out.sort_by_key(|info| std::cmp::Reverse(info.written_at));
    let mut seen = BTreeSet::new();
    out.retain(|info| !single(&info.entry) || seen.insert(Part::of(&info.entry)));
    for kind in MeasurementKind::ALL {
        let latest = entries
            .iter()
            .filter(|info| !info.removed)
            .filter_map(|info| match &info.entry {
                Entry::Measurement { kind: k, date, .. } if *k == kind => Some((date, info)),
                _ => None,
            })
            .max_by(|a, b| a.0.cmp(b.0).then(a.1.written_at.cmp(&b.1.written_at)));
        if let Some((_, info)) = latest {
            out.push(info);
        }
    }
    out
}

/// Whether an entry starts left out: a masked entry is one the patient keeps from
/// professionals, so it is not shared unless they put it back.
pub fn left_out_at_first(entries: &[EntryInfo]) -> BTreeSet<String> {
    entries.iter().filter(|info| info.masked).map(|info| info.id.clone()).collect()
}

/// The summary of the profile `entries` on `today`, without the items in `left_out`.
pub fn summarize(
    patient: PatientLine,
    entries: &[EntryInfo],
    regular_doctor: Option<Professional>,
    left_out: &BTreeSet<String>,
    today: Date,
) -> Summary {
    let candidates = candidates(entries, today);
    let parts = Part::ALL
        .into_iter()
        .filter_map(|part| {
            let of_part: Vec<&&EntryInfo> =
                candidates.iter().filter(|info| Part::of(&info.entry) == part).collect();
            let mut items: Vec<SummaryItem> = of_part
                .iter()
                .filter(|info| !left_out.contains(&info.id))
                .map(|info| SummaryItem { id: info.id.clone(), entry: info.entry.clone() })
                .collect();
            sort_items(part, &mut items);
            let empty = match (items.is_empty(), of_part.is_empty()) {
                (false, _) => None,
                (true, true) => Some(EmptyReason::NothingRecorded),
                (true, false) => Some(EmptyReason::Withheld),
            };
            (!items.is_empty() || part.required()).then_some(SummaryPart { part, items, empty })
        })
        .collect();
    Summary {
        version: SUMMARY_VERSION,
        patient,
        as_of: today.to_string(),
        parts,
        regular_doctor: regular_doctor.filter(|_| !left_out.contains(REGULAR_DOCTOR)),
    }
}

/// What the patient leaves out to keep the regular doctor off the summary.
pub const REGULAR_DOCTOR: &str = "regular_doctor";

/// What the patient leaves out to keep a dispensed medicine off the summary: `care:` and the
/// care line's identifier.
pub const DISPENSED_PREFIX: &str = "care:";

/// The medicines the pharmacy dispensed whose course runs on `today` (from the care history the
/// asker may read), as treatments the summary may include beside the profile's: marked as
/// dispensed in their dose (*délivré en pharmacie le …*), the latest dispense of each medicine,
/// none whose substance a current treatment of the profile already names. Each is known by its
/// care line ([`DISPENSED_PREFIX`]), so the patient leaves it out like an entry; a line they
/// masked starts left out, as a masked entry does.
pub fn dispensed_treatments(
    profile: &[EntryInfo],
    lines: &[CareLine],
    today: Date,
    english: bool,
) -> Vec<EntryInfo> {
    let typed: Vec<String> = profile
        .iter()
        .filter(|info| !info.removed && info.entry.is_current(today))
        .filter_map(|info| match &info.entry {
            Entry::Treatment { substance, .. } => Some(fold(substance.trim())),
            _ => None,
        })
        .collect();
    let mut newest: Vec<&CareLine> = crate::api::care::dispensed_lines(lines, today);
    newest.sort_by_key(|line| std::cmp::Reverse(line.date));
    let mut out: Vec<EntryInfo> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for line in newest {
        let named = line.substances.iter().any(|substance| typed.contains(&fold(substance)));
        if named || seen.contains(&fold(&line.label)) {
            continue;
        }
        seen.push(fold(&line.label));
        let until = treatments::course_end(line.date, line.days_supply);
        let dose = if english {
            format!("dispensed at the pharmacy on {}", line.date)
        } else {
            format!("délivré en pharmacie le {}", line.date)
        };
        out.push(EntryInfo {
            id: format!("{DISPENSED_PREFIX}{}", line.id),
            entry: Entry::Treatment {
                substance: line.label.clone(),
                dose,
                prescriber: line.prescriber.clone().unwrap_or_default(),
                since: Some(line.date.to_string()),
                until: Some(until.to_string()),
            },
            version: line.version,
            author: crate::api::record::AuthorInfo::Insurer,
            written_at: 0,
            created_at: 0,
            masked: line.masked,
            removed: false,
            allowed: Vec::new(),
        });
    }
    out
}

/// The most severe allergy first; the rest as entered.
fn sort_items(part: Part, items: &mut [SummaryItem]) {
    if part == Part::Allergies {
        items.sort_by_key(|item| match &item.entry {
            Entry::Allergy { severity, .. } => std::cmp::Reverse(*severity),
            _ => std::cmp::Reverse(crate::api::profile::AllergySeverity::Mild),
        });
    }
}
