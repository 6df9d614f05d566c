//! The HTTP surface: routes, the layers every response passes through, static files and the
//! server-rendered pages.

mod pages;
mod routes;
mod security;

pub use routes::Routes;

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{HeaderValue, Request, Uri, header},
    response::Redirect,
    routing::get,
};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer, CompressionLevel,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{AppState, error::ApiError, health::healthz};

/// Largest request body accepted until an endpoint asks for more (document uploads will).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Every request body is cut at its route's limit as it streams, and one that says it is larger
/// is refused before it is read (413): 1 MiB, or the insurer's batches', a FHIR import's or a
/// FHIR document's own limit.
async fn body_limit(
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let limit = if path == "/api/feed/batch" {
        crate::feed::MAX_BODY_BYTES
    } else if crate::record::is_import(path) {
        crate::record::IMPORT_MAX_BYTES
    } else if crate::fhir::takes_files(path) {
        crate::fhir::MAX_CREATE_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return ApiError::TooLarge.into_response();
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// Every refusal under `/api` is problem details, those the framework writes included (see
/// [`crate::error::as_problem`]): outside the time-out, so that its answer is one too.
/// The FHIR endpoint's are `OperationOutcome`s, made from the same.
async fn problems(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let api = path == "/api" || path.starts_with("/api/");
    let fhir = path.starts_with("/api/feed/");
    let endpoint = path
        .strip_prefix(crate::fhir::BASE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let read = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(request).await;
    if endpoint {
        return crate::fhir::as_outcome(response, read, &state.public_origin).await;
    }
    if api { crate::error::as_problem(response, fhir) } else { response }
}

/// A request taking longer than this is cut; a phone on a weak network retries.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The app's routes, walked once per process. Walking them (Leptos's `generate_route_list`) sets
/// a flag that is global to the process, under which a resource first polled on any thread waits
/// forever: a page rendered while another [`app`] was being built (tests build one each, on
/// parallel threads) never finished. Built once, before the first router exists, no page can be
/// rendering meanwhile.
fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(app::App));
    ROUTES.clone()
}

/// Builds the whole application. Tests drive it with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let routes = routes();
    let options = state.leptos_options.clone();
    let site_root = options.site_root.to_string();
    let state_for_origin = state.clone();
    // Built once: every page the server renders reads its data through it.
    let api_for_pages = api_router(&state);

    // Compressed once at build time (scripts/precompress.mjs), never per request. Which copy a
    // browser gets depends on its Accept-Encoding, which every answer says (ServeDir does not),
    // so that no shared cache hands brotli to a browser that did not ask for it. The not-found
    // page is rendered, so compressed as it is sent like every other page (and its compression
    // says Vary itself).
    let static_files = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .service(
            ServeDir::new(&site_root)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false)
                .fallback(
                    get(pages::render_page(api_for_pages.clone(), options.clone()))
                        .layer(compression()),
                ),
        );

    Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || pages::provide_request_context(&api_for_pages),
            move || app::shell(options.clone()),
        )
        // The pages' routes only: the layers below cover every route.
        .route_layer(axum::middleware::from_fn(pages::in_its_own_arena))
        .route("/healthz", get(healthz))
        .route("/pro/dossier/{record}", get(pro_record_moved))
        .nest("/api", api())
        // Pages and the API only: the static files below pass as they are on disk, and the
        // FHIR endpoint's answers as they are made (their paging links hold the search's own
        // words beside health data: no compression, no BREACH oracle).
        .route_layer(compression())
        .nest(crate::fhir::BASE, crate::fhir::routes())
        .fallback_service(static_files)
        .with_state(state)
        .layer(axum::middleware::from_fn(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state_for_origin.clone(),
            security::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(state_for_origin.clone(), security::headers))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(state_for_origin, problems))
        .layer(CatchPanicLayer::custom(security::panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    // The path only: query strings may carry codes or identifiers.
                    tracing::info_span!(
                        "http",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}

/// A record's address for a professional, from before its documents had their own: they are
/// there now. The app links to them directly, so this address costs its route nothing in the
/// bundle every page downloads. The path as the request wrote it (percent-encoded, so a valid
/// header), under `/pro/dossier/`: never another site.
async fn pro_record_moved(uri: Uri) -> Redirect {
    Redirect::permanent(&format!("{}/documents", uri.path()))
}

/// Pages and API answers are compressed as they are sent (brotli or gzip, as the browser
/// accepts): a page carries its data for hydration, and a list of documents is mostly
/// repeated words. Not the static files, which pass as they are on disk (the big ones are
/// compressed once at build time), nor images and PDFs, compressed already.
///
/// No BREACH oracle: that attack reads a secret from the sizes of compressed answers that hold
/// it beside text the attacker chose. No answer reflects a query's text, the session cookie is
/// `SameSite=Strict` (a hostile site's requests are anonymous) and the one secret an answer
/// holds, the CSRF token, is masked afresh in each ([`crate::session::masked_csrf`]).
fn compression() -> CompressionLayer<impl Predicate> {
    // Brotli's own default (quality 11) costs tens of milliseconds a page; 4 is nearly as small.
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/pdf")))
}

/// The JSON API. Everything under `/api` answers JSON, never the HTML app.
/// Every route under `/api`, with its path.
pub fn api_routes() -> Routes {
    Routes::new()
        .nest("/account", crate::account::routes())
        .nest("/pro", crate::professional::routes().merge(crate::emergency::pro_routes()))
        .nest(
            "/records",
            crate::record::routes()
                .merge(crate::emergency::record_routes())
                .merge(crate::emergency::links::record_routes())
                .merge(crate::profile::routes())
                .merge(crate::feed::history::record_routes()),
        )
        .merge(crate::feed::routes())
        .merge(crate::emergency::notification_routes())
        .merge(crate::emergency::links::viewer_routes())
        .route("/directory", axum::routing::get(crate::professional::search))
        .route("/problems/{code}", axum::routing::get(crate::error::describe))
}

/// The JSON API alone under `/api`, with its state: what pages rendered on the server read
/// their data from (see `pages::provide_request_context`).
fn api_router(state: &AppState) -> Router {
    Router::new().nest("/api", api()).with_state(state.clone())
}

fn api() -> Router<AppState> {
    api_routes().into_router().fallback(|| async { ApiError::NotFound })
}
