//! The whole record's export: a FHIR R4 collection that holds the patient, every profile entry
//! and every document (with its bytes) that the asker may read, and who wrote each; references
//! that resolve inside it; the same identifiers from one export to the next; nothing masked
//! from a professional.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::{
    DOCTOR, PDF, call, deposit, document_bytes, grant_all, json_get, meta, patient_doctor_nurse,
    resources,
};
use crate::test_app;

#[tokio::test]
async fn the_export_is_a_fhir_collection_of_what_the_asker_may_read_with_its_authors() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let profile = format!("/api/records/{record}/profile");
    let mut ids = Vec::new();
    for entry in [
        json!({ "section": "allergy", "substance": "Ézétimibe", "reaction": "urticaire", "severity": "severe" }),
        json!({ "section": "treatment", "substance": "Kardégic", "dose": "75 mg le matin", "since": "2026-01-05" }),
        json!({ "section": "implant", "device": "Stimulateur cardiaque", "since": "2021-04-02", "note": "" }),
        json!({ "section": "advance_directives", "text": "Pas d'acharnement thérapeutique.", "date": "2025-06-01" }),
        json!({ "section": "emergency_contact", "name": "Paul Martin", "relation": "frère", "phone": "06 12 34 56 78" }),
        json!({ "section": "condition", "name": "Asthme secret", "since": "2001-09-01" }),
    ] {
        let added = call(&app, &profile, json!({ "entry": entry }), &patient).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        ids.push(added.body["entry"]["id"].as_str().unwrap().to_owned());
    }
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
