//! The on-device copy at work in the browser: setting it up with a device code, unlocking and
//! locking it, remembering the server's answers and giving them back without a network, the
//! outbox of changes made offline and sending it, and wiping everything.
//!
//! The data key lives in [`UNLOCKED`] only, in this page's memory: a reload, a lock or a logout
//! drops it. IndexedDB holds it only wrapped by the key PBKDF2 derives from the device code.
//! Connections to IndexedDB are opened per operation and closed after it, so a wipe is never
//! blocked by one left open.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::{GetUntracked, Set, Update};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto::{self, DataKey, RecordId};
use super::idb::{CacheDb, CacheError, FILES, OUTBOX, RECORDS};
use super::outbox::{self, Change, Outcome};
use super::webcrypto::{self, NativeKey, PBKDF2_ROUNDS};
use super::{DB_NAME, Lock, MAX_TRIES, OfflineState, cacheable};
use crate::client::ApiFailure;

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

pub(super) fn register(state: OfflineState) {
    STATE.set(Some(state));
}

pub fn state() -> Option<OfflineState> {
    STATE.get()
}

/// A request reached the server (`true`) or found no network (`false`): the header's indicator
/// follows what the last request found, not only the browser's `online` and `offline` events,
/// which do not fire when the network fails while the device stays connected.
pub fn network_answered(answered: bool) {
    if let Some(state) = state()
        && state.online.get_untracked() != answered
    {
        state.online.set(answered);
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

/// Keeps the server's answer to `GET path` in the copy, sealed, when the copy is unlocked and the
/// path is part of the record.
pub fn remember(path: &str, text: &str) {
    let Some(unlocked) = unlocked() else { return };
    if !cacheable(path) {
        return;
    }
    let (path, text) = (path.to_owned(), Zeroizing::new(text.as_bytes().to_vec()));
    wasm_bindgen_futures::spawn_local(async move {
        let id =
            RecordId { user: &unlocked.user, store: RECORDS, key: &path, schema_version: SCHEMA };
        let Ok(sealed) = seal_for(&unlocked, &id, &text).await else { return };
        if let Ok(db) = open_db().await {
            let _ = db.put_sealed(RECORDS, &path, &sealed).await;
            db.close();
        }
    });
}

/// The kept answer to `GET path`, opened. `Err` when it is there but does not open (altered on
/// the disk): the interface says so instead of showing it.
pub async fn recall(path: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ApiFailure> {
    let Some(unlocked) = unlocked() else { return Ok(None) };
    let db = open_db().await.map_err(|_| ApiFailure::Network)?;
    let sealed = db.get_sealed(RECORDS, path).await;
    db.close();
    let Ok(Some(sealed)) = sealed else { return Ok(None) };
    let id = RecordId { user: &unlocked.user, store: RECORDS, key: path, schema_version: SCHEMA };
    match open_for(&unlocked, &id, &sealed).await {
        Ok(plain) => Ok(Some(plain)),
        Err(_) => {
            if let Some(state) = state() {
                state.damaged.set(true);
            }
            Err(ApiFailure::Network)
        }
    }
}

fn outbox_id<'a>(user: &'a str, key: &'a str) -> RecordId<'a> {
    RecordId { user, store: OUTBOX, key, schema_version: SCHEMA }
}

/// Puts a change in the outbox, durably, and tries to send it at once.
pub async fn queue(change: Change) -> Result<(), CacheError> {
    let unlocked = unlocked().ok_or(CacheError::Corrupt)?;
    write_change(&unlocked, &change).await?;
    refresh_outbox().await;
    wasm_bindgen_futures::spawn_local(flush());
    Ok(())
}

/// Puts a document of the patient's own in the outbox: its bytes first, sealed and durable, then
/// the change that sends them; and tries to send it at once.
pub async fn queue_document(change: Change, content: Zeroizing<Vec<u8>>) -> Result<(), CacheError> {
    let unlocked = unlocked().ok_or(CacheError::Corrupt)?;
    let key = file_key(&change.id);
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    let sealed = seal_for(&unlocked, &id, &content).await?;
    let db = open_db().await?;
    let written = db.put_sealed_durable(FILES, &key, &sealed).await;
    db.close();
    written?;
    queue(change).await
}

/// Where the bytes of the outbox's document `change_id` wait.
fn file_key(change_id: &str) -> String {
    format!("outbox/{change_id}")
}

/// The bytes of the outbox's document, opened. `None` when missing or altered.
async fn waiting_file(unlocked: &Unlocked, change_id: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key = file_key(change_id);
    let db = open_db().await.ok()?;
    let sealed = db.get_sealed(FILES, &key).await;
    db.close();
    let sealed = sealed.ok()??;
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    open_for(unlocked, &id, &sealed).await.ok()
}

/// Takes a change out of the outbox, with the bytes of its document if it has some.
async fn remove_change(id: &str) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(OUTBOX, id).await;
        let _ = db.delete(FILES, &file_key(id)).await;
        db.close();
    }
}

async fn write_change(unlocked: &Unlocked, change: &Change) -> Result<(), CacheError> {
    let plain = Zeroizing::new(serde_json::to_vec(change).map_err(|_| CacheError::Corrupt)?);
    let db = open_db().await?;
    let written =
        db.put_durable(&unlocked.key, &outbox_id(&unlocked.user, &change.id), &plain).await;
    db.close();
    written
}

/// The outbox, oldest first. A change that does not open is left where it is (and reported),
/// never deleted silently.
async fn changes(unlocked: &Unlocked) -> Vec<Change> {
    let Ok(db) = open_db().await else { return Vec::new() };
    let mut out = Vec::new();
    for key in db.keys(OUTBOX).await.unwrap_or_default() {
        let Ok(Some(sealed)) = db.get_sealed(OUTBOX, &key).await else { continue };
        match crypto::open(&unlocked.key, &outbox_id(&unlocked.user, &key), &sealed) {
            Ok(plain) => out.extend(serde_json::from_slice::<Change>(&plain).ok()),
            Err(_) => {
                if let Some(state) = state() {
                    state.damaged.set(true);
                }
            }
        }
    }
    db.close();
    out
}

/// Reads the outbox's size (possible while locked: it opens nothing) and, when unlocked, its
/// changes, into the interface's state.
pub async fn refresh_outbox() {
    let Some(state) = state() else { return };
    if !super::idb::exists(DB_NAME).await {
        state.waiting.set(0);
    } else if let Ok(db) = open_db().await {
        state.waiting.set(db.count(OUTBOX).await.unwrap_or(0));
        db.close();
    }
    if let Some(unlocked) = unlocked() {
        state.changes.set(changes(&unlocked).await);
    } else {
        state.changes.set(Vec::new());
    }
}

/// The user's choice on a change kept for them: send theirs again, or drop it.
pub async fn resolve(id: &str, keep_mine: bool) {
    let Some(unlocked) = unlocked() else { return };
    if let Some(mut change) = changes(&unlocked).await.into_iter().find(|c| c.id == id) {
        if keep_mine {
            change.keep_mine();
            let _ = write_change(&unlocked, &change).await;
        } else {
            remove_change(id).await;
        }
    }
    refresh_outbox().await;
    flush().await;
}

/// Sends what waits in the outbox, oldest first, each with its idempotency key; stops at the
/// first change that gets no answer. Runs once at a time.
pub async fn flush() {
    let Some(unlocked) = unlocked() else { return };
    if FLUSHING.replace(true) {
        return;
    }
    let mut sent = false;
    let pending: Vec<Change> = changes(&unlocked)
        .await
        .into_iter()
        .filter(|c| c.state == outbox::State::Waiting)
        .collect();
    if !pending.is_empty()
        && let Ok(me) = network::me().await
    {
        for change in pending {
            let outcome = match send(&unlocked, &change, &me.csrf_token).await {
                Ok(outcome) => outcome,
                Err(ApiFailure::Network) => Outcome::Later,
                Err(ApiFailure::Refused(body)) => {
                    let current = match &change.what {
                        outbox::What::EditEntry { entry_id, .. } => {
                            network::entry(&change.record, entry_id).await
                        }
                        outbox::What::NewEntry { .. } | outbox::What::NewDocument { .. } => None,
                    };
                    outbox::on_refusal(&change, &body, current.as_ref())
                }
            };
            match outcome {
                Outcome::Done => {
                    remove_change(&change.id).await;
                    sent = true;
                }
                Outcome::Later => break,
                Outcome::Keep(state) => {
                    let _ = write_change(&unlocked, &Change { state, ..change }).await;
                }
            }
        }
    }
    FLUSHING.set(false);
    refresh_outbox().await;
    if sent && let Some(state) = state() {
        state.synced.update(|n| *n += 1);
    }
}

/// Sends one change: an entry as its request, a document as an upload (its idempotency key the
/// change's, so one that reached the server before is not deposited twice), its progress shown.
async fn send(unlocked: &Unlocked, change: &Change, csrf: &str) -> Result<Outcome, ApiFailure> {
    let outbox::What::NewDocument { deposit } = &change.what else {
        return network::send(change, csrf).await.map(|()| Outcome::Done);
    };
    let Some(content) = waiting_file(unlocked, &change.id).await else {
        // Gone or altered on the disk: said, and kept for the user to remove.
        if let Some(state) = state() {
            state.damaged.set(true);
        }
        return Ok(Outcome::Keep(outbox::State::Refused {
            error: crate::api::ErrorCode::Internal,
        }));
    };
    let blob = crate::record::upload::blob_of(&content, None).ok_or(ApiFailure::Network)?;
    drop(content);
    let state = state();
    let report = |received, size| {
        if let Some(state) = state {
            state.sending.set(Some((change.id.clone(), received, size)));
        }
    };
    let sent = crate::record::upload::upload(
        &change.record,
        csrf,
        &change.id,
        &blob,
        deposit.clone(),
        report,
    )
    .await;
    if let Some(state) = state {
        state.sending.set(None);
    }
    sent.map(|_| Outcome::Done)
}

/// Where the bytes of a document kept offline are: its id and the version kept.
fn kept_key(document_id: &str, version: u32) -> String {
    format!("document/{document_id}/{version}")
}

/// The documents kept offline on this device: (document id, version kept). Empty while locked.
pub async fn kept_documents() -> Vec<(String, u32)> {
    if unlocked().is_none() {
        return Vec::new();
    }
    let Ok(db) = open_db().await else { return Vec::new() };
    let keys = db.keys(FILES).await.unwrap_or_default();
    db.close();
    keys.iter()
        .filter_map(|key| {
            let (id, version) = key.strip_prefix("document/")?.split_once('/')?;
            Some((id.to_owned(), version.parse().ok()?))
        })
        .collect()
}

/// Keeps a document's current version offline: its bytes fetched from the server, sealed, and
/// written in place of an older version kept before.
pub async fn keep_document(
    record: &str,
    document_id: &str,
    version: u32,
) -> Result<(), ApiFailure> {
    let unlocked = unlocked().ok_or(ApiFailure::Network)?;
    let path = format!("/api/records/{record}/documents/{document_id}/content");
    let response =
        gloo_net::http::Request::get(&path).send().await.map_err(|_| ApiFailure::Network)?;
    if !response.ok() {
        return Err(crate::client::read::<()>(response).await.err().unwrap_or(ApiFailure::Network));
    }
    let bytes = Zeroizing::new(response.binary().await.map_err(|_| ApiFailure::Network)?);
    let key = kept_key(document_id, version);
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    let sealed = seal_for(&unlocked, &id, &bytes).await.map_err(|_| ApiFailure::Network)?;
    drop(bytes);
    let db = open_db().await.map_err(|_| ApiFailure::Network)?;
    let written = db.put_sealed(FILES, &key, &sealed).await;
    db.close();
    written.map_err(|_| ApiFailure::Network)?;
    for (kept, older) in kept_documents().await {
        if kept == document_id && older != version {
            forget_version(document_id, older).await;
        }
    }
    Ok(())
}

async fn forget_version(document_id: &str, version: u32) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(FILES, &kept_key(document_id, version)).await;
        db.close();
    }
}

/// Forgets the kept answer to `GET path`.
async fn forget_answer(path: &str) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(RECORDS, path).await;
        db.close();
    }
}

/// No longer keeps a document offline (every version kept).
pub async fn forget_document(document_id: &str) {
    for (kept, version) in kept_documents().await {
        if kept == document_id {
            forget_version(document_id, version).await;
        }
    }
}

/// The bytes of a document kept offline, in this version, opened. `None` when not kept; an
/// altered record is reported and not shown.
pub async fn kept_content(document_id: &str, version: u32) -> Option<Zeroizing<Vec<u8>>> {
    let unlocked = unlocked()?;
    let key = kept_key(document_id, version);
    let db = open_db().await.ok()?;
    let sealed = db.get_sealed(FILES, &key).await;
    db.close();
    let sealed = sealed.ok()??;
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    match open_for(&unlocked, &id, &sealed).await {
        Ok(plain) => Some(plain),
        Err(_) => {
            if let Some(state) = state() {
                state.damaged.set(true);
            }
            None
        }
    }
}

/// The documents kept offline follow their new versions: with a network, after an unlock.
async fn refresh_kept(record: &str, documents: &[crate::record::DocumentInfo]) {
    for (id, version) in kept_documents().await {
        match documents.iter().find(|document| document.id == id) {
            Some(document) if document.version != version => {
                let _ = keep_document(record, &id, document.version).await;
            }
            Some(_) => {}
            // No longer readable (withdrawn, masked from this session): not kept either.
            None => forget_document(&id).await,
        }
    }
    if let Some(state) = state() {
        state.kept.set(kept_documents().await);
    }
}

/// Fills the copy with the parts of the record the app shows, from the server (each answer is
/// kept by [`remember`] on its way).
pub async fn refresh_copy() {
    use crate::account::Me;
    use crate::client;
    let Ok(me) = client::get::<Me>("/api/account/me").await else { return };
    let record = me.acting_for.as_ref().map_or(me.id.clone(), |person| person.id.clone());
    let documents = client::get::<Vec<crate::record::DocumentInfo>>(&format!(
        "/api/records/{record}/documents"
    ))
    .await;
    for part in ["abilities", "profile", "timeline", "episodes", "grants"] {
        let _ = client::get::<serde_json::Value>(&format!("/api/records/{record}/{part}")).await;
    }
    // The history's first page, at the address its page reads.
    let history = crate::record::history::history_uri(
        &record,
        crate::record::history::HistoryFilter::All,
        None,
    );
    let _ = client::get::<serde_json::Value>(&history).await;
    // Where the whole history was kept before it was read a page at a time: no page reads it.
    forget_answer(&format!("/api/records/{record}/access-history")).await;
    // The newest documents, at the address *Accueil* reads.
    let recent = crate::record::recent_documents_path(&record);
    let _ = client::get::<serde_json::Value>(&recent).await;
    if let Ok(documents) = documents {
        // Each page of the list, at the address the documents' page reads.
        let pages = documents.len().div_ceil(crate::record::DOCUMENTS_PER_PAGE).max(1);
        for page in 1..=pages {
            let path = format!("/api/records/{record}/documents/pages/{page}");
            let _ = client::get::<serde_json::Value>(&path).await;
        }
        refresh_kept(&record, &documents).await;
    }
    let _ = client::get::<serde_json::Value>("/api/notifications").await;
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

    use crate::account::Me;
    use crate::cache::outbox::Change;
    use crate::client::ApiFailure;
    use crate::client::read;
    use crate::profile::{EntryInfo, EntryWritten};

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

/// The entry points the pages call, split off together (with all they reach: IndexedDB, the
/// ciphers, the outbox's encoding) into one chunk loaded the first time one is needed, so that none
/// of it weighs on the first download. One chunk, not one per entry point: wasm-split cuts the code
/// that split points share into a chunk per combination of them, and a dozen entry points made
/// pages fetch 150 to 250 files, each a round trip on a phone. It loads once, at the start of a
/// page on a device that holds something offline (`cache::ui::watch`), so an unlock or a lock
/// never waits for it. A chunk that cannot be fetched (offline before the service worker kept
/// it) is a [`ChunkMissing`] each caller turns into what the user sees, never a panic; the
/// header says that part of Carnet is missing.
pub mod split {
    use zeroize::Zeroizing;

    use super::UnlockError;
    use crate::cache::Lock;
    use crate::chunk::ChunkMissing;
    use crate::client::ApiFailure;
    use crate::split_fn;

    impl From<ChunkMissing> for ApiFailure {
        fn from(_: ChunkMissing) -> Self {
            Self::Network
        }
    }

    impl From<ChunkMissing> for UnlockError {
        fn from(_: ChunkMissing) -> Self {
            Self::Unavailable
        }
    }

    pub fn is_unlocked() -> bool {
        super::unlocked().is_some()
    }

    split_fn!(offline =>
        pub async fn recall(path: String) -> Result<Option<Zeroizing<Vec<u8>>>, ApiFailure> {
            super::recall(&path).await
        }
    );

    split_fn!(offline =>
        pub async fn remember(path: String, text: Zeroizing<String>) {
            super::remember(&path, &text);
        }
    );

    split_fn!(offline =>
        /// A document of the patient's own into the outbox; `false` when it could not be written.
        pub async fn queue_document(
            change: crate::cache::outbox::Change,
            content: Zeroizing<Vec<u8>>,
        ) -> bool {
            super::queue_document(change, content).await.is_ok()
        }
    );

    split_fn!(offline =>
        pub async fn kept_documents() -> Vec<(String, u32)> {
            super::kept_documents().await
        }
    );

    split_fn!(offline =>
        /// Keeps the document offline (`keep`), or no longer.
        pub async fn keep_document(
            record: String,
            document_id: String,
            version: u32,
            keep: bool,
        ) -> Result<(), ApiFailure> {
            if keep {
                super::keep_document(&record, &document_id, version).await
            } else {
                super::forget_document(&document_id).await;
                Ok(())
            }
        }
    );

    split_fn!(offline =>
        pub async fn kept_content(document_id: String, version: u32) -> Option<Zeroizing<Vec<u8>>> {
            super::kept_content(&document_id, version).await
        }
    );

    split_fn!(offline =>
        pub async fn flush() {
            super::flush().await;
        }
    );

    split_fn!(offline =>
        pub async fn resolve(id: String, keep_mine: bool) {
            super::resolve(&id, keep_mine).await;
        }
    );

    split_fn!(offline =>
        /// What the device holds, the outbox's size, and a logout made offline sent.
        pub async fn start(online: bool) -> Lock {
            let lock = super::lock_state().await;
            super::refresh_outbox().await;
            if online {
                super::finish_pending_logout().await;
            }
            lock
        }
    );

    split_fn!(offline =>
        /// Sets the copy up for the signed-in account, or unlocks it; then, with a network, fills
        /// it and sends the outbox.
        pub async fn use_code(set_up: bool, code: Zeroizing<String>) -> Result<(), UnlockError> {
            if set_up {
                let me = crate::client::get::<crate::account::Me>("/api/account/me")
                    .await
                    .map_err(|_| UnlockError::Storage)?;
                super::set_up(&me.id, &code).await?;
            } else {
                super::unlock(&code).await?;
            }
            // Not awaited: the pages read the copy meanwhile.
            leptos::task::spawn_local(super::refresh_outbox());
            Ok(())
        }
    );

    split_fn!(offline =>
        pub async fn after_unlock() {
            super::refresh_copy().await;
            super::flush().await;
        }
    );
}
