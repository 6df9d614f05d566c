//! The audit log through the record's entry points: each call writes exactly one matching entry
//! (route by route), refusals with the policy's reason, no health content; the database refuses
//! to change the log, and the verifier finds a change made behind its back.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{
    audit::{AuditAction, AuditEntry},
    store::{AuditStore, OutboxStore, PeopleStore},
};

use super::account::{logged_in, signed_up};
use super::records::{
    DOCTOR, NURSE, PDF, Session, call, deposit, grant_all, json_of, meta, patient_doctor_nurse,
    professionals, put, record_id,
};
use crate::{TestApp, get, test_app, test_app_with};

/// The log's entries, each of an action the pages have words for (`AuditAction`).
async fn entries(app: &TestApp) -> Vec<AuditEntry> {
    let log = app.store.audit_log().await.unwrap();
    let entries: Vec<AuditEntry> =
        log.iter().map(|stored| serde_json::from_slice(&stored.entry).unwrap()).collect();
    for entry in &entries {
        assert!(entry.action.parse::<AuditAction>().is_ok(), "unknown action {}", entry.action);
    }
    entries
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
    let oldest =
        app.store.record_audit(&record, None, None, u32::MAX).await.unwrap().last().unwrap().0;
    // (who, the call, the status it answers, the action traced, whether it is a refusal)
    let key = app::summary::jwe::new_key();
    let sealed = app::summary::jwe::encrypt(&key, b"{}");
    let link = json!({ "jwe": sealed, "fhir_jwe": sealed, "days": 30 });
    let table: Vec<(&Session, Call, StatusCode, &str, bool)> = vec![
        (
            &patient,
            Call::Post(format!("{base}/emergency-links"), link),
            StatusCode::CREATED,
            "emergency_link.create",
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/emergency-links")),
            StatusCode::OK,
            "emergency_link.list",
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/emergency-links")),
            StatusCode::NOT_FOUND,
            "emergency_link.list",
            true,
        ),
        (
            &patient,
            Call::Post(format!("{base}/emergency-links/unknown/revoke"), json!(null)),
            StatusCode::NOT_FOUND,
            "emergency_link.revoke",
            true,
        ),
        (
            &patient,
            Call::Get(format!("{base}/emergency-summary/fhir")),
            StatusCode::OK,
            "summary.export",
            false,
        ),
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
        // A professional reads their own actions (the regular doctor, every professional's).
        (
            &doctor,
            Call::Get(format!("{base}/access-history")),
            StatusCode::OK,
            "history.list",
            false,
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
    // The log's head, signed as the scheduled task does, covers the entries the table proves.
    app.sign_head().await;
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
    // Authentication is in the same log: the patient's sign-up and first login (activating the
    // account), the cards' logins.
    for action in ["account.signup", "account.activated", "professional.card_login"] {
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
        async move { json_of(app, &uri, patient).await }
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

/// Where an entry should point.
#[derive(Clone, Copy, Debug)]
enum On {
    Nothing,
    This,
    Another,
}

#[tokio::test]
async fn the_account_professional_and_notification_entry_points_write_exactly_one_entry_too() {
    let app = test_app().await;
    let (doctor, nurse) = professionals(&app).await;
    let before_signup = entries(&app).await.len();
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    // Sign-up, then the first code: one entry each, the activation being the first login.
    let signup: Vec<String> =
        entries(&app).await[before_signup..].iter().map(|e| e.action.clone()).collect();
    assert_eq!(signup, ["account.signup", "account.activated"]);
    let base = format!("/api/records/{record}");
    let emergency = json!({ "given_name": "Jeanne", "family_name": "Martin",
        "birth_date": "1980-05-17", "reason": "Patiente inconsciente aux urgences" });
    let nobody = json!({ "given_name": "Personne", "family_name": "Inconnue",
        "birth_date": "1970-01-01", "reason": "Patient inconscient aux urgences" });
    let open = json!({ "given_name": "Paul", "family_name": "Durand",
        "birth_date": "1975-03-02", "contact": "paul@example.fr" });
    let channels = json!({ "document_deposited": true, "first_access": true, "new_device": true, "emergency_link_viewed": true });

    // (who, the call, the status it answers, the action traced, on what, whether refused)
    let table: Vec<(&Session, Call, StatusCode, &str, On, bool)> = vec![
        (
            &patient,
            Call::Get("/api/account/me".into()),
            StatusCode::OK,
            "account.me",
            On::Nothing,
            false,
        ),
        (
            &patient,
            Call::Get("/api/account/represented".into()),
            StatusCode::OK,
            "account.represented",
            On::Nothing,
            false,
        ),
        (
            &patient,
            Call::Get("/api/notifications".into()),
            StatusCode::OK,
            "notifications.list",
            On::This,
            false,
        ),
        (
            &patient,
            Call::Post("/api/notifications/read".into(), json!(null)),
            StatusCode::NO_CONTENT,
            "notifications.read",
            On::This,
            false,
        ),
        (
            &patient,
            Call::Get(format!("{base}/notification-channels")),
            StatusCode::OK,
            "notifications.channels_read",
            On::This,
            false,
        ),
        (
            &patient,
            Call::Put(format!("{base}/notification-channels"), channels.clone()),
            StatusCode::NO_CONTENT,
            "notifications.channels",
            On::This,
            false,
        ),
        (
            &doctor,
            Call::Get(format!("{base}/notification-channels")),
            StatusCode::NOT_FOUND,
            "notifications.channels_read",
            On::This,
            true,
        ),
        (
            &doctor,
            Call::Put(format!("{base}/notification-channels"), channels),
            StatusCode::FORBIDDEN,
            "notifications.channels",
            On::This,
            true,
        ),
        (
            &patient,
            Call::Get("/api/directory?q=Martin".into()),
            StatusCode::OK,
            "directory.search",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Get("/api/pro/me".into()),
            StatusCode::OK,
            "professional.me",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Get("/api/pro/patients".into()),
            StatusCode::OK,
            "professional.patients",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Get(format!("/api/pro/patients/{record}")),
            StatusCode::NOT_FOUND,
            "professional.patient",
            On::Nothing,
            true,
        ),
        (
            &doctor,
            Call::Get("/api/pro/grant-code".into()),
            StatusCode::OK,
            "professional.grant_code",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Get("/api/notifications".into()),
            StatusCode::OK,
            "notifications.list",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Post("/api/notifications/read".into(), json!(null)),
            StatusCode::NO_CONTENT,
            "notifications.read",
            On::Nothing,
            false,
        ),
        (
            &nurse,
            Call::Post("/api/pro/break-glass".into(), emergency.clone()),
            StatusCode::CREATED,
            "break_glass.start",
            On::This,
            false,
        ),
        (
            &nurse,
            Call::Post("/api/pro/break-glass".into(), emergency.clone()),
            StatusCode::OK,
            "break_glass.start",
            On::This,
            false,
        ),
        (
            &nurse,
            Call::Get(format!("/api/pro/patients/{record}")),
            StatusCode::OK,
            "professional.patient",
            On::Nothing,
            false,
        ),
        (
            &nurse,
            Call::Get("/api/pro/break-glass".into()),
            StatusCode::OK,
            "break_glass.live",
            On::Nothing,
            false,
        ),
        (
            &doctor,
            Call::Post("/api/pro/break-glass".into(), nobody),
            StatusCode::NOT_FOUND,
            "break_glass.start",
            On::Nothing,
            true,
        ),
        (
            &doctor,
            Call::Post("/api/pro/records".into(), open),
            StatusCode::CREATED,
            "record.open",
            On::Another,
            false,
        ),
    ];
    for (session, route, status, action, on, refused) in &table {
        let before = entries(&app).await.len();
        assert_eq!(send(&app, route, session).await, *status, "{action}");
        let after = entries(&app).await;
        assert_eq!(after.len(), before + 1, "{action}: one entry, no more, no less");
        let last = after.last().unwrap();
        assert_eq!(last.action, *action);
        match on {
            On::Nothing => assert_eq!(last.record, None, "{action}"),
            On::This => assert_eq!(last.record.as_deref(), Some(record.as_str()), "{action}"),
            On::Another => {
                assert!(
                    last.record.is_some() && last.record.as_deref() != Some(&record),
                    "{action}"
                )
            }
        }
        assert_eq!(last.outcome, if *refused { "denied" } else { "allowed" }, "{action}");
        assert_eq!(last.reason.is_some(), *refused, "{action}");
    }
    let log = entries(&app).await;
    let started = log.iter().find(|e| e.action == "break_glass.start").unwrap();
    assert_eq!(started.purpose.as_deref(), Some("break_glass"));
    assert_eq!(started.actor.role.as_deref(), Some("nurse"));
    assert!(!log.iter().any(|e| e.action.contains("Patiente inconsciente")));

    // Ending the session, then ending it again.
    let session = started.item.clone().unwrap();
    let end = format!("/api/pro/break-glass/{session}/end");
    for (status, outcome) in
        [(StatusCode::NO_CONTENT, "allowed"), (StatusCode::NOT_FOUND, "denied")]
    {
        let before = entries(&app).await.len();
        assert_eq!(call(&app, &end, json!(null), &nurse).await.status, status);
        let after = entries(&app).await;
        assert_eq!(after.len(), before + 1);
        let last = after.last().unwrap();
        assert_eq!((last.action.as_str(), last.outcome.as_str()), ("break_glass.end", outcome));
        assert_eq!(last.record.as_deref(), Some(record.as_str()));
    }

    // A refusal in advance is traced on the record, with its reason.
    let refuse = json!({ "refused": true }).to_string().into_bytes();
    put(&app, &format!("{base}/break-glass-refusal"), refuse, &patient, true).await;
    let before = entries(&app).await.len();
    let refused = call(&app, "/api/pro/break-glass", emergency, &doctor).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let after = entries(&app).await;
    assert_eq!(after.len(), before + 1);
    let last = after.last().unwrap();
    assert_eq!(last.reason.as_deref(), Some("break_glass_refused"));
    assert_eq!(last.record.as_deref(), Some(record.as_str()));

    // A login (password, code sent; then the code): one entry each, with the browser named.
    let before = entries(&app).await.len();
    logged_in(&app, "jeanne@example.fr").await;
    let after = entries(&app).await;
    let actions: Vec<&str> = after[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["account.code_sent", "account.login"]);
    // And the logout.
    let before = entries(&app).await.len();
    assert_eq!(
        call(&app, "/api/account/logout", json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        entries(&app).await[before..].iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["account.logout"]
    );
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
            "emergency_link_viewed": true })
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
    let third =
        super::records::directory_entry("10009876540", app::directory::Profession::EmergencyCentre);
    let entries = [
        super::records::directory_entry(DOCTOR, app::directory::Profession::Physician),
        super::records::directory_entry(NURSE, app::directory::Profession::Nurse),
        third,
    ];
    app.store.import_directory(&entries, crate::START).await.unwrap();
    let samu = super::records::card_session(&app, "10009876540").await;
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
    use super::account::{PASSWORD, last_code, login_challenge, set_cookie};
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
            let verified = super::account::post(
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
