//! Storage of the patient's grants to professionals: who may see what, blocked or revoked.

use app::policy::Consent;
use async_trait::async_trait;

use super::AuditRows;
use super::StoreError;

#[async_trait]
pub trait GrantStore: Send + Sync + 'static {
    /// Where this professional stands with this patient (`Consent::None` without a row).
    async fn consent(&self, account_id: &str, rpps: &str) -> Result<Consent, StoreError>;
    async fn set_consent(
        &self,
        account_id: &str,
        rpps: &str,
        consent: &Consent,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// Every professional with a row for this patient: `(rpps, consent)`.
    async fn consents(&self, account_id: &str) -> Result<Vec<(String, Consent)>, StoreError>;
}
