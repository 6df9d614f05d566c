//! The whole record as the asker may read it, in one FHIR R4 `Bundle` of type `collection`, to
//! keep or to take to another system: the `Patient`; each health-profile entry as its resource
//! (`AllergyIntolerance`, `MedicationStatement` with its `Medication`, `Condition`,
//! `Immunization`, `Observation`, `Device` with its `DeviceUseStatement`); each document as a
//! `DocumentReference` whose content is a `Binary` in the bundle (the original file's bytes);
//! who wrote each as a `Provenance` (the patient, a `Practitioner` by RPPS, or the insurer); and
//! the care the insurer reported, as `MedicationDispense` and `ExplanationOfBenefit`.
//! Through the same policy as the list, the profile and the content: nothing the asker may not
//! read is in it. An item's resource has the item's own identifier, so the same item is the
//! same entry in every export.

use std::collections::BTreeMap;

use app::{
    api::{care::CareLine, profile::Entry, record::AuthorInfo},
    policy::Action,
    safety::medicines::Medicines,
    summary::{PatientLine, fhir},
    vocabulary::CareKind,
};
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::content::content_of;
use super::documents::{decide_for, info, item_of};
use crate::asker::{Asker, Names, trace};
use crate::audit::AuditAction;
use crate::store::{DocumentFacts, DocumentId};
use crate::{AppState, error::ApiError, extract::Origin};

/// Largest export, in bytes of document content: a larger record is saved document by document.
pub const EXPORT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// `GET /api/records/{record}/export`: the bundle, as a file to save.
pub async fn export(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Response, ApiError> {
    let bundle = bundle(&state, &asker).await?;
    trace::read(&state, &asker, &origin, AuditAction::RecordExport, None, None).await?;
    let mut response = bundle.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/fhir+json"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"carnet-dossier.fhir.json\""),
    );
    Ok(response)
}

/// The entries of the bundle as they are gathered, and the authors they name, once each.
struct Collection {
    entries: Vec<Value>,
    /// Who wrote what: an author's key (`patient`, an RPPS, `insurer`) → its reference.
    authors: BTreeMap<String, String>,
    patient: String,
}

impl Collection {
    fn push(&mut self, uuid: &str, resource: Value) {
        self.entries.push(json!({ "fullUrl": fhir::urn(uuid), "resource": resource }));
    }

    /// The reference of an author, its resource added the first time it is named.
    fn author(&mut self, author: &AuthorInfo, stem: &str) -> String {
        let (key, resource) = match author {
            AuthorInfo::Patient => return self.patient.clone(),
            AuthorInfo::Professional { rpps, name } => {
                // The name as the directory writes it, whole (cut in two, a given name of two
                // words would lose one to the family name).
                let mut practitioner = fhir::practitioner(rpps, "", "");
                if !name.is_empty() {
                    practitioner["name"] = json!([{ "text": name }]);
                }
                (rpps.clone(), practitioner)
            }
            AuthorInfo::Insurer => (
                "insurer".to_owned(),
                json!({ "resourceType": "Organization", "name": "Assurance maladie" }),
            ),
        };
        if let Some(reference) = self.authors.get(&key) {
            return reference.clone();
        }
        // Derived from the author, not from the order they come in: the same author has the
        // same identifier in every answer (the FHIR endpoint's reads by identifier).
        let uuid = uuid_of(&format!("{stem}/author/{key}"));
        self.push(&uuid, resource);
        let reference = fhir::urn(&uuid);
        self.authors.insert(key, reference.clone());
        reference
    }

    /// Who wrote `target`, and when.
    fn provenance(&mut self, target: &str, author: &AuthorInfo, at: i64, stem: &str) {
        let who = self.author(author, stem);
        let uuid = derived(&uuid_of(target.trim_start_matches("urn:uuid:")), 0xffff_ffff);
        self.push(
            &uuid,
            json!({
                "resourceType": "Provenance",
                "target": [{ "reference": target }],
                "recorded": fhir::instant(at),
                "agent": [{ "who": { "reference": who } }],
            }),
        );
    }
}

/// The extension that says an allergy's severity as Carnet has it (`mild`, `moderate`,
/// `severe`, `life_threatening`), beyond FHIR's three words for a reaction.
pub fn severity_extension(state: &AppState) -> String {
    format!("{}{SEVERITY_EXTENSION_PATH}", state.public_origin)
}

/// Where [`severity_extension`] lives under the server's address.
pub const SEVERITY_EXTENSION_PATH: &str = "/fhir/StructureDefinition/allergy-severity";

/// A Carnet identifier (32 hex digits) as a UUID.
fn uuid_of(id: &str) -> String {
    match uuid::Uuid::try_parse(id) {
        Ok(uuid) => uuid.hyphenated().to_string(),
        // Not one of ours (never, but no panic): a UUID made from its text's digest.
        Err(_) => {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(id.as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            fhir::uuid_v4(bytes)
        }
    }
}

/// The `n`-th identifier derived from the UUID `stem`: its first 24 characters, then `n`.
fn derived(stem: &str, n: u64) -> String {
    format!("{}{n:012x}", stem.get(..24).unwrap_or("00000000-0000-4000-8000-"))
}

async fn bundle(state: &AppState, asker: &Asker) -> Result<Value, ApiError> {
    Ok(json!({
        "resourceType": "Bundle",
        "identifier": { "system": "urn:ietf:rfc:3986", "value": fhir::urn(&fhir::uuid_v4(rand::random())) },
        "type": "collection",
        "timestamp": fhir::instant(state.clock.now()),
        "entry": entries(state, asker, Parts::ALL).await?,
    }))
}

/// What of the record a collection holds: the `Patient` and the health profile always (the
/// patient's contacts are profile entries), the rest as asked.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    pub documents: Documents<'a>,
    pub care: bool,
}

impl Parts<'_> {
    pub const ALL: Self = Self { documents: Documents::All(Files::Inside), care: true };
}

/// Which documents a collection holds.
#[derive(Clone, Copy)]
pub enum Documents<'a> {
    None,
    /// Every one the asker may read.
    All(Files),
    /// Those of a page, described only, in this order (those the asker may not read left out).
    Among(&'a [DocumentId]),
}

/// Whether the documents' files are in the collection.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Each document's bytes in a `Binary` beside it, which its attachment names.
    Inside,
    /// Described only: read one by one (the FHIR endpoint's `Binary`), never decrypted here.
    Apart,
}

/// The entries of the record as the asker may read it (`fullUrl` and `resource`), each item's
/// own resource with the moment it was last written as `meta.lastUpdated`.
pub(crate) async fn entries(
    state: &AppState,
    asker: &Asker,
    parts: Parts<'_>,
) -> Result<Vec<Value>, ApiError> {
    let record = &asker.record;
    let patient_uuid = uuid_of(&record.id);
    let subject = json!({ "reference": fhir::urn(&patient_uuid) });
    let mut collection = Collection {
        entries: Vec::new(),
        authors: BTreeMap::new(),
        patient: fhir::urn(&patient_uuid),
    };

    // The health profile: current entries only (a removed one stays in the app's history).
    let entries: Vec<_> = crate::profile::readable_entries(state, asker)
        .await?
        .into_iter()
        .filter(|info| !info.removed)
        .collect();
    let contacts: Vec<&Entry> = entries
        .iter()
        .map(|info| &info.entry)
        .filter(|entry| matches!(entry, Entry::EmergencyContact { .. }))
        .collect();
    // The regular doctor is part of the record's sharing: named to whoever may read it.
    let sharing = app::policy::Item::about(app::vocabulary::Subject::Sharing);
    let doctor = match &record.regular_doctor {
        Some(rpps) if asker.decide(state, Action::Read, &sharing).allowed() => {
            state.store.professional(rpps).await?.map(|found| found.professional)
        }
        _ => None,
    };
    let doctor_uuid = doctor.as_ref().map(|_| derived(&patient_uuid, 0xfffe));
    let line = PatientLine {
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        birth_date: record.birth_date.clone(),
    };
    collection.push(&patient_uuid, fhir::patient(&line, &contacts, doctor_uuid.as_deref()));
    if let (Some(doctor), Some(uuid)) = (&doctor, &doctor_uuid) {
        let practitioner =
            fhir::practitioner(doctor.rpps.as_str(), &doctor.given_name, &doctor.family_name);
        collection.push(uuid, practitioner);
        collection.authors.insert(doctor.rpps.to_string(), fhir::urn(uuid));
    }
    let medicines = Some(Medicines::embedded());
    for info in &entries {
        let uuid = uuid_of(&info.id);
        let mut resources = fhir::entry_resources(&info.entry, &subject, &uuid, medicines);
        if resources.is_empty() {
            continue;
        }
        resources[0].1["meta"] = json!({
            "versionId": info.version.to_string(),
            "lastUpdated": fhir::instant(info.written_at),
        });
        if let Entry::Allergy { severity, .. } = &info.entry {
            // FHIR says a reaction's severity in three words, only when there is a reaction:
            // Carnet's four, said always.
            resources[0].1["extension"] = json!([{
                "url": severity_extension(state),
                "valueCode": severity,
            }]);
        }
        for (id, resource) in resources {
            collection.push(&id, resource);
        }
        collection.provenance(&fhir::urn(&uuid), &info.author, info.written_at, &patient_uuid);
    }

    // The documents: each described, its bytes beside it.
    let mut names = Names::new();
    let mut total = 0;
    let (documents, files) = match parts.documents {
        Documents::None => (Vec::new(), Files::Apart),
        Documents::All(files) => (state.store.documents(&record.id).await?, files),
        Documents::Among(ids) => {
            let wanted: Vec<&DocumentId> = ids.iter().collect();
            let mut found = state.store.documents_among(&record.id, &wanted).await?;
            found.sort_by_key(|document| ids.iter().position(|id| *id == document.id));
            (found, Files::Apart)
        }
    };
    for document in documents {
        if !decide_for(state, asker, Action::Read, &item_of(&document)).allowed() {
            continue;
        }
        let described = info(state, &document, &mut names).await?;
        let uuid = uuid_of(&described.id);
        let binary = derived(&uuid, 1);
        let author = collection.author(&described.author, &patient_uuid);
        let url = (files == Files::Inside).then(|| fhir::urn(&binary));
        let reference = document_reference(state, &described, &subject, &author, url.as_deref());
        collection.push(&uuid, reference);
        if files == Files::Inside {
            total += document.upload.size;
            if total > EXPORT_MAX_BYTES {
                return Err(ApiError::TooLarge);
            }
            let content = content_of(state, &document.upload).await?;
            collection.push(&binary, binary_resource(described.media_type.as_str(), &content));
        }
        collection.provenance(
            &fhir::urn(&uuid),
            &described.author,
            described.deposited_at,
            &patient_uuid,
        );
    }

    // The care the insurer reported: each medicine dispensed, each care reimbursed.
    let lines = match parts.care {
        true => crate::feed::history::readable_lines(state, asker).await?,
        false => Vec::new(),
    };
    for line in lines {
        let uuid = uuid_of(&line.id);
        // Who reported it is in the resource (its insurer, or the pharmacy's dispense).
        collection.push(&uuid, care_resource(&line, &subject));
    }
    Ok(collection.entries)
}

/// A line of the insurer's feed: a `MedicationDispense` for a medicine dispensed, an
/// `ExplanationOfBenefit` for any other care, what was charged and paid back with it.
fn care_resource(line: &CareLine, subject: &Value) -> Value {
    let mut concept = json!({ "text": line.label });
    if let Some(code) = &line.code {
        concept["coding"] = json!([{ "system": code.system, "code": code.code }]);
    }
    let date = line.date.to_string();
    if line.kind == CareKind::Pharmacy {
        let mut dispense = json!({
            "resourceType": "MedicationDispense",
            "status": "completed",
            "medicationCodeableConcept": concept,
            "subject": subject,
            "whenHandedOver": date,
        });
        if let Some(quantity) = line.quantity {
            dispense["quantity"] = json!({ "value": quantity });
        }
        if let Some(days) = line.days_supply {
            dispense["daysSupply"] =
                json!({ "value": days, "unit": "d", "system": fhir::UCUM, "code": "d" });
        }
        if let Some(prescriber) = &line.prescriber {
            dispense["authorizingPrescription"] = json!([{ "display": prescriber }]);
        }
        return dispense;
    }
    let kind = if line.kind == CareKind::Hospital { "institutional" } else { "professional" };
    let euros = |cents: i64| json!({ "value": cents as f64 / 100.0, "currency": "EUR" });
    let mut item = json!({ "sequence": 1, "productOrService": concept, "servicedDate": date });
    if let Some(charged) = line.charged_cents {
        item["net"] = euros(charged);
    }
    let mut benefit = json!({
        "resourceType": "ExplanationOfBenefit",
        "status": "active",
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
            "code": kind,
        }] },
        "use": "claim",
        "patient": subject,
        "created": date,
        "insurer": { "display": "Assurance maladie" },
        "provider": { "display": line.performer.as_deref().unwrap_or("Assurance maladie") },
        "outcome": "complete",
        "insurance": [{ "focal": true, "coverage": { "display": "Assurance maladie obligatoire" } }],
        "item": [item],
    });
    if let Some(reimbursed) = line.reimbursed_cents {
        benefit["payment"] = json!({ "amount": euros(reimbursed) });
    }
    benefit
}

/// A document's description: its type (LOINC, when it has one) and title, its category in
/// Carnet's vocabulary, who deposited it and when, the day of care, and its content by
/// reference to the `Binary` beside it. A document its author withdrew is `entered-in-error`.
fn document_reference(
    state: &AppState,
    document: &app::api::record::DocumentInfo,
    subject: &Value,
    author: &str,
    binary: Option<&str>,
) -> Value {
    let mut attachment = json!({
        "contentType": document.media_type.as_str(),
        "size": document.size,
        "title": document.title,
    });
    if let Some(binary) = binary {
        attachment["url"] = json!(binary);
    }
    let facts = Facts {
        category: document.category,
        type_code: document.type_code.as_deref(),
        deposited_at: document.deposited_at,
        withdrawn: document.withdrawn,
    };
    let mut reference = described_by_facts(state, &facts);
    reference["type"]["text"] = json!(document.title);
    reference["subject"] = subject.clone();
    reference["author"] = json!([{ "reference": author }]);
    reference["description"] = json!(document.title);
    reference["content"] = json!([{ "attachment": attachment }]);
    reference["context"] = json!({ "period": { "start": document.care_date } });
    reference
}

/// What a document's `DocumentReference` says from its facts alone.
struct Facts<'a> {
    category: app::vocabulary::Category,
    type_code: Option<&'a str>,
    deposited_at: i64,
    withdrawn: bool,
}

fn described_by_facts(state: &AppState, facts: &Facts<'_>) -> Value {
    let mut kind = json!({});
    if let Some(code) = facts.type_code {
        kind["coding"] = json!([{ "system": "http://loinc.org", "code": code }]);
    }
    json!({
        "resourceType": "DocumentReference",
        "meta": { "lastUpdated": fhir::instant(facts.deposited_at) },
        "status": if facts.withdrawn { "entered-in-error" } else { "current" },
        "type": kind,
        "category": [{ "coding": [{
            "system": format!("{}/fhir/CodeSystem/document-category", state.public_origin),
            "code": serde_json::to_value(facts.category).unwrap_or_default(),
        }] }],
        "date": fhir::instant(facts.deposited_at),
    })
}

/// The entry (`fullUrl` and `resource`) of a document's `DocumentReference` as far as its facts
/// say (identifier, type, category, status, date, last change), nothing opened: what a search
/// of many documents filters on before it opens the page it answers. The same values, under the
/// same `fullUrl`, as the whole entry.
pub(crate) fn document_by_facts(state: &AppState, document: &DocumentFacts) -> Value {
    let facts = Facts {
        category: document.category,
        type_code: document.type_code.as_deref(),
        deposited_at: document.deposited_at,
        withdrawn: document.withdrawn,
    };
    json!({
        "fullUrl": fhir::urn(&uuid_of(&document.id)),
        "resource": described_by_facts(state, &facts),
    })
}

fn binary_resource(media_type: &str, content: &[u8]) -> Value {
    use base64::{Engine, engine::general_purpose::STANDARD};
    json!({ "resourceType": "Binary", "contentType": media_type, "data": STANDARD.encode(content) })
}
