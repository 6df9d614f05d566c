//! Storage of a record's documents: their current versions, masks, withdrawals and
//! announcements. An upload becomes a document in [`super::UploadStore`].

use app::vocabulary::{Category, Domain, MediaType};
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

/// What a list of documents shows of one and what the policy and the filters look at: no key
/// and no sealed byte, so that a list reads the whole record's facts and opens only the rows on
/// its page ([`RecordStore::document_facts`]).
#[derive(Clone, Debug)]
pub struct DocumentFacts {
    pub id: DocumentId,
    pub category: Category,
    pub domain: Option<Domain>,
    pub author: Party,
    pub masked: bool,
    pub hidden_from_representatives: bool,
    pub awaiting_announcement: bool,
    pub version: u32,
    pub withdrawn: bool,
    pub deposited_at: i64,
    /// The current version's, as its upload has them.
    pub type_code: Option<String>,
    pub care_date: String,
    pub media_type: MediaType,
    pub size: u64,
}

/// A document with its current version's upload (sealed title, key, content's place). Its facts
/// are read through it (`document.category`).
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub facts: DocumentFacts,
    pub account_id: AccountId,
    pub upload: UploadRecord,
}

impl std::ops::Deref for DocumentRecord {
    type Target = DocumentFacts;
    fn deref(&self) -> &DocumentFacts {
        &self.facts
    }
}

#[async_trait]
pub trait RecordStore: Send + Sync + 'static {
    /// Every document of the record, newest care first, withdrawn ones included.
    async fn documents(&self, account_id: &AccountId) -> Result<Vec<DocumentRecord>, StoreError>;
    /// The facts of every document of the record, in the order of [`RecordStore::documents`]:
    /// what a list sorts, filters and counts by, without reading a key or a sealed value. Kept
    /// in memory between requests while the record does not change ([`super::FactsCache`]).
    async fn document_facts(
        &self,
        account_id: &AccountId,
    ) -> Result<std::sync::Arc<Vec<DocumentFacts>>, StoreError>;
    /// The documents of the record among `ids` (a page of a list), in no particular order;
    /// those not in the record are left out.
    async fn documents_among(
        &self,
        account_id: &AccountId,
        ids: &[&DocumentId],
    ) -> Result<Vec<DocumentRecord>, StoreError>;
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
