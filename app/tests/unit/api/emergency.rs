use app::api::InputError;
use app::api::emergency::*;

#[test]
fn break_glass_always_goes_out_and_the_rest_as_chosen() {
    let none = CHOSEN_KINDS.iter().fold(Channels::default(), |c, kind| c.with(*kind, false));
    assert!(none.sends(NotificationKind::BreakGlass));
    assert!(CHOSEN_KINDS.iter().all(|kind| !none.sends(*kind)));
    let all = CHOSEN_KINDS.iter().fold(none, |c, kind| c.with(*kind, true));
    assert!(CHOSEN_KINDS.iter().all(|kind| all.sends(*kind)));
    assert!(all.with(NotificationKind::BreakGlass, false).sends(NotificationKind::BreakGlass));
    let defaults = Channels::default();
    assert!(defaults.new_device && defaults.first_access && !defaults.document_deposited);
    assert!(serde_json::from_str::<Channels>(r#"{"document_deposited":true}"#).is_err());
    for kind in CHOSEN_KINDS {
        assert_eq!(NotificationKind::from_code(kind.code()), Some(kind));
    }
}

#[test]
fn reasons() {
    assert_eq!(parse_reason("  Patient inconscient, SAU  ").unwrap(), "Patient inconscient, SAU");
    assert_eq!(parse_reason("court"), Err(InputError::ReasonInvalid));
    assert_eq!(parse_reason(&"x".repeat(501)), Err(InputError::ReasonInvalid));
    assert!(parse_reason(&"é".repeat(500)).is_ok(), "characters, not bytes");
    assert_eq!(parse_reason("Inconscient\u{0}caché"), Err(InputError::ReasonInvalid));
    assert!(parse_reason("Inconscient,\nvoie publique").is_ok());
    assert_eq!(NotificationKind::from_code("break_glass"), Some(NotificationKind::BreakGlass));
    assert_eq!(NotificationKind::from_code("nothing"), None);
}
