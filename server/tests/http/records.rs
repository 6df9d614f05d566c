//! Documents and grants: resumable, sealed deposits; the policy at every entry point; nothing
//! leaks to a professional without a grant, after a revocation or a mask.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use server::store::SecretStore;
use tower::ServiceExt;

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, grant_all, json_of, listed, meta,
    patient_doctor_nurse, post, professionals, put, record_id, signed_up,
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
    let path = app.dir.path().join("carnet.db");
    let stored = std::fs::read(&path).unwrap();
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

/// A record's page is rendered by the server with the person's data, read through the API as
/// that person: the policy decides, each read is in the access history once (the page reads each
/// answer once, however its views are walked), and without a session nothing is read at all.
#[tokio::test]
async fn record_pages_render_the_persons_data_read_once_through_the_policy() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("/api/records/{record}/grants/{DOCTOR}"), all, &patient, true).await;
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    assert_eq!(
        deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
        StatusCode::CREATED
    );
    let history = |session: &Session| {
        let (uri, cookie) = (format!("/api/records/{record}/access-history"), session.0.clone());
        let router = app.router.clone();
        async move {
            let response = get(&router, &uri, Some(&cookie)).await;
            let all: Value = serde_json::from_str(&text(response).await).unwrap();
            all["events"].as_array().unwrap().clone()
        }
    };
    let lists = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["action"] == "documents.list" && e["actor_kind"] == "patient")
            .count()
    };
    let before = lists(&history(&patient).await);

    let page = get(&app.router, "/dossier/documents", Some(&patient.0)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains("Compte rendu de cardiologie"), "the list is in the page");
    assert!(html.contains("href=\"/dossier/documents/"), "each document has its page");
    assert_eq!(lists(&history(&patient).await), before + 1, "one read of the list, audited");

    // The same page for another person shows their own (empty) record, and no one else's.
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    let theirs = text(get(&app.router, "/dossier/documents", Some(&other.0)).await).await;
    assert!(!theirs.contains("Compte rendu de cardiologie"));
    // Without a session: the page says so, and reads nothing.
    let anonymous = text(get(&app.router, "/dossier/documents", None).await).await;
    assert!(!anonymous.contains("Compte rendu de cardiologie"));
    assert!(anonymous.contains("/connexion"));
    assert_eq!(lists(&history(&patient).await), before + 1);

    // The professional's list and a document's own page, rendered likewise for the doctor the
    // record is open to, and for no one else (the nurse has no access).
    let (_, listed) = json_of(&app, &format!("/api/records/{record}/documents"), &patient).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let documents = format!("/pro/dossier/{record}/documents");
    for page in [documents.clone(), format!("{documents}/{id}")] {
        let answer = get(&app.router, &page, Some(&doctor.0)).await;
        assert_eq!(answer.status(), StatusCode::OK, "{page}");
        let html = text(answer).await;
        assert!(html.contains("Compte rendu de cardiologie"), "{page}: the list is in the page");
        assert!(
            html.contains(&format!("href=\"{documents}/{id}\"")),
            "{page}: the document's page"
        );
    }
    let detail = text(get(&app.router, &format!("{documents}/{id}"), Some(&doctor.0)).await).await;
    assert!(detail.contains("document-page"), "the document's own page, beside the list");
    // The record's own address, from before its documents had their own, leads there.
    let moved = get(&app.router, &format!("/pro/dossier/{record}"), Some(&doctor.0)).await;
    assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(moved.headers()["location"], documents.as_str());
    let refused = text(get(&app.router, &format!("{documents}/{id}"), Some(&nurse.0)).await).await;
    assert!(!refused.contains("Compte rendu de cardiologie"));
    assert!(
        refused.contains("ne vous est pas ouvert."),
        "the nurse is told the record is not hers"
    );
}

#[tokio::test]
async fn a_list_of_documents_is_as_long_as_asked_and_the_home_page_reads_the_newest_three() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    for day in 1..=5 {
        let mut report =
            meta(&format!("Compte rendu numéro {day}"), "reports", "application/pdf", PDF.len());
        report["care_date"] = json!(format!("2026-11-0{day}"));
        assert_eq!(
            deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
            StatusCode::CREATED
        );
    }
    let titles = |list: &[Value]| -> Vec<String> {
        list.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect()
    };
    let whole = titles(&listed(&app, &record, &patient).await);
    assert_eq!(whole.len(), 5);
    assert_eq!(whole[0], "Compte rendu numéro 5", "newest care first");
    let answer = |query: &str| {
        let uri = format!("/api/records/{record}/documents{query}");
        let (app, patient) = (&app, &patient);
        async move { json_of(app, &uri, patient).await }
    };
    let (status, two) = answer("?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(two.as_array().unwrap()), whole[..2]);
    let (status, one) = answer("?q=numero%203&limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(one.as_array().unwrap()), ["Compte rendu numéro 3"]);
    for bad in ["?limit=0", "?limit=two", "?limit=-1", "?colour=red"] {
        assert_eq!(answer(bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }

    // *Accueil* shows the newest three and carries nothing of the others.
    let home = text(get(&app.router, "/dossier", Some(&patient.0)).await).await;
    for shown in &whole[..3] {
        assert!(home.contains(shown.as_str()), "{shown}");
    }
    for older in &whole[3..] {
        assert!(!home.contains(older.as_str()), "{older} is not read for the home page");
    }
}

/// The pages of documents: twenty a page, newest care first, narrowed by the search, the last
/// page when asked past it, each read once in the access history; and a document alone (for its
/// own page), through the same policy: what the asker may not read answers as a missing one.
#[tokio::test]
async fn documents_come_a_page_at_a_time_and_one_alone_through_the_policy() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let reports = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    let uri = format!("/api/records/{record}/grants/{NURSE}");
    put(&app, &uri, reports.to_string().into_bytes(), &patient, true).await;
    for day in 1..=25 {
        let mut note = meta(&format!("Relevé {day}"), "patient_own", "text/plain", 12);
        note["care_date"] = json!(format!("2026-10-{day:02}"));
        let deposited = deposit(&app, &record, &patient, note, b"Tension 12/8", 1024).await;
        assert_eq!(deposited.status, StatusCode::CREATED);
    }
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    let report = deposit(&app, &record, &doctor, report, PDF, 1024).await;
    let report = report.body["id"].as_str().unwrap().to_owned();

    let page = |session: &Session, query: &str| {
        let uri = format!("/api/records/{record}/documents/pages/{query}");
        let (app, session) = (&app, session.clone());
        async move { json_of(app, &uri, &session).await }
    };
    let titles = |page: &Value| -> Vec<String> {
        let documents = page["documents"].as_array().unwrap();
        documents.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect()
    };
    let (status, first) = page(&patient, "1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((first["page"].as_u64(), first["pages"].as_u64()), (Some(1), Some(2)));
    let first_titles = titles(&first);
    assert_eq!(first_titles.len(), 20);
    assert_eq!(
        first_titles[..2],
        ["Compte rendu de cardiologie", "Relevé 25"],
        "newest care first"
    );
    let (_, second) = page(&patient, "2").await;
    assert_eq!(
        titles(&second),
        ["Relevé 6", "Relevé 5", "Relevé 4", "Relevé 3", "Relevé 2", "Relevé 1"]
    );
    assert!(second["documents"][0]["allowed"].as_array().is_some_and(|a| !a.is_empty()));
    // Past the last page: the last.
    let (_, past) = page(&patient, "9").await;
    assert_eq!((past["page"].as_u64(), titles(&past)), (Some(2), titles(&second)));
    // A search counts only what it finds.
    let (_, found) = page(&patient, "1?q=releve%205").await;
    assert_eq!(found["pages"].as_u64(), Some(1));
    assert_eq!(titles(&found), ["Relevé 25", "Relevé 15", "Relevé 5"]);
    let (_, none) = page(&patient, "1?q=introuvable").await;
    assert_eq!((none["page"].as_u64(), none["pages"].as_u64()), (Some(1), Some(1)));
    assert!(none["documents"].as_array().unwrap().is_empty());
    for bad in ["0", "x", "-1", "1?limit=5", "1?colour=red"] {
        assert_eq!(page(&patient, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, refused) = page(&patient, "1?from=hier").await;
    assert_eq!((status, &refused["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("from")));
    // The nurse's grant covers reports: one page of one document.
    let (_, hers) = page(&nurse, "1").await;
    assert_eq!(
        (hers["pages"].as_u64(), titles(&hers)),
        (Some(1), vec!["Compte rendu de cardiologie".to_owned()])
    );

    // One document alone: as listed, for whoever may read it; as if missing for the others.
    let note = first["documents"][1]["id"].as_str().unwrap().to_owned();
    let one = |session: &Session, id: &str| {
        let uri = format!("/api/records/{record}/documents/{id}");
        let (app, session) = (&app, session.clone());
        async move { json_of(app, &uri, &session).await }
    };
    let (status, alone) = one(&doctor, &note).await;
    assert_eq!(status, StatusCode::OK);
    let (_, doctors) = page(&doctor, "1").await;
    assert_eq!(alone, doctors["documents"][1], "as in the doctor's page, with her actions");
    assert_eq!(one(&nurse, &report).await.1["title"], "Compte rendu de cardiologie");
    assert_eq!(one(&nurse, &note).await.0, StatusCode::NOT_FOUND, "not in her grant");
    assert_eq!(one(&nurse, "d0000000000000000").await.0, StatusCode::NOT_FOUND);
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    assert_eq!(one(&other, &note).await.0, StatusCode::NOT_FOUND, "another person's record");

    // In the patient's access history: each page read once, each description read or refused.
    let (_, history) =
        json_of(&app, &format!("/api/records/{record}/access-history"), &patient).await;
    let events = history["events"].as_array().unwrap();
    let count = |action: &str, allowed: bool, actor: &str| {
        let matching = |e: &&Value| {
            e["action"] == action && e["allowed"] == allowed && e["actor_kind"] == actor
        };
        events.iter().filter(matching).count()
    };
    assert_eq!(count("documents.list", true, "patient"), 5, "five pages read, none refused");
    assert_eq!(count("document.info", true, "professional"), 2);
    assert_eq!(count("document.info", false, "professional"), 2);
}

/// A busy server renders many pages at once on each thread. Each still finishes, shows its own
/// person's data and carries its own nonce: nothing of one rendering is read in another's place.
#[tokio::test]
async fn pages_rendered_at_the_same_time_each_keep_their_own_person_and_nonce() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    assert_eq!(
        deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
        StatusCode::CREATED
    );
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    for _ in 0..6 {
        let renderings: Vec<_> = (0..9)
            .map(|k| {
                // Jeanne, Paul or no one, on two of the record's pages and the home page.
                let page = ["/dossier/documents", "/dossier", "/"][k / 3];
                let (router, jeanne) = (app.router.clone(), k % 3 == 0 && page != "/");
                let cookie = [Some(&patient.0), Some(&other.0), None][k % 3].cloned();
                tokio::spawn(async move {
                    let response = get(&router, page, cookie.as_deref()).await;
                    let nonce = crate::csp_nonce(&response);
                    (jeanne, page, nonce, text(response).await)
                })
            })
            .collect();
        for rendering in renderings {
            // A guard only: a rendering that never ends fails here instead of holding CI.
            let finished = tokio::time::timeout(std::time::Duration::from_secs(60), rendering);
            let (jeanne, page, nonce, html) =
                finished.await.expect("the page is finished").expect("the page renders");
            assert!(html.contains("</html>"), "{page} is whole");
            let hers = html.contains("Compte rendu de cardiologie");
            assert_eq!(hers, jeanne, "{page} shows Jeanne's record to her only");
            let nonces = html.matches(" nonce=\"").count();
            assert!(nonces > 0);
            assert_eq!(html.matches(&format!(" nonce=\"{nonce}\"")).count(), nonces, "{page}");
        }
    }
}
