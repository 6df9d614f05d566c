//! [`NotificationStore`] on SQLite.

use async_trait::async_trait;

use crate::store::AuditRows;
use sqlx::Row;

use super::{SqlStore, begin_write, columns::optional_rpps_at};
use crate::store::{AccountId, NotificationRecord, NotificationStore, Recipient, Rpps, StoreError};

fn recipient_columns(recipient: &Recipient) -> (&'static str, &str) {
    match recipient {
        Recipient::Patient(account) => ("patient", account),
        Recipient::Professional(rpps) => ("professional", rpps.as_str()),
    }
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn push_notification(
        &self,
        recipient: &Recipient,
        kind: &str,
        record_id: Option<&AccountId>,
        actor: Option<&Rpps>,
        item_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (recipient_kind, recipient) = recipient_columns(recipient);
        sqlx::query(
            "INSERT INTO notifications (recipient_kind, recipient, kind, record_id, actor, \
             item_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(recipient_kind)
        .bind(recipient)
        .bind(kind)
        .bind(record_id)
        .bind(actor.map(Rpps::as_str))
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
             WHERE recipient_kind = $1 AND recipient = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(recipient_kind)
        .bind(recipient)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(NotificationRecord {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    record_id: row.try_get("record_id")?,
                    actor: optional_rpps_at(row, "actor")?,
                    item_id: row.try_get("item_id")?,
                    created_at: row.try_get("created_at")?,
                    read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect()
    }
    async fn mark_notifications_read(
        &self,
        recipient: &Recipient,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let (recipient_kind, recipient) = recipient_columns(recipient);
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "UPDATE notifications SET read_at = $1 \
             WHERE recipient_kind = $2 AND recipient = $3 AND read_at IS NULL",
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
