//! Accounts: sign-up, activation, login with a code, sessions, logout, and every refusal.
//! Guessing has its own files (`limits.rs`, and the review's findings in `guessing.rs`), as have
//! the authenticator app (`authenticator.rs`) and changing a password or contact (`recovery.rs`).

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::fixtures::{
    PASSWORD, code_in, last_code, login_challenge, ours, post, reply, session_cookie, signed_up,
    signup_body, verify,
};
use crate::{START, get, test_app, text};

#[tokio::test]
async fn sign_up_activate_log_out_log_in_again() {
    let app = test_app().await;
    let sent =
        post(&app.router, "/api/account/signup", signup_body("jeanne@example.fr"), None, &[]).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    assert_eq!(sent.body["sent_to"], "j•••@example.fr");
    assert_eq!(sent.body["expires_in"], 600);
    assert_eq!(sent.headers[header::CACHE_CONTROL], "no-store");

    // Not usable before activation: /me has no session, and the message is in French.
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(message.subject, "Votre code d'activation Carnet");
    let code = code_in(&message.body).unwrap();

    let verified =
        verify(&app, &sent.body["challenge"], &format!("{} {}", &code[..3], &code[3..])).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    assert_eq!(verified.body["given_name"], "Jeanne");
    let cookie = session_cookie(&verified);
    let csrf = verified.body["csrf_token"].as_str().unwrap().to_owned();

    let me = get(&app.router, "/api/account/me", Some(&cookie)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = serde_json::from_str(&text(me).await).unwrap();
    assert_eq!(me["family_name"], "Martin");
    assert!(me.get("password_hash").is_none());

    // Logout needs the CSRF token; then the session is gone on the server.
    let refused = post(&app.router, "/api/account/logout", json!({}), Some(&cookie), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let out = post(
        &app.router,
        "/api/account/logout",
        json!({}),
        Some(&cookie),
        &[("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Login: password, then a code to the contact, then a new session (a new token).
    let challenge = login_challenge(&app, "JEANNE@example.fr", PASSWORD).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED, "{:?}", challenge.body);
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(message.subject, "Votre code de connexion Carnet");
    let code = code_in(&message.body).unwrap();
    let verified = post(
        &app.router,
        "/api/account/verify",
        json!({ "challenge": challenge.body["challenge"], "code": code }),
        Some(&cookie),
        &[],
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK);
    let new_cookie = session_cookie(&verified);
    assert_ne!(new_cookie, cookie, "the session token is rotated at login");
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&new_cookie)).await.status(),
        StatusCode::OK
    );

    // Every step left an authentication event.
    let account = app.store.account_by_contact("jeanne@example.fr").await.unwrap().unwrap();
    let events: Vec<String> =
        app.store.auth_events(&account.id).await.unwrap().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, ["signup", "activated", "login", "logout", "code_sent", "login"]);
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_nothing_is_created() {
    let app = test_app().await;
    let cases = [
        ("contact", json!("jeanne@"), "contact_invalid"),
        ("given_name", json!("  "), "name_missing"),
        ("family_name", json!("<b>Martin</b>"), "name_invalid"),
        ("birth_date", json!("17/05/1980"), "birth_date_invalid"),
        ("birth_date", json!("2030-01-01"), "birth_date_in_future"),
        ("birth_date", json!("2010-01-01"), "minor"),
        ("password", json!("short"), "password_too_short"),
        ("password", json!("x".repeat(129)), "password_too_long"),
        ("password", json!("azertyuiop"), "password_too_common"),
        ("password", json!("jeannemartin1980"), "password_too_common"),
    ];
    for (field, value, expected) in cases {
        let mut body = signup_body("jeanne@example.fr");
        body[field] = value;
        let refused = post(&app.router, "/api/account/signup", body, None, &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {expected}");
        assert_eq!(ours(&refused), json!({ "error": "input", "field": field, "input": expected }));
    }
    assert!(app.store.outbox(10).await.unwrap().is_empty());
    assert!(app.store.account_by_contact("jeanne@example.fr").await.unwrap().is_none());
}

#[tokio::test]
async fn unreadable_requests_get_a_plain_bad_request() {
    let app = test_app().await;
    for body in ["{not json", r#"{"contact": 3}"#, "[]"] {
        let request = Request::post("/api/account/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let refused = reply(app.router.clone().oneshot(request).await.unwrap()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(ours(&refused), json!({ "error": "bad_request" }));
    }
    let request = Request::post("/api/account/login")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"contact":"a@b.fr","password":"x"}"#))
        .unwrap();
    assert_eq!(
        app.router.clone().oneshot(request).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn codes_allow_five_tries_expire_and_work_once() {
    let app = test_app().await;
    signed_up(&app, "+33612345678").await;

    // Five wrong tries, counting down; then even the right code is refused.
    let challenge =
        login_challenge(&app, "06 12 34 56 78", PASSWORD).await.body["challenge"].clone();
    let code = last_code(&app, "+33612345678").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let refused = verify(&app, &challenge, wrong).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(ours(&refused), json!({ "error": "bad_code", "attempts_left": left }));
    }
    let dead = verify(&app, &challenge, &code).await;
    assert_eq!(dead.status, StatusCode::GONE);
    assert_eq!(dead.body["error"], "code_expired");

    // Valid 10 minutes: at 600 s it is gone.
    let challenge = login_challenge(&app, "+33612345678", PASSWORD).await.body["challenge"].clone();
    let code = last_code(&app, "+33612345678").await;
    app.clock.advance(600);
    let late = verify(&app, &challenge, &code).await;
    assert_eq!(late.status, StatusCode::GONE);

    // Single use.
    let challenge = login_challenge(&app, "+33612345678", PASSWORD).await.body["challenge"].clone();
    let code = last_code(&app, "+33612345678").await;
    let body = json!({ "challenge": challenge, "code": code });
    assert_eq!(
        post(&app.router, "/api/account/verify", body.clone(), None, &[]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post(&app.router, "/api/account/verify", body, None, &[]).await.status,
        StatusCode::GONE
    );

    // Bound to its attempt: the code of attempt B does not open attempt A.
    let a = login_challenge(&app, "+33612345678", PASSWORD).await.body["challenge"].clone();
    let a_code = last_code(&app, "+33612345678").await;
    let b = login_challenge(&app, "+33612345678", PASSWORD).await.body["challenge"].clone();
    let b_code = last_code(&app, "+33612345678").await;
    if a_code != b_code {
        let crossed = verify(&app, &a, &b_code).await;
        assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);
    }
    let unknown = verify(&app, &json!("made-up"), "123456").await;
    assert_eq!(unknown.status, StatusCode::GONE);
    let malformed = verify(&app, &b, "12a456").await;
    assert_eq!(malformed.body["input"], "code_invalid");
}

#[tokio::test]
async fn parallel_right_codes_open_one_session_only() {
    let app = test_app().await;
    signed_up(&app, "paul@example.fr").await;
    let challenge =
        login_challenge(&app, "paul@example.fr", PASSWORD).await.body["challenge"].clone();
    let code = last_code(&app, "paul@example.fr").await;
    let body = json!({ "challenge": challenge, "code": code });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let body = body.clone();
        tasks.spawn(
            async move { post(&router, "/api/account/verify", body, None, &[]).await.status },
        );
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
}

#[tokio::test]
async fn unknown_contact_and_wrong_password_look_the_same() {
    let app = test_app().await;
    signed_up(&app, "jeanne@example.fr").await;
    let unknown = login_challenge(&app, "nobody@example.fr", PASSWORD).await;
    let wrong = login_challenge(&app, "jeanne@example.fr", "not the password at all").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!((unknown.status, &unknown.body), (wrong.status, &wrong.body));
    assert_eq!(ours(&unknown), json!({ "error": "bad_credentials" }));

    // Signing up again with a taken contact answers like a new sign-up; the owner is told.
    let before = app.store.outbox(100).await.unwrap().len();
    let again =
        post(&app.router, "/api/account/signup", signup_body("jeanne@example.fr"), None, &[]).await;
    let fresh =
        post(&app.router, "/api/account/signup", signup_body("paul@example.fr"), None, &[]).await;
    assert_eq!(again.status, fresh.status);
    assert_eq!(again.body.as_object().unwrap().len(), fresh.body.as_object().unwrap().len());
    let messages = app.store.outbox(100).await.unwrap();
    assert_eq!(messages.len(), before + 2);
    let notice = messages.iter().find(|m| m.recipient == "jeanne@example.fr").unwrap();
    assert_eq!(notice.subject, "Tentative d'inscription sur Carnet");
    assert!(code_in(&notice.body).is_none(), "no code goes to an existing account");
    // A code typed for it is answered exactly like a wrong code for a new sign-up.
    let nowhere = verify(&app, &again.body["challenge"], "123456").await;
    let wrong = verify(&app, &fresh.body["challenge"], "123456").await;
    assert_eq!((nowhere.status, &nowhere.body), (wrong.status, &wrong.body));
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let app = test_app().await;
    let (cookie, _) = signed_up(&app, "jeanne@example.fr").await;
    // Active every 29 minutes: alive until 12 hours after login.
    for _ in 0..24 {
        app.clock.advance(29 * 60);
        assert_eq!(
            get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
            StatusCode::OK
        );
    }
    app.clock.advance(29 * 60);
    assert!(app.clock_now() - START > 12 * 3600);
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Used every 20 seconds (its idle clock written once a minute, not on every request):
    // alive 40 minutes on, past its 30 idle minutes.
    let (cookie, _) = signed_up(&app, "luc@example.fr").await;
    for _ in 0..120 {
        app.clock.advance(20);
        assert_eq!(
            get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
            StatusCode::OK
        );
    }

    let (cookie, _) = signed_up(&app, "paul@example.fr").await;
    app.clock.advance(30 * 60 + 1);
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let forged = "carnet_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        get(&app.router, "/api/account/me", Some(forged)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = test_app().await;
    let body = json!({ "contact": "a@example.fr", "password": "whatever it is" });
    for extra in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
        [("sec-fetch-site", "same-site")],
    ] {
        let refused = post(&app.router, "/api/account/login", body.clone(), None, &extra).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{extra:?}");
        assert_eq!(ours(&refused), json!({ "error": "forbidden" }));
    }
    for extra in [[("origin", "http://localhost")], [("sec-fetch-site", "same-origin")]] {
        let allowed = post(&app.router, "/api/account/login", body.clone(), None, &extra).await;
        assert_eq!(allowed.status, StatusCode::UNAUTHORIZED, "{extra:?}");
    }
}

#[tokio::test]
async fn a_pending_sign_up_is_replaced_and_can_be_finished_by_logging_in() {
    let app = test_app().await;
    let first =
        post(&app.router, "/api/account/signup", signup_body("lea@example.fr"), None, &[]).await;
    let first_code = last_code(&app, "lea@example.fr").await;
    let second =
        post(&app.router, "/api/account/signup", signup_body("lea@example.fr"), None, &[]).await;
    assert_eq!(second.status, StatusCode::ACCEPTED);
    // The first attempt is void.
    let void = verify(&app, &first.body["challenge"], &first_code).await;
    assert_eq!(void.status, StatusCode::GONE);
    // Logging in with the password sends an activation code, which activates and signs in.
    let challenge = login_challenge(&app, "lea@example.fr", PASSWORD).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED);
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(message.subject, "Votre code d'activation Carnet");
    let code = code_in(&message.body).unwrap();
    let done = verify(&app, &challenge.body["challenge"], &code).await;
    assert_eq!(done.status, StatusCode::OK);
}

#[tokio::test]
async fn messages_follow_the_interface_language() {
    let app = test_app().await;
    let sent = post(
        &app.router,
        "/api/account/signup",
        signup_body("anna@example.com"),
        Some("i18n_pref_locale=en"),
        &[],
    )
    .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(message.subject, "Your Carnet activation code");
}
