use app::audit::AuditAction;

#[test]
fn every_action_reads_back_from_its_text_and_an_unknown_text_is_none() {
    use std::str::FromStr;
    for action in [
        AuditAction::DocumentRead,
        AuditAction::AccountLoginFailed,
        AuditAction::ProfessionalCardLogin,
        AuditAction::BreakGlassRefusalRead,
    ] {
        assert_eq!(AuditAction::from_str(action.as_str()), Ok(action));
    }
    assert_eq!(AuditAction::AccountLoginFailed.as_str(), "account.login_failed");
    assert_eq!(AuditAction::AccountLoginFailed.event_name(), "login_failed");
    assert!(AuditAction::from_str("document.eat").is_err());
}
