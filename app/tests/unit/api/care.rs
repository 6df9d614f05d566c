//! The care history as the page shows it: narrowed by kind and words, grouped by month with
//! its totals, amounts written as people read them.

use app::api::care::{CareCode, CareLine, Totals, by_month, euros, search_words};
use app::date::Date;
use app::vocabulary::CareKind;

fn line(id: &str, kind: CareKind, date: &str, label: &str, paid: Option<(i64, i64)>) -> CareLine {
    CareLine {
        id: id.to_owned(),
        kind,
        date: Date::parse(date).unwrap(),
        code: Some(CareCode { system: "urn:oid:1.2.250.1.213.2.5".into(), code: "YYYY600".into() }),
        label: label.to_owned(),
        quantity: None,
        days_supply: None,
        substances: Vec::new(),
        prescriber: Some("Dr Anne Lefèvre".to_owned()),
        performer: None,
        charged_cents: paid.map(|(charged, _)| charged),
        reimbursed_cents: paid.map(|(_, reimbursed)| reimbursed),
        version: 1,
        masked: false,
        allowed: Vec::new(),
    }
}

#[test]
fn a_search_matches_every_word_anywhere_accents_and_case_aside() {
    let mut coumadine = line("1", CareKind::Pharmacy, "2026-11-02", "COUMADINE 2 mg", None);
    coumadine.substances = vec!["warfarine".to_owned()];
    let words = |query: &str| search_words(query);
    assert!(coumadine.matches(None, &words("")));
    assert!(coumadine.matches(Some(CareKind::Pharmacy), &words("coumadine")));
    assert!(coumadine.matches(None, &words("WARFARINE lefevre")));
    assert!(coumadine.matches(None, &words("yyyy600")));
    assert!(!coumadine.matches(Some(CareKind::Lab), &words("")));
    assert!(!coumadine.matches(None, &words("warfarine radiologie")));
}

#[test]
fn lines_group_by_month_newest_first_with_their_totals() {
    let lines = vec![
        line("a", CareKind::Consultation, "2026-10-03", "Consultation", Some((3000, 2100))),
        line("b", CareKind::Lab, "2026-11-20", "Hémoglobine glyquée", Some((1_350, 810))),
        line("c", CareKind::Pharmacy, "2026-11-02", "Doliprane", None),
        line("d", CareKind::Imaging, "2025-11-30", "Radiographie", Some((5_000, 3_500))),
    ];
    let months = by_month(lines.clone());
    let keys: Vec<(i32, u8)> = months.iter().map(|month| (month.year, month.month)).collect();
    assert_eq!(keys, [(2026, 11), (2026, 10), (2025, 11)]);
    let ids: Vec<&str> = months[0].lines.iter().map(|line| line.id.as_str()).collect();
    assert_eq!(ids, ["b", "c"]);
    assert_eq!(months[0].totals, Totals { charged_cents: 1_350, reimbursed_cents: 810 });
    assert_eq!(Totals::of(&lines), Totals { charged_cents: 9_350, reimbursed_cents: 6_410 });
    assert!(by_month(Vec::new()).is_empty());
}

#[test]
fn amounts_read_as_people_write_them() {
    assert_eq!(euros(2_100, true), "21,00\u{a0}€");
    assert_eq!(euros(2_100, false), "€21.00");
    assert_eq!(euros(123_456_789, true), "1\u{202f}234\u{202f}567,89\u{a0}€");
    assert_eq!(euros(123_456_789, false), "€1,234,567.89");
    assert_eq!(euros(-5, false), "-€0.05");
    assert_eq!(euros(0, true), "0,00\u{a0}€");
}
