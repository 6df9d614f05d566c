//! Storage of the accounts themselves: created at sign-up (or opened by a professional), found
//! by contact or id, activated, their password, contact and own settings changed, and a pending
//! one removed.

use app::api::validate::Contact;
use async_trait::async_trait;

use super::AuditRows;
use super::{AccountId, Event, Rpps, StoreError};

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
    pub id: AccountId,
    pub contact: Option<Contact>,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub locale: String,
    pub password_hash: Option<String>,
    pub status: AccountStatus,
    pub created_at: i64,
    /// The professional who opened it, when it was not a sign-up.
    pub opened_by: Option<Rpps>,
    pub closed_at: Option<i64>,
    pub retained_until: Option<i64>,
    pub erasure_due_at: Option<i64>,
    /// The designated regular doctor (RPPS).
    pub regular_doctor: Option<Rpps>,
    /// The patient refused break-glass (emergency) access in advance.
    pub break_glass_refused: bool,
}

impl AccountRecord {
    /// The contact as text (empty when there is none), for hashing into rate-limit keys.
    pub fn contact_text(&self) -> &str {
        self.contact.as_ref().map(Contact::as_str).unwrap_or("")
    }
}

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates the account with its event. Fails with `Conflict("accounts_contact_unique")`
    /// when the contact is taken.
    async fn create_account(
        &self,
        account: &AccountRecord,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn account_by_contact(&self, contact: &str) -> Result<Option<AccountRecord>, StoreError>;
    async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError>;
    async fn activate_account(&self, id: &AccountId, now: i64) -> Result<(), StoreError>;
    async fn set_password(
        &self,
        account_id: &AccountId,
        password_hash: &str,
        activate: bool,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    async fn set_regular_doctor(
        &self,
        account_id: &AccountId,
        rpps: Option<&Rpps>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// Fails with `Conflict("accounts_contact_unique")` when another account holds it.
    async fn set_contact(
        &self,
        account_id: &AccountId,
        contact: &Contact,
        event: &Event<'_>,
    ) -> Result<(), StoreError>;
    /// Removes an account that never proved its contact (its codes and sessions go with it).
    async fn delete_pending_account(&self, id: &AccountId) -> Result<(), StoreError>;
    /// Which notifications reach the account outside the app, as stored (JSON), if it chose.
    async fn notification_channels(
        &self,
        account_id: &AccountId,
    ) -> Result<Option<String>, StoreError>;
    async fn set_notification_channels(
        &self,
        account_id: &AccountId,
        channels: &str,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
}
