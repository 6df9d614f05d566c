use app::api::pro::*;

#[test]
fn pins() {
    assert!(valid_pin("1234"));
    assert!(valid_pin("123456789012"));
    assert!(!valid_pin("123"));
    assert!(!valid_pin("1234567890123"));
    assert!(!valid_pin("12a4"));
}

#[test]
fn the_signed_message_names_origin_and_challenge() {
    let message = card_login_message("https://carnet.example", "abc");
    assert_eq!(message, "carnet-card-login/1\nhttps://carnet.example\nabc");
}

#[test]
fn card_files_refuse_unknown_fields_and_bad_identifiers() {
    let good = r#"{"format":"carnet-card/1","rpps":"10000000009","iterations":600000,
        "salt":"","nonce":"","sealed_key":""}"#;
    assert!(serde_json::from_str::<CardFile>(good).is_ok());
    let extra = good.replace("\"salt\"", "\"pin\":\"1234\",\"salt\"");
    assert!(serde_json::from_str::<CardFile>(&extra).is_err());
    let bad = good.replace("10000000009", "10000000008");
    assert!(serde_json::from_str::<CardFile>(&bad).is_err());
}
