//! IndexedDB access through rexie: one database per device profile, sealed records only.
//!
//! The values of `records`, `outbox` and `files` are always the output of
//! [`crate::cache::crypto::seal`] (or its native twin); `meta` holds the lock (salt, rounds,
//! wrapped key, wrong tries), which is no health data. Writes to the outbox use IndexedDB's
//! strict durability (flushed to disk before they are reported done), which rexie does not
//! offer, through the browser's API directly.

use js_sys::{Array, Promise, Uint8Array};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

use super::crypto::{self, DataKey, RecordId};

/// Version of the IndexedDB schema (object stores). Raised when stores are added.
const DB_VERSION: u32 = 3;
/// The lock: one plain value, no health data.
pub const META: &str = "meta";
/// Cached answers of the server, sealed, keyed by their API path.
pub const RECORDS: &str = "records";
/// Changes made offline, sealed, keyed by their idempotency key.
pub const OUTBOX: &str = "outbox";
/// Documents' bytes, sealed: those waiting in the outbox (keyed `outbox/<change id>`) and those
/// the user keeps offline (keyed `document/<document id>`). Apart from the outbox, which is read
/// whole every time it is shown, and from the records, which are read one page at a time.
pub const FILES: &str = "files";
/// The object stores of the cache.
pub const STORES: &[&str] = &[META, RECORDS, OUTBOX, FILES];

/// Why the cache could not be read or written. Carries no record content.
#[derive(Debug)]
pub enum CacheError {
    /// IndexedDB refused the operation (quota, private mode, blocked upgrade…).
    Storage(rexie::Error),
    /// A stored value is not what this module writes.
    Corrupt,
    /// The record does not open with this key and identity.
    Seal(crypto::SealError),
    /// The durable write was not confirmed.
    Durable,
}

impl From<rexie::Error> for CacheError {
    fn from(error: rexie::Error) -> Self {
        Self::Storage(error)
    }
}

impl From<crypto::SealError> for CacheError {
    fn from(error: crypto::SealError) -> Self {
        Self::Seal(error)
    }
}

/// An open cache database.
pub struct CacheDb {
    db: Rexie,
}

impl CacheDb {
    /// Opens (and creates or upgrades) the database `name`.
    pub async fn open(name: &str) -> Result<Self, CacheError> {
        let mut builder = Rexie::builder(name).version(DB_VERSION);
        for store in STORES {
            builder = builder.add_object_store(ObjectStore::new(store));
        }
        Ok(Self { db: builder.build().await? })
    }

    /// Seals `plaintext` for `id` and stores it under `id.key` in `id.store`.
    pub async fn put_record(
        &self,
        key: &DataKey,
        id: &RecordId<'_>,
        plaintext: &[u8],
    ) -> Result<(), CacheError> {
        let sealed = crypto::seal(key, id, plaintext)?;
        self.put_sealed(id.store, id.key, &sealed).await
    }

    /// Reads and opens the record `id`; `None` when nothing is stored under it.
    pub async fn get_record(
        &self,
        key: &DataKey,
        id: &RecordId<'_>,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, CacheError> {
        match self.get_sealed(id.store, id.key).await? {
            Some(sealed) => Ok(Some(crypto::open(key, id, &sealed)?)),
            None => Ok(None),
        }
    }

    /// Stores already-sealed bytes.
    pub async fn put_sealed(
        &self,
        store: &str,
        key: &str,
        sealed: &[u8],
    ) -> Result<(), CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadWrite)?;
        let value: JsValue = Uint8Array::from(sealed).into();
        tx.store(store)?.put(&value, Some(&JsValue::from_str(key))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Reads the sealed bytes stored under `key`, as they are on disk.
    pub async fn get_sealed(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadOnly)?;
        let value = tx.store(store)?.get(JsValue::from_str(key)).await?;
        tx.done().await?;
        match value {
            None => Ok(None),
            Some(value) if value.is_instance_of::<Uint8Array>() => {
                Ok(Some(Uint8Array::from(value).to_vec()))
            }
            Some(_) => Err(CacheError::Corrupt),
        }
    }

    /// Writes many sealed values in one transaction (a whole refresh of the copy).
    pub async fn put_many(
        &self,
        store: &str,
        values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadWrite)?;
        let items = values.into_iter().map(|(key, sealed)| {
            (JsValue::from(Uint8Array::from(&sealed[..])), Some(JsValue::from_str(&key)))
        });
        tx.store(store)?.put_all(items).await?;
        tx.done().await?;
        Ok(())
    }

    /// The keys of a store, in IndexedDB's order (which for the outbox is the order of writing:
    /// its keys start with the time).
    pub async fn keys(&self, store: &str) -> Result<Vec<String>, CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadOnly)?;
        let keys = tx.store(store)?.get_all_keys(None, None).await?;
        tx.done().await?;
        Ok(keys.into_iter().filter_map(|key| key.as_string()).collect())
    }

    /// How many values a store holds, read without opening any.
    pub async fn count(&self, store: &str) -> Result<u32, CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadOnly)?;
        let count = tx.store(store)?.count(None).await?;
        tx.done().await?;
        Ok(count)
    }

    pub async fn delete(&self, store: &str, key: &str) -> Result<(), CacheError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadWrite)?;
        tx.store(store)?.delete(JsValue::from_str(key)).await?;
        tx.done().await?;
        Ok(())
    }

    /// The lock's plain value (JSON text), if any.
    pub async fn get_meta(&self) -> Result<Option<String>, CacheError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadOnly)?;
        let value = tx.store(META)?.get(JsValue::from_str("lock")).await?;
        tx.done().await?;
        Ok(value.and_then(|value| value.as_string()))
    }

    pub async fn put_meta(&self, text: &str) -> Result<(), CacheError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadWrite)?;
        tx.store(META)?.put(&JsValue::from_str(text), Some(&JsValue::from_str("lock"))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Seals and writes `plaintext` with strict durability: when this returns, the browser has
    /// flushed it to disk, so closing the tab or a crash right after does not lose it.
    pub async fn put_durable(
        &self,
        key: &DataKey,
        id: &RecordId<'_>,
        plaintext: &[u8],
    ) -> Result<(), CacheError> {
        let sealed = crypto::seal(key, id, plaintext)?;
        strict_put(&self.db.name(), id.store, id.key, &sealed).await
    }

    /// Writes already-sealed bytes with strict durability (sealed by the browser's cipher).
    pub async fn put_sealed_durable(
        &self,
        store: &str,
        key: &str,
        sealed: &[u8],
    ) -> Result<(), CacheError> {
        strict_put(&self.db.name(), store, key, sealed).await
    }

    /// Closes this connection (so a later delete is not blocked by it).
    pub fn close(self) {
        self.db.close();
    }

    /// Closes the database and deletes it with everything in it (logout, too many failed unlocks).
    pub async fn destroy(self) -> Result<(), CacheError> {
        let name = self.db.name();
        self.db.close();
        Rexie::delete(&name).await?;
        Ok(())
    }
}

/// Whether the database `name` exists, asked without opening it (opening creates it). `true`
/// when the browser cannot tell (no `indexedDB.databases()`): then it is opened as before.
pub async fn exists(name: &str) -> bool {
    let Some(factory) = web_sys::window().and_then(|window| window.indexed_db().ok().flatten())
    else {
        return false;
    };
    let listed = js_sys::Reflect::get(&factory, &"databases".into())
        .ok()
        .and_then(|databases| databases.dyn_into::<js_sys::Function>().ok())
        .and_then(|databases| databases.call0(&factory).ok())
        .and_then(|promise| promise.dyn_into::<Promise>().ok());
    let Some(listed) = listed else { return true };
    let Ok(list) = JsFuture::from(listed).await else { return true };
    Array::from(&list).iter().any(|database| {
        js_sys::Reflect::get(&database, &"name".into()).ok().and_then(|n| n.as_string()).as_deref()
            == Some(name)
    })
}

/// Resolves when `target` fires `ok`, rejects when it fires any of `failures`.
async fn event(target: &web_sys::EventTarget, ok: &str, failures: &[&str]) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move || resolve.call0(&JsValue::NULL));
        let _ = target.add_event_listener_with_callback(ok, done.unchecked_ref());
        for failure in failures {
            let reject = reject.clone();
            let failed = Closure::once_into_js(move || reject.call0(&JsValue::NULL));
            let _ = target.add_event_listener_with_callback(failure, failed.unchecked_ref());
        }
    });
    JsFuture::from(promise).await.map(|_| ())
}

/// One `put` in a transaction opened with `durability: "strict"`, on a second connection to a
/// database rexie has already created.
async fn strict_put(name: &str, store: &str, key: &str, sealed: &[u8]) -> Result<(), CacheError> {
    let failed = |_| CacheError::Durable;
    let factory = web_sys::window()
        .and_then(|window| window.indexed_db().ok().flatten())
        .ok_or(CacheError::Durable)?;
    let request = factory.open_with_u32(name, DB_VERSION).map_err(failed)?;
    event(&request, "success", &["error", "blocked", "upgradeneeded"]).await.map_err(failed)?;
    let db: web_sys::IdbDatabase = request.result().map_err(failed)?.unchecked_into();
    let written = async {
        // `db.transaction([store], "readwrite", { durability: "strict" })`, called through JS:
        // the options argument is still behind web-sys's unstable flag.
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"durability".into(), &"strict".into()).map_err(failed)?;
        let open: js_sys::Function = js_sys::Reflect::get(&db, &"transaction".into())
            .map_err(failed)?
            .dyn_into()
            .map_err(|_| CacheError::Durable)?;
        let arguments = Array::of3(&Array::of1(&store.into()), &"readwrite".into(), &options);
        let tx: web_sys::IdbTransaction =
            open.apply(&db, &arguments).map_err(failed)?.unchecked_into();
        let value: JsValue = Uint8Array::from(sealed).into();
        tx.object_store(store)
            .map_err(failed)?
            .put_with_key(&value, &JsValue::from_str(key))
            .map_err(failed)?;
        event(&tx, "complete", &["error", "abort"]).await.map_err(failed)
    }
    .await;
    db.close();
    written
}
