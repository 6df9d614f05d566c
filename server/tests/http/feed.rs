//! The insurer's feed: FHIR R4 batches in, a line-by-line report out; idempotent by the insurer's
//! identifiers; the 24-month window, on the way in and as lines age; a credential that reaches its
//! one route only; and the care history as the record's readers see it.

use app::{audit::AuditAction, date::Date, ins::Ins};
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{
    audit::{AuditActor, AuditEntry},
    clock::Clock,
    store::{AccountId, AccountStatus, IdentityWrite},
};

use super::fixtures::{
    DOCTOR, NURSE, Session, call, grant_all, json_get, patient_doctor_nurse, post, put,
};
use crate::{START, TestApp, test_app};

const EOB_SYSTEM: &str = "https://assurance-maladie.example/eob";
const DISPENSE_SYSTEM: &str = "https://assurance-maladie.example/dispense";
const KARDEGIC: &str = "3400934857683";
/// COUMADINE 2 mg, comprimé sécable, 20 tablets (warfarin), as the medicines database lists it.
const COUMADINE: &str = "3400930264546";

/// An INS from its 13 digits: the key is 97 − (n mod 97).
fn ins(digits: &str) -> String {
    let n: u64 = digits.parse().unwrap();
    format!("{digits}{:02}", 97 - n % 97)
}

fn patient_ins(i: usize) -> String {
    ins(&format!("180017505{:04}", i + 1))
}

/// A feed named `cnam`, with its token.
async fn feed(app: &TestApp) -> String {
    let token = server::feed::new_token();
    let digest = server::feed::token_digest(&token);
    app.store.add_feed("cnam", &digest, app.clock_now()).await.unwrap();
    token
}

async fn send(app: &TestApp, token: &str, bundle: &Value) -> (StatusCode, Value) {
    let bearer = format!("Bearer {token}");
    let reply =
        post(&app.router, "/api/feed/batch", bundle.clone(), None, &[("authorization", &bearer)])
            .await;
    (reply.status, reply.body)
}

fn batch(resources: Vec<Value>) -> Value {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|resource| json!({ "resource": resource, "request": { "method": "POST" } }))
        .collect();
    json!({ "resourceType": "Bundle", "type": "batch", "entry": entry })
}

fn consultation(id: &str, ins: &str, date: &str, reimbursed: f64) -> Value {
    json!({
        "resourceType": "ExplanationOfBenefit",
        "identifier": [{ "system": EOB_SYSTEM, "value": id }],
        "status": "active",
        "type": { "coding": [{ "code": "professional" }] },
        "patient": { "identifier": { "system": server::feed::fhir::INS_NIR, "value": ins } },
        "provider": { "display": "Dr Anne Martin",
            "identifier": { "system": server::feed::fhir::RPPS, "value": DOCTOR } },
        "item": [{
            "category": { "coding": [{ "code": "3" }] },
            "productOrService": { "coding": [{ "system": "https://ngap.example", "code": "G",
                "display": "Consultation de médecine générale" }] },
            "servicedDate": date,
        }],
        "total": [
            { "category": { "coding": [{ "code": "submitted" }] },
              "amount": { "value": 30.0, "currency": "EUR" } },
            { "category": { "coding": [{ "code": "benefit" }] },
              "amount": { "value": reimbursed, "currency": "EUR" } },
        ],
    })
}

fn dispense(id: &str, ins: &str, date: &str, cip: &str) -> Value {
    json!({
        "resourceType": "MedicationDispense",
        "identifier": [{ "system": DISPENSE_SYSTEM, "value": id }],
        "status": "completed",
        "subject": { "identifier": { "system": server::feed::fhir::INS_NIR, "value": ins } },
        "contained": [{ "resourceType": "Medication", "id": "m",
            "code": { "coding": [{ "system": server::feed::fhir::CIP, "code": cip,
                "display": "KARDEGIC 75 mg, poudre pour solution buvable" }] },
            "ingredient": [{ "itemCodeableConcept": { "text": "acide acétylsalicylique" } }] }],
        "medicationReference": { "reference": "#m" },
        "quantity": { "value": 1 },
        "daysSupply": { "value": 30 },
        "whenHandedOver": format!("{date}T10:30:00+01:00"),
        "performer": [{ "actor": { "display": "Pharmacie du Port" } }],
    })
}

/// A record with a verified INS, made in the store (a hundred sign-ups through the API would
/// only test sign-up again). Verified by the directory's physician.
async fn verified_record(app: &TestApp, i: usize) -> AccountId {
    let now = app.clock_now();
    let contact = app::api::validate::parse_contact(&format!("p{i}@example.fr")).unwrap();
    let born = Date::parse("1980-01-01").unwrap();
    let names = [format!("Patient{i}"), "Test".to_owned()];
    let mut account = server::account::new_account(Some(contact), names, born, "fr", now);
    // Never used: these patients do not log in.
    account.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    account.status = AccountStatus::Active;
    let id = account.id.clone();
    let state = &app.state;
    server::audit::account_change(state, AuditAction::AccountSignup, &id, "test", now, async |e| {
        app.store.create_account(&account, e).await
    })
    .await
    .unwrap();
    verify(app, &id, &patient_ins(i)).await;
    id
}

async fn verify(app: &TestApp, id: &AccountId, ins: &str) {
    let ins = Ins::parse(ins).unwrap();
    let doctor = crate::rpps(DOCTOR);
    let doctor_actor =
        AuditActor { kind: "professional".into(), id: Some(DOCTOR.into()), role: None };
    let (action, record) = (AuditAction::IdentitySet, Some(id.as_str()));
    let entry =
        server::audit::event_entry(doctor_actor, action, record, "test", None, app.clock_now());
    let (store, now) = (&app.store, app.clock_now());
    app.state
        .auditor
        .write(&**store, &entry, async |rows| {
            store.set_identity(id, IdentityWrite::Verify(&ins, &doctor), now, rows).await
        })
        .await
        .unwrap();
}

/// The patient grants the physician, who verifies the record's INS with the patient in front
/// of them.
async fn verified_by_doctor(
    app: &TestApp,
    record: &str,
    patient: &Session,
    doctor: &Session,
    ins: &str,
) {
    grant_all(app, record, DOCTOR, patient).await;
    let body = json!({ "ins": ins }).to_string().into_bytes();
    let uri = format!("/api/records/{record}/identity");
    assert_eq!(put(app, &uri, body, doctor, true).await.status, StatusCode::NO_CONTENT);
}

/// A patient whose INS the physician verified, and a feed's token: the patient's session, the
/// record, the physician's session, the token and the INS.
async fn fed_patient(app: &TestApp) -> (Session, String, Session, String, String) {
    let (patient, record, doctor, _) = patient_doctor_nurse(app).await;
    let (token, ins) = (feed(app).await, patient_ins(0));
    verified_by_doctor(app, record.as_str(), &patient, &doctor, &ins).await;
    (patient, record.as_str().to_owned(), doctor, token, ins)
}

async fn directory(app: &TestApp) {
    use app::directory::Profession;
    let entries = [
        super::fixtures::directory_entry(DOCTOR, Profession::Physician),
        super::fixtures::directory_entry(NURSE, Profession::Nurse),
    ];
    app.store.import_directory(&entries, START).await.unwrap();
}

fn today(app: &TestApp) -> Date {
    app.clock.today()
}

/// Each entry's answer: its status, and its reason when refused (the outcome's code otherwise).
fn answers(body: &Value) -> Vec<(String, String)> {
    body["entry"]
        .as_array()
        .expect("a batch-response")
        .iter()
        .map(|entry| {
            let response = &entry["response"];
            let code = response["outcome"]["issue"][0]["details"]["coding"][0]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            (response["status"].as_str().unwrap().to_owned(), code)
        })
        .collect()
}

async fn lines_stored(app: &TestApp) -> i64 {
    let mut total = 0;
    for id in app_accounts(app).await {
        total += app.store.care_lines(&id).await.unwrap().len() as i64;
    }
    total
}

async fn app_accounts(app: &TestApp) -> Vec<AccountId> {
    let mut ids = Vec::new();
    for i in 0..100 {
        let ins = Ins::parse(&patient_ins(i)).unwrap();
        if let Some(id) = app.store.verified_owner(&ins).await.unwrap() {
            ids.push(id);
        }
    }
    ids
}

async fn audit_count(app: &TestApp, action: AuditAction) -> usize {
    let log = app.store.audit_log().await.unwrap();
    log.iter()
        .filter(|stored| {
            let entry: AuditEntry = serde_json::from_slice(&stored.entry).unwrap();
            entry.action == action.as_str()
        })
        .count()
}

#[tokio::test]
async fn a_24_month_history_for_100_patients_is_stored_line_by_line_and_sending_it_again_changes_nothing()
 {
    let app = test_app().await;
    directory(&app).await;
    for i in 0..100 {
        verified_record(&app, i).await;
    }
    let token = feed(&app).await;
    let today = today(&app);

    // Two years of care for each: a consultation a month, a medicine every other month.
    let mut resources = Vec::new();
    let mut expected: Vec<(&str, &str)> = Vec::new();
    for i in 0..100 {
        let ins = patient_ins(i);
        for month in 0..24 {
            let date = today.months_before(month).to_string();
            resources.push(consultation(&format!("{i}-{month}"), &ins, &date, 21.0));
            expected.push(("201 Created", ""));
            if month % 2 == 0 {
                resources.push(dispense(&format!("{i}-{month}"), &ins, &date, KARDEGIC));
                expected.push(("201 Created", ""));
            }
        }
    }
    let good = resources.len();
    // And bad lines sprinkled in, each refused with its reason.
    let unknown = ins("2990175056001");
    let mut bad = Vec::new();
    let mut duplicates = Vec::new();
    for k in 0..5 {
        let ins0 = patient_ins(k);
        let date = today.to_string();
        bad.push((consultation(&format!("u{k}"), &unknown, &date, 1.0), "unknown_patient"));
        bad.push((dispense(&format!("c{k}"), &ins0, &date, "3400934857680"), "bad_code"));
        // Tomorrow may be today where the care happened: the day after is the future.
        let later = date_after(today, 2);
        bad.push((consultation(&format!("f{k}"), &ins0, &later, 1.0), "future_date"));
        let old = date_after(today.months_before(24), -1);
        bad.push((consultation(&format!("o{k}"), &ins0, &old, 1.0), "too_old"));
        let again = today.months_before(3).to_string();
        duplicates.push((consultation(&format!("{k}-3"), &ins0, &again, 21.0), "duplicate"));
    }
    bad.push((json!({ "resourceType": "Patient" }), "unsupported_resource"));
    bad.push((json!({ "resourceType": "ExplanationOfBenefit", "identifier": "x" }), "malformed"));
    // Spread through the batch; a duplicate after the line it repeats.
    for (n, (resource, reason)) in bad.into_iter().enumerate() {
        let at = (n * 131 + 17) % resources.len();
        resources.insert(at, resource);
        expected.insert(at, ("", reason));
    }
    for (resource, reason) in duplicates {
        resources.push(resource);
        expected.push(("", reason));
    }
    let bundle = batch(resources.clone());

    let (status, body) = send(&app, &token, &bundle).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = answers(&body);
    assert_eq!(got.len(), expected.len());
    let mut stored = 0;
    for (n, ((status, code), (want_status, want_reason))) in got.iter().zip(&expected).enumerate() {
        if want_reason.is_empty() {
            assert_eq!(status, want_status, "entry {n}: {}", body["entry"][n]);
            stored += 1;
        } else {
            assert_eq!(code, want_reason, "entry {n}: {}", body["entry"][n]);
        }
    }
    assert_eq!(stored, good);
    let refused_duplicates = got.iter().filter(|(_, code)| code == "duplicate").count();
    assert_eq!(refused_duplicates, 5);
    assert_eq!(lines_stored(&app).await, good as i64);
    assert_eq!(audit_count(&app, AuditAction::CareHistoryFeed).await, 100);

    // The same batch again: every good line unchanged, every bad one refused as before, and
    // nothing written (no line, no audit entry).
    let (status, again) = send(&app, &token, &bundle).await;
    assert_eq!(status, StatusCode::OK);
    let got_again = answers(&again);
    for (n, ((status, code), (first_status, first_code))) in got_again.iter().zip(&got).enumerate()
    {
        if first_status == "201 Created" {
            assert_eq!((status.as_str(), code.as_str()), ("200 OK", "unchanged"), "entry {n}");
        } else {
            assert_eq!(code, first_code, "entry {n}");
        }
    }
    assert_eq!(lines_stored(&app).await, good as i64);
    assert_eq!(audit_count(&app, AuditAction::CareHistoryFeed).await, 100);

    // A correction of one line is its next version.
    let date = today.months_before(5).to_string();
    let corrected = batch(vec![consultation("7-5", &patient_ins(7), &date, 22.5)]);
    let (_, body) = send(&app, &token, &corrected).await;
    assert_eq!(body["entry"][0]["response"]["status"], "200 OK");
    assert_eq!(
        body["entry"][0]["response"]["outcome"]["issue"][0]["details"]["coding"][0]["code"],
        "updated"
    );
    assert!(body["entry"][0]["response"]["location"].as_str().unwrap().ends_with("/_history/2"));
    assert_eq!(lines_stored(&app).await, good as i64);

    // The same identifier for another patient is never moved to them.
    let moved = batch(vec![consultation("7-5", &patient_ins(8), &date, 22.5)]);
    let (_, body) = send(&app, &token, &moved).await;
    assert_eq!(answers(&body)[0].1, "other_patient");
}

fn date_after(date: Date, days: i64) -> String {
    date_from_days(date.day_number() + days)
}

fn date_from_days(days: i64) -> String {
    Date::from_unix_seconds(days * 86_400).to_string()
}

#[tokio::test]
async fn the_24_month_boundary_holds_on_the_way_in_and_as_lines_age() {
    let app = test_app().await;
    directory(&app).await;
    let record = verified_record(&app, 0).await;
    let token = feed(&app).await;
    let oldest = today(&app).months_before(24);
    let (day_before, day_of, day_after) =
        (date_after(oldest, -1), oldest.to_string(), date_after(oldest, 1));
    let ins0 = patient_ins(0);
    let bundle = batch(vec![
        consultation("before", &ins0, &day_before, 1.0),
        consultation("of", &ins0, &day_of, 1.0),
        consultation("after", &ins0, &day_after, 1.0),
    ]);
    let (_, body) = send(&app, &token, &bundle).await;
    let got: Vec<String> = answers(&body)
        .into_iter()
        .map(|(status, code)| format!("{status} {code}").trim().to_owned())
        .collect();
    assert_eq!(got, ["422 Unprocessable Entity too_old", "201 Created", "201 Created"]);

    // Pruning today removes nothing: the day of the limit is kept.
    let prune = || async {
        server::feed::prune(&*app.store, &app.state.auditor, app.clock_now()).await.unwrap()
    };
    assert_eq!(prune().await, 0);
    // A day later, the line of that day is past the limit; the next one is now on it.
    app.clock.advance(86_400);
    assert_eq!(prune().await, 1);
    let left: Vec<String> = app
        .store
        .care_lines(&record)
        .await
        .unwrap()
        .iter()
        .map(|line| line.care_date.to_string())
        .collect();
    assert_eq!(left, std::slice::from_ref(&day_after));
    app.clock.advance(86_400);
    assert_eq!(prune().await, 1);
    assert!(app.store.care_lines(&record).await.unwrap().is_empty());
    assert_eq!(audit_count(&app, AuditAction::CareHistoryPrune).await, 2);
    // Nothing of them is left: neither a version nor a key.
    let mut database = app.behind_the_server().await;
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM care_line_versions")
        .fetch_one(&mut database)
        .await
        .unwrap();
    // The record has no other sealed item: its keys were the lines'.
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_keys WHERE account_id = $1")
        .bind(record.as_str())
        .fetch_one(&mut database)
        .await
        .unwrap();
    assert_eq!((versions, keys), (0, 0));
}

#[tokio::test]
async fn the_feed_reaches_its_one_route_and_nothing_else_feeds() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    let token = feed(&app).await;
    let empty = batch(Vec::new());

    // The feed's token opens nothing but its route: every other route answers it exactly as it
    // answers nobody at all.
    let paths = server::web::api_routes().paths().to_vec();
    for path in &paths {
        let uri = format!("/api{}", path)
            .replace("{record}", record.as_str())
            .replace("{rpps}", DOCTOR)
            .split('/')
            .map(|part| if part.starts_with('{') { "a1b2c3d4" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        if uri == "/api/feed/batch" {
            continue;
        }
        let bearer = format!("Bearer {token}");
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let ask = |with: bool| {
                let mut request = axum::http::Request::builder()
                    .method(method)
                    .uri(&uri)
                    .header("content-type", "application/json");
                if with {
                    request = request.header("authorization", &bearer);
                }
                let request = request.body(axum::body::Body::from("{}")).unwrap();
                let router = app.router.clone();
                async move {
                    use tower::ServiceExt;
                    router.oneshot(request).await.unwrap().status()
                }
            };
            // (Asked second, a public route may be answering "too many requests" by then.)
            let (with, without) = (ask(true).await, ask(false).await);
            let limited = without == StatusCode::TOO_MANY_REQUESTS;
            assert!(with == without || limited, "{method} {uri}: {with} with the token");
        }
    }

    // A person's session, patient's or professional's, with its CSRF token, cannot feed.
    for session in [&patient, &doctor] {
        let reply = call(&app, "/api/feed/batch", empty.clone(), session).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Nor a wrong token, nor a revoked one.
    assert_eq!(send(&app, "not-the-token", &empty).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, &token, &empty).await.0, StatusCode::OK);
    app.store.revoke_feed("cnam", app.clock_now()).await.unwrap();
    assert_eq!(send(&app, &token, &empty).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_request_that_is_not_a_batch_is_refused_whole_with_a_clear_answer() {
    let app = test_app().await;
    let token = feed(&app).await;
    let (status, body) = send(
        &app,
        &token,
        &json!({ "resourceType": "Bundle", "type": "transaction", "entry": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["resourceType"], "OperationOutcome");
    let many: Vec<Value> = (0..=server::feed::fhir::MAX_ENTRIES).map(|_| json!({})).collect();
    let (status, _) =
        send(&app, &token, &json!({ "resourceType": "Bundle", "type": "batch", "entry": many }))
            .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn history(app: &TestApp, record: &str, session: &Session) -> (StatusCode, Value) {
    json_get(app, &format!("/api/records/{record}/care-history"), &session.0).await
}

#[tokio::test]
async fn the_patient_reads_and_masks_the_care_history_and_professionals_read_what_the_matrix_gives()
{
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let record = record.as_str();
    let token = feed(&app).await;
    let ins0 = patient_ins(0);
    let today = today(&app).to_string();
    let lines =
        batch(vec![consultation("a", &ins0, &today, 21.0), dispense("b", &ins0, &today, KARDEGIC)]);

    // Declared by the patient only, the INS draws nothing into the record.
    let body = json!({ "ins": ins0 }).to_string().into_bytes();
    let uri = format!("/api/records/{record}/identity");
    assert_eq!(put(&app, &uri, body.clone(), &patient, true).await.status, StatusCode::NO_CONTENT);
    let (_, answer) = send(&app, &token, &lines).await;
    assert_eq!(answers(&answer)[0].1, "unknown_patient");
    // Verified by the physician, it does.
    grant_all(&app, record, DOCTOR, &patient).await;
    grant_all(&app, record, NURSE, &patient).await;
    assert_eq!(put(&app, &uri, body, &doctor, true).await.status, StatusCode::NO_CONTENT);
    let (_, answer) = send(&app, &token, &lines).await;
    assert!(answers(&answer).iter().all(|(status, _)| status == "201 Created"), "{answer}");

    let (status, seen) = history(&app, record, &patient).await;
    assert_eq!(status, StatusCode::OK);
    let seen = seen["lines"].as_array().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let visit = seen.iter().find(|line| line["kind"] == "consultation").unwrap();
    assert_eq!(visit["label"], "Consultation de médecine générale");
    assert_eq!(
        (visit["charged_cents"].clone(), visit["reimbursed_cents"].clone()),
        (json!(3000), json!(2100))
    );
    assert_eq!(visit["performer"], "Dr Anne Martin");
    assert_eq!(visit["allowed"], json!(["mask"]), "the patient's side may mask a line");
    let medicine = seen.iter().find(|line| line["kind"] == "pharmacy").unwrap();
    assert_eq!(medicine["code"]["code"], KARDEGIC);
    assert_eq!(medicine["substances"], json!(["acide acétylsalicylique"]));
    assert_eq!(medicine["days_supply"], 30);

    // The physician reads it (the matrix gives physicians reimbursement data); the nurse not.
    let (_, read) = history(&app, record, &doctor).await;
    assert_eq!(read["lines"].as_array().unwrap().len(), 2);
    assert_eq!(read["lines"][0]["allowed"], json!([]), "a professional masks nothing");
    let (status, body) = history(&app, record, &nurse).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Masked by the patient, a line is hidden from the physician at once, and kept for the
    // patient; the physician cannot unmask it.
    let id = visit["id"].as_str().unwrap();
    let mask = format!("/api/records/{record}/care-history/{id}/mask");
    assert_eq!(
        call(&app, &mask, json!({ "masked": true }), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(history(&app, record, &doctor).await.1["lines"].as_array().unwrap().len(), 1);
    let mine = history(&app, record, &patient).await.1;
    assert_eq!(mine["lines"].as_array().unwrap().len(), 2);
    assert_ne!(
        call(&app, &mask, json!({ "masked": false }), &doctor).await.status,
        StatusCode::NO_CONTENT
    );
    // Every read and change is in the log.
    assert!(audit_count(&app, AuditAction::CareHistoryRead).await >= 4);
    assert_eq!(audit_count(&app, AuditAction::CareHistoryMask).await, 1);
}

#[tokio::test]
async fn the_commands_add_a_feed_load_a_file_with_its_report_and_revoke_the_feed() {
    let app = test_app().await;
    directory(&app).await;
    let record = verified_record(&app, 0).await;
    let run = |args: &[&str]| {
        app.carnet()
            .args(args)
            .env_remove("CARNET_MASTER_KEY")
            .env_remove("CARNET_AUDIT_KEY")
            .output()
            .unwrap()
    };
    // What a command says, without the log lines that share its standard output.
    let said = |output: &std::process::Output| {
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let logged = |line: &&str| line.contains("INFO") || line.contains("WARN");
        text.lines()
            .filter(|line| !logged(line))
            .map(|line| format!("{line}\n"))
            .collect::<String>()
    };

    let refused = run(&["feed", "add", "bad name"]);
    assert!(!refused.status.success());
    let added = run(&["feed", "add", "cnam"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let token = said(&added).lines().last().unwrap().trim().to_owned();
    assert_eq!(
        app.store.feed_by_token(&server::feed::token_digest(&token)).await.unwrap().as_deref(),
        Some("cnam")
    );
    assert!(!run(&["feed", "add", "cnam"]).status.success(), "a name is taken once");
    assert!(said(&run(&["feed", "list"])).starts_with("cnam  added "));

    let today = today(&app).to_string();
    let file = app.dir.path().join("first-load.json");
    let bundle = batch(vec![
        consultation("a", &patient_ins(0), &today, 21.0),
        consultation("b", &patient_ins(1), &today, 21.0),
    ]);
    std::fs::write(&file, bundle.to_string()).unwrap();
    let file = file.to_str().unwrap();
    assert!(!run(&["feed", "import", "--feed", "nobody", file]).status.success());
    let imported = run(&["feed", "import", "--feed", "cnam", file]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let report = said(&imported);
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].starts_with("line 1: stored as ExplanationOfBenefit/"), "{report}");
    assert_eq!(lines[1], "line 2: refused: unknown_patient (patient)");
    assert_eq!(lines[2], "2 line(s): 1 stored, 0 updated, 0 unchanged, 1 refused.");
    assert!(String::from_utf8_lossy(&imported.stderr).contains("2/2 lines (100%)"));
    assert_eq!(app.store.care_lines(&record).await.unwrap().len(), 1);
    let again = said(&run(&["feed", "import", "--feed", "cnam", file]));
    assert!(
        again.ends_with("2 line(s): 0 stored, 0 updated, 1 unchanged, 1 refused.\n"),
        "{again}"
    );

    assert!(run(&["feed", "revoke", "cnam"]).status.success());
    assert_eq!(app.store.feed_by_token(&server::feed::token_digest(&token)).await.unwrap(), None);
    assert!(said(&run(&["feed", "list"])).contains(" revoked "));
    assert!(!run(&["feed", "revoke", "cnam"]).status.success());
}

#[tokio::test]
async fn a_changed_identity_takes_its_care_history_with_it_and_a_feed_corrects_only_its_own() {
    let app = test_app().await;
    directory(&app).await;
    let record = verified_record(&app, 0).await;
    let token = feed(&app).await;
    let today = today(&app).to_string();
    let line = batch(vec![consultation("a", &patient_ins(0), &today, 21.0)]);
    assert_eq!(answers(&send(&app, &token, &line).await.1)[0].0, "201 Created");

    // Another feed cannot correct, or learn the content of, the first feed's line.
    let other = server::feed::new_token();
    let digest = server::feed::token_digest(&other);
    app.store.add_feed("other", &digest, app.clock_now()).await.unwrap();
    let changed = batch(vec![consultation("a", &patient_ins(0), &today, 99.0)]);
    assert_eq!(answers(&send(&app, &other, &changed).await.1)[0].1, "other_feed");
    assert_eq!(answers(&send(&app, &other, &line).await.1)[0].1, "other_feed");

    // The INS verified on the record was wrong: verified again as another one, the lines the old
    // one drew in go, with their keys; the feed's next line for the old INS finds nobody.
    verify(&app, &record, &patient_ins(1)).await;
    assert!(app.store.care_lines(&record).await.unwrap().is_empty());
    assert_eq!(answers(&send(&app, &token, &line).await.1)[0].1, "unknown_patient");
    let moved = batch(vec![consultation("b", &patient_ins(1), &today, 21.0)]);
    assert_eq!(answers(&send(&app, &token, &moved).await.1)[0].0, "201 Created");
    assert_eq!(app.store.care_lines(&record).await.unwrap().len(), 1);

    // A closed record takes nothing, and the feed is not told that it exists.
    let closed = verified_record(&app, 2).await;
    let now = app.clock_now();
    let event = AuditAction::AccountClosed;
    server::audit::account_change(&app.state, event, &closed, "test", now, async |e| {
        app.store.close_account(&closed, now, now + 86_400 * 365, None, e).await
    })
    .await
    .unwrap();
    let line = batch(vec![consultation("c", &patient_ins(2), &today, 21.0)]);
    assert_eq!(answers(&send(&app, &token, &line).await.1)[0].1, "unknown_patient");
}

#[tokio::test]
async fn a_dispensed_medicine_is_a_current_treatment_for_the_interaction_check_until_its_course_ends()
 {
    let app = test_app().await;
    let (patient, record, _, token, ins0) = fed_patient(&app).await;
    let record = record.as_str();

    // Warfarin dispensed ten days ago, named by its pack's CIP13 only (COUMADINE 2 mg): the
    // medicines database gives its substance.
    let dispensed_on = date_after(today(&app), -10);
    let mut coumadine = dispense("w", &ins0, &dispensed_on, COUMADINE);
    coumadine.as_object_mut().unwrap().remove("contained");
    coumadine["medicationReference"] = Value::Null;
    coumadine["medicationCodeableConcept"] = json!({ "coding": [{
        "system": server::feed::fhir::CIP, "code": COUMADINE, "display": "COUMADINE 2 mg" }] });
    let (_, answer) = send(&app, &token, &batch(vec![coumadine])).await;
    assert_eq!(answers(&answer)[0].0, "201 Created", "{answer}");
    let lines = json_get(&app, &format!("/api/records/{record}/care-history"), &patient.0).await.1;
    assert_eq!(lines["lines"][0]["substances"], json!(["warfarine"]));

    // The patient adds "Kardégic", as they know it: the warning names the dispensed medicine.
    let profile = format!("/api/records/{record}/profile");
    let add = |substance: &str| {
        let entry = json!({ "entry": { "section": "treatment", "substance": substance,
            "dose": "1 sachet/j", "since": dispensed_on } });
        call(&app, &profile, entry, &patient)
    };
    let added = add("Kardégic").await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let found = &added.body["interactions"][0];
    assert_eq!(found["current"], "COUMADINE 2 mg");
    assert_eq!(found["dispensed"], json!(dispensed_on));
    assert_eq!(found["interaction"]["levels"][0]["severity"], "contraindication");

    // A medicine whose course (30 days) ended is no longer current: ibuprofen dispensed 45 days
    // ago warns of nothing, while the warfarin still does.
    let mut ibuprofen = dispense("i", &ins0, &date_after(today(&app), -45), KARDEGIC);
    ibuprofen["contained"][0]["code"]["coding"][0]["display"] = json!("IBUPROFENE 400 mg");
    ibuprofen["contained"][0]["ingredient"][0]["itemCodeableConcept"]["text"] = json!("ibuprofène");
    assert_eq!(answers(&send(&app, &token, &batch(vec![ibuprofen])).await.1)[0].0, "201 Created");
    let later = add("Aspégic").await;
    let found = later.body["interactions"].as_array().expect("interactions").clone();
    assert!(found.iter().any(|f| f["current"] == "COUMADINE 2 mg"), "{}", later.body);
    assert!(found.iter().all(|f| f["current"] != "IBUPROFENE 400 mg"), "{}", later.body);
}

/// The patient's notices, newest first: their kinds.
async fn notice_kinds(app: &TestApp, session: &Session) -> Vec<String> {
    let (_, told) = json_get(app, "/api/notifications", &session.0).await;
    told.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_patient_is_told_of_new_care_in_the_app_and_by_message_only_if_they_chose_it() {
    let app = test_app().await;
    let (patient, record, _, token, ins0) = fed_patient(&app).await;
    let record = record.as_str();
    let sent = async || app.store.outbox(500).await.unwrap().len();
    let (before, today) = (sent().await, today(&app).to_string());

    // Off by default: in the app, not by message; once per batch, not once per line.
    let lines = batch(vec![
        consultation("n1", &ins0, &today, 21.0),
        consultation("n2", &ins0, &today, 21.0),
    ]);
    send(&app, &token, &lines).await;
    let told = notice_kinds(&app, &patient).await;
    assert_eq!(told.iter().filter(|kind| *kind == "care_history_updated").count(), 1, "{told:?}");
    assert_eq!(sent().await, before);
    // A batch that changes nothing tells nothing.
    send(&app, &token, &lines).await;
    let again = notice_kinds(&app, &patient).await;
    assert_eq!(again.iter().filter(|kind| *kind == "care_history_updated").count(), 1);

    // Chosen, a correction goes out by message too, with no health data in it.
    let channels = format!("/api/records/{record}/notification-channels");
    let (_, mut choice) = json_get(&app, &channels, &patient.0).await;
    assert_eq!(choice["care_history_updated"], false);
    choice["care_history_updated"] = json!(true);
    let saved = put(&app, &channels, choice.to_string().into_bytes(), &patient, true).await;
    assert_eq!(saved.status, StatusCode::NO_CONTENT);
    send(&app, &token, &batch(vec![consultation("n1", &ins0, &today, 23.0)])).await;
    let messages = app.store.outbox(500).await.unwrap();
    assert_eq!(messages.len(), before + 1);
    assert_eq!(messages[0].subject, "Votre historique des soins a été mis à jour");
    assert!(messages[0].body.contains("/dossier/soins"));
    assert!(!messages[0].body.contains("Consultation"), "no care named in a message");
}

#[tokio::test]
async fn a_reimbursed_exam_coded_in_loinc_counts_for_the_repeated_exam_check() {
    let app = test_app().await;
    let (patient, record, doctor, token, ins0) = fed_patient(&app).await;
    let record = record.as_str();
    // An HbA1c reimbursed 30 days ago, coded by the insurer in NABM and in LOINC.
    let day = date_after(today(&app), -30);
    let mut hba1c = consultation("lab1", &ins0, &day, 8.1);
    hba1c["item"][0]["category"] = json!({ "coding": [{ "code": "5" }] });
    hba1c["item"][0]["productOrService"] = json!({ "coding": [
        { "system": "https://nabm.example", "code": "1577", "display": "Hémoglobine glyquée" },
        { "system": "http://loinc.org", "code": "4548-4" },
    ] });
    let (_, answer) = send(&app, &token, &batch(vec![hba1c])).await;
    assert_eq!(answers(&answer)[0].0, "201 Created", "{answer}");

    let check = format!(
        "/api/records/{record}/exams/repeated?category=lab_results&type_code=4548-4&care_date={}",
        today(&app)
    );
    let (status, found) = json_get(&app, &check, &doctor.0).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["title"], "Hémoglobine glyquée");
    assert_eq!(found[0]["days_apart"], 30);
    assert_eq!(found[0]["reimbursed"], true);
    // Another exam's code finds nothing; a line the patient masks is masked here too.
    let other = check.replace("4548-4", "2093-3");
    assert_eq!(json_get(&app, &other, &doctor.0).await.1, json!([]));
    let (_, lines) = history(&app, record, &patient).await;
    let id = lines["lines"][0]["id"].as_str().unwrap();
    let mask = format!("/api/records/{record}/care-history/{id}/mask");
    call(&app, &mask, json!({ "masked": true }), &patient).await;
    assert_eq!(json_get(&app, &check, &doctor.0).await.1, json!([]));
}

#[tokio::test]
async fn a_minors_legal_representative_declares_the_ins_reads_and_masks_the_care_history() {
    let app = test_app().await;
    let (parent, doctor, lea) = super::fixtures::minor_with_parent(&app).await;
    let record = lea.as_str();
    let token = feed(&app).await;
    let ins = patient_ins(7);
    // The parent, acting for Léa, declares her INS and gives the physician access; the
    // physician verifies it.
    grant_all(&app, record, DOCTOR, &parent).await;
    let uri = format!("/api/records/{record}/identity");
    let body = json!({ "ins": ins }).to_string().into_bytes();
    assert_eq!(put(&app, &uri, body.clone(), &parent, true).await.status, StatusCode::NO_CONTENT);
    assert_eq!(put(&app, &uri, body, &doctor, true).await.status, StatusCode::NO_CONTENT);
    let today = today(&app).to_string();
    let (_, answer) =
        send(&app, &token, &batch(vec![consultation("lea1", &ins, &today, 21.0)])).await;
    assert_eq!(answers(&answer)[0].0, "201 Created", "{answer}");

    // The representative reads it and masks a line, as the record's holder would.
    let (status, seen) = history(&app, record, &parent).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let line = &seen["lines"][0];
    assert_eq!(line["allowed"], json!(["mask"]));
    let mask = format!("/api/records/{record}/care-history/{}/mask", line["id"].as_str().unwrap());
    let masked = call(&app, &mask, json!({ "masked": true }), &parent).await;
    assert_eq!(masked.status, StatusCode::NO_CONTENT);
    let (_, after) = history(&app, record, &doctor).await;
    assert_eq!(after["lines"], json!([]), "masked from the physician at once");
}

#[tokio::test]
async fn the_care_history_leaves_as_fhir_dispenses_and_explanations_of_benefit() {
    let app = test_app().await;
    let (patient, record, doctor, token, ins) = fed_patient(&app).await;
    let today = today(&app).to_string();
    let lines =
        batch(vec![consultation("a", &ins, &today, 21.0), dispense("b", &ins, &today, KARDEGIC)]);
    let (status, answer) = send(&app, &token, &lines).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // In the whole record's export, each line as its resource.
    let (status, bundle) =
        json_get(&app, &format!("/api/records/{record}/export"), &patient.0).await;
    assert_eq!(status, StatusCode::OK);
    let [dispensed] = super::fixtures::resources(&bundle, "MedicationDispense")[..] else {
        panic!("one dispense: {bundle}")
    };
    let medicine = &dispensed["medicationCodeableConcept"];
    assert_eq!(
        medicine["coding"][0],
        json!({ "system": server::feed::fhir::CIP, "code": KARDEGIC })
    );
    assert_eq!(
        (dispensed["quantity"]["value"].as_u64(), dispensed["daysSupply"]["value"].as_u64()),
        (Some(1), Some(30))
    );
    let [benefit] = super::fixtures::resources(&bundle, "ExplanationOfBenefit")[..] else {
        panic!("one explanation of benefit")
    };
    assert_eq!(benefit["item"][0]["servicedDate"], today.as_str());
    assert_eq!(benefit["payment"]["amount"], json!({ "value": 21.0, "currency": "EUR" }));
    assert_eq!(benefit["provider"]["display"], "Dr Anne Martin");

    // Through the FHIR endpoint, searched by the medicine's code, for the doctor the matrix
    // lets read the care history.
    let coded = format!("{}|{KARDEGIC}", server::feed::fhir::CIP);
    let uri = format!("/fhir/r4/MedicationDispense?patient={record}&code={coded}");
    let (status, found) = json_get(&app, &uri, &doctor.0).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1);
    let uri = format!("/fhir/r4/ExplanationOfBenefit?patient={record}&created=eq{today}");
    let (_, found) = json_get(&app, &uri, &doctor.0).await;
    assert_eq!(found["total"], 1, "{found}");
}
