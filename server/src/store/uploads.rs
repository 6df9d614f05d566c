//! Storage of uploads: a deposit's sealed chunks as they arrive, until finishing one makes a
//! document or a new version of one. Contents and titles arrive here already sealed.

use app::vocabulary::{Category, Domain, MediaType};
use async_trait::async_trait;

use super::{AccountId, AuditRows, DocumentId, Party, StoreError, UploadId};
use crate::vault::WrappedKey;

pub struct NewUpload<'a> {
    pub id: &'a UploadId,
    pub account_id: &'a AccountId,
    pub data_key: &'a str,
    pub key: &'a WrappedKey,
    pub uploader: &'a Party,
    pub idempotency_key: Option<&'a str>,
    pub sealed_title: &'a [u8],
    pub category: Category,
    pub domain: Option<Domain>,
    pub type_code: Option<&'a str>,
    pub care_date: &'a str,
    pub media_type: MediaType,
    pub size: u64,
    pub replaces: Option<&'a DocumentId>,
    pub hidden_from_representatives: bool,
    pub awaiting_announcement: bool,
    /// Words search finds the document by (a prescription's substances), sealed.
    pub sealed_terms: Option<&'a [u8]>,
    pub now: i64,
}

#[derive(Clone, Debug)]
pub struct UploadRecord {
    pub id: UploadId,
    pub account_id: AccountId,
    pub data_key: String,
    pub key: WrappedKey,
    pub uploader: Party,
    pub sealed_title: Vec<u8>,
    pub category: Category,
    pub domain: Option<Domain>,
    pub type_code: Option<String>,
    pub care_date: String,
    pub media_type: MediaType,
    pub size: u64,
    pub replaces: Option<DocumentId>,
    pub received: u64,
    pub chunks: u32,
    pub finished: bool,
    /// The folded words of a text document, sealed (see `documents::search_terms`).
    pub sealed_terms: Option<Vec<u8>>,
    pub created_at: i64,
    /// The flags the deposit asked for (a new version takes its document's).
    pub hidden_from_representatives: bool,
    pub awaiting_announcement: bool,
}

/// What finishing an upload made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposited {
    pub document_id: DocumentId,
    pub version: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended,
    /// The chunk did not start where the upload stands: resume from `received`.
    WrongOffset {
        received: u64,
    },
}

/// Both outcomes commit their audit entry: a chunk at the wrong offset is traced too.
impl super::Committed for AppendOutcome {
    fn committed(&self) -> bool {
        true
    }
}

#[async_trait]
pub trait UploadStore: Send + Sync + 'static {
    /// Creates the upload and its data key together.
    async fn create_upload(
        &self,
        upload: &NewUpload<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    async fn upload(
        &self,
        account_id: &AccountId,
        id: &UploadId,
    ) -> Result<Option<UploadRecord>, StoreError>;
    /// The upload this party started with this idempotency key, if any.
    async fn upload_by_idempotency_key(
        &self,
        account_id: &AccountId,
        uploader: &Party,
        key: &str,
    ) -> Result<Option<UploadRecord>, StoreError>;
    /// Appends a sealed chunk of `plain_len` bytes if the upload stands at `offset`, atomically.
    async fn append_chunk(
        &self,
        upload_id: &UploadId,
        offset: u64,
        sealed: &[u8],
        plain_len: u64,
        audit: &AuditRows,
    ) -> Result<AppendOutcome, StoreError>;
    /// The sealed chunks of an upload, in order.
    async fn chunks(&self, upload_id: &UploadId) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Turns a complete upload into a new document (`new_document_id`) or, with `replaces`, into
    /// the next version of that document, in one transaction, with the sealed search terms of
    /// a text document. `None` if it was finished before.
    async fn finish_upload(
        &self,
        upload_id: &UploadId,
        new_document_id: &DocumentId,
        sealed_terms: Option<&[u8]>,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<Deposited>, StoreError>;
    /// Finished text uploads deposited before search terms were kept.
    async fn uploads_without_terms(&self) -> Result<Vec<UploadRecord>, StoreError>;
    async fn set_upload_terms(&self, upload_id: &UploadId, sealed: &[u8])
    -> Result<(), StoreError>;
    /// Forgets uploads never finished since `before`.
    async fn purge_uploads(&self, before: i64) -> Result<usize, StoreError>;
}
