//! Guessing, slowed down: failed logins and codes escalate delays per contact and per address,
//! the hundredth failure locks, successes never count against an address, and every slow-down is
//! in the account's history.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::fixtures::{
    PASSWORD, Reply, ask_recovery, last_code, login_challenge, ours, post, signed_up, verify,
};
use crate::{get, test_app};

#[tokio::test]
async fn failures_escalate_delays_and_parallel_guesses_do_not_slip_through() {
    let app = test_app().await;
    signed_up(&app, "jeanne@example.fr").await;

    // Twenty guesses at once: five are checked, the rest wait.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let router = app.router.clone();
        tasks.spawn(async move {
            let body =
                json!({ "contact": "jeanne@example.fr", "password": format!("wrong guess {i}") });
            post(&router, "/api/account/login", body, None, &[]).await
        });
    }
    let replies = tasks.join_all().await;
    let checked = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let blocked: Vec<&Reply> =
        replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!((checked, blocked.len()), (5, 15));
    assert_eq!(ours(blocked[0]), json!({ "error": "too_many_attempts", "retry_after": 30 }));
    assert_eq!(blocked[0].headers[header::RETRY_AFTER], "30");

    // Blocked even with the right password until the delay has passed; then it doubles.
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(30);
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    let next = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
    assert_eq!(next.body["retry_after"], 60);
    app.clock.advance(60);
    // A success resets the count.
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", PASSWORD).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        login_challenge(&app, "jeanne@example.fr", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_hundredth_failure_locks_and_delays_never_exceed_an_hour() {
    let app = test_app().await;
    let mut delays = Vec::new();
    for _ in 0..100 {
        loop {
            let reply = login_challenge(&app, "ghost@example.fr", "wrong").await;
            match reply.status {
                StatusCode::UNAUTHORIZED => break,
                StatusCode::TOO_MANY_REQUESTS => {
                    let wait = reply.body["retry_after"].as_i64().unwrap();
                    delays.push(wait);
                    assert!(wait <= 3600, "{wait}");
                    app.clock.advance(wait);
                }
                other => panic!("{other}"),
            }
        }
    }
    assert_eq!(&delays[..4], [30, 60, 120, 240]);
    assert_eq!(*delays.last().unwrap(), 3600);
    app.clock.advance(10 * 365 * 24 * 3600);
    let locked = login_challenge(&app, "ghost@example.fr", "wrong").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn successes_never_add_up_against_an_address() {
    // Everyone behind one address (a family, a hospital's network) logs in again and again:
    // only failures count against the address.
    let app = test_app().await;
    signed_up(&app, "jeanne@example.fr").await;
    for round in 0..40 {
        let challenge = login_challenge(&app, "jeanne@example.fr", PASSWORD).await;
        assert_eq!(challenge.status, StatusCode::ACCEPTED, "login {round}: {:?}", challenge.body);
        let code = last_code(&app, "jeanne@example.fr").await;
        let verified = verify(&app, &challenge.body["challenge"], &code).await;
        assert_eq!(verified.status, StatusCode::OK, "code {round}: {:?}", verified.body);
    }
    // Recovery requests slow down but never lock a person out.
    for _ in 0..120 {
        let reply = ask_recovery(&app, "jeanne@example.fr").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            let wait = reply.body["retry_after"].as_i64().unwrap();
            assert!(wait <= 3600, "{wait}");
            app.clock.advance(wait);
        }
    }
    app.clock.advance(3600);
    let reply = ask_recovery(&app, "jeanne@example.fr").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn slow_downs_and_expired_sessions_are_in_the_accounts_history() {
    let app = test_app().await;
    let (cookie, _) = signed_up(&app, "jeanne@example.fr").await;
    let mut status = StatusCode::UNAUTHORIZED;
    while status == StatusCode::UNAUTHORIZED {
        status = login_challenge(&app, "jeanne@example.fr", "wrong password").await.status;
    }
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(31 * 60);
    assert_eq!(
        get(&app.router, "/api/account/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    server::account::lifecycle::purge(app.store.as_ref(), app.clock_now()).await.unwrap();
    let id = app.store.account_by_contact("jeanne@example.fr").await.unwrap().unwrap().id;
    let events: Vec<String> =
        app.store.auth_events(&id).await.unwrap().into_iter().map(|(_, event)| event).collect();
    assert!(events.contains(&"login_blocked".to_owned()), "{events:?}");
    assert_eq!(events.last().map(String::as_str), Some("session_expired"), "{events:?}");
}
