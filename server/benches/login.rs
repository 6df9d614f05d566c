//! Login cost: the password step of `POST /api/account/login` through the whole router
//! (JSON, rate limits, Argon2id verification, code drawn, stored and queued), measured
//! sequentially for latency percentiles and with many clients at once for throughput.
//!
//! Run: `cargo bench -p server --bench login`. Figures depend on the machine; the README of
//! the notes that cite them says which machine.

#![allow(clippy::print_stdout)] // Printing the figures is the point of a benchmark.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use server::{AppState, app, store::SqliteStore};
use tower::ServiceExt;

/// Concurrent clients in the throughput run, each with its own account.
const WORKERS: u32 = 64;
const PASSWORD: &str = "marée basse à Étretat";

fn contact(account: u32) -> String {
    format!("bench{account}@example.fr")
}

/// Posts JSON as the client numbered `client` (each has its own address, as real patients do).
async fn post(
    router: &Router,
    path: &str,
    body: serde_json::Value,
    client: u32,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid request");
    let [_, a, b, c] = client.to_be_bytes();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, a, b, c], 1))));
    let response = router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// An active account, made through the API like any other.
async fn create_account(router: &Router, store: &SqliteStore, account: u32) {
    use server::store::OutboxStore;
    let signup = serde_json::json!({
        "contact": contact(account), "given_name": "Banc", "family_name": "Essai",
        "birth_date": "1970-01-01", "password": PASSWORD,
    });
    let (status, sent) = post(router, "/api/account/signup", signup, account).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let message = &store.outbox(1).await.expect("outbox")[0];
    let code: String = message
        .body
        .split(|c: char| !c.is_ascii_digit())
        .find(|r| r.len() == 6)
        .expect("code")
        .into();
    let verify = serde_json::json!({ "challenge": sent["challenge"], "code": code });
    assert_eq!(post(router, "/api/account/verify", verify, account).await.0, StatusCode::OK);
}

async fn login(router: &Router, account: u32, client: u32) -> StatusCode {
    let body = serde_json::json!({ "contact": contact(account), "password": PASSWORD });
    post(router, "/api/account/login", body, client).await.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).await.expect("store"));
    let state = AppState::new(
        store.clone(),
        server::vault::Vault::ephemeral(),
        dir.path(),
        "http://localhost",
    )
    .expect("state");
    let router = app(state);

    // One account per worker: a single account's limiter would rightly stop 64 parallel tries.
    for account in 0..WORKERS {
        create_account(&router, &store, account).await;
    }

    // Warm-up, then sequential latency.
    for client in 0..5 {
        assert_eq!(login(&router, 0, client).await, StatusCode::ACCEPTED);
    }
    let mut latencies = Vec::new();
    for client in 0..200 {
        let start = Instant::now();
        assert_eq!(login(&router, 0, 1000 + client).await, StatusCode::ACCEPTED);
        latencies.push(start.elapsed());
    }
    latencies.sort();
    println!(
        "login password step, sequential, {} runs: p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );

    // Throughput: many clients at once for ~5 seconds.
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let deadline = Instant::now() + Duration::from_secs(5);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let router = router.clone();
        tasks.spawn(async move {
            let mut done = 0u32;
            let mut client = 100_000 + worker * 10_000;
            while Instant::now() < deadline {
                client += 1;
                assert_eq!(login(&router, worker, client).await, StatusCode::ACCEPTED);
                done += 1;
            }
            done
        });
    }
    let total: u32 = tasks.join_all().await.into_iter().sum();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "login password step, {WORKERS} concurrent clients, each on its own account: {:.1} logins/s on {cores} cores = {:.1} logins/s per core",
        f64::from(total) / seconds,
        f64::from(total) / seconds / cores as f64,
    );
}
