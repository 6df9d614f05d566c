//! What the security review of December 2026 found, each as a test that failed before its fix:
//! hidden and held-back items leaking through notices and the access history, a blocked regular
//! doctor still following the record, withdrawn content in the export, a deposit finished after
//! the grant was revoked, what the server says each person may do, items and document rows moved
//! to another record in the database, an inclusion proof naming other actors' addresses, and a
//! first access told of once however many requests open it. (Its findings on guessing are in
//! `guessing.rs`, on cards in `cards.rs`.)

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::store::AccountId;

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, grant_all, json_get, listed, meta,
    minor_with_parent, patient_doctor_nurse, put, resources, told,
};
use crate::{TestApp, get, test_app, text};

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

/// The items of the access history the session reads; read whole, then a page of one at a time
/// to check that where a page says the next starts is an entry the session sees (another's
/// place would say that something happened there).
async fn history_items(app: &TestApp, record: &str, session: &Session) -> Vec<String> {
    let history = format!("/api/records/{record}/access-history");
    let (status, list) = json_get(app, &history, &session.0).await;
    assert_eq!(status, StatusCode::OK);
    let events = list["events"].as_array().unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let mut before = seqs.first().map_or(0, |newest| newest + 1);
    while let Some(next) =
        json_get(app, &format!("{history}?limit=1&before={before}"), &session.0).await.1["older"]
            .as_u64()
    {
        assert!(seqs.contains(&next), "{next} is not in {seqs:?}");
        before = next;
    }
    events.iter().filter_map(|e| e["item"].as_str().map(str::to_owned)).collect()
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
    assert_eq!(json_get(&app, &history, &doctor.0).await.0, StatusCode::OK);
    assert_eq!(json_get(&app, &review, &doctor.0).await.0, StatusCode::OK);

    let block = format!("/api/records/{record}/grants/{DOCTOR}/block");
    assert_eq!(call(&app, &block, json!(null), &patient).await.status, StatusCode::NO_CONTENT);
    // The very next requests.
    assert_eq!(json_get(&app, &history, &doctor.0).await.0, StatusCode::NOT_FOUND);
    assert_eq!(json_get(&app, &review, &doctor.0).await.0, StatusCode::NOT_FOUND);
    let proof = format!("/api/records/{record}/access-history/1/proof");
    assert_eq!(json_get(&app, &proof, &doctor.0).await.0, StatusCode::NOT_FOUND);
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

    let (status, export) = json_get(&app, &format!("/api/records/{record}/export"), &nurse.0).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        resources(&export, "DocumentReference").is_empty(),
        "the export holds no withdrawn content"
    );
    assert!(listed(&app, &record, &nurse).await.is_empty());
    let content = format!("/api/records/{record}/documents/{report}/content");
    assert_eq!(json_get(&app, &content, &nurse.0).await.0, StatusCode::NOT_FOUND);
    // Its author and the patient still read it; a PDF comes sandboxed like any document.
    let pdf = get(&app.router, &content, Some(&doctor.0)).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(crate::header(&pdf, "content-security-policy").ends_with("; sandbox"));
    let (_, theirs) = json_get(&app, &format!("/api/records/{record}/export"), &patient.0).await;
    let theirs = resources(&theirs, "DocumentReference");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["status"], "entered-in-error", "withdrawn by its author");
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

#[tokio::test]
async fn the_server_says_what_each_person_may_do_on_the_record_and_on_each_item() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let some = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    let granted = put(
        &app,
        &format!("/api/records/{record}/grants/{NURSE}"),
        some.to_string().into_bytes(),
        &patient,
        true,
    )
    .await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT, "{:?}", granted.body);
    grant_all(&app, &record, DOCTOR, &patient).await;
    let abilities = |session: &Session| {
        let uri = format!("/api/records/{record}/abilities");
        let app = &app;
        let session = session.clone();
        async move { json_get(app, &uri, &session.0).await.1 }
    };
    let mine = abilities(&patient).await;
    assert_eq!(
        (mine["deposit"].clone(), mine["sharing"].clone()),
        (json!(["patient_own"]), json!(true))
    );
    assert_eq!(
        mine["write_sections"].as_array().unwrap().len(),
        app::vocabulary::Section::ALL.len()
    );
    let hers = abilities(&nurse).await;
    // Her profession deposits reports and care plans; the patient's grant covers reports only.
    assert_eq!(
        (hers["deposit"].clone(), hers["sharing"].clone()),
        (json!(["reports"]), json!(false))
    );
    assert_eq!(hers["write_sections"], json!([]), "the grant does not cover the profile");
    assert_eq!(abilities(&doctor).await["hold_back"], true);

    // Each document carries what the asker may do with it.
    let held = deposited(
        &app,
        &record,
        &doctor,
        flagged("Caryotype", "lab_results", "awaiting_announcement"),
    )
    .await;
    let theirs = listed(&app, &record, &doctor).await;
    let document = theirs.iter().find(|d| d["id"] == held.as_str()).unwrap();
    assert_eq!(document["allowed"], json!(["withdraw", "announce"]));
    let note = b"Ma note.";
    deposit(
        &app,
        &record,
        &patient,
        meta("Note", "patient_own", "text/plain", note.len()),
        note,
        1024,
    )
    .await;
    let own = listed(&app, &record, &patient).await;
    assert_eq!(own[0]["allowed"], json!(["withdraw", "mask"]));
    assert_eq!(listed(&app, &record, &nurse).await.len(), 0);
}

/// Jeanne with a report of her own, and Paul with a record of his: where the tests of rows moved
/// between records start. (Jeanne, her record, Paul, his record, the report.)
async fn a_report_and_another_record(
    app: &TestApp,
) -> (Session, AccountId, Session, AccountId, String) {
    let (jeanne, first, _, _) = patient_doctor_nurse(app).await;
    let paul = super::fixtures::signed_up(app, "paul@example.fr").await;
    let second = super::fixtures::record_id(app, "paul@example.fr").await;
    let note = meta("Compte rendu", "patient_own", "application/pdf", PDF.len());
    let report = deposited(app, &first, &jeanne, note).await;
    (jeanne, first, paul, second, report)
}

/// One statement on the test's database, behind the server's back, as someone who can write to
/// its disk would run it.
async fn behind_the_server(app: &TestApp, statement: &str, binds: &[&str]) {
    use sqlx::Connection;
    let mut conn = app.behind_the_server().await;
    let mut query = sqlx::query(statement);
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// A server keeps the documents' facts of the records it lists between requests; they follow
/// the database whoever changes it. A mask and a withdrawal written behind this server's back
/// (as another server sharing the database writes them) are listed by the very next request,
/// in the list, its pages, the counts and the timeline.
#[tokio::test]
async fn a_document_changed_behind_the_server_is_listed_as_it_now_is_on_the_next_request() {
    let app = test_app().await;
    let (jeanne, first, _, _, report) = a_report_and_another_record(&app).await;
    let shown = async |field: &str| {
        let list = listed(&app, &first, &jeanne).await;
        let page =
            get(&app.router, &format!("/api/records/{first}/documents/pages/1"), Some(&jeanne.0))
                .await;
        let page: Value = serde_json::from_str(&text(page).await).unwrap();
        let timeline =
            get(&app.router, &format!("/api/records/{first}/timeline"), Some(&jeanne.0)).await;
        let timeline: Value = serde_json::from_str(&text(timeline).await).unwrap();
        let find = |documents: &[Value]| {
            documents.iter().find(|d| d["id"] == report.as_str()).map(|d| d[field].clone())
        };
        let in_timeline: Vec<Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item["happening"].get("document").cloned())
            .collect();
        [find(&list), find(page["documents"].as_array().unwrap()), find(&in_timeline)]
    };
    assert_eq!(shown("masked").await, [Some(json!(false)), Some(json!(false)), Some(json!(false))]);
    behind_the_server(&app, "UPDATE documents SET masked = TRUE WHERE id = $1", &[&report]).await;
    assert_eq!(shown("masked").await, [Some(json!(true)), Some(json!(true)), Some(json!(true))]);
    behind_the_server(&app, "UPDATE documents SET withdrawn_at = 1 WHERE id = $1", &[&report])
        .await;
    assert_eq!(shown("withdrawn").await, [Some(json!(true)), Some(json!(true)), Some(json!(true))]);
}

#[tokio::test]
async fn an_item_moved_to_another_record_in_the_database_does_not_open_there() {
    let app = test_app().await;
    let (jeanne, first, paul, second, report) = a_report_and_another_record(&app).await;
    let content = |record: &str| format!("/api/records/{record}/documents/{report}/content");
    assert_eq!(get(&app.router, &content(&first), Some(&jeanne.0)).await.status(), StatusCode::OK);

    // Someone who can write to the database moves the document, its upload and its key to
    // Paul's record: the rows say Paul's, the wrapping still says Jeanne's, and nothing opens.
    for table in ["documents", "uploads", "data_keys"] {
        let statement = format!("UPDATE {table} SET account_id = $1 WHERE account_id = $2");
        behind_the_server(&app, &statement, &[&second, &first]).await;
    }
    let moved = get(&app.router, &content(&second), Some(&paul.0)).await;
    assert_eq!(moved.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!text(moved).await.contains("Compte rendu"));
    let (listed, _) = json_get(&app, &format!("/api/records/{second}/documents"), &paul.0).await;
    assert_ne!(listed, StatusCode::OK, "its sealed title does not open in Paul's record either");
}

#[tokio::test]
async fn an_inclusion_proof_shows_no_other_actors_address() {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let report =
        deposited(&app, &record, &doctor, meta("CR", "reports", "application/pdf", PDF.len()))
            .await;
    let content = format!("/api/records/{record}/documents/{report}/content");
    assert_eq!(get(&app.router, &content, Some(&doctor.0)).await.status(), StatusCode::OK);
    let (_, history) =
        json_get(&app, &format!("/api/records/{record}/access-history"), &patient.0).await;
    let read = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "document.read")
        .unwrap();
    let seq = read["seq"].as_u64().unwrap();
    app.sign_head().await;
    let (status, proof) =
        json_get(&app, &format!("/api/records/{record}/access-history/{seq}/proof"), &patient.0)
            .await;
    assert_eq!(status, StatusCode::OK);
    let shown = STANDARD.decode(proof["entry"].as_str().unwrap()).unwrap();
    assert_eq!(
        server::audit::merkle::leaf_hash(&shown),
        <[u8; 32]>::try_from(STANDARD.decode(proof["leaf"].as_str().unwrap()).unwrap()).unwrap()
    );
    let shown: Value = serde_json::from_slice(&shown).unwrap();
    assert!(shown.get("client").is_none() && shown.get("device").is_none(), "{shown}");
    assert!(shown["origin"].is_string());

    // The log still knows where the doctor read from, and proves it: the address kept beside
    // the entry is the one it commits to, as `carnet audit verify` checks.
    let stored = app.store.audit_log().await.unwrap().into_iter().find(|s| s.seq == seq).unwrap();
    let entry: server::audit::AuditEntry = serde_json::from_slice(&stored.entry).unwrap();
    let entry = entry.with_origin(stored.origin.as_deref());
    assert!(!entry.client.is_empty());
    assert!(!shown.to_string().contains(&entry.client));
    let key = app.state.auditor.public_key();
    assert!(server::audit::verify_stored(&*app.store, &key).await.unwrap().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_professional_opening_the_record_with_many_requests_at_once_is_told_of_once() {
    let app = test_app().await;
    let (patient, record, _, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, NURSE, &patient).await;
    // A page asks for several parts at once; each may be the first to reach the log.
    let uris = ["documents", "profile", "abilities", "timeline", "documents", "profile"]
        .map(|part| format!("/api/records/{record}/{part}"));
    let reads = uris.iter().map(|uri| {
        let (router, session) = (app.router.clone(), nurse.0.clone());
        let uri = uri.clone();
        tokio::spawn(async move { get(&router, &uri, Some(&session)).await.status() })
    });
    for read in reads.collect::<Vec<_>>() {
        assert_eq!(read.await.unwrap(), StatusCode::OK);
    }
    let told = told(&app, &patient).await;
    assert_eq!(told.iter().filter(|kind| *kind == "first_access").count(), 1, "{told:?}");
}

#[tokio::test]
async fn a_document_row_moved_alone_to_another_record_does_not_open_there() {
    let app = test_app().await;
    let (_, _, paul, second, report) = a_report_and_another_record(&app).await;
    // Only the document's own row now says Paul's record; its upload and key say Jeanne's.
    behind_the_server(
        &app,
        "UPDATE documents SET account_id = $1 WHERE id = $2",
        &[&second, &report],
    )
    .await;
    let content = format!("/api/records/{second}/documents/{report}/content");
    let moved = get(&app.router, &content, Some(&paul.0)).await;
    assert_eq!(moved.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Every key bound once, a key that turns up unbound later (put back from an older copy) is
    // never bound again: only reported and marked.
    let state = &app.state;
    assert_eq!(server::rotation::bind_owners(&*state.store, &state.vault).await.unwrap(), 0);
    assert!(app.store.data_keys_bound().await.unwrap());
    behind_the_server(&app, "UPDATE data_keys SET owner_bound = 0", &[]).await;
    assert_eq!(server::rotation::bind_owners(&*state.store, &state.vault).await.unwrap(), 0);
    assert!(app.store.unbound_data_keys(10).await.unwrap().is_empty(), "marked, not bound");
}
