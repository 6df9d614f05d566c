//! The client data layer's HTTP client: the app's side of the JSON API. In the browser, `fetch`
//! with same-origin cookies; on the server, while it renders a page, the same API called in
//! process with the page request's cookies ([`ServerApi`]), so a page is rendered with the
//! person's data through the same policy and audit log as any other read. Every failure becomes
//! an [`ApiFailure`] that the interface turns into a translated sentence.

mod submission;
pub mod upload;

pub use submission::Submission;

use leptos::{prelude::*, task::spawn_local};
use serde::{Serialize, de::DeserializeOwned};

use crate::api::{ErrorBody, ErrorCode};

/// Why a call did not give the expected answer. Serialisable: a page rendered on the server
/// hands its answers, refusals included, to the browser's hydration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApiFailure {
    /// The server answered with a refusal.
    Refused(ErrorBody),
    /// No answer (offline, server down) or an unreadable one.
    Network,
}

impl ApiFailure {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused(body) => Some(body.error),
            Self::Network => None,
        }
    }
}

/// The device's offline copy as the client reaches it, in the browser: told whether each request
/// reached the server, handed the answers to keep, asked for one when there is no network. The
/// copy (`cache`) attaches itself when a page starts; the client never imports the cache, which
/// sends through the client. Until it is attached, a request without a network just fails.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
#[derive(Clone, Copy)]
pub struct DeviceCopy {
    pub network_answered: fn(bool),
    pub is_unlocked: fn() -> bool,
    pub recall: fn(String) -> LocalFuture<Result<Option<KeptAnswer>, ApiFailure>>,
    pub remember: fn(String, zeroize::Zeroizing<String>) -> LocalFuture<()>,
}

/// An answer kept in the copy, opened.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub type KeptAnswer = zeroize::Zeroizing<Vec<u8>>;

/// A future of this page's thread (the browser has one).
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub type LocalFuture<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
thread_local! {
    static DEVICE_COPY: std::cell::Cell<Option<DeviceCopy>> = const { std::cell::Cell::new(None) };
}

/// Attaches the device's copy (see [`DeviceCopy`]), once per page.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub fn attach_device_copy(copy: DeviceCopy) {
    DEVICE_COPY.set(Some(copy));
}

/// Awaits a request; the header's online indicator learns whether it reached the server.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
async fn answered(
    sent: impl Future<Output = Result<gloo_net::http::Response, gloo_net::Error>>,
) -> Result<gloo_net::http::Response, ApiFailure> {
    let response = sent.await;
    if let Some(copy) = DEVICE_COPY.get() {
        (copy.network_answered)(response.is_ok());
    }
    response.map_err(|_| ApiFailure::Network)
}

/// `POST path` with a JSON body; `csrf` goes in the `x-csrf-token` header. `Ok(None)` for an
/// empty success (204).
pub async fn post<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
    csrf: Option<&str>,
) -> Result<Option<R>, ApiFailure> {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        let mut request = gloo_net::http::Request::post(path);
        if let Some(token) = csrf {
            request = request.header(crate::api::CSRF_HEADER, token);
        }
        let request = request.json(body).map_err(|_| ApiFailure::Network)?;
        let response = answered(request.send()).await?;
        read(response).await
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        // Pages rendered on the server only read (`get`): nothing is sent from there.
        let _ = (path, body, csrf);
        Err(ApiFailure::Network)
    }
}

/// `GET path`, expecting JSON. An answer that belongs to the record is kept in the device's
/// copy when it is unlocked, and given back from it when there is no network. On the server, the
/// API is asked in process, as the person whose page is rendered ([`ServerApi`]). A `Send`
/// future, for [`Resource`]s that the server resolves and the browser hydrates.
pub fn get<R: DeserializeOwned + Send + 'static>(
    path: &str,
) -> impl Future<Output = Result<R, ApiFailure>> + Send + use<R> {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        leptos::__reexports::send_wrapper::SendWrapper::new(browser_get(path.to_owned()))
    }
    #[cfg(feature = "ssr")]
    {
        let api = use_context::<ServerApi>();
        let path = path.to_owned();
        async move {
            let body = api.ok_or(ApiFailure::Network)?.get(path).await?;
            serde_json::from_slice(&body).map_err(|_| ApiFailure::Network)
        }
    }
    #[cfg(not(any(feature = "ssr", all(feature = "hydrate", target_arch = "wasm32"))))]
    {
        let _ = path;
        std::future::ready(Err(ApiFailure::Network))
    }
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
async fn browser_get<R: DeserializeOwned>(path: String) -> Result<R, ApiFailure> {
    // The copy, when there is one and it is unlocked now.
    let unlocked = || DEVICE_COPY.get().filter(|copy| (copy.is_unlocked)());
    let Ok(response) = answered(gloo_net::http::Request::get(&path).send()).await else {
        // No network: the device's copy, if it is unlocked and holds this answer. A copy that is
        // locked or absent answers nothing, and its code is not fetched to say so.
        let copy = unlocked().ok_or(ApiFailure::Network)?;
        let kept = (copy.recall)(path).await?.ok_or(ApiFailure::Network)?;
        return serde_json::from_slice(&kept).map_err(|_| ApiFailure::Network);
    };
    if !response.ok() || response.status() == 204 {
        return read(response).await?.ok_or(ApiFailure::Network);
    }
    let text = zeroize::Zeroizing::new(response.text().await.map_err(|_| ApiFailure::Network)?);
    let answer = serde_json::from_str(&text).map_err(|_| ApiFailure::Network)?;
    // Kept only once it reads: the body moves to the copy, not copied.
    if let Some(copy) = unlocked() {
        wasm_bindgen_futures::spawn_local((copy.remember)(path, text));
    }
    Ok(answer)
}

/// The JSON API as the server's page renderer reaches it: a `GET` of an API path, made in process
/// with the headers of the page request being rendered (its session cookie, client address and
/// browser), answered by the same handlers, policy and audit log as a request from the browser.
/// The server provides it in the context of each page it renders.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ServerApi(std::sync::Arc<dyn Fn(String) -> PendingAnswer + Send + Sync>);

/// An answer of the in-process API, on its way.
#[cfg(feature = "ssr")]
type PendingAnswer = std::pin::Pin<Box<dyn Future<Output = ServerAnswer> + Send>>;

/// What the API answered a [`ServerApi`] call: its status and body.
#[cfg(feature = "ssr")]
pub struct ServerAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

#[cfg(feature = "ssr")]
impl ServerApi {
    pub fn new<F, Fut>(call: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServerAnswer> + Send + 'static,
    {
        Self(std::sync::Arc::new(move |path| Box::pin(call(path))))
    }

    async fn get(&self, path: String) -> Result<Vec<u8>, ApiFailure> {
        let ServerAnswer { status, body } = (self.0)(path).await;
        match status {
            200..=299 => Ok(body),
            _ => Err(serde_json::from_slice::<ErrorBody>(&body)
                .map(ApiFailure::Refused)
                .unwrap_or(ApiFailure::Network)),
        }
    }
}

/// The signed-in session's CSRF token, which every unsafe call sends (`x-csrf-token`). Given
/// once by the page that read the session ([`provide_csrf`]), read by the forms below it
/// ([`csrf`]) instead of being handed down from component to component.
#[derive(Clone, Debug)]
struct CsrfToken(String);

/// Gives the session's CSRF token to every component built below this one.
pub fn provide_csrf(token: String) {
    provide_context(CsrfToken(token));
}

/// The session's CSRF token, as the page above gave it; empty (and so refused by the server)
/// where no page did.
pub fn csrf() -> String {
    use_context::<CsrfToken>().map(|token| token.0).unwrap_or_default()
}

/// Awaited by a `Suspend` between reading its resources and building its view, on the server
/// only: there it returns once without being ready. `Suspense` first walks its children in a dry
/// run, to learn which resources they read, and a view built during that run would be built
/// again for the real one: its components, resources and API calls twice, two reads in the
/// audit log, and resources numbered unlike the browser's. Not ready at the dry run, the view is
/// built once. In the browser the data are there at hydration, and the view is built at once.
pub async fn settled() {
    #[cfg(feature = "ssr")]
    {
        let mut yielded = false;
        std::future::poll_fn(|context| {
            if yielded {
                return std::task::Poll::Ready(());
            }
            yielded = true;
            context.waker().wake_by_ref();
            std::task::Poll::Pending
        })
        .await;
    }
}

/// An answer the browser reads once the page is live, and again on `read`: `None` until then,
/// and always on the server. For secondary lists (choices behind a control, labels) that must
/// never hold a page back: no `Suspense` waits for them, so a page rendered by the server is not
/// replaced by its loading state when they arrive.
pub fn read_when_live<T>(path: String) -> (Signal<Option<T>>, Callback<()>)
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let value = RwSignal::new(None);
    let read = Callback::new(move |()| {
        let path = path.clone();
        spawn_local(async move {
            if let Ok(answer) = get::<T>(&path).await {
                value.set(Some(answer));
            }
        });
    });
    // Effects run in the browser only, after hydration.
    Effect::new(move |_| read.run(()));
    (value.into(), read)
}

/// A `Suspense`'s children built by `build` from `resource`'s value, once it is there, and once
/// per value (see [`settled`]).
pub fn built_from<T, V>(
    resource: Resource<T>,
    build: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl Fn() -> Suspend<V> + Send + Sync + 'static
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: 'static,
{
    let build = std::sync::Arc::new(build);
    move || {
        let build = build.clone();
        Suspend::new(async move {
            let value = resource.await;
            settled().await;
            build(value)
        })
    }
}

/// `PUT path` with a JSON body.
pub async fn put<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
    csrf: &str,
) -> Result<Option<R>, ApiFailure> {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        let request = gloo_net::http::Request::put(path)
            .header(crate::api::CSRF_HEADER, csrf)
            .json(body)
            .map_err(|_| ApiFailure::Network)?;
        let response = answered(request.send()).await?;
        read(response).await
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        let _ = (path, body, csrf);
        Err(ApiFailure::Network)
    }
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub(crate) async fn read<R: DeserializeOwned>(
    response: gloo_net::http::Response,
) -> Result<Option<R>, ApiFailure> {
    if response.ok() {
        if response.status() == 204 {
            return Ok(None);
        }
        return response.json::<R>().await.map(Some).map_err(|_| ApiFailure::Network);
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Refused(body)),
        Err(_) => Err(ApiFailure::Network),
    }
}

/// Today's date where the person is (UTC day of the device's clock), for checks in the browser.
/// The server checks again with its own clock.
pub fn today() -> crate::date::Date {
    crate::date::Date::from_unix_seconds(now_seconds())
}

/// The device's clock, in Unix seconds (the server's when it renders the page).
pub fn now_seconds() -> i64 {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    let seconds = (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0);
    seconds
}

/// Bumped whenever the page changes the record (a deposit, a profile entry), so the timeline
/// reads it again. Provided by the record pages; the parts that read the record watch it.
#[derive(Clone, Copy)]
pub struct RecordChanged(RwSignal<u32>);

impl RecordChanged {
    pub fn provide() -> Self {
        let changed = Self(RwSignal::new(0));
        provide_context(changed);
        changed
    }

    pub fn mark(self) {
        self.0.update(|n| *n = n.wrapping_add(1));
    }

    /// How many times the record changed: read in a reactive closure, it runs again on the next.
    pub fn count(self) -> u32 {
        self.0.get()
    }
}
