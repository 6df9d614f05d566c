//! [`IdentityStore`] on SQLite: one row per record that has an INS.

use app::ins::Ins;
use async_trait::async_trait;
use sqlx::Row;

use super::{BEGIN_WRITE, SqliteStore, columns::optional_rpps_at};
use crate::store::{AccountId, AuditRows, IdentityRecord, IdentityStore, StoreError};

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn identity(&self, account_id: &AccountId) -> Result<Option<IdentityRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT ins, verified_by, verified_at FROM identities WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let ins = Ins::parse(row.try_get("ins")?).ok_or(StoreError::Corrupt)?;
        let verified = match (optional_rpps_at(&row, "verified_by")?, row.try_get("verified_at")?) {
            (Some(rpps), Some(at)) => Some((rpps, at)),
            (None, None) => None,
            _ => return Err(StoreError::Corrupt),
        };
        Ok(Some(IdentityRecord { ins, verified }))
    }

    async fn set_identity(
        &self,
        account_id: &AccountId,
        identity: Option<&IdentityRecord>,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        match identity {
            Some(IdentityRecord { ins, verified }) => {
                let (by, at) = verified.as_ref().map(|(rpps, at)| (rpps.as_str(), *at)).unzip();
                sqlx::query(
                    "INSERT INTO identities (account_id, ins, verified_by, verified_at, \
                     changed_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (account_id) DO UPDATE SET ins = $2, verified_by = $3, \
                     verified_at = $4, changed_at = $5",
                )
                .bind(account_id)
                .bind(ins.as_str())
                .bind(by)
                .bind(at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM identities WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
