//! The professionals' directory as both sides see it: who a professional is (national
//! identifier, profession, specialty, place of practice). The server loads it from a file and is
//! the only source of a professional's profession: what a browser says about it is never read.

use leptos_i18n::I18nContext;
use serde::{Deserialize, Serialize};

use crate::i18n::{Locale, t_string};

/// What a person in the directory does. Access rights (a later, separate policy) follow from it.
/// An insurer agent is a role of its own: it may open a record for a patient who is present,
/// but it is not a health professional.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Profession {
    Physician,
    Midwife,
    Pharmacist,
    Nurse,
    Dentist,
    Physiotherapist,
    Podiatrist,
    SpeechTherapist,
    Orthoptist,
    Radiographer,
    Dietitian,
    Psychologist,
    InsurerAgent,
    /// The emergency call centre's regulation (SAMU, "centre 15"): reads a record only in
    /// break-glass, with a physician's reading rights, and deposits nothing.
    EmergencyCentre,
}

impl Profession {
    /// The translated name of the profession.
    pub fn label(self, i18n: I18nContext<Locale>) -> String {
        match self {
            Profession::Physician => t_string!(i18n, profession.physician),
            Profession::Midwife => t_string!(i18n, profession.midwife),
            Profession::Pharmacist => t_string!(i18n, profession.pharmacist),
            Profession::Nurse => t_string!(i18n, profession.nurse),
            Profession::Dentist => t_string!(i18n, profession.dentist),
            Profession::Physiotherapist => t_string!(i18n, profession.physiotherapist),
            Profession::Podiatrist => t_string!(i18n, profession.podiatrist),
            Profession::SpeechTherapist => t_string!(i18n, profession.speech_therapist),
            Profession::Orthoptist => t_string!(i18n, profession.orthoptist),
            Profession::Radiographer => t_string!(i18n, profession.radiographer),
            Profession::Dietitian => t_string!(i18n, profession.dietitian),
            Profession::Psychologist => t_string!(i18n, profession.psychologist),
            Profession::InsurerAgent => t_string!(i18n, profession.insurer_agent),
            Profession::EmergencyCentre => t_string!(i18n, profession.emergency_centre),
        }
        .to_string()
    }

    pub const ALL: [Self; 14] = [
        Self::Physician,
        Self::Midwife,
        Self::Pharmacist,
        Self::Nurse,
        Self::Dentist,
        Self::Physiotherapist,
        Self::Podiatrist,
        Self::SpeechTherapist,
        Self::Orthoptist,
        Self::Radiographer,
        Self::Dietitian,
        Self::Psychologist,
        Self::InsurerAgent,
        Self::EmergencyCentre,
    ];

    pub fn is_health_professional(self) -> bool {
        self != Self::InsurerAgent
    }

    /// The stable code used in files, the database and on the wire.
    pub fn code(self) -> &'static str {
        self.into()
    }

    pub fn from_code(code: &str) -> Option<Self> {
        code.parse().ok()
    }
}

/// A national professional identifier in the style of the RPPS: 11 digits, the last one a Luhn
/// check digit, so a mistyped number is caught before any lookup.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rpps(String);

impl Rpps {
    pub fn parse(input: &str) -> Option<Self> {
        let digits = input.trim();
        let well_formed = digits.len() == 11 && digits.bytes().all(|b| b.is_ascii_digit());
        (well_formed && luhn_valid(digits)).then(|| Self(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Rpps {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or("not an 11-digit identifier with a valid check digit")
    }
}

impl From<Rpps> for String {
    fn from(value: Rpps) -> Self {
        value.0
    }
}

impl std::fmt::Display for Rpps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A specialty code (`general_practice`, `psychiatry`, …): lower-case letters and underscores.
pub fn valid_specialty(code: &str) -> bool {
    (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// A professional as shown to people: the signed-in professional, the author of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Professional {
    pub rpps: Rpps,
    pub given_name: String,
    pub family_name: String,
    pub profession: Profession,
    pub specialty: Option<String>,
    pub place: String,
}
