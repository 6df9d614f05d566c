//! The check against pairs drawn from the thesaurus: substance pairs and class-level pairs at
//! each of the four severities, found from either side, and pairs known not to interact.

use app::safety::interactions::*;
use std::collections::HashSet;

fn thesaurus() -> &'static Thesaurus {
    Thesaurus::embedded()
}

fn most_severe(new: &str, current: &str) -> Option<Severity> {
    let found = thesaurus().check(new, &[current.to_owned()]);
    found.first().map(|finding| finding.interaction.severity())
}

/// (new, current, the most severe level expected, a side the thesaurus names). A class as side
/// means the interaction is found through the drug classes of the substances typed.
const INTERACTING: [(&str, &str, Severity, &str); 24] = [
    // Substance with substance.
    ("acitrétine", "méthotrexate", Severity::Contraindication, "METHOTREXATE"),
    ("Agomélatine", "FLUVOXAMINE", Severity::Contraindication, "FLUVOXAMINE"),
    ("amiodarone", "cobicistat", Severity::Contraindication, "COBICISTAT"),
    ("abiratérone", "rifampicine", Severity::NotRecommended, "RIFAMPICINE"),
    ("acétazolamide", "acide acétylsalicylique", Severity::NotRecommended, "ACETAZOLAMIDE"),
    ("acétazolamide", "lithium", Severity::Precaution, "LITHIUM"),
    ("abiratérone", "métoprolol", Severity::Precaution, "METOPROLOL"),
    ("carbamazépine", "acétazolamide", Severity::Precaution, "CARBAMAZEPINE"),
    ("acide ascorbique", "ciclosporine", Severity::ToConsider, "CICLOSPORINE"),
    ("acide ursodésoxycholique", "ciclosporine", Severity::ToConsider, "ACIDE URSODESOXYCHOLIQUE"),
    // Through a drug class.
    ("warfarine", "acide acétylsalicylique", Severity::Contraindication, "ANTICOAGULANTS ORAUX"),
    (
        "clarithromycine",
        "ergotamine",
        Severity::Contraindication,
        "INHIBITEURS PUISSANTS DU CYP3A4",
    ),
    (
        "simvastatine",
        "clarithromycine",
        Severity::Contraindication,
        "INHIBITEURS PUISSANTS DU CYP3A4",
    ),
    ("sildénafil", "isosorbide", Severity::Contraindication, "DÉRIVÉS NITRÉS ET APPARENTÉS"),
    ("abatacept", "infliximab", Severity::NotRecommended, "ANTI-TNF ALPHA"),
    (
        "ibuprofène",
        "acide acétylsalicylique",
        Severity::NotRecommended,
        "ANTI-INFLAMMATOIRES NON STÉROÏDIENS",
    ),
    ("apixaban", "ibuprofène", Severity::NotRecommended, "ANTICOAGULANTS ORAUX"),
    ("furosémide", "acide acétylsalicylique", Severity::Precaution, "DIURÉTIQUES"),
    ("gentamicine", "ciclosporine", Severity::ToConsider, "AMINOSIDES"),
    (
        "sertraline",
        "tramadol",
        Severity::ToConsider,
        "INHIBITEURS SÉLECTIFS DE LA RECAPTURE DE LA SÉROTONINE",
    ),
    // Not medicines, but in the thesaurus.
    ("metformine", "alcool (boisson ou excipient)", Severity::NotRecommended, "METFORMINE"),
    ("atorvastatine", "pamplemousse (jus et fruit)", Severity::ToConsider, "ATORVASTATINE"),
    ("dipyridamole", "théine", Severity::Precaution, "THÉINE"),
    ("acitrétine", "alcool (boisson ou excipient)", Severity::Contraindication, "ACITRETINE"),
];

const SILENT: [(&str, &str); 6] = [
    ("paracétamol", "amoxicilline"),
    ("metformine", "amlodipine"),
    ("lévothyroxine", "paracétamol"),
    ("oméprazole", "amoxicilline"),
    ("atorvastatine", "amlodipine"),
    ("ramipril", "paracétamol"),
];

#[test]
fn the_embedded_thesaurus_is_whole() {
    let thesaurus = thesaurus();
    // 3,139 entries, most of them stated from both sides.
    assert!(
        (1_500..=3_139).contains(&thesaurus.interaction_count()),
        "{}",
        thesaurus.interaction_count()
    );
    assert!(thesaurus.knows("Warfarine") && thesaurus.knows("ACIDE ACETYLSALICYLIQUE"));
    assert!(!thesaurus.knows("potion magique"));
}

#[test]
fn known_pairs_are_found_from_either_side_with_their_severity() {
    let mut severities = HashSet::new();
    for (new, current, severity, side) in INTERACTING {
        for (a, b) in [(new, current), (current, new)] {
            let found = thesaurus().check(a, &[b.to_owned()]);
            assert!(!found.is_empty(), "{a} + {b}: nothing found");
            assert_eq!(found[0].interaction.severity(), severity, "{a} + {b}: {found:?}");
            assert!(
                found.iter().any(|f| f.interaction.main == side || f.interaction.plus == side),
                "{a} + {b}: no interaction names {side}: {found:?}"
            );
            assert!(found.iter().all(|f| f.current == b));
            assert!(!found[0].interaction.mechanism.is_empty(), "{a} + {b}: no mechanism");
        }
        severities.insert(severity);
    }
    assert_eq!(severities.len(), 4, "every severity level is covered");
}

#[test]
fn pairs_that_do_not_interact_stay_silent() {
    for (new, current) in SILENT {
        assert!(thesaurus().knows(new) && thesaurus().knows(current), "{new}, {current}");
        assert_eq!(most_severe(new, current), None, "{new} + {current}");
        assert_eq!(most_severe(current, new), None, "{current} + {new}");
    }
    assert_eq!(most_severe("paracétamol", "paracétamol"), None, "a substance with itself");
    assert!(thesaurus().check("potion magique", &["warfarine".to_owned()]).is_empty());
}

#[test]
fn every_current_treatment_is_checked_and_the_most_severe_comes_first() {
    let current = ["amlodipine", "acide acétylsalicylique", "ibuprofène"].map(str::to_owned);
    let found = thesaurus().check("warfarine", &current);
    assert_eq!(found[0].interaction.severity(), Severity::Contraindication);
    assert_eq!(found[0].current, "acide acétylsalicylique");
    assert!(found.iter().any(|f| f.current == "ibuprofène"));
    assert!(found.iter().all(|f| f.current != "amlodipine"));
    assert!(found.windows(2).all(|w| w[0].interaction.severity() <= w[1].interaction.severity()));
    // The advice of each level is kept.
    let aspirin = &found[0].interaction;
    assert!(aspirin.levels.len() >= 2 && aspirin.levels.iter().any(|l| !l.advice.is_empty()));
}

#[test]
fn duplicates_by_substance_and_by_class() {
    let current = ["Warfarine", "amlodipine"].map(str::to_owned);
    assert_eq!(
        thesaurus().duplicates("warfarine", &current),
        [Duplicate {
            current: "Warfarine".into(),
            reason: Duplication::SameSubstance,
            dispensed: None
        }]
    );
    let found = thesaurus().duplicates("apixaban", &current);
    assert_eq!(found.len(), 1);
    assert!(
        matches!(&found[0].reason, Duplication::SameClass(class) if class == "anticoagulants oraux"),
        "{found:?}"
    );
    assert!(thesaurus().duplicates("paracétamol", &current).is_empty());
    // Two anti-inflammatories are; an anticoagulant and aspirin only share a broad grouping.
    let nsaid = thesaurus().duplicates("kétoprofène", &["ibuprofène".to_owned()]);
    assert!(
        matches!(&nsaid[..], [Duplicate { reason: Duplication::SameClass(_), .. }]),
        "{nsaid:?}"
    );
    let aspirin = ["acide acétylsalicylique".to_owned()];
    assert!(thesaurus().duplicates("apixaban", &aspirin).is_empty());
}

#[test]
fn suggestions_and_bad_files() {
    let names = thesaurus().suggest("warf", 5);
    assert_eq!(names, ["warfarine"]);
    assert!(thesaurus().suggest("w", 5).is_empty(), "two characters at least");
    assert_eq!(Thesaurus::parse("{}").unwrap_err(), ThesaurusError::Format);
    let wrong = r#"{"format":"carnet-ansm-interactions/1","classes":[],"substances":[["x",[3]]],"interactions":[]}"#;
    assert_eq!(Thesaurus::parse(wrong).unwrap_err(), ThesaurusError::UnknownClass);
}

#[test]
fn a_prescription_is_checked_against_treatments_and_within_itself() {
    let current = vec!["warfarine".to_owned()];
    let prescribed =
        vec!["amoxicilline".to_owned(), "acide acétylsalicylique".to_owned(), "lithium".to_owned()];
    let found = thesaurus().check_prescription(&prescribed, &current);
    let aspirin = found.iter().find(|p| p.substance == "acide acétylsalicylique").unwrap();
    assert_eq!(aspirin.interactions[0].current, "warfarine");
    assert_eq!(aspirin.interactions[0].interaction.severity(), Severity::Contraindication);
    // Within the prescription: acetazolamide after aspirin is found against it.
    let within = thesaurus().check_prescription(
        &["acide acétylsalicylique".to_owned(), "acétazolamide".to_owned()],
        &[],
    );
    assert_eq!(within.len(), 1);
    assert_eq!(within[0].substance, "acétazolamide");
    assert_eq!(within[0].interactions[0].current, "acide acétylsalicylique");
    // Nothing to say: nothing returned.
    assert!(thesaurus().check_prescription(&["paracétamol".to_owned()], &[]).is_empty());
}
