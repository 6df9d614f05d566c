//! What the HTTP tests share: signing up and logging in, professionals and their cards, calls
//! with a session, deposits, and the records of a patient, a minor and their parent. One module,
//! so that a test file imports its fixtures from here and from no other test file; the app under
//! test itself (its state, clock, card and requests) is the test binary's root, `http.rs`.

use app::{
    api::pro::card_login_message,
    directory::{Profession, Professional, Rpps},
};
use axum::{
    Router,
    body::Body,
    http::{Request, Response, StatusCode, header},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use serde_json::{Value, json};
use server::store::AccountId;
use tower::ServiceExt;

use crate::{START, TestApp, get, text};

pub const PASSWORD: &str = "marée basse à Étretat";

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

pub async fn post(
    router: &Router,
    uri: &str,
    body: Value,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response =
        router.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    reply(response).await
}

/// An API refusal is problem details (RFC 9457): its media type, the standard members (the
/// status repeated, a title, a type whose address describes it) and a stable code of ours.
pub fn assert_problem(reply: &Reply, context: &str) {
    assert_eq!(
        reply.headers.get("content-type").and_then(|value| value.to_str().ok()).unwrap_or(""),
        "application/problem+json",
        "{context}: {:?}",
        reply.body
    );
    assert_eq!(reply.body["status"], reply.status.as_u16(), "{context}: {:?}", reply.body);
    let code: app::api::ErrorCode = serde_json::from_value(reply.body["error"].clone())
        .unwrap_or_else(|_| panic!("{context}: a stable code in {:?}", reply.body));
    let name = reply.body["error"].as_str().unwrap();
    assert_eq!(reply.body["type"], format!("/api/problems/{name}"), "{context}");
    assert!(reply.body["title"].as_str().is_some_and(|title| !title.is_empty()), "{context}");
    let _ = code;
}

/// A refusal's own members (the stable code and what it says about it), once its problem
/// details' standard members are checked.
pub fn ours(reply: &Reply) -> Value {
    assert_problem(reply, "a refusal");
    let mut body = reply.body.clone();
    if let Some(members) = body.as_object_mut() {
        for standard in ["type", "title", "status"] {
            members.remove(standard);
        }
    }
    body
}

/// The resources of `kind` in a FHIR bundle.
pub fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|entry| &entry["resource"]).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|resource| resource["resourceType"] == kind)
        .collect()
}

/// The bytes of the `Binary` a `DocumentReference` of the bundle points at.
pub fn document_bytes(bundle: &Value, reference: &Value) -> Vec<u8> {
    use base64::Engine;
    let url = &reference["content"][0]["attachment"]["url"];
    let entry = bundle["entry"].as_array().unwrap().iter().find(|e| &e["fullUrl"] == url).unwrap();
    let data = entry["resource"]["data"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(data).unwrap()
}

pub async fn reply(response: Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let raw = text(response).await;
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or(Value::String(raw))
    };
    Reply { status, headers, body }
}

pub fn signup_body(contact: &str) -> Value {
    json!({
        "contact": contact,
        "given_name": "Jeanne",
        "family_name": "Martin",
        "birth_date": "1980-05-17",
        "password": PASSWORD,
    })
}

/// The code in the newest outbox message to `recipient`.
pub async fn last_code(app: &TestApp, recipient: &str) -> String {
    let messages = app.store.outbox(50).await.unwrap();
    let message = messages.iter().find(|m| m.recipient == recipient).expect("a message was sent");
    code_in(&message.body).expect("the message carries a code")
}

pub fn code_in(body: &str) -> Option<String> {
    body.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6).map(str::to_owned)
}

/// The `name=value` part of the session cookie set by a response.
pub fn session_cookie(reply: &Reply) -> String {
    set_cookie(reply, "carnet_session")
}

/// The `name=value` part of the cookie `name` set by a response, checked to be locked down.
pub fn set_cookie(reply: &Reply, name: &str) -> String {
    let set = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap())
        .find(|value| value.starts_with(&format!("{name}=")))
        .expect("the cookie is set");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    set.split(';').next().unwrap().to_owned()
}

/// Signs up and activates `contact`; returns the session cookie and the CSRF token.
pub async fn signed_up(app: &TestApp, contact: &str) -> (String, String) {
    let sent = post(&app.router, "/api/account/signup", signup_body(contact), None, &[]).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);
    let code = last_code(app, contact).await;
    let verified = verify(app, &sent.body["challenge"], &code).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    (session_cookie(&verified), verified.body["csrf_token"].as_str().unwrap().to_owned())
}

/// Logs in an active account again (password, then the code sent to the contact).
pub async fn logged_in(app: &TestApp, contact: &str) -> (String, String) {
    let challenge = login_challenge(app, contact, PASSWORD).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED, "{:?}", challenge.body);
    let code = last_code(app, contact).await;
    let verified = verify(app, &challenge.body["challenge"], &code).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    (session_cookie(&verified), verified.body["csrf_token"].as_str().unwrap().to_owned())
}

pub async fn verify(app: &TestApp, challenge: &Value, code: &str) -> Reply {
    let body = json!({ "challenge": challenge, "code": code });
    post(&app.router, "/api/account/verify", body, None, &[]).await
}

pub async fn login_challenge(app: &TestApp, contact: &str, password: &str) -> Reply {
    post(
        &app.router,
        "/api/account/login",
        json!({ "contact": contact, "password": password }),
        None,
        &[],
    )
    .await
}

/// Asks for a recovery code for `contact` (to reset a forgotten password, or to activate).
pub async fn ask_recovery(app: &TestApp, contact: &str) -> Reply {
    post(&app.router, "/api/account/recover", json!({ "contact": contact }), None, &[]).await
}

/// Bytes of the database at rest, as someone copying its files would have them: the SQLite file
/// and its write-ahead log, or the files of every table and index of the test's PostgreSQL
/// database (written out first: a checkpoint).
pub async fn database_bytes(app: &TestApp) -> Vec<u8> {
    match &app.database {
        crate::TestDatabase::Sqlite(path) => {
            let mut bytes = std::fs::read(path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
            bytes
        }
        crate::TestDatabase::Postgres(_) => {
            let mut conn = app.behind_the_server().await;
            sqlx::query("CHECKPOINT").execute(&mut conn).await.unwrap();
            let data: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            let files: Vec<String> = sqlx::query_scalar(
                "SELECT pg_relation_filepath(oid) FROM pg_class \
                 WHERE pg_relation_filepath(oid) IS NOT NULL",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let mut bytes = Vec::new();
            for file in files {
                let path = std::path::Path::new(&data).join(file);
                bytes.extend(std::fs::read(&path).unwrap_or_default());
                // A table past 1 GB continues in `.1`, `.2`…: not a test's.
            }
            assert!(!bytes.is_empty(), "the database's files were read");
            bytes
        }
    }
}

pub const DOCTOR: &str = "10000000009";

pub const NURSE: &str = "10004567896";

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub type Session = (String, String);

pub async fn professionals(app: &TestApp) -> (Session, Session) {
    let entries =
        [directory_entry(DOCTOR, Profession::Physician), directory_entry(NURSE, Profession::Nurse)];
    app.store.import_directory(&entries, START).await.unwrap();
    (card_session(app, DOCTOR).await, card_session(app, NURSE).await)
}

pub fn directory_entry(rpps: &str, profession: Profession) -> Professional {
    Professional {
        rpps: Rpps::parse(rpps).unwrap(),
        given_name: "Anne".into(),
        family_name: "Martin".into(),
        profession,
        specialty: None,
        place: "Le Havre".into(),
    }
}

/// Issues a card for a professional of the directory and logs in with it.
pub async fn card_session(app: &TestApp, rpps: &str) -> Session {
    let (public, key) = crate::test_card(rpps);
    app.store.set_card_key(&crate::rpps(rpps), &public).await.unwrap();
    pro_session(app, rpps, &key).await
}

pub async fn record_id(app: &TestApp, contact: &str) -> AccountId {
    app.store.account_by_contact(contact).await.unwrap().unwrap().id
}

pub async fn call(app: &TestApp, uri: &str, body: Value, session: &Session) -> Reply {
    post(&app.router, uri, body, Some(&session.0), &[("x-csrf-token", &session.1)]).await
}

pub async fn put(app: &TestApp, uri: &str, body: Vec<u8>, session: &Session, json: bool) -> Reply {
    let request = Request::put(uri)
        .header(header::COOKIE, &session.0)
        .header("x-csrf-token", &session.1)
        .header(
            header::CONTENT_TYPE,
            if json { "application/json" } else { "application/octet-stream" },
        )
        .body(Body::from(body))
        .unwrap();
    reply(app.router.clone().oneshot(request).await.unwrap()).await
}

/// The patient grants `rpps` the whole record.
pub async fn grant_all(app: &TestApp, record: &str, rpps: &str, patient: &Session) {
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    let granted =
        put(app, &format!("/api/records/{record}/grants/{rpps}"), all, patient, true).await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT);
}

pub async fn listed(app: &TestApp, record: &str, session: &Session) -> Vec<Value> {
    let response =
        get(&app.router, &format!("/api/records/{record}/documents"), Some(&session.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str::<Value>(&text(response).await).unwrap().as_array().unwrap().clone()
}

/// Deposits `content` in chunks of `chunk` bytes; returns the finished document's answer.
pub async fn deposit(
    app: &TestApp,
    record: &str,
    session: &Session,
    meta: Value,
    content: &[u8],
    chunk: usize,
) -> Reply {
    let started = call(app, &format!("/api/records/{record}/uploads"), meta, session).await;
    if started.status != StatusCode::CREATED {
        return started;
    }
    let upload = started.body["upload_id"].as_str().unwrap().to_owned();
    for (i, piece) in content.chunks(chunk).enumerate() {
        let uri = format!("/api/records/{record}/uploads/{upload}?offset={}", i * chunk);
        let sent = put(app, &uri, piece.to_vec(), session, false).await;
        if sent.status != StatusCode::OK {
            return sent;
        }
    }
    call(app, &format!("/api/records/{record}/uploads/{upload}/finish"), json!(null), session).await
}

/// A minor's record (Léa Martin) opened by the physician with the written consent of her parent
/// (Jeanne Martin), who then acts for her; answers the parent's and the doctor's sessions and
/// Léa's record.
pub async fn minor_with_parent(app: &TestApp) -> (Session, Session, AccountId) {
    let entries = [directory_entry(DOCTOR, Profession::Physician)];
    app.store.import_directory(&entries, START).await.unwrap();
    let parent = signed_up(app, "jeanne@example.fr").await;
    let doctor = card_session(app, DOCTOR).await;
    let minor = json!({ "given_name": "Léa", "family_name": "Martin", "birth_date": "2011-04-02",
        "kind": "minor", "contact": "lea@example.fr", "representative_contact": "jeanne@example.fr",
        "consent": "written" });
    let opened = call(app, "/api/pro/records/represented", minor, &doctor).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    let lea = record_id(app, "lea@example.fr").await;
    let switched =
        call(app, "/api/account/acting-for", json!({ "account_id": lea.as_str() }), &parent).await;
    assert_eq!(switched.status, StatusCode::NO_CONTENT);
    (parent, doctor, lea)
}

/// A patient (Jeanne Martin) and the physician and nurse of the directory, signed in; nothing
/// granted. Answers the patient's session, her record, the doctor's and the nurse's sessions.
pub async fn patient_doctor_nurse(app: &TestApp) -> (Session, AccountId, Session, Session) {
    let entries =
        [directory_entry(DOCTOR, Profession::Physician), directory_entry(NURSE, Profession::Nurse)];
    app.store.import_directory(&entries, START).await.unwrap();
    let patient = signed_up(app, "jeanne@example.fr").await;
    let record = record_id(app, "jeanne@example.fr").await;
    (patient, record, card_session(app, DOCTOR).await, card_session(app, NURSE).await)
}

/// Adds each of `entries` to the record's health profile as `session`: their identifiers.
pub async fn add_entries(
    app: &TestApp,
    record: &str,
    session: &Session,
    entries: impl IntoIterator<Item = Value>,
) -> Vec<String> {
    let profile = format!("/api/records/{record}/profile");
    let mut ids = Vec::new();
    for entry in entries {
        let added = call(app, &profile, json!({ "entry": entry }), session).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        ids.push(added.body["entry"]["id"].as_str().unwrap().to_owned());
    }
    ids
}

pub fn meta(title: &str, category: &str, media: &str, size: usize) -> Value {
    json!({ "title": title, "category": category, "care_date": "2026-11-20",
        "media_type": media, "size": size, "type_code": "11502-2" })
}

/// The code an authenticator app holding `secret_base32` shows at `time`.
pub fn authenticator_code(secret_base32: &str, time: i64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_owned()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, secret, None, String::new())
        .unwrap();
    totp.generate(time as u64)
}

/// A POST as it reaches the server from `peer` (the socket), with these extra headers.
pub async fn post_from(
    app: &TestApp,
    uri: &str,
    body: Value,
    peer: &str,
    headers: &[(&str, &str)],
) -> Reply {
    use axum::{body::Body, extract::ConnectInfo, http::Request};
    use tower::ServiceExt;
    let mut request = Request::post(uri).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    let peer: std::net::SocketAddr =
        format!("{peer}:4711").parse().or_else(|_| format!("[{peer}]:4711").parse()).unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    reply(app.router.clone().oneshot(request).await.unwrap()).await
}

/// Logs in with the password from `peer` and answers the challenge with `code` (a wrong one by
/// default); the verify answer.
pub async fn password_then_code(app: &TestApp, contact: &str, peer: &str, code: &str) -> Reply {
    let body = json!({ "contact": contact, "password": PASSWORD });
    let challenge = post_from(app, "/api/account/login", body, peer, &[]).await;
    assert_eq!(challenge.status, StatusCode::ACCEPTED, "{:?}", challenge.body);
    let answer = json!({ "challenge": challenge.body["challenge"], "code": code });
    post_from(app, "/api/account/verify", answer, peer, &[]).await
}

/// The kinds of the notifications the session reads.
pub async fn told(app: &TestApp, session: &Session) -> Vec<String> {
    let (status, list) = json_get(app, "/api/notifications", &session.0).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

// The professionals of the directory the professional space is tested with, and their sessions.

pub const AGENT: &str = "10001234565";
pub const DENTIST: &str = "10002345675";
pub const DAY: i64 = 86_400;

pub fn named_entry(rpps: &str, family_name: &str, profession: Profession) -> Professional {
    Professional {
        rpps: Rpps::parse(rpps).unwrap(),
        given_name: "Anne".into(),
        family_name: family_name.into(),
        profession,
        specialty: (profession == Profession::Physician).then(|| "general_practice".into()),
        place: "Cabinet du Port, Le Havre".into(),
    }
}

/// The directory with a physician (`DOCTOR`), an insurer agent and a dentist, each with a card.
pub async fn directory_with_cards(app: &TestApp) -> [SigningKey; 3] {
    let entries = [
        named_entry(DOCTOR, "Martin", Profession::Physician),
        named_entry(AGENT, "Caisse", Profession::InsurerAgent),
        named_entry(DENTIST, "Durand", Profession::Dentist),
    ];
    app.store.import_directory(&entries, START).await.unwrap();
    let mut keys = Vec::new();
    for rpps in [DOCTOR, AGENT, DENTIST] {
        let (public_key, key) = crate::test_card(rpps);
        assert!(app.store.set_card_key(&crate::rpps(rpps), &public_key).await.unwrap());
        keys.push(key);
    }
    keys.try_into().ok().unwrap()
}

pub async fn card_login(app: &TestApp, rpps: &str, key: &SigningKey) -> Reply {
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

pub async fn pro_session(app: &TestApp, rpps: &str, key: &SigningKey) -> (String, String) {
    let reply = card_login(app, rpps, key).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    (session_cookie(&reply), reply.body["csrf_token"].as_str().unwrap().to_owned())
}

/// A `GET` with the session cookie: its status and JSON body (`null` when there is none).
pub async fn json_get(app: &TestApp, uri: &str, cookie: &str) -> (StatusCode, Value) {
    let response = get(&app.router, uri, Some(cookie)).await;
    let status = response.status();
    let body = text(response).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}
