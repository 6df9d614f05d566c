use app::vocabulary::*;
use serde::Serialize;

#[test]
fn content_types_are_read_from_the_bytes() {
    assert_eq!(MediaType::sniff(b"%PDF-1.7\n..."), Some(MediaType::Pdf));
    assert_eq!(MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(MediaType::Jpeg));
    assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\nrest"), Some(MediaType::Png));
    assert_eq!(MediaType::sniff("Tension 12/8.\n".as_bytes()), Some(MediaType::Text));
    assert_eq!(MediaType::sniff(b"<script>\x00"), None);
    assert_eq!(MediaType::sniff(b"MZ\x90\x00"), None, "an executable is none of ours");
    assert!(!MediaType::Pdf.matches(b"<html>"));
    assert!(!MediaType::Text.matches(&[0xC3]), "broken UTF-8");
}

/// The name the store keeps (strum's) is the wire's (serde's), for every word.
#[test]
fn every_word_is_stored_by_its_wire_name() {
    fn same<
        T: Serialize + Copy + Into<&'static str> + std::str::FromStr + PartialEq + std::fmt::Debug,
    >(
        all: &[T],
    ) {
        for &word in all {
            let stored: &'static str = word.into();
            assert_eq!(serde_json::to_value(word).unwrap().as_str(), Some(stored));
            assert_eq!(stored.parse::<T>().ok(), Some(word));
        }
    }
    same(&Category::ALL);
    same(&Section::ALL);
    same(&Domain::ALL);
    same(&[MediaType::Pdf, MediaType::Jpeg, MediaType::Png, MediaType::Text]);
    assert!("Reports".parse::<Category>().is_err());
}

#[test]
fn a_section_s_address_name_is_its_wire_name() {
    for section in Section::ALL {
        let wire = serde_json::to_value(section).unwrap();
        assert_eq!(wire.as_str(), Some(section.slug()));
        assert_eq!(Section::from_slug(section.slug()), Some(section));
    }
    assert_eq!(Section::from_slug("Allergies"), None);
    assert_eq!(Section::from_slug(""), None);
}

#[test]
fn folding() {
    assert_eq!(fold("Œdème, ÉCHOGRAPHIE, à jeun"), "oedeme, echographie, a jeun");
}

#[test]
fn loinc_codes() {
    assert!(valid_loinc("11502-2"));
    assert!(valid_loinc("60591-5"));
    assert!(!valid_loinc("11502"));
    assert!(!valid_loinc("1150a-2"));
    assert!(!valid_loinc("11502-22"));
}
