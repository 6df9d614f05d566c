//! Storage of whom a record is of, as the health insurer names them: the national health
//! identifier (INS), declared by the patient's side or verified by a professional.

use app::ins::Ins;
use async_trait::async_trait;

use super::{AccountId, AuditRows, Rpps, StoreError};

/// A record's INS as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    pub ins: Ins,
    /// The professional who verified it, and when; `None` while it is only declared.
    pub verified: Option<(Rpps, i64)>,
}

/// A change to a record's INS.
pub enum IdentityWrite<'a> {
    /// The patient's side says it: verified only if it is the INS already verified.
    Declare(&'a Ins),
    /// A professional verified it.
    Verify(&'a Ins, &'a Rpps),
    Remove,
}

#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    async fn identity(&self, account_id: &AccountId) -> Result<Option<IdentityRecord>, StoreError>;
    /// The record that holds this INS verified (a declared one names nobody).
    async fn verified_owner(&self, ins: &Ins) -> Result<Option<AccountId>, StoreError>;
    /// Changes the record's INS at `now`, with its audit entry. Fails with
    /// `Conflict("identities_verified_ins")` when another record holds the same INS verified.
    async fn set_identity(
        &self,
        account_id: &AccountId,
        change: IdentityWrite<'_>,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
}
