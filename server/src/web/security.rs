//! Headers on every response: a strict Content-Security-Policy with a fresh nonce per response,
//! no sniffing, no referrer, no framing, no powerful browser features; and `no-store` on
//! everything that may carry personal data (API, health check, HTML pages).

use std::any::Any;

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::nonce::Nonce;

const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";

/// The policy for one response. Scripts: only this site's files, the one inline hydration
/// script carrying `nonce`, and WebAssembly compilation; never `unsafe-inline` or `unsafe-eval`.
/// Frames: this site's document contents, and the `blob:` a document kept offline is shown from
/// (made by the app itself, typed PDF or plain text only).
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
         frame-src 'self' blob:; worker-src 'self'; manifest-src 'self'; media-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Served over HTTPS (the public URL says so), browsers are told to come back over HTTPS only
/// for a year: a patient on a café's network is never downgraded to plain HTTP.
const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let path = request.uri().path();
    let sensitive_path = path == "/healthz" || path == "/api" || path.starts_with("/api/");

    let mut response = next.run(request).await;

    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    // The nonce is URL-safe base64, always a valid header value. A handler that set its own,
    // stricter policy (a document shown alone) keeps it.
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    }
    // A document shown in the app's own frame says so; everything else is never framed.
    headers.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.public_origin.starts_with("https://") {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    let cache = if sensitive_path || is_html { "no-store" } else { "no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Refuses state-changing requests that a browser says come from another site: the
/// `Sec-Fetch-Site` header when the browser sends it, else the `Origin` header. Together with
/// JSON-only bodies, `SameSite=Strict` cookies and the per-session CSRF token, this closes
/// cross-site request forgery.
pub async fn same_origin(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    if !safe_method {
        let headers = request.headers();
        let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let cross_site = match (site, origin) {
            (Some(site), _) => site != "same-origin" && site != "none",
            (None, Some(origin)) => origin != &*state.public_origin,
            (None, None) => false,
        };
        if cross_site {
            return crate::error::ApiError::Forbidden.into_response();
        }
    }
    next.run(request).await
}

/// A panic in a handler becomes a plain 500; its message (which may hold data) goes to the log.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %detail, "handler panicked");
    let body = app::api::ErrorBody::new(app::api::ErrorCode::Internal);
    let mut response = crate::error::problem(StatusCode::INTERNAL_SERVER_ERROR, &body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
