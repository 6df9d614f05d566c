//! The health profile: what a patient (and the professionals their profession allows) write
//! about the patient's health, section by section — blood group, allergies, conditions,
//! treatments, vaccinations, measurements over time, advance directives, organ-donation wish,
//! people to call. Every entry keeps who wrote it and when, and every edit is a new version:
//! nothing is overwritten without a trace. Its wire types and input rules, shared by the server
//! and the pages; no I/O.

use serde::{Deserialize, Serialize};

use crate::api::InputError;
use crate::api::record::AuthorInfo;
use crate::date::Date;
use crate::vocabulary::Section;

/// Longest free text of an entry field, in characters.
pub const TEXT_MAX_CHARS: usize = 200;
/// Longest advance directives, in characters.
pub const DIRECTIVES_MAX_CHARS: usize = 4000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AboGroup {
    A,
    B,
    Ab,
    O,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rhesus {
    Positive,
    Negative,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverity {
    Mild,
    Moderate,
    Severe,
    LifeThreatening,
}

/// What is measured, with the unit the value is in and the values that make sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementKind {
    /// kg
    Weight,
    /// cm
    Height,
    /// mmHg; `value` is the systolic pressure, `second` the diastolic.
    BloodPressure,
    /// beats per minute
    HeartRate,
    /// mmol/L
    Glucose,
    /// % of haemoglobin
    Hba1c,
    /// °C
    Temperature,
}

impl MeasurementKind {
    pub const ALL: [Self; 7] = [
        Self::Weight,
        Self::Height,
        Self::BloodPressure,
        Self::HeartRate,
        Self::Glucose,
        Self::Hba1c,
        Self::Temperature,
    ];

    pub fn unit(self) -> &'static str {
        match self {
            Self::Weight => "kg",
            Self::Height => "cm",
            Self::BloodPressure => "mmHg",
            Self::HeartRate => "/min",
            Self::Glucose => "mmol/L",
            Self::Hba1c => "%",
            Self::Temperature => "°C",
        }
    }

    /// Values a human body can show: anything outside is a typing error.
    pub fn plausible(self) -> std::ops::RangeInclusive<f64> {
        match self {
            Self::Weight => 0.2..=500.0,
            Self::Height => 20.0..=260.0,
            Self::BloodPressure => 30.0..=300.0,
            Self::HeartRate => 20.0..=300.0,
            Self::Glucose => 0.5..=60.0,
            Self::Hba1c => 2.0..=25.0,
            Self::Temperature => 25.0..=45.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DonationWish {
    /// Consents to donation (France presumes it; saying so helps the family).
    Yes,
    /// Refuses (in France, the national refusal register is what counts; this records it).
    No,
    /// Some organs only; the note says which.
    Some,
}

/// One entry of the profile. The section follows from the variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "section", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    BloodGroup {
        group: AboGroup,
        rhesus: Rhesus,
    },
    Allergy {
        substance: String,
        reaction: String,
        severity: AllergySeverity,
    },
    Condition {
        name: String,
        #[serde(default)]
        since: Option<String>,
        #[serde(default)]
        until: Option<String>,
    },
    Implant {
        /// What it is: "stimulateur cardiaque", "prothèse de hanche gauche".
        device: String,
        #[serde(default)]
        since: Option<String>,
        /// Make, model, MRI compatibility…
        #[serde(default)]
        note: String,
    },
    Treatment {
        substance: String,
        dose: String,
        #[serde(default)]
        prescriber: String,
        #[serde(default)]
        since: Option<String>,
        #[serde(default)]
        until: Option<String>,
    },
    Vaccination {
        vaccine: String,
        date: String,
        #[serde(default)]
        lot: String,
    },
    Measurement {
        kind: MeasurementKind,
        value: f64,
        #[serde(default)]
        second: Option<f64>,
        date: String,
    },
    AdvanceDirectives {
        text: String,
        date: String,
    },
    OrganDonation {
        wish: DonationWish,
        #[serde(default)]
        note: String,
    },
    EmergencyContact {
        name: String,
        relation: String,
        phone: String,
    },
}

impl Entry {
    pub fn section(&self) -> Section {
        match self {
            Self::BloodGroup { .. } => Section::BloodGroup,
            Self::Allergy { .. } => Section::Allergies,
            Self::Condition { .. } => Section::Conditions,
            Self::Implant { .. } => Section::Implants,
            Self::Treatment { .. } => Section::Treatments,
            Self::Vaccination { .. } => Section::Vaccinations,
            Self::Measurement { .. } => Section::Measurements,
            Self::AdvanceDirectives { .. } => Section::AdvanceDirectives,
            Self::OrganDonation { .. } => Section::OrganDonation,
            Self::EmergencyContact { .. } => Section::EmergencyContacts,
        }
    }

    /// Whether a treatment or condition is current on `today` (no end, or an end to come).
    pub fn is_current(&self, today: Date) -> bool {
        match self {
            Self::Treatment { until, .. } | Self::Condition { until, .. } => {
                until.as_deref().and_then(Date::parse).is_none_or(|until| until >= today)
            }
            _ => true,
        }
    }

    /// Checks every field; on the first bad one, says which and why. Trims texts in place.
    pub fn check(&mut self, today: Date) -> Result<(), (&'static str, InputError)> {
        match self {
            Self::BloodGroup { .. } => Ok(()),
            Self::Allergy { substance, reaction, .. } => {
                text(substance, "substance", true)?;
                text(reaction, "reaction", false)
            }
            Self::Condition { name, since, until } => {
                text(name, "name", true)?;
                period(since, until, today)
            }
            Self::Implant { device, since, note } => {
                text(device, "device", true)?;
                text(note, "note", false)?;
                period(since, &mut None, today)
            }
            Self::Treatment { substance, dose, prescriber, since, until } => {
                text(substance, "substance", true)?;
                text(dose, "dose", true)?;
                text(prescriber, "prescriber", false)?;
                // A treatment may be planned to end later; it cannot have started tomorrow.
                period(since, until, today)
            }
            Self::Vaccination { vaccine, date, lot } => {
                text(vaccine, "vaccine", true)?;
                text(lot, "lot", false)?;
                past_day(date, "date", today).map(drop)
            }
            Self::Measurement { kind, value, second, date } => {
                let range = kind.plausible();
                if !value.is_finite() || !range.contains(value) {
                    return Err(("value", InputError::ValueImplausible));
                }
                match (*kind, second) {
                    (MeasurementKind::BloodPressure, Some(diastolic))
                        if diastolic.is_finite() && (10.0..*value).contains(diastolic) => {}
                    (MeasurementKind::BloodPressure, _) => {
                        return Err(("second", InputError::ValueImplausible));
                    }
                    (_, None) => {}
                    (_, Some(_)) => return Err(("second", InputError::ValueImplausible)),
                }
                past_day(date, "date", today).map(drop)
            }
            Self::AdvanceDirectives { text: words, date } => {
                let trimmed = words.trim();
                if trimmed.is_empty()
                    || trimmed.chars().count() > DIRECTIVES_MAX_CHARS
                    || trimmed.chars().any(|c| c.is_control() && c != '\n')
                {
                    return Err(("text", InputError::TextInvalid));
                }
                *words = trimmed.to_owned();
                past_day(date, "date", today).map(drop)
            }
            Self::OrganDonation { note, .. } => text(note, "note", false),
            Self::EmergencyContact { name, relation, phone } => {
                text(name, "name", true)?;
                text(relation, "relation", false)?;
                let normalised = crate::api::validate::parse_contact(phone)
                    .ok()
                    .filter(|contact| matches!(contact, crate::api::validate::Contact::Phone(_)))
                    .ok_or(("phone", InputError::PhoneInvalid))?;
                *phone = normalised.as_str().to_owned();
                Ok(())
            }
        }
    }
}

fn text(
    value: &mut String,
    field: &'static str,
    required: bool,
) -> Result<(), (&'static str, InputError)> {
    let trimmed = value.trim();
    let bad = (required && trimmed.is_empty())
        || trimmed.chars().count() > TEXT_MAX_CHARS
        || trimmed.chars().any(char::is_control);
    if bad {
        return Err((field, InputError::TextInvalid));
    }
    *value = trimmed.to_owned();
    Ok(())
}

fn past_day(
    value: &mut String,
    field: &'static str,
    today: Date,
) -> Result<Date, (&'static str, InputError)> {
    let day = Date::parse(value)
        .filter(|day| day.year() >= 1900)
        .ok_or((field, InputError::DateInvalid))?;
    if day > today {
        return Err((field, InputError::DateInFuture));
    }
    *value = day.to_string();
    Ok(day)
}

fn period(
    since: &mut Option<String>,
    until: &mut Option<String>,
    today: Date,
) -> Result<(), (&'static str, InputError)> {
    let blank = |value: &mut Option<String>| {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    };
    blank(since);
    blank(until);
    let start = match since {
        Some(value) => Some(past_day(value, "since", today)?),
        None => None,
    };
    if let Some(value) = until {
        let end = Date::parse(value)
            .filter(|d| d.year() >= 1900)
            .ok_or(("until", InputError::DateInvalid))?;
        if start.is_some_and(|start| end < start) {
            return Err(("until", InputError::PeriodInvalid));
        }
        *value = end.to_string();
    }
    Ok(())
}

/// An entry as listed: its current version, and how many versions it has had.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryInfo {
    pub id: String,
    pub entry: Entry,
    pub version: u32,
    pub author: AuthorInfo,
    pub written_at: i64,
    pub created_at: i64,
    pub masked: bool,
    /// Ended or withdrawn by its author; kept in the history.
    pub removed: bool,
    /// What the asker may do with it besides reading (write a new version, mask), as the
    /// server's policy decided.
    #[serde(default)]
    pub allowed: Vec<crate::policy::Action>,
}

/// One version of an entry, for its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryVersion {
    pub version: u32,
    pub entry: Entry,
    pub author: AuthorInfo,
    pub written_at: i64,
}

/// `POST /api/records/{record}/profile` (a new entry) and `PUT …/profile/{entry}` (a new
/// version of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    pub entry: Entry,
    /// For a new version: the version the writer started from. If the entry changed since,
    /// nothing is written and the answer is a conflict (both versions can then be shown).
    #[serde(default)]
    pub base_version: Option<u32>,
}

/// The answer to writing an entry: the entry, and what the safety checks found (for a
/// treatment: interactions with the current treatments, and duplicates).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryWritten {
    pub entry: EntryInfo,
    #[serde(default)]
    pub interactions: Vec<crate::safety::interactions::Finding>,
    #[serde(default)]
    pub duplicates: Vec<crate::safety::interactions::Duplicate>,
}
