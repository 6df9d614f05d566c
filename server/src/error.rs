//! The one place where failures become HTTP responses. A client gets a stable code and a short
//! message; the cause goes to the log, never into the body.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("storage failure")]
    Store(#[from] StoreError),
}

/// What a client sees of an error.
#[derive(Serialize)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: &'static str,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ErrorBody) {
        match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorBody { error: "not_found", message: "No such resource." },
            ),
            Self::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody {
                    error: "unavailable",
                    message: "The service is temporarily unavailable. Nothing was changed.",
                },
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.parts();
        if status.is_server_error() {
            // `{:#}` would need anyhow; the chain is walked by tracing's error formatting.
            tracing::error!(error = &self as &dyn std::error::Error, "request failed");
        }
        (status, Json(body)).into_response()
    }
}
