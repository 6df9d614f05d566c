//! The FHIR R4 endpoint: reads and searches of a record as the asker may read it, the same
//! resources as the export under identifiers of their own, paging, `$summary` and
//! `$everything`, the documents' files as `Binary`, a `CapabilityStatement` drawn from what the
//! endpoint does, `OperationOutcome`s for every refusal, and an audit entry for every answer.

use app::audit::AuditAction;
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::audit::AuditEntry;
use tower::ServiceExt;

use super::fixtures::{
    DOCTOR, PDF, add_entries, call, deposit, grant_all, meta, patient_doctor_nurse, resources,
};
use crate::{TestApp, test_app};

/// `GET uri` with the session `cookie` and `accept`: the status, the media type and the body.
async fn fhir_get(
    app: &TestApp,
    uri: &str,
    cookie: Option<&str>,
    accept: &str,
) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::get(uri).header(header::ACCEPT, accept);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let media = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, media, body)
}

/// A FHIR answer: its status and its JSON, checked to be FHIR's media type.
async fn read(app: &TestApp, uri: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let (status, media, body) = fhir_get(app, uri, cookie, "application/fhir+json").await;
    assert_eq!(media, "application/fhir+json", "{uri}: {}", String::from_utf8_lossy(&body));
    (status, serde_json::from_slice(&body).unwrap())
}

/// A refusal: an `OperationOutcome` with `code`, and the stable code of the app's API.
fn assert_outcome(body: &Value, code: &str, context: &str) {
    assert_eq!(body["resourceType"], "OperationOutcome", "{context}: {body}");
    assert_eq!(body["issue"][0]["severity"], "error", "{context}");
    assert_eq!(body["issue"][0]["code"], code, "{context}: {body}");
}

fn matched(bundle: &Value) -> Vec<&Value> {
    assert_eq!(bundle["type"], "searchset", "{bundle}");
    bundle["entry"].as_array().unwrap().iter().map(|entry| &entry["resource"]).collect()
}

/// The address of a bundle's link, under the endpoint, as the test router takes it.
fn link(bundle: &Value, relation: &str) -> Option<String> {
    let links = bundle["link"].as_array()?;
    let url = links.iter().find(|link| link["relation"] == relation)?["url"].as_str()?;
    Some(url[url.find("/fhir/r4/")?..].to_owned())
}

async fn audited(app: &TestApp, action: AuditAction) -> Vec<AuditEntry> {
    let log = app.store.audit_log().await.unwrap();
    log.iter()
        .map(|stored| serde_json::from_slice::<AuditEntry>(&stored.entry).unwrap())
        .filter(|entry| entry.action == action.as_str())
        .collect()
}

#[tokio::test]
async fn the_endpoint_reads_and_searches_a_record_as_the_asker_may_read_it() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let profile = format!("/api/records/{record}/profile");
    let ids = add_entries(&app, &record, &patient, [
        json!({ "section": "allergy", "substance": "Ézétimibe", "reaction": "urticaire", "severity": "severe" }),
        json!({ "section": "treatment", "substance": "Kardégic", "dose": "75 mg le matin", "since": "2026-01-05" }),
        json!({ "section": "condition", "name": "Asthme secret", "since": "2001-09-01" }),
    ])
    .await;
    let masked = format!("{profile}/{}/mask", ids[2]);
    assert!(call(&app, &masked, json!({ "masked": true }), &patient).await.status.is_success());
    let report = meta("Compte rendu de consultation", "reports", "application/pdf", PDF.len());
    assert!(deposit(&app, &record, &doctor, report, PDF, 1024).await.status.is_success());
    let (mine, doctors, nurses) =
        (Some(patient.0.as_str()), Some(doctor.0.as_str()), Some(nurse.0.as_str()));

    // The patient: her own resource, under her record's identifier.
    let (status, me) = read(&app, &format!("/fhir/r4/Patient/{record}"), mine).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!((&me["resourceType"], &me["id"]), (&json!("Patient"), &json!(record.as_str())));
    assert_eq!(me["name"][0]["family"], "Martin");

    // A search: the record named or, for the patient's own session, her own.
    let named = format!("/fhir/r4/AllergyIntolerance?patient=Patient/{record}");
    let (status, found) = read(&app, &named, mine).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let [allergy] = matched(&found)[..] else { panic!("one allergy: {found}") };
    assert_eq!(found["total"], 1);
    assert_eq!(allergy["code"]["coding"][0]["code"], "73242", "coded as in the export");
    let id = allergy["id"].as_str().unwrap();
    assert_eq!(id.len(), 64, "the record's identifier, then the entry's");
    assert!(id.starts_with(record.as_str()) && id.ends_with(&ids[0]));
    let url = found["entry"][0]["fullUrl"].as_str().unwrap();
    assert!(url.ends_with(&format!("/fhir/r4/AllergyIntolerance/{id}")), "{url}");
    assert_eq!(found["entry"][0]["search"]["mode"], "match");
    let (_, own) = read(&app, "/fhir/r4/AllergyIntolerance", mine).await;
    assert_eq!(own["total"], 1);
    // Read back by its identifier: the same resource; references are the endpoint's.
    let (status, again) = read(&app, &format!("/fhir/r4/AllergyIntolerance/{id}"), mine).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&again, allergy);
    assert_eq!(again["patient"]["reference"], format!("Patient/{record}"));
    let (_, statement) = read(&app, "/fhir/r4/MedicationStatement", mine).await;
    let reference = matched(&statement)[0]["medicationReference"]["reference"].as_str().unwrap();
    let (status, medication) = read(&app, &format!("/fhir/r4/{reference}"), mine).await;
    assert_eq!(status, StatusCode::OK, "{reference} resolves: {medication}");
    assert_eq!(medication["code"]["text"], "Kardégic");

    // The document: searched by its category, its LOINC type and its date; its file a Binary.
    let documents = format!("/fhir/r4/DocumentReference?patient={record}");
    for (query, count) in [
        ("", 1),
        ("&category=reports", 1),
        ("&category=prescriptions", 0),
        ("&type=http://loinc.org|11502-2", 1),
        ("&type=http://snomed.info/sct|11502-2", 0),
        ("&date=ge2000-01-01", 1),
        ("&date=lt2000", 0),
        ("&_lastUpdated=gt2100-01-01T00:00:00Z", 0),
    ] {
        let (status, found) = read(&app, &format!("{documents}{query}"), doctors).await;
        assert_eq!(status, StatusCode::OK, "{query}: {found}");
        assert_eq!(found["total"], count, "{query}");
    }
    let (_, found) = read(&app, &documents, mine).await;
    let document = matched(&found)[0];
    let binary = document["content"][0]["attachment"]["url"].as_str().unwrap();
    assert_eq!(binary, format!("Binary/{}", document["id"].as_str().unwrap()));
    let (status, wrapped) = read(&app, &format!("/fhir/r4/{binary}"), mine).await;
    assert_eq!(status, StatusCode::OK);
    use base64::Engine;
    let data = wrapped["data"].as_str().unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(data).unwrap(), PDF);
    let (status, media, bytes) = fhir_get(&app, &format!("/fhir/r4/{binary}"), mine, "*/*").await;
    assert_eq!(
        (status, media.as_str(), bytes.as_slice()),
        (StatusCode::OK, "application/pdf", PDF)
    );

    // The doctor: never the masked entry, by search or by its identifier, which answers like
    // one that does not exist.
    let (_, theirs) = read(&app, &format!("/fhir/r4/Condition?patient={record}"), doctors).await;
    assert_eq!(theirs["total"], 0, "{theirs}");
    let (_, hers) = read(&app, "/fhir/r4/Condition", mine).await;
    let condition = matched(&hers)[0]["id"].as_str().unwrap().to_owned();
    let by_id = format!("/fhir/r4/Condition/{condition}");
    let (status, refused) = read(&app, &by_id, doctors).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_outcome(&refused, "not-found", "a masked entry");
    let missing = format!("/fhir/r4/Condition/{record}{}", "0".repeat(32));
    let (status, nothing) = read(&app, &missing, doctors).await;
    assert_eq!((status, &nothing), (StatusCode::NOT_FOUND, &refused), "the same answer");
    // A professional names the patient.
    let (status, unnamed) = read(&app, "/fhir/r4/Condition", doctors).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_outcome(&unnamed, "invalid", "no patient");
    assert_eq!(unnamed["issue"][0]["expression"], json!(["patient"]));
    // The nurse, without the patient's grant: nothing of the record, not even whom it is of.
    let (status, _) = read(&app, &format!("/fhir/r4/Patient/{record}"), nurses).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = read(&app, &format!("/fhir/r4/Patient/{record}/$summary"), nurses).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, nothing) = read(&app, &format!("{documents}&_count=5"), nurses).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no record to her: {nothing}");
    // Another patient: no such record, whatever she asks.
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    let theirs = Some(other.0.as_str());
    for uri in [
        format!("/fhir/r4/Patient/{record}"),
        documents.clone(),
        by_id.clone(),
        format!("/fhir/r4/{binary}"),
    ] {
        let (status, body) = read(&app, &uri, theirs).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_outcome(&body, "not-found", &uri);
    }
    let (_, own) = read(&app, "/fhir/r4/DocumentReference", theirs).await;
    assert_eq!(own["total"], 0, "her own record, empty");

    // Every answer left its entry: searches by type, reads by item.
    let searches = audited(&app, AuditAction::FhirSearch).await;
    assert!(searches.iter().any(|entry| entry.item.as_deref() == Some("DocumentReference")
        && entry.actor.id.as_deref() == Some(DOCTOR)));
    let reads = audited(&app, AuditAction::FhirRead).await;
    assert!(
        reads.iter().any(|e| e.item.as_deref() == Some(ids[0].as_str()) && e.outcome == "allowed")
    );
    assert!(reads.iter().any(|e| e.outcome == "denied" && e.actor.id.as_deref() == Some(DOCTOR)));
    let files = audited(&app, AuditAction::DocumentRead).await;
    assert_eq!(files.len(), 2, "the file, read twice");
}

#[tokio::test]
async fn searches_are_paged_and_the_operations_answer_the_summary_and_the_whole_record() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let profile = format!("/api/records/{record}/profile");
    for substance in ["Pénicilline", "Ézétimibe", "Arachide"] {
        let entry = json!({ "section": "allergy", "substance": substance, "reaction": "", "severity": "mild" });
        let added = call(&app, &profile, json!({ "entry": entry }), &patient).await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    }
    let mine = Some(patient.0.as_str());

    // Two at a time: two pages, then one, each found once.
    let mut seen = Vec::new();
    let mut next = Some(format!("/fhir/r4/AllergyIntolerance?patient={record}&_count=2"));
    let mut pages = 0;
    while let Some(uri) = next {
        let (status, page) = read(&app, &uri, mine).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {page}");
        assert_eq!(page["total"], 3);
        seen.extend(matched(&page).iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        next = link(&page, "next");
        pages += 1;
        if pages == 2 {
            assert!(link(&page, "previous").is_some());
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
    let (_, counted) =
        read(&app, &format!("/fhir/r4/AllergyIntolerance?patient={record}&_count=0"), mine).await;
    assert_eq!((counted["total"].as_u64(), matched(&counted).len()), (Some(3), 0));

    // `$everything`: the whole record, paged the same way, the patient in it.
    let everything = format!("/fhir/r4/Patient/{record}/$everything");
    let (status, all) = read(&app, &everything, mine).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let kinds: Vec<&str> =
        matched(&all).iter().map(|r| r["resourceType"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"Patient")
            && kinds.iter().filter(|k| **k == "AllergyIntolerance").count() == 3
    );
    assert_eq!(all["total"].as_u64(), Some(kinds.len() as u64), "one page holds it all");
    let (_, first) = read(&app, &format!("{everything}?_count=1"), mine).await;
    assert_eq!(matched(&first).len(), 1);
    assert!(link(&first, "next").unwrap().contains("/$everything?"));
    let (status, refused) = read(&app, &format!("{everything}?category=x"), mine).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_outcome(&refused, "invalid", "$everything takes the page parameters only");

    // `$summary`: the IPS document, its composition first.
    let (status, summary) = read(&app, &format!("/fhir/r4/Patient/{record}/$summary"), mine).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["type"], "document");
    assert_eq!(summary["entry"][0]["resource"]["resourceType"], "Composition");
    assert_eq!(resources(&summary, "AllergyIntolerance").len(), 3);
    assert_eq!(audited(&app, AuditAction::SummaryExport).await.len(), 1);
    let answered = audited(&app, AuditAction::RecordExport).await.len();
    assert_eq!(answered, 2, "each $everything that read the record");
}

#[tokio::test]
async fn every_refusal_is_an_operation_outcome_that_quotes_nothing_back() {
    let app = test_app().await;
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let mine = Some(patient.0.as_str());
    let me = format!("/fhir/r4/Patient/{record}");
    let many_codes = format!("/fhir/r4/Observation?code={}", vec!["x"; 21].join(","));
    let many_parameters = format!("/fhir/r4/Observation?{}", vec!["code=x"; 33].join("&"));

    let (status, body) = read(&app, &me, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_outcome(&body, "login", "no session");
    assert_eq!(body["issue"][0]["details"]["coding"][0]["code"], "unauthenticated");

    for (uri, status, code) in [
        ("/fhir/r4/Nonsense", StatusCode::NOT_FOUND, "not-found"),
        ("/fhir/r4/Patient/not-an-identifier", StatusCode::NOT_FOUND, "not-found"),
        (&format!("{me}/$nonsense") as &str, StatusCode::NOT_FOUND, "not-found"),
        ("/fhir/r4/Observation?secretword=1", StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/Observation?_sort=date", StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/Observation?date=secretword", StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/Observation?_count=many", StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/Observation?_format=xml", StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/Observation?_offset=18446744073709551615", StatusCode::BAD_REQUEST, "invalid"),
        (&many_codes as &str, StatusCode::BAD_REQUEST, "invalid"),
        (&many_parameters as &str, StatusCode::BAD_REQUEST, "invalid"),
        ("/fhir/r4/DocumentReference?code=x", StatusCode::BAD_REQUEST, "invalid"),
        (
            "/fhir/r4/Observation?patient=Practitioner/secretword",
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
    ] {
        let (got, body) = read(&app, uri, mine).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_outcome(&body, code, uri);
        assert!(!body.to_string().contains("secretword"), "{uri} quoted back: {body}");
    }
    // A parameter the endpoint knows is named; one it does not know is not.
    let (_, date) = read(&app, "/fhir/r4/Observation?date=secretword", mine).await;
    assert_eq!(date["issue"][0]["expression"], json!(["date"]));
    let (_, unknown) = read(&app, "/fhir/r4/Observation?secretword=1", mine).await;
    assert_eq!(unknown["issue"][0]["expression"], json!(["search"]));

    // Asked compressed, answered as it is: the endpoint's answers are never compressed (their
    // links hold the search's own words), its refusals included.
    let request = Request::get("/fhir/r4/Observation?secretword=1")
        .header(header::COOKIE, &patient.0)
        .header(header::ACCEPT_ENCODING, "gzip, br");
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["issue"][0]["details"]["coding"][0]["code"], "input");

    // What the framework answers itself: a method the endpoint does not serve.
    let request = Request::delete(&me).header(header::COOKIE, &patient.0);
    let request = request.header("x-csrf-token", &patient.1).body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/fhir+json");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_outcome(&body, "not-supported", "DELETE");
}

#[tokio::test]
async fn the_capability_statement_says_what_the_endpoint_does_and_the_codes_it_uses() {
    let app = test_app().await;
    let (status, statement) = read(&app, "/fhir/r4/metadata", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");
    let rest = &statement["rest"][0];
    let types: Vec<&str> =
        rest["resource"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    for kind in [
        "Patient",
        "AllergyIntolerance",
        "Condition",
        "MedicationStatement",
        "MedicationDispense",
        "ExplanationOfBenefit",
        "Immunization",
        "Observation",
        "Device",
        "DocumentReference",
        "Binary",
        "Provenance",
    ] {
        assert!(types.contains(&kind), "{kind}");
    }
    // Each type's search parameters are those its searches accept, and only those.
    let (patient, record, _, _) = patient_doctor_nurse(&app).await;
    let mine = patient.0;
    for resource in rest["resource"].as_array().unwrap() {
        let kind = resource["type"].as_str().unwrap();
        let searches =
            resource["interaction"].as_array().unwrap().iter().any(|i| i["code"] == "search-type");
        for param in resource["searchParam"].as_array().unwrap() {
            let name = param["name"].as_str().unwrap();
            let value = match param["type"].as_str().unwrap() {
                "date" => "ge2000-01-01",
                "reference" => record.as_str(),
                _ => "x",
            };
            let uri = format!("/fhir/r4/{kind}?{name}={value}");
            let (status, body) = read(&app, &uri, Some(&mine)).await;
            assert!(searches, "{kind}");
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        }
        let (status, body) = read(&app, &format!("/fhir/r4/{kind}?unlisted=x"), Some(&mine)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
    }
    // What it writes: documents created, profile entries created and replaced.
    let interactions = |kind: &str| -> Vec<String> {
        let resource =
            rest["resource"].as_array().unwrap().iter().find(|r| r["type"] == kind).unwrap();
        resource["interaction"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(interactions("AllergyIntolerance"), ["read", "create", "update", "search-type"]);
    assert_eq!(interactions("DocumentReference"), ["read", "create", "search-type"]);
    assert_eq!(interactions("Binary"), ["read"]);
    assert_eq!(interactions("ExplanationOfBenefit"), ["read", "search-type"]);
    // The code systems its resources use.
    let systems = statement["extension"][0]["extension"].to_string();
    for system in
        ["http://loinc.org", app::safety::medicines::SUBSTANCE_SYSTEM, "urn:oid:1.2.250.1.71.4.2.1"]
    {
        assert!(systems.contains(system), "{system}");
    }
}

/// A report as a professional's software would send it: its file inside.
fn report(record: &str, bytes: &[u8], media: &str) -> Value {
    use base64::Engine;
    json!({
        "resourceType": "DocumentReference",
        "status": "current",
        "type": { "coding": [{ "system": "http://loinc.org", "code": "11502-2" }] },
        "category": [{ "coding": [{
            "system": "http://localhost/fhir/CodeSystem/document-category", "code": "reports" }] }],
        "subject": { "reference": format!("Patient/{record}") },
        "description": "Bilan sanguin",
        "context": { "period": { "start": "2024-11-30" } },
        "content": [{ "attachment": {
            "contentType": media,
            "data": base64::engine::general_purpose::STANDARD.encode(bytes),
        } }],
    })
}

#[tokio::test]
async fn a_professional_s_software_deposits_a_document_once_through_the_same_checks() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let endpoint = "/fhir/r4/DocumentReference";
    let sent = report(record.as_str(), PDF, "application/pdf");

    let created = call(&app, endpoint, sent.clone(), &doctor).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.headers[header::CONTENT_TYPE], "application/fhir+json");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let location = created.headers[header::LOCATION].to_str().unwrap();
    assert!(location.ends_with(&format!("/fhir/r4/DocumentReference/{id}")), "{location}");
    assert_eq!(created.body["description"], "Bilan sanguin");
    assert_eq!(created.body["type"]["coding"][0]["code"], "11502-2");
    assert_eq!(created.body["context"]["period"]["start"], "2024-11-30");
    // In the patient's record, as a deposit from the app would be, its file whole.
    let listed = super::fixtures::listed(&app, &record, &patient).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0]["title"], &listed[0]["category"]),
        (&json!("Bilan sanguin"), &json!("reports"))
    );
    let (status, media, bytes) =
        fhir_get(&app, &format!("/fhir/r4/Binary/{id}"), Some(&patient.0), "*/*").await;
    assert_eq!(
        (status, media.as_str(), bytes.as_slice()),
        (StatusCode::OK, "application/pdf", PDF)
    );
    assert_eq!(audited(&app, AuditAction::DocumentDeposit).await.len(), 1);

    // Sent again (an answer lost on the way): the same document, nothing added.
    let again = call(&app, endpoint, sent.clone(), &doctor).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(super::fixtures::listed(&app, &record, &patient).await.len(), 1);

    // Refused as the app's deposit refuses: bytes that are not what they say, a nurse the
    // patient did not grant, a request without its CSRF token; and what this endpoint does not
    // create.
    let lying =
        call(&app, endpoint, report(record.as_str(), b"not a PDF", "application/pdf"), &doctor)
            .await;
    assert_eq!(lying.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", lying.body);
    assert_outcome(&lying.body, "invalid", "not a PDF");
    let refused =
        call(&app, endpoint, report(record.as_str(), PDF, "application/pdf"), &nurse).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_outcome(&refused.body, "forbidden", "not granted");
    let forged =
        super::fixtures::post(&app.router, endpoint, sent.clone(), Some(&doctor.0), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_outcome(&forged.body, "forbidden", "no CSRF token");
    let other =
        call(&app, "/fhir/r4/Practitioner", json!({ "resourceType": "Practitioner" }), &doctor)
            .await;
    assert_eq!(other.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_outcome(&other.body, "not-supported", "Practitioner");
    let unnamed =
        call(&app, endpoint, json!({ "resourceType": "DocumentReference" }), &doctor).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unnamed.body["issue"][0]["expression"], json!(["subject"]));
    assert_eq!(super::fixtures::listed(&app, &record, &patient).await.len(), 1, "nothing more");

    // A second document: the search pages them, newest care first, one at a time.
    let mut later = report(record.as_str(), b"%PDF-1.4 second", "application/pdf");
    later["context"]["period"]["start"] = json!("2025-01-15");
    later["description"] = json!("Radiographie");
    assert_eq!(call(&app, endpoint, later, &doctor).await.status, StatusCode::CREATED);
    let first = format!("{endpoint}?patient={record}&_count=1");
    let (_, page) = read(&app, &first, Some(&doctor.0)).await;
    assert_eq!((page["total"].as_u64(), matched(&page).len()), (Some(2), 1));
    assert_eq!(matched(&page)[0]["description"], "Radiographie");
    let (_, next) = read(&app, &link(&page, "next").unwrap(), Some(&doctor.0)).await;
    assert_eq!(matched(&next)[0]["description"], "Bilan sanguin");
    assert!(link(&next, "next").is_none());
    let (_, typed) = read(&app, &format!("{first}&type=11502-2&_count=5"), Some(&doctor.0)).await;
    assert_eq!(typed["total"], 2, "both typed");
}

#[tokio::test]
async fn an_app_adds_profile_entries_once_as_the_form_would() {
    let app = test_app().await;
    let (patient, record, _, nurse) = patient_doctor_nurse(&app).await;
    let allergy = json!({
        "resourceType": "AllergyIntolerance",
        "patient": { "reference": format!("Patient/{record}") },
        "code": { "text": "Pénicilline" },
        "reaction": [{ "manifestation": [{ "text": "œdème" }], "severity": "severe" }],
    });
    let created = call(&app, "/fhir/r4/AllergyIntolerance", allergy.clone(), &patient).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let location = created.headers[header::LOCATION].to_str().unwrap();
    assert!(location.ends_with(&format!("/fhir/r4/AllergyIntolerance/{id}")));
    assert_eq!(created.body["code"]["text"], "Pénicilline");
    let again = call(&app, "/fhir/r4/AllergyIntolerance", allergy.clone(), &patient).await;
    assert_eq!((again.status, &again.body["id"]), (StatusCode::OK, &json!(id)));
    let (_, profile) = read(&app, "/fhir/r4/AllergyIntolerance", Some(&patient.0)).await;
    assert_eq!(profile["total"], 1, "added once");
    assert_eq!(matched(&profile)[0]["meta"]["versionId"], "1");

    // Replaced: a new version, from the version the app read; not twice from the same.
    let mut changed = matched(&profile)[0].clone();
    changed["reaction"][0]["manifestation"][0] = json!({ "text": "urticaire géante" });
    let address = format!("/fhir/r4/AllergyIntolerance/{id}");
    let replace = |body: Value, version: &str| {
        let request = Request::put(&address)
            .header(header::COOKIE, &patient.0)
            .header("x-csrf-token", &patient.1)
            .header(header::CONTENT_TYPE, "application/fhir+json")
            .header(header::IF_MATCH, format!("W/\"{version}\""))
            .body(Body::from(body.to_string()))
            .unwrap();
        let router = app.router.clone();
        async move { super::fixtures::reply(router.oneshot(request).await.unwrap()).await }
    };
    let replaced = replace(changed.clone(), "1").await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(replaced.body["meta"]["versionId"], "2");
    assert_eq!(replaced.headers[header::ETAG], "W/\"2\"");
    assert_eq!(replaced.body["reaction"][0]["manifestation"][0]["text"], "urticaire géante");
    let stale = replace(changed.clone(), "1").await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{:?}", stale.body);
    assert_outcome(&stale.body, "conflict", "changed since version 1");
    let mut stranger_s = changed.clone();
    stranger_s["patient"] = json!({ "reference": format!("Patient/{}", "a".repeat(32)) });
    let misnamed = replace(stranger_s, "2").await;
    assert_eq!(misnamed.status, StatusCode::UNPROCESSABLE_ENTITY, "another record's patient");
    assert_eq!(misnamed.body["issue"][0]["expression"], json!(["patient"]));
    let mut elsewhere = changed.clone();
    elsewhere["id"] = json!(format!("{record}{}", "0".repeat(32)));
    let moved = replace(elsewhere, "2").await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY, "another resource's identifier");
    let condition = json!({ "resourceType": "Condition", "code": { "text": "Asthme" },
        "subject": { "reference": format!("Patient/{record}") } });
    let put = Request::put(format!("/fhir/r4/Condition/{id}"))
        .header(header::COOKIE, &patient.0)
        .header("x-csrf-token", &patient.1)
        .header(header::CONTENT_TYPE, "application/fhir+json")
        .body(Body::from(condition.to_string()))
        .unwrap();
    let crossed = super::fixtures::reply(app.router.clone().oneshot(put).await.unwrap()).await;
    assert_eq!(crossed.status, StatusCode::UNPROCESSABLE_ENTITY, "an allergy stays one");
    let missing = Request::put(format!("/fhir/r4/AllergyIntolerance/{record}{}", "0".repeat(32)))
        .header(header::COOKIE, &patient.0)
        .header("x-csrf-token", &patient.1)
        .header(header::CONTENT_TYPE, "application/fhir+json")
        .body(Body::from(allergy.to_string()))
        .unwrap();
    let missing = super::fixtures::reply(app.router.clone().oneshot(missing).await.unwrap()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "a replace creates nothing");

    // Removed in the app, then sent again: a new entry, the same on a retry.
    let remove = format!("/api/records/{record}/profile/{}/remove", &id[32..]);
    let removed = call(&app, &remove, json!({}), &patient).await;
    assert!(removed.status.is_success(), "{:?}", removed.body);
    let readded = call(&app, "/fhir/r4/AllergyIntolerance", allergy.clone(), &patient).await;
    assert_eq!(readded.status, StatusCode::CREATED, "{:?}", readded.body);
    assert_ne!(readded.body["id"], id.as_str());
    let retried = call(&app, "/fhir/r4/AllergyIntolerance", allergy.clone(), &patient).await;
    assert_eq!((retried.status, &retried.body["id"]), (StatusCode::OK, &readded.body["id"]));
    // Another server's patient is none of ours.
    let mut foreign = allergy.clone();
    foreign["patient"]["reference"] = json!(format!("https://other.example/fhir/Patient/{record}"));
    let refused = call(&app, "/fhir/r4/AllergyIntolerance", foreign, &patient).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.body);
    let ours = format!("http://localhost/fhir/r4/Patient/{record}");
    let (status, _) =
        read(&app, &format!("/fhir/r4/AllergyIntolerance?patient={ours}"), Some(&patient.0)).await;
    assert_eq!(status, StatusCode::OK, "our own address");
    let theirs =
        format!("/fhir/r4/AllergyIntolerance?patient=https://other.example/fhir/Patient/{record}");
    let (status, _) = read(&app, &theirs, Some(&patient.0)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A treatment naming its medicine in a contained resource.
    let treatment = json!({
        "resourceType": "MedicationStatement",
        "status": "active",
        "contained": [{ "resourceType": "Medication", "id": "m", "code": { "text": "Kardégic" } }],
        "medicationReference": { "reference": "#m" },
        "subject": { "reference": format!("Patient/{record}") },
        "effectivePeriod": { "start": "2024-01-05" },
        "dosage": [{ "text": "75 mg le matin" }],
    });
    let created = call(&app, "/fhir/r4/MedicationStatement", treatment, &patient).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let medication = created.body["medicationReference"]["reference"].as_str().unwrap();
    let (_, medication) = read(&app, &format!("/fhir/r4/{medication}"), Some(&patient.0)).await;
    assert_eq!(medication["code"]["text"], "Kardégic");

    // What the form would refuse, and who may not write.
    let unmodelled = json!({
        "resourceType": "Observation", "status": "final",
        "subject": { "reference": format!("Patient/{record}") },
        "code": { "coding": [{ "system": "http://loinc.org", "code": "99999-9" }] },
    });
    let refused = call(&app, "/fhir/r4/Observation", unmodelled, &patient).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.body);
    assert_eq!(refused.body["issue"][0]["expression"], json!(["resource"]));
    let future = json!({
        "resourceType": "Condition",
        "subject": { "reference": format!("Patient/{record}") },
        "code": { "text": "Asthme" },
        "onsetDateTime": "2999-01-01",
    });
    let refused = call(&app, "/fhir/r4/Condition", future.clone(), &patient).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.body);
    let mut valid = future.clone();
    valid["onsetDateTime"] = json!("2001-09-01");
    let stranger = call(&app, "/fhir/r4/Condition", valid, &nurse).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN, "{:?}", stranger.body);
    assert_outcome(&stranger.body, "forbidden", "a nurse not granted");
    let (_, conditions) = read(&app, "/fhir/r4/Condition", Some(&patient.0)).await;
    assert_eq!(conditions["total"], 0, "nothing refused was written");
    let unserved =
        call(&app, "/fhir/r4/Patient", json!({ "resourceType": "Patient" }), &patient).await;
    assert_eq!(unserved.status, StatusCode::METHOD_NOT_ALLOWED);
}
