//! The audit log under load. First, the append rate: entries written one after another through
//! the auditor into the SQLite file, each hashed, chained, with a signed checkpoint every 64.
//! Then an authorised document read, its audit entry included, by 8 clients at once.
//!
//! Run: `cargo bench -p server --bench audit`.

#![allow(clippy::print_stdout)] // Printing the figures is the point of a benchmark.

mod common;

use std::{sync::Arc, time::Instant};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::{
    AppState, app,
    audit::{AuditActor, AuditEntry, Auditor},
    store::SqliteStore,
    vault::Vault,
};
use tower::ServiceExt;

const APPENDS: usize = 20_000;
const CLIENTS: usize = 8;
const READS_EACH: usize = 250;

fn entry(i: usize) -> AuditEntry {
    AuditEntry {
        at: 1_795_564_800 + i as i64,
        actor: AuditActor {
            kind: "professional".into(),
            id: Some("10000000009".into()),
            role: Some("physician".into()),
        },
        action: "document.read".into(),
        item: Some(format!("{i:032x}")),
        record: Some("0123456789abcdef0123456789abcdef".into()),
        client: "192.0.2.1".into(),
        device: Some("Mozilla/5.0 (Linux; Android 14)".into()),
        outcome: "allowed".into(),
        reason: None,
        purpose: None,
        origin: None,
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("carnet.db")).await.expect("store"));

    // Append rate, on one task (so on one core).
    let auditor = Auditor::ephemeral();
    let started = Instant::now();
    for i in 0..APPENDS {
        auditor.append_inline(store.as_ref(), &entry(i)).await.expect("append");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "audit append: {APPENDS} entries in {seconds:.2} s = {:.0} entries/s (hash, chain, a signed checkpoint every 64)",
        APPENDS as f64 / seconds
    );
    let verified = Instant::now();
    let report = server::audit::verify_stored(store.as_ref(), &auditor.public_key())
        .await
        .expect("read")
        .expect("the log holds");
    println!(
        "audit verify: {} entries and {} checkpoints in {:.2} s",
        report.entries,
        report.checkpoints,
        verified.elapsed().as_secs_f64()
    );

    // An authorised read under load: a patient reads their own document, 8 clients at once.
    let state = AppState::new(store.clone(), Vault::ephemeral(), dir.path(), "http://localhost")
        .expect("state")
        .with_auditor(auditor);
    let router = app(state);
    let (cookie, csrf, record) = common::patient(&router, store.as_ref()).await;
    let session = Some((cookie.as_str(), csrf.as_str()));
    let content = "Tension 12/8, pouls 64.\n".repeat(2_000);
    let meta = json!({ "title": "Relevé", "category": "patient_own", "care_date": "2026-11-20",
        "media_type": "text/plain", "size": content.len() });
    let (_, upload, _) = common::send(
        &router,
        common::json_request("POST", &format!("/api/records/{record}/uploads"), &meta, session),
    )
    .await;
    let upload =
        format!("/api/records/{record}/uploads/{}", upload["upload_id"].as_str().expect("id"));
    let chunk = Request::put(format!("{upload}?offset=0"))
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .body(Body::from(content.clone()))
        .expect("request");
    assert_eq!(common::send(&router, chunk).await.0, StatusCode::OK);
    let (status, document, _) = common::send(
        &router,
        common::json_request("POST", &format!("{upload}/finish"), &Value::Null, session),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let uri =
        format!("/api/records/{record}/documents/{}/content", document["id"].as_str().expect("id"));

    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (router, uri, cookie) = (router.clone(), uri.clone(), cookie.clone());
        clients.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(READS_EACH);
            for _ in 0..READS_EACH {
                let request = Request::get(&uri)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .expect("request");
                let start = Instant::now();
                let response = router.clone().oneshot(request).await.expect("answer");
                assert_eq!(response.status(), StatusCode::OK);
                let _ = response.into_body().collect().await.expect("body");
                times.push(start.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for client in clients {
        times.extend(client.await.expect("client"));
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "document read with its audit entry, {CLIENTS} clients × {READS_EACH} reads of a {} KB document: {:.0} reads/s, p50 {:.1} ms, p99 {:.1} ms",
        content.len() / 1000,
        times.len() as f64 / seconds,
        at(0.50),
        at(0.99)
    );
}
