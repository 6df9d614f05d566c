//! Closing a record: archived, reopened or erased after the delay, and an archive erased when
//! its retention ends.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::account::lifecycle::{self, AccountRules};

use super::fixtures::{DAY, PASSWORD, call, json_get, logged_in, login_challenge, signed_up};
use crate::{test_app, test_app_with};

#[tokio::test]
async fn a_closed_record_is_archived_reopened_or_erased_after_the_delay() {
    let app = test_app().await;
    let session = signed_up(&app, "jeanne@example.fr").await;
    let wrong =
        call(&app, "/api/account/close", json!({ "password": "not the password" }), &session).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let closed = call(&app, "/api/account/close", json!({ "password": PASSWORD }), &session).await;
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
        call(&app, "/api/account/reopen", json!({ "password": "not it" }), &session).await;
    assert_eq!(guessed.status, StatusCode::UNAUTHORIZED);
    let password = json!({ "password": crate::fixtures::PASSWORD });
    let reopened = call(&app, "/api/account/reopen", password, &session).await;
    assert_eq!(reopened.status, StatusCode::NO_CONTENT);
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"], Value::Null);

    let erase = json!({ "password": PASSWORD, "erase": true });
    call(&app, "/api/account/close", erase.clone(), &session).await;
    let (_, me) = json_get(&app, "/api/account/me", &session.0).await;
    assert_eq!(me["closed"]["erasure_on"], "2026-12-25");
    app.clock.advance(10 * DAY);
    let session = logged_in(&app, "jeanne@example.fr").await;
    call(&app, "/api/account/close", erase, &session).await;
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
    call(&app, "/api/account/close", json!({ "password": PASSWORD }), &session).await;
    app.clock.advance(10 * DAY - 1);
    assert_eq!(lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap().expired, 0);
    app.clock.advance(1);
    assert_eq!(lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap().expired, 1);
}
