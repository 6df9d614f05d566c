//! `GET /fhir/r4/metadata`: what the endpoint supports, as a `CapabilityStatement` made from
//! the same tables the endpoint reads requests with (types, search parameters, operations), so
//! that it cannot say more than the endpoint does; and the code systems its resources use.

use axum::{extract::State, http::StatusCode, response::Response};
use serde_json::{Value, json};

use super::search::{Type, parameters};
use super::{BASE, Kind, fhir_json};
use crate::AppState;

/// The code systems of the resources the endpoint serves, and what each codes.
pub const CODE_SYSTEMS: [(&str, &str); 12] = [
    ("http://loinc.org", "document types, measurements, results, summary sections"),
    ("http://unitsofmeasure.org", "units of measurements and durations"),
    (app::safety::medicines::SUBSTANCE_SYSTEM, "substances of medicines and allergies (ANSM)"),
    ("urn:oid:1.2.250.1.71.4.2.1", "professionals (RPPS)"),
    ("urn:oid:1.2.250.1.213.1.4.8", "the national health identifier (INS-NIR)"),
    ("urn:oid:1.2.250.1.213.2.3.2", "medicines dispensed (CIP13), as the insurer reports them"),
    ("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "allergy status"),
    ("http://terminology.hl7.org/CodeSystem/condition-clinical", "condition status"),
    ("http://terminology.hl7.org/CodeSystem/observation-category", "observation categories"),
    ("http://terminology.hl7.org/CodeSystem/claim-type", "kinds of reimbursed care"),
    ("http://terminology.hl7.org/CodeSystem/list-empty-reason", "empty summary sections"),
    ("/fhir/CodeSystem/document-category", "Carnet's document categories (under this server)"),
];

pub async fn metadata(State(state): State<AppState>) -> Response {
    fhir_json(StatusCode::OK, &statement(&state))
}

fn statement(state: &AppState) -> Value {
    let origin = &state.public_origin;
    let resources: Vec<Value> = Kind::ALL.into_iter().map(resource).collect();
    let systems: Vec<Value> = CODE_SYSTEMS
        .iter()
        .map(|(system, what)| {
            let system = if system.starts_with('/') {
                format!("{origin}{system}")
            } else {
                (*system).to_owned()
            };
            json!({ "url": "system", "extension": [
                { "url": "uri", "valueUri": system },
                { "url": "use", "valueString": what },
            ] })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": app::summary::fhir::instant(state.clock.now()),
        "publisher": "Carnet",
        "kind": "instance",
        "software": { "name": "Carnet", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Carnet", "url": format!("{origin}{BASE}") },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "implementationGuide": ["http://hl7.org/fhir/uv/ips/ImplementationGuide/hl7.fhir.uv.ips"],
        "extension": [{
            "url": format!("{origin}/fhir/StructureDefinition/code-systems"),
            "extension": systems,
        }],
        "rest": [{
            "mode": "server",
            "documentation": "Reads and searches of one record at a time, as the person signed \
                in to Carnet may read it (the app's session). Searches refuse a parameter they \
                do not support. Pages: `_count` (at most 200) and `_offset`. A document is \
                created with its file in its attachment's `data`, and a health-profile entry as \
                its resource, into the record its `subject` names; sent again, it is the same \
                item.",
            "security": {
                "cors": false,
                "description": "A Carnet session: the person's own login, in the app.",
            },
            "resource": resources,
            "operation": [
                { "name": "summary", "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary" },
                { "name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything" },
            ],
        }],
    })
}

fn resource(kind: Kind) -> Value {
    let mut interactions = vec![json!({ "code": "read" })];
    if kind.creatable() {
        interactions.push(json!({ "code": "create" }));
    }
    if kind.creatable() && kind != Kind::DocumentReference {
        interactions.push(json!({ "code": "update" }));
    }
    let mut params = Vec::new();
    if kind != Kind::Binary {
        interactions.push(json!({ "code": "search-type" }));
        params.push(json!({ "name": "_id", "type": "token" }));
        params.push(json!({ "name": "_lastUpdated", "type": "date" }));
        if kind != Kind::Patient {
            params.push(json!({ "name": "patient", "type": "reference" }));
        }
        for (name, kind_of, _) in parameters(kind) {
            let kind_of = match kind_of {
                Type::Token => "token",
                Type::Date => "date",
            };
            params.push(json!({ "name": name, "type": kind_of }));
        }
    }
    let mut resource = json!({
        "type": kind.name(),
        "interaction": interactions,
        "searchParam": params,
        "updateCreate": false,
    });
    if kind == Kind::Patient {
        resource["operation"] = json!([
            { "name": "summary", "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary" },
            { "name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything" },
        ]);
    }
    resource
}
