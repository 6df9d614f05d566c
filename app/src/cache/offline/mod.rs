//! The on-device copy at work in the browser: setting it up with a device code, unlocking and
//! locking it, remembering the server's answers and giving them back without a network, the
//! outbox of changes made offline and sending it, and wiping everything.
//!
//! The data key lives in [`UNLOCKED`] only, in this page's memory: a reload, a lock or a logout
//! drops it. IndexedDB holds it only wrapped by the key PBKDF2 derives from the device code.
//! Connections to IndexedDB are opened per operation and closed after it, so a wipe is never
//! blocked by one left open.
//!
//! Here, the key and what the rooms share; the server's answers kept are `answers.rs`, the
//! outbox and its sending `sync.rs`, the documents kept offline `kept.rs`, and the entry points
//! loaded as a chunk of their own `split.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::Set;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto::{self, DataKey, RecordId};
use super::idb::{CacheDb, CacheError};
use super::webcrypto::{self, NativeKey, PBKDF2_ROUNDS};
use super::{DB_NAME, Lock, MAX_TRIES, OfflineState};
use crate::client::ApiFailure;

mod answers;
mod kept;
pub mod split;
mod sync;

pub use sync::queue;

/// Records at least this long are sealed and opened by the browser's AES-GCM; smaller ones by the
/// wasm crate, which has no promise to wait for. `scripts/bench-cache.sh`, seal + open: at 1 KiB
/// the crate takes 0.08 ms and the browser 0.11 ms; at 4 KiB 0.24 ms against 0.10 ms; at 1 MB the
/// browser is about ten times faster (50 ms against 5 ms).
const NATIVE_FROM: usize = 2 * 1024;
/// Version of the encoding of cached answers and outbox changes.
const SCHEMA: u32 = 1;
/// Local storage key telling that a logout made offline still has to reach the server.
pub const LOGOUT_PENDING: &str = "carnet.logout-pending";

/// The lock as stored: nothing here is health data.
#[derive(Serialize, Deserialize)]
struct LockFile {
    user: String,
    /// Base64url salt of the key derivation.
    salt: String,
    rounds: u32,
    /// Base64url data key sealed by the derived key.
    wrapped: String,
    /// Wrong codes since the last right one.
    failures: u32,
}

struct Unlocked {
    user: String,
    key: DataKey,
    native: NativeKey,
}

thread_local! {
    static UNLOCKED: RefCell<Option<Rc<Unlocked>>> = const { RefCell::new(None) };
    static STATE: Cell<Option<OfflineState>> = const { Cell::new(None) };
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
}

/// Why setting up or unlocking failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockError {
    /// Wrong code; this many tries are left before the copy is wiped.
    Wrong { tries_left: u32 },
    /// That was the last try: the copy is gone.
    Wiped,
    /// No copy on this device.
    NoCopy,
    /// The browser refused (storage full, private mode, no crypto).
    Storage,
    /// The code that unlocks is not on this device yet (no network since the app was opened).
    Unavailable,
}

/// Keeps the page's offline state, and attaches the copy to the client (see
/// [`crate::client::DeviceCopy`]): once per page, at its start.
pub(super) fn register(state: OfflineState) {
    STATE.set(Some(state));
    crate::client::attach_device_copy(crate::client::DeviceCopy {
        network_answered,
        is_unlocked: split::is_unlocked,
        recall: |path| Box::pin(async move { split::recall(path).await? }),
        remember: |path, text| {
            Box::pin(async move {
                let _ = split::remember(path, text).await;
            })
        },
    });
}

pub fn state() -> Option<OfflineState> {
    STATE.get()
}

/// A request reached the server (`true`) or found no network (`false`): the header's indicator
/// follows what the last request found, not only the browser's `online` and `offline` events,
/// which do not fire when the network fails while the device stays connected.
fn network_answered(answered: bool) {
    if let Some(state) = state() {
        state.network.set_online(answered);
    }
}

fn unlocked() -> Option<Rc<Unlocked>> {
    UNLOCKED.with_borrow(Clone::clone)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()
}

async fn open_db() -> Result<CacheDb, CacheError> {
    CacheDb::open(DB_NAME).await
}

async fn read_lock() -> Result<Option<LockFile>, CacheError> {
    // Asked at every start: a device without a copy is left without an (empty) database.
    if !super::idb::exists(DB_NAME).await {
        return Ok(None);
    }
    let db = open_db().await?;
    let text = db.get_meta().await;
    db.close();
    Ok(text?.and_then(|text| serde_json::from_str(&text).ok()))
}

async fn write_lock(lock: &LockFile) -> Result<(), CacheError> {
    let text = serde_json::to_string(lock).map_err(|_| CacheError::Corrupt)?;
    let db = open_db().await?;
    let written = db.put_meta(&text).await;
    db.close();
    written
}

/// What the device holds now.
pub async fn lock_state() -> Lock {
    if unlocked().is_some() {
        return Lock::Unlocked;
    }
    match read_lock().await {
        Ok(Some(lock)) => Lock::Locked { tries_left: MAX_TRIES.saturating_sub(lock.failures) },
        Ok(None) => Lock::Off,
        Err(_) => Lock::Off,
    }
}

/// The account the copy on this device belongs to, if any (readable while locked: it is an
/// opaque identifier).
pub async fn owner() -> Option<String> {
    read_lock().await.ok().flatten().map(|lock| lock.user)
}

async fn hold(user: String, bytes: &Zeroizing<[u8; 32]>) -> Result<(), UnlockError> {
    let native = NativeKey::import(bytes).await.map_err(|_| UnlockError::Storage)?;
    let key = DataKey::danger_from_bytes(bytes);
    UNLOCKED.set(Some(Rc::new(Unlocked { user, key, native })));
    Ok(())
}

/// Starts a copy for `user`, protected by `code`: a fresh data key, wrapped by the key derived
/// from the code. Whatever this device held before is wiped first.
pub async fn set_up(user: &str, code: &str) -> Result<(), UnlockError> {
    wipe_copy().await;
    let mut bytes = Zeroizing::new([0u8; 32]);
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut bytes[..]).map_err(|_| UnlockError::Storage)?;
    getrandom::getrandom(&mut salt).map_err(|_| UnlockError::Storage)?;
    let derived =
        webcrypto::pbkdf2(code, &salt, PBKDF2_ROUNDS).await.map_err(|_| UnlockError::Storage)?;
    let wrapping = DataKey::danger_from_bytes(&derived);
    let wrapped = crypto::wrap(&wrapping, user, &bytes).map_err(|_| UnlockError::Storage)?;
    let lock = LockFile {
        user: user.to_owned(),
        salt: b64(&salt),
        rounds: PBKDF2_ROUNDS,
        wrapped: b64(&wrapped),
        failures: 0,
    };
    write_lock(&lock).await.map_err(|_| UnlockError::Storage)?;
    hold(user.to_owned(), &bytes).await
}

/// Unlocks with the device code. Each try is counted **before** the code is checked, so a page
/// closed in the middle of a check has still used its try; the tenth wrong code wipes the copy.
pub async fn unlock(code: &str) -> Result<(), UnlockError> {
    let mut lock =
        read_lock().await.map_err(|_| UnlockError::Storage)?.ok_or(UnlockError::NoCopy)?;
    if lock.failures >= MAX_TRIES {
        wipe_copy().await;
        return Err(UnlockError::Wiped);
    }
    lock.failures += 1;
    let salt = unb64(&lock.salt).ok_or(UnlockError::Storage)?;
    let wrapped = unb64(&lock.wrapped).ok_or(UnlockError::Storage)?;
    // The try is written while the browser derives the key (off this thread); the code's answer
    // is looked at only once the try is on disk.
    let rounds = lock.rounds.max(PBKDF2_ROUNDS);
    let (counted, derived) =
        futures::future::join(write_lock(&lock), webcrypto::pbkdf2(code, &salt, rounds)).await;
    counted.map_err(|_| UnlockError::Storage)?;
    let derived = derived.map_err(|_| UnlockError::Storage)?;
    match crypto::unwrap(&DataKey::danger_from_bytes(&derived), &lock.user, &wrapped) {
        Ok(bytes) => {
            lock.failures = 0;
            let (reset, held) =
                futures::future::join(write_lock(&lock), hold(lock.user.clone(), &bytes)).await;
            reset.map_err(|_| UnlockError::Storage)?;
            held
        }
        Err(_) if lock.failures >= MAX_TRIES => {
            wipe_copy().await;
            Err(UnlockError::Wiped)
        }
        Err(_) => Err(UnlockError::Wrong { tries_left: MAX_TRIES - lock.failures }),
    }
}

/// Forgets the data key: the copy stays, sealed, until the next unlock.
pub fn lock() {
    UNLOCKED.set(None);
}

/// Deletes the copy: the key in memory and the whole database.
pub async fn wipe_copy() {
    lock();
    let _ = rexie::Rexie::delete(DB_NAME).await;
}

async fn seal_for(
    unlocked: &Unlocked,
    id: &RecordId<'_>,
    plain: &[u8],
) -> Result<Vec<u8>, CacheError> {
    if plain.len() >= NATIVE_FROM {
        Ok(webcrypto::seal(&unlocked.native, id, plain).await?)
    } else {
        Ok(crypto::seal(&unlocked.key, id, plain)?)
    }
}

async fn open_for(
    unlocked: &Unlocked,
    id: &RecordId<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CacheError> {
    if sealed.len() >= NATIVE_FROM {
        Ok(webcrypto::open(&unlocked.native, id, sealed).await?)
    } else {
        Ok(crypto::open(&unlocked.key, id, sealed)?)
    }
}

/// Logout: everything this app stored on the device goes — the copy and its outbox, the
/// service worker's caches and the worker itself, the emergency card, the app's local storage.
/// Works offline; `server_told` false leaves a mark so the next start online ends the session.
pub async fn wipe_device(server_told: bool) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    wipe_copy().await;
    let Some(window) = web_sys::window() else { return };
    if let Ok(caches) = window.caches()
        && let Ok(names) = JsFuture::from(caches.keys()).await
    {
        for name in js_sys::Array::from(&names).iter().filter_map(|n| n.as_string()) {
            let _ = JsFuture::from(caches.delete(&name)).await;
        }
    }
    let container = window.navigator().service_worker();
    if let Ok(registrations) = JsFuture::from(container.get_registrations()).await {
        for registration in js_sys::Array::from(&registrations).iter() {
            let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
            if let Ok(done) = registration.unregister() {
                let _ = JsFuture::from(done).await;
            }
        }
    }
    if let Ok(Some(storage)) = window.local_storage() {
        let keys: Vec<String> = (0..storage.length().unwrap_or(0))
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|key| key.starts_with("carnet."))
            .collect();
        for key in keys {
            let _ = storage.remove_item(&key);
        }
        if !server_told {
            let _ = storage.set_item(LOGOUT_PENDING, "1");
        }
    }
    if let Some(state) = state() {
        state.lock.set(Lock::Off);
        state.waiting.set(0);
        state.changes.set(Vec::new());
        state.shell.set(crate::cache::ShellKept::Unknown);
    }
}

/// Whether this device may hold something of Carnet's offline part: the copy's database, or a
/// logout made offline still to send. Asked of the browser itself, so that a device with nothing
/// of it never fetches the offline chunk.
pub async fn may_hold_anything() -> bool {
    let pending = web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(LOGOUT_PENDING).ok().flatten());
    pending.is_some() || super::idb::exists(DB_NAME).await
}

/// A logout made offline reaches the server at the next start with a network.
pub async fn finish_pending_logout() {
    let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
    let Some(storage) = storage else { return };
    if storage.get_item(LOGOUT_PENDING).ok().flatten().is_none() {
        return;
    }
    match network::me().await {
        Ok(me) => {
            let told =
                crate::client::post::<_, ()>("/api/account/logout", &(), Some(&me.csrf_token))
                    .await;
            if told.is_ok() {
                let _ = storage.remove_item(LOGOUT_PENDING);
            }
        }
        // Signed out already.
        Err(ApiFailure::Refused(_)) => {
            let _ = storage.remove_item(LOGOUT_PENDING);
        }
        Err(ApiFailure::Network) => {}
    }
}

/// Straight to the server, never to the copy.
mod network {
    use gloo_net::http::Request;

    use crate::api::account::Me;
    use crate::api::profile::{EntryInfo, EntryWritten};
    use crate::cache::outbox::Change;
    use crate::client::ApiFailure;
    use crate::client::read;

    pub async fn me() -> Result<Me, ApiFailure> {
        let response =
            Request::get("/api/account/me").send().await.map_err(|_| ApiFailure::Network)?;
        read(response).await?.ok_or(ApiFailure::Network)
    }

    pub async fn send(change: &Change, csrf: &str) -> Result<(), ApiFailure> {
        let request = change.request().ok_or(ApiFailure::Network)?;
        let builder =
            if request.put { Request::put(&request.path) } else { Request::post(&request.path) };
        let response = builder
            .header(crate::api::CSRF_HEADER, csrf)
            .header(crate::api::IDEMPOTENCY_HEADER, &change.id)
            .json(&request.body)
            .map_err(|_| ApiFailure::Network)?
            .send()
            .await
            .map_err(|_| ApiFailure::Network)?;
        read::<EntryWritten>(response).await.map(|_| ())
    }

    /// The entry as the server has it now.
    pub async fn entry(record: &str, id: &str) -> Option<EntryInfo> {
        let path = format!("/api/records/{record}/profile");
        let response = Request::get(&path).send().await.ok()?;
        let list: Vec<EntryInfo> = read(response).await.ok()??;
        list.into_iter().find(|entry| entry.id == id)
    }
}
