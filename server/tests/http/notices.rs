//! What people are told of, in the app and by message as they chose: a professional's first
//! access, a new document, break-glass (always), a login from a new device.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::signed_up;
use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, meta, professionals, put, record_id,
};
use crate::{TestApp, get, test_app, test_app_with};

#[tokio::test]
async fn the_patient_is_told_of_a_professional_s_first_access_and_new_document() {
    let app = test_app_with(|state| state).await;
    let (doctor, _) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let base = format!("/api/records/{record}");
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("{base}/grants/{DOCTOR}"), all, &patient, true).await;
    let kinds = || async {
        let response = get(&app.router, "/api/notifications", Some(&patient.0)).await;
        let told: Value = serde_json::from_str(&crate::text(response).await).unwrap();
        told.as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(kinds().await.is_empty());
    get(&app.router, &format!("{base}/documents"), Some(&doctor.0)).await;
    assert_eq!(kinds().await, ["first_access"]);
    let report = meta("Compte rendu", "reports", "application/pdf", PDF.len());
    assert_eq!(
        deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
        StatusCode::CREATED
    );
    get(&app.router, &format!("{base}/documents"), Some(&doctor.0)).await;
    assert_eq!(
        kinds().await,
        ["document_deposited", "first_access"],
        "newest first, the first access once"
    );
    // The patient's own documents tell nobody.
    let own = meta("Note", "patient_own", "application/pdf", PDF.len());
    assert_eq!(deposit(&app, &record, &patient, own, PDF, 1024).await.status, StatusCode::CREATED);
    assert_eq!(kinds().await.len(), 2);
}

/// Messages in the outbox to `recipient`, newest first: their subjects.
async fn subjects(app: &TestApp, recipient: &str) -> Vec<String> {
    let messages = app.store.outbox(200).await.unwrap();
    messages.into_iter().filter(|m| m.recipient == recipient).map(|m| m.subject).collect()
}

async fn kinds(app: &TestApp, session: &Session) -> Vec<String> {
    let response = get(&app.router, "/api/notifications", Some(&session.0)).await;
    let told: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    told.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn notifications_go_out_by_message_as_the_patient_chose_and_break_glass_always() {
    const JEANNE: &str = "jeanne@example.fr";
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, JEANNE).await;
    let record = record_id(&app, JEANNE).await;
    let base = format!("/api/records/{record}");
    let sent = || subjects(&app, JEANNE);
    let at_first = sent().await.len();
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("{base}/grants/{DOCTOR}"), all.clone(), &patient, true).await;

    // By default: a first access goes out, a new document does not.
    let (status, body) = {
        let response =
            get(&app.router, &format!("{base}/notification-channels"), Some(&patient.0)).await;
        (response.status(), crate::text(response).await)
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({ "document_deposited": false, "first_access": true, "new_device": true,
            "emergency_link_viewed": true, "care_history_updated": false })
    );
    get(&app.router, &format!("{base}/documents"), Some(&doctor.0)).await;
    assert_eq!(sent().await.len(), at_first + 1);
    assert_eq!(sent().await[0], "Un professionnel a accédé à votre dossier Carnet");
    let report = meta("Compte rendu confidentiel", "reports", "application/pdf", PDF.len());
    deposit(&app, &record, &doctor, report, PDF, 1024).await;
    assert_eq!(sent().await.len(), at_first + 1, "a new document stays in the app");
    assert_eq!(kinds(&app, &patient).await, ["document_deposited", "first_access"]);

    // The patient asks for new documents and against first accesses.
    let choice = json!({ "document_deposited": true, "first_access": false, "new_device": false, "emergency_link_viewed": false });
    let uri = format!("{base}/notification-channels");
    let saved = put(&app, &uri, choice.to_string().into_bytes(), &patient, true).await;
    assert_eq!(saved.status, StatusCode::NO_CONTENT);
    let report = meta("Deuxième compte rendu", "reports", "application/pdf", PDF.len());
    deposit(&app, &record, &doctor, report, PDF, 1024).await;
    assert_eq!(sent().await.len(), at_first + 2);
    assert_eq!(sent().await[0], "Un nouveau document dans votre dossier Carnet");
    let messages = app.store.outbox(200).await.unwrap();
    assert!(messages.iter().all(|m| !m.body.contains("confidentiel")), "no title in a message");
    put(&app, &format!("{base}/grants/{NURSE}"), all, &patient, true).await;
    get(&app.router, &format!("{base}/documents"), Some(&nurse.0)).await;
    assert_eq!(sent().await.len(), at_first + 2, "first accesses now stay in the app");
    assert_eq!(kinds(&app, &patient).await[0], "first_access");

    // Bad choices are refused and change nothing.
    for bad in [json!({ "document_deposited": "yes" }), json!({ "break_glass": false })] {
        let refused = put(&app, &uri, bad.to_string().into_bytes(), &patient, true).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // Nothing chosen at all: break-glass still goes out.
    let none = json!({ "document_deposited": false, "first_access": false, "new_device": false, "emergency_link_viewed": false });
    put(&app, &uri, none.to_string().into_bytes(), &patient, true).await;
    put(&app, &format!("{base}/grants/{NURSE}/revoke"), Vec::new(), &patient, true).await;
    let third = super::fixtures::directory_entry(
        "10009876540",
        app::directory::Profession::EmergencyCentre,
    );
    let entries = [
        super::fixtures::directory_entry(DOCTOR, app::directory::Profession::Physician),
        super::fixtures::directory_entry(NURSE, app::directory::Profession::Nurse),
        third,
    ];
    app.store.import_directory(&entries, crate::START).await.unwrap();
    let samu = super::fixtures::card_session(&app, "10009876540").await;
    let emergency = json!({ "given_name": "Jeanne", "family_name": "Martin",
        "birth_date": "1980-05-17", "reason": "Patiente inconsciente aux urgences" });
    assert_eq!(
        call(&app, "/api/pro/break-glass", emergency, &samu).await.status,
        StatusCode::CREATED
    );
    assert_eq!(sent().await.len(), at_first + 3);
    assert_eq!(sent().await[0], "Accès en urgence à votre dossier Carnet");
}

const FIREFOX: &str = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0";

#[tokio::test]
async fn a_login_from_a_new_device_is_told_and_a_known_device_is_not() {
    use super::fixtures::{PASSWORD, last_code, login_challenge, set_cookie};
    const JEANNE: &str = "jeanne@example.fr";
    let app = test_app().await;
    let patient = signed_up(&app, JEANNE).await;
    let record = record_id(&app, JEANNE).await;
    // Signing up was the first device: nothing to tell.
    assert!(kinds(&app, &patient).await.is_empty());
    let login = |device: Option<String>| {
        let app = &app;
        async move {
            let challenge = login_challenge(app, JEANNE, PASSWORD).await;
            let code = last_code(app, JEANNE).await;
            let body = json!({ "challenge": challenge.body["challenge"], "code": code });
            let cookie = device.as_deref();
            let verified = super::fixtures::post(
                &app.router,
                "/api/account/verify",
                body,
                cookie,
                &[("user-agent", FIREFOX)],
            )
            .await;
            assert_eq!(verified.status, StatusCode::OK);
            verified
        }
    };
    let before = subjects(&app, JEANNE).await.len();
    let elsewhere = login(None).await;
    let device = set_cookie(&elsewhere, "carnet_device");
    assert_eq!(kinds(&app, &patient).await, ["new_device"]);
    let told = subjects(&app, JEANNE).await;
    assert_eq!(told.len(), before + 2, "the code, then the warning");
    assert_eq!(told[0], "Nouvelle connexion à votre compte Carnet");
    let message = &app.store.outbox(1).await.unwrap()[0];
    assert!(message.body.contains("(Firefox, Android)"), "{}", message.body);

    // The same browser again: known.
    login(Some(device)).await;
    assert_eq!(kinds(&app, &patient).await, ["new_device"]);
    assert_eq!(subjects(&app, JEANNE).await.len(), before + 3, "only the code");

    // Turned off: told in the app only.
    let none = json!({ "document_deposited": false, "first_access": true, "new_device": false, "emergency_link_viewed": false });
    let uri = format!("/api/records/{record}/notification-channels");
    put(&app, &uri, none.to_string().into_bytes(), &patient, true).await;
    login(None).await;
    assert_eq!(kinds(&app, &patient).await, ["new_device", "new_device"]);
    assert_eq!(subjects(&app, JEANNE).await.len(), before + 4, "only the code");
}
