//! Server-side rendering of the Leptos app, for routed pages and for everything no other route
//! or file matched (the app's not-found page, with status 404).

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
};

use app::client::{ServerAnswer, ServerApi};
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderName, Request, header, request::Parts},
    middleware::Next,
    response::Response,
};
use leptos::{
    nonce::Nonce,
    prelude::*,
    reactive::owner::{Owner, WeakOwner},
};
use tower::ServiceExt;

/// The largest API answer a page rendered on the server reads (a long list of documents is
/// a few hundred kilobytes).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// What a page request passes on to the API calls made while rendering it: who is asking (the
/// session cookie), from where (the proxy's forwarding headers, checked by the API as usual) and
/// with which browser and languages. Nothing else: no conditional or encoding header, so an
/// answer is always a whole, plain JSON body.
const PASSED_ON: [HeaderName; 6] = [
    header::COOKIE,
    header::USER_AGENT,
    header::ACCEPT_LANGUAGE,
    header::FORWARDED,
    crate::extract::X_FORWARDED_FOR,
    header::HOST,
];

/// The context of every page the server renders: the request's CSP nonce (set by
/// `security::headers`) for the hydration script, and the API as this request's person reaches
/// it ([`ServerApi`]), so pages render with their data. `api` is the `/api` router alone, with
/// its state: the same handlers, extractors, policy and audit log as a browser's request.
pub fn provide_request_context(api: &Router) {
    let Some(parts) = use_context::<Parts>() else { return };
    if let Some(nonce) = parts.extensions.get::<Nonce>().cloned() {
        provide_context(nonce);
    }
    provide_context(server_api(api.clone(), &parts));
}

fn server_api(api: Router, page: &Parts) -> ServerApi {
    let mut headers = axum::http::HeaderMap::new();
    for name in PASSED_ON {
        for value in page.headers.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let peer = page.extensions.get::<ConnectInfo<SocketAddr>>().cloned();
    ServerApi::new(move |path: String| {
        let (api, headers) = (api.clone(), headers.clone());
        async move {
            let mut request = Request::get(&path).body(Body::empty()).unwrap_or_default();
            *request.headers_mut() = headers;
            if let Some(peer) = peer {
                request.extensions_mut().insert(peer);
            }
            let Ok(response) = api.oneshot(request).await;
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
                .await
                .map(|bytes| bytes.to_vec())
                .unwrap_or_default();
            ServerAnswer { status, body }
        }
    })
}

/// The handler of everything no other route or file matched: the app's not-found page, rendered
/// like any other page, with the API router built once by `web::app`.
pub fn render_page(
    api: Router,
    options: LeptosOptions,
) -> impl Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response> + Send + 'static>>
+ Clone
+ Send
+ Sync
+ 'static {
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_request_context(&api),
        move || app::shell(options.clone()),
    );
    move |request| Box::pin(InItsOwnArena::new(render(request)))
}

/// The middleware of the routed pages: each is rendered in its own arena ([`InItsOwnArena`]).
pub async fn in_its_own_arena(request: Request<Body>, next: Next) -> Response {
    InItsOwnArena::new(next.run(request)).await
}

/// A page's rendering, put back in its own reactive owner (and so its own arena of signals)
/// each time it is polled.
///
/// Leptos keeps the current owner and arena in thread-locals, which a task sets when it is
/// polled and leaves set after. `leptos_axum` wraps the body of a page in a future that sets
/// its arena again, but not the part before the first chunk: reading the page's title, the
/// request's nonce and what its first `Suspense`s read. When another request's task ran on the
/// same thread in between, that part read the other request's arena and owner: a value found
/// disposed (a panic, for one page in five of eight rendered at once on one thread) or another
/// request's context. This wrapper finds the owner that the rendering makes (on its first poll)
/// and makes it current again before every later one.
pub struct InItsOwnArena<F> {
    render: Pin<Box<F>>,
    owner: Option<WeakOwner>,
}

impl<F> InItsOwnArena<F> {
    pub fn new(render: F) -> Self {
        Self { render: Box::pin(render), owner: None }
    }
}

impl<F: Future> Future for InItsOwnArena<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let Some(owner) = &this.owner else {
            // Until the rendering has made its root (on its first poll, unless a layer inside
            // this one waits first): an owner that becomes current during this poll is its
            // own, as nothing of another task runs within it.
            let before = Owner::current();
            let poll = this.render.as_mut().poll(context);
            this.owner = Owner::current()
                .filter(|now| Some(now) != before.as_ref())
                .map(|owner| owner.downgrade());
            return poll;
        };
        if let Some(owner) = owner.upgrade() {
            owner.set();
        }
        this.render.as_mut().poll(context)
    }
}
