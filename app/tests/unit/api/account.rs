use app::api::account::*;
use app::api::{ErrorBody, ErrorCode, InputError};

#[test]
fn secrets_never_print() {
    let request = LoginRequest { contact: "a@b.fr".into(), password: Secret::new("hunter22!") };
    assert!(!format!("{request:?}").contains("hunter22"));
}

#[test]
fn secrets_cross_the_wire_as_plain_strings() {
    let json =
        serde_json::to_string(&CodeRequest { challenge: "c".into(), code: Secret::new("123456") })
            .unwrap();
    assert_eq!(json, r#"{"challenge":"c","code":"123456"}"#);
}

#[test]
fn error_codes_are_stable_snake_case() {
    let body = ErrorBody {
        error: ErrorCode::Input,
        field: Some("password".into()),
        input: Some(InputError::PasswordTooCommon),
        attempts_left: None,
        retry_after: None,
        reason: None,
        denied: None,
    };
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"error":"input","field":"password","input":"password_too_common"}"#
    );
}
