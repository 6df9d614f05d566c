//! The whole record's export: a FHIR R4 collection that holds the patient, every profile entry
//! and every document (with its bytes) that the asker may read, and who wrote each; references
//! that resolve inside it; the same identifiers from one export to the next; nothing masked
//! from a professional.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::{
    DOCTOR, PDF, add_entries, call, deposit, document_bytes, grant_all, json_get, meta,
    patient_doctor_nurse, resources,
};
use crate::test_app;

#[tokio::test]
async fn the_export_is_a_fhir_collection_of_what_the_asker_may_read_with_its_authors() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let profile = format!("/api/records/{record}/profile");
    let ids = add_entries(&app, &record, &patient, [
        json!({ "section": "allergy", "substance": "Ézétimibe", "reaction": "urticaire", "severity": "severe" }),
        json!({ "section": "treatment", "substance": "Kardégic", "dose": "75 mg le matin", "since": "2026-01-05" }),
        json!({ "section": "implant", "device": "Stimulateur cardiaque", "since": "2021-04-02", "note": "" }),
        json!({ "section": "advance_directives", "text": "Pas d'acharnement thérapeutique.", "date": "2025-06-01" }),
        json!({ "section": "emergency_contact", "name": "Paul Martin", "relation": "frère", "phone": "06 12 34 56 78" }),
        json!({ "section": "condition", "name": "Asthme secret", "since": "2001-09-01" }),
    ])
    .await;
    // The patient keeps one entry from professionals.
    let masked = format!("{profile}/{}/mask", ids[5]);
    let mask = call(&app, &masked, json!({ "masked": true }), &patient).await;
    assert_eq!(mask.status, StatusCode::NO_CONTENT, "{:?}", mask.body);
    let by_doctor = meta("Compte rendu de consultation", "reports", "application/pdf", PDF.len());
    let deposited = deposit(&app, &record, &doctor, by_doctor, PDF, 1024).await;
    assert!(deposited.status.is_success(), "{:?}", deposited.body);

    let export = format!("/api/records/{record}/export");
    let (status, bundle) = json_get(&app, &export, &patient.0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&bundle["resourceType"], &bundle["type"]),
        (&json!("Bundle"), &json!("collection"))
    );

    // The patient, with the person to call.
    let [patient_resource] = resources(&bundle, "Patient")[..] else { panic!("one Patient") };
    assert_eq!(patient_resource["name"][0]["family"], "Martin");
    assert_eq!(patient_resource["contact"][0]["telecom"][0]["value"], "+33612345678");
    // Each entry its resource, under the entry's identifier.
    let urls: BTreeSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), bundle["entry"].as_array().unwrap().len(), "unique full URLs");
    let urn = |id: &str| format!("urn:uuid:{}", uuid::Uuid::try_parse(id).unwrap().hyphenated());
    for id in &ids[..4] {
        assert!(urls.contains(urn(id).as_str()), "entry {id} is in the export");
    }
    let [allergy] = resources(&bundle, "AllergyIntolerance")[..] else { panic!("one allergy") };
    assert_eq!(allergy["code"]["coding"][0]["code"], "73242", "ézétimibe, coded");
    let [medication] = resources(&bundle, "Medication")[..] else { panic!("one Medication") };
    assert_eq!(medication["code"]["text"], "Kardégic");
    assert_eq!(medication["ingredient"][0]["itemCodeableConcept"]["coding"][0]["code"], "00005");
    assert_eq!(resources(&bundle, "MedicationStatement").len(), 1);
    assert_eq!(resources(&bundle, "Device").len(), 1);
    assert_eq!(resources(&bundle, "DeviceUseStatement").len(), 1);
    let directives = resources(&bundle, "Observation");
    assert_eq!(directives[0]["valueString"], "Pas d'acharnement thérapeutique.");
    assert_eq!(resources(&bundle, "Condition").len(), 1, "the patient reads her masked entry");

    // The document, its bytes beside it, deposited by the doctor (a Practitioner by RPPS).
    let [document] = resources(&bundle, "DocumentReference")[..] else { panic!("one document") };
    assert_eq!(document["description"], "Compte rendu de consultation");
    assert_eq!(document["type"]["coding"][0]["code"], "11502-2");
    assert_eq!(document_bytes(&bundle, document), PDF);
    let [practitioner] = resources(&bundle, "Practitioner")[..] else { panic!("one Practitioner") };
    assert_eq!(practitioner["identifier"][0]["value"], DOCTOR);
    // Who wrote what: a Provenance for each entry and the document.
    let provenances = resources(&bundle, "Provenance");
    assert_eq!(provenances.len(), 6, "five entries with a resource of their own, one document");
    let by_practitioner =
        provenances
            .iter()
            .filter(|p| {
                let who = &p["agent"][0]["who"]["reference"];
                bundle["entry"].as_array().unwrap().iter().any(|e| {
                    &e["fullUrl"] == who && e["resource"]["resourceType"] == "Practitioner"
                })
            })
            .count();
    assert_eq!(by_practitioner, 1);
    // Every reference resolves inside the bundle.
    let mut references = Vec::new();
    collect_references(&bundle, &mut references);
    assert!(references.len() > 15);
    for reference in &references {
        assert!(urls.contains(reference.as_str()), "{reference} resolves");
    }

    // The same items, the same identifiers, in the next export.
    let (_, again) = json_get(&app, &export, &patient.0).await;
    let again_urls: BTreeSet<&str> =
        again["entry"].as_array().unwrap().iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
    assert_eq!(urls, again_urls);

    // The doctor's export: what the doctor may read, never the masked entry.
    let (status, theirs) = json_get(&app, &export, &doctor.0).await;
    assert_eq!(status, StatusCode::OK);
    assert!(resources(&theirs, "Condition").is_empty(), "the masked entry stays out");
    assert!(!theirs.to_string().contains("Asthme secret"));
    assert_eq!(resources(&theirs, "DocumentReference").len(), 1);

    // The regular doctor is part of the sharing, which the patient reads and a professional
    // does not: named in the patient's export only.
    let designate = serde_json::to_vec(&json!({ "rpps": DOCTOR })).unwrap();
    let regular = format!("/api/records/{record}/regular-doctor");
    let designated = super::fixtures::put(&app, &regular, designate, &patient, true).await;
    assert!(designated.status.is_success(), "{:?}", designated.body);
    let (_, hers) = json_get(&app, &export, &patient.0).await;
    assert!(resources(&hers, "Patient")[0]["generalPractitioner"][0]["reference"].is_string());
    let (_, theirs) = json_get(&app, &export, &doctor.0).await;
    assert!(resources(&theirs, "Patient")[0].get("generalPractitioner").is_none());
    // (As the regular doctor, they now read the masked entry: the policy's rule.)
    assert_eq!(resources(&theirs, "Condition").len(), 1);
}

/// Every `reference` member anywhere in `value`.
fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                match (name.as_str(), member) {
                    ("reference", Value::String(reference)) => out.push(reference.clone()),
                    _ => collect_references(member, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        _ => {}
    }
}

/// Sends `bundle` to import into `record`.
async fn import(
    app: &crate::TestApp,
    record: &str,
    session: &super::fixtures::Session,
    bundle: &Value,
) -> super::fixtures::Reply {
    super::fixtures::post(
        &app.router,
        &format!("/api/records/{record}/import"),
        bundle.clone(),
        Some(&session.0),
        &[("x-csrf-token", &session.1), ("content-type", "application/fhir+json")],
    )
    .await
}

/// What the round trip compares of the profile: every entry's content (its section and every
/// field), as a sorted list; authors and identifiers are the importer's and new.
async fn profile_of(
    app: &crate::TestApp,
    record: &str,
    session: &super::fixtures::Session,
) -> Vec<String> {
    let (status, entries) =
        json_get(app, &format!("/api/records/{record}/profile"), &session.0).await;
    assert_eq!(status, StatusCode::OK);
    let mut entries: Vec<String> =
        entries.as_array().unwrap().iter().map(|info| info["entry"].to_string()).collect();
    entries.sort();
    entries
}

/// What it compares of the documents: title, type, day of care, kind of file and the bytes.
/// (The category is compared apart: a professional's report imported by the patient is filed
/// as theirs, as the policy lets a patient file nothing else.)
fn documents_of(bundle: &Value) -> Vec<(String, String, String, String, Vec<u8>)> {
    let mut documents: Vec<_> = resources(bundle, "DocumentReference")
        .into_iter()
        .map(|document| {
            (
                document["description"].as_str().unwrap().to_owned(),
                document["type"]["coding"][0]["code"].to_string(),
                document["context"]["period"]["start"].as_str().unwrap().to_owned(),
                document["content"][0]["attachment"]["contentType"].as_str().unwrap().to_owned(),
                document_bytes(bundle, document),
            )
        })
        .collect();
    documents.sort();
    documents
}

/// The titles of the patient's own documents.
fn own_documents(bundle: &Value) -> Vec<&str> {
    resources(bundle, "DocumentReference")
        .into_iter()
        .filter(|document| document["category"][0]["coding"][0]["code"] == "patient_own")
        .map(|document| document["description"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_record_exported_then_imported_into_an_empty_one_loses_nothing_and_twice_adds_nothing() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let profile = format!("/api/records/{record}/profile");
    let every_kind = [
        json!({ "section": "blood_group", "group": "ab", "rhesus": "negative" }),
        json!({ "section": "allergy", "substance": "Pénicilline", "reaction": "œdème de Quincke", "severity": "life_threatening" }),
        json!({ "section": "allergy", "substance": "Arachide", "reaction": "", "severity": "moderate" }),
        json!({ "section": "condition", "name": "Asthme", "since": "2001-09-01" }),
        json!({ "section": "condition", "name": "Entorse", "since": "2025-03-01", "until": "2025-04-01" }),
        json!({ "section": "treatment", "substance": "Kardégic", "dose": "75 mg le matin", "since": "2026-01-05", "until": "2026-12-31" }),
        json!({ "section": "vaccination", "vaccine": "DTP", "date": "2024-03-10", "lot": "X12" }),
        json!({ "section": "measurement", "kind": "blood_pressure", "value": 128.0, "second": 82.0, "date": "2026-11-20" }),
        json!({ "section": "measurement", "kind": "weight", "value": 72.5, "date": "2026-11-21" }),
        json!({ "section": "measurement", "kind": "temperature", "value": 38.2, "date": "2026-11-22" }),
        json!({ "section": "advance_directives", "text": "Pas d'acharnement thérapeutique.", "date": "2025-06-01" }),
        json!({ "section": "organ_donation", "wish": "some", "note": "les reins" }),
        json!({ "section": "emergency_contact", "name": "Paul Martin", "relation": "frère", "phone": "06 12 34 56 78" }),
        json!({ "section": "implant", "device": "Stimulateur cardiaque", "since": "2021-04-02", "note": "non compatible IRM" }),
    ];
    for entry in &every_kind {
        let added = call(&app, &profile, json!({ "entry": entry }), &patient).await;
        assert_eq!(added.status, StatusCode::CREATED, "{entry}: {:?}", added.body);
    }
    let report = meta("Compte rendu de consultation", "reports", "application/pdf", PDF.len());
    assert!(deposit(&app, &record, &doctor, report, PDF, 1024).await.status.is_success());
    let own = b"Tension du matin : 12/8.\n";
    let note = meta("Relevé de tension", "patient_own", "text/plain", own.len());
    assert!(deposit(&app, &record, &patient, note, own, 1024).await.status.is_success());
    let (_, exported) = json_get(&app, &format!("/api/records/{record}/export"), &patient.0).await;

    // Into an empty record of another patient.
    let paul = super::fixtures::signed_up(&app, "paul@example.fr").await;
    let target = super::fixtures::record_id(&app, "paul@example.fr").await;
    let first = import(&app, &target, &paul, &exported).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["skipped"], json!([]), "{:?}", first.body);
    assert_eq!(first.body["added"], every_kind.len() + 2);
    assert_eq!(first.body["kept"], 0, "authors and provenance are context: {:?}", first.body);
    assert_eq!(profile_of(&app, &target, &paul).await, profile_of(&app, &record, &patient).await);
    let (_, again) = json_get(&app, &format!("/api/records/{target}/export"), &paul.0).await;
    assert_eq!(documents_of(&again), documents_of(&exported));
    let own = own_documents(&again);
    assert!(own_documents(&exported).iter().all(|title| own.contains(title)), "{own:?}");

    // The same bundle again: nothing added, everything found.
    let second = import(&app, &target, &paul, &exported).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(
        (&second.body["added"], &second.body["already"]),
        (&json!(0), &json!(every_kind.len() + 2))
    );
    assert_eq!(profile_of(&app, &target, &paul).await.len(), every_kind.len());
    let (_, thrice) = json_get(&app, &format!("/api/records/{target}/export"), &paul.0).await;
    assert_eq!(resources(&thrice, "DocumentReference").len(), 2);
}

#[tokio::test]
async fn hl7_s_ips_examples_import_what_carnet_models_and_keep_the_rest_whole() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fhir");
    for example in ["Bundle-IPS-examples-Bundle-01.json", "Bundle-bundle-minimal.json"] {
        let bundle: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(example)).unwrap()).unwrap();
        let imported = import(&app, &record, &patient, &bundle).await;
        assert_eq!(imported.status, StatusCode::OK, "{example}: {:?}", imported.body);
        // The second example is the same patient's summary again: found, not added twice.
        let added = imported.body["added"].as_u64().unwrap();
        let found = added + imported.body["already"].as_u64().unwrap();
        assert!(found > 0, "{example}: {:?}", imported.body);
        let again = import(&app, &record, &patient, &bundle).await;
        assert_eq!(again.body["added"], 0, "{example} twice: {:?}", again.body);
    }
    let entries = profile_of(&app, &record, &patient).await;
    assert!(entries.iter().any(|entry| entry.contains("\"allergy\"")), "{entries:?}");
    assert!(entries.iter().any(|entry| entry.contains("\"treatment\"")), "{entries:?}");
    // What Carnet does not model is in a text document, whole.
    let (_, exported) = json_get(&app, &format!("/api/records/{record}/export"), &patient.0).await;
    let kept: Vec<_> = resources(&exported, "DocumentReference")
        .into_iter()
        .filter(|d| d["description"].as_str().unwrap().starts_with("Import FHIR"))
        .collect();
    assert!(!kept.is_empty());
    let text = String::from_utf8(document_bytes(&exported, kept[0])).unwrap();
    assert!(text.contains("\"resourceType\""), "{text}");
}

#[tokio::test]
async fn a_bundle_that_is_not_one_is_refused_whole_and_changes_nothing() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let not_a_bundle = import(&app, &record, &patient, &json!({ "resourceType": "Patient" })).await;
    assert_eq!(not_a_bundle.status, StatusCode::UNPROCESSABLE_ENTITY);
    super::fixtures::assert_problem(&not_a_bundle, "not a bundle");
    let request = axum::http::Request::post(format!("/api/records/{record}/import"))
        .header("content-type", "text/plain")
        .header("cookie", &patient.0)
        .header("x-csrf-token", &patient.1)
        .body(axum::body::Body::from(json!({ "resourceType": "Bundle" }).to_string()))
        .unwrap();
    let wrong_media = super::fixtures::reply(
        tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap(),
    )
    .await;
    assert_eq!(wrong_media.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An entry Carnet would refuse from a person: reported, the rest imported.
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        { "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001", "resource": {
            "resourceType": "Immunization", "status": "completed",
            "vaccineCode": { "text": "Grippe" }, "occurrenceDateTime": "2099-01-01",
            "patient": { "reference": "Patient/x" } } },
        { "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002", "resource": {
            "resourceType": "Condition", "code": { "text": "Migraine" },
            "subject": { "reference": "Patient/x" } } },
    ] });
    let imported = import(&app, &record, &patient, &bundle).await;
    assert_eq!(imported.status, StatusCode::OK, "{:?}", imported.body);
    assert_eq!(imported.body["added"], 1);
    assert_eq!(imported.body["skipped"][0]["reason"], "invalid");
    assert_eq!(profile_of(&app, &record, &patient).await.len(), 1);

    // One file described twice goes in once.
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(b"Tension 12/8.\n");
    let described = |n: u32| {
        json!({ "fullUrl": format!("urn:uuid:00000000-0000-4000-8000-00000000001{n}"),
        "resource": { "resourceType": "DocumentReference", "status": "current",
            "description": format!("Relevé {n}"), "subject": { "reference": "Patient/x" },
            "content": [{ "attachment": { "contentType": "text/plain",
                "url": "urn:uuid:00000000-0000-4000-8000-000000000020" } }] } })
    };
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": [
        described(1), described(2),
        { "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000020",
          "resource": { "resourceType": "Binary", "contentType": "text/plain", "data": data } },
    ] });
    let imported = import(&app, &record, &patient, &bundle).await;
    assert_eq!(imported.body["added"], 1, "{:?}", imported.body);
    assert_eq!(imported.body["skipped"][0]["reason"], "unsupported_file", "{:?}", imported.body);
}

#[tokio::test]
async fn imported_treatments_are_checked_for_interactions_as_typed_ones_are() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let statement = |n: u32, medicine: &str| {
        json!({ "fullUrl": format!("urn:uuid:00000000-0000-4000-8000-00000000003{n}"),
            "resource": { "resourceType": "MedicationStatement", "status": "active",
                "medicationCodeableConcept": { "text": medicine },
                "subject": { "reference": "Patient/x" }, "dosage": [{ "text": "1 par jour" }] } })
    };
    let bundle = json!({ "resourceType": "Bundle", "type": "collection",
        "entry": [statement(1, "Coumadine"), statement(2, "Kardégic")] });
    let imported = import(&app, &record, &patient, &bundle).await;
    assert_eq!(imported.body["added"], 2, "{:?}", imported.body);
    let found = imported.body["interactions"].as_array().unwrap();
    assert!(
        found.iter().any(|finding| finding["current"] == "Coumadine"),
        "warfarin and aspirin: {found:?}"
    );
}
