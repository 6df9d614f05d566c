//! Documents and grants: resumable, sealed deposits; the policy at every entry point; nothing
//! leaks to a professional without a grant, after a revocation or a mask. The pages and lists
//! the server renders of a record have `pages.rs`.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, listed, meta, post, professionals, put, record_id,
    signed_up,
};
use crate::{get, test_app, text};

#[tokio::test]
async fn a_deposit_resumes_after_a_dropped_chunk_and_is_sealed_at_rest() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let note = "Tension 12/8, glycémie 5,4 mmol/L. Secret médical très particulier.".repeat(20_000);
    let bytes = note.as_bytes();
    let uri = format!("/api/records/{record}/uploads");
    let meta = meta("Carnet de suivi tensionnel", "patient_own", "text/plain", bytes.len());

    // Refusals leave nothing behind: no CSRF token, a bad title, a date to come, too large.
    let no_csrf = post(&app.router, &uri, meta.clone(), Some(&patient.0), &[]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let mut bad = meta.clone();
    bad["title"] = json!("");
    assert_eq!(call(&app, &uri, bad, &patient).await.body["input"], "title_invalid");
    let mut future = meta.clone();
    future["care_date"] = json!("2027-01-01");
    assert_eq!(call(&app, &uri, future, &patient).await.body["input"], "date_in_future");
    let mut huge = meta.clone();
    huge["size"] = json!(20_000_001);
    assert_eq!(call(&app, &uri, huge, &patient).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(listed(&app, &record, &patient).await.is_empty());

    // The same announcement twice (a retried request) is one upload.
    let key = [("x-csrf-token", patient.1.as_str()), ("idempotency-key", "deposit-0001")];
    let first = post(&app.router, &uri, meta.clone(), Some(&patient.0), &key).await;
    let again = post(&app.router, &uri, meta.clone(), Some(&patient.0), &key).await;
    assert_eq!(first.body["upload_id"], again.body["upload_id"]);
    let upload = first.body["upload_id"].as_str().unwrap().to_owned();
    let chunk = first.body["chunk_size"].as_u64().unwrap() as usize;
    assert!(bytes.len() > 2 * chunk, "the test sends several chunks");

    let put_at = |offset: usize| format!("/api/records/{record}/uploads/{upload}?offset={offset}");
    assert_eq!(
        put(&app, &put_at(0), bytes[..chunk].to_vec(), &patient, false).await.status,
        StatusCode::OK
    );
    // The answer was lost; the phone sends the same chunk again: told where to resume.
    let repeated = put(&app, &put_at(0), bytes[..chunk].to_vec(), &patient, false).await;
    super::fixtures::assert_problem(&repeated, "a chunk sent twice");
    assert_eq!(repeated.body["reason"], "conflict");
    assert_eq!(
        (repeated.status, repeated.body["received"].as_u64()),
        (StatusCode::CONFLICT, Some(chunk as u64))
    );
    let finish = format!("/api/records/{record}/uploads/{upload}/finish");
    let early = call(&app, &finish, json!(null), &patient).await;
    assert_eq!(early.body["reason"], "upload_incomplete", "half a document is never a document");
    assert!(listed(&app, &record, &patient).await.is_empty());
    let status =
        get(&app.router, &format!("/api/records/{record}/uploads/{upload}"), Some(&patient.0))
            .await;
    let status: Value = serde_json::from_str(&text(status).await).unwrap();
    let mut offset = status["received"].as_u64().unwrap() as usize;
    while offset < bytes.len() {
        let end = (offset + chunk).min(bytes.len());
        assert_eq!(
            put(&app, &put_at(offset), bytes[offset..end].to_vec(), &patient, false).await.status,
            StatusCode::OK
        );
        offset = end;
    }
    let done = call(&app, &finish, json!(null), &patient).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["title"], "Carnet de suivi tensionnel");
    assert_eq!(done.body["author"]["kind"], "patient");
    let id = done.body["id"].as_str().unwrap();
    // Announced again after the deposit (an offline deposit whose answer was lost): the same
    // upload, told it is a document already, and no second document.
    assert_eq!(again.body["finished"], false);
    let late = post(&app.router, &uri, meta.clone(), Some(&patient.0), &key).await;
    assert_eq!(
        (late.body["upload_id"].as_str(), late.body["finished"].as_bool()),
        (Some(upload.as_str()), Some(true))
    );
    assert_eq!(listed(&app, &record, &patient).await.len(), 1);

    let content = get(
        &app.router,
        &format!("/api/records/{record}/documents/{id}/content"),
        Some(&patient.0),
    )
    .await;
    assert_eq!(content.status(), StatusCode::OK);
    assert_eq!(crate::header(&content, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(crate::header(&content, "cache-control"), "no-store");
    assert!(crate::header(&content, "content-security-policy").contains("sandbox"));
    assert_eq!(crate::header(&content, "x-frame-options"), "SAMEORIGIN");
    assert_eq!(text(content).await, note);

    // Neither the content nor the title is anywhere in the database files.
    app.store.scrub().await.unwrap();
    let stored = super::fixtures::database_bytes(&app).await;
    for secret in [&b"Secret m\xc3\xa9dical"[..], b"suivi tensionnel"] {
        assert!(!stored.windows(secret.len()).any(|w| w == secret), "found in clear");
    }
}

#[tokio::test]
async fn the_bytes_decide_the_type_not_the_announcement() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let html = b"<html><script>alert(1)</script></html>";
    let refused = deposit(
        &app,
        &record,
        &patient,
        meta("Scan", "patient_own", "application/pdf", html.len()),
        html,
        1024,
    )
    .await;
    assert_eq!(
        (refused.status, refused.body["input"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("media_type"))
    );
    let binary = [0x4D, 0x5A, 0x90, 0x00, 0x03];
    let refused = deposit(
        &app,
        &record,
        &patient,
        meta("Note", "patient_own", "text/plain", 5),
        &binary,
        1024,
    )
    .await;
    assert_eq!(refused.body["input"], "media_type");
    assert!(listed(&app, &record, &patient).await.is_empty());
    let pdf = deposit(
        &app,
        &record,
        &patient,
        meta("Scan", "patient_own", "application/pdf", PDF.len()),
        PDF,
        1024,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::CREATED);
    // A patient deposits their own documents, never a professional's category.
    let report = deposit(
        &app,
        &record,
        &patient,
        meta("Faux compte rendu", "reports", "application/pdf", PDF.len()),
        PDF,
        1024,
    )
    .await;
    assert_eq!(
        (report.status, report.body["denied"].clone()),
        (StatusCode::FORBIDDEN, json!("not_yours"))
    );
}

#[tokio::test]
async fn professionals_see_what_the_grant_and_the_mask_allow_on_the_next_request() {
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let report = meta("Compte rendu de consultation", "reports", "application/pdf", PDF.len());

    // No grant: nothing to deposit, nothing listed, nothing to guess.
    let refused = deposit(&app, &record, &doctor, report.clone(), PDF, 1024).await;
    assert_eq!(refused.body["denied"], "no_grant");
    assert!(listed(&app, &record, &doctor).await.is_empty());

    let grants = format!("/api/records/{record}/grants");
    let some = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    assert_eq!(
        put(&app, &format!("{grants}/{DOCTOR}"), some.to_string().into_bytes(), &patient, true)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(
            &app,
            &format!("{grants}/{NURSE}"),
            json!({ "scope": "all" }).to_string().into_bytes(),
            &patient,
            true
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    // A professional cannot grant themselves anything.
    let selfish = put(
        &app,
        &format!("{grants}/{DOCTOR}"),
        json!({ "scope": "all" }).to_string().into_bytes(),
        &doctor,
        true,
    )
    .await;
    assert_eq!(selfish.status, StatusCode::FORBIDDEN);

    let deposited = deposit(&app, &record, &doctor, report, PDF, 40).await;
    assert_eq!(deposited.status, StatusCode::CREATED, "{:?}", deposited.body);
    assert_eq!(deposited.body["author"]["name"], "Anne Martin");
    let id = deposited.body["id"].as_str().unwrap().to_owned();
    let lab = deposit(
        &app,
        &record,
        &doctor,
        meta("Bilan", "lab_results", "application/pdf", PDF.len()),
        PDF,
        1024,
    )
    .await;
    assert_eq!(lab.body["denied"], "outside_grant");

    // The patient reads it back, byte for byte (a PDF is not compressed again on its way).
    let content_uri = format!("/api/records/{record}/documents/{id}/content");
    let asked = Request::get(&content_uri)
        .header(header::COOKIE, &patient.0)
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .unwrap();
    let content = app.router.clone().oneshot(asked).await.unwrap();
    assert_eq!(crate::header(&content, "content-type"), "application/pdf");
    assert!(content.headers().get(header::CONTENT_ENCODING).is_none());
    let bytes = content.into_body();
    let bytes = http_body_util::BodyExt::collect(bytes).await.unwrap().to_bytes();
    assert_eq!(bytes.as_ref(), PDF);
    assert_eq!(listed(&app, &record, &nurse).await.len(), 1);

    // Masked: gone for the nurse at the next request, still there for its author.
    let mask = format!("/api/records/{record}/documents/{id}/mask");
    assert_eq!(
        call(&app, &mask, json!({ "masked": true }), &nurse).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, &mask, json!({ "masked": true }), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(listed(&app, &record, &nurse).await.is_empty());
    assert_eq!(
        get(&app.router, &content_uri, Some(&nurse.0)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(listed(&app, &record, &doctor).await.len(), 1, "the author still sees it");
    call(&app, &mask, json!({ "masked": false }), &patient).await;

    // Revoked: gone at the next request.
    assert_eq!(
        call(&app, &format!("{grants}/{NURSE}/revoke"), json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(listed(&app, &record, &nurse).await.is_empty());
    assert_eq!(
        get(&app.router, &content_uri, Some(&nurse.0)).await.status(),
        StatusCode::NOT_FOUND
    );

    // Another patient's record: no list, and a guessed identifier is unknown.
    let other = signed_up(&app, "paul@example.fr").await;
    let other_record = record_id(&app, "paul@example.fr").await;
    assert!(listed(&app, &other_record, &doctor).await.is_empty());
    let guessed = format!("/api/records/{other_record}/documents/{id}/content");
    assert_eq!(get(&app.router, &guessed, Some(&doctor.0)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&app.router, &guessed, Some(&other.0)).await.status(), StatusCode::NOT_FOUND);
    let theirs = format!("/api/records/{record}/documents");
    assert_eq!(get(&app.router, &theirs, Some(&other.0)).await.status(), StatusCode::NOT_FOUND);

    // The author replaces it with a new version, then withdraws it: kept, marked withdrawn.
    let mut v2 =
        meta("Compte rendu de consultation (corrigé)", "reports", "application/pdf", PDF.len());
    v2["replaces"] = json!(id);
    let replaced = deposit(&app, &record, &doctor, v2, PDF, 1024).await;
    assert_eq!(
        (replaced.body["id"].as_str(), replaced.body["version"].as_u64()),
        (Some(id.as_str()), Some(2))
    );
    let withdraw = format!("/api/records/{record}/documents/{id}/withdraw");
    assert_eq!(
        call(&app, &withdraw, json!(null), &patient).await.status,
        StatusCode::FORBIDDEN,
        "not the patient's"
    );
    assert_eq!(call(&app, &withdraw, json!(null), &doctor).await.status, StatusCode::NO_CONTENT);
    let documents = listed(&app, &record, &patient).await;
    assert_eq!((documents.len(), documents[0]["withdrawn"].clone()), (1, json!(true)));

    // Blocked: nothing at all, not even the author's own document.
    assert_eq!(
        call(&app, &format!("{grants}/{DOCTOR}/block"), json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(listed(&app, &record, &doctor).await.is_empty());
}

#[tokio::test]
async fn a_patient_finds_professionals_and_a_professional_lists_who_granted_them() {
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let found = |q: &str| {
        let (router, cookie, q) = (app.router.clone(), patient.0.clone(), q.to_owned());
        async move {
            let response = get(&router, &format!("/api/directory?q={q}"), Some(&cookie)).await;
            serde_json::from_str::<Value>(&text(response).await).unwrap()
        }
    };
    assert_eq!(found("anne%20mar").await.as_array().unwrap().len(), 2);
    assert_eq!(found(NURSE).await[0]["profession"], "nurse");
    assert_eq!(found("a").await, json!([]), "too short to search");
    assert_eq!(
        get(&app.router, "/api/directory?q=anne", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let patients = |session: Session| {
        let router = app.router.clone();
        async move {
            let response = get(&router, "/api/pro/patients", Some(&session.0)).await;
            serde_json::from_str::<Value>(&text(response).await).unwrap()
        }
    };
    // One of them, for the pages of their record: as the list shows them, or as missing.
    let one = |session: Session, id: String| {
        let router = app.router.clone();
        async move {
            let response = get(&router, &format!("/api/pro/patients/{id}"), Some(&session.0)).await;
            (response.status(), text(response).await)
        }
    };
    let missing = one(doctor.clone(), "0".repeat(32)).await;
    assert_eq!(missing.0, StatusCode::NOT_FOUND);
    assert_eq!(patients(doctor.clone()).await, json!([]));
    assert_eq!(one(doctor.clone(), record.to_string()).await, missing, "not granted: as missing");
    let until = json!({ "scope": "all", "until": "2026-11-30" }).to_string().into_bytes();
    put(&app, &format!("/api/records/{record}/grants/{DOCTOR}"), until, &patient, true).await;
    let listed = patients(doctor.clone()).await;
    assert_eq!(listed[0]["id"], record.as_str());
    let (status, body) = one(doctor.clone(), record.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), listed[0]);
    assert_eq!(one(nurse.clone(), record.to_string()).await, missing, "granted to another");
    assert_eq!(patients(nurse).await, json!([]));
    let grants = get(&app.router, &format!("/api/records/{record}/grants"), Some(&patient.0)).await;
    let grants: Value = serde_json::from_str(&text(grants).await).unwrap();
    assert_eq!(grants[0]["professional"]["rpps"], DOCTOR);
    // The grant ends after its last day.
    app.clock.advance(6 * 86_400);
    let (doctor, _) = professionals(&app).await;
    assert_eq!(one(doctor.clone(), record.to_string()).await, missing, "the grant ended");
    assert_eq!(patients(doctor).await, json!([]));
}

#[tokio::test]
async fn the_regular_doctor_sees_masked_documents_and_must_be_a_physician() {
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let grants = format!("/api/records/{record}/grants");
    let all = || json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("{grants}/{NURSE}"), all(), &patient, true).await;
    let report = meta("Compte rendu", "reports", "application/pdf", PDF.len());
    let id = deposit(&app, &record, &nurse, report, PDF, 1024).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &app,
        &format!("/api/records/{record}/documents/{id}/mask"),
        json!({ "masked": true }),
        &patient,
    )
    .await;

    // Not yet designated, no grant: the physician sees nothing.
    assert!(listed(&app, &record, &doctor).await.is_empty());
    let designate = |rpps: &str| json!({ "rpps": rpps }).to_string().into_bytes();
    let uri = format!("/api/records/{record}/regular-doctor");
    let nurse_refused = put(&app, &uri, designate(NURSE), &patient, true).await;
    assert_eq!(nurse_refused.body["input"], "not_for_profession");
    assert_eq!(
        put(&app, &uri, designate(DOCTOR), &doctor, true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&app, &uri, designate(DOCTOR), &patient, true).await.status,
        StatusCode::NO_CONTENT
    );

    // Designated: the masked report shows for them (and still not for others).
    let seen = listed(&app, &record, &doctor).await;
    assert_eq!((seen.len(), seen[0]["masked"].clone()), (1, json!(true)));
    let listing = get(&app.router, &grants, Some(&patient.0)).await;
    let listing: Value = serde_json::from_str(&text(listing).await).unwrap();
    assert!(
        listing
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["regular_doctor"] == true && g["professional"]["rpps"] == DOCTOR)
    );
    // Blocking the regular doctor closes everything at once.
    call(&app, &format!("{grants}/{DOCTOR}/block"), json!(null), &patient).await;
    assert!(listed(&app, &record, &doctor).await.is_empty());
    let again = put(&app, &uri, designate(DOCTOR), &patient, true).await;
    assert_eq!(again.body["denied"], "blocked");
}
