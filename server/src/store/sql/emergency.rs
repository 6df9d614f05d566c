//! [`EmergencyStore`] on SQLite.

use crate::store::AuditRows;
use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::columns::rpps_at;
use super::{ACCOUNT_COLUMNS, SqlStore, account_from_row, begin_write, insert_data_key};
use crate::{
    store::{
        AccountId, AccountRecord, BreakGlassId, BreakGlassRecord, EmergencyStore, NewBreakGlass,
        Rpps, StoreError,
    },
    vault::WrappedKey,
};

const BREAK_GLASS_COLUMNS: &str = "SELECT b.id, b.account_id, b.rpps, b.data_key, \
     k.key_id, k.wrapped_key, b.sealed_reason, b.started_at, b.expires_at, b.ended_at \
     FROM break_glass_sessions b JOIN data_keys k ON k.id = b.data_key";

fn break_glass_from(row: &DbRow) -> Result<BreakGlassRecord, StoreError> {
    Ok(BreakGlassRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        rpps: rpps_at(row, "rpps")?,
        data_key: row.try_get("data_key")?,
        key: WrappedKey {
            key_id: row.try_get("key_id")?,
            wrapped: row.try_get("wrapped_key")?,
            owner: row.try_get("account_id")?,
        },
        sealed_reason: row.try_get("sealed_reason")?,
        started_at: row.try_get("started_at")?,
        expires_at: row.try_get("expires_at")?,
        ended_at: row.try_get("ended_at")?,
    })
}

#[async_trait]
impl EmergencyStore for SqlStore {
    async fn set_break_glass_refused(
        &self,
        account_id: &AccountId,
        refused: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE accounts SET break_glass_refused = $1 WHERE id = $2")
            .bind(refused)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn records_by_identity(
        &self,
        given_name: &str,
        family_name: &str,
        birth_date: &str,
    ) -> Result<Vec<AccountRecord>, StoreError> {
        // At most two rows: one is an answer, two are an ambiguity; more says nothing more.
        let rows = sqlx::query(&format!(
            "{ACCOUNT_COLUMNS} WHERE status IN ('active', 'awaiting') AND birth_date = $1 \
             AND lower(given_name) = lower($2) AND lower(family_name) = lower($3) LIMIT 2"
        ))
        .bind(birth_date)
        .bind(given_name)
        .bind(family_name)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_from_row).collect()
    }
    async fn start_break_glass(
        &self,
        session: &NewBreakGlass<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_data_key(
            &mut tx,
            session.data_key,
            session.account_id,
            session.key,
            session.started_at,
        )
        .await?;
        sqlx::query(
            "INSERT INTO break_glass_sessions (id, account_id, rpps, data_key, sealed_reason, \
             started_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.id)
        .bind(session.account_id)
        .bind(session.rpps.as_str())
        .bind(session.data_key)
        .bind(session.sealed_reason)
        .bind(session.started_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn break_glass_by_id(
        &self,
        id: &BreakGlassId,
    ) -> Result<Option<BreakGlassRecord>, StoreError> {
        let row = sqlx::query(&format!("{BREAK_GLASS_COLUMNS} WHERE b.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(break_glass_from).transpose()
    }
    async fn latest_break_glass(
        &self,
        account_id: &AccountId,
        rpps: &Rpps,
    ) -> Result<Option<BreakGlassRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.account_id = $1 AND b.rpps = $2 \
             ORDER BY b.started_at DESC, b.rowid DESC LIMIT 1"
        ))
        .bind(account_id)
        .bind(rpps.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(break_glass_from).transpose()
    }
    async fn end_break_glass(
        &self,
        id: &BreakGlassId,
        rpps: &Rpps,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE break_glass_sessions SET ended_at = $1 \
             WHERE id = $2 AND rpps = $3 AND ended_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .bind(rpps.as_str())
        .execute(&mut *tx)
        .await?;
        super::audit::commit_one(tx, done, audit).await
    }
    async fn break_glass_of_record(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.account_id = $1 ORDER BY b.started_at DESC, b.rowid DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }
    async fn live_break_glass_of(
        &self,
        rpps: &Rpps,
        now: i64,
    ) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.rpps = $1 AND b.expires_at > $2 \
             AND b.ended_at IS NULL ORDER BY b.started_at DESC"
        ))
        .bind(rpps.as_str())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }
    async fn break_glass_since(&self, since: i64) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.started_at >= $1 ORDER BY b.started_at, b.rowid"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }
}
