//! Storage of a record's documents: their current versions, masks, withdrawals and
//! announcements. An upload becomes a document in [`super::UploadStore`].

use app::vocabulary::{Category, Domain};
use async_trait::async_trait;

use super::{AccountId, AuditRows, DocumentId, Matched, Rpps, StoreError, UploadRecord};

/// Who sends or wrote something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Party {
    /// The holder or a representative, by account.
    Patient(AccountId),
    Professional(Rpps),
    Insurer,
}

/// A document with its current version's upload (title, content, dates).
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub account_id: AccountId,
    pub category: Category,
    pub domain: Option<Domain>,
    pub author: Party,
    pub masked: bool,
    pub hidden_from_representatives: bool,
    pub awaiting_announcement: bool,
    pub version: u32,
    pub withdrawn: bool,
    pub deposited_at: i64,
    pub upload: UploadRecord,
}

#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
    /// Every document of the record, newest first, withdrawn ones included.
    async fn documents(&self, account_id: &AccountId) -> Result<Vec<DocumentRecord>, StoreError>;
    async fn document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
    ) -> Result<Option<DocumentRecord>, StoreError>;
    async fn set_masked(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    async fn withdraw_document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
    /// The result may now be read by the patient; `false` if it was not awaiting announcement.
    async fn announce_document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
}
