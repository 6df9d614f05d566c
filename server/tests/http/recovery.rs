//! Changing what proves an account: a forgotten password replaced with a code, a password changed
//! with the current one, a new contact proven by a code; each ends the other sessions.

use axum::http::StatusCode;
use serde_json::json;

use super::fixtures::{
    PASSWORD, ask_recovery, code_in, last_code, login_challenge, ours, post, session_cookie,
    signed_up, verify,
};
use crate::{get, test_app};

const NEW_PASSWORD: &str = "les goélands crient au port";

#[tokio::test]
async fn a_forgotten_password_is_replaced_with_a_code_and_every_session_ends() {
    let app = test_app().await;
    let (cookie, _) = signed_up(&app, "jeanne@example.fr").await;

    // Same answer for an unknown contact, and nothing is sent.
    let before = app.store.outbox(100).await.unwrap().len();
    let unknown =
        post(&app.router, "/api/account/recover", json!({ "contact": "x@example.fr" }), None, &[])
            .await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(app.store.outbox(100).await.unwrap().len(), before);

    let sent = ask_recovery(&app, "jeanne@example.fr").await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    assert_eq!(sent.body.as_object().unwrap().len(), unknown.body.as_object().unwrap().len());
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(message.subject, "Votre code pour changer de mot de passe Carnet");
    let code = code_in(&message.body).unwrap();

    // A recovery code never opens a session by itself.
    assert_eq!(verify(&app, &sent.body["challenge"], &code).await.status, StatusCode::GONE);
    let sent = ask_recovery(&app, "jeanne@example.fr").await;
    let code = last_code(&app, "jeanne@example.fr").await;
    let finish = |password: &str, code: &str| json!({ "challenge": sent.body["challenge"], "code": code, "new_password": password });

    // A weak or personal password is refused on its field; a weak one spends no try.
    let weak =
        post(&app.router, "/api/account/recover/finish", finish("password1", &code), None, &[])
            .await;
    assert_eq!(
        ours(&weak),
        json!({ "error": "input", "field": "new_password", "input": "password_too_common" })
    );
    let personal = post(
        &app.router,
        "/api/account/recover/finish",
        finish("Jeanne Martin 1980", &code),
        None,
        &[],
    )
    .await;
    assert_eq!(personal.body["input"], "password_too_common");

    let done =
        post(&app.router, "/api/account/recover/finish", finish(NEW_PASSWORD, &code), None, &[])
            .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    // The old session is over, the person is told, the old password is dead, the new one works.
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.store.outbox(1).await.unwrap()[0].subject, "Votre mot de passe Carnet a changé");
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", NEW_PASSWORD).await.status,
        StatusCode::ACCEPTED
    );
    // The code worked once.
    let again =
        post(&app.router, "/api/account/recover/finish", finish(NEW_PASSWORD, &code), None, &[])
            .await;
    assert_eq!(again.status, StatusCode::GONE);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = test_app().await;
    let (phone, _) = signed_up(&app, "jeanne@example.fr").await;
    let challenge = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    let code = last_code(&app, "jeanne@example.fr").await;
    let laptop = verify(&app, &challenge.body["challenge"], &code).await;
    let csrf = laptop.body["csrf_token"].as_str().unwrap().to_owned();
    let laptop = session_cookie(&laptop);

    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let headers = [("x-csrf-token", csrf.as_str())];
    let wrong = post(
        &app.router,
        "/api/account/password",
        change("nope nope nope", NEW_PASSWORD),
        Some(&laptop),
        &headers,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let weak = post(
        &app.router,
        "/api/account/password",
        change(PASSWORD, "azerty123"),
        Some(&laptop),
        &headers,
    )
    .await;
    assert_eq!(weak.body["field"], "new_password");
    let no_token = post(
        &app.router,
        "/api/account/password",
        change(PASSWORD, NEW_PASSWORD),
        Some(&laptop),
        &[],
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);

    let done = post(
        &app.router,
        "/api/account/password",
        change(PASSWORD, NEW_PASSWORD),
        Some(&laptop),
        &headers,
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&app.router, "/api/account/me", Some(&laptop)).await.status(), StatusCode::OK);
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&phone)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.store.outbox(1).await.unwrap()[0].subject, "Votre mot de passe Carnet a changé");
}

#[tokio::test]
async fn a_new_contact_is_proven_by_a_code_then_the_old_one_is_told_and_other_sessions_end() {
    let app = test_app().await;
    let (cookie, csrf) = signed_up(&app, "jeanne@example.fr").await;
    let laptop = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    let code = last_code(&app, "jeanne@example.fr").await;
    let laptop = session_cookie(&verify(&app, &laptop.body["challenge"], &code).await);
    let headers = [("x-csrf-token", csrf.as_str())];
    let change = |contact: &str, password: &str| {
        let (router, cookie) = (app.router.clone(), cookie.clone());
        let body = json!({ "contact": contact, "password": password });
        let csrf = csrf.clone();
        async move {
            post(&router, "/api/account/contact", body, Some(&cookie), &[("x-csrf-token", &csrf)])
                .await
        }
    };
    assert_eq!(
        change("jeanne.m@example.fr", "wrong password").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(change("jeanne@example.fr", PASSWORD).await.body["input"], "contact_invalid");

    let sent = change("jeanne.m@example.fr", PASSWORD).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    assert_eq!(sent.body["sent_to"], "j•••@example.fr");
    let code = last_code(&app, "jeanne.m@example.fr").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = |code: &str| json!({ "challenge": sent.body["challenge"], "code": code });
    let refused =
        post(&app.router, "/api/account/contact/verify", body(wrong), Some(&cookie), &headers)
            .await;
    assert_eq!(refused.body["attempts_left"], 4);
    // A contact code opens no session at the login door.
    assert_eq!(verify(&app, &sent.body["challenge"], &code).await.status, StatusCode::GONE);
    let done =
        post(&app.router, "/api/account/contact/verify", body(&code), Some(&cookie), &headers)
            .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["contact"], "j•••@example.fr");
    let again =
        post(&app.router, "/api/account/contact/verify", body(&code), Some(&cookie), &headers)
            .await;
    assert_eq!(again.status, StatusCode::GONE, "single use");

    // The old contact is told; the other session is over; logins use the new contact.
    let told = app.store.outbox(10).await.unwrap();
    let told = told.iter().find(|m| m.recipient == "jeanne@example.fr").unwrap();
    assert!(told.body.contains("j•••@example.fr"), "{}", told.body);
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&laptop)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get(&app.router, "/api/account/me", Some(&cookie)).await.status(), StatusCode::OK);
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_challenge(&app, "jeanne.m@example.fr", PASSWORD).await.status,
        StatusCode::ACCEPTED
    );

    // Someone else's contact: the same answer, and its owner is told instead of sent a code.
    signed_up(&app, "paul@example.fr").await;
    let before = app.store.outbox(100).await.unwrap().len();
    let taken = change("paul@example.fr", PASSWORD).await;
    assert_eq!(taken.status, StatusCode::ACCEPTED);
    let messages = app.store.outbox(100).await.unwrap();
    assert_eq!(messages.len(), before + 1);
    assert_eq!(messages[0].recipient, "paul@example.fr");
    assert!(code_in(&messages[0].body).is_none(), "no code to someone else's contact");
}
