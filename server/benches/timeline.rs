//! A record with 1,000 documents and 100 profile entries, read through the whole router:
//! session, the access policy for every item, titles and entries unsealed — the documents list
//! whole and a page of it (what the pages of documents read), the timeline's first screen (what
//! a patient's phone waits for when the record opens), and a full-text search that opens every
//! document's sealed words. Sequential requests, latency percentiles.
//!
//! Run: `cargo bench -p server --bench timeline`.

#![allow(clippy::print_stdout)] // Printing the figures is the point of a benchmark.

mod common;

use std::{sync::Arc, time::Instant};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use server::{AppState, app, store::SqliteStore, vault::Vault};

const DOCUMENTS: usize = 1_000;
const SAMPLES: usize = 200;
const ENTRIES: usize = 100;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("carnet.db")).await.expect("store"));
    let state = AppState::new(store.clone(), Vault::ephemeral(), dir.path(), "http://localhost")
        .expect("state");
    let router = app(state);

    let (cookie, csrf, record) = common::patient(&router, store.as_ref()).await;
    let session = Some((cookie.as_str(), csrf.as_str()));

    let started = Instant::now();
    for i in 0..DOCUMENTS {
        let content = format!("Relevé n° {i} : tension 12/8, pouls 64.\n").repeat(40);
        let meta = json!({ "title": format!("Relevé de tension n° {i}"), "category": "patient_own",
            "care_date": format!("2026-{:02}-{:02}", 1 + i % 10, 1 + i % 28),
            "media_type": "text/plain", "size": content.len() });
        let (status, upload, _) = common::send(
            &router,
            common::json_request("POST", &format!("/api/records/{record}/uploads"), &meta, session),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{upload}");
        let upload =
            format!("/api/records/{record}/uploads/{}", upload["upload_id"].as_str().expect("id"));
        let chunk = Request::put(format!("{upload}?offset=0"))
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", &csrf)
            .body(Body::from(content))
            .expect("request");
        assert_eq!(common::send(&router, chunk).await.0, StatusCode::OK);
        let finish =
            common::json_request("POST", &format!("{upload}/finish"), &Value::Null, session);
        assert_eq!(common::send(&router, finish).await.0, StatusCode::CREATED);
    }
    println!(
        "{DOCUMENTS} documents deposited through the API in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A profile too: its changes and care events are on the timeline.
    for i in 0..ENTRIES {
        let entry = json!({ "entry": { "section": "measurement", "kind": "weight",
            "value": 60.0 + (i % 10) as f64, "date": format!("2026-{:02}-{:02}", 1 + i % 10, 1 + i % 28) } });
        let uri = format!("/api/records/{record}/profile");
        assert_eq!(
            common::send(&router, common::json_request("POST", &uri, &entry, session)).await.0,
            StatusCode::CREATED
        );
    }

    let base = format!("/api/records/{record}");
    measure(
        &router,
        &cookie,
        &format!("{base}/documents"),
        "documents list (policy + unsealed titles)",
        |body| body.as_array().map(Vec::len) == Some(DOCUMENTS),
    )
    .await;
    measure(
        &router,
        &cookie,
        &format!("{base}/documents/pages/1"),
        "documents, one page (policy for all, twenty titles unsealed)",
        |body| {
            body["pages"].as_u64() == Some(DOCUMENTS.div_ceil(20) as u64)
                && body["documents"].as_array().map(Vec::len) == Some(20)
        },
    )
    .await;
    measure(
        &router,
        &cookie,
        &format!("{base}/timeline"),
        "timeline, first screen (documents + profile)",
        |body| {
            body["total"].as_u64() == Some((DOCUMENTS + 2 * ENTRIES) as u64)
                && body["items"].as_array().map(Vec::len) == Some(30)
        },
    )
    .await;
    measure(
        &router,
        &cookie,
        &format!("{base}/timeline?q=pouls"),
        "timeline, full-text search in every document",
        |body| body["total"].as_u64() == Some(DOCUMENTS as u64),
    )
    .await;
}

/// Sends `SAMPLES` sequential requests and prints their latency percentiles.
async fn measure(
    router: &Router,
    cookie: &str,
    uri: &str,
    what: &str,
    fine: impl Fn(&Value) -> bool,
) {
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let request =
            Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
        let start = Instant::now();
        let (status, body, _) = common::send(router, request).await;
        times.push(start.elapsed());
        assert_eq!(status, StatusCode::OK);
        assert!(fine(&body), "{what}: unexpected answer");
    }
    times.sort();
    let at = |q: f64| {
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "{what}, {DOCUMENTS} documents and {ENTRIES} profile entries, {SAMPLES} requests: p50 {:.1} ms, p99 {:.1} ms",
        at(0.50),
        at(0.99)
    );
}
