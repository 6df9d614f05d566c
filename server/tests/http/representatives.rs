//! Legal representatives: a parent managing a minor's record until the minor comes of age (at
//! the configured majority age), and a representation withdrawn, which ends on the next request.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{
    account::lifecycle::AccountRules,
    store::{AccountStatus, ConsentMethod},
};

use super::fixtures::{
    AGENT, DAY, DOCTOR, PASSWORD, ask_recovery, call, directory_with_cards, json_get, last_code,
    logged_in, login_challenge, post, pro_session, session_cookie, signed_up, verify,
};
use crate::{START, test_app, test_app_with};

fn minor_body(birth_date: &str, representative: &str) -> Value {
    json!({ "given_name": "Léa", "family_name": "Martin", "birth_date": birth_date,
        "kind": "minor", "contact": "lea@example.fr", "representative_contact": representative,
        "consent": "written" })
}

#[tokio::test]
async fn a_representative_manages_a_minors_record_until_the_minor_comes_of_age() {
    let app = test_app().await;
    let [doctor, ..] = directory_with_cards(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let parent = signed_up(&app, "jeanne@example.fr").await;

    let unknown = call(
        &app,
        "/api/pro/records/represented",
        minor_body("2008-12-01", "nobody@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(unknown.body["reason"], "representative_unknown");
    let adult = call(
        &app,
        "/api/pro/records/represented",
        minor_body("2000-01-01", "jeanne@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(adult.body["input"], "not_a_minor");

    // Léa turns 18 on 2026-12-01, six days after START.
    let opened = call(
        &app,
        "/api/pro/records/represented",
        minor_body("2008-12-01", "jeanne@example.fr"),
        &pro,
    )
    .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    let twice = call(
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
        call(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent).await;
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
    let parent = logged_in(&app, "jeanne@example.fr").await;
    call(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent).await;
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["acting_for"]["given_name"], "Léa", "still 17 a minute before midnight");
    app.clock.advance(60);
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!((me["acting_for"].clone(), me["represents"].clone()), (Value::Null, json!([])));
    let refused =
        call(&app, "/api/account/acting-for", json!({ "account_id": lea.id }), &parent).await;
    assert_eq!(refused.body["reason"], "not_represented");
    // …and Léa takes over her record.
    let asked = ask_recovery(&app, "lea@example.fr").await;
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
    let [doctor, ..] = directory_with_cards(&app).await;
    let pro = pro_session(&app, DOCTOR, &doctor).await;
    let parent = signed_up(&app, "jeanne@example.fr").await;
    let body = minor_body("2008-01-01", "jeanne@example.fr");
    let opened = call(&app, "/api/pro/records/represented", body, &pro).await;
    assert_eq!(opened.status, StatusCode::CREATED, "18 is still a minor here: {:?}", opened.body);
    let (_, me) = json_get(&app, "/api/account/me", &parent.0).await;
    assert_eq!(me["represents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_withdrawn_representation_ends_on_the_next_request() {
    let app = test_app().await;
    let [_, agent, _] = directory_with_cards(&app).await;
    let pro = pro_session(&app, AGENT, &agent).await;
    let guardian = signed_up(&app, "tuteur@example.fr").await;
    let stranger = signed_up(&app, "autre@example.fr").await;
    let body = json!({ "given_name": "Marcel", "family_name": "Petit", "birth_date": "1940-07-14",
        "kind": "protected_adult", "contact": "", "representative_contact": "tuteur@example.fr",
        "consent": "court_decision" });
    let opened = call(&app, "/api/pro/records/represented", body.clone(), &pro).await;
    assert_eq!(
        opened.status,
        StatusCode::CREATED,
        "an insurer agent may open it: {:?}",
        opened.body
    );
    let (_, me) = json_get(&app, "/api/account/me", &guardian.0).await;
    let marcel = me["represents"][0]["id"].as_str().unwrap().to_owned();

    let intrusion =
        call(&app, "/api/account/acting-for", json!({ "account_id": marcel }), &stranger).await;
    assert_eq!(
        (intrusion.status, intrusion.body["reason"].clone()),
        (StatusCode::FORBIDDEN, json!("not_represented"))
    );

    // A second browser of the guardian manages Marcel's record; the first one withdraws.
    let other_login = login_challenge(&app, "tuteur@example.fr", PASSWORD).await;
    let code = last_code(&app, "tuteur@example.fr").await;
    let other = verify(&app, &other_login.body["challenge"], &code).await;
    let other = (session_cookie(&other), other.body["csrf_token"].as_str().unwrap().to_owned());
    call(&app, "/api/account/acting-for", json!({ "account_id": marcel }), &other).await;
    let withdrawn = call(
        &app,
        "/api/account/representation/withdraw",
        json!({ "account_id": marcel }),
        &guardian,
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &other.0).await;
    assert_eq!(me["acting_for"], Value::Null, "the other session is back on its own record");
    let again = call(
        &app,
        "/api/account/representation/withdraw",
        json!({ "account_id": marcel }),
        &guardian,
    )
    .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}
