//! The browser's side of the account API: JSON over `fetch`, same-origin cookies. Every
//! failure becomes an [`ApiFailure`] that the interface turns into a translated sentence.

use leptos::{prelude::*, task::spawn_local};
use serde::{Serialize, de::DeserializeOwned};

use crate::api::{ErrorBody, ErrorCode};

/// Why a call did not give the expected answer.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// Awaits a request; the header's online indicator learns whether it reached the server.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
async fn answered(
    sent: impl Future<Output = Result<gloo_net::http::Response, gloo_net::Error>>,
) -> Result<gloo_net::http::Response, ApiFailure> {
    let response = sent.await;
    crate::cache::offline::network_answered(response.is_ok());
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
            request = request.header("x-csrf-token", token);
        }
        let request = request.json(body).map_err(|_| ApiFailure::Network)?;
        let response = answered(request.send()).await?;
        read(response).await
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        // Only the browser calls the API through this module.
        let _ = (path, body, csrf);
        Err(ApiFailure::Network)
    }
}

/// `GET path`, expecting JSON. An answer that belongs to the record is kept in the device's
/// copy when it is unlocked, and given back from it when there is no network.
pub async fn get<R: DeserializeOwned>(path: &str) -> Result<R, ApiFailure> {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        use crate::cache::offline;
        let Ok(response) = answered(gloo_net::http::Request::get(path).send()).await else {
            // No network: the device's copy, if it is unlocked and holds this answer.
            let kept =
                offline::split::recall(path.to_owned()).await??.ok_or(ApiFailure::Network)?;
            return serde_json::from_slice(&kept).map_err(|_| ApiFailure::Network);
        };
        if !response.ok() || response.status() == 204 {
            return read(response).await?.ok_or(ApiFailure::Network);
        }
        let text = zeroize::Zeroizing::new(response.text().await.map_err(|_| ApiFailure::Network)?);
        if offline::split::is_unlocked() {
            let (path, text) = (path.to_owned(), text.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = offline::split::remember(path, text).await;
            });
        }
        serde_json::from_str(&text).map_err(|_| ApiFailure::Network)
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        let _ = path;
        Err(ApiFailure::Network)
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
            .header("x-csrf-token", csrf)
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
pub fn today() -> crate::account::validate::Date {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    let seconds = (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0);
    crate::account::validate::Date::from_unix_seconds(seconds)
}

/// Sends a form's request: at most one at a time (`pending`, which also drives the button's
/// progress state), the last refusal cleared and replaced by the new one if any (`failure`),
/// the server's answer handed to `on_answer`.
pub fn send_form<B, R>(
    pending: RwSignal<bool>,
    failure: RwSignal<Option<ApiFailure>>,
    path: impl Into<String>,
    body: B,
    csrf: Option<String>,
    on_answer: impl FnOnce(Option<R>) + 'static,
) where
    B: Serialize + 'static,
    R: DeserializeOwned + 'static,
{
    if pending.get_untracked() {
        return;
    }
    pending.set(true);
    failure.set(None);
    let path = path.into();
    spawn_local(async move {
        match post::<B, R>(&path, &body, csrf.as_deref()).await {
            Ok(answer) => on_answer(answer),
            Err(refused) => failure.set(Some(refused)),
        }
        pending.set(false);
    });
}

/// For answers that must carry a body: an empty one is reported as a network failure.
pub fn with_body<R>(
    failure: RwSignal<Option<ApiFailure>>,
    then: impl FnOnce(R) + 'static,
) -> impl FnOnce(Option<R>) + 'static {
    move |answer| match answer {
        Some(value) => then(value),
        None => failure.set(Some(ApiFailure::Network)),
    }
}
