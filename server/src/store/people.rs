//! Storage of the people around a record other than its holder's own account: the
//! professionals' directory and their card challenges, legal representatives, and the life of
//! a record after it is closed (archive, erasure).

pub use app::api::account::{ConsentMethod, RepresentedKind};
use app::directory::Professional;
use async_trait::async_trait;

use super::{AccountId, AccountRecord, Rpps, StoreError};

/// A directory entry as stored, with what the card login needs.
#[derive(Clone)]
pub struct ProfessionalRecord {
    pub professional: Professional,
    /// The card's public key (SubjectPublicKeyInfo, DER), once a card was issued.
    pub public_key: Option<Vec<u8>>,
    /// False once the professional left the directory: no login, no session.
    pub active: bool,
}

/// What an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    /// Present before, absent from the file: deactivated and signed out.
    pub deactivated: usize,
}

/// A new representation, with the consent as the professional recorded it.
pub struct NewRepresentation<'a> {
    pub representative_id: &'a AccountId,
    pub kind: RepresentedKind,
    pub consent_method: ConsentMethod,
    pub consent_at: i64,
    pub recorded_by: &'a Rpps,
}

/// A representation as stored, with the represented person's names.
#[derive(Clone, Debug)]
pub struct RepresentationRecord {
    pub id: i64,
    pub account_id: AccountId,
    pub representative_id: AccountId,
    pub kind: RepresentedKind,
    pub consent_at: i64,
    pub consent_method: ConsentMethod,
    pub recorded_by: Rpps,
    pub withdrawn_at: Option<i64>,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
}

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Records erased at their holder's request, once the delay passed.
    pub erased: usize,
    /// Closed records whose retention period ended.
    pub expired: usize,
}

#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    /// Replaces the directory with `entries` in one transaction: new entries are added,
    /// known ones updated (their card key kept), the others deactivated and signed out.
    async fn import_directory(
        &self,
        entries: &[Professional],
        now: i64,
    ) -> Result<ImportReport, StoreError>;
    async fn professional(&self, rpps: &Rpps) -> Result<Option<ProfessionalRecord>, StoreError>;
    /// Active professionals whose identifier is `query`, or whose name contains it.
    async fn search_professionals(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Professional>, StoreError>;
    /// Active records that granted `rpps` access valid on `today` (`YYYY-MM-DD`):
    /// `(id, given name, family name, birth date)`.
    async fn granted_records(
        &self,
        rpps: &Rpps,
        today: &str,
    ) -> Result<Vec<(String, String, String, String)>, StoreError>;
    /// The one of those records that is `account_id`, if it is one of them.
    async fn granted_record(
        &self,
        rpps: &Rpps,
        today: &str,
        account_id: &AccountId,
    ) -> Result<Option<(String, String, String, String)>, StoreError>;
    /// Records the public key of a newly issued card; `false` if the entry is unknown.
    async fn set_card_key(&self, rpps: &Rpps, public_key: &[u8]) -> Result<bool, StoreError>;
    async fn insert_card_challenge(
        &self,
        challenge_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Spends a challenge; `false` if unknown, expired or already used.
    async fn use_card_challenge(&self, challenge_hash: &[u8], now: i64)
    -> Result<bool, StoreError>;
    /// Events of one professional, oldest first: `(at, event)`.
    async fn professional_events(&self, rpps: &Rpps) -> Result<Vec<(i64, String)>, StoreError>;

    /// Creates a represented person's account and its first representation together.
    async fn create_represented_account(
        &self,
        account: &AccountRecord,
        representation: &NewRepresentation<'_>,
        event: &super::Event<'_>,
    ) -> Result<(), StoreError>;
    /// Representations where `representative_id` acts for someone, withdrawn ones included.
    async fn representations_by(
        &self,
        representative_id: &AccountId,
    ) -> Result<Vec<RepresentationRecord>, StoreError>;
    /// Representations of the person `account_id`, withdrawn ones included.
    async fn representations_of(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<RepresentationRecord>, StoreError>;
    /// Ends a current representation; `false` if there was none. Sessions acting for the
    /// person under it go back to the representative's own record.
    async fn withdraw_representation(
        &self,
        account_id: &AccountId,
        representative_id: &AccountId,
        withdrawn_by: &str,
        now: i64,
        event: &super::Event<'_>,
    ) -> Result<Option<()>, StoreError>;

    /// Archives the record; with `erasure_due_at`, it is also erased at that time.
    async fn close_account(
        &self,
        account_id: &AccountId,
        now: i64,
        retained_until: i64,
        erasure_due_at: Option<i64>,
        event: &super::Event<'_>,
    ) -> Result<(), StoreError>;
    /// Opens an archived record again; a pending erasure is cancelled.
    async fn reopen_account(
        &self,
        account_id: &AccountId,
        event: &super::Event<'_>,
    ) -> Result<(), StoreError>;
    /// Erases records whose erasure is due or whose retention ended, and forgets expired
    /// codes, challenges and sessions.
    async fn purge(&self, now: i64, absolute_timeout: i64) -> Result<PurgeReport, StoreError>;
}
