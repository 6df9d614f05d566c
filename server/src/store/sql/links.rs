//! [`EmergencyLinkStore`] on SQLite.

use async_trait::async_trait;

use crate::store::AuditRows;

use super::{SqlStore, begin_write};
use crate::store::{
    AccountId, EmergencyLinkRecord, EmergencyLinkStore, LinkId, NewEmergencyLink, StoreError,
};

const LINK_COLUMNS: &str = "SELECT id, account_id, passcode_hash, failures, views, single_use, \
     created_at, expires_at, revoked_at FROM emergency_links";

/// Still opens at `?now` (bound as `?1`) with fewer than `?2` wrong passcodes.
const LINK_LIVE: &str = "revoked_at IS NULL AND expires_at > $1 AND failures < $2 \
     AND NOT (single_use = TRUE AND views > 0)";

#[async_trait]
impl EmergencyLinkStore for SqlStore {
    async fn create_emergency_link(
        &self,
        link: &NewEmergencyLink<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO emergency_links (id, account_id, jwe, fhir_jwe, passcode_hash, \
             single_use, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(link.id)
        .bind(link.account_id)
        .bind(link.jwe)
        .bind(link.fhir_jwe)
        .bind(link.passcode_hash)
        .bind(link.single_use)
        .bind(link.created_at)
        .bind(link.expires_at)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn emergency_links(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<EmergencyLinkRecord>, StoreError> {
        let query =
            format!("{LINK_COLUMNS} WHERE account_id = $1 ORDER BY created_at DESC, rowid DESC");
        Ok(sqlx::query_as(&query).bind(account_id).fetch_all(&self.pool).await?)
    }
    async fn emergency_link(&self, id: &LinkId) -> Result<Option<EmergencyLinkRecord>, StoreError> {
        let query = format!("{LINK_COLUMNS} WHERE id = $1");
        Ok(sqlx::query_as(&query).bind(id).fetch_optional(&self.pool).await?)
    }
    async fn emergency_link_files(
        &self,
        id: &LinkId,
    ) -> Result<Option<(String, String)>, StoreError> {
        sqlx::query_as("SELECT jwe, fhir_jwe FROM emergency_links WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }
    async fn revoke_emergency_link(
        &self,
        id: &LinkId,
        account_id: &AccountId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE emergency_links SET revoked_at = $1 \
             WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        super::audit::commit_one(tx, done, audit).await
    }
    async fn reserve_link_try(
        &self,
        id: &LinkId,
        now: i64,
        tries: u32,
    ) -> Result<Option<u32>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(&format!(
            "UPDATE emergency_links SET failures = failures + 1 WHERE id = $3 AND {LINK_LIVE} \
             RETURNING failures"
        ))
        .bind(now)
        .bind(i64::from(tries))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(failures,)| u32::try_from(failures).map_err(|_| StoreError::Corrupt)).transpose()
    }
    async fn view_emergency_link(
        &self,
        id: &LinkId,
        reserved: bool,
        now: i64,
        tries: u32,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        // A reserved try was counted: the link is live with one failure more than it has.
        let live = if reserved {
            "revoked_at IS NULL AND expires_at > $1 AND failures <= $2 AND failures > 0 \
             AND NOT (single_use = TRUE AND views > 0)"
        } else {
            LINK_LIVE
        };
        let done = sqlx::query(&format!(
            "UPDATE emergency_links SET views = views + 1, failures = failures - $4, \
             revoked_at = CASE WHEN single_use = TRUE THEN $1 ELSE revoked_at END \
             WHERE id = $3 AND {live}"
        ))
        .bind(now)
        .bind(i64::from(tries))
        .bind(id)
        .bind(i64::from(reserved))
        .execute(&mut *tx)
        .await?;
        super::audit::commit_one(tx, done, audit).await
    }
}
