//! Professionals: card login and its session, and records opened for a patient who is present.
//! Legal representatives have `representatives.rs`, closing a record `closing.rs`.

use app::{api::pro::card_login_message, directory::Profession};
use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, signature::Signer};
use serde_json::json;
use server::{account::lifecycle, store::AccountStatus};

use super::fixtures::{
    AGENT, DENTIST, DOCTOR, PASSWORD, ask_recovery, call, card_login, directory_with_cards,
    json_get, last_code, login_challenge, named_entry, post, pro_session, session_cookie,
    signed_up, verify,
};
use crate::{START, test_app};

#[tokio::test]
async fn the_card_proves_who_logs_in_and_the_directory_says_what_they_are() {
    let app = test_app().await;
    let [doctor, _, dentist] = directory_with_cards(&app).await;
    let reply = card_login(&app, DOCTOR, &doctor).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["professional"]["profession"], "physician");
    assert_eq!(reply.body["professional"]["specialty"], "general_practice");
    let cookie = session_cookie(&reply);
    let (status, me) = json_get(&app, "/api/pro/me", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["professional"]["rpps"], DOCTOR);
    // A professional session is not a patient's.
    assert_eq!(json_get(&app, "/api/account/me", &cookie).await.0, StatusCode::FORBIDDEN);

    // Another card's signature, an unknown or malformed identifier: the same refusal.
    for (rpps, key) in [(DOCTOR, &dentist), ("10003456786", &doctor), ("123", &doctor)] {
        let refused = card_login(&app, rpps, key).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{rpps}");
        assert_eq!(refused.body["error"], "bad_credentials");
    }
    // A challenge serves once, and only for a while.
    let challenge = post(&app.router, "/api/pro/challenge", json!(null), None, &[]).await;
    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();
    let signature: Signature =
        doctor.sign(card_login_message("http://localhost", &challenge).as_bytes());
    let body = json!({ "rpps": DOCTOR, "challenge": challenge,
        "signature": URL_SAFE_NO_PAD.encode(signature.to_bytes()) });
    app.clock.advance(121);
    let late = post(&app.router, "/api/pro/login", body, None, &[]).await;
    assert_eq!(late.status, StatusCode::GONE, "expired challenge");
    // A signature for another site's origin is worth nothing here.
    let challenge = post(&app.router, "/api/pro/challenge", json!(null), None, &[]).await;
    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();
    let signature: Signature =
        doctor.sign(card_login_message("https://evil.example", &challenge).as_bytes());
    let body = json!({ "rpps": DOCTOR, "challenge": challenge.clone(),
        "signature": URL_SAFE_NO_PAD.encode(signature.to_bytes()) });
    let phished = post(&app.router, "/api/pro/login", body.clone(), None, &[]).await;
    assert_eq!(phished.status, StatusCode::UNAUTHORIZED);
    let replayed = post(&app.router, "/api/pro/login", body, None, &[]).await;
    assert_eq!(replayed.status, StatusCode::GONE, "a spent challenge");

    let events = app.store.professional_events(&crate::rpps(DOCTOR)).await.unwrap();
    let names: Vec<&str> = events.iter().map(|(_, event)| event.as_str()).collect();
    assert!(names.starts_with(&["card_login", "card_login_failed"]), "{names:?}");

    // Leaving the directory ends the session at once and forbids logging in.
    let fresh = card_login(&app, DOCTOR, &doctor).await;
    let live = session_cookie(&fresh);
    let report = app
        .store
        .import_directory(&[named_entry(DENTIST, "Durand", Profession::Dentist)], START)
        .await;
    assert_eq!(report.unwrap().deactivated, 2);
    assert_eq!(json_get(&app, "/api/pro/me", &live).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(card_login(&app, DOCTOR, &doctor).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_professional_session_ends_after_fifteen_idle_minutes() {
    let app = test_app().await;
    let [doctor, ..] = directory_with_cards(&app).await;
    let (cookie, _) = pro_session(&app, DOCTOR, &doctor).await;
    app.clock.advance(14 * 60);
    assert_eq!(json_get(&app, "/api/pro/me", &cookie).await.0, StatusCode::OK);
    app.clock.advance(15 * 60 + 1);
    assert_eq!(json_get(&app, "/api/pro/me", &cookie).await.0, StatusCode::UNAUTHORIZED);
    lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap();
    let events = app.store.professional_events(&crate::rpps(DOCTOR)).await.unwrap();
    assert_eq!(events.last().map(|(_, event)| event.as_str()), Some("session_expired"));
}

#[tokio::test]
async fn a_record_opened_for_a_patient_is_unusable_until_they_activate_it() {
    let app = test_app().await;
    let [doctor, agent, _] = directory_with_cards(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let patient = json!({ "given_name": "Paul", "family_name": "Leroy",
        "birth_date": "1950-03-02", "contact": "paul@example.fr" });

    // Refusals first: no CSRF token, a patient's session, a minor, a malformed contact.
    let no_csrf = post(&app.router, "/api/pro/records", patient.clone(), Some(&pro.0), &[]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let jeanne = signed_up(&app, "jeanne@example.fr").await;
    let as_patient = call(&app, "/api/pro/records", patient.clone(), &jeanne).await;
    assert_eq!(as_patient.status, StatusCode::FORBIDDEN);
    let mut minor = patient.clone();
    minor["birth_date"] = json!("2015-01-01");
    let refused = call(&app, "/api/pro/records", minor, &pro).await;
    assert_eq!(
        (refused.status, refused.body["input"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("minor"))
    );

    let opened = call(&app, "/api/pro/records", patient.clone(), &pro).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["notified"], "p•••@example.fr");
    let account = app.store.account_by_contact("paul@example.fr").await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Awaiting);
    assert_eq!(account.opened_by.as_ref().map(app::directory::Rpps::as_str), Some(DOCTOR));
    let notice = &app.store.outbox(1).await.unwrap()[0];
    assert!(notice.body.contains("http://localhost/activer") && notice.body.contains("Martin"));

    // Nobody can log in to it, nor take it over by signing up; a second opening is refused.
    let login = login_challenge(&app, "paul@example.fr", PASSWORD).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let mut signup = super::fixtures::signup_body("paul@example.fr");
    signup["given_name"] = json!("Intrus");
    let taken = post(&app.router, "/api/account/signup", signup, None, &[]).await;
    assert_eq!(taken.status, StatusCode::ACCEPTED, "same answer as a sign-up");
    let still = app.store.account_by_contact("paul@example.fr").await.unwrap().unwrap();
    assert_eq!((still.given_name.as_str(), still.status), ("Paul", AccountStatus::Awaiting));
    let agent_session = pro_session(&app, AGENT, &agent).await;
    let again = call(&app, "/api/pro/records", patient, &agent_session).await;
    assert_eq!(
        (again.status, again.body["reason"].clone()),
        (StatusCode::CONFLICT, json!("record_exists"))
    );

    // The patient activates: a code to the contact, then their password.
    let asked = ask_recovery(&app, "paul@example.fr").await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert!(message.subject.contains("activation"), "{}", message.subject);
    let code = last_code(&app, "paul@example.fr").await;
    let finish =
        json!({ "challenge": asked.body["challenge"], "code": code, "new_password": PASSWORD });
    let done = post(&app.router, "/api/account/recover/finish", finish, None, &[]).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    let active = app.store.account_by_contact("paul@example.fr").await.unwrap().unwrap();
    assert_eq!(active.status, AccountStatus::Active);
    let login = login_challenge(&app, "paul@example.fr", PASSWORD).await;
    assert_eq!(login.status, StatusCode::ACCEPTED);
    let code = last_code(&app, "paul@example.fr").await;
    assert_eq!(verify(&app, &login.body["challenge"], &code).await.status, StatusCode::OK);
}
