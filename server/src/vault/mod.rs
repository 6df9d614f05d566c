//! Encryption at rest. Every sealed value (a document, an authenticator secret) gets its own
//! random data key; the content is sealed with AES-256-GCM under that key, and the data key is
//! itself sealed ("wrapped") by the server's master key. The database alone reveals nothing;
//! rotating the master key rewraps the small data keys, never the contents.
//!
//! Master keys come from a key directory (`<data-dir>/keys`, created on first start with one
//! key, files readable by their owner only) or from the environment (`CARNET_MASTER_KEY`, and
//! `CARNET_MASTER_KEY_PREVIOUS` while rotating). Each key is known by an identifier derived
//! from it, stored next to every wrapped key, so a rotation interrupted half-way still opens.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use aes_gcm::{Aes256Gcm, KeyInit, aead::Aead, aead::Payload};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A new random identifier, a version 4 UUID in 32 hex digits: of an account, of a data key, and
/// of the row sealed under it.
pub fn new_id() -> String {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().simple().to_string()
}

/// Bytes in lower-case hex (identifiers, and the digests in rate-limit keys).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two digests without an early exit.
pub fn digests_match(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

const CURRENT_FILE: &str = "current";

/// A data key as stored (table `data_keys`): which master key wrapped it, and the wrapped key.
/// Its own identifier (`key_ref`) and the record it belongs to (`owner`) are bound to the
/// wrapping, so a wrapped key copied to another row, or an item moved to another record by
/// someone who can write to the database, does not open. The store fills `owner` from the
/// item's own row (the record it says the item is in), never from the key's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedKey {
    pub key_id: String,
    pub wrapped: Vec<u8>,
    pub owner: String,
}

/// A sealed value: its wrapped data key and the sealed content (nonce first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key: WrappedKey,
    pub content: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key directory {0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("a master key must be 32 bytes in base64")]
    BadKey,
    #[error("no master key with identifier {0}: was a key removed before its rotation ended?")]
    UnknownKey(String),
    #[error("the sealed value does not open (altered, or moved to another item)")]
    Tampered,
}

/// The master keys this server knows, and which one wraps new data keys.
pub struct Vault {
    current: String,
    keys: HashMap<String, Zeroizing<[u8; 32]>>,
    /// Where keys are kept, when they come from files (rotation writes there).
    dir: Option<PathBuf>,
}

fn key_id(key: &[u8; 32]) -> String {
    let digest = Sha256::new().chain_update(b"carnet/master-key-id\0").chain_update(key).finalize();
    hex(&digest[..8])
}

fn decode_key(text: &str) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| VaultError::BadKey)?);
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| VaultError::BadKey)?;
    Ok(Zeroizing::new(key))
}

fn new_key() -> Zeroizing<[u8; 32]> {
    Zeroizing::new(rand::random())
}

impl Vault {
    /// Keys from the environment's values: `current` (base64) and any `previous` ones.
    pub fn from_values(current: &str, previous: &[&str]) -> Result<Self, VaultError> {
        let current = decode_key(current)?;
        let id = key_id(&current);
        let mut keys = HashMap::from([(id.clone(), current)]);
        for text in previous.iter().filter(|text| !text.trim().is_empty()) {
            let key = decode_key(text)?;
            keys.insert(key_id(&key), key);
        }
        Ok(Self { current: id, keys, dir: None })
    }

    /// Keys from `dir`, creating it with a first key if it does not exist.
    pub fn open_dir(dir: &Path) -> Result<Self, VaultError> {
        let io = |error| VaultError::Io(dir.to_owned(), error);
        if !dir.join(CURRENT_FILE).exists() {
            std::fs::create_dir_all(dir).map_err(io)?;
            restrict(dir, 0o700).map_err(io)?;
            let key = new_key();
            let id = write_key(dir, &key).map_err(io)?;
            write_current(dir, &id).map_err(io)?;
            tracing::info!(key = %id, "created the first master key");
        }
        let current =
            std::fs::read_to_string(dir.join(CURRENT_FILE)).map_err(io)?.trim().to_owned();
        let mut keys = HashMap::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|ext| ext == "key") {
                let key = decode_key(&std::fs::read_to_string(&path).map_err(io)?)?;
                keys.insert(key_id(&key), key);
            }
        }
        if !keys.contains_key(&current) {
            return Err(VaultError::UnknownKey(current));
        }
        Ok(Self { current, keys, dir: Some(dir.to_owned()) })
    }

    /// Whether the keys come from a key directory (rather than the environment).
    pub fn from_directory(&self) -> bool {
        self.dir.is_some()
    }

    /// The identifier of the key that wraps new data keys.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// A master key held in memory only, lost with the process: for tests and benchmarks.
    pub fn ephemeral() -> Self {
        let key = new_key();
        let id = key_id(&key);
        Self { current: id.clone(), keys: HashMap::from([(id, key)]), dir: None }
    }

    /// Seals `plain` under a fresh data key known as `key_ref`, belonging to the record
    /// `owner`, for the item named by `context` (say, `document/<id>/<version>`): it opens only
    /// for that same context, in that same record.
    pub fn seal(
        &self,
        plain: &[u8],
        key_ref: &str,
        owner: &str,
        context: &str,
    ) -> Result<Sealed, VaultError> {
        let data_key = new_key();
        let content = seal_with(&data_key, plain, context.as_bytes())?;
        let wrapped = self.wrap(&data_key, key_ref, owner)?;
        let key = WrappedKey { key_id: self.current.clone(), wrapped, owner: owner.to_owned() };
        Ok(Sealed { key, content })
    }

    pub fn open(
        &self,
        sealed: &Sealed,
        key_ref: &str,
        context: &str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let data_key = self.unwrap_key(&sealed.key, key_ref)?;
        open_with(&data_key, &sealed.content, context.as_bytes())
    }

    /// Seals more content under an existing data key (the next chunk of an upload).
    pub fn seal_in(
        &self,
        key: &WrappedKey,
        key_ref: &str,
        plain: &[u8],
        context: &str,
    ) -> Result<Vec<u8>, VaultError> {
        let data_key = self.unwrap_key(key, key_ref)?;
        seal_with(&data_key, plain, context.as_bytes())
    }

    /// The data key wrapped again under the current master key (rotation); `None` when it
    /// already is.
    pub fn rewrap(
        &self,
        key: &WrappedKey,
        key_ref: &str,
    ) -> Result<Option<WrappedKey>, VaultError> {
        if key.key_id == self.current {
            return Ok(None);
        }
        let data_key = self.unwrap_key(key, key_ref)?;
        let wrapped = self.wrap(&data_key, key_ref, &key.owner)?;
        Ok(Some(WrappedKey { key_id: self.current.clone(), wrapped, owner: key.owner.clone() }))
    }

    /// A data key wrapped before wrappings named their record, wrapped again with its record
    /// (`key.owner`, from the key's own row) under the current master key. Only the start-up
    /// pass [`crate::rotation::bind_owners`] reads the old wrapping; nothing else opens it.
    pub fn bind_owner(&self, key: &WrappedKey, key_ref: &str) -> Result<WrappedKey, VaultError> {
        let data_key = self.open_wrapping(key, &legacy_wrapping(key_ref))?;
        let wrapped = self.wrap(&data_key, key_ref, &key.owner)?;
        Ok(WrappedKey { key_id: self.current.clone(), wrapped, owner: key.owner.clone() })
    }

    fn wrap(&self, data_key: &[u8; 32], key_ref: &str, owner: &str) -> Result<Vec<u8>, VaultError> {
        let master =
            self.keys.get(&self.current).ok_or(VaultError::UnknownKey(self.current.clone()))?;
        seal_with(master, data_key, &wrapping(key_ref, owner))
    }

    fn unwrap_key(
        &self,
        key: &WrappedKey,
        key_ref: &str,
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        self.open_wrapping(key, &wrapping(key_ref, &key.owner))
    }

    fn open_wrapping(
        &self,
        key: &WrappedKey,
        associated: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let master =
            self.keys.get(&key.key_id).ok_or_else(|| VaultError::UnknownKey(key.key_id.clone()))?;
        let plain = open_with(master, &key.wrapped, associated)?;
        let key: [u8; 32] = plain.as_slice().try_into().map_err(|_| VaultError::Tampered)?;
        Ok(Zeroizing::new(key))
    }

    /// Starts a rotation in a key directory: a new key is written and becomes current. The old
    /// keys stay until [`Vault::forget_other_keys`], after every data key was rewrapped.
    pub fn add_current_key(&mut self) -> Result<String, VaultError> {
        let dir = self.dir.clone().ok_or(VaultError::BadKey)?;
        let io = |error| VaultError::Io(dir.clone(), error);
        let key = new_key();
        let id = write_key(&dir, &key).map_err(io)?;
        write_current(&dir, &id).map_err(io)?;
        self.keys.insert(id.clone(), key);
        self.current = id.clone();
        Ok(id)
    }

    /// Ends a rotation: the keys other than the current one are deleted (from the directory;
    /// keys from the environment are the operator's to drop).
    pub fn forget_other_keys(&mut self) -> Result<usize, VaultError> {
        let others: Vec<String> =
            self.keys.keys().filter(|id| **id != self.current).cloned().collect();
        if let Some(dir) = &self.dir {
            for id in &others {
                std::fs::remove_file(dir.join(format!("{id}.key")))
                    .map_err(|error| VaultError::Io(dir.clone(), error))?;
            }
        }
        self.keys.retain(|id, _| *id == self.current);
        Ok(others.len())
    }
}

/// What a data key's wrapping is bound to: the key's identifier and its record. (The NUL
/// separates them: identifiers never contain one.)
fn wrapping(key_ref: &str, owner: &str) -> Vec<u8> {
    format!("carnet/data-key/2\0{key_ref}\0{owner}").into_bytes()
}

/// The wrapping of the first versions, bound to the key's identifier only.
fn legacy_wrapping(key_ref: &str) -> Vec<u8> {
    format!("carnet/data-key\0{key_ref}").into_bytes()
}

fn seal_with(key: &[u8; 32], plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let nonce: [u8; 12] = rand::random();
    let cipher = Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(&nonce.into(), Payload { msg: plain, aad })
        .map_err(|_| VaultError::Tampered)?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn open_with(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let (nonce, body) = sealed.split_at_checked(12).ok_or(VaultError::Tampered)?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| VaultError::Tampered)?;
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(&nonce.into(), Payload { msg: body, aad })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Tampered)
}

fn write_key(dir: &Path, key: &[u8; 32]) -> std::io::Result<String> {
    let id = key_id(key);
    let path = dir.join(format!("{id}.key"));
    std::fs::write(&path, STANDARD.encode(key))?;
    restrict(&path, 0o600)?;
    Ok(id)
}

/// Switches the current key atomically (write, then rename over).
fn write_current(dir: &Path, id: &str) -> std::io::Result<()> {
    let temporary = dir.join(format!("{CURRENT_FILE}.tmp"));
    std::fs::write(&temporary, id)?;
    std::fs::rename(temporary, dir.join(CURRENT_FILE))
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
