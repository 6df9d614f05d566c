use app::ins::Ins;

#[test]
fn an_ins_is_read_with_or_without_spaces_and_its_key_checked() {
    // Two registration numbers with their keys (97 − number mod 97, worked out by hand).
    let ins = Ins::parse("1 63 12 78 477 042 94").unwrap();
    assert_eq!(ins.as_str(), "163127847704294");
    assert_eq!(ins.to_string(), "1 63 12 78 477 042 94");
    assert_eq!(Ins::parse("262087503203977").unwrap().to_string(), "2 62 08 75 032 039 77");
    assert!(Ins::parse("1 63 12 78 477 042 95").is_none(), "a wrong key");
    assert!(Ins::parse("1 63 12 78 477 043 94").is_none(), "a mistyped digit");
    assert!(Ins::parse("1 63 12 78 477 042 9").is_none(), "too short");
    assert!(Ins::parse("1 63 12 78 477 042 944").is_none(), "too long");
    assert!(Ins::parse("").is_none());
    assert_eq!(
        Ins::parse("1\u{a0}63\u{a0}12 78 477 042 94"),
        Some(ins),
        "pasted with no-break spaces"
    );
    assert!(Ins::parse("1 63 12 78 477 042 9é").is_none(), "a letter of two bytes");
}

#[test]
fn corsica_counts_as_19_and_18_in_the_key() {
    // 1 80 01 19 004 123: key 43; 2 95 07 18 123 456: key 37.
    let ajaccio = Ins::parse("1 80 01 2a 004 123 43").unwrap();
    assert_eq!(ajaccio.as_str(), "180012A00412343");
    assert_eq!(ajaccio.to_string(), "1 80 01 2A 004 123 43");
    assert!(Ins::parse("2 95 07 2B 123 456 37").is_some());
    assert!(Ins::parse("2 95 07 2A 123 456 37").is_none(), "2A is not 2B");
    assert!(Ins::parse("2 95 07 2C 123 456 37").is_none());
}

#[test]
fn the_number_must_be_shaped_like_one() {
    assert!(Ins::parse("1 80 01 20 004 123 1x").is_none(), "a letter in the key");
    assert!(Ins::parse("7 99 12 99 999 001 80").is_some(), "a provisional number, born abroad");
    assert!(Ins::parse("1 63 50 78 477 042 23").is_some(), "month unknown");
    // Each with its right key, so that only the shape is wrong.
    for (number, why) in [
        ("1800020004123", "month 00"),
        ("1801320004123", "month 13"),
        ("1804320004123", "month 43"),
        ("5800120004123", "kind 5"),
    ] {
        let place = &number[5..7];
        let n: u64 = format!("{}{place}{}", &number[..5], &number[7..]).parse().unwrap();
        let with_key = format!("{number}{:02}", 97 - n % 97);
        assert!(Ins::parse(&with_key).is_none(), "{why}");
    }
}

#[test]
fn an_ins_travels_as_its_compact_text() {
    let ins = Ins::parse("1 63 12 78 477 042 94").unwrap();
    assert_eq!(serde_json::to_string(&ins).unwrap(), "\"163127847704294\"");
    assert_eq!(serde_json::from_str::<Ins>("\"1 63 12 78 477 042 94\"").unwrap(), ins);
    assert!(serde_json::from_str::<Ins>("\"163127847704295\"").is_err());
}
