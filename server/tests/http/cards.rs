//! Professionals' cards against guessing: never locked for good nor from another address,
//! challenges limited per address, and the operator's unlock in the log.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::post_from;
use super::fixtures::{DOCTOR, patient_doctor_nurse};
use crate::{TestApp, test_app};

#[tokio::test]
async fn a_card_is_never_locked_for_good_nor_from_another_address() {
    let app = test_app().await;
    let (_, _, _, _) = patient_doctor_nurse(&app).await;
    let attempt = |peer: &'static str| {
        let app = &app;
        async move {
            let challenge = post_from(app, "/api/pro/challenge", json!(null), peer, &[]).await;
            let body = json!({ "rpps": DOCTOR, "challenge": challenge.body["challenge"], "signature": "AAAA" });
            post_from(app, "/api/pro/login", body, peer, &[]).await.status
        }
    };
    // Someone who knows the public identifier fails from their address, again and again.
    let mut slowed = false;
    for _ in 0..120 {
        if attempt("203.0.113.66").await == StatusCode::TOO_MANY_REQUESTS {
            slowed = true;
        }
    }
    assert!(slowed, "the attacker's address is slowed down");
    // The professional, elsewhere, logs in; and even from that address once the delay passed.
    assert_eq!(card_login_from(&app, DOCTOR, "198.51.100.20").await, StatusCode::OK);
    app.clock.advance(3601);
    assert_eq!(card_login_from(&app, DOCTOR, "203.0.113.66").await, StatusCode::OK);
}

/// A real card login (a card issued now, its challenge signed) from `peer`; its status.
async fn card_login_from(app: &TestApp, rpps: &str, peer: &str) -> StatusCode {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use p256::ecdsa::{Signature, signature::Signer};
    let (public, key) = crate::test_card(rpps);
    app.store.set_card_key(&crate::rpps(rpps), &public).await.unwrap();
    let challenge = post_from(app, "/api/pro/challenge", json!(null), peer, &[]).await;
    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();
    let signature: Signature =
        key.sign(app::api::pro::card_login_message("http://localhost", &challenge).as_bytes());
    let body = json!({ "rpps": rpps, "challenge": challenge,
        "signature": URL_SAFE_NO_PAD.encode(signature.to_bytes()) });
    post_from(app, "/api/pro/login", body, peer, &[]).await.status
}

#[tokio::test]
async fn card_challenges_are_limited_per_address() {
    let app = test_app().await;
    let mut statuses = Vec::new();
    for _ in 0..60 {
        statuses.push(
            post_from(&app, "/api/pro/challenge", json!(null), "203.0.113.9", &[]).await.status,
        );
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let elsewhere = post_from(&app, "/api/pro/challenge", json!(null), "198.51.100.3", &[]).await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

#[tokio::test]
async fn the_operator_unlocks_a_card_and_the_log_says_so() {
    let app = test_app().await;
    let (_, _, _, _) = patient_doctor_nurse(&app).await;
    for _ in 0..40 {
        let challenge =
            post_from(&app, "/api/pro/challenge", json!(null), "203.0.113.66", &[]).await;
        let body = json!({ "rpps": DOCTOR, "challenge": challenge.body["challenge"], "signature": "AAAA" });
        post_from(&app, "/api/pro/login", body, "203.0.113.66", &[]).await;
    }
    assert_eq!(card_login_from(&app, DOCTOR, "203.0.113.66").await, StatusCode::TOO_MANY_REQUESTS);
    // The real command, on the same data directory.
    let run =
        |args: &[&str]| app.carnet().args(args).env_remove("CARNET_MASTER_KEY").output().unwrap();
    let refused = run(&["card", "unlock", "--rpps", "12345"]);
    assert!(!refused.status.success());
    let unlocked = run(&["card", "unlock", "--rpps", DOCTOR]);
    assert!(unlocked.status.success(), "{}", String::from_utf8_lossy(&unlocked.stderr));
    let prefix = server::professional::card_prefix(&crate::rpps(DOCTOR));
    let left = app.store.rate_limit_reset_prefix(&prefix).await.unwrap();
    assert_eq!(left, 0, "the command lifted every delay on the card");
    let last = app.store.audit_log().await.unwrap().pop().unwrap();
    let entry: Value = serde_json::from_slice(&last.entry).unwrap();
    assert_eq!(
        (entry["action"].as_str(), entry["actor"]["id"].as_str()),
        (Some("professional.card_unlocked"), Some(DOCTOR))
    );
}
