//! The access history a patient reads: a page at a time, filtered on the server, each entry
//! provable against the signed log; the regular doctor reads the professionals' accesses too.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::signed_up;
use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, deposit, grant_all, json_get, meta, patient_doctor_nurse,
    professionals, put, record_id,
};
use crate::{get, test_app, test_app_with};

#[tokio::test]
async fn the_patient_reads_their_access_history_and_proves_an_entry_is_in_the_signed_log() {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use server::audit::{checkpoint_holds, merkle};
    use server::store::{Checkpoint, Hash};
    let app = test_app_with(|state| state).await;
    let (doctor, _) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let other = signed_up(&app, "paul@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let base = format!("/api/records/{record}");
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("{base}/grants/{DOCTOR}"), all, &patient, true).await;
    let report = deposit(
        &app,
        &record,
        &doctor,
        meta("Compte rendu", "reports", "application/pdf", PDF.len()),
        PDF,
        1024,
    )
    .await;
    let document = report.body["id"].as_str().unwrap();
    get(&app.router, &format!("{base}/documents/{document}/content"), Some(&doctor.0)).await;

    let response = get(&app.router, &format!("{base}/access-history"), Some(&patient.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    let read = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "document.read")
        .unwrap();
    assert_eq!(read["actor_name"], "Anne Martin");
    assert_eq!(read["role"], "physician");
    assert_eq!(read["allowed"], true);
    let seqs: Vec<u64> =
        history["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");
    // A professional who is not the regular doctor reads only what they did themselves.
    let theirs = get(&app.router, &format!("{base}/access-history"), Some(&doctor.0)).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    let theirs: Value = serde_json::from_str(&crate::text(theirs).await).unwrap();
    assert!(!theirs["events"].as_array().unwrap().is_empty());
    assert!(theirs["events"].as_array().unwrap().iter().all(|e| e["actor_kind"] == "professional"));

    // The proof: the entry hashes to the leaf, the path leads to the root, the root is signed.
    let seq = read["seq"].as_u64().unwrap();
    // Newer than the last signed head: proven a little later, once the head is signed.
    let early =
        get(&app.router, &format!("{base}/access-history/{seq}/proof"), Some(&patient.0)).await;
    assert_eq!(early.status(), StatusCode::TOO_MANY_REQUESTS);
    app.sign_head().await;
    let response =
        get(&app.router, &format!("{base}/access-history/{seq}/proof"), Some(&patient.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let proof: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    let bytes = |v: &Value| STANDARD.decode(v.as_str().unwrap()).unwrap();
    let hash = |v: &Value| -> Hash { bytes(v).try_into().unwrap() };
    let entry = bytes(&proof["entry"]);
    assert_eq!(merkle::leaf_hash(&entry), hash(&proof["leaf"]));
    let path: Vec<Hash> = proof["path"].as_array().unwrap().iter().map(hash).collect();
    let size = proof["tree_size"].as_u64().unwrap();
    assert!(path.len() <= (size as f64).log2().ceil() as usize + 1);
    let root = hash(&proof["root"]);
    assert!(merkle::verify_inclusion(
        seq as usize - 1,
        size as usize,
        &hash(&proof["leaf"]),
        &path,
        &root
    ));
    let key: [u8; 32] = bytes(&proof["public_key"]).try_into().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    let head = Checkpoint {
        size,
        root,
        at: proof["checkpoint_at"].as_i64().unwrap(),
        signature: bytes(&proof["signature"]),
    };
    assert!(checkpoint_holds(&key, &head));
    // Someone else's entry, or none: not found.
    let theirs = get(
        &app.router,
        &format!(
            "/api/records/{}/access-history/{seq}/proof",
            record_id(&app, "paul@example.fr").await
        ),
        Some(&other.0),
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let none = get(&app.router, &format!("{base}/access-history/0/proof"), Some(&patient.0)).await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_access_history_is_read_a_page_at_a_time_and_filtered_on_the_server() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let base = format!("/api/records/{record}");
    for _ in 0..12 {
        get(&app.router, &format!("{base}/documents"), Some(&patient.0)).await;
        get(&app.router, &format!("{base}/documents"), Some(&doctor.0)).await;
    }
    let page = |query: &str| {
        let uri = format!("{base}/access-history{query}");
        let (app, patient) = (&app, &patient);
        async move { json_get(app, &uri, &patient.0).await }
    };
    let seqs = |page: &Value| -> Vec<u64> {
        page["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect()
    };

    // Without a query: everything (up to 500), newest first, nothing older.
    let (status, whole) = page("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(whole["older"], Value::Null);
    let whole = seqs(&whole);
    assert!(whole.len() > 25, "{whole:?}");
    // Seven at a time from the same point (the reads of the history since come after it): each
    // page says where the next starts, and together they are the whole.
    let mut paged = Vec::new();
    let mut before = whole[0] + 1;
    loop {
        let (status, body) = page(&format!("?limit=7&before={before}")).await;
        assert_eq!(status, StatusCode::OK);
        let events = seqs(&body);
        assert!(events.len() <= 7);
        paged.extend(events);
        match body["older"].as_u64() {
            // Always an entry the asker sees: another's seq would say something happened there.
            Some(next) => {
                assert!(whole.contains(&next), "{next}");
                before = next;
            }
            None => break,
        }
    }
    assert_eq!(paged, whole);

    // Filtered on the server, over the whole log, not within a page.
    let (status, pros) = page("?filter=professionals&limit=5").await;
    assert_eq!(status, StatusCode::OK);
    let events = pros["events"].as_array().unwrap();
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e["actor_kind"] == "professional"), "{events:?}");
    assert!(pros["older"].as_u64().is_some_and(|older| whole.contains(&older)));

    // Anything unreadable is refused.
    for bad in ["?limit=0", "?limit=501", "?filter=nobody", "?before=later", "?page=2"] {
        assert_eq!(page(bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn the_regular_doctor_reads_the_professionals_accesses_and_others_their_own() {
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let base = format!("/api/records/{record}");
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("{base}/grants/{NURSE}"), all, &patient, true).await;
    let designate = json!({ "rpps": DOCTOR }).to_string().into_bytes();
    put(&app, &format!("{base}/regular-doctor"), designate, &patient, true).await;
    get(&app.router, &format!("{base}/documents"), Some(&nurse.0)).await;
    get(&app.router, &format!("{base}/timeline"), Some(&doctor.0)).await;
    let history = |session: &Session| {
        let cookie = session.0.clone();
        let uri = format!("{base}/access-history");
        let app = &app;
        async move {
            let response = get(&app.router, &uri, Some(&cookie)).await;
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = serde_json::from_str(&crate::text(response).await).unwrap();
            body["events"].as_array().unwrap().clone()
        }
    };
    let doctors = history(&doctor).await;
    assert!(doctors.iter().any(|e| e["actor_name"] == "Anne Martin" && e["role"] == "nurse"));
    assert!(doctors.iter().all(|e| e["actor_kind"] == "professional"), "not the patient's own");
    let nurses = history(&nurse).await;
    assert!(!nurses.is_empty());
    assert!(nurses.iter().all(|e| e["role"] == "nurse"), "{nurses:?}");
    let patients = history(&patient).await;
    assert!(patients.iter().any(|e| e["actor_kind"] == "patient"));
    // A proof for what one's history shows, not for the rest.
    let own = nurses[0]["seq"].as_u64().unwrap();
    let other = doctors.iter().find(|e| e["role"] == "physician").unwrap()["seq"].as_u64().unwrap();
    let proof = |seq: u64| format!("{base}/access-history/{seq}/proof");
    app.sign_head().await;
    assert_eq!(get(&app.router, &proof(own), Some(&nurse.0)).await.status(), StatusCode::OK);
    assert_eq!(
        get(&app.router, &proof(other), Some(&nurse.0)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app.router, &proof(own), Some(&doctor.0)).await.status(), StatusCode::OK);
}
