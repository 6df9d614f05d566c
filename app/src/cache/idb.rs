//! IndexedDB access through rexie: one database per device profile, sealed records only.
//!
//! The values written here are always the output of [`crate::cache::crypto::seal`]; this module
//! offers no way to store plaintext.

use js_sys::Uint8Array;
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};

use super::crypto::{self, DataKey, RecordId};

/// Version of the IndexedDB schema (object stores). Raised when stores are added.
const DB_VERSION: u32 = 1;
/// The object stores of the cache.
pub const STORES: &[&str] = &["records"];

/// Why the cache could not be read or written. Carries no record content.
#[derive(Debug)]
pub enum CacheError {
    /// IndexedDB refused the operation (quota, private mode, blocked upgrade…).
    Storage(rexie::Error),
    /// A stored value is not what this module writes.
    Corrupt,
    /// The record does not open with this key and identity.
    Seal(crypto::SealError),
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

    /// Closes the database and deletes it with everything in it (logout, too many failed unlocks).
    pub async fn destroy(self) -> Result<(), CacheError> {
        let name = self.db.name();
        self.db.close();
        Rexie::delete(&name).await?;
        Ok(())
    }
}
