//! Every route of the API, from the router's own table (`server::web::api_routes`), so that a
//! new route cannot be forgotten: every state-changing one refuses a request with a session but
//! without its CSRF token, or with a wrong one (the few public ones, which take no session, are
//! named here, each with why); every route of a record refuses another record's session as if
//! the record did not exist.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::json;
use tower::ServiceExt;

use super::fixtures::{Session, patient_doctor_nurse, record_id};
use super::fixtures::{assert_problem, reply, signed_up};
use crate::{TestApp, test_app};

/// Routes that change state without a session (so without a CSRF token): the same-origin check
/// and their own limits protect them.
const PUBLIC: [(&str, &str); 9] = [
    ("/account/signup", "creates an account: nobody is signed in yet"),
    ("/account/login", "the password step of a login"),
    ("/account/verify", "the code step of a login or a sign-up"),
    ("/account/recover", "a forgotten password: nobody is signed in"),
    ("/account/recover/finish", "sets the new password with the code sent"),
    ("/pro/challenge", "the challenge a card signs to log in"),
    ("/pro/login", "the card's signature"),
    ("/shl/{link}", "a responder opens an emergency link, without an account"),
    ("/feed/batch", "the insurer's machine client, by its own token: never a session (tests/feed)"),
];

const UNSAFE: [Method; 4] = [Method::POST, Method::PUT, Method::DELETE, Method::PATCH];

/// The path with its parameters filled: the record given, made-up identifiers elsewhere.
fn filled(path: &str, record: &str) -> String {
    path.split('/')
        .map(|part| match part {
            "{record}" => record.to_owned(),
            "{rpps}" => "10000000009".to_owned(),
            "{seq}" | "{page}" => "1".to_owned(),
            "{change}" => "revoke".to_owned(),
            other if other.starts_with('{') => "a1b2c3d4e5f6a7b8".to_owned(),
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn send(
    app: &TestApp,
    method: Method,
    uri: &str,
    session: &Session,
    csrf: Option<&str>,
) -> StatusCode {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("cookie", session.0.as_str());
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    let request = request.body(Body::from(json!({}).to_string())).unwrap();
    let answer = reply(app.router.clone().oneshot(request).await.unwrap()).await;
    if answer.status.is_client_error() || answer.status.is_server_error() {
        assert_problem(&answer, uri);
    }
    answer.status
}

#[tokio::test]
async fn every_state_changing_route_needs_the_csrf_token_and_no_record_route_serves_another_record()
{
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    let other = signed_up(&app, "paul@example.fr").await;
    let others_record = record_id(&app, "paul@example.fr").await;
    let routes = server::web::api_routes();
    let paths = routes.paths().to_vec();
    assert!(paths.len() > 40, "{} routes", paths.len());
    for (public, _why) in PUBLIC {
        assert!(paths.iter().any(|path| path == public), "{public} is no longer a route");
    }

    let (mut csrf_checked, mut foreign_checked) = (0, 0);
    for path in &paths {
        let public = PUBLIC.iter().any(|(p, _)| p == path);
        let session = if path.starts_with("/pro/") { &doctor } else { &patient };
        let uri = format!("/api{}", filled(path, &record));
        for method in UNSAFE {
            // A method the route does not serve answers 405: nothing to check.
            let without = send(&app, method.clone(), &uri, session, None).await;
            if without == StatusCode::METHOD_NOT_ALLOWED {
                continue;
            }
            if public {
                assert_ne!(without, StatusCode::FORBIDDEN, "{method} {path}: a public route");
                continue;
            }
            assert_eq!(without, StatusCode::FORBIDDEN, "{method} {path} without the token");
            let wrong = send(&app, method.clone(), &uri, session, Some("not-the-token")).await;
            assert_eq!(wrong, StatusCode::FORBIDDEN, "{method} {path} with a wrong token");
            csrf_checked += 1;
        }
        // Another patient's session (the professional's, under `/pro/`), with its own token:
        // as if the record did not exist.
        if path.contains("{record}") {
            let uri = format!("/api{}", filled(path, &others_record));
            for method in [Method::GET, Method::POST, Method::PUT] {
                let answer = send(&app, method.clone(), &uri, session, Some(&session.1)).await;
                if answer == StatusCode::METHOD_NOT_ALLOWED {
                    continue;
                }
                assert_eq!(answer, StatusCode::NOT_FOUND, "{method} {path} on another record");
                foreign_checked += 1;
            }
        }
    }
    let _ = other;
    assert!(csrf_checked > 30, "{csrf_checked} state-changing routes checked");
    assert!(foreign_checked > 30, "{foreign_checked} record routes checked");
}

/// Refusals the framework writes, not a handler, are problem details too, and say nothing of
/// what the request held; a problem type's address describes it.
#[tokio::test]
async fn every_refusal_of_the_api_is_problem_details_and_its_type_is_described() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let ask = |method: Method, uri: String, body: &'static str| {
        let router = app.router.clone();
        let cookie = patient.0.clone();
        let csrf = patient.1.clone();
        async move {
            let request = Request::builder()
                .method(method)
                .uri(uri)
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .body(Body::from(body))
                .unwrap();
            reply(router.oneshot(request).await.unwrap()).await
        }
    };
    let hostile = "<script>zz-9-plural-z-alpha";
    let cases = [
        // A method the route does not serve: axum's own 405, with its Allow header kept.
        (Method::DELETE, "/api/directory".to_owned(), "", StatusCode::METHOD_NOT_ALLOWED),
        // A path parameter that is not one: axum's own text would quote it back.
        (
            Method::GET,
            format!("/api/records/{record}/access-history/{}/proof", urlencoding(hostile)),
            "",
            StatusCode::BAD_REQUEST,
        ),
        (Method::GET, "/api/no-such-route".to_owned(), "", StatusCode::NOT_FOUND),
        (Method::POST, "/api/account/login".to_owned(), "{not json", StatusCode::BAD_REQUEST),
        (
            Method::GET,
            format!("/api/records/{record}/documents?limit=x"),
            "",
            StatusCode::BAD_REQUEST,
        ),
        (Method::GET, "/api/problems/no_such_code".to_owned(), "", StatusCode::NOT_FOUND),
    ];
    for (method, uri, body, status) in cases {
        let answer = ask(method.clone(), uri.clone(), body).await;
        assert_eq!(answer.status, status, "{method} {uri}: {:?}", answer.body);
        assert_problem(&answer, &uri);
        assert!(!answer.body.to_string().contains("zz-9"), "{uri} quotes the request back");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(answer.headers.contains_key("allow"), "405 says what is allowed");
        }
    }
    // Signed out.
    let anonymous =
        Request::get(format!("/api/records/{record}/documents")).body(Body::empty()).unwrap();
    let answer = reply(app.router.clone().oneshot(anonymous).await.unwrap()).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_problem(&answer, "signed out");

    // A problem type's address says what it means, in French and English.
    let described = ask(Method::GET, "/api/problems/not_found".to_owned(), "").await;
    assert_eq!(described.status, StatusCode::OK);
    assert_eq!(described.body["code"], "not_found");
    assert_eq!(described.body["type"], "/api/problems/not_found");
    assert_eq!(described.body["title"], "Not found");
    assert_eq!(described.body["title_fr"], "Introuvable");
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
