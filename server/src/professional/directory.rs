//! The directory file that `carnet directory import` loads: JSON, in the shape
//! `{"format": "carnet-directory/1", "professionals": [{rpps, given_name, family_name,
//! profession, specialty, place}, …]}`. Every entry is checked; one bad entry refuses the whole
//! file with its position, so a half-loaded directory never happens.

use std::collections::HashSet;

use app::{
    api::validate,
    directory::{Profession, Professional, Rpps, valid_specialty},
};
use serde::Deserialize;

pub const FORMAT: &str = "carnet-directory/1";
/// Longest place of practice accepted.
const PLACE_MAX_CHARS: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    professionals: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rpps: String,
    given_name: String,
    family_name: String,
    profession: String,
    #[serde(default)]
    specialty: Option<String>,
    place: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    #[error("not a directory file: {0}")]
    Json(String),
    #[error("unknown format {0:?}; expected {FORMAT:?}")]
    Format(String),
    #[error("entry {index}: {problem}")]
    Entry { index: usize, problem: String },
}

pub fn parse(text: &str) -> Result<Vec<Professional>, DirectoryError> {
    let file: File =
        serde_json::from_str(text).map_err(|error| DirectoryError::Json(error.to_string()))?;
    if file.format != FORMAT {
        return Err(DirectoryError::Format(file.format));
    }
    let mut seen = HashSet::new();
    file.professionals
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let index = i + 1;
            let problem = |problem: String| DirectoryError::Entry { index, problem };
            let rpps = Rpps::parse(&entry.rpps).ok_or_else(|| {
                problem(format!(
                    "identifier {:?} is not 11 digits with a valid check digit",
                    entry.rpps
                ))
            })?;
            if !seen.insert(rpps.clone()) {
                return Err(problem(format!("identifier {rpps} appears twice")));
            }
            let name = |value: &str, what: &str| {
                validate::parse_name(value)
                    .map_err(|_| problem(format!("{what} is missing or not a name")))
            };
            let profession = Profession::from_code(&entry.profession)
                .ok_or_else(|| problem(format!("unknown profession {:?}", entry.profession)))?;
            let specialty = match entry.specialty.filter(|s| !s.is_empty()) {
                Some(code) if !valid_specialty(&code) => {
                    return Err(problem(format!(
                        "specialty {code:?} is not a code like general_practice"
                    )));
                }
                specialty => specialty,
            };
            let place = entry.place.trim().to_owned();
            if place.is_empty()
                || place.chars().count() > PLACE_MAX_CHARS
                || place.chars().any(char::is_control)
            {
                return Err(problem(format!(
                    "place must be 1 to {PLACE_MAX_CHARS} printable characters"
                )));
            }
            Ok(Professional {
                given_name: name(&entry.given_name, "given name")?,
                family_name: name(&entry.family_name, "family name")?,
                rpps,
                profession,
                specialty,
                place,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(entries: &str) -> String {
        format!(r#"{{"format":"carnet-directory/1","professionals":[{entries}]}}"#)
    }

    const GOOD: &str = r#"{"rpps":"10000000009","given_name":"Anne","family_name":"Martin",
        "profession":"physician","specialty":"general_practice","place":"Paris"}"#;

    #[test]
    fn reads_a_good_file() {
        let entries = parse(&file(GOOD)).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].profession, Profession::Physician);
        assert_eq!(entries[0].specialty.as_deref(), Some("general_practice"));
    }

    #[test]
    fn refuses_bad_entries_with_their_position() {
        let twice = file(&format!("{GOOD},{GOOD}"));
        assert!(matches!(parse(&twice), Err(DirectoryError::Entry { index: 2, .. })));
        let wizard = file(&GOOD.replace("physician", "wizard"));
        assert!(matches!(parse(&wizard), Err(DirectoryError::Entry { index: 1, .. })));
        let luhn = file(&GOOD.replace("10000000009", "10000000008"));
        assert!(matches!(parse(&luhn), Err(DirectoryError::Entry { index: 1, .. })));
        let specialty = file(&GOOD.replace("general_practice", "General Practice"));
        assert!(matches!(parse(&specialty), Err(DirectoryError::Entry { .. })));
        let extra = file(&GOOD.replace("\"place\"", "\"public_key\":\"x\",\"place\""));
        assert!(matches!(parse(&extra), Err(DirectoryError::Json(_))));
        assert!(matches!(parse("{}"), Err(DirectoryError::Json(_))));
        let other = file(GOOD).replace("carnet-directory/1", "rpps-2024");
        assert!(matches!(parse(&other), Err(DirectoryError::Format(_))));
    }
}
