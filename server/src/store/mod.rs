//! Storage behind one trait, so the SQLite file (default) and, later, PostgreSQL fit the same
//! server. Handlers never see sqlx: they call [`Store`] methods that take and return the plain
//! records below. Secrets arrive here already hashed; nothing here decides who may do what.

mod audit;
mod emergency;
mod outbox;
mod people;
mod profile;
mod rate;
mod records;
mod sqlite;

pub use audit::*;
pub use emergency::*;
pub use outbox::*;
pub use people::*;
pub use profile::*;
pub use rate::*;
pub use records::*;
pub use sqlite::SqliteStore;

use app::account::Contact;
use async_trait::async_trait;

use crate::{audit::AuditRows, vault::WrappedKey};

/// Storage failures, as the rest of the server needs to tell them apart. The source is kept
/// for the logs and never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the data directory")]
    DataDir(#[source] std::io::Error),
    /// A uniqueness rule was broken; the name is the constraint's.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    #[error("stored data is not in the expected form")]
    Corrupt,
}

/// A database error as the store reports it: a broken uniqueness rule that callers handle is
/// named ([`StoreError::Conflict`]), anything else is the database being unavailable. So `?` on
/// any sqlx call gives the store's error.
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            // SQLite names the columns, not the constraint; map the unique rules we have.
            if db.message().contains("accounts.contact") {
                return Self::Conflict("accounts_contact_unique");
            }
            if db.message().contains("representations.account_id") {
                return Self::Conflict("representations_current");
            }
        }
        // A value that does not decode (an enum's text unknown to this build) is not the
        // database being down.
        if matches!(error, sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)) {
            return Self::Corrupt;
        }
        Self::Unavailable(error)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AccountStatus {
    /// Signed up, contact not yet proven.
    Pending,
    /// Opened by a professional for the patient, or for a represented person: unusable until
    /// its holder activates it with a code sent to the contact.
    Awaiting,
    Active,
    /// Archived: readable by the patient alone until the retention period ends.
    Closed,
}

/// An account as stored. `password_hash` is an Argon2id PHC string; an account awaiting
/// activation has none yet, and a represented minor may have no contact.
#[derive(Clone)]
pub struct AccountRecord {
    pub id: String,
    pub contact: Option<Contact>,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub locale: String,
    pub password_hash: Option<String>,
    pub status: AccountStatus,
    pub created_at: i64,
    /// The professional who opened it, when it was not a sign-up.
    pub opened_by: Option<String>,
    pub closed_at: Option<i64>,
    pub retained_until: Option<i64>,
    pub erasure_due_at: Option<i64>,
    /// The designated regular doctor (RPPS).
    pub regular_doctor: Option<String>,
    /// The patient refused break-glass (emergency) access in advance.
    pub break_glass_refused: bool,
}

impl AccountRecord {
    /// The contact as text (empty when there is none), for hashing into rate-limit keys.
    pub fn contact_text(&self) -> &str {
        self.contact.as_ref().map(Contact::as_str).unwrap_or("")
    }
}

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

/// A one-time code as stored: digests only.
pub struct NewCode<'a> {
    /// What the code unlocks, when it carries data (the new contact of a contact change).
    pub payload: Option<&'a str>,
    pub challenge_hash: &'a [u8],
    pub account_id: &'a str,
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
    pub account_id: String,
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    /// Tries counted so far, this one included.
    pub attempts: u32,
}

/// Whose a session is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Account(String),
    Professional(String),
}

/// Whom an account or card event (a row of `auth_events`) is about.
#[derive(Clone, Copy, Debug)]
pub enum EventOwner<'a> {
    Account(&'a str),
    Professional(&'a str),
    /// A failed login naming no known account.
    Nobody,
}

/// Account or card events and their audit entry, written inside the transaction of the change
/// they record: no change without its trace.
pub struct Event<'a> {
    /// The events, oldest first (`account.activated`, then `account.login`), each an
    /// `auth_events` row by its name ([`crate::audit::AuditAction::event_name`]).
    pub names: &'a [crate::audit::AuditAction],
    pub owner: EventOwner<'a>,
    pub client_addr: &'a str,
    pub at: i64,
    pub audit: &'a AuditRows,
}

/// The browser a login comes from: the SHA-256 of the random token its device cookie holds,
/// and a label for people ("Firefox, Android").
pub struct Device<'a> {
    pub hash: &'a [u8],
    pub label: &'a str,
}

/// A session about to open. `activate`: the login also activates the account (its first code).
pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub owner: &'a SessionOwner,
    pub csrf_token: &'a str,
    pub now: i64,
    pub idle_timeout: i64,
    pub activate: bool,
    pub device: Option<Device<'a>>,
}

/// What opening a session learnt of its device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceSeen {
    /// Signed in from it before (or no device to speak of: a card login).
    Known,
    /// The account's first device: nothing to warn about.
    First,
    /// A device the account never used, while it has others: its owner is told.
    New,
}

/// A live session.
pub struct SessionRecord {
    pub owner: SessionOwner,
    /// The represented person whose record a representative is managing in this session.
    pub acting_for: Option<String>,
    pub csrf_token: String,
}

#[async_trait]
pub trait Store:
    PeopleStore
    + RecordStore
    + EmergencyStore
    + ProfileStore
    + AuditStore
    + RateStore
    + OutboxStore
    + Send
    + Sync
    + 'static
{
    /// Proves the database answers a query now.
    async fn health(&self) -> Result<(), StoreError>;

    /// Creates the account with its event. Fails with `Conflict("accounts_contact_unique")`
    /// when the contact is taken.
    async fn create_account(
        &self,
        account: &AccountRecord,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn account_by_contact(&self, contact: &str) -> Result<Option<AccountRecord>, StoreError>;
    async fn account_by_id(&self, id: &str) -> Result<Option<AccountRecord>, StoreError>;
    async fn activate_account(&self, id: &str, now: i64) -> Result<(), StoreError>;
    async fn set_password(
        &self,
        account_id: &str,
        password_hash: &str,
        activate: bool,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn set_regular_doctor(
        &self,
        account_id: &str,
        rpps: Option<&str>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// Fails with `Conflict("accounts_contact_unique")` when another account holds it.
    async fn set_contact(
        &self,
        account_id: &str,
        contact: &Contact,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    /// Ends every session of the account but `keep` (the one making the change, if any).
    async fn delete_sessions_of(
        &self,
        account_id: &str,
        keep: Option<&[u8]>,
    ) -> Result<(), StoreError>;
    /// Removes an account that never proved its contact (its codes and sessions go with it).
    async fn delete_pending_account(&self, id: &str) -> Result<(), StoreError>;

    /// Stores a sealed authenticator secret with its new data key. With the person's `event`
    /// (written with it): a new secret set up, pending until confirmed, replacing any earlier
    /// pending one (the secret in use keeps working); without: the secret in use sealed again,
    /// its state kept. A replaced secret's data key goes with it.
    async fn set_totp_secret(
        &self,
        account_id: &str,
        data_key: &str,
        key: &WrappedKey,
        sealed: &[u8],
        now: i64,
        event: Option<&Event<'_>>,
    ) -> Result<(), StoreError>;
    /// Moves everything written so far into the main database file and empties the journal, so
    /// that replaced content (zeroed there) leaves no older copy behind.
    async fn scrub(&self) -> Result<(), StoreError>;
    /// Accounts whose authenticator secret is still in clear.
    async fn legacy_totp_accounts(&self) -> Result<Vec<String>, StoreError>;
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
    async fn enable_totp(&self, account_id: &str, event: &Event<'_>) -> Result<bool, StoreError>;
    /// The authenticator in use, if any (enabled or not).
    async fn totp(&self, account_id: &str) -> Result<Option<TotpState>, StoreError>;
    /// A secret set up and waiting for its first code.
    async fn pending_totp(&self, account_id: &str) -> Result<Option<StoredSecret>, StoreError>;
    /// No authenticator any more (in use or pending).
    async fn disable_totp(&self, account_id: &str, event: &Event<'_>) -> Result<(), StoreError>;
    /// Records that the code of `step` was used; `false` if that step or a later one already was.
    async fn use_totp_step(&self, account_id: &str, step: i64) -> Result<bool, StoreError>;

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

    /// Opens the session (activating the account if asked) and remembers its device, with the
    /// login's events, in one transaction. `idle_timeout`: seconds without a request after
    /// which the session ends.
    async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &Event<'_>,
    ) -> Result<DeviceSeen, StoreError>;
    /// Which notifications reach the account outside the app, as stored (JSON), if it chose.
    async fn notification_channels(&self, account_id: &str) -> Result<Option<String>, StoreError>;
    async fn set_notification_channels(
        &self,
        account_id: &str,
        channels: &str,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// The live session for this token, its idle clock restarted; `None` if absent, expired
    /// (idle longer than its own timeout, or older than `absolute_timeout`), or its
    /// professional left the directory.
    async fn touch_session(
        &self,
        token_hash: &[u8],
        now: i64,
        absolute_timeout: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;
    /// Switches the record a representative's session manages (`None`: their own).
    async fn set_acting_for(
        &self,
        token_hash: &[u8],
        acting_for: Option<&str>,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError>;

    /// A code that never verifies, for a challenge that must look like a real one.
    async fn insert_decoy_code(
        &self,
        challenge_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Account and card events that change nothing else (a failed login, a code sent).
    async fn record_event(&self, event: &Event<'_>) -> Result<(), StoreError>;
    /// Events of one account, oldest first: `(at, event)`.
    async fn auth_events(&self, account_id: &str) -> Result<Vec<(i64, String)>, StoreError>;
}
