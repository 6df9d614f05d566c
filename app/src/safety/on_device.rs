//! The interaction thesaurus on the device: fetched once from the site (`/data/…`, served
//! compressed and kept by the browser's HTTP cache, so it is there offline once seen), parsed
//! once, then every check runs in the page without the network. Reference data only: no health
//! data goes in or comes out of this request.

use std::{cell::RefCell, rc::Rc};

use super::interactions::Thesaurus;

/// Where the site serves the same file the server embeds.
pub const THESAURUS_PATH: &str = "/data/ansm-interactions.json";

thread_local! {
    static LOADED: RefCell<Option<Rc<Thesaurus>>> = const { RefCell::new(None) };
}

/// The thesaurus, loaded on first use; `None` if it cannot be had now (never fetched and
/// offline): the server's check still runs when the entry is sent.
pub async fn thesaurus() -> Option<Rc<Thesaurus>> {
    if let Some(loaded) = LOADED.with(|cell| cell.borrow().clone()) {
        return Some(loaded);
    }
    let text = fetch().await?;
    // Parsing takes a few tens of milliseconds on a phone, once; yield first so the press of the
    // button is painted before.
    gloo_timers::future::TimeoutFuture::new(0).await;
    let parsed = Rc::new(Thesaurus::parse(&text).ok()?);
    LOADED.with(|cell| *cell.borrow_mut() = Some(parsed.clone()));
    Some(parsed)
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
async fn fetch() -> Option<String> {
    let response = gloo_net::http::Request::get(THESAURUS_PATH).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.text().await.ok()
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
async fn fetch() -> Option<String> {
    None
}
