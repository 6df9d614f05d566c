//! The one place where failures become HTTP responses. A client gets RFC 9457 problem details
//! (`application/problem+json`) whose members are the standard ones (`type`, `title`, `status`)
//! and ours ([`app::api::ErrorBody`]: a stable code the interface translates, and what it says
//! about the field, the wait or the reason); the cause goes to the log, never into the body.

pub use app::api::Refusal;
use app::api::{ErrorBody, ErrorCode, InputError};
use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::{messages::MessageError, passwords::PasswordError, store::StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("unreadable request")]
    BadRequest,
    #[error("invalid {field}")]
    Input { field: &'static str, error: InputError },
    #[error("bad credentials")]
    BadCredentials,
    #[error("bad code")]
    BadCode { attempts_left: Option<u32> },
    #[error("code expired or used")]
    CodeExpired,
    #[error("rate limited")]
    TooManyAttempts { retry_after: u32 },
    #[error("not signed in")]
    Unauthenticated,
    #[error("cross-site or token-less request")]
    Forbidden,
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("denied by the access policy: {0:?}")]
    Denied(app::policy::Deny),
    #[error("too large")]
    TooLarge,
    #[error("storage failure")]
    Store(#[from] StoreError),
    #[error("message could not be sent")]
    Message(#[from] MessageError),
    #[error("password hashing failed")]
    Password(#[from] PasswordError),
    #[error("sealed data could not be opened or sealed")]
    Vault(#[from] crate::vault::VaultError),
}

impl ApiError {
    pub fn input(field: &'static str, error: InputError) -> Self {
        Self::Input { field, error }
    }

    fn parts(&self) -> (StatusCode, ErrorBody) {
        use ErrorCode as C;
        let plain = |status, code| (status, ErrorBody::new(code));
        match self {
            Self::NotFound => plain(StatusCode::NOT_FOUND, C::NotFound),
            Self::BadRequest => plain(StatusCode::BAD_REQUEST, C::BadRequest),
            Self::Input { field, error } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    field: Some((*field).to_owned()),
                    input: Some(*error),
                    ..ErrorBody::new(C::Input)
                },
            ),
            Self::BadCredentials => plain(StatusCode::UNAUTHORIZED, C::BadCredentials),
            Self::BadCode { attempts_left } => (
                StatusCode::UNAUTHORIZED,
                ErrorBody { attempts_left: *attempts_left, ..ErrorBody::new(C::BadCode) },
            ),
            Self::CodeExpired => plain(StatusCode::GONE, C::CodeExpired),
            Self::TooManyAttempts { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorBody { retry_after: Some(*retry_after), ..ErrorBody::new(C::TooManyAttempts) },
            ),
            Self::Unauthenticated => plain(StatusCode::UNAUTHORIZED, C::Unauthenticated),
            Self::Forbidden => plain(StatusCode::FORBIDDEN, C::Forbidden),
            Self::Refused(reason) => (
                match reason {
                    Refusal::RecordExists => StatusCode::CONFLICT,
                    Refusal::RepresentativeUnknown => StatusCode::UNPROCESSABLE_ENTITY,
                    Refusal::NotRepresented | Refusal::RecordClosed | Refusal::NotAllowed => {
                        StatusCode::FORBIDDEN
                    }
                    Refusal::UploadIncomplete
                    | Refusal::IdentityAmbiguous
                    | Refusal::Conflict
                    | Refusal::TooManyLinks
                    | Refusal::InsTaken => StatusCode::CONFLICT,
                    Refusal::Withdrawn => StatusCode::GONE,
                },
                ErrorBody { reason: Some(*reason), ..ErrorBody::new(C::Refused) },
            ),
            Self::Denied(reason) => (
                StatusCode::FORBIDDEN,
                ErrorBody {
                    reason: Some(Refusal::NotAllowed),
                    denied: Some(*reason),
                    ..ErrorBody::new(C::Refused)
                },
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody { input: Some(InputError::TooLarge), ..ErrorBody::new(C::Input) },
            ),
            Self::Store(_) | Self::Message(_) | Self::Password(_) | Self::Vault(_) => {
                plain(StatusCode::SERVICE_UNAVAILABLE, C::Unavailable)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = &self as &dyn std::error::Error, "request failed");
        }
        let mut response = problem(status, &body);
        if let Some(seconds) = body.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The media type of every refusal of the API (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Problem details: the standard members, then ours, then what the route adds.
#[derive(Serialize)]
struct Problem<'a, T: Serialize> {
    /// The problem type: where its description is served ([`problem_type`]).
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    #[serde(flatten)]
    body: &'a ErrorBody,
    #[serde(flatten)]
    extra: Option<&'a T>,
}

/// An answer of `status` carrying `body` as problem details.
pub fn problem(status: StatusCode, body: &ErrorBody) -> Response {
    problem_with::<()>(status, body, None)
}

/// [`problem`] with the members of `extra` beside ours: what a client needs to go on (an
/// upload's status when a chunk came twice).
pub fn problem_with<T: Serialize>(
    status: StatusCode,
    body: &ErrorBody,
    extra: Option<&T>,
) -> Response {
    let problem = Problem {
        kind: problem_type(body.error),
        title: titles(body.error).1,
        status: status.as_u16(),
        body,
        extra,
    };
    let json = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = (status, json).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// The problem type of a code: `/api/problems/not_found`, a relative reference to the
/// description [`describe`] serves.
pub fn problem_type(code: ErrorCode) -> String {
    format!("/api/problems/{}", code_name(code))
}

fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// Each code's title, in French and in English. The interface shows its own sentence for a
/// code; these are for a developer reading an answer.
fn titles(code: ErrorCode) -> (&'static str, &'static str) {
    use ErrorCode as C;
    match code {
        C::NotFound => ("Introuvable", "Not found"),
        C::BadRequest => ("Requête illisible", "Unreadable request"),
        C::Input => ("Champ invalide", "Invalid field"),
        C::BadCredentials => {
            ("Identifiant ou mot de passe incorrect", "Wrong identifier or password")
        }
        C::BadCode => ("Code incorrect", "Wrong code"),
        C::CodeExpired => ("Code expiré ou déjà utilisé", "Code expired or already used"),
        C::TooManyAttempts => ("Trop de tentatives", "Too many attempts"),
        C::Unauthenticated => ("Non connecté", "Not signed in"),
        C::Forbidden => {
            ("Requête d'un autre site ou sans jeton", "Cross-site or token-less request")
        }
        C::Refused => ("Refusé par une règle", "Refused by a rule"),
        C::Unavailable => ("Service indisponible", "Service unavailable"),
        C::Internal => ("Erreur du serveur", "Server error"),
    }
}

/// What a problem type's address serves: the code and its titles, so that a developer who
/// follows `type` reads what it means.
#[derive(Serialize)]
pub struct ProblemType {
    #[serde(rename = "type")]
    kind: String,
    code: ErrorCode,
    title: &'static str,
    title_fr: &'static str,
}

/// `GET /api/problems/{code}`: the description of a problem type (an unknown code is not
/// found).
pub async fn describe(
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<axum::Json<ProblemType>, ApiError> {
    let code: ErrorCode =
        serde_json::from_value(serde_json::Value::String(code)).map_err(|_| ApiError::NotFound)?;
    let (title_fr, title) = titles(code);
    Ok(axum::Json(ProblemType { kind: problem_type(code), code, title, title_fr }))
}

/// A refusal written by the framework rather than by a handler (a method the route does not
/// serve, a path parameter that is not one, the request's time out, a body over its limit) as
/// problem details with the code nearest to its status; its own text, which may quote the
/// request back, is dropped. Problem details pass as they are, and so does every success; so do
/// FHIR answers where `fhir` says a route answers FHIR (the insurer's feed answers
/// `OperationOutcome`s).
pub fn as_problem(response: Response, fhir: bool) -> Response {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    // (The extractors' `media_type` is a layer above: the header is read here.)
    let media = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let media = app::vocabulary::media_essence(media.unwrap_or(""));
    if media == PROBLEM_JSON || (fhir && media == "application/fhir+json") {
        return response;
    }
    use ErrorCode as C;
    let body = match status {
        StatusCode::UNAUTHORIZED => ErrorBody::new(C::Unauthenticated),
        StatusCode::FORBIDDEN => ErrorBody::new(C::Forbidden),
        StatusCode::NOT_FOUND | StatusCode::GONE => ErrorBody::new(C::NotFound),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ErrorBody { input: Some(InputError::TooLarge), ..ErrorBody::new(C::Input) }
        }
        StatusCode::TOO_MANY_REQUESTS => ErrorBody::new(C::TooManyAttempts),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            ErrorBody::new(C::Unavailable)
        }
        status if status.is_server_error() => ErrorBody::new(C::Internal),
        _ => ErrorBody::new(C::BadRequest),
    };
    let (mut parts, _) = response.into_parts();
    let (fresh, fresh_body) = problem(status, &body).into_parts();
    for name in [header::CONTENT_ENCODING, header::CONTENT_LENGTH] {
        parts.headers.remove(name);
    }
    parts.headers.extend(fresh.headers);
    Response::from_parts(parts, Body::new(fresh_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_media(status: StatusCode, media: &str, text: &'static str) -> Response {
        let mut response = (status, text).into_response();
        let media = HeaderValue::from_str(media).unwrap();
        response.headers_mut().insert(header::CONTENT_TYPE, media);
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        response
    }

    async fn json_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn the_framework_s_refusals_become_problem_details_and_the_rest_passes() {
        // The time-out's empty answer: the service could not answer in time.
        let timed_out = as_problem(StatusCode::REQUEST_TIMEOUT.into_response(), false);
        assert_eq!(timed_out.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let body = json_of(timed_out).await;
        assert_eq!(body["error"], "unavailable");
        assert_eq!(body["status"], 408);
        // A text answer that quoted the request: its text and its encoding are gone.
        let quoted =
            as_problem(with_media(StatusCode::BAD_REQUEST, "text/plain", "`<x>` bad"), false);
        assert!(quoted.headers().get(header::CONTENT_ENCODING).is_none());
        let body = json_of(quoted).await;
        assert_eq!(body["error"], "bad_request");
        assert!(!body.to_string().contains("<x>"));
        // A body over its limit says which input.
        let body = json_of(as_problem(StatusCode::PAYLOAD_TOO_LARGE.into_response(), false)).await;
        assert_eq!(
            (body["error"].as_str(), body["input"].as_str()),
            (Some("input"), Some("too_large"))
        );
        // The feed's FHIR outcome, our own problems and successes pass as they are; a FHIR
        // refusal elsewhere does not.
        let outcome = || with_media(StatusCode::BAD_REQUEST, "application/fhir+json", "{}");
        assert_eq!(
            as_problem(outcome(), true).headers()[header::CONTENT_TYPE],
            "application/fhir+json"
        );
        assert_eq!(as_problem(outcome(), false).headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let ours = ApiError::Unauthenticated.into_response();
        let body = json_of(as_problem(ours, false)).await;
        assert_eq!(body["error"], "unauthenticated");
        let fine = as_problem(with_media(StatusCode::OK, "text/plain", "ok"), false);
        assert_eq!(fine.headers()[header::CONTENT_TYPE], "text/plain");
    }
}
