//! A new treatment against the current ones as people name them, the same on the device and
//! on the server: typed names resolved through the medicines database, dispensed medicines
//! current until their course ends, one finding per substance.

use app::api::care::CareLine;
use app::api::care::dispensed_now;
use app::date::Date;
use app::safety::interactions::{Severity, Thesaurus};
use app::safety::medicines::Medicines;
use app::safety::treatments::{
    Dispensed, check_treatment, course_runs, current_treatments, substances_of,
};
use app::vocabulary::CareKind;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn dispensed_line(date: &str, label: &str, substances: &[&str], days: Option<u32>) -> CareLine {
    CareLine {
        id: label.to_owned(),
        kind: CareKind::Pharmacy,
        date: day(date),
        code: None,
        label: label.to_owned(),
        quantity: Some(1),
        days_supply: days,
        substances: substances.iter().map(|s| (*s).to_owned()).collect(),
        prescriber: None,
        performer: None,
        charged_cents: None,
        reimbursed_cents: None,
        version: 1,
        masked: false,
        allowed: Vec::new(),
    }
}

#[test]
fn a_course_runs_its_days_supply_or_a_month_and_never_past_a_year() {
    let today = day("2026-12-07");
    assert!(course_runs(day("2026-11-07"), None, today));
    assert!(!course_runs(day("2026-11-06"), None, today));
    assert!(course_runs(day("2026-10-08"), Some(60), today));
    assert!(!course_runs(day("2026-10-07"), Some(60), today));
    assert!(!course_runs(day("2025-12-05"), Some(10_000), today));
    assert!(course_runs(day("2026-12-08"), None, today), "dated tomorrow (another time zone)");
}

#[test]
fn dispensed_medicines_count_until_their_course_ends() {
    let lines = [
        dispensed_line("2026-11-20", "COUMADINE 2 mg", &["warfarine"], None),
        dispensed_line("2026-09-01", "AUGMENTIN", &["amoxicilline"], Some(7)),
        dispensed_line("2026-11-25", "Pack inconnu", &[], None),
        CareLine { kind: CareKind::Lab, ..dispensed_line("2026-12-01", "Bilan", &["x"], None) },
    ];
    let now = dispensed_now(&lines, day("2026-12-07"));
    assert_eq!(
        now,
        [Dispensed {
            substances: vec!["warfarine".to_owned()],
            label: "COUMADINE 2 mg".to_owned(),
            date: day("2026-11-20"),
        }]
    );
}

#[test]
fn a_brand_typed_on_a_dispensed_anticoagulant_is_found_and_says_where_it_comes_from() {
    let (thesaurus, medicines) = (Thesaurus::embedded(), Some(Medicines::embedded()));
    assert_eq!(substances_of(thesaurus, medicines, "Kardégic"), ["acide acetylsalicylique"]);
    // Without the medicines database (not loaded yet on a device), a brand is left as typed.
    assert_eq!(substances_of(thesaurus, None, "Kardégic"), ["Kardégic"]);
    let dispensed = [
        Dispensed {
            substances: vec!["warfarine".to_owned()],
            label: "COUMADINE 2 mg".to_owned(),
            date: day("2026-10-20"),
        },
        // A monthly refill: the latest names it.
        Dispensed {
            substances: vec!["warfarine".to_owned()],
            label: "COUMADINE 2 mg, boîte de 20".to_owned(),
            date: day("2026-11-20"),
        },
    ];
    let current = current_treatments(thesaurus, medicines, &[], &dispensed);
    assert_eq!(current.len(), 1);
    let found = check_treatment(thesaurus, medicines, "Kardégic", &current);
    let first = &found.interactions[0];
    assert_eq!(first.interaction.severity(), Severity::Contraindication);
    assert_eq!(first.current, "COUMADINE 2 mg, boîte de 20");
    assert_eq!(first.dispensed, Some(day("2026-11-20")));
}

#[test]
fn a_substance_the_profile_names_is_one_finding_not_two() {
    let (thesaurus, medicines) = (Thesaurus::embedded(), Some(Medicines::embedded()));
    let dispensed = [Dispensed {
        substances: vec!["warfarine".to_owned()],
        label: "COUMADINE 2 mg".to_owned(),
        date: day("2026-11-20"),
    }];
    let typed = ["Coumadine".to_owned()];
    let current = current_treatments(thesaurus, medicines, &typed, &dispensed);
    assert_eq!(current.len(), 1);
    assert_eq!((current[0].label.as_str(), current[0].dispensed), ("Coumadine", None));
    let found = check_treatment(thesaurus, medicines, "Aspirine", &current);
    assert!(!found.interactions.is_empty());
    assert!(found.interactions.iter().all(|finding| finding.current == "Coumadine"));
}
