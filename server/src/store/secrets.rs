//! Storage of the secrets kept for an account and the data keys that seal them: the
//! authenticator app's secret (set up, confirmed, used step by step, removed), the data keys'
//! wrapping by the master key, and the scrub that leaves no older copy of replaced content.

use async_trait::async_trait;

use super::{AccountId, Event, StoreError};
use crate::vault::WrappedKey;

/// An account's authenticator-app secret, sealed. No `Debug`: it is key material.
pub struct TotpState {
    pub secret: StoredSecret,
    /// False until the person proved their app produces the right codes.
    pub enabled: bool,
}

/// A secret as stored: sealed under its data key, or (written before sealing existed) in clear
/// until the server seals it at start.
pub enum StoredSecret {
    Sealed { data_key: String, key: WrappedKey, content: Vec<u8> },
    Legacy(Vec<u8>),
}

#[async_trait]
pub trait SecretStore: Send + Sync + 'static {
    /// Stores a sealed authenticator secret with its new data key. With the person's `event`
    /// (written with it): a new secret set up, pending until confirmed, replacing any earlier
    /// pending one (the secret in use keeps working); without: the secret in use sealed again,
    /// its state kept. A replaced secret's data key goes with it.
    async fn set_totp_secret(
        &self,
        account_id: &AccountId,
        data_key: &str,
        key: &WrappedKey,
        sealed: &[u8],
        now: i64,
        event: Option<&Event<'_>>,
    ) -> Result<(), StoreError>;
    /// Leaves no older copy of replaced content in the database's files: SQLite moves everything
    /// written into the main file (where it was zeroed) and empties its journal; PostgreSQL
    /// rewrites its tables without the rows' old versions.
    async fn scrub(&self) -> Result<(), StoreError>;
    /// Accounts whose authenticator secret is still in clear.
    async fn legacy_totp_accounts(&self) -> Result<Vec<AccountId>, StoreError>;
    /// Up to `limit` data keys not wrapped by the master key `key_id`.
    async fn data_keys_not_under(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<(String, WrappedKey)>, StoreError>;
    /// Up to `limit` data keys whose wrapping does not name their record yet (wrapped before it
    /// did), each with the record of its own row.
    async fn unbound_data_keys(&self, limit: u32) -> Result<Vec<(String, WrappedKey)>, StoreError>;
    /// Whether every data key was bound to its record once (after which none may be unbound).
    async fn data_keys_bound(&self) -> Result<bool, StoreError>;
    /// Records that every data key is bound to its record.
    async fn set_data_keys_bound(&self) -> Result<(), StoreError>;
    /// Marks a key the binding pass could not open, so that it is not tried again.
    async fn set_data_key_unbindable(&self, id: &str) -> Result<(), StoreError>;
    /// Replaces wrapped data keys (each bound to its record), all together.
    async fn replace_data_keys(&self, keys: &[(String, WrappedKey)]) -> Result<(), StoreError>;
    /// The pending secret (set up, not yet confirmed) becomes the one in use, enabled; `false`
    /// when there was none.
    async fn enable_totp(
        &self,
        account_id: &AccountId,
        event: &Event<'_>,
    ) -> Result<Option<()>, StoreError>;
    /// The authenticator in use, if any (enabled or not).
    async fn totp(&self, account_id: &AccountId) -> Result<Option<TotpState>, StoreError>;
    /// A secret set up and waiting for its first code.
    async fn pending_totp(
        &self,
        account_id: &AccountId,
    ) -> Result<Option<StoredSecret>, StoreError>;
    /// No authenticator any more (in use or pending).
    async fn disable_totp(
        &self,
        account_id: &AccountId,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    /// Records that the code of `step` was used; `false` if that step or a later one already was.
    async fn use_totp_step(&self, account_id: &AccountId, step: i64) -> Result<bool, StoreError>;
}
