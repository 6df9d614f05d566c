//! An authenticator app instead of the message code: set up with a code it shows, one step of
//! drift, never a replay; its secret sealed at rest, through a key rotation and from a secret
//! once written in clear; replaced only by its owner, a lost one turned off by recovery, and
//! still asked for on a closed record.

use axum::{Router, http::StatusCode};
use serde_json::{Value, json};

use super::fixtures::{
    PASSWORD, authenticator_code, database_bytes, login_challenge, password_then_code, post,
    post_from, signed_up, verify,
};
use crate::{TestApp, get, test_app, text};

#[tokio::test]
async fn an_authenticator_app_replaces_the_message_code() {
    let app = test_app().await;
    let (cookie, csrf) = signed_up(&app, "jeanne@example.fr").await;

    // Setting up needs the session, its CSRF token and the password.
    let with_password = json!({ "current_password": PASSWORD });
    let refused =
        post(&app.router, "/api/account/totp/setup", with_password.clone(), Some(&cookie), &[])
            .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let headers = [("x-csrf-token", csrf.as_str())];
    let no_password = json!({ "current_password": "not the password at all" });
    let wrong =
        post(&app.router, "/api/account/totp/setup", no_password, Some(&cookie), &headers).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{:?}", wrong.body);
    let setup = post(
        &app.router,
        "/api/account/totp/setup",
        with_password,
        Some(&cookie),
        &[("x-csrf-token", &csrf)],
    )
    .await;
    assert_eq!(setup.status, StatusCode::OK, "{:?}", setup.body);
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    assert!(setup.body["uri"].as_str().unwrap().starts_with("otpauth://totp/Carnet:"));

    // Not on until a right code is typed.
    let enable = |code: String| {
        let router = app.router.clone();
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        async move {
            post(
                &router,
                "/api/account/totp/enable",
                json!({ "code": code }),
                Some(&cookie),
                &[("x-csrf-token", &csrf)],
            )
            .await
        }
    };
    let now = app.clock_now();
    let right = authenticator_code(&secret, now);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let refused = enable(wrong.to_owned()).await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_code"))
    );
    assert_eq!(enable(right).await.status, StatusCode::NO_CONTENT);
    let me = get(&app.router, "/api/account/me", Some(&cookie)).await;
    let me: Value = serde_json::from_str(&text(me).await).unwrap();
    assert_eq!(me["totp_enabled"], true);

    // Login now asks for the app's code and sends nothing.
    app.clock.advance(30);
    let messages_before = app.store.outbox(100).await.unwrap().len();
    let challenge = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED);
    assert_eq!(challenge.body["method"], "authenticator");
    assert_eq!(challenge.body["sent_to"], "");
    assert_eq!(app.store.outbox(100).await.unwrap().len(), messages_before);
    let code = authenticator_code(&secret, app.clock_now());
    assert_eq!(verify(&app, &challenge.body["challenge"], &code).await.status, StatusCode::OK);

    // The same code cannot be replayed, even in a new login within its 30 seconds.
    let again = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    let replay = verify(&app, &again.body["challenge"], &code).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    // The next step's code works.
    app.clock.advance(30);
    let next = authenticator_code(&secret, app.clock_now());
    assert_eq!(verify(&app, &again.body["challenge"], &next).await.status, StatusCode::OK);
}

#[tokio::test]
async fn authenticator_secrets_are_sealed_and_survive_a_key_rotation() {
    use server::vault::Vault;
    let keys = tempfile::tempdir().unwrap();
    let keys = keys.path().join("keys");
    let first = keys.clone();
    let app =
        crate::test_app_with(move |state| state.with_vault(Vault::open_dir(&first).unwrap())).await;
    let (cookie, csrf) = signed_up(&app, "jeanne@example.fr").await;
    let headers = [("x-csrf-token", csrf.as_str())];
    let with_password = json!({ "current_password": PASSWORD });
    let setup =
        post(&app.router, "/api/account/totp/setup", with_password, Some(&cookie), &headers).await;
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let code = authenticator_code(&secret, app.clock_now());
    let enable = post(
        &app.router,
        "/api/account/totp/enable",
        json!({ "code": code }),
        Some(&cookie),
        &headers,
    )
    .await;
    assert_eq!(enable.status, StatusCode::NO_CONTENT);

    // The database alone does not hold the secret.
    let raw = totp_rs::Secret::Encoded(secret.clone()).to_bytes().unwrap();
    let bytes = database_bytes(&app).await;
    assert!(!bytes.windows(raw.len()).any(|w| w == raw.as_slice()), "the secret is in clear");

    // Rotate (the server stopped), restart with the new key: the app's codes still work.
    let mut vault = Vault::open_dir(&keys).unwrap();
    let before = vault.current_key_id().to_owned();
    let rotation = server::rotation::rotate(app.store.as_ref(), &mut vault).await.unwrap();
    assert_eq!((rotation.rewrapped, rotation.forgotten), (1, 1));
    assert_ne!(vault.current_key_id(), before);
    assert_eq!(
        std::fs::read_dir(&keys)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "key"))
            .count(),
        1
    );
    let after = keys.clone();
    let router = app.restarted(move |state| state.with_vault(Vault::open_dir(&after).unwrap()));
    assert_eq!(authenticator_login(&app, &router, &secret).await, StatusCode::OK);
    // Without the key, nothing opens: a restart with another key cannot check the code.
    let stranger = app.restarted(|state| state);
    let status = authenticator_login(&app, &stranger, &secret).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

/// Logs Jeanne in with her authenticator's code of the next time step; the answer's status.
async fn authenticator_login(app: &TestApp, router: &Router, secret: &str) -> StatusCode {
    app.clock.advance(30);
    let credentials = json!({ "contact": "jeanne@example.fr", "password": PASSWORD });
    let login = post(router, "/api/account/login", credentials, None, &[]).await;
    assert_eq!(login.body["method"], "authenticator");
    let code = authenticator_code(secret, app.clock_now());
    let body = json!({ "challenge": login.body["challenge"], "code": code });
    post(router, "/api/account/verify", body, None, &[]).await.status
}

#[tokio::test]
async fn a_secret_written_in_clear_before_sealing_is_sealed_at_start() {
    use sqlx::Connection;
    let app = test_app().await;
    signed_up(&app, "jeanne@example.fr").await;
    let raw = [42u8; 20];
    let mut conn = app.behind_the_server().await;
    sqlx::query("UPDATE accounts SET totp_secret = $1, totp_enabled = TRUE")
        .bind(raw.as_slice())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let state = server::AppState::with_clock(
        app.store.clone(),
        server::vault::Vault::ephemeral(),
        &app.dir.path().join("site"),
        "http://localhost",
        std::sync::Arc::new(app.clock.clone()),
    )
    .unwrap();
    assert_eq!(server::account::totp::seal_legacy_secrets(&state).await.unwrap(), 1);
    assert_eq!(server::account::totp::seal_legacy_secrets(&state).await.unwrap(), 0, "once only");
    // The file keeps no copy on SQLite (secure_delete, the journal emptied). On PostgreSQL the
    // rewrite is best effort: a row version another transaction may still see (an autovacuum
    // worker's snapshot) is copied into the new file, and the WAL holds it anyway; there a
    // secret in clear never arrives (PostgreSQL installations are new, and migrate-store
    // refuses a file that still has one), so no file check is made.
    if !app.is_postgres() {
        assert!(!database_bytes(&app).await.windows(20).any(|w| w == raw), "still in clear");
    }
    let router = server::app(state);
    let secret = totp_rs::Secret::Raw(raw.to_vec()).to_encoded().to_string();
    assert_eq!(authenticator_login(&app, &router, &secret).await, StatusCode::OK, "still enabled");
}

#[tokio::test]
async fn an_authenticator_is_replaced_only_by_its_owner_and_a_lost_one_is_turned_off_by_recovery() {
    use super::fixtures::{PASSWORD, authenticator_code};
    let app = test_app().await;
    let (cookie, csrf) = super::fixtures::signed_up(&app, "jeanne@example.fr").await;
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let setup =
        |body: Value| post_from(&app, "/api/account/totp/setup", body, "198.51.100.1", &headers);
    let enable = |code: String| {
        post_from(
            &app,
            "/api/account/totp/enable",
            json!({ "code": code }),
            "198.51.100.1",
            &headers,
        )
    };
    // A session alone does not set one up.
    assert_eq!(
        setup(json!({ "current_password": "not the password" })).await.status,
        StatusCode::UNAUTHORIZED
    );
    let first = setup(json!({ "current_password": PASSWORD })).await;
    let first_secret = first.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        enable(authenticator_code(&first_secret, app.clock_now())).await.status,
        StatusCode::NO_CONTENT
    );
    let told = app.store.outbox(1).await.unwrap();
    assert_eq!(told[0].subject, "Application d'authentification associée à Carnet");

    // Replacing it needs the current authenticator's code too.
    let no_code = setup(json!({ "current_password": PASSWORD })).await;
    assert_eq!(
        (no_code.status, no_code.body["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("current_code"))
    );
    app.clock.advance(30);
    let second = setup(json!({ "current_password": PASSWORD,
        "current_code": authenticator_code(&first_secret, app.clock_now()) }))
    .await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    // Until the new one is confirmed, the old one still logs in.
    app.clock.advance(30);
    let login = password_then_code(
        &app,
        "jeanne@example.fr",
        "198.51.100.2",
        &authenticator_code(&first_secret, app.clock_now()),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);

    // Lost: a recovery through the contact turns it off, says so, and the code comes by message.
    let asked = post_from(
        &app,
        "/api/account/recover",
        json!({ "contact": "jeanne@example.fr" }),
        "198.51.100.3",
        &[],
    )
    .await;
    let code = super::fixtures::last_code(&app, "jeanne@example.fr").await;
    let finish = json!({ "challenge": asked.body["challenge"], "code": code, "new_password": "une nouvelle phrase de passe" });
    assert_eq!(
        post_from(&app, "/api/account/recover/finish", finish, "198.51.100.3", &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        app.store
            .outbox(3)
            .await
            .unwrap()
            .iter()
            .any(|m| m.subject == "Application d'authentification retirée de Carnet")
    );
    let body =
        json!({ "contact": "jeanne@example.fr", "password": "une nouvelle phrase de passe" });
    let challenge = post_from(&app, "/api/account/login", body, "198.51.100.4", &[]).await;
    assert_eq!(challenge.body["method"], "message");
}

#[tokio::test]
async fn a_closed_record_still_asks_for_the_authenticator() {
    use super::fixtures::{PASSWORD, authenticator_code, login_challenge, post};
    let app = test_app().await;
    let (cookie, csrf) = super::fixtures::signed_up(&app, "jeanne@example.fr").await;
    let headers = [("x-csrf-token", csrf.as_str())];
    let setup = json!({ "current_password": PASSWORD });
    let setup = post(&app.router, "/api/account/totp/setup", setup, Some(&cookie), &headers).await;
    let secret = setup.body["secret"].as_str().unwrap().to_owned();
    let code = json!({ "code": authenticator_code(&secret, app.clock_now()) });
    let on = post(&app.router, "/api/account/totp/enable", code, Some(&cookie), &headers).await;
    assert_eq!(on.status, StatusCode::NO_CONTENT);
    let close = json!({ "password": PASSWORD });
    let closed = post(&app.router, "/api/account/close", close, Some(&cookie), &headers).await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT);
    // The archived record is still health data: the password alone opens nothing.
    let challenge = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED);
    assert_eq!(challenge.body["method"], "authenticator");
}
