//! Leases: which server of those sharing the database runs a scheduled task now.

use async_trait::async_trait;

use super::StoreError;

#[async_trait]
pub trait LeaseStore: Send + Sync + 'static {
    /// Takes the lease `name` for `holder` until `until`, or renews it, when it is free (never
    /// taken, or run out by `now`) or already `holder`'s. Answers whether `holder` holds it.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError>;
}
