//! The one place where failures become HTTP responses. A client gets a stable code
//! ([`app::api::ErrorBody`]) that the interface translates; the cause goes to the log, never
//! into the body.

pub use app::api::Refusal;
use app::api::{ErrorBody, ErrorCode, InputError};
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

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
        let retry_after = body.retry_after;
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
