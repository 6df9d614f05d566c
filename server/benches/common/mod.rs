//! What the HTTP benchmarks share: sending a request through the router, and a patient signed
//! up and in.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::store::Store;
use tower::ServiceExt;

const PASSWORD: &str = "marée basse à Étretat";

/// The answer's status, JSON body (or null) and session cookie if it set one.
pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value, Option<String>) {
    let response = router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    // The session's cookie, among the others an answer may set (the login's device mark).
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("carnet_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned());
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), cookie)
}

pub fn json_request(
    method: &str,
    uri: &str,
    body: &Value,
    session: Option<(&str, &str)>,
) -> Request<Body> {
    let mut request =
        Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some((cookie, csrf)) = session {
        request = request.header(header::COOKIE, cookie).header("x-csrf-token", csrf);
    }
    request.body(Body::from(body.to_string())).expect("a valid request")
}

/// Signs a patient up with the code from the outbox: `(cookie, csrf token, record id)`.
pub async fn patient(router: &Router, store: &dyn Store) -> (String, String, String) {
    let signup = json!({ "contact": "bench@example.fr", "given_name": "Banc", "family_name": "Essai",
        "birth_date": "1970-01-01", "password": PASSWORD });
    let (_, sent, _) =
        send(router, json_request("POST", "/api/account/signup", &signup, None)).await;
    let message = store.outbox(1).await.expect("outbox").remove(0);
    let code: String = message
        .body
        .split(|c: char| !c.is_ascii_digit())
        .find(|r| r.len() == 6)
        .expect("code")
        .to_owned();
    let verify = json!({ "challenge": sent["challenge"], "code": code });
    let (status, me, cookie) =
        send(router, json_request("POST", "/api/account/verify", &verify, None)).await;
    assert_eq!(status, StatusCode::OK);
    (
        cookie.expect("cookie"),
        me["csrf_token"].as_str().expect("csrf").to_owned(),
        me["id"].as_str().expect("id").to_owned(),
    )
}
