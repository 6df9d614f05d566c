//! The audit log through the record's entry points: each call writes exactly one matching entry
//! (route by route), refusals with the policy's reason, no health content; the database refuses
//! to change the log, and the verifier finds a change made behind its back. What the log is for
//! has its own files: the access history a patient reads (`history.rs`), what people are told
//! of (`notices.rs`).
//!
//! Longer than most files, on purpose: its two tests are tables of every entry point, one row
//! per route, to read against the router's list.

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::audit::{AuditAction, AuditEntry};

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, meta, professionals, put, record_id,
};
use super::fixtures::{logged_in, signed_up};
use crate::{TestApp, get, test_app};

/// The log's entries, each of an action the pages have words for (`AuditAction`).
pub async fn entries(app: &TestApp) -> Vec<AuditEntry> {
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
        (&patient, Call::Get(format!("{base}/identity")), StatusCode::OK, "identity.read", false),
        (
            &patient,
            Call::Put(format!("{base}/identity"), json!({ "ins": "163127847704294" })),
            StatusCode::NO_CONTENT,
            "identity.set",
            false,
        ),
        (
            &doctor,
            Call::Put(format!("{base}/identity"), json!({ "ins": "163127847704294" })),
            StatusCode::NO_CONTENT,
            "identity.set",
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
    let mut conn = app.behind_the_server().await;
    for statement in [
        "UPDATE audit_entries SET action = 'nothing' WHERE seq = 3",
        "DELETE FROM audit_entries WHERE seq = 3",
    ] {
        let refused = sqlx::query(statement).execute(&mut conn).await.unwrap_err();
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    // Someone who can drop the rule, in each database's words.
    let (drop_rule, forge) = if app.is_postgres() {
        (
            "DROP TRIGGER audit_entries_no_update ON audit_entries",
            "UPDATE audit_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
             'allowed', 'denied'), 'UTF8') WHERE seq = 7",
        )
    } else {
        (
            "DROP TRIGGER audit_entries_no_update",
            "UPDATE audit_entries SET entry = \
             CAST(REPLACE(CAST(entry AS TEXT), 'allowed', 'denied') AS BLOB) WHERE seq = 7",
        )
    };
    sqlx::query(drop_rule).execute(&mut conn).await.unwrap();
    sqlx::query(forge).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let broken = server::audit::verify_stored(&*app.store, &key).await.unwrap();
    assert_eq!(broken, Err(server::audit::Broken::Leaf(7)));
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

#[tokio::test]
async fn an_entry_another_process_appended_moves_the_servers_log_on() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let me = "/api/account/me";
    assert_eq!(get(&app.router, me, Some(&patient.0)).await.status(), StatusCode::OK);
    // Another process on the same database (the operator's `carnet feed add` while the server
    // runs) appends with its own edge of the log.
    let other = server::audit::Auditor::ephemeral();
    let operator = server::audit::AuditActor { kind: "operator".into(), id: None, role: None };
    let action = AuditAction::FeedAdd;
    let entry = server::audit::event_entry(operator, action, None, "command-line", None, 0);
    other.append_inline(&*app.store, &entry).await.unwrap();
    // The server's next audited request and change chain after it, and the log verifies.
    assert_eq!(get(&app.router, me, Some(&patient.0)).await.status(), StatusCode::OK);
    let logout = call(&app, "/api/account/logout", json!({}), &patient).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let key = app.state.auditor.public_key();
    let report = server::audit::verify_stored(&*app.store, &key).await.unwrap();
    assert!(report.is_ok(), "{report:?}");
}
