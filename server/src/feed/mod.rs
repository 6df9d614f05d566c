//! The health insurer's feed: a machine client, never a person, that writes the last 24 months of
//! reimbursed care and dispensed medicines into the records whose verified INS it names. It
//! authenticates with its own token (`carnet feed add`, kept as a digest, revocable), reaches one
//! route only, and sends FHIR R4 `batch` Bundles ([`fhir`]); the answer says, line by line, what
//! became of each ([`ingest`]). What the patient's side reads of it is [`history`].

pub mod fhir;
pub mod history;
pub mod ingest;

use app::date::Date;
use axum::{
    body::Bytes,
    extract::{FromRequestParts, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::post,
};
use sha2::{Digest, Sha256};

use crate::{
    AppState,
    audit::{AuditAction, Auditor},
    error::ApiError,
    extract::Origin,
    store::{Store, StoreError},
};

/// Largest batch body accepted (the API's other routes take 1 MiB): 10,000 lines fit.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The feed's routes, under `/api`: one.
pub fn routes() -> crate::web::Routes {
    let batches = post(batch).layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    crate::web::Routes::new().route("/feed/batch", batches)
}

/// A new feed token: 256 random bits, shown once (made as a session's token is).
pub use crate::session::new_token;

/// What the store keeps of a token.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::new().chain_update(b"carnet/feed\0").chain_update(token).finalize().into()
}

/// A feed's name as the operator gives it: short, plain, and safe in a log line.
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The feed that sent the request, by its token (`Authorization: Bearer …`). Nothing else opens
/// this route: a person's session is not a feed.
pub struct FeedClient {
    pub name: String,
}

impl FromRequestParts<AppState> for FeedClient {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let token = bearer(&parts.headers).ok_or_else(unauthenticated)?;
        match state.store.feed_by_token(&token_digest(token)).await {
            Ok(Some(name)) => Ok(Self { name }),
            Ok(None) => Err(unauthenticated()),
            Err(error) => Err(ApiError::Store(error).into_response()),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && (1..=100).contains(&token.len())).then_some(token)
}

fn unauthenticated() -> Response {
    let mut response = ApiError::Unauthenticated.into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// A batch sent as FHIR JSON: checked before its body is read.
pub struct FhirMedia;

impl<S: Send + Sync> FromRequestParts<S> for FhirMedia {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        if matches!(
            crate::extract::media_type(&parts.headers),
            "application/fhir+json" | "application/json"
        ) {
            return Ok(Self);
        }
        let message = "send the batch as application/fhir+json";
        Err(fhir_json(StatusCode::UNSUPPORTED_MEDIA_TYPE, &fhir::request_outcome(message)))
    }
}

fn fhir_json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/fhir+json"));
    response
}

/// `POST /api/feed/batch`: a FHIR `batch` Bundle in, its `batch-response` out (200), one entry
/// per line. A request that is not a batch at all is refused whole (400, 413, 415).
pub async fn batch(
    State(state): State<AppState>,
    feed: FeedClient,
    _media: FhirMedia,
    origin: Origin,
    body: Bytes,
) -> Result<Response, ApiError> {
    let entries = match fhir::read_bundle(&body, fhir::MAX_ENTRIES) {
        Ok(entries) => entries,
        Err(error) => {
            let status = match error {
                fhir::BatchError::TooManyEntries => StatusCode::PAYLOAD_TOO_LARGE,
                fhir::BatchError::NotJson | fhir::BatchError::NotABatch => StatusCode::BAD_REQUEST,
            };
            return Ok(fhir_json(status, &fhir::request_outcome(&error.message())));
        }
    };
    let answers =
        ingest::ingest(&state, &feed.name, &origin.client, entries, &mut |_, _| {}).await?;
    Ok(fhir_json(StatusCode::OK, &fhir::batch_response(&answers)))
}

/// Deletes the care that aged past 24 months on `now`'s day, record by record, each with its
/// audit entry; answers how many lines went.
pub async fn prune(store: &dyn Store, auditor: &Auditor, now: i64) -> Result<u64, StoreError> {
    let before = ingest::oldest_kept(Date::from_unix_seconds(now));
    let mut pruned = 0;
    for record in store.care_lines_before(before).await? {
        let server = crate::audit::AuditActor { kind: "server".into(), id: None, role: None };
        let (action, account) = (AuditAction::CareHistoryPrune, Some(record.account_id.as_str()));
        let entry = crate::audit::event_entry(server, action, account, "", None, now);
        let account = &record.account_id;
        let deleted = auditor
            .write(store, &entry, async |rows| store.prune_care_lines(account, before, rows).await)
            .await?;
        pruned += deleted.map_or(0, |deleted| deleted.0);
    }
    Ok(pruned)
}

/// Runs [`prune`] every `every` until the process stops.
pub async fn prune_periodically(state: AppState, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if !crate::schedule::leased(&state, "care-history-prune", every).await {
            continue;
        }
        match prune(&*state.store, &state.auditor, state.clock.now()).await {
            Ok(0) => {}
            Ok(lines) => tracing::info!(lines, "care older than 24 months removed"),
            Err(error) => tracing::warn!(
                error = &error as &dyn std::error::Error,
                "pruning the care history failed; retrying later"
            ),
        }
    }
}
