//! [`EmergencyStore`] on SQLite.

use crate::store::AuditRows;
use async_trait::async_trait;
use sqlx::{Row, sqlite::SqliteRow};

use super::{ACCOUNT_COLUMNS, BEGIN_WRITE, SqliteStore, account_from_row, insert_data_key};
use crate::{
    store::{
        AccountRecord, BreakGlassRecord, EmergencyLinkRecord, EmergencyStore, NewBreakGlass,
        NewEmergencyLink, NotificationRecord, Recipient, StoreError,
    },
    vault::WrappedKey,
};

const BREAK_GLASS_COLUMNS: &str = "SELECT b.id, b.account_id, b.rpps, b.data_key, \
     k.key_id, k.wrapped_key, b.sealed_reason, b.started_at, b.expires_at, b.ended_at \
     FROM break_glass_sessions b JOIN data_keys k ON k.id = b.data_key";

fn break_glass_from(row: &SqliteRow) -> Result<BreakGlassRecord, StoreError> {
    Ok(BreakGlassRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        rpps: row.try_get("rpps")?,
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

const LINK_COLUMNS: &str = "SELECT id, account_id, passcode_hash, failures, views, single_use, \
     created_at, expires_at, revoked_at FROM emergency_links";

/// Still opens at `?now` (bound as `?1`) with fewer than `?2` wrong passcodes.
const LINK_LIVE: &str = "revoked_at IS NULL AND expires_at > ?1 AND failures < ?2 \
     AND NOT (single_use = 1 AND views > 0)";

fn link_from(row: &SqliteRow) -> Result<EmergencyLinkRecord, StoreError> {
    let count = |name: &str| -> Result<u32, StoreError> {
        let value: i64 = row.try_get(name)?;
        u32::try_from(value).map_err(|_| StoreError::Corrupt)
    };
    Ok(EmergencyLinkRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        passcode_hash: row.try_get("passcode_hash")?,
        failures: count("failures")?,
        views: count("views")?,
        single_use: row.try_get::<i64, _>("single_use")? != 0,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn recipient_columns(recipient: &Recipient) -> (&'static str, &str) {
    match recipient {
        Recipient::Patient(account) => ("patient", account),
        Recipient::Professional(rpps) => ("professional", rpps),
    }
}

#[async_trait]
impl EmergencyStore for SqliteStore {
    async fn set_break_glass_refused(
        &self,
        account_id: &str,
        refused: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("UPDATE accounts SET break_glass_refused = ? WHERE id = ?")
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
            "{ACCOUNT_COLUMNS} WHERE status IN ('active', 'awaiting') AND birth_date = ? \
             AND lower(given_name) = lower(?) AND lower(family_name) = lower(?) LIMIT 2"
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
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
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
             started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.id)
        .bind(session.account_id)
        .bind(session.rpps)
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

    async fn break_glass_by_id(&self, id: &str) -> Result<Option<BreakGlassRecord>, StoreError> {
        let row = sqlx::query(&format!("{BREAK_GLASS_COLUMNS} WHERE b.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(break_glass_from).transpose()
    }

    async fn latest_break_glass(
        &self,
        account_id: &str,
        rpps: &str,
    ) -> Result<Option<BreakGlassRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.account_id = ? AND b.rpps = ? \
             ORDER BY b.started_at DESC, b.rowid DESC LIMIT 1"
        ))
        .bind(account_id)
        .bind(rpps)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(break_glass_from).transpose()
    }

    async fn end_break_glass(
        &self,
        id: &str,
        rpps: &str,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE break_glass_sessions SET ended_at = ?1 \
             WHERE id = ?2 AND rpps = ?3 AND ended_at IS NULL AND expires_at > ?1",
        )
        .bind(now)
        .bind(id)
        .bind(rpps)
        .execute(&mut *tx)
        .await?;
        super::audit::commit_one(tx, done, audit).await
    }

    async fn break_glass_of_record(
        &self,
        account_id: &str,
    ) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.account_id = ? ORDER BY b.started_at DESC, b.rowid DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }

    async fn live_break_glass_of(
        &self,
        rpps: &str,
        now: i64,
    ) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.rpps = ?1 AND b.expires_at > ?2 \
             AND b.ended_at IS NULL ORDER BY b.started_at DESC"
        ))
        .bind(rpps)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }

    async fn break_glass_since(&self, since: i64) -> Result<Vec<BreakGlassRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{BREAK_GLASS_COLUMNS} WHERE b.started_at >= ? ORDER BY b.started_at, b.rowid"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(break_glass_from).collect()
    }

    async fn push_notification(
        &self,
        recipient: &Recipient,
        kind: &str,
        record_id: Option<&str>,
        actor: Option<&str>,
        item_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (recipient_kind, recipient) = recipient_columns(recipient);
        sqlx::query(
            "INSERT INTO notifications (recipient_kind, recipient, kind, record_id, actor, \
             item_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(recipient_kind)
        .bind(recipient)
        .bind(kind)
        .bind(record_id)
        .bind(actor)
        .bind(item_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn notifications(
        &self,
        recipient: &Recipient,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let (recipient_kind, recipient) = recipient_columns(recipient);
        let rows = sqlx::query(
            "SELECT id, kind, record_id, actor, item_id, created_at, read_at FROM notifications \
             WHERE recipient_kind = ? AND recipient = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        )
        .bind(recipient_kind)
        .bind(recipient)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(NotificationRecord {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    record_id: row.try_get("record_id")?,
                    actor: row.try_get("actor")?,
                    item_id: row.try_get("item_id")?,
                    created_at: row.try_get("created_at")?,
                    read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect()
    }

    async fn create_emergency_link(
        &self,
        link: &NewEmergencyLink<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO emergency_links (id, account_id, jwe, fhir_jwe, passcode_hash, \
             single_use, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(link.id)
        .bind(link.account_id)
        .bind(link.jwe)
        .bind(link.fhir_jwe)
        .bind(link.passcode_hash)
        .bind(i64::from(link.single_use))
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
        account_id: &str,
    ) -> Result<Vec<EmergencyLinkRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{LINK_COLUMNS} WHERE account_id = ? ORDER BY created_at DESC, rowid DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link_from).collect()
    }

    async fn emergency_link(&self, id: &str) -> Result<Option<EmergencyLinkRecord>, StoreError> {
        let row = sqlx::query(&format!("{LINK_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link_from).transpose()
    }

    async fn emergency_link_files(&self, id: &str) -> Result<Option<(String, String)>, StoreError> {
        sqlx::query_as("SELECT jwe, fhir_jwe FROM emergency_links WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn revoke_emergency_link(
        &self,
        id: &str,
        account_id: &str,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE emergency_links SET revoked_at = ? \
             WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
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
        id: &str,
        now: i64,
        tries: u32,
    ) -> Result<Option<u32>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(&format!(
            "UPDATE emergency_links SET failures = failures + 1 WHERE id = ?3 AND {LINK_LIVE} \
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
        id: &str,
        reserved: bool,
        now: i64,
        tries: u32,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        // A reserved try was counted: the link is live with one failure more than it has.
        let live = if reserved {
            "revoked_at IS NULL AND expires_at > ?1 AND failures <= ?2 AND failures > 0 \
             AND NOT (single_use = 1 AND views > 0)"
        } else {
            LINK_LIVE
        };
        let done = sqlx::query(&format!(
            "UPDATE emergency_links SET views = views + 1, failures = failures - ?4, \
             revoked_at = CASE WHEN single_use = 1 THEN ?1 ELSE revoked_at END \
             WHERE id = ?3 AND {live}"
        ))
        .bind(now)
        .bind(i64::from(tries))
        .bind(id)
        .bind(i64::from(reserved))
        .execute(&mut *tx)
        .await?;
        super::audit::commit_one(tx, done, audit).await
    }

    async fn mark_notifications_read(
        &self,
        recipient: &Recipient,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let (recipient_kind, recipient) = recipient_columns(recipient);
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "UPDATE notifications SET read_at = ? \
             WHERE recipient_kind = ? AND recipient = ? AND read_at IS NULL",
        )
        .bind(now)
        .bind(recipient_kind)
        .bind(recipient)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
