//! The record for other software, as FHIR R4 (`/fhir/r4`): what it supports (`metadata`), each
//! resource read by its identifier, searches, the patient's summary (`$summary`, the IPS) and
//! the whole record (`$everything`, paged); documents and health-profile entries created, and
//! entries replaced. Reads are a view over the whole record's export
//! ([`crate::record::fhir_entries`]), writes go by the app's own deposit and form
//! ([`crate::record::create_document`], [`crate::record::create_entry`]), so through the same
//! policy: an app or a professional's software reads and writes what the person behind it may,
//! a resource it may not read answers like one that does not exist, and every answer leaves its
//! audit entry first. Errors are `OperationOutcome`s ([`as_outcome`]).
//!
//! Identifiers: a `Patient` is its record's (32 hex digits); any other resource is its record's
//! followed by its item's (64 hex digits in all, FHIR's longest), so that a read names the
//! record it reads from, as the app's own addresses do.

mod capability;
pub mod search;
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
use crate::record::{Documents, Parts};
use crate::store::{AccountId, DocumentId, SessionOwner};
use crate::{AppState, error::ApiError, extract::Origin, session::AnySession};

pub use view::Kind;

/// Where the endpoint lives.
pub const BASE: &str = "/fhir/r4";
pub const FHIR_JSON: &str = "application/fhir+json";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata", get(capability::metadata))
        .route("/{kind}", get(search_type).post(create))
        .route("/{kind}/{id}", get(read).put(replace))
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

/// The record a reference names: `Patient/{id}`, the same under this endpoint's own address, or
/// the bare identifier. Another server's patient is none of ours.
fn record_of_reference(reference: &str, public_origin: &str) -> Option<AccountId> {
    let local = reference
        .strip_prefix(public_origin)
        .and_then(|rest| rest.strip_prefix(BASE))
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(reference);
    let id = local.strip_prefix("Patient/").unwrap_or(local);
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
    let search = search::Search::parse(kind, &params, &state.public_origin)?;
    let (mut parts, _) = request.into_parts();
    let record = match &search.record {
        Some(record) => record.clone(),
        None => own_record(&mut parts, &state).await?,
    };
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    refuse_unknown_patient(&state, &asker, &origin, AuditAction::FhirSearch).await?;
    let bundle = if kind == Kind::DocumentReference {
        // Filtered on what the documents' facts say, then only the page opened: a search costs
        // the page it answers, not the record's every title.
        let described = !search.takes_all();
        let found: Vec<DocumentId> = view::documents_by_facts(&state, &asker, described)
            .await?
            .into_iter()
            .filter(|(_, resource)| !described || search.matches(kind, resource))
            .map(|(id, _)| id)
            .collect();
        let total = found.len();
        let page = search.page(found);
        let parts = Parts { documents: Documents::Among(&page), care: false };
        let opened = view::resources(&state, &asker, parts).await?;
        let opened = opened.into_iter().filter(|resource| resource["resourceType"] == kind.name());
        search.bundle_of_page(&state, kind.name(), total, opened.collect())
    } else {
        let resources = view::resources(&state, &asker, kind.parts()).await?;
        let found: Vec<Value> =
            resources.into_iter().filter(|resource| search.matches(kind, resource)).collect();
        search.bundle(&state, kind.name(), found)
    };
    trace::read(&state, &asker, &origin, AuditAction::FhirSearch, Some(kind.name()), None).await?;
    Ok(fhir_json(StatusCode::OK, &bundle))
}

/// Largest create: a document's file inside its `DocumentReference`, in base64 (a larger file
/// goes through the app's resumable upload).
pub const MAX_CREATE_BYTES: usize = crate::record::IMPORT_MAX_BYTES;

/// Whether `path` takes a document's file in its body ([`MAX_CREATE_BYTES`]).
pub fn takes_files(path: &str) -> bool {
    path.strip_prefix(BASE) == Some("/DocumentReference")
}

/// `POST /fhir/r4/{type}`: a document deposited with its file (in its attachment's `data`), or a
/// health-profile entry (`AllergyIntolerance`, `Condition`, `MedicationStatement`,
/// `Immunization`, `Observation`, `DeviceUseStatement`), into the record its `subject` (an
/// allergy's `patient`) names, through the same checks, policy, audit and notifications as the
/// app's deposit and form. The same resource sent again (or under the same `Idempotency-Key`) is
/// the same item: 201 the first time, 200 after. Other types are not created here (405).
async fn create(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let kind = Kind::parse(&kind).ok_or(ApiError::NotFound)?;
    if !kind.creatable() {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let (mut parts, body) = request.into_parts();
    let key = idempotency_key(&parts)?;
    // The session and its CSRF token first: nothing is read of an anonymous or cross-site body.
    {
        use axum::extract::FromRequestParts;
        AnySession::from_request_parts(&mut parts, &state).await?;
    }
    let _permit = match kind {
        Kind::DocumentReference => Some(file_room(&parts)?),
        _ => None,
    };
    let resource = resource_of(&parts, body, kind).await?;
    let (field, subject) = subject_of(kind, &resource);
    let record = subject["reference"]
        .as_str()
        .and_then(|reference| record_of_reference(reference, &state.public_origin))
        .ok_or(ApiError::input(field, app::api::InputError::QueryInvalid))?;
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    let key = key.as_deref();
    let (item, new) = match kind {
        Kind::DocumentReference => {
            crate::record::create_document(&state, &asker, &origin, key, &resource).await?
        }
        _ => crate::record::create_entry(&state, &asker, &origin, key, &resource).await?,
    };
    let id = format!("{}{item}", asker.record.id.as_str());
    let document = [DocumentId::new(item)];
    let parts = match kind {
        Kind::DocumentReference => Parts { documents: Documents::Among(&document), care: false },
        _ => kind.parts(),
    };
    let resources = view::resources(&state, &asker, parts).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    // Written, though the writer may not read it back (a report filed where they do not
    // read): its address without its content.
    let mut response = match served(resources, kind, &id) {
        Some(created) => with_version(fhir_json(status, &created), &created),
        None => status.into_response(),
    };
    let location = format!("{}{BASE}/{}/{id}", state.public_origin, kind.name());
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /fhir/r4/{type}/{id}`: a new version of a health-profile entry, written as the app's
/// form writes one (the same checks, policy and audit entry). With `If-Match: W/"{version}"`
/// (its `meta.versionId`), nothing is written if the entry changed since (409). An entry is
/// never created by a replace (404), nor a document replaced here (405).
async fn replace(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let kind = Kind::parse(&kind).ok_or(ApiError::NotFound)?;
    if !kind.creatable() || kind == Kind::DocumentReference {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let (record, Some(item)) = parse_id(&id).ok_or(ApiError::NotFound)? else {
        return Err(ApiError::NotFound);
    };
    let (mut parts, body) = request.into_parts();
    let key = idempotency_key(&parts)?;
    let base_version = match parts.headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => Some(
            version_of(value)
                .ok_or(ApiError::input("If-Match", app::api::InputError::QueryInvalid))?,
        ),
    };
    let asker = Asker::resolve(&mut parts, &state, record).await?;
    let origin = origin(&mut parts, &state).await;
    let resource = resource_of(&parts, body, kind).await?;
    // The resource's own identifier, when it says one, is the address's; its patient, the
    // record's.
    if resource.get("id").is_some_and(|own| own.as_str() != Some(id.as_str())) {
        return Err(ApiError::input("id", app::api::InputError::QueryInvalid));
    }
    let (field, subject) = subject_of(kind, &resource);
    if let Some(reference) = subject["reference"].as_str()
        && record_of_reference(reference, &state.public_origin).as_ref() != Some(&asker.record.id)
    {
        return Err(ApiError::input(field, app::api::InputError::QueryInvalid));
    }
    let key = key.as_deref();
    let written =
        crate::record::replace_entry(&state, &asker, &origin, key, item, &resource, base_version)
            .await;
    if base_version.is_some()
        && let Err(ApiError::Refused(app::api::Refusal::Conflict)) = written
    {
        // FHIR's answer to a version that is no longer the entry's.
        let outcome = json!({ "resourceType": "OperationOutcome", "issue": [{
            "severity": "error", "code": "conflict",
            "diagnostics": "The entry changed since this version.",
        }] });
        return Ok(fhir_json(StatusCode::PRECONDITION_FAILED, &outcome));
    }
    written?;
    let resources = view::resources(&state, &asker, kind.parts()).await?;
    let replaced = served(resources, kind, &id).ok_or(ApiError::NotFound)?;
    Ok(with_version(fhir_json(StatusCode::OK, &replaced), &replaced))
}

/// The resource of `kind` and identifier `id` among `resources`.
fn served(resources: Vec<Value>, kind: Kind, id: &str) -> Option<Value> {
    resources
        .into_iter()
        .find(|resource| resource["resourceType"] == kind.name() && resource["id"] == id)
}

/// Whom a resource is about: an allergy's `patient`, anything else's `subject`.
fn subject_of(kind: Kind, resource: &Value) -> (&'static str, &Value) {
    match kind {
        Kind::AllergyIntolerance => ("patient", &resource["patient"]),
        _ => ("subject", &resource["subject"]),
    }
}

/// A version as `If-Match` names it: `W/"3"` (or `"3"`); one no version can follow is none.
fn version_of(value: &HeaderValue) -> Option<u32> {
    let text = value.to_str().ok()?.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    let version: u32 = text.strip_prefix('"')?.strip_suffix('"')?.parse().ok()?;
    (version < u32::MAX).then_some(version)
}

/// A profile resource's version as its `ETag` (`W/"3"`), for the next `If-Match`.
fn with_version(mut response: Response, resource: &Value) -> Response {
    if let Some(version) = resource["meta"]["versionId"].as_str()
        && let Ok(tag) = HeaderValue::from_str(&format!("W/\"{version}\""))
    {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// Room for a document's body while it is read and parsed (it is held several times over):
/// mebibytes of bodies under way at once, each weighed by its declared length (the largest
/// when it does not say). Out of room, come back in a moment.
fn file_room(parts: &RequestParts) -> Result<tokio::sync::SemaphorePermit<'static>, ApiError> {
    const MIB: usize = 1024 * 1024;
    static ROOM: tokio::sync::Semaphore =
        tokio::sync::Semaphore::const_new(4 * MAX_CREATE_BYTES / MIB);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or(MAX_CREATE_BYTES);
    let weight = declared.clamp(1, MAX_CREATE_BYTES).div_ceil(MIB);
    ROOM.try_acquire_many(u32::try_from(weight).unwrap_or(u32::MAX))
        .map_err(|_| ApiError::TooManyAttempts { retry_after: 5 })
}

/// The client's `Idempotency-Key`, if it sends one: 1 to 100 visible characters.
fn idempotency_key(parts: &RequestParts) -> Result<Option<String>, ApiError> {
    let Some(value) = parts.headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| ApiError::BadRequest)?;
    if key.is_empty() || key.len() > 100 {
        return Err(ApiError::BadRequest);
    }
    Ok(Some(key.to_owned()))
}

/// The request's resource, of `kind`, in FHIR's JSON (or JSON), read up to its limit.
async fn resource_of(parts: &RequestParts, body: Body, kind: Kind) -> Result<Value, ApiError> {
    let media = parts.headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    if !matches!(
        app::vocabulary::media_essence(media.unwrap_or("")),
        FHIR_JSON | "application/json"
    ) {
        return Err(ApiError::input("resource", app::api::InputError::MediaType));
    }
    let bytes = axum::body::to_bytes(body, MAX_CREATE_BYTES).await.map_err(|error| {
        // Over the limit, or cut short (the client went away, the time ran out).
        if error.into_inner().downcast_ref::<http_body_util::LengthLimitError>().is_some() {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest
        }
    })?;
    let resource: Value = serde_json::from_slice(&bytes).map_err(|_| ApiError::BadRequest)?;
    if resource["resourceType"] != kind.name() {
        return Err(ApiError::input("resourceType", app::api::InputError::MediaType));
    }
    Ok(resource)
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
        let Some(item) = item else {
            let missing = Some(trace::NOT_FOUND.to_owned());
            trace::read(&state, &asker, &origin, AuditAction::DocumentRead, None, missing).await?;
            return Err(ApiError::NotFound);
        };
        let document = DocumentId::new(item);
        let (record, bytes) =
            crate::record::document_file(&state, &asker, &origin, &document).await?;
        return Ok(binary(&parts, record.upload.media_type, bytes));
    }
    // A document's own description alone; any other, from its part of the record.
    let document = [DocumentId::new(item.unwrap_or_default())];
    let parts = match kind {
        Kind::DocumentReference => Parts { documents: Documents::Among(&document), care: false },
        _ => kind.parts(),
    };
    let resources = view::resources(&state, &asker, parts).await?;
    let found = served(resources, kind, &id);
    let Some(resource) = found else {
        let missing = Some(trace::NOT_FOUND.to_owned());
        trace::read(&state, &asker, &origin, AuditAction::FhirRead, item, missing).await?;
        return Err(ApiError::NotFound);
    };
    trace::read(&state, &asker, &origin, AuditAction::FhirRead, item, None).await?;
    Ok(with_version(fhir_json(StatusCode::OK, &resource), &resource))
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
    let action = match operation.as_str() {
        "$summary" => AuditAction::SummaryExport,
        _ => AuditAction::RecordExport,
    };
    refuse_unknown_patient(&state, &asker, &origin, action).await?;
    if operation == "$summary" {
        if let Some((name, _)) = params.first() {
            return Err(search::unsupported(name));
        }
        let bundle = crate::emergency::links::ips(&state, &asker).await?;
        trace::read(&state, &asker, &origin, AuditAction::SummaryExport, None, None).await?;
        return Ok(fhir_json(StatusCode::OK, &bundle));
    }
    let search = search::Search::everything(&params)?;
    let parts = Parts { documents: Documents::All(crate::record::Files::Apart), care: true };
    let resources = view::resources(&state, &asker, parts).await?;
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
    action: AuditAction,
) -> Result<(), ApiError> {
    if view::patient_readable(state, asker) {
        return Ok(());
    }
    let missing = Some(trace::NOT_FOUND.to_owned());
    trace::read(state, asker, origin, action, None, missing).await?;
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
    // A new body, as it is: no length or encoding of the old one's.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    Response::from_parts(parts, Body::from(outcome.to_string()))
}
