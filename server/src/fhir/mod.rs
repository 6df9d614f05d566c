//! The record for other software, as FHIR R4 (`/fhir/r4`): what it supports (`metadata`), each
//! resource read by its identifier, searches, the patient's summary (`$summary`, the IPS) and
//! the whole record (`$everything`, paged). A view over the whole record's export
//! ([`crate::record::fhir_entries`]), so through the same policy: an app or a professional's
//! software reads what the person behind it may read, a resource it may not read answers like
//! one that does not exist, and every answer leaves its audit entry first. Errors are
//! `OperationOutcome`s ([`as_outcome`]).
//!
//! Identifiers: a `Patient` is its record's (32 hex digits); any other resource is its record's
//! followed by its item's (64 hex digits in all, FHIR's longest), so that a read names the
//! record it reads from, as the app's own addresses do.

mod capability;
mod search;
mod view;

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, Request, State},
    http::{HeaderValue, StatusCode, header, request::Parts as RequestParts},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use crate::asker::{Asker, trace};
use crate::audit::AuditAction;
use crate::store::{AccountId, DocumentId, SessionOwner};
use crate::{AppState, error::ApiError, extract::Origin, session::AnySession};

pub use view::Kind;

/// Where the endpoint lives.
pub const BASE: &str = "/fhir/r4";
pub const FHIR_JSON: &str = "application/fhir+json";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata", get(capability::metadata))
        .route("/{kind}", get(search_type))
        .route("/{kind}/{id}", get(read))
        .route("/{kind}/{id}/{operation}", get(operation))
        .fallback(|| async { ApiError::NotFound })
}

/// An answer in FHIR's JSON.
pub(crate) fn fhir_json(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    // Health data: never kept by a cache between the app and the server.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An identifier of the endpoint: the record, and the item within it (none for the `Patient`).
fn parse_id(id: &str) -> Option<(AccountId, Option<&str>)> {
    let hex = |text: &str| text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    match id.len() {
        32 if hex(id) => Some((AccountId::new(id), None)),
        64 if hex(id) => Some((AccountId::new(&id[..32]), Some(&id[32..]))),
        _ => None,
    }
}

/// The record a reference names (`Patient/{id}`, the same as a whole address, or the bare
/// identifier).
fn record_of_reference(reference: &str) -> Option<AccountId> {
    let id = reference.rsplit('/').next().unwrap_or(reference);
    let kind = reference.rsplit('/').nth(1);
    if kind.is_some_and(|kind| kind != "Patient") {
        return None;
    }
    match parse_id(id)? {
        (record, None) => Some(record),
        _ => None,
    }
}

/// The record a request without a patient is about: the signed-in account's own, or the one it
/// manages. A professional's software always names the patient.
async fn own_record(parts: &mut RequestParts, state: &AppState) -> Result<AccountId, ApiError> {
    use axum::extract::FromRequestParts;
    let any = AnySession::from_request_parts(parts, state).await?;
    match any.owner {
        SessionOwner::Account(id) => Ok(any.acting_for.unwrap_or(id)),
        SessionOwner::Professional(_) => {
            Err(ApiError::input("patient", app::api::InputError::QueryInvalid))
        }
    }
}

/// `GET /fhir/r4/{type}?…`: a search in one record.
async fn search_type(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    request: Request,
) -> Result<Response, ApiError> {
    let kind = Kind::parse(&kind).ok_or(ApiError::NotFound)?;
    if kind == Kind::Binary {
        // A file is read by its document's identifier, never searched.
        return Err(search::unsupported("search"));
    }
    let search = search::Search::parse(kind, &params)?;
    let (mut parts, _) = request.into_parts();
    let record = match &search.record {
        Some(record) => record.clone(),
        None => own_record(&mut parts, &state).await?,
    };
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    refuse_unknown_patient(&state, &asker, &origin).await?;
    let resources = view::resources(&state, &asker, kind.parts()).await?;
    let found: Vec<Value> =
        resources.into_iter().filter(|resource| search.matches(kind, resource)).collect();
    trace::read(&state, &asker, &origin, AuditAction::FhirSearch, Some(kind.name()), None).await?;
    Ok(fhir_json(StatusCode::OK, &search.bundle(&state, kind.name(), found)))
}

/// `GET /fhir/r4/{type}/{id}`: one resource; `Binary` is a document's file, as FHIR's JSON or
/// as itself.
async fn read(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let kind = Kind::parse(&kind).ok_or(ApiError::NotFound)?;
    let (record, item) = parse_id(&id).ok_or(ApiError::NotFound)?;
    let (mut parts, _) = request.into_parts();
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    if kind == Kind::Binary {
        let document = DocumentId::new(item.ok_or(ApiError::NotFound)?);
        let (record, bytes) =
            crate::record::document_file(&state, &asker, &origin, &document).await?;
        return Ok(binary(&parts, record.upload.media_type, bytes));
    }
    let resources = view::resources(&state, &asker, kind.parts()).await?;
    let found = resources
        .into_iter()
        .find(|resource| resource["resourceType"] == kind.name() && resource["id"] == id.as_str());
    let Some(resource) = found else {
        let missing = Some(trace::NOT_FOUND.to_owned());
        trace::read(&state, &asker, &origin, AuditAction::FhirRead, item, missing).await?;
        return Err(ApiError::NotFound);
    };
    trace::read(&state, &asker, &origin, AuditAction::FhirRead, item, None).await?;
    Ok(fhir_json(StatusCode::OK, &resource))
}

/// `GET /fhir/r4/Patient/{id}/$summary` and `…/$everything`.
async fn operation(
    State(state): State<AppState>,
    Path((kind, id, operation)): Path<(String, String, String)>,
    Query(params): Query<Vec<(String, String)>>,
    request: Request,
) -> Result<Response, ApiError> {
    let (record, None) = parse_id(&id).ok_or(ApiError::NotFound)? else {
        return Err(ApiError::NotFound);
    };
    if kind != "Patient" || !matches!(operation.as_str(), "$summary" | "$everything") {
        return Err(ApiError::NotFound);
    }
    let (mut parts, _) = request.into_parts();
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    refuse_unknown_patient(&state, &asker, &origin).await?;
    if operation == "$summary" {
        if let Some((name, _)) = params.first() {
            return Err(search::unsupported(name));
        }
        let bundle = crate::emergency::links::ips(&state, &asker).await?;
        trace::read(&state, &asker, &origin, AuditAction::SummaryExport, None, None).await?;
        return Ok(fhir_json(StatusCode::OK, &bundle));
    }
    let search = search::Search::everything(&params)?;
    let resources = view::resources(
        &state,
        &asker,
        crate::record::Parts { documents: Some(crate::record::Files::Apart), care: true },
    )
    .await?;
    trace::read(&state, &asker, &origin, AuditAction::RecordExport, None, None).await?;
    let path = format!("Patient/{id}/$everything");
    Ok(fhir_json(StatusCode::OK, &search.bundle(&state, &path, resources)))
}

/// A record whose patient the asker may not know (a professional without the patient's
/// grant) is, to them, no record: searched or summarised, it answers like one that does not
/// exist, its refusal traced.
async fn refuse_unknown_patient(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
) -> Result<(), ApiError> {
    if view::patient_readable(state, asker) {
        return Ok(());
    }
    let missing = Some(trace::NOT_FOUND.to_owned());
    trace::read(state, asker, origin, AuditAction::FhirRead, None, missing).await?;
    Err(ApiError::NotFound)
}

async fn origin(parts: &mut RequestParts, state: &AppState) -> Origin {
    use axum::extract::FromRequestParts;
    match Origin::from_request_parts(parts, state).await {
        Ok(origin) => origin,
        Err(never) => match never {},
    }
}

/// A document's file: FHIR's `Binary` when the request asks for FHIR's JSON, else the bytes as
/// they were deposited, never run or sniffed.
fn binary(parts: &RequestParts, media: app::vocabulary::MediaType, bytes: Vec<u8>) -> Response {
    let accept = parts.headers.get(header::ACCEPT).and_then(|value| value.to_str().ok());
    let wants_json = accept.is_some_and(|accept| {
        accept.split(',').any(|media| {
            matches!(
                app::vocabulary::media_essence(media),
                FHIR_JSON | "application/json" | "application/json+fhir"
            )
        })
    });
    if wants_json {
        use base64::{Engine, engine::general_purpose::STANDARD};
        let binary = json!({
            "resourceType": "Binary",
            "contentType": media.as_str(),
            "data": STANDARD.encode(&bytes),
        });
        return fhir_json(StatusCode::OK, &binary);
    }
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.as_str()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

/// What FHIR says of a refusal's kind, by its status (the `issue.code` value set).
fn issue_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "login",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND | StatusCode::GONE => "not-found",
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::UNSUPPORTED_MEDIA_TYPE => "not-supported",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too-long",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        status if status.is_server_error() => "exception",
        _ => "invalid",
    }
}

/// Every refusal of the FHIR endpoint as an `OperationOutcome` with its status: the API's
/// problem details (the handlers' and the framework's, made by [`crate::error::as_problem`]
/// first) keep their stable code, as a coding of the code's own address, and their title. A
/// read or a search sends no content to process: a value it refuses is a bad request (400), as
/// FHIR's search asks, where the API says 422.
pub async fn as_outcome(response: Response, read: bool, public_origin: &str) -> Response {
    let response = crate::error::as_problem(response, true);
    let media = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if app::vocabulary::media_essence(media.unwrap_or("")) != crate::error::PROBLEM_JSON {
        return response;
    }
    let mut status = response.status();
    if read && status == StatusCode::UNPROCESSABLE_ENTITY {
        status = StatusCode::BAD_REQUEST;
    }
    let (mut parts, body) = response.into_parts();
    parts.status = status;
    // Our own problem details: small.
    let problem: Value = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let mut issue = json!({ "severity": "error", "code": issue_code(status) });
    if let Some(code) = problem["error"].as_str() {
        issue["details"] = json!({
            "coding": [{ "system": format!("{public_origin}/api/problems"), "code": code }],
            "text": problem["title"],
        });
    }
    if let Some(field) = problem["field"].as_str() {
        issue["expression"] = json!([field]);
    }
    let outcome = json!({ "resourceType": "OperationOutcome", "issue": [issue] });
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    Response::from_parts(parts, Body::from(outcome.to_string()))
}
