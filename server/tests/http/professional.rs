//! Professionals: card login, records opened for a patient who is present, legal
//! representatives of minors and protected adults, and closing a record.

use app::{
    api::pro::card_login_message,
    directory::{Profession, Professional, Rpps},
};
use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use serde_json::{Value, json};
use server::{
    account::lifecycle::{self, AccountRules},
    store::{AccountStatus, AccountStore, ConsentMethod, OutboxStore, PeopleStore},
};

use super::fixtures::{
    PASSWORD, Reply, last_code, login_challenge, post, session_cookie, signed_up, verify,
};
use crate::{START, TestApp, get, test_app, test_app_with};

const DOCTOR: &str = "10000000009";
const AGENT: &str = "10001234565";
const DENTIST: &str = "10002345675";
const DAY: i64 = 86_400;

fn entry(rpps: &str, family_name: &str, profession: Profession) -> Professional {
    Professional {
        rpps: Rpps::parse(rpps).unwrap(),
        given_name: "Anne".into(),
        family_name: family_name.into(),
        profession,
        specialty: (profession == Profession::Physician).then(|| "general_practice".into()),
        place: "Cabinet du Port, Le Havre".into(),
    }
}

/// The directory with a physician, an insurer agent and a dentist, each with a card.
async fn directory(app: &TestApp) -> [SigningKey; 3] {
    let entries = [
        entry(DOCTOR, "Martin", Profession::Physician),
        entry(AGENT, "Caisse", Profession::InsurerAgent),
        entry(DENTIST, "Durand", Profession::Dentist),
    ];
    app.store.import_directory(&entries, START).await.unwrap();
    let mut keys = Vec::new();
    for rpps in [DOCTOR, AGENT, DENTIST] {
        let (public_key, key) = crate::test_card(rpps);
        assert!(app.store.set_card_key(rpps, &public_key).await.unwrap());
        keys.push(key);
    }
    keys.try_into().ok().unwrap()
}

async fn card_login(app: &TestApp, rpps: &str, key: &SigningKey) -> Reply {
    let challenge = post(&app.router, "/api/pro/challenge", json!(null), None, &[]).await;
    assert_eq!(challenge.status, StatusCode::OK, "{:?}", challenge.body);
    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();
    let message = card_login_message("http://localhost", &challenge);
    let signature: Signature = key.sign(message.as_bytes());
    let body = json!({
        "rpps": rpps,
        "challenge": challenge,
        "signature": URL_SAFE_NO_PAD.encode(signature.to_bytes()),
    });
    post(&app.router, "/api/pro/login", body, None, &[]).await
}

async fn pro_session(app: &TestApp, rpps: &str, key: &SigningKey) -> (String, String) {
    let reply = card_login(app, rpps, key).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    (session_cookie(&reply), reply.body["csrf_token"].as_str().unwrap().to_owned())
}

/// Logs in again (sessions end after 30 idle minutes, and these tests skip days).
async fn fresh_session(app: &TestApp, contact: &str) -> (String, String) {
    let challenge = login_challenge(app, contact, PASSWORD).await;
    let code = last_code(app, contact).await;
    let verified = verify(app, &challenge.body["challenge"], &code).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    (session_cookie(&verified), verified.body["csrf_token"].as_str().unwrap().to_owned())
}

async fn json_get(app: &TestApp, uri: &str, cookie: &str) -> (StatusCode, Value) {
    let response = get(&app.router, uri, Some(cookie)).await;
    let status = response.status();
    let body = crate::text(response).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn signed_post(app: &TestApp, uri: &str, body: Value, session: &(String, String)) -> Reply {
    post(&app.router, uri, body, Some(&session.0), &[("x-csrf-token", &session.1)]).await
}

#[tokio::test]
async fn the_card_proves_who_logs_in_and_the_directory_says_what_they_are() {
    let app = test_app().await;
    let [doctor, _, dentist] = directory(&app).await;
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

    let events = app.store.professional_events(DOCTOR).await.unwrap();
    let names: Vec<&str> = events.iter().map(|(_, event)| event.as_str()).collect();
    assert!(names.starts_with(&["card_login", "card_login_failed"]), "{names:?}");

    // Leaving the directory ends the session at once and forbids logging in.
    let fresh = card_login(&app, DOCTOR, &doctor).await;
    let live = session_cookie(&fresh);
    let report =
        app.store.import_directory(&[entry(DENTIST, "Durand", Profession::Dentist)], START).await;
    assert_eq!(report.unwrap().deactivated, 2);
    assert_eq!(json_get(&app, "/api/pro/me", &live).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(card_login(&app, DOCTOR, &doctor).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_professional_session_ends_after_fifteen_idle_minutes() {
    let app = test_app().await;
    let [doctor, ..] = directory(&app).await;
    let (cookie, _) = pro_session(&app, DOCTOR, &doctor).await;
    app.clock.advance(14 * 60);
    assert_eq!(json_get(&app, "/api/pro/me", &cookie).await.0, StatusCode::OK);
    app.clock.advance(15 * 60 + 1);
    assert_eq!(json_get(&app, "/api/pro/me", &cookie).await.0, StatusCode::UNAUTHORIZED);
    lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap();
    let events = app.store.professional_events(DOCTOR).await.unwrap();
    assert_eq!(events.last().map(|(_, event)| event.as_str()), Some("session_expired"));
}

#[tokio::test]
async fn a_record_opened_for_a_patient_is_unusable_until_they_activate_it() {
    let app = test_app().await;
    let [doctor, agent, _] = directory(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let patient = json!({ "given_name": "Paul", "family_name": "Leroy",
        "birth_date": "1950-03-02", "contact": "paul@example.fr" });

    // Refusals first: no CSRF token, a patient's session, a minor, a malformed contact.
    let no_csrf = post(&app.router, "/api/pro/records", patient.clone(), Some(&pro.0), &[]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let jeanne = signed_up(&app, "jeanne@example.fr").await;
    let as_patient = signed_post(&app, "/api/pro/records", patient.clone(), &jeanne).await;
    assert_eq!(as_patient.status, StatusCode::FORBIDDEN);
    let mut minor = patient.clone();
    minor["birth_date"] = json!("2015-01-01");
    let refused = signed_post(&app, "/api/pro/records", minor, &pro).await;
    assert_eq!(
        (refused.status, refused.body["input"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("minor"))
    );

    let opened = signed_post(&app, "/api/pro/records", patient.clone(), &pro).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    assert_eq!(opened.body["notified"], "p•••@example.fr");
    let account = app.store.account_by_contact("paul@example.fr").await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Awaiting);
    assert_eq!(account.opened_by.as_deref(), Some(DOCTOR));
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
    let again = signed_post(&app, "/api/pro/records", patient, &agent_session).await;
    assert_eq!(
        (again.status, again.body["reason"].clone()),
        (StatusCode::CONFLICT, json!("record_exists"))
    );

    // The patient activates: a code to the contact, then their password.
    let asked = post(
        &app.router,
        "/api/account/recover",
        json!({ "contact": "paul@example.fr" }),
        None,
        &[],
    )
    .await;
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

fn minor_body(birth_date: &str, representative: &str) -> Value {
    json!({ "given_name": "Léa", "family_name": "Martin", "birth_date": birth_date,
        "kind": "minor", "contact": "lea@example.fr", "representative_contact": representative,
        "consent": "written" })
}

#[tokio::test]
async fn a_representative_manages_a_minors_record_until_the_minor_comes_of_age() {
    let app = test_app().await;
    let [doctor, ..] = directory(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let parent = signed_up(&app, "jeanne@example.fr").await;

    let unknown = signed_post(
        &app,
        "/api/pro/records/represented",
        minor_body("2008-12-01", "nobody@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(unknown.body["reason"], "representative_unknown");
    let adult = signed_post(
        &app,
        "/api/pro/records/represented",
        minor_body("2000-01-01", "jeanne@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(adult.body["input"], "not_a_minor");

    // Léa turns 18 on 2026-12-01, six days after START.
    let opened = signed_post(
        &app,
        "/api/pro/records/represented",
        minor_body("2008-12-01", "jeanne@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    let twice = signed_post(
        &app,
        "/api/pro/records/represented",
        minor_body("2008-12-01", "jeanne@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(twice.body["reason"], "record_exists");
    let lea = app.store.account_by_contact("lea@example.fr").await.unwrap().unwrap();
    let consent = &app.store.representations_of(&lea.id).await.unwrap()[0];
    assert_eq!(
        (consent.consent_method, consent.recorded_by.as_str(), consent.consent_at),
        (ConsentMethod::Written, DOCTOR, START)
    );
    let notice = &app.store.outbox(1).await.unwrap()[0];
    assert_eq!(notice.recipient, "jeanne@example.fr");
    assert!(notice.body.contains("Léa Martin"));

    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["represents"][0]["id"], lea.id.as_str());
    let switched =
        signed_post(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent)
            .await;
    assert_eq!(switched.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["acting_for"]["given_name"], "Léa");

    // While represented, Léa cannot activate the record herself: no code is sent.
    let before = app.store.outbox(100).await.unwrap().len();
    post(&app.router, "/api/account/recover", json!({ "contact": "lea@example.fr" }), None, &[])
        .await;
    assert_eq!(app.store.outbox(100).await.unwrap().len(), before);

    // On her 18th birthday the next request is already back on Jeanne's own record…
    app.clock.advance(6 * DAY - 60);
    let parent = fresh_session(&app, "jeanne@example.fr").await;
    signed_post(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent).await;
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["acting_for"]["given_name"], "Léa", "still 17 a minute before midnight");
    app.clock.advance(60);
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!((me["acting_for"].clone(), me["represents"].clone()), (Value::Null, json!([])));
    let refused =
        signed_post(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent)
            .await;
    assert_eq!(refused.body["reason"], "not_represented");
    // …and Léa takes over her record.
    let asked = post(
        &app.router,
        "/api/account/recover",
        json!({ "contact": "lea@example.fr" }),
        None,
        &[],
    )
    .await;
    let code = last_code(&app, "lea@example.fr").await;
    let finish =
        json!({ "challenge": asked.body["challenge"], "code": code, "new_password": PASSWORD });
    assert_eq!(
        post(&app.router, "/api/account/recover/finish", finish, None, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    let lea = app.store.account_by_id(&lea.id).await.unwrap().unwrap();
    assert_eq!(lea.status, AccountStatus::Active);
}

#[tokio::test]
async fn a_majority_age_of_nineteen_keeps_the_representative_a_year_longer() {
    let rules = AccountRules { majority_age: 19, ..AccountRules::default() };
    let app = test_app_with(|state| state.with_rules(rules)).await;
    let [doctor, ..] = directory(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let parent = signed_up(&app, "jeanne@example.fr").await;
    let body = minor_body("2008-01-01", "jeanne@example.fr");
    let opened = signed_post(&app, "/api/pro/records/represented", body, &pro).await;
    assert_eq!(opened.status, StatusCode::CREATED, "18 is still a minor here: {:?}", opened.body);
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["represents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_withdrawn_representation_ends_on_the_next_request() {
    let app = test_app().await;
    let [_, agent, _] = directory(&app).await;
    let pro = pro_session(&app, AGENT, &agent).await;
    let guardian = signed_up(&app, "tuteur@example.fr").await;
    let stranger = signed_up(&app, "autre@example.fr").await;
    let body = json!({ "given_name": "Marcel", "family_name": "Petit", "birth_date": "1940-07-14",
        "kind": "protected_adult", "contact": "", "representative_contact": "tuteur@example.fr",
        "consent": "court_decision" });
    let opened = signed_post(&app, "/api/pro/records/represented", body.clone(), &pro).await;
    assert_eq!(
        opened.status,
        StatusCode::CREATED,
        "an insurer agent may open it: {:?}",
        opened.body
    );
    let (_, me) = json_get(&app, "/api/account/me", &guardian.0).await;
    let marcel = me["represents"][0]["id"].as_str().unwrap().to_owned();

    let intrusion =
        signed_post(&app, "/api/account/acting-for", json!({ "account_id": marcel }), &stranger)
            .await;
    assert_eq!(
        (intrusion.status, intrusion.body["reason"].clone()),
        (StatusCode::FORBIDDEN, json!("not_represented"))
    );

    // A second browser of the guardian manages Marcel's record; the first one withdraws.
    let other_login = login_challenge(&app, "tuteur@example.fr", PASSWORD).await;
    let code = last_code(&app, "tuteur@example.fr").await;
    let other = verify(&app, &other_login.body["challenge"], &code).await;
    let other = (session_cookie(&other), other.body["csrf_token"].as_str().unwrap().to_owned());
    signed_post(&app, "/api/account/acting-for", json!({ "account_id": marcel }), &other).await;
    let withdrawn = signed_post(
        &app,
        "/api/account/representation/withdraw",
        json!({ "account_id": marcel }),
        &guardian,
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &other.0).await;
    assert_eq!(me["acting_for"], Value::Null, "the other session is back on its own record");
    let again = signed_post(
        &app,
        "/api/account/representation/withdraw",
        json!({ "account_id": marcel }),
        &guardian,
    )
    .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_closed_record_is_archived_reopened_or_erased_after_the_delay() {
    let app = test_app().await;
    let session = signed_up(&app, "jeanne@example.fr").await;
    let wrong = signed_post(
        &app,
        "/api/account/close",
        json!({ "password": "not the password" }),
        &session,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let closed =
        signed_post(&app, "/api/account/close", json!({ "password": PASSWORD }), &session).await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"]["closed_on"], "2026-11-25");
    assert_eq!(me["closed"]["retained_until"], "2036-11-25", "3653 days");
    assert_eq!(me["closed"]["erasure_on"], Value::Null);
    assert!(app.store.outbox(1).await.unwrap()[0].body.contains("2036-11-25"));
    // The patient still logs in to their archive.
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", PASSWORD).await.status,
        StatusCode::ACCEPTED
    );

    // Reopening asks for the password too.
    let guessed =
        signed_post(&app, "/api/account/reopen", json!({ "password": "not it" }), &session).await;
    assert_eq!(guessed.status, StatusCode::UNAUTHORIZED);
    let password = json!({ "password": crate::fixtures::PASSWORD });
    let reopened = signed_post(&app, "/api/account/reopen", password, &session).await;
    assert_eq!(reopened.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"], Value::Null);

    let erase = json!({ "password": PASSWORD, "erase": true });
    signed_post(&app, "/api/account/close", erase.clone(), &session).await;
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"]["erasure_on"], "2026-12-25");
    app.clock.advance(10 * DAY);
    let session = fresh_session(&app, "jeanne@example.fr").await;
    signed_post(&app, "/api/account/close", erase, &session).await;
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"]["erasure_on"], "2026-12-25", "asking again does not postpone it");

    let report = lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap();
    assert_eq!(report.erased, 0);
    app.clock.advance(20 * DAY);
    let report = lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap();
    assert_eq!(report.erased, 1);
    assert!(app.store.account_by_contact("jeanne@example.fr").await.unwrap().is_none());
    assert_eq!(json_get(&app, "/api/account/me", &session.0).await.0, StatusCode::UNAUTHORIZED);
    let gone = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    assert_eq!(gone.body["error"], "bad_credentials");
}

#[tokio::test]
async fn an_archive_is_erased_when_its_retention_ends() {
    let rules = AccountRules { retention_days: 10, ..AccountRules::default() };
    let app = test_app_with(|state| state.with_rules(rules)).await;
    let session = signed_up(&app, "jeanne@example.fr").await;
    signed_post(&app, "/api/account/close", json!({ "password": PASSWORD }), &session).await;
    app.clock.advance(10 * DAY - 1);
    assert_eq!(lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap().expired, 0);
    app.clock.advance(1);
    assert_eq!(lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap().expired, 1);
}
