//! What the security review of December 2026 found, each as a test that failed before its fix:
//! hidden and held-back items leaking through notices and the access history, a blocked regular
//! doctor still following the record, withdrawn content in the export, a deposit finished after
//! the grant was revoked.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::store::Store;

use super::records::{
    DOCTOR, NURSE, PDF, Session, call, deposit, listed, meta, minor_with_parent,
    patient_doctor_nurse, put,
};
use crate::{TestApp, get, test_app, text};

async fn json_of(app: &TestApp, uri: &str, session: &Session) -> (StatusCode, Value) {
    let response = get(&app.router, uri, Some(&session.0)).await;
    let status = response.status();
    let body = text(response).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn deposited(app: &TestApp, record: &str, by: &Session, meta: Value) -> String {
    let sent = deposit(app, record, by, meta, PDF, 1024).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    sent.body["id"].as_str().unwrap().to_owned()
}

fn flagged(title: &str, category: &str, flag: &str) -> Value {
    let mut body = meta(title, category, "application/pdf", PDF.len());
    body[flag] = json!(true);
    body
}

/// The kinds of the notifications the session reads.
async fn told(app: &TestApp, session: &Session) -> Vec<String> {
    let (status, list) = json_of(app, "/api/notifications", session).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

/// The items of the access history the session reads.
async fn history_items(app: &TestApp, record: &str, session: &Session) -> Vec<String> {
    let (status, list) =
        json_of(app, &format!("/api/records/{record}/access-history"), session).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().unwrap().iter().filter_map(|e| e["item"].as_str().map(str::to_owned)).collect()
}

async fn grant_all(app: &TestApp, record: &str, rpps: &str, patient: &Session) {
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    let granted =
        put(app, &format!("/api/records/{record}/grants/{rpps}"), all, patient, true).await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_held_back_result_is_told_of_and_shown_in_the_history_only_once_announced() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let held = deposited(
        &app,
        &record,
        &doctor,
        flagged("Caryotype", "lab_results", "awaiting_announcement"),
    )
    .await;

    // Neither a notice nor a trace of it while it is held back.
    assert!(!told(&app, &patient).await.contains(&"document_deposited".to_owned()));
    assert!(!history_items(&app, &record, &patient).await.contains(&held));

    // Announced: the patient is told, and reads its history.
    let announce = format!("/api/records/{record}/documents/{held}/announce");
    assert_eq!(call(&app, &announce, json!(null), &doctor).await.status, StatusCode::NO_CONTENT);
    assert_eq!(told(&app, &patient).await.iter().filter(|k| *k == "document_deposited").count(), 1);
    assert!(history_items(&app, &record, &patient).await.contains(&held));
}

#[tokio::test]
async fn a_minors_confidential_care_reaches_no_representative_by_notice_or_history() {
    let app = test_app().await;
    let (parent, doctor, lea) = minor_with_parent(&app).await;
    grant_all(&app, &lea, DOCTOR, &parent).await;
    // Every kind of notice by message too, so a message to the parent would show.
    let channels = json!({ "document_deposited": true, "first_access": true, "new_device": true,
        "emergency_link_viewed": true });
    let uri = format!("/api/records/{lea}/notification-channels");
    let chosen = put(&app, &uri, channels.to_string().into_bytes(), &parent, true).await;
    assert_eq!(chosen.status, StatusCode::NO_CONTENT, "{:?}", chosen.body);
    let messages_before = app.store.outbox(100).await.unwrap().len();

    let secret = deposited(
        &app,
        &lea,
        &doctor,
        flagged("Consultation confidentielle", "reports", "hidden_from_representatives"),
    )
    .await;
    assert!(!told(&app, &parent).await.contains(&"document_deposited".to_owned()));
    assert!(!history_items(&app, &lea, &parent).await.contains(&secret));
    let messages = app.store.outbox(100).await.unwrap();
    let to_parent = messages[..messages.len() - messages_before]
        .iter()
        .filter(|m| m.recipient == "jeanne@example.fr")
        .count();
    assert_eq!(to_parent, 0, "no message to the representative about it");

    // An ordinary deposit is told, and shown.
    let report =
        deposited(&app, &lea, &doctor, meta("Vaccins", "reports", "application/pdf", PDF.len()))
            .await;
    assert!(told(&app, &parent).await.contains(&"document_deposited".to_owned()));
    assert!(history_items(&app, &lea, &parent).await.contains(&report));
}

#[tokio::test]
async fn blocking_the_regular_doctor_ends_the_history_the_review_and_the_notices_at_once() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let designate = json!({ "rpps": DOCTOR }).to_string().into_bytes();
    let uri = format!("/api/records/{record}/regular-doctor");
    assert_eq!(put(&app, &uri, designate, &patient, true).await.status, StatusCode::NO_CONTENT);
    let history = format!("/api/records/{record}/access-history");
    let review = format!("/api/records/{record}/break-glass");
    assert_eq!(json_of(&app, &history, &doctor).await.0, StatusCode::OK);
    assert_eq!(json_of(&app, &review, &doctor).await.0, StatusCode::OK);

    let block = format!("/api/records/{record}/grants/{DOCTOR}/block");
    assert_eq!(call(&app, &block, json!(null), &patient).await.status, StatusCode::NO_CONTENT);
    // The very next requests.
    assert_eq!(json_of(&app, &history, &doctor).await.0, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&app, &review, &doctor).await.0, StatusCode::NOT_FOUND);
    let proof = format!("/api/records/{record}/access-history/1/proof");
    assert_eq!(json_of(&app, &proof, &doctor).await.0, StatusCode::NOT_FOUND);
    // An emergency access is no longer told to them.
    let emergency = json!({ "given_name": "jeanne", "family_name": "MARTIN",
        "birth_date": "1980-05-17", "reason": "Patiente inconsciente, admise au SAU" });
    let started = call(&app, "/api/pro/break-glass", emergency, &nurse).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert!(!told(&app, &doctor).await.contains(&"break_glass_of_patient".to_owned()));
}

#[tokio::test]
async fn withdrawn_content_reaches_no_granted_professional_through_the_export_or_the_list() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    grant_all(&app, &record, NURSE, &patient).await;
    let report = deposited(
        &app,
        &record,
        &doctor,
        meta("Compte rendu", "reports", "application/pdf", PDF.len()),
    )
    .await;
    let withdraw = format!("/api/records/{record}/documents/{report}/withdraw");
    assert_eq!(call(&app, &withdraw, json!(null), &doctor).await.status, StatusCode::NO_CONTENT);

    let (status, export) = json_of(&app, &format!("/api/records/{record}/export"), &nurse).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["documents"], json!([]), "the export holds no withdrawn content");
    assert!(listed(&app, &record, &nurse).await.is_empty());
    let content = format!("/api/records/{record}/documents/{report}/content");
    assert_eq!(json_of(&app, &content, &nurse).await.0, StatusCode::NOT_FOUND);
    // Its author and the patient still read it.
    assert_eq!(get(&app.router, &content, Some(&doctor.0)).await.status(), StatusCode::OK);
    let (_, theirs) = json_of(&app, &format!("/api/records/{record}/export"), &patient).await;
    assert_eq!(theirs["documents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_deposit_under_way_stops_when_the_grant_is_revoked() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let started = call(
        &app,
        &format!("/api/records/{record}/uploads"),
        meta("Compte rendu", "reports", "application/pdf", PDF.len()),
        &doctor,
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let upload = started.body["upload_id"].as_str().unwrap().to_owned();
    let chunk = format!("/api/records/{record}/uploads/{upload}?offset=0");
    assert_eq!(put(&app, &chunk, PDF.to_vec(), &doctor, false).await.status, StatusCode::OK);

    let revoke = format!("/api/records/{record}/grants/{DOCTOR}/revoke");
    assert_eq!(call(&app, &revoke, json!(null), &patient).await.status, StatusCode::NO_CONTENT);
    let finish = format!("/api/records/{record}/uploads/{upload}/finish");
    let refused = call(&app, &finish, json!(null), &doctor).await;
    assert_eq!(
        (refused.status, refused.body["denied"].clone()),
        (StatusCode::FORBIDDEN, json!("grant_revoked"))
    );
    assert!(listed(&app, &record, &patient).await.is_empty());
}
