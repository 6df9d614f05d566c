//! Storage of sessions (opened with their device remembered, touched on each request, the
//! record a representative acts for, ended) and of the account and card events written beside
//! every change.

use async_trait::async_trait;

use super::AuditRows;
use super::{AccountId, Rpps, StoreError};

/// Whose a session is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Account(AccountId),
    Professional(Rpps),
}

/// Whom an account or card event (a row of `auth_events`) is about.
#[derive(Clone, Copy, Debug)]
pub enum EventOwner<'a> {
    Account(&'a AccountId),
    Professional(&'a Rpps),
    /// A failed login naming no known account.
    Nobody,
}

/// Account or card events and their audit entry, written inside the transaction of the change
/// they record: no change without its trace.
pub struct Event<'a> {
    /// The events, oldest first (`account.activated`, then `account.login`), each an
    /// `auth_events` row by its name ([`app::audit::AuditAction::event_name`]).
    pub names: &'a [app::audit::AuditAction],
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

/// Opening a session commits its login's events whatever it learnt of the device.
impl super::Committed for DeviceSeen {
    fn committed(&self) -> bool {
        true
    }
}

/// A live session.
pub struct SessionRecord {
    pub owner: SessionOwner,
    /// The represented person whose record a representative is managing in this session.
    pub acting_for: Option<AccountId>,
    pub csrf_token: String,
}

/// How often a session in use has its idle clock written: so a read is not also a write (a
/// commit per request), at the price of a session expiring at most this much before its idle
/// timeout.
pub const TOUCH_EVERY_SECONDS: i64 = 60;

#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Opens the session (activating the account if asked) and remembers its device, with the
    /// login's events, in one transaction. `idle_timeout`: seconds without a request after
    /// which the session ends.
    async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &Event<'_>,
    ) -> Result<DeviceSeen, StoreError>;
    /// The live session for this token, its idle clock restarted; `None` if absent, expired
    /// (idle longer than its own timeout, or older than `absolute_timeout`), or its
    /// professional left the directory. The clock is written at most once a
    /// [`TOUCH_EVERY_SECONDS`]: a session in use is read, not written, on most requests.
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
        acting_for: Option<&AccountId>,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError>;
    /// Ends every session of the account but `keep` (the one making the change, if any).
    async fn delete_sessions_of(
        &self,
        account_id: &AccountId,
        keep: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    /// Account and card events that change nothing else (a failed login, a code sent).
    async fn record_event(&self, event: &Event<'_>) -> Result<(), StoreError>;
    /// Events of one account, oldest first: `(at, event)`.
    async fn auth_events(&self, account_id: &AccountId) -> Result<Vec<(i64, String)>, StoreError>;
}
