//! Storage of one-time codes (activation, login, recovery, contact change) as digests, their
//! tries counted against a cap, and the decoys that stand for a code never sent.

use async_trait::async_trait;

use super::{AccountId, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum CodePurpose {
    Activation,
    Login,
    /// A login answered with the authenticator app's code; no code is stored.
    Totp,
    /// Proves the contact to set a new password.
    Recovery,
    /// Proves a new contact before it replaces the old one.
    Contact,
}

/// A one-time code as stored: digests only.
pub struct NewCode<'a> {
    /// What the code unlocks, when it carries data (the new contact of a contact change).
    pub payload: Option<&'a str>,
    pub challenge_hash: &'a [u8],
    pub account_id: &'a AccountId,
    pub purpose: CodePurpose,
    pub code_hash: &'a [u8],
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a try at a code found.
pub enum CodeTry {
    /// A real code, still usable; the try is counted.
    Real(CodeAttempt),
    /// A decoy (see `insert_decoy_code`): wrong whatever is typed; tries counted the same way.
    Decoy { attempts: u32 },
}

/// One counted try at a code that was still usable (unused, unexpired, under the cap).
pub struct CodeAttempt {
    pub payload: Option<String>,
    pub account_id: AccountId,
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    /// Tries counted so far, this one included.
    pub attempts: u32,
}

#[async_trait]
pub trait CodeStore: Send + Sync + 'static {
    async fn insert_code(&self, code: &NewCode<'_>) -> Result<(), StoreError>;
    /// Atomically counts one try at the code, if it is still usable; `None` otherwise.
    async fn count_code_attempt(
        &self,
        challenge_hash: &[u8],
        now: i64,
        max_attempts: u32,
    ) -> Result<Option<CodeTry>, StoreError>;
    /// Marks the code used; `false` if another request used it first.
    async fn use_code(&self, challenge_hash: &[u8], now: i64) -> Result<bool, StoreError>;
    /// A code that never verifies, for a challenge that must look like a real one.
    async fn insert_decoy_code(
        &self,
        challenge_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError>;
}
