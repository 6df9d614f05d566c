//! The record's resources as the endpoint serves them: the export's collection, each resource
//! given its identifier on the endpoint and its references rewritten from the collection's
//! `urn:uuid:` to `Type/id`.

use std::collections::HashMap;

use app::policy::{Action, Item};
use app::vocabulary::Subject;
use serde_json::{Value, json};

use crate::asker::Asker;
use crate::record::{Documents, Files, Parts};
use crate::store::DocumentId;
use crate::{AppState, error::ApiError};

/// The resource types the endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Patient,
    AllergyIntolerance,
    Condition,
    MedicationStatement,
    Medication,
    Immunization,
    Observation,
    Device,
    DeviceUseStatement,
    DocumentReference,
    Binary,
    MedicationDispense,
    ExplanationOfBenefit,
    Provenance,
    Practitioner,
    Organization,
}

impl Kind {
    pub const ALL: [Self; 16] = [
        Self::Patient,
        Self::AllergyIntolerance,
        Self::Condition,
        Self::MedicationStatement,
        Self::Medication,
        Self::Immunization,
        Self::Observation,
        Self::Device,
        Self::DeviceUseStatement,
        Self::DocumentReference,
        Self::Binary,
        Self::MedicationDispense,
        Self::ExplanationOfBenefit,
        Self::Provenance,
        Self::Practitioner,
        Self::Organization,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Patient => "Patient",
            Self::AllergyIntolerance => "AllergyIntolerance",
            Self::Condition => "Condition",
            Self::MedicationStatement => "MedicationStatement",
            Self::Medication => "Medication",
            Self::Immunization => "Immunization",
            Self::Observation => "Observation",
            Self::Device => "Device",
            Self::DeviceUseStatement => "DeviceUseStatement",
            Self::DocumentReference => "DocumentReference",
            Self::Binary => "Binary",
            Self::MedicationDispense => "MedicationDispense",
            Self::ExplanationOfBenefit => "ExplanationOfBenefit",
            Self::Provenance => "Provenance",
            Self::Practitioner => "Practitioner",
            Self::Organization => "Organization",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the endpoint creates resources of this type: documents, and the health
    /// profile's entries.
    pub fn creatable(self) -> bool {
        matches!(
            self,
            Self::DocumentReference
                | Self::AllergyIntolerance
                | Self::Condition
                | Self::MedicationStatement
                | Self::Immunization
                | Self::Observation
                | Self::DeviceUseStatement
        )
    }

    /// What of the record a resource of this type may come from: the documents are read only
    /// for their own types and for the authors they name, the insurer's lines for theirs.
    pub fn parts(self) -> Parts<'static> {
        let documents = matches!(
            self,
            Self::DocumentReference | Self::Provenance | Self::Practitioner | Self::Organization
        );
        let care = matches!(self, Self::MedicationDispense | Self::ExplanationOfBenefit);
        let documents = if documents { Documents::All(Files::Apart) } else { Documents::None };
        Parts { documents, care }
    }
}

/// Whether the asker may know whom the record is of: the `Patient`, and the operations on it.
pub fn patient_readable(state: &AppState, asker: &Asker) -> bool {
    asker.decide(state, Action::Read, &Item::about(Subject::Identity)).allowed()
}

/// The resources of `parts` of the record that the asker may read, each with its `id`.
pub async fn resources(
    state: &AppState,
    asker: &Asker,
    parts: Parts<'_>,
) -> Result<Vec<Value>, ApiError> {
    let record = asker.record.id.as_str();
    let entries = crate::record::fhir_entries(state, asker, parts).await?;
    let mut references = HashMap::new();
    for entry in &entries {
        let (Some(url), Some(kind)) =
            (entry["fullUrl"].as_str(), entry["resource"]["resourceType"].as_str())
        else {
            continue;
        };
        references.insert(url.to_owned(), format!("{kind}/{}", id_of(record, kind, url)));
    }
    let patient = patient_readable(state, asker);
    let mut out = Vec::with_capacity(entries.len());
    for mut entry in entries {
        let url = entry["fullUrl"].as_str().unwrap_or_default().to_owned();
        let mut resource = entry["resource"].take();
        let kind = resource["resourceType"].as_str().unwrap_or_default().to_owned();
        if kind == "Patient" && !patient {
            continue;
        }
        rewrite(&mut resource, &references);
        let id = id_of(record, &kind, &url);
        if kind == "DocumentReference" {
            // The document's file is the `Binary` of the same identifier.
            resource["content"][0]["attachment"]["url"] = json!(format!("Binary/{id}"));
        }
        resource.as_object_mut().map(|members| members.insert("id".to_owned(), json!(id)));
        out.push(resource);
    }
    Ok(out)
}

/// Each document the asker may read, newest care first, with its `DocumentReference` as far as
/// its facts say (identifier, type, category, status, dates: what a search filters on) when
/// `described` asks for it, nothing opened.
pub async fn documents_by_facts(
    state: &AppState,
    asker: &Asker,
    described: bool,
) -> Result<Vec<(DocumentId, Value)>, ApiError> {
    let record = asker.record.id.as_str();
    let facts = state.store.document_facts(&asker.record.id).await?;
    let mut out = Vec::new();
    for document in facts.iter() {
        let item = crate::record::item_of_document(document);
        if !asker.decide(state, Action::Read, &item).allowed() {
            continue;
        }
        if !described {
            out.push((document.id.clone(), Value::Null));
            continue;
        }
        let mut entry = crate::record::document_by_facts(state, document);
        let url = entry["fullUrl"].as_str().unwrap_or_default().to_owned();
        let mut resource = entry["resource"].take();
        resource["id"] = json!(id_of(record, "DocumentReference", &url));
        out.push((document.id.clone(), resource));
    }
    Ok(out)
}

/// A resource's identifier on the endpoint: the record's, then (but for the `Patient`) the
/// digits of its UUID in the collection.
fn id_of(record: &str, kind: &str, url: &str) -> String {
    if kind == "Patient" {
        return record.to_owned();
    }
    let uuid: String = url.trim_start_matches("urn:uuid:").chars().filter(|c| *c != '-').collect();
    format!("{record}{uuid}")
}

/// Every `reference` to an entry of the collection, as the endpoint names it.
fn rewrite(value: &mut Value, references: &HashMap<String, String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                match member {
                    Value::String(text) if name == "reference" => {
                        if let Some(reference) = references.get(text.as_str()) {
                            *text = reference.clone();
                        }
                    }
                    _ => rewrite(member, references),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite(item, references)),
        _ => {}
    }
}
