//! Server-side rendering of the Leptos app, for routed pages and for everything no other route
//! or file matched (the app's not-found page, with status 404).

use axum::{
    body::Body,
    extract::State,
    http::{Request, request::Parts},
    response::{IntoResponse, Response},
};
use leptos::{nonce::Nonce, prelude::*};

use crate::AppState;

/// Makes the request's CSP nonce (set by `security::headers`) available to the hydration script.
pub fn provide_request_context() {
    if let Some(nonce) =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

pub async fn render_page(State(state): State<AppState>, request: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    let handler =
        leptos_axum::render_app_to_stream_with_context(provide_request_context, move || {
            app::shell(options.clone())
        });
    handler(request).await.into_response()
}
