//! [`IdentityStore`] on SQLite: one row per record that has an INS.

use app::ins::Ins;
use async_trait::async_trait;
use sqlx::Row;

use super::{SqlStore, begin_write, columns::optional_rpps_at};
use crate::store::{
    AccountId, AuditRows, IdentityRecord, IdentityStore, IdentityWrite, StoreError,
};

/// Writes a record's INS. A declaration of the INS already verified keeps its verification:
/// decided on the row as it stands inside the write's transaction (the expressions of an update
/// read the row before it).
const UPSERT: &str = "INSERT INTO identities (account_id, ins, verified_by, verified_at, \
     changed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id) DO UPDATE SET \
     verified_by = CASE WHEN excluded.verified_by IS NULL AND identities.ins = excluded.ins \
         THEN identities.verified_by ELSE excluded.verified_by END, \
     verified_at = CASE WHEN excluded.verified_by IS NULL AND identities.ins = excluded.ins \
         THEN identities.verified_at ELSE excluded.verified_at END, \
     ins = excluded.ins, changed_at = excluded.changed_at";

#[async_trait]
impl IdentityStore for SqlStore {
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

    async fn verified_owner(&self, ins: &Ins) -> Result<Option<AccountId>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT account_id FROM identities WHERE ins = $1 AND verified_by IS NOT NULL",
        )
        .bind(ins.as_str())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_identity(
        &self,
        account_id: &AccountId,
        change: IdentityWrite<'_>,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let written = match change {
            IdentityWrite::Declare(ins) => Some((ins, None, None)),
            IdentityWrite::Verify(ins, rpps) => Some((ins, Some(rpps.as_str()), Some(now))),
            IdentityWrite::Remove => None,
        };
        let change = match written {
            Some((ins, by, at)) => {
                sqlx::query(UPSERT).bind(account_id).bind(ins.as_str()).bind(by).bind(at).bind(now)
            }
            None => sqlx::query("DELETE FROM identities WHERE account_id = $1").bind(account_id),
        };
        let mut tx = begin_write(&self.pool).await?;
        change.execute(&mut *tx).await?;
        // The care history the insurer's feed drew in under another verified INS (or under one
        // no longer verified) is not this record's: it goes with the change.
        let verified: Option<String> = sqlx::query_scalar(
            "SELECT ins FROM identities WHERE account_id = $1 AND verified_by IS NOT NULL",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let verified = verified.unwrap_or_default();
        super::care::delete_lines(&mut tx, account_id, "ins <> $2", &verified).await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
