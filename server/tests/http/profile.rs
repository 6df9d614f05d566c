//! The health profile: every section written and checked, versions kept with their authors,
//! the policy on every entry point, masking on the next request, and the ANSM check when a
//! treatment is added.

use app::directory::Profession;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::fixtures::{
    DOCTOR, NURSE, Session, call, card_session, directory_entry, put, record_id,
};
use super::fixtures::{Reply, reply, signed_up};
use crate::{START, TestApp, get, test_app, text};

const PHARMACIST: &str = "10001234565";

async fn entries(app: &TestApp, record: &str, session: &Session) -> Vec<Value> {
    let response =
        get(&app.router, &format!("/api/records/{record}/profile"), Some(&session.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str::<Value>(&text(response).await).unwrap().as_array().unwrap().clone()
}

async fn add(app: &TestApp, record: &str, session: &Session, entry: Value) -> Reply {
    call(app, &format!("/api/records/{record}/profile"), json!({ "entry": entry }), session).await
}

fn treatment(substance: &str) -> Value {
    json!({ "section": "treatment", "substance": substance, "dose": "1 cp/j", "since": "2026-01-05" })
}

#[tokio::test]
async fn every_section_is_written_checked_and_kept_with_its_history() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let sections = [
        json!({ "section": "blood_group", "group": "a", "rhesus": "positive" }),
        json!({ "section": "allergy", "substance": "Pénicilline", "reaction": "urticaire", "severity": "severe" }),
        json!({ "section": "condition", "name": "Asthme", "since": "2001-09-01" }),
        treatment("salbutamol"),
        json!({ "section": "vaccination", "vaccine": "DTP", "date": "2024-03-10", "lot": "X12" }),
        json!({ "section": "measurement", "kind": "blood_pressure", "value": 128.0, "second": 82.0, "date": "2026-11-20" }),
        json!({ "section": "advance_directives", "text": "Pas d'acharnement thérapeutique.", "date": "2025-06-01" }),
        json!({ "section": "organ_donation", "wish": "yes" }),
        json!({ "section": "emergency_contact", "name": "Paul Martin", "relation": "frère", "phone": "06 12 34 56 78" }),
    ];
    for entry in &sections {
        let added = add(&app, &record, &patient, entry.clone()).await;
        assert_eq!(added.status, StatusCode::CREATED, "{entry}: {:?}", added.body);
        assert_eq!(added.body["entry"]["version"], 1);
        assert_eq!(added.body["entry"]["author"]["kind"], "patient");
    }
    let listed = entries(&app, &record, &patient).await;
    assert_eq!(listed.len(), sections.len());
    assert_eq!(listed[0]["entry"]["phone"], "+33612345678", "stored as checked");

    // Bad input: a clear reason, and nothing stored.
    for (entry, field) in [
        (
            json!({ "section": "measurement", "kind": "weight", "value": 7000.0, "date": "2026-11-20" }),
            "value",
        ),
        (json!({ "section": "vaccination", "vaccine": "Grippe", "date": "2027-01-01" }), "date"),
        (
            json!({ "section": "allergy", "substance": "", "reaction": "", "severity": "mild" }),
            "substance",
        ),
    ] {
        let refused = add(&app, &record, &patient, entry).await;
        assert_eq!(
            (refused.status, refused.body["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field))
        );
    }
    let unknown = add(&app, &record, &patient, json!({ "section": "horoscope" })).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(entries(&app, &record, &patient).await.len(), sections.len());

    // An edit is a new version; the history keeps both; a stale edit is a conflict.
    let asthma = listed.iter().find(|e| e["entry"]["section"] == "condition").unwrap();
    let id = asthma["id"].as_str().unwrap();
    let uri = format!("/api/records/{record}/profile/{id}");
    let body = |name: &str, base: u32| {
        json!({ "entry": { "section": "condition", "name": name, "since": "2001-09-01" }, "base_version": base })
            .to_string()
            .into_bytes()
    };
    let edited = put(&app, &uri, body("Asthme allergique", 1), &patient, true).await;
    assert_eq!(
        (edited.status, edited.body["entry"]["version"].clone()),
        (StatusCode::OK, json!(2))
    );
    let stale = put(&app, &uri, body("Asthme sévère", 1), &patient, true).await;
    assert_eq!(
        (stale.status, stale.body["reason"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );
    let moved = put(
        &app,
        &uri,
        br#"{"entry":{"section":"allergy","substance":"x","reaction":"","severity":"mild"}}"#
            .to_vec(),
        &patient,
        true,
    )
    .await;
    assert_eq!(moved.body["input"], "section_changed");
    let history = get(&app.router, &format!("{uri}/history"), Some(&patient.0)).await;
    let history: Value = serde_json::from_str(&text(history).await).unwrap();
    let names: Vec<&str> =
        history.as_array().unwrap().iter().map(|v| v["entry"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Asthme", "Asthme allergique"]);

    // Removed: kept and marked, no more edits.
    let removed = call(&app, &format!("{uri}/remove"), json!(null), &patient).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let after = entries(&app, &record, &patient).await;
    assert_eq!(after.iter().find(|e| e["id"] == id).unwrap()["removed"], true);
    assert_eq!(put(&app, &uri, body("Autre", 2), &patient, true).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn an_idempotency_key_adds_an_entry_once() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let send = || {
        Request::post(format!("/api/records/{record}/profile"))
            .header(header::COOKIE, &patient.0)
            .header("x-csrf-token", &patient.1)
            .header("idempotency-key", "offline-edit-0001")
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(
                json!({ "entry": treatment("lévothyroxine") }).to_string(),
            ))
            .unwrap()
    };
    let first = reply(app.router.clone().oneshot(send()).await.unwrap()).await;
    let second = reply(app.router.clone().oneshot(send()).await.unwrap()).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(first.body["entry"]["id"], second.body["entry"]["id"]);
    assert_eq!(entries(&app, &record, &patient).await.len(), 1);

    // An edit sent twice with its key (its first answer lost): one new version, and the second
    // answer is the entry as it is, not a conflict.
    let id = first.body["entry"]["id"].as_str().unwrap().to_owned();
    let edit = |key: &str| {
        let mut dose = treatment("lévothyroxine");
        dose["dose"] = json!("100 µg");
        Request::put(format!("/api/records/{record}/profile/{id}"))
            .header(header::COOKIE, &patient.0)
            .header("x-csrf-token", &patient.1)
            .header("idempotency-key", key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(json!({ "entry": dose, "base_version": 1 }).to_string()))
            .unwrap()
    };
    let first = reply(app.router.clone().oneshot(edit("offline-edit-0002")).await.unwrap()).await;
    let again = reply(app.router.clone().oneshot(edit("offline-edit-0002")).await.unwrap()).await;
    assert_eq!((first.status, again.status), (StatusCode::OK, StatusCode::OK), "{:?}", again.body);
    assert_eq!(
        (first.body["entry"]["version"].as_u64(), again.body["entry"]["version"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(again.body["entry"]["entry"]["dose"], "100 µg");
    // Another key on the same old version is another change: a conflict, nothing written.
    let other = reply(app.router.clone().oneshot(edit("offline-edit-0003")).await.unwrap()).await;
    assert_eq!(other.body["reason"], "conflict");
    let history =
        get(&app.router, &format!("/api/records/{record}/profile/{id}/history"), Some(&patient.0))
            .await;
    let history: Value = serde_json::from_str(&text(history).await).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_treatment_is_checked_against_the_current_ones_with_the_thesaurus() {
    let app = test_app().await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    assert!(
        add(&app, &record, &patient, treatment("warfarine")).await.body["interactions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let mut ended = treatment("ibuprofène");
    ended["until"] = json!("2026-02-01");
    assert_eq!(add(&app, &record, &patient, ended).await.status, StatusCode::CREATED);

    let aspirin = add(&app, &record, &patient, treatment("Acide acétylsalicylique")).await;
    let found = aspirin.body["interactions"].as_array().unwrap();
    assert_eq!(found[0]["current"], "warfarine");
    assert_eq!(found[0]["interaction"]["levels"][0]["severity"], "contraindication");
    assert!(
        found.iter().all(|f| f["current"] != "ibuprofène"),
        "an ended treatment is not current"
    );
    let duplicate = add(&app, &record, &patient, treatment("apixaban")).await;
    assert_eq!(duplicate.body["duplicates"][0]["current"], "warfarine");
    assert_eq!(duplicate.body["duplicates"][0]["reason"]["kind"], "same_class");
    // Paracetamol is checked too (a precaution with an antivitamin K); amlodipine is silent.
    let paracetamol = add(&app, &record, &patient, treatment("paracétamol")).await;
    assert_eq!(
        paracetamol.body["interactions"][0]["interaction"]["levels"][0]["severity"],
        "precaution"
    );
    let silent = add(&app, &record, &patient, treatment("amlodipine")).await;
    assert_eq!(
        (silent.body["interactions"].clone(), silent.body["duplicates"].clone()),
        (json!([]), json!([]))
    );
}

#[tokio::test]
async fn professionals_read_and_write_the_profile_within_their_rights() {
    let app = test_app().await;
    let entries_ = [
        directory_entry(DOCTOR, Profession::Physician),
        directory_entry(NURSE, Profession::Nurse),
        directory_entry(PHARMACIST, Profession::Pharmacist),
    ];
    app.store.import_directory(&entries_, START).await.unwrap();
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let nurse = card_session(&app, NURSE).await;
    let pharmacist = card_session(&app, PHARMACIST).await;
    let contact = add(&app, &record, &patient, json!({ "section": "emergency_contact", "name": "Paul", "relation": "frère", "phone": "0612345678" })).await;
    let allergy = add(&app, &record, &patient, json!({ "section": "allergy", "substance": "Latex", "reaction": "œdème", "severity": "life_threatening" })).await;
    let allergy_id = allergy.body["entry"]["id"].as_str().unwrap().to_owned();

    // No grant, nothing; a grant without the profile, nothing either.
    assert!(entries(&app, &record, &nurse).await.is_empty());
    let documents_only =
        json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    put(
        &app,
        &format!("/api/records/{record}/grants/{NURSE}"),
        documents_only.to_string().into_bytes(),
        &patient,
        true,
    )
    .await;
    assert!(entries(&app, &record, &nurse).await.is_empty());
    let with_profile = json!({ "scope": { "some": { "categories": [], "profile": true } } });
    put(
        &app,
        &format!("/api/records/{record}/grants/{NURSE}"),
        with_profile.to_string().into_bytes(),
        &patient,
        true,
    )
    .await;
    assert_eq!(entries(&app, &record, &nurse).await.len(), 2);
    // The pharmacist, granted the whole record, does not see the people to call.
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("/api/records/{record}/grants/{PHARMACIST}"), all, &patient, true).await;
    let seen = entries(&app, &record, &pharmacist).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["entry"]["section"], "allergy");
    let contact_id = contact.body["entry"]["id"].as_str().unwrap();
    let hidden = get(
        &app.router,
        &format!("/api/records/{record}/profile/{contact_id}/history"),
        Some(&pharmacist.0),
    )
    .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // The nurse adds a measurement (her right) but not a blood group; she may not edit the
    // patient's entry; the patient may not edit hers.
    let pressure = json!({ "section": "measurement", "kind": "heart_rate", "value": 72.0, "date": "2026-11-24" });
    let measured = add(&app, &record, &nurse, pressure).await;
    assert_eq!(measured.status, StatusCode::CREATED, "{:?}", measured.body);
    assert_eq!(measured.body["entry"]["author"]["rpps"], NURSE);
    let blood = add(
        &app,
        &record,
        &nurse,
        json!({ "section": "blood_group", "group": "o", "rhesus": "negative" }),
    )
    .await;
    assert_eq!(blood.body["denied"], "not_for_profession");
    let uri = format!("/api/records/{record}/profile/{allergy_id}");
    let change = json!({ "entry": { "section": "allergy", "substance": "Latex", "reaction": "choc", "severity": "life_threatening" } });
    assert_eq!(
        put(&app, &uri, change.to_string().into_bytes(), &nurse, true).await.body["denied"],
        "not_yours"
    );
    let measured_id = measured.body["entry"]["id"].as_str().unwrap();
    let theirs = json!({ "entry": { "section": "measurement", "kind": "heart_rate", "value": 75.0, "date": "2026-11-24" } });
    let by_patient = put(
        &app,
        &format!("/api/records/{record}/profile/{measured_id}"),
        theirs.to_string().into_bytes(),
        &patient,
        true,
    )
    .await;
    assert_eq!(by_patient.body["denied"], "not_yours");

    // Masked: gone from the nurse's next request, still the patient's.
    let mask = call(&app, &format!("{uri}/mask"), json!({ "masked": true }), &patient).await;
    assert_eq!(mask.status, StatusCode::NO_CONTENT);
    assert!(entries(&app, &record, &nurse).await.iter().all(|e| e["id"] != allergy_id.as_str()));
    assert_eq!(
        get(&app.router, &format!("{uri}/history"), Some(&nurse.0)).await.status(),
        StatusCode::NOT_FOUND
    );
    // What she may not read does not exist for her, unmasking included.
    assert_eq!(
        call(&app, &format!("{uri}/mask"), json!({ "masked": false }), &nurse).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(entries(&app, &record, &patient).await.len(), 3);
}

#[tokio::test]
async fn a_prescription_is_checked_before_its_deposit_and_found_by_its_substances() {
    use super::fixtures::{PDF, deposit, meta};
    let app = test_app().await;
    app.store
        .import_directory(&[directory_entry(DOCTOR, Profession::Physician)], START)
        .await
        .unwrap();
    let doctor = card_session(&app, DOCTOR).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    let grants = format!("/api/records/{record}/grants/{DOCTOR}");
    assert_eq!(put(&app, &grants, all, &patient, true).await.status, StatusCode::NO_CONTENT);
    let warfarin = add(&app, &record, &patient, treatment("warfarine")).await;
    let warfarin = warfarin.body["entry"]["id"].as_str().unwrap().to_owned();

    let check = format!("/api/records/{record}/interactions/check");
    let found =
        call(&app, &check, json!({ "substances": ["acide acétylsalicylique"] }), &doctor).await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body[0]["substance"], "acide acétylsalicylique");
    assert_eq!(found.body[0]["interactions"][0]["current"], "warfarine");
    assert_eq!(
        found.body[0]["interactions"][0]["interaction"]["levels"][0]["severity"],
        "contraindication"
    );
    // Two substances of the same prescription are checked against each other too.
    let within = json!({ "substances": ["lithium", "acétazolamide"] });
    let within = call(&app, &check, within, &doctor).await;
    let acetazolamide =
        within.body.as_array().unwrap().iter().find(|p| p["substance"] == "acétazolamide");
    let against: Vec<&Value> = acetazolamide.unwrap()["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["current"])
        .collect();
    assert!(against.contains(&&json!("lithium")), "{against:?}");

    // Bad input: none, too many, not a name; no CSRF token.
    let many: Vec<String> = (0..21).map(|n| format!("substance {n}")).collect();
    for bad in [json!([]), json!(many), json!(["aspirine\u{7}"]), json!([" "])] {
        let refused = call(&app, &check, json!({ "substances": bad }), &doctor).await;
        assert_eq!(refused.body["input"], "text_invalid", "{bad}");
    }
    let no_csrf = super::fixtures::post(
        &app.router,
        &check,
        json!({ "substances": ["lithium"] }),
        Some(&doctor.0),
        &[],
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    // A treatment the patient masked stays masked, even here.
    let mask = format!("/api/records/{record}/profile/{warfarin}/mask");
    assert_eq!(
        call(&app, &mask, json!({ "masked": true }), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    let hidden =
        call(&app, &check, json!({ "substances": ["acide acétylsalicylique"] }), &doctor).await;
    assert_eq!(hidden.body, json!([]));
    assert_eq!(
        call(&app, &mask, json!({ "masked": false }), &patient).await.status,
        StatusCode::NO_CONTENT
    );

    // The deposit says it again, and search finds the PDF by a substance it names.
    let mut prescription = meta("Ordonnance", "prescriptions", "application/pdf", PDF.len());
    prescription["substances"] = json!(["Acide acétylsalicylique", "paracétamol"]);
    let started =
        call(&app, &format!("/api/records/{record}/uploads"), prescription.clone(), &doctor).await;
    assert_eq!(started.body["interactions"][0]["interactions"][0]["current"], "warfarine");
    let deposited = deposit(&app, &record, &doctor, prescription, PDF, 1024).await;
    assert_eq!(deposited.status, StatusCode::CREATED, "{:?}", deposited.body);
    let search = format!("/api/records/{record}/documents?q=acetylsalicylique");
    let response = get(&app.router, &search, Some(&patient.0)).await;
    let listed: Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], deposited.body["id"]);
    // Substances belong to prescriptions and dispensings only.
    let mut report = meta("Compte rendu", "reports", "application/pdf", PDF.len());
    report["substances"] = json!(["lithium"]);
    let refused = call(&app, &format!("/api/records/{record}/uploads"), report, &doctor).await;
    assert_eq!(refused.body["field"], "substances");
}
