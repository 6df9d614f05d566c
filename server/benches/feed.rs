//! The insurer's feed under load, through the whole router: one large batch (10,000 lines for
//! 100 patients: two years of consultations and dispensed medicines), each line read, checked,
//! sealed under its own key and written with its record's audit entry; then 500-line batches of
//! new lines one after another, their latency percentiles; then the large batch sent again (every
//! line unsealed and found unchanged).
//!
//! Run: `cargo bench -p server --bench feed`.

#![allow(clippy::print_stdout)] // Printing the figures is the point of a benchmark.

#[allow(dead_code)] // Helpers the other benchmarks use.
mod common;

use std::{sync::Arc, time::Instant};

use app::{audit::AuditAction, date::Date, directory::Rpps, ins::Ins};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use serde_json::{Value, json};
use server::{
    AppState, app,
    audit::{AuditActor, AuditEntry},
    clock::{Clock, SystemClock},
    store::{
        AccountId, AccountStatus, AccountStore, CareStore, IdentityStore, PeopleStore, SqliteStore,
    },
    vault::Vault,
};

const PATIENTS: usize = 100;
const LARGE: usize = 10_000;
const SMALL: usize = 500;
const SMALL_BATCHES: usize = 40;
const DOCTOR: &str = "10000000009";

fn ins(i: usize) -> String {
    let digits = format!("180017505{:04}", i + 1);
    let n: u64 = digits.parse().expect("digits");
    format!("{digits}{:02}", 97 - n % 97)
}

fn entry(action: AuditAction, record: &AccountId, now: i64) -> AuditEntry {
    let actor = AuditActor { kind: "professional".into(), id: Some(DOCTOR.into()), role: None };
    server::audit::event_entry(actor, action, Some(record.as_str()), "bench", None, now)
}

async fn patients(state: &AppState, store: &SqliteStore) {
    let now = SystemClock.now();
    let doctor = Rpps::parse(DOCTOR).expect("rpps");
    let professional = app::directory::Professional {
        rpps: doctor.clone(),
        given_name: "Anne".into(),
        family_name: "Martin".into(),
        profession: app::directory::Profession::Physician,
        specialty: None,
        place: "Le Havre".into(),
    };
    store.import_directory(&[professional], now).await.expect("directory");
    for i in 0..PATIENTS {
        let contact = app::api::validate::parse_contact(&format!("p{i}@example.fr"));
        let (born, names) = (Date::parse("1980-01-01"), [format!("Patient{i}"), "Test".into()]);
        let born = born.expect("date");
        let mut account =
            server::account::new_account(Some(contact.expect("contact")), names, born, "fr", now);
        account.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        account.status = AccountStatus::Active;
        let id = account.id.clone();
        server::audit::account_change(state, AuditAction::AccountSignup, &id, "bench", now, {
            let account = account.clone();
            async move |event| store.create_account(&account, event).await
        })
        .await
        .expect("account");
        let ins = Ins::parse(&ins(i)).expect("ins");
        let verify = server::store::IdentityWrite::Verify(&ins, &doctor);
        let entry = entry(AuditAction::IdentitySet, &id, now);
        state
            .auditor
            .write(store, &entry, async |rows| store.set_identity(&id, verify, now, rows).await)
            .await
            .expect("identity");
    }
}

/// `count` lines from `first`, spread over the patients and the last 23 months.
fn batch(first: usize, count: usize, today: Date) -> Value {
    let entries: Vec<Value> = (first..first + count)
        .map(|n| {
            let patient = ins(n % PATIENTS);
            let date = today.months_before(u32::try_from(n / PATIENTS % 23).unwrap_or(0));
            let resource = if n % 3 == 0 {
                json!({
                    "resourceType": "MedicationDispense",
                    "identifier": [{ "system": "https://assurance-maladie.example/dispense",
                        "value": format!("d{n}") }],
                    "status": "completed",
                    "subject": { "identifier": { "system": "urn:oid:1.2.250.1.213.1.4.8",
                        "value": patient } },
                    "medicationCodeableConcept": { "coding": [{
                        "system": "urn:oid:1.2.250.1.213.2.3.2", "code": "3400934857683",
                        "display": "KARDEGIC 75 mg, poudre pour solution buvable" }] },
                    "quantity": { "value": 1 }, "daysSupply": { "value": 30 },
                    "whenHandedOver": format!("{date}T10:30:00+01:00"),
                })
            } else {
                json!({
                    "resourceType": "ExplanationOfBenefit",
                    "identifier": [{ "system": "https://assurance-maladie.example/eob",
                        "value": format!("e{n}") }],
                    "status": "active",
                    "type": { "coding": [{ "code": "professional" }] },
                    "patient": { "identifier": { "system": "urn:oid:1.2.250.1.213.1.4.8",
                        "value": patient } },
                    "provider": { "display": "Dr Anne Martin" },
                    "item": [{ "category": { "coding": [{ "code": "3" }] },
                        "productOrService": { "coding": [{ "system": "https://ngap.example",
                            "code": "G", "display": "Consultation de médecine générale" }] },
                        "servicedDate": date.to_string() }],
                    "total": [{ "category": { "coding": [{ "code": "benefit" }] },
                        "amount": { "value": 21.0, "currency": "EUR" } }],
                })
            };
            json!({ "resource": resource })
        })
        .collect();
    json!({ "resourceType": "Bundle", "type": "batch", "entry": entries })
}

async fn send(router: &axum::Router, token: &str, bundle: &Value) -> Vec<String> {
    let request = Request::post("/api/feed/batch")
        .header(header::CONTENT_TYPE, "application/fhir+json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(bundle.to_string()))
        .expect("request");
    let (status, body, _) = common::send(router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["response"]["status"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("carnet.db")).await.expect("store"));
    let state = AppState::new(store.clone(), Vault::ephemeral(), dir.path(), "http://localhost")
        .expect("state");
    patients(&state, &store).await;
    let token = server::feed::new_token();
    store
        .add_feed("cnam", &server::feed::token_digest(&token), SystemClock.now())
        .await
        .expect("feed");
    let router = app(state);
    let today = SystemClock.today();

    let large = batch(0, LARGE, today);
    let started = Instant::now();
    let answers = send(&router, &token, &large).await;
    let elapsed = started.elapsed();
    assert!(answers.iter().all(|status| status == "201 Created"));
    println!(
        "one batch of {LARGE} new lines for {PATIENTS} patients: {:.2} s, {:.0} lines/s",
        elapsed.as_secs_f64(),
        LARGE as f64 / elapsed.as_secs_f64()
    );

    let mut latencies = Vec::new();
    for b in 0..SMALL_BATCHES {
        let bundle = batch(LARGE + b * SMALL, SMALL, today);
        let started = Instant::now();
        let answers = send(&router, &token, &bundle).await;
        latencies.push(started.elapsed());
        assert!(answers.iter().all(|status| status == "201 Created"));
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{SMALL_BATCHES} batches of {SMALL} new lines: p50 {:.0} ms, p99 {:.0} ms",
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );

    let started = Instant::now();
    let answers = send(&router, &token, &large).await;
    let elapsed = started.elapsed();
    assert!(answers.iter().all(|status| status == "200 OK"));
    println!(
        "the large batch sent again (every line unchanged): {:.2} s, {:.0} lines/s",
        elapsed.as_secs_f64(),
        LARGE as f64 / elapsed.as_secs_f64()
    );
}
