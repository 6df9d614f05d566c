//! Share links of the emergency summary: the browser encrypts, the server keeps ciphertext; a
//! viewer without an account gets the files with the right passcode; wrong ones are capped over
//! the link's life, parallel tries included; revocation and expiry hold from the next request;
//! every view is traced and told to the patient. And the IPS export.

use app::summary::{jwe, link::PASSCODE_TRIES};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::{
    DOCTOR, Reply, Session, call, database_bytes, post, professionals, record_id, signed_up,
};
use crate::{TestApp, get, test_app};

/// The links' passcode in these tests: long and accented enough that it cannot turn up by
/// chance in the database's bytes, which are searched for it. A four-digit one did once, on
/// PostgreSQL, most likely inside the hex of an identifier (each 32-digit identifier holds a
/// given four digits with odds of about 1 in 2,300).
const PASSCODE: &str = "sésame-7391";

const SUMMARY: &str = r#"{"allergies":["pénicilline (œdème de Quincke)"],"blood":"O−"}"#;

struct Shared {
    id: String,
    key: [u8; 32],
}

async fn share(app: &TestApp, record: &str, patient: &Session, body: Value) -> Reply {
    call(app, &format!("/api/records/{record}/emergency-links"), body, patient).await
}

/// Encrypts the summary here, as the browser does, and creates the link.
async fn shared(
    app: &TestApp,
    record: &str,
    patient: &Session,
    passcode: Option<&str>,
    days: u32,
    single_use: bool,
) -> Shared {
    let key = jwe::new_key();
    let body = json!({
        "jwe": jwe::encrypt(&key, SUMMARY.as_bytes()),
        "fhir_jwe": jwe::encrypt(&key, br#"{"resourceType":"Bundle"}"#),
        "passcode": passcode,
        "days": days,
        "single_use": single_use,
    });
    let created = share(app, record, patient, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    Shared { id: created.body["id"].as_str().unwrap().to_owned(), key: *key }
}

async fn view(app: &TestApp, id: &str, passcode: Option<&str>) -> Reply {
    let body = json!({ "recipient": "SAMU 76", "passcode": passcode });
    post(&app.router, &format!("/api/shl/{id}"), body, None, &[]).await
}

async fn views_logged(app: &TestApp) -> Vec<(String, Option<String>, Option<String>)> {
    let log = app.store.audit_log().await.unwrap();
    log.iter()
        .map(|stored| serde_json::from_slice::<server::audit::AuditEntry>(&stored.entry).unwrap())
        .filter(|entry| entry.action == "emergency_link.view")
        .map(|entry| (entry.outcome, entry.reason, entry.record))
        .collect()
}

#[tokio::test]
async fn a_responder_opens_the_summary_with_the_passcode_and_wrong_ones_count_down() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let link = shared(&app, &record, &patient, Some(PASSCODE), 365, false).await;

    // No passcode, then wrong ones: refused, counting down; nothing served.
    let missing = view(&app, &link.id, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["attempts_left"], PASSCODE_TRIES);
    for left in [9, 8] {
        let wrong = view(&app, &link.id, Some("0000")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.body["attempts_left"], left);
        assert!(wrong.body.get("files").is_none());
    }
    // The right one: both files, which open with the key from the link only.
    let right = view(&app, &link.id, Some(PASSCODE)).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.body);
    let files = right.body["files"].as_array().unwrap();
    assert_eq!(files[0]["contentType"], "application/vnd.carnet.summary+json");
    assert_eq!(files[1]["contentType"], "application/fhir+json");
    let opened = jwe::decrypt(&link.key, files[0]["embedded"].as_str().unwrap()).unwrap();
    assert_eq!(std::str::from_utf8(&opened).unwrap(), SUMMARY);

    // The patient sees the count, is told, and each try is in the log with its outcome.
    let response =
        get(&app.router, &format!("/api/records/{record}/emergency-links"), Some(&patient.0)).await;
    let listed: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    assert_eq!(listed[0]["views"], 1);
    assert_eq!(listed[0]["failures"], 2, "the right passcode gives its try back");
    assert_eq!(listed[0]["passcode"], true);
    assert_eq!(listed[0]["live"], true);
    let logged = views_logged(&app).await;
    let reasons: Vec<Option<&str>> =
        logged.iter().map(|(_, reason, _)| reason.as_deref()).collect();
    assert_eq!(
        reasons,
        [Some("passcode_missing"), Some("passcode_wrong"), Some("passcode_wrong"), None]
    );
    assert!(logged.iter().all(|(_, _, on)| on.as_deref() == Some(record.as_str())));
    let response = get(&app.router, "/api/notifications", Some(&patient.0)).await;
    let told: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    assert_eq!(told[0]["kind"], "emergency_link_viewed");
    let outbox = app.store.outbox(10).await.unwrap();
    assert_eq!(outbox[0].subject, "Votre résumé d'urgence Carnet a été consulté");

    // The database holds ciphertext only: no summary text, no key.
    let bytes = database_bytes(&app).await;
    let key_text = jwe::encode_key(&link.key);
    for secret in ["pénicilline", "Quincke", key_text.as_str(), PASSCODE] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret}");
    }
    // Nor the log.
    let raw: Vec<u8> =
        app.store.audit_log().await.unwrap().into_iter().flat_map(|e| e.entry).collect();
    assert!(!raw.windows(key_text.len()).any(|w| w == key_text.as_bytes()));
}

#[tokio::test]
async fn parallel_wrong_passcodes_cannot_pass_the_cap_and_then_the_link_is_dead() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let link = shared(&app, &record, &patient, Some(PASSCODE), 365, false).await;
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..25 {
        let (router, uri) = (app.router.clone(), format!("/api/shl/{}", link.id));
        let body = json!({ "recipient": "SAMU 76", "passcode": format!("{:04}", 1000 + i) });
        tries.spawn(async move { post(&router, &uri, body, None, &[]).await.status });
    }
    let statuses: Vec<StatusCode> = tries.join_all().await;
    let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let gone = statuses.iter().filter(|s| **s == StatusCode::NOT_FOUND).count();
    assert_eq!(refused, PASSCODE_TRIES as usize, "{statuses:?}");
    assert_eq!(gone, 25 - PASSCODE_TRIES as usize);
    // Dead: even the right passcode opens nothing.
    assert_eq!(view(&app, &link.id, Some(PASSCODE)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revocation_expiry_and_single_use_take_effect_on_the_next_request() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let base = format!("/api/records/{record}/emergency-links");

    let kept = shared(&app, &record, &patient, None, 365, false).await;
    assert_eq!(view(&app, &kept.id, None).await.status, StatusCode::OK);
    let revoke = format!("{base}/{}/revoke", kept.id);
    assert_eq!(call(&app, &revoke, json!(null), &patient).await.status, StatusCode::NO_CONTENT);
    assert_eq!(view(&app, &kept.id, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, &revoke, json!(null), &patient).await.status, StatusCode::NOT_FOUND);

    let once = shared(&app, &record, &patient, None, 1, true).await;
    assert_eq!(view(&app, &once.id, None).await.status, StatusCode::OK);
    assert_eq!(view(&app, &once.id, None).await.status, StatusCode::NOT_FOUND, "used");

    let day = shared(&app, &record, &patient, None, 1, false).await;
    assert_eq!(view(&app, &day.id, None).await.status, StatusCode::OK);
    app.clock.advance(86_400);
    assert_eq!(view(&app, &day.id, None).await.status, StatusCode::NOT_FOUND, "expired");
    assert_eq!(view(&app, "no-such-link", None).await.status, StatusCode::NOT_FOUND);

    // A day later the session is over too: signed in again.
    let patient = super::fixtures::logged_in(&app, "jeanne@example.fr").await;
    let response = get(&app.router, &base, Some(&patient.0)).await;
    let listed: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(listed.as_array().unwrap().iter().all(|link| link["live"] == false));
    let reasons: Vec<Option<String>> =
        views_logged(&app).await.into_iter().map(|(_, r, _)| r).collect();
    assert_eq!(reasons.iter().filter(|r| r.as_deref() == Some("link_gone")).count(), 4);
}

#[tokio::test]
async fn only_the_patient_side_shares_and_bad_input_is_refused() {
    let app = test_app().await;
    let (doctor, _) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    super::fixtures::put(
        &app,
        &format!("/api/records/{record}/grants/{DOCTOR}"),
        all,
        &patient,
        true,
    )
    .await;
    let key = jwe::new_key();
    let good = jwe::encrypt(&key, b"{}");
    let body = |jwe: &str, days: u32, passcode: Option<&str>| json!({ "jwe": jwe, "fhir_jwe": good, "days": days, "passcode": passcode });
    assert_eq!(
        share(&app, &record, &doctor, body(&good, 30, None)).await.status,
        StatusCode::FORBIDDEN
    );
    let listed =
        get(&app.router, &format!("/api/records/{record}/emergency-links"), Some(&doctor.0)).await;
    assert_eq!(listed.status(), StatusCode::NOT_FOUND);
    for (bad, field) in [
        (body(SUMMARY, 30, None), "jwe"),
        (body(&good, 0, None), "days"),
        (body(&good, 366, None), "days"),
        (body(&good, 30, Some("12")), "passcode"),
    ] {
        let refused = share(&app, &record, &patient, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.body["field"], field);
    }
    // Twenty live links at most; a withdrawn one makes room.
    for _ in 0..20 {
        assert_eq!(
            share(&app, &record, &patient, body(&good, 30, None)).await.status,
            StatusCode::CREATED
        );
    }
    let refused = share(&app, &record, &patient, body(&good, 30, None)).await;
    assert_eq!(
        (refused.status, refused.body["reason"].as_str()),
        (StatusCode::CONFLICT, Some("too_many_links"))
    );
    let first = app.store.emergency_links(&record).await.unwrap()[0].id.clone();
    let revoke = format!("/api/records/{record}/emergency-links/{first}/revoke");
    assert_eq!(call(&app, &revoke, json!(null), &patient).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        share(&app, &record, &patient, body(&good, 30, None)).await.status,
        StatusCode::CREATED
    );
    let extra = json!({ "jwe": good, "fhir_jwe": good, "days": 30, "key": "oops" });
    assert_eq!(share(&app, &record, &patient, extra).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.emergency_links(&record).await.unwrap().len(), 21, "nothing more created");
    let no_recipient =
        post(&app.router, "/api/shl/x", json!({ "recipient": " " }), None, &[]).await;
    assert_eq!(no_recipient.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_patient_exports_the_summary_as_an_ips_bundle() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    for entry in [
        json!({ "section": "allergy", "substance": "pénicilline", "reaction": "urticaire", "severity": "severe" }),
        json!({ "section": "treatment", "substance": "bisoprolol", "dose": "5 mg" }),
        json!({ "section": "implant", "device": "stimulateur cardiaque", "since": "2021-04-02" }),
    ] {
        let written = call(
            &app,
            &format!("/api/records/{record}/profile"),
            json!({ "entry": entry }),
            &patient,
        )
        .await;
        assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    }
    let response = get(
        &app.router,
        &format!("/api/records/{record}/emergency-summary/fhir"),
        Some(&patient.0),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(crate::header(&response, "content-type"), "application/fhir+json");
    let bundle: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    let resources: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        resources,
        [
            "Composition",
            "Patient",
            "AllergyIntolerance",
            // The treatment's medicine, resolved by the medicines database.
            "Medication",
            "MedicationStatement",
            "Device",
            "DeviceUseStatement"
        ]
    );
    assert_eq!(bundle["entry"][1]["resource"]["name"][0]["family"], "Martin");
}
