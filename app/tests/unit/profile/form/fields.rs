use app::api::profile::{AboGroup, AllergySeverity, DonationWish, Entry, MeasurementKind, Rhesus};
use app::profile::form::fields::*;

fn entries() -> Vec<Entry> {
    let text = |s: &str| s.to_owned();
    vec![
        Entry::BloodGroup { group: AboGroup::Ab, rhesus: Rhesus::Negative },
        Entry::Allergy {
            substance: text("Pénicilline"),
            reaction: text("urticaire"),
            severity: AllergySeverity::Severe,
        },
        Entry::Condition { name: text("Asthme"), since: Some(text("2001-03-04")), until: None },
        Entry::Implant { device: text("Stimulateur"), since: None, note: text("IRM non") },
        Entry::Treatment {
            substance: text("Amoxicilline"),
            dose: text("1 g × 3"),
            prescriber: text("Dr Martin"),
            since: Some(text("2026-11-01")),
            until: Some(text("2026-11-08")),
        },
        Entry::Vaccination { vaccine: text("DTP"), date: text("2020-05-06"), lot: text("X1") },
        Entry::Measurement {
            kind: MeasurementKind::BloodPressure,
            value: 12.5,
            second: Some(8.0),
            date: text("2026-10-10"),
        },
        Entry::Measurement {
            kind: MeasurementKind::Weight,
            value: 71.3,
            second: None,
            date: text("2026-10-10"),
        },
        Entry::AdvanceDirectives { text: text("Pas d'acharnement"), date: text("2025-01-02") },
        Entry::OrganDonation { wish: DonationWish::No, note: text("") },
        Entry::EmergencyContact {
            name: text("Anne"),
            relation: text("sœur"),
            phone: text("0601020304"),
        },
    ]
}

#[test]
fn an_entry_filled_into_the_form_reads_back_the_same() {
    for entry in entries() {
        let section = code(entry.section());
        assert_eq!(build(&section, fill(&entry)), Some(entry.clone()), "{section}");
    }
}

#[test]
fn a_decimal_comma_reads_as_a_point_and_a_missing_choice_as_nothing() {
    let fields = |a: &str, choice: &str| [a, "", "2026-10-10", "", "", choice].map(str::to_owned);
    let weight = build("measurements", fields(" 71,3 ", "weight"));
    assert!(matches!(weight, Some(Entry::Measurement { value, .. }) if value == 71.3));
    assert_eq!(build("measurements", fields("71", "")), None);
    assert_eq!(build("allergies", fields("Pollen", "")), None);
    assert_eq!(build("no_such_section", fields("x", "weight")), None);
    assert_eq!(build("regular_doctor", fields("x", "")), None);
}
