//! The entry form's fields, `a` to `e` and a choice, read as one entry of the profile and
//! filled from one. Pure, so the host tests it.

use crate::api::profile::{
    AboGroup, AllergySeverity, DonationWish, Entry, MeasurementKind, Rhesus,
};
use crate::vocabulary::Section;

/// A word of the vocabulary as the form's `<select>` holds it: its wire name.
pub fn code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub fn decode<T: serde::de::DeserializeOwned>(text: String) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text)).ok()
}

/// The entry the fields describe in the section `section` (its wire name), or `None` when the
/// section or a choice is missing or unknown. The server checks every field again.
pub fn build(section: &str, fields: [String; 6]) -> Option<Entry> {
    let [a, b, c, d, e, choice] = fields;
    let number = |text: String| text.trim().replace(',', ".").parse::<f64>().unwrap_or(f64::NAN);
    let optional = |text: String| Some(text).filter(|t| !t.trim().is_empty());
    Some(match decode::<Section>(section.to_owned())? {
        Section::BloodGroup => {
            Entry::BloodGroup { group: decode::<AboGroup>(a)?, rhesus: decode::<Rhesus>(b)? }
        }
        Section::Allergies => Entry::Allergy {
            substance: a,
            reaction: b,
            severity: decode::<AllergySeverity>(choice)?,
        },
        Section::Conditions => Entry::Condition { name: a, since: optional(b), until: optional(c) },
        Section::Implants => Entry::Implant { device: a, since: optional(b), note: c },
        Section::Treatments => Entry::Treatment {
            substance: a,
            dose: b,
            prescriber: c,
            since: optional(d),
            until: optional(e),
        },
        Section::Vaccinations => Entry::Vaccination { vaccine: a, date: b, lot: c },
        Section::Measurements => {
            let kind = decode::<MeasurementKind>(choice)?;
            let second = (kind == MeasurementKind::BloodPressure).then(|| number(b.clone()));
            Entry::Measurement { kind, value: number(a), second, date: c }
        }
        Section::AdvanceDirectives => Entry::AdvanceDirectives { text: a, date: b },
        Section::OrganDonation => {
            Entry::OrganDonation { wish: decode::<DonationWish>(choice)?, note: a }
        }
        Section::EmergencyContacts => Entry::EmergencyContact { name: a, relation: b, phone: c },
        Section::RegularDoctor => return None,
    })
}

/// The form's fields for an entry being edited: `a` to `e`, then the choice.
pub fn fill(entry: &Entry) -> [String; 6] {
    let text = |value: &str| value.to_owned();
    let date = |value: &Option<String>| value.clone().unwrap_or_default();
    let none = String::new;
    match entry {
        Entry::BloodGroup { group, rhesus } => {
            [code(group), code(rhesus), none(), none(), none(), none()]
        }
        Entry::Allergy { substance, reaction, severity } => {
            [text(substance), text(reaction), none(), none(), none(), code(severity)]
        }
        Entry::Condition { name, since, until } => {
            [text(name), date(since), date(until), none(), none(), none()]
        }
        Entry::Implant { device, since, note } => {
            [text(device), date(since), text(note), none(), none(), none()]
        }
        Entry::Treatment { substance, dose, prescriber, since, until } => {
            [text(substance), text(dose), text(prescriber), date(since), date(until), none()]
        }
        Entry::Vaccination { vaccine, date: on, lot } => {
            [text(vaccine), text(on), text(lot), none(), none(), none()]
        }
        Entry::Measurement { kind, value, second, date: on } => [
            value.to_string(),
            second.map(|s| s.to_string()).unwrap_or_default(),
            text(on),
            none(),
            none(),
            code(kind),
        ],
        Entry::AdvanceDirectives { text: words, date: on } => {
            [text(words), text(on), none(), none(), none(), none()]
        }
        Entry::OrganDonation { wish, note } => {
            [text(note), none(), none(), none(), none(), code(wish)]
        }
        Entry::EmergencyContact { name, relation, phone } => {
            [text(name), text(relation), text(phone), none(), none(), none()]
        }
    }
}
