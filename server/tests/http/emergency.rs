//! Break-glass: a professional without a grant opens a record in an emergency, for a bounded
//! time, unless the patient refused it in advance or blocked them; masked items stay masked;
//! the patient and the regular doctor are told; every session is in the patient's review list.
//! And the patient's preview of what a given professional sees.

use app::directory::Profession;
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{emergency::EmergencyRules, store::AccountId};

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, card_session, deposit, directory_entry, json_get, listed,
    meta, post, put, record_id, signed_up,
};
use crate::{START, TestApp, test_app, test_app_with};

const SAMU: &str = "10009876540";
const AGENT: &str = "10005550008";

struct Cast {
    patient: Session,
    record: AccountId,
    doctor: Session,
    nurse: Session,
    samu: Session,
    agent: Session,
}

/// A patient (Jeanne Martin, born 1980-05-17) with two documents of her own, one masked; and
/// four professionals, none granted.
async fn cast(app: &TestApp) -> Cast {
    let entries = [
        directory_entry(DOCTOR, Profession::Physician),
        directory_entry(NURSE, Profession::Nurse),
        directory_entry(SAMU, Profession::EmergencyCentre),
        directory_entry(AGENT, Profession::InsurerAgent),
    ];
    app.store.import_directory(&entries, START).await.unwrap();
    let patient = signed_up(app, "jeanne@example.fr").await;
    let record = record_id(app, "jeanne@example.fr").await;
    for title in ["Journal de glycémie", "Note personnelle"] {
        let note = format!("{title} : contenu de santé.");
        let sent = deposit(
            app,
            &record,
            &patient,
            meta(title, "patient_own", "text/plain", note.len()),
            note.as_bytes(),
            1024,
        )
        .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
    let documents = listed(app, &record, &patient).await;
    let glycaemia = documents.iter().find(|d| d["title"] == "Journal de glycémie").unwrap();
    let masked = glycaemia["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/records/{record}/documents/{masked}/mask");
    assert_eq!(
        call(app, &uri, json!({ "masked": true }), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    Cast {
        patient,
        record,
        doctor: card_session(app, DOCTOR).await,
        nurse: card_session(app, NURSE).await,
        samu: card_session(app, SAMU).await,
        agent: card_session(app, AGENT).await,
    }
}

fn emergency(reason: &str) -> Value {
    json!({ "given_name": "jeanne", "family_name": "MARTIN", "birth_date": "1980-05-17",
        "reason": reason })
}

#[tokio::test]
async fn break_glass_opens_a_record_for_a_bounded_time_and_tells_the_patient_and_regular_doctor() {
    let app = test_app().await;
    let c = cast(&app).await;
    let record = &c.record;
    // The patient's regular doctor, granted nothing but designated.
    let designate = json!({ "rpps": DOCTOR }).to_string().into_bytes();
    let uri = format!("/api/records/{record}/regular-doctor");
    assert_eq!(put(&app, &uri, designate, &c.patient, true).await.status, StatusCode::NO_CONTENT);

    // Without a grant the nurse sees nothing.
    assert!(listed(&app, record, &c.nurse).await.is_empty());

    // Refusals: no CSRF token, a reason too short, an identity that matches nobody.
    let start = "/api/pro/break-glass";
    let reason = "Patiente inconsciente, admise au SAU";
    let no_csrf = post(&app.router, start, emergency(reason), Some(&c.nurse.0), &[]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let short = call(&app, start, emergency("urgence"), &c.nurse).await;
    assert_eq!(
        (short.status, short.body["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("reason"))
    );
    let mut nobody = emergency(reason);
    nobody["birth_date"] = json!("1980-05-18");
    assert_eq!(call(&app, start, nobody, &c.nurse).await.status, StatusCode::NOT_FOUND);
    let messages_before = app.store.outbox(100).await.unwrap().len();

    // Started: four hours, the record reachable, the masked note still masked.
    let started = call(&app, start, emergency(reason), &c.nurse).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert_eq!(started.body["record_id"], json!(record));
    assert_eq!(started.body["expires_at"], json!(START + 4 * 3600));
    let seen = listed(&app, record, &c.nurse).await;
    assert_eq!(seen.len(), 1, "the masked note stays masked: {seen:?}");
    assert_eq!(seen[0]["title"], "Note personnelle");
    let again = call(&app, start, emergency(reason), &c.nurse).await;
    assert_eq!(
        (again.status, again.body["id"].clone()),
        (StatusCode::OK, started.body["id"].clone())
    );

    // The professional's screens know: the live session, and the patient in their list.
    let (_, live) = json_get(&app, "/api/pro/break-glass", &c.nurse.0).await;
    assert_eq!(live.as_array().unwrap().len(), 1);
    let (_, patients) = json_get(&app, "/api/pro/patients", &c.nurse.0).await;
    assert_eq!(patients[0]["id"], json!(record));
    assert_eq!(patients[0]["emergency_until"], json!(START + 4 * 3600));
    let (_, one) = json_get(&app, &format!("/api/pro/patients/{record}"), &c.nurse.0).await;
    assert_eq!(one, patients[0], "the record's own page knows it as the list does");

    // The patient is told by message and in the app; the regular doctor in the app.
    let messages = app.store.outbox(100).await.unwrap();
    assert_eq!(messages.len(), messages_before + 1);
    assert_eq!(messages[0].recipient, "jeanne@example.fr");
    assert_eq!(messages[0].subject, "Accès en urgence à votre dossier Carnet");
    assert!(!messages[0].body.contains(reason), "the reason stays in the record");
    let (_, told) = json_get(&app, "/api/notifications", &c.patient.0).await;
    assert_eq!(told[0]["kind"], "break_glass");
    assert_eq!(told[0]["by"]["rpps"], NURSE);
    assert_eq!(told[0]["read"], false);
    let (_, doctor_told) = json_get(&app, "/api/notifications", &c.doctor.0).await;
    assert_eq!(doctor_told[0]["kind"], "break_glass_of_patient");
    assert_eq!(doctor_told[0]["patient"], "Jeanne Martin");
    let (_, nurse_told) = json_get(&app, "/api/notifications", &c.nurse.0).await;
    assert_eq!(nurse_told, json!([]));
    let read = call(&app, "/api/notifications/read", json!(null), &c.patient).await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    let (_, told) = json_get(&app, "/api/notifications", &c.patient.0).await;
    assert_eq!(told[0]["read"], true);

    // The review list, with the reason, for the patient and the regular doctor; nobody else.
    let review = format!("/api/records/{record}/break-glass");
    let (_, sessions) = json_get(&app, &review, &c.patient.0).await;
    assert_eq!(sessions[0]["reason"], reason);
    assert_eq!(sessions[0]["live"], true);
    assert_eq!(json_get(&app, &review, &c.doctor.0).await.0, StatusCode::OK);
    assert_eq!(json_get(&app, &review, &c.nurse.0).await.0, StatusCode::NOT_FOUND);

    // Four hours later it is over, on the very next request.
    // (Idle professional sessions end after 15 minutes: the nurse signs in again.)
    app.clock.advance(4 * 3600);
    let nurse = card_session(&app, NURSE).await;
    let patient = super::fixtures::logged_in(&app, "jeanne@example.fr").await;
    assert!(listed(&app, record, &nurse).await.is_empty());
    let (_, live) = json_get(&app, "/api/pro/break-glass", &nurse.0).await;
    assert_eq!(live, json!([]));
    let (_, sessions) = json_get(&app, &review, &patient.0).await;
    assert_eq!(sessions[0]["live"], false);

    // A new session can be ended early by its professional, and by nobody else.
    let doctor = card_session(&app, DOCTOR).await;
    let started = call(&app, start, emergency(reason), &nurse).await;
    let id = started.body["id"].as_str().unwrap();
    let end = format!("/api/pro/break-glass/{id}/end");
    assert_eq!(call(&app, &end, json!(null), &doctor).await.status, StatusCode::NOT_FOUND);
    assert_eq!(listed(&app, record, &nurse).await.len(), 1);
    assert_eq!(call(&app, &end, json!(null), &nurse).await.status, StatusCode::NO_CONTENT);
    assert!(listed(&app, record, &nurse).await.is_empty());
    assert_eq!(call(&app, &end, json!(null), &nurse).await.status, StatusCode::NOT_FOUND);
    let (_, sessions) = json_get(&app, &review, &patient.0).await;
    assert_eq!(sessions.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_advance_refusal_or_a_block_keeps_the_record_closed_in_an_emergency() {
    let app = test_app().await;
    let c = cast(&app).await;
    let record = &c.record;
    let start = "/api/pro/break-glass";
    let reason = "Patiente inconsciente, admise au SAU";
    let refusal = format!("/api/records/{record}/break-glass-refusal");
    assert_eq!(json_get(&app, &refusal, &c.patient.0).await.1, json!({ "refused": false }));
    // Only the patient side sets it.
    let by_nurse = put(&app, &refusal, br#"{"refused":false}"#.to_vec(), &c.nurse, true).await;
    assert_eq!(by_nurse.status, StatusCode::FORBIDDEN);
    let set = put(&app, &refusal, br#"{"refused":true}"#.to_vec(), &c.patient, true).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    assert_eq!(json_get(&app, &refusal, &c.patient.0).await.1, json!({ "refused": true }));

    let refused = call(&app, start, emergency(reason), &c.nurse).await;
    assert_eq!(
        (refused.status, refused.body["denied"].clone()),
        (StatusCode::FORBIDDEN, json!("break_glass_refused"))
    );
    let refused = call(&app, start, emergency(reason), &c.samu).await;
    assert_eq!(refused.body["denied"], "break_glass_refused");
    assert!(app.store.break_glass_of_record(record).await.unwrap().is_empty());

    // Lifted: the nurse gets in; then the patient refuses again, and the live session stops
    // showing anything at the next request.
    put(&app, &refusal, br#"{"refused":false}"#.to_vec(), &c.patient, true).await;
    assert_eq!(call(&app, start, emergency(reason), &c.nurse).await.status, StatusCode::CREATED);
    assert_eq!(listed(&app, record, &c.nurse).await.len(), 1);
    put(&app, &refusal, br#"{"refused":true}"#.to_vec(), &c.patient, true).await;
    assert!(listed(&app, record, &c.nurse).await.is_empty());
    put(&app, &refusal, br#"{"refused":false}"#.to_vec(), &c.patient, true).await;

    // A blocked professional has no emergency right either, and loses a live one at once.
    let block = format!("/api/records/{record}/grants/{NURSE}/block");
    assert_eq!(call(&app, &block, json!(null), &c.patient).await.status, StatusCode::NO_CONTENT);
    assert!(listed(&app, record, &c.nurse).await.is_empty());
    let blocked = call(&app, start, emergency(reason), &c.nurse).await;
    assert_eq!(blocked.body["denied"], "blocked");

    // An insurer agent is no health professional.
    let agent = call(&app, start, emergency(reason), &c.agent).await;
    assert_eq!(agent.body["denied"], "not_for_profession");
}

#[tokio::test]
async fn the_emergency_centre_reads_in_break_glass_only_and_deposits_nothing() {
    let app = test_app().await;
    let c = cast(&app).await;
    let record = &c.record;
    assert!(listed(&app, record, &c.samu).await.is_empty());
    let started = call(
        &app,
        "/api/pro/break-glass",
        emergency("Appel au 15, malaise sur la voie publique"),
        &c.samu,
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert_eq!(listed(&app, record, &c.samu).await.len(), 1, "a physician's reading, masks kept");
    let report = meta("Compte rendu", "reports", "application/pdf", PDF.len());
    let deposited = deposit(&app, record, &c.samu, report, PDF, 1024).await;
    assert_eq!(deposited.body["denied"], "not_for_profession");
}

#[tokio::test]
async fn masks_hold_in_break_glass_unless_configured_otherwise() {
    let rules = EmergencyRules { break_glass_seconds: 30 * 60, sees_masked: true };
    let app = test_app_with(|state| state.with_emergency(rules)).await;
    let c = cast(&app).await;
    let started = call(
        &app,
        "/api/pro/break-glass",
        emergency("Patiente inconsciente, admise au SAU"),
        &c.doctor,
    )
    .await;
    assert_eq!(started.body["expires_at"], json!(START + 30 * 60));
    assert_eq!(listed(&app, &c.record, &c.doctor).await.len(), 2);
    app.clock.advance(30 * 60);
    let doctor = card_session(&app, DOCTOR).await;
    assert!(listed(&app, &c.record, &doctor).await.is_empty());
}

#[tokio::test]
async fn the_patient_previews_exactly_what_a_professional_sees_and_why_not_the_rest() {
    let app = test_app().await;
    let c = cast(&app).await;
    let record = &c.record;
    let preview = format!("/api/records/{record}/preview/{NURSE}");
    let (status, nothing) = json_get(&app, &preview, &c.patient.0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nothing["documents"], json!([]));
    assert_eq!(nothing["hidden"][0]["reason"], "no_grant");
    assert_eq!(nothing["profile"], json!([]));

    let grant = json!({ "scope": { "some": { "categories": ["patient_own"], "profile": true } } });
    let uri = format!("/api/records/{record}/grants/{NURSE}");
    put(&app, &uri, grant.to_string().into_bytes(), &c.patient, true).await;
    let (_, shown) = json_get(&app, &preview, &c.patient.0).await;
    let nurse_sees = listed(&app, record, &c.nurse).await;
    assert_eq!(shown["documents"], Value::Array(nurse_sees), "the preview is the nurse's own view");
    let hidden = shown["hidden"].as_array().unwrap();
    assert_eq!(hidden.len(), 1);
    assert_eq!(
        (hidden[0]["title"].clone(), hidden[0]["reason"].clone()),
        (json!("Journal de glycémie"), json!("masked"))
    );
    assert!(shown["profile"].as_array().unwrap().contains(&json!("allergies")));

    // Only the patient side previews; an unknown or malformed identifier is not found.
    assert_eq!(json_get(&app, &preview, &c.nurse.0).await.0, StatusCode::NOT_FOUND);
    let bad = format!("/api/records/{record}/preview/10000000008");
    assert_eq!(json_get(&app, &bad, &c.patient.0).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_professional_shows_a_code_that_opens_the_patients_record_on_them() {
    let app = test_app().await;
    let c = cast(&app).await;
    let (status, code) = json_get(&app, "/api/pro/grant-code", &c.nurse.0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code["url"], format!("http://localhost/dossier/partage?pro={NURSE}"));
    let svg = code["svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>") && !svg.contains("<script"), "{svg}");
    // A patient has no such code.
    assert_eq!(json_get(&app, "/api/pro/grant-code", &c.patient.0).await.0, StatusCode::FORBIDDEN);
}
