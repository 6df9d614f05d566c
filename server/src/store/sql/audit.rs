//! [`AuditStore`] on SQLite. Triggers in the migration make the log append-only.

use async_trait::async_trait;
use sqlx::Row;

use super::{Conn, Db, SqlStore, begin_write, lock_audit};
use crate::store::{
    AccountId, AuditLock, AuditRows, AuditStore, Checkpoint, Hash, Node, StoreError, StoredEntry,
};

fn hash(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt)
}

fn seq(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt)
}

fn number(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt)
}

async fn insert_checkpoint(
    executor: impl sqlx::Executor<'_, Database = Db>,
    checkpoint: &Checkpoint,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_checkpoints (size, root, at, signature) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (size) DO NOTHING",
    )
    .bind(number(checkpoint.size)?)
    .bind(checkpoint.root.as_slice())
    .bind(checkpoint.at)
    .bind(checkpoint.signature.as_slice())
    .execute(executor)
    .await?;
    Ok(())
}

/// Commits a change of one row with its audit entry; a change that found no row (or several)
/// is rolled back and `None`.
pub(super) async fn commit_one(
    mut tx: sqlx::Transaction<'_, Db>,
    changed: <Db as sqlx::Database>::QueryResult,
    audit: &AuditRows,
) -> Result<Option<()>, StoreError> {
    if changed.rows_affected() != 1 {
        return Ok(None);
    }
    write_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(Some(()))
}

/// Writes an audit entry's rows inside the caller's transaction.
pub(super) async fn write_audit(tx: &mut Conn, rows: &AuditRows) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_entries (seq, entry, leaf, chain, at, record_id, actor_id, action, \
         origin, plain_access) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(number(rows.stored.seq)?)
    .bind(rows.stored.entry.as_slice())
    .bind(rows.stored.leaf.as_slice())
    .bind(rows.stored.chain.as_slice())
    .bind(rows.at)
    .bind(rows.record.as_deref())
    .bind(rows.actor.as_deref())
    .bind(&rows.action)
    .bind(rows.stored.origin.as_deref())
    .bind(rows.plain_access)
    .execute(&mut *tx)
    .await?;
    for node in &rows.nodes {
        insert_node(&mut *tx, node).await?;
    }
    if let Some(checkpoint) = &rows.checkpoint {
        insert_checkpoint(&mut *tx, checkpoint).await?;
    }
    Ok(())
}

async fn insert_node<'e>(
    executor: impl sqlx::Executor<'e, Database = Db>,
    node: &Node,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_nodes (height, idx, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(i64::from(node.height))
    .bind(number(node.index)?)
    .bind(node.hash.as_slice())
    .execute(executor)
    .await?;
    Ok(())
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn lock_audit(&self) -> Result<AuditLock, StoreError> {
        lock_audit(&self.pool).await
    }

    async fn append_audit(&self, entries: &[AuditRows]) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        for rows in entries {
            write_audit(&mut tx, rows).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        insert_checkpoint(&self.pool, checkpoint).await
    }

    async fn audit_leaves(&self) -> Result<Vec<(Hash, Hash)>, StoreError> {
        let rows = sqlx::query("SELECT leaf, chain FROM audit_entries ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((hash(row.try_get("leaf")?)?, hash(row.try_get("chain")?)?)))
            .collect()
    }

    async fn audit_log(&self) -> Result<Vec<StoredEntry>, StoreError> {
        let rows =
            sqlx::query("SELECT seq, entry, leaf, chain, origin FROM audit_entries ORDER BY seq")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredEntry {
                    seq: seq(row.try_get("seq")?)?,
                    entry: row.try_get("entry")?,
                    leaf: hash(row.try_get("leaf")?)?,
                    chain: hash(row.try_get("chain")?)?,
                    origin: row.try_get("origin")?,
                })
            })
            .collect()
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows =
            sqlx::query("SELECT size, root, at, signature FROM audit_checkpoints ORDER BY size")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(Checkpoint {
                    size: seq(row.try_get("size")?)?,
                    root: hash(row.try_get("root")?)?,
                    at: row.try_get("at")?,
                    signature: row.try_get("signature")?,
                })
            })
            .collect()
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT size, root, at, signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Checkpoint {
                size: seq(row.try_get("size")?)?,
                root: hash(row.try_get("root")?)?,
                at: row.try_get("at")?,
                signature: row.try_get("signature")?,
            })
        })
        .transpose()
    }

    async fn audit_subtree(&self, height: u32, index: u64) -> Result<Option<Hash>, StoreError> {
        let found: Option<Vec<u8>> = if height == 0 {
            sqlx::query_scalar("SELECT leaf FROM audit_entries WHERE seq = $1")
                .bind(number(index + 1)?)
                .fetch_optional(&self.pool)
                .await
        } else {
            sqlx::query_scalar("SELECT hash FROM audit_nodes WHERE height = $1 AND idx = $2")
                .bind(i64::from(height))
                .bind(number(index)?)
                .fetch_optional(&self.pool)
                .await
        }?;
        found.map(hash).transpose()
    }

    async fn audit_node_count(&self) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_nodes").fetch_one(&self.pool).await?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt)
    }

    async fn audit_size(&self) -> Result<u64, StoreError> {
        let size: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_entries")
            .fetch_one(&self.pool)
            .await?;
        u64::try_from(size).map_err(|_| StoreError::Corrupt)
    }

    async fn insert_audit_nodes(&self, nodes: &[Node]) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        for node in nodes {
            insert_node(&mut *tx, node).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_entry(
        &self,
        seq: u64,
    ) -> Result<Option<(StoredEntry, Option<String>)>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, entry, leaf, chain, origin, record_id FROM audit_entries WHERE seq = $1",
        )
        .bind(number(seq)?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let stored = StoredEntry {
                seq,
                entry: row.try_get("entry")?,
                leaf: hash(row.try_get("leaf")?)?,
                chain: hash(row.try_get("chain")?)?,
                origin: row.try_get("origin")?,
            };
            Ok((stored, row.try_get("record_id")?))
        })
        .transpose()
    }

    async fn has_acted(
        &self,
        record_id: &AccountId,
        actor_id: &str,
        before: u64,
    ) -> Result<bool, StoreError> {
        // Allowed, outside an emergency: a refused try, or a break-glass access (told otherwise),
        // is not the first access the patient is told of.
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audit_entries WHERE record_id = $1 AND actor_id = $2 \
             AND seq < $3 AND plain_access = $4)",
        )
        .bind(record_id)
        .bind(actor_id)
        .bind(number(before)?)
        .bind(true)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    async fn record_audit(
        &self,
        record_id: &AccountId,
        actor: Option<&str>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        // None, or past the largest sequence number SQLite holds: older than every entry. A
        // plain `seq < ?` keeps the index's range (`?3 IS NULL OR …` made each read walk every
        // newer entry of the record).
        let before = before.map_or(i64::MAX, |before| i64::try_from(before).unwrap_or(i64::MAX));
        let rows = sqlx::query(
            "SELECT seq, entry FROM audit_entries WHERE record_id = $1 \
             AND ($2 IS NULL OR actor_id = $2) AND seq < $3 \
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(record_id)
        .bind(actor)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((seq(row.try_get("seq")?)?, row.try_get("entry")?))).collect()
    }
}
