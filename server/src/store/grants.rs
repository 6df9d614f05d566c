//! Storage of the patient's grants to professionals: who may see what, blocked or revoked.

use app::policy::Consent;
use async_trait::async_trait;

use super::AuditRows;
use super::{AccountId, Rpps, StoreError};

#[async_trait]
pub trait GrantStore: Send + Sync + 'static {
    /// Where this professional stands with this patient (`Consent::None` without a row).
    async fn consent(&self, account_id: &AccountId, rpps: &Rpps) -> Result<Consent, StoreError>;
    async fn set_consent(
        &self,
        account_id: &AccountId,
        rpps: &Rpps,
        consent: &Consent,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// Every professional with a row for this patient: `(rpps, consent)`.
    async fn consents(&self, account_id: &AccountId) -> Result<Vec<(Rpps, Consent)>, StoreError>;
}
