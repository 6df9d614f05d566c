//! The local outbox's rows.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{SqlStore, begin_write};
use crate::store::{Channel, OutboxMessage, OutboxStore, StoreError};

#[async_trait]
impl OutboxStore for SqlStore {
    async fn push_outbox(
        &self,
        channel: Channel,
        recipient: &str,
        subject: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (channel, recipient, subject, body, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(channel)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, created_at, sent_at, attempts, \
             failed_at FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        outbox_rows(&rows)
    }

    async fn claim_outbox_due(
        &self,
        channel: Channel,
        now: i64,
        claimed_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, created_at, sent_at, attempts, \
             failed_at FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
             AND next_try_at <= $1 AND channel = $2 ORDER BY id LIMIT $3",
        )
        .bind(now)
        .bind(channel)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let due = outbox_rows(&rows)?;
        for message in &due {
            sqlx::query("UPDATE outbox SET next_try_at = $1 WHERE id = $2")
                .bind(claimed_until)
                .bind(message.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(due)
    }

    async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET sent_at = $1, body = '' WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn outbox_retry(
        &self,
        id: i64,
        next_try_at: Option<i64>,
        now: i64,
    ) -> Result<u32, StoreError> {
        let attempts: i64 = sqlx::query_scalar(
            "UPDATE outbox SET attempts = attempts + 1, next_try_at = coalesce($1, next_try_at), \
             failed_at = CASE WHEN $1 IS NULL THEN $2 END, \
             body = CASE WHEN $1 IS NULL THEN '' ELSE body END \
             WHERE id = $3 RETURNING attempts",
        )
        .bind(next_try_at)
        .bind(now)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        u32::try_from(attempts).map_err(|_| StoreError::Corrupt)
    }
}

fn outbox_rows(rows: &[DbRow]) -> Result<Vec<OutboxMessage>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(OutboxMessage {
                id: row.try_get("id")?,
                channel: row.try_get("channel")?,
                recipient: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                created_at: row.try_get("created_at")?,
                sent_at: row.try_get("sent_at")?,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?)
                    .map_err(|_| StoreError::Corrupt)?,
                failed: row.try_get::<Option<i64>, _>("failed_at")?.is_some(),
            })
        })
        .collect()
}
