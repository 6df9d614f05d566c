//! The interaction thesaurus and the medicines database on the device: each fetched once from
//! the site (`/data/…`, served compressed, kept by the service worker and the browser's HTTP
//! cache, so they are there offline), parsed once, then every check runs in the page without
//! the network. Reference data only: no health data goes in or comes out of these requests.

use std::{cell::RefCell, rc::Rc};

use super::interactions::Thesaurus;
use super::medicines::Medicines;

/// Where the site serves the same files the server embeds.
pub const THESAURUS_PATH: &str = "/data/ansm-interactions.json";
pub const MEDICINES_PATH: &str = "/data/bdpm-medicines.json";

thread_local! {
    static THESAURUS: RefCell<Option<Rc<Thesaurus>>> = const { RefCell::new(None) };
    static MEDICINES: RefCell<Option<Rc<Medicines>>> = const { RefCell::new(None) };
}

type Slot<T> = std::thread::LocalKey<RefCell<Option<Rc<T>>>>;

/// The file at `path` parsed, from `slot` once it has been.
async fn load<T>(
    slot: &'static Slot<T>,
    path: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<Rc<T>> {
    if let Some(loaded) = slot.with(|cell| cell.borrow().clone()) {
        return Some(loaded);
    }
    let text = fetch(path).await?;
    // Parsing takes a few tens of milliseconds on a phone, once; yield first so the press of the
    // button is painted before.
    gloo_timers::future::TimeoutFuture::new(0).await;
    let parsed = Rc::new(parse(&text)?);
    slot.with(|cell| *cell.borrow_mut() = Some(parsed.clone()));
    Some(parsed)
}

/// The thesaurus, loaded on first use; `None` if it cannot be had now (never fetched and
/// offline): the server's check still runs when the entry is sent.
pub async fn thesaurus() -> Option<Rc<Thesaurus>> {
    load(&THESAURUS, THESAURUS_PATH, |text| Thesaurus::parse(text).ok()).await
}

/// The medicines database (brands, common names, CIP13 codes), loaded on first use, only by the
/// forms that name a treatment; `None` if it cannot be had now.
pub async fn medicines() -> Option<Rc<Medicines>> {
    load(&MEDICINES, MEDICINES_PATH, |text| Medicines::parse(text).ok()).await
}

/// The thesaurus if it is loaded already.
pub fn thesaurus_loaded() -> Option<Rc<Thesaurus>> {
    THESAURUS.with(|cell| cell.borrow().clone())
}

/// The medicines database if it is loaded already (for suggestions while typing, which never
/// wait for it).
pub fn medicines_loaded() -> Option<Rc<Medicines>> {
    MEDICINES.with(|cell| cell.borrow().clone())
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
async fn fetch(path: &str) -> Option<String> {
    let response = gloo_net::http::Request::get(path).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.text().await.ok()
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
async fn fetch(_: &str) -> Option<String> {
    None
}
