//! The input rules of the profile's entries.

use app::api::InputError;
use app::api::profile::*;
use app::date::Date;
use app::vocabulary::Section;

fn today() -> Date {
    Date::parse("2026-11-25").unwrap()
}

fn checked(json: serde_json::Value) -> Result<Entry, (&'static str, InputError)> {
    let mut entry: Entry = serde_json::from_value(json).expect("well-formed entry");
    entry.check(today()).map(|()| entry)
}

#[test]
fn entries_are_read_by_section_and_trimmed() {
    let entry = checked(serde_json::json!({ "section": "treatment", "substance": "  Warfarine ",
        "dose": "5 mg le soir", "since": "2026-01-10", "until": "" }))
    .unwrap();
    assert_eq!(entry.section(), Section::Treatments);
    assert!(
        matches!(&entry, Entry::Treatment { substance, until: None, .. } if substance == "Warfarine")
    );
    assert!(entry.is_current(today()));
    let ended = checked(serde_json::json!({ "section": "treatment", "substance": "amoxicilline",
        "dose": "1 g x 3", "since": "2026-10-01", "until": "2026-10-08" }))
    .unwrap();
    assert!(!ended.is_current(today()), "an ended treatment is not current");
    let planned = checked(serde_json::json!({ "section": "treatment", "substance": "amoxicilline",
        "dose": "1 g x 3", "since": "2026-11-20", "until": "2026-11-30" }))
    .unwrap();
    assert!(planned.is_current(today()), "an end to come is allowed");
    let blood = checked(
        serde_json::json!({ "section": "blood_group", "group": "ab", "rhesus": "negative" }),
    );
    assert_eq!(blood.unwrap().section(), Section::BloodGroup);
    let unknown = serde_json::json!({ "section": "horoscope", "sign": "lion" });
    assert!(serde_json::from_value::<Entry>(unknown).is_err());
    let extra =
        serde_json::json!({ "section": "blood_group", "group": "a", "rhesus": "positive", "x": 1 });
    assert!(serde_json::from_value::<Entry>(extra).is_err());
}

#[test]
fn bad_fields_are_named() {
    let cases = [
        (
            serde_json::json!({ "section": "allergy", "substance": " ", "reaction": "", "severity": "severe" }),
            ("substance", InputError::TextInvalid),
        ),
        (
            serde_json::json!({ "section": "treatment", "substance": "x", "dose": "1", "since": "2027-01-01" }),
            ("since", InputError::DateInFuture),
        ),
        (
            serde_json::json!({ "section": "condition", "name": "Asthme", "since": "2020-05-01", "until": "2019-01-01" }),
            ("until", InputError::PeriodInvalid),
        ),
        (
            serde_json::json!({ "section": "vaccination", "vaccine": "DTP", "date": "2026-02-30" }),
            ("date", InputError::DateInvalid),
        ),
        (
            serde_json::json!({ "section": "measurement", "kind": "weight", "value": 900.0, "date": "2026-11-01" }),
            ("value", InputError::ValueImplausible),
        ),
        (
            serde_json::json!({ "section": "measurement", "kind": "blood_pressure", "value": 120.0, "date": "2026-11-01" }),
            ("second", InputError::ValueImplausible),
        ),
        (
            serde_json::json!({ "section": "measurement", "kind": "blood_pressure", "value": 120.0, "second": 130.0, "date": "2026-11-01" }),
            ("second", InputError::ValueImplausible),
        ),
        (
            serde_json::json!({ "section": "measurement", "kind": "glucose", "value": 5.4, "second": 3.0, "date": "2026-11-01" }),
            ("second", InputError::ValueImplausible),
        ),
        (
            serde_json::json!({ "section": "measurement", "kind": "heart_rate", "value": 70.0, "date": "2026-12-01" }),
            ("date", InputError::DateInFuture),
        ),
        (
            serde_json::json!({ "section": "emergency_contact", "name": "Paul", "relation": "frère", "phone": "pas un numéro" }),
            ("phone", InputError::PhoneInvalid),
        ),
        (
            serde_json::json!({ "section": "advance_directives", "text": "", "date": "2026-01-01" }),
            ("text", InputError::TextInvalid),
        ),
        (
            serde_json::json!({ "section": "allergy", "substance": "x".repeat(201), "reaction": "", "severity": "mild" }),
            ("substance", InputError::TextInvalid),
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(checked(json.clone()).unwrap_err(), expected, "{json}");
    }
    let pressure = checked(serde_json::json!({ "section": "measurement", "kind": "blood_pressure",
        "value": 128.0, "second": 82.0, "date": "2026-11-24" }));
    assert!(pressure.is_ok());
    let contact =
        checked(serde_json::json!({ "section": "emergency_contact", "name": "Paul Martin",
        "relation": "frère", "phone": "06 12 34 56 78" }))
        .unwrap();
    assert!(matches!(contact, Entry::EmergencyContact { phone, .. } if phone == "+33612345678"));
}
