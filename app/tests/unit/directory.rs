use app::directory::*;

#[test]
fn rpps_check_digit() {
    assert!(Rpps::parse("10000000009").is_some());
    assert!(Rpps::parse(" 10000000009 ").is_some());
    assert!(Rpps::parse("10000000008").is_none(), "wrong check digit");
    assert!(Rpps::parse("1000000000").is_none(), "10 digits");
    assert!(Rpps::parse("1000000000a").is_none());
    assert!(Rpps::parse("").is_none());
    assert!(serde_json::from_str::<Rpps>("\"10000000008\"").is_err());
}

#[test]
fn profession_codes_round_trip() {
    for profession in Profession::ALL {
        assert_eq!(Profession::from_code(profession.code()), Some(profession));
        let json = serde_json::to_string(&profession).unwrap();
        assert_eq!(json, format!("\"{}\"", profession.code()));
    }
    assert_eq!(Profession::from_code("wizard"), None);
    assert!(!Profession::InsurerAgent.is_health_professional());
    assert!(Profession::Pharmacist.is_health_professional());
}

#[test]
fn specialties() {
    assert!(valid_specialty("general_practice"));
    assert!(!valid_specialty("Psychiatry"));
    assert!(!valid_specialty(""));
    assert!(!valid_specialty(&"a".repeat(41)));
}
