//! The audit log through the record's entry points: each call writes exactly one matching entry
//! (route by route), refusals with the policy's reason, no health content; the database refuses
//! to change the log, and the verifier finds a change made behind its back.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{audit::AuditEntry, store::AuditStore};

use super::account::signed_up;
use super::records::{
    DOCTOR, NURSE, PDF, Session, call, deposit, meta, professionals, put, record_id,
};
use crate::{TestApp, get, test_app_with};

async fn entries(app: &TestApp) -> Vec<AuditEntry> {
    let log = app.store.audit_log().await.unwrap();
    log.iter().map(|stored| serde_json::from_slice(&stored.entry).unwrap()).collect()
}

/// What a call to one route should leave in the log.
enum Call {
    Get(String),
    Post(String, Value),
    Put(String, Value),
}

async fn send(app: &TestApp, call: &Call, session: &Session) -> StatusCode {
    match call {
        Call::Get(uri) => get(&app.router, uri, Some(&session.0)).await.status(),
        Call::Post(uri, body) => call_status(app, uri, body.clone(), session).await,
        Call::Put(uri, body) => {
            put(app, uri, body.to_string().into_bytes(), session, true).await.status
        }
    }
}

async fn call_status(app: &TestApp, uri: &str, body: Value, session: &Session) -> StatusCode {
    call(app, uri, body, session).await.status
}

#[tokio::test]
async fn every_record_entry_point_writes_exactly_one_matching_entry() {
    let (app, state) = crate::test_app_and_state().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let base = format!("/api/records/{record}");
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    assert_eq!(
        put(&app, &format!("{base}/grants/{DOCTOR}"), all, &patient, true).await.status,
        StatusCode::NO_CONTENT
    );
    let report = deposit(
        &app,
        &record,
        &doctor,
        meta("Compte rendu très privé", "reports", "application/pdf", PDF.len()),
        PDF,
        1024,
    )
    .await;
    let document = report.body["id"].as_str().unwrap().to_owned();
    let treatment = call(
        &app,
        &format!("{base}/profile"),
        json!({ "entry": { "section": "treatment", "substance": "bisoprolol", "dose": "5 mg" } }),
        &patient,
    )
    .await;
    let entry = treatment.body["entry"]["id"].as_str().unwrap().to_owned();
    let episode = call(
        &app,
        &format!("{base}/episodes"),
        json!({ "title": "Suivi cardiologique" }),
        &patient,
    )
    .await;
    let episode = episode.body["id"].as_str().unwrap().to_owned();
    let started = call(
        &app,
        &format!("{base}/uploads"),
        meta("Note", "patient_own", "text/plain", 5),
        &patient,
    )
    .await;
    let upload = started.body["upload_id"].as_str().unwrap().to_owned();

    // The record's oldest entry (its account's sign-up), for a proof.
    let oldest = app.store.record_audit(&record, u32::MAX).await.unwrap().last().unwrap().0;
    // (who, the call, the status it answers, the action traced, whether it is a refusal)
    let table: Vec<(&Session, Call, StatusCode, &str, bool)> = vec![
        (&doctor, Call::Get(format!("{base}/documents")), StatusCode::OK, "documents.list", false),
        (
            &doctor,
            Call::Get(format!("{base}/documents/counts")),
            StatusCode::OK,
            "documents.count",
            false,
        ),
        (&patient, Call::Get(format!("{base}/export")), StatusCode::OK, "record.export", false),
        (
            &doctor,
            Call::Get(format!("{base}/documents/{document}/content")),
            StatusCode::OK,
            "document.read",
            false,
        ),
        (
            &nurse,
            Call::Get(format!("{base}/documents/{document}/content")),
            StatusCode::NOT_FOUND,
            "document.read",
            true,
        ),
        (
            &doctor,
            Call::Get(format!(
                "{base}/exams/repeated?category=lab_results&type_code=4548-4&care_date=2026-11-20"
            )),
            StatusCode::OK,
            "exams.check",
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/preview/{DOCTOR}")),
            StatusCode::OK,
            "record.preview",
            false,
        ),
        (&patient, Call::Get(format!("{base}/timeline")), StatusCode::OK, "timeline.list", false),
        (&patient, Call::Get(format!("{base}/episodes")), StatusCode::OK, "episodes.list", false),
        (
            &patient,
            Call::Post(format!("{base}/episodes"), json!({ "title": "Grossesse" })),
            StatusCode::CREATED,
            "episode.create",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/episodes/{episode}/items"), json!({ "item_id": document })),
            StatusCode::NO_CONTENT,
            "episode.tag",
            false,
        ),
        (
            &nurse,
            Call::Post(format!("{base}/episodes/{episode}/items"), json!({ "item_id": document })),
            StatusCode::NOT_FOUND,
            "episode.tag",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/episodes/{episode}/items/{document}/remove"), json!(null)),
            StatusCode::NO_CONTENT,
            "episode.untag",
            false,
        ),
        (&doctor, Call::Get(format!("{base}/profile")), StatusCode::OK, "profile.list", false),
        (
            &patient,
            Call::Post(
                format!("{base}/profile"),
                json!({ "entry": { "section": "vaccination", "vaccine": "Grippe", "date": "2026-10-15" } }),
            ),
            StatusCode::CREATED,
            "profile.create",
            false,
        ),
        (
            &patient,
            Call::Put(
                format!("{base}/profile/{entry}"),
                json!({ "entry": { "section": "treatment", "substance": "bisoprolol", "dose": "2,5 mg" }, "base_version": 1 }),
            ),
            StatusCode::OK,
            "profile.edit",
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/profile/{entry}/history")),
            StatusCode::OK,
            "profile.history",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/profile/{entry}/mask"), json!({ "masked": true })),
            StatusCode::NO_CONTENT,
            "profile.mask",
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/profile/{entry}/history")),
            StatusCode::NOT_FOUND,
            "profile.history",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/profile/{entry}/mask"), json!({ "masked": false })),
            StatusCode::NO_CONTENT,
            "profile.unmask",
            false,
        ),
        (
            &doctor,
            Call::Post(format!("{base}/interactions/check"), json!({ "substances": ["lithium"] })),
            StatusCode::OK,
            "interactions.check",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/profile/{entry}/remove"), json!(null)),
            StatusCode::NO_CONTENT,
            "profile.remove",
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/access-history")),
            StatusCode::OK,
            "history.list",
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/access-history")),
            StatusCode::NOT_FOUND,
            "history.list",
            true,
        ),
        (
            &patient,
            Call::Get(format!("{base}/access-history/{oldest}/proof")),
            StatusCode::OK,
            "history.proof",
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/break-glass")),
            StatusCode::OK,
            "break_glass.list",
            false,
        ),
        (
            &nurse,
            Call::Get(format!("{base}/break-glass")),
            StatusCode::NOT_FOUND,
            "break_glass.list",
            true,
        ),
        (
            &patient,
            Call::Get(format!("{base}/break-glass-refusal")),
            StatusCode::OK,
            "break_glass.refusal_read",
            false,
        ),
        (
            &patient,
            Call::Put(format!("{base}/break-glass-refusal"), json!({ "refused": true })),
            StatusCode::NO_CONTENT,
            "break_glass.refuse",
            false,
        ),
        (
            &patient,
            Call::Put(format!("{base}/break-glass-refusal"), json!({ "refused": false })),
            StatusCode::NO_CONTENT,
            "break_glass.accept",
            false,
        ),
        (&patient, Call::Get(format!("{base}/grants")), StatusCode::OK, "grants.list", false),
        (&doctor, Call::Get(format!("{base}/grants")), StatusCode::NOT_FOUND, "grants.list", true),
        (
            &patient,
            Call::Put(format!("{base}/grants/{NURSE}"), json!({ "scope": "all" })),
            StatusCode::NO_CONTENT,
            "grant.give",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/grants/{NURSE}/revoke"), json!(null)),
            StatusCode::NO_CONTENT,
            "grant.revoke",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/grants/{NURSE}/block"), json!(null)),
            StatusCode::NO_CONTENT,
            "grant.block",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/grants/{NURSE}/unblock"), json!(null)),
            StatusCode::NO_CONTENT,
            "grant.unblock",
            false,
        ),
        (
            &doctor,
            Call::Post(format!("{base}/grants/{NURSE}/revoke"), json!(null)),
            StatusCode::FORBIDDEN,
            "grant.revoke",
            true,
        ),
        (
            &patient,
            Call::Put(format!("{base}/regular-doctor"), json!({ "rpps": DOCTOR })),
            StatusCode::NO_CONTENT,
            "regular_doctor.set",
            false,
        ),
        (
            &patient,
            Call::Post(
                format!("{base}/uploads"),
                meta("Autre note", "patient_own", "text/plain", 5),
            ),
            StatusCode::CREATED,
            "upload.start",
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/uploads/{upload}")),
            StatusCode::OK,
            "upload.status",
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/uploads/{upload}")),
            StatusCode::NOT_FOUND,
            "upload.status",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/documents/{document}/mask"), json!({ "masked": true })),
            StatusCode::NO_CONTENT,
            "document.mask",
            false,
        ),
        (
            &doctor,
            Call::Post(format!("{base}/documents/{document}/mask"), json!({ "masked": false })),
            StatusCode::FORBIDDEN,
            "document.unmask",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/documents/{document}/mask"), json!({ "masked": false })),
            StatusCode::NO_CONTENT,
            "document.unmask",
            false,
        ),
        (
            &patient,
            Call::Post(format!("{base}/documents/{document}/announce"), json!(null)),
            StatusCode::FORBIDDEN,
            "document.announce",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/documents/{document}/withdraw"), json!(null)),
            StatusCode::FORBIDDEN,
            "document.withdraw",
            true,
        ),
        (
            &doctor,
            Call::Post(format!("{base}/documents/{document}/withdraw"), json!(null)),
            StatusCode::NO_CONTENT,
            "document.withdraw",
            false,
        ),
    ];
    for (session, route, status, action, refused) in &table {
        let before = entries(&app).await.len();
        assert_eq!(send(&app, route, session).await, *status, "{action}");
        let after = entries(&app).await;
        assert_eq!(after.len(), before + 1, "{action}: one entry, no more, no less");
        let last = after.last().unwrap();
        assert_eq!(last.action, *action);
        assert_eq!(last.record.as_deref(), Some(record.as_str()), "{action}");
        assert_eq!(last.outcome, if *refused { "denied" } else { "allowed" }, "{action}");
        assert_eq!(last.reason.is_some(), *refused, "{action}");
    }

    // The chunks and the finish of an upload are traced too, with who did it.
    let chunk =
        put(&app, &format!("{base}/uploads/{upload}?offset=0"), b"Notes".to_vec(), &patient, false)
            .await;
    assert_eq!(chunk.status, StatusCode::OK);
    let finished =
        call(&app, &format!("{base}/uploads/{upload}/finish"), json!(null), &patient).await;
    assert_eq!(finished.status, StatusCode::CREATED);
    let log = entries(&app).await;
    let actions: Vec<&str> = log.iter().rev().take(2).map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["document.deposit", "upload.chunk"]);
    // Authentication is in the same log: the patient's sign-up and login, the cards' logins.
    for action in ["account.signup", "account.login", "professional.card_login"] {
        assert!(log.iter().any(|e| e.action == action), "{action}");
    }
    let read = log.iter().find(|e| e.action == "document.read" && e.outcome == "allowed").unwrap();
    assert_eq!(read.actor.kind, "professional");
    assert_eq!(read.actor.id.as_deref(), Some(DOCTOR));
    assert_eq!(read.actor.role.as_deref(), Some("physician"));
    assert_eq!(read.item.as_deref(), Some(document.as_str()));
    let denied = log.iter().find(|e| e.action == "document.read" && e.outcome == "denied").unwrap();
    assert_eq!(
        (denied.actor.id.as_deref(), denied.reason.as_deref()),
        (Some(NURSE), Some("no_grant"))
    );

    // Never the health content itself.
    let raw: Vec<u8> =
        app.store.audit_log().await.unwrap().into_iter().flat_map(|e| e.entry).collect();
    for secret in ["Compte rendu très privé", "bisoprolol", "Suivi cardiologique", "Grippe"] {
        assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret}");
    }

    // The log holds; the database refuses to change it; a change behind its back is found.
    let key = state.auditor.public_key();
    let report = server::audit::verify_stored(&*app.store, &key).await.unwrap().unwrap();
    assert_eq!(report.entries, log.len() as u64);
    use sqlx::Connection;
    let path = app.dir.path().join("carnet.db");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    for statement in [
        "UPDATE audit_entries SET action = 'nothing' WHERE seq = 3",
        "DELETE FROM audit_entries WHERE seq = 3",
    ] {
        let refused = sqlx::query(statement).execute(&mut conn).await.unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    sqlx::query("DROP TRIGGER audit_entries_no_update").execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE audit_entries SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'allowed', 'denied') AS BLOB) WHERE seq = 7")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let broken = server::audit::verify_stored(&*app.store, &key).await.unwrap();
    assert_eq!(broken, Err(server::audit::Broken::Leaf(7)));
}

#[tokio::test]
async fn the_patient_reads_their_access_history_and_proves_an_entry_is_in_the_signed_log() {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use server::audit::{Checkpoint, checkpoint_holds, merkle};
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
    let read = history.as_array().unwrap().iter().find(|e| e["action"] == "document.read").unwrap();
    assert_eq!(read["actor_name"], "Anne Martin");
    assert_eq!(read["role"], "physician");
    assert_eq!(read["allowed"], true);
    let seqs: Vec<u64> =
        history.as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");
    // Only the patient side reads it.
    let refused = get(&app.router, &format!("{base}/access-history"), Some(&doctor.0)).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // The proof: the entry hashes to the leaf, the path leads to the root, the root is signed.
    let seq = read["seq"].as_u64().unwrap();
    let response =
        get(&app.router, &format!("{base}/access-history/{seq}/proof"), Some(&patient.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let proof: Value = serde_json::from_str(&crate::text(response).await).unwrap();
    let bytes = |v: &Value| STANDARD.decode(v.as_str().unwrap()).unwrap();
    let hash = |v: &Value| -> merkle::Hash { bytes(v).try_into().unwrap() };
    let entry = bytes(&proof["entry"]);
    assert_eq!(merkle::leaf_hash(&entry), hash(&proof["leaf"]));
    let path: Vec<merkle::Hash> = proof["path"].as_array().unwrap().iter().map(hash).collect();
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
