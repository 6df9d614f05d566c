//! Medicines by the names people type and the codes pharmacies dispense, against the embedded
//! database (BDPM, June 2022), and what the interaction check makes of them.

use app::safety::{interactions::Thesaurus, medicines::Medicines};

fn medicines() -> &'static Medicines {
    Medicines::embedded()
}

#[test]
fn brands_common_names_and_packs_resolve_to_the_thesaurus_substances() {
    let aspirin = vec!["acide acetylsalicylique".to_owned()];
    // A brand as a new user types it, accents and case as they come, with or without its dose.
    assert_eq!(medicines().substances("Kardégic"), aspirin);
    assert_eq!(medicines().substances("KARDEGIC 75 mg, poudre pour solution buvable"), aspirin);
    assert_eq!(medicines().substances("Doliprane 1000 mg"), ["paracetamol"]);
    // A salt is named as the thesaurus names it, in whichever form the database writes it.
    assert_eq!(medicines().substances("Coumadine"), ["warfarine"]);
    assert_eq!(medicines().substances("Cordarone"), ["amiodarone"]);
    assert_eq!(medicines().substances("Dépakine"), ["acide valproique"]);
    assert_eq!(medicines().substances("Aspro"), aspirin);
    // Of a plain medicine and one combined with another under the same name, the plain one.
    assert_eq!(medicines().substances("Scandonest").len(), 1);
    // A mark of form people leave out.
    assert!(!medicines().substances("Oxycontin").is_empty());
    // A substance is itself; the pack a pharmacy dispensed is its medicine's substances.
    assert_eq!(medicines().substances("Paracétamol"), ["paracetamol"]);
    assert_eq!(medicines().substances("3400934744198"), aspirin);
    assert_eq!(medicines().pack("3400934744198"), Some(aspirin));
    // What it does not know, it does not guess.
    assert!(medicines().substances("Potion magique").is_empty());
    assert_eq!(medicines().pack("3400900000000"), None);
    assert_eq!(medicines().pack("12345"), None);
    assert!(medicines().medicine_count() > 9_000);
}

#[test]
fn substances_carry_the_ansm_code_the_bdpm_gives_them_and_a_salt_s_name_none() {
    let code = |text: &str| medicines().coded_substances(text);
    // Ézétimibe is 73242 at the ANSM; the BDPM's composition file gives every one its code.
    assert_eq!(code("Ézétimibe"), [("ezetimibe".to_owned(), Some("73242".to_owned()))]);
    assert_eq!(
        code("Kardégic"),
        [("acide acetylsalicylique".to_owned(), Some("00005".to_owned()))]
    );
    // "warfarine" is the thesaurus's name for the salt the BDPM lists (WARFARINE SODIQUE): a
    // code would name the salt, so none.
    assert_eq!(code("Coumadine"), [("warfarine".to_owned(), None)]);
    // A medicine of two substances: both, each coded.
    let augmentin = code("Augmentin");
    assert_eq!(augmentin.len(), 2, "{augmentin:?}");
    assert!(augmentin.iter().all(|(_, code)| code.is_some()), "{augmentin:?}");
    assert!(code("Potion magique").is_empty());
    // The codes travel in the file; a file whose codes do not match its substances is refused.
    let short = r#"{"format":"carnet-bdpm-medicines/1","substances":["a","b"],"substance_codes":["1"],"medicines":[]}"#;
    assert!(Medicines::parse(short).is_err());
}

#[test]
fn what_a_patient_types_reaches_the_interaction_check() {
    // "Kardégic" on warfarin: the thesaurus speaks of their substances.
    let thesaurus = Thesaurus::embedded();
    let current = medicines().substances("Coumadine");
    let found: Vec<_> = medicines()
        .substances("Kardégic")
        .iter()
        .flat_map(|substance| thesaurus.check(substance, &current))
        .collect();
    assert!(!found.is_empty());
}

#[test]
fn suggestions_start_with_what_was_typed() {
    let found = medicines().suggest("kardeg", 10);
    assert_eq!(found, ["KARDEGIC"]);
    assert!(medicines().suggest("d", 10).is_empty(), "one letter suggests nothing");
    assert_eq!(medicines().suggest("dol", 3).len(), 3);
}

#[test]
fn a_file_that_is_not_the_database_is_refused() {
    assert!(Medicines::parse("{}").is_err());
    let bad_index =
        r#"{"format":"carnet-bdpm-medicines/1","substances":["a"],"medicines":[["X",[3],[]]]}"#;
    assert!(Medicines::parse(bad_index).is_err());
    let overflow = r#"{"format":"carnet-bdpm-medicines/1","substances":["a"],"medicines":[["X",[0],[4294967295,1]]]}"#;
    assert!(Medicines::parse(overflow).is_err());
}
