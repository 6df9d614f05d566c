//! [`CareStore`] on SQLite.

use app::{date::Date, ins::Ins};
use async_trait::async_trait;
use sqlx::Row;

use super::{Conn, DbRow};

use super::{
    SqlStore, begin_write,
    columns::{code, parse},
};
use crate::{
    store::{
        AccountId, AuditRows, CareLineId, CareLineRecord, CareStore, CareWrite, CareWritten,
        Deleted, FeedRecord, Matched, Pruned, SourceId, StoreError,
    },
    vault::WrappedKey,
};

const LINE_COLUMNS: &str = "SELECT l.id, l.account_id, l.feed, l.source_system, l.source_value, \
     l.kind, l.care_date, l.data_key, k.key_id, k.wrapped_key, l.current_version, l.masked, \
     l.updated_at, v.sealed \
     FROM care_lines l JOIN data_keys k ON k.id = l.data_key \
     JOIN care_line_versions v ON v.line_id = l.id AND v.version = l.current_version";

/// The lines of the identifiers bound after it, driven by them (each found by the unique index,
/// never by scanning the table).
const LINE_COLUMNS_BY_SOURCE: &str = "SELECT l.id, l.account_id, l.feed, l.source_system, \
     l.source_value, l.kind, l.care_date, l.data_key, k.key_id, k.wrapped_key, \
     l.current_version, l.masked, l.updated_at, v.sealed FROM (";
const LINE_JOINS_BY_SOURCE: &str = ") AS wanted \
     JOIN care_lines l ON l.source_system = wanted.column1 AND l.source_value = wanted.column2 \
     JOIN data_keys k ON k.id = l.data_key \
     JOIN care_line_versions v ON v.line_id = l.id AND v.version = l.current_version";

/// Identifiers looked up per query: two bound values each, well under SQLite's limit.
const SOURCES_PER_QUERY: usize = 400;
/// Rows per multi-row insert: at most 12 bound values each, under SQLite's 32,766.
const ROWS_PER_INSERT: usize = 500;

fn line_from(row: &DbRow) -> Result<CareLineRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    Ok(CareLineRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        feed: text("feed")?,
        source: SourceId { system: text("source_system")?, value: text("source_value")? },
        kind: parse(&text("kind")?)?,
        care_date: Date::parse(&text("care_date")?).ok_or(StoreError::Corrupt)?,
        data_key: text("data_key")?,
        key: WrappedKey {
            key_id: text("key_id")?,
            wrapped: row.try_get("wrapped_key")?,
            owner: text("account_id")?,
        },
        version: u32::try_from(row.try_get::<i64, _>("current_version")?)
            .map_err(|_| StoreError::Corrupt)?,
        sealed: row.try_get("sealed")?,
        masked: row.try_get("masked")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[async_trait]
impl CareStore for SqlStore {
    async fn add_feed(&self, name: &str, token_hash: &[u8], now: i64) -> Result<(), StoreError> {
        let added = sqlx::query(
            "INSERT INTO feeds (name, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::Conflict("feeds_name"));
        }
        Ok(())
    }

    async fn revoke_feed(&self, name: &str, now: i64) -> Result<Matched, StoreError> {
        let done =
            sqlx::query("UPDATE feeds SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
                .bind(name)
                .bind(now)
                .execute(&self.pool)
                .await?;
        Ok(Matched(done.rows_affected() == 1))
    }

    async fn feeds(&self) -> Result<Vec<FeedRecord>, StoreError> {
        let rows = sqlx::query("SELECT name, created_at, revoked_at FROM feeds ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(FeedRecord {
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    async fn feed_by_token(&self, token_hash: &[u8]) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM feeds WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn care_lines_by_source(
        &self,
        sources: &[&SourceId],
    ) -> Result<Vec<CareLineRecord>, StoreError> {
        let mut found = Vec::new();
        for chunk in sources.chunks(SOURCES_PER_QUERY) {
            let mut query = sqlx::QueryBuilder::new(LINE_COLUMNS_BY_SOURCE);
            query.push_values(chunk, |mut row, source| {
                row.push_bind(&source.system).push_bind(&source.value);
            });
            query.push(LINE_JOINS_BY_SOURCE);
            for row in query.build().fetch_all(&self.pool).await? {
                found.push(line_from(&row)?);
            }
        }
        Ok(found)
    }

    async fn write_care_lines(
        &self,
        account_id: &AccountId,
        ins: &Ins,
        feed: &str,
        writes: &[CareWrite<'_>],
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<Vec<CareWritten>>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        // Decided on the rows as they stand in this transaction: a record closed, or whose INS
        // was changed or un-verified while the batch ran, takes nothing.
        let still: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM identities i JOIN accounts a ON a.id = i.account_id \
             WHERE i.account_id = $1 AND i.ins = $2 AND i.verified_by IS NOT NULL \
             AND a.status <> 'closed'",
        )
        .bind(account_id)
        .bind(ins.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if still.is_none() {
            return Ok(None);
        }
        let mut written = vec![CareWritten::Raced; writes.len()];
        // New lines whose identifier another batch took meanwhile are reported, not written.
        let sources: Vec<&SourceId> = writes
            .iter()
            .filter_map(|write| match write {
                CareWrite::New { source, .. } => Some(*source),
                CareWrite::Version { .. } => None,
            })
            .collect();
        let mut taken = std::collections::HashSet::new();
        for chunk in sources.chunks(SOURCES_PER_QUERY) {
            let mut query =
                sqlx::QueryBuilder::new("SELECT l.source_system, l.source_value FROM (");
            query.push_values(chunk, |mut row, source| {
                row.push_bind(&source.system).push_bind(&source.value);
            });
            query.push(
                ") AS wanted JOIN care_lines l ON l.source_system = wanted.column1 \
                 AND l.source_value = wanted.column2",
            );
            for row in query.build().fetch_all(&mut *tx).await? {
                taken.insert((row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?));
            }
        }
        let mut fresh = Vec::new();
        for (index, write) in writes.iter().enumerate() {
            match write {
                CareWrite::New { source, key, .. } => {
                    // The wrapping names the record; the row must say the same.
                    if key.owner != account_id.as_str() {
                        return Err(StoreError::Corrupt);
                    }
                    if !taken.contains(&(source.system.clone(), source.value.clone())) {
                        fresh.push(write);
                        written[index] = CareWritten::Stored;
                    }
                }
                CareWrite::Version { id, after, kind, care_date, sealed } => {
                    let Some(next) = after.checked_add(1) else { continue };
                    let moved = sqlx::query(
                        "UPDATE care_lines SET current_version = $3 + 1, kind = $4, \
                         care_date = $5, updated_at = $7 \
                         WHERE id = $1 AND account_id = $2 AND current_version = $3 \
                         AND feed = $6",
                    )
                    .bind(*id)
                    .bind(account_id)
                    .bind(i64::from(*after))
                    .bind(code(*kind))
                    .bind(care_date.to_string())
                    .bind(feed)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if moved.rows_affected() == 1 {
                        insert_versions(&mut tx, &[(id, next, sealed)], now).await?;
                        written[index] = CareWritten::Updated { version: next };
                    }
                }
            }
        }
        for chunk in fresh.chunks(ROWS_PER_INSERT) {
            insert_new(&mut tx, account_id, ins, feed, chunk, now).await?;
        }
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(written))
    }

    async fn care_lines(&self, account_id: &AccountId) -> Result<Vec<CareLineRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{LINE_COLUMNS} WHERE l.account_id = $1 ORDER BY l.care_date DESC, l.rowid DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(line_from).collect()
    }

    async fn care_line(
        &self,
        account_id: &AccountId,
        id: &CareLineId,
    ) -> Result<Option<CareLineRecord>, StoreError> {
        let row = sqlx::query(&format!("{LINE_COLUMNS} WHERE l.account_id = $1 AND l.id = $2"))
            .bind(account_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(line_from).transpose()
    }

    async fn set_care_line_masked(
        &self,
        account_id: &AccountId,
        id: &CareLineId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done =
            sqlx::query("UPDATE care_lines SET masked = $3 WHERE id = $1 AND account_id = $2")
                .bind(id)
                .bind(account_id)
                .bind(masked)
                .execute(&mut *tx)
                .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(done.rows_affected() == 1))
    }

    async fn care_lines_before(&self, before: Date) -> Result<Vec<Pruned>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, COUNT(*) AS lines FROM care_lines WHERE care_date < $1 \
             GROUP BY account_id ORDER BY account_id",
        )
        .bind(before.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Pruned {
                    account_id: row.try_get("account_id")?,
                    lines: u64::try_from(row.try_get::<i64, _>("lines")?)
                        .map_err(|_| StoreError::Corrupt)?,
                })
            })
            .collect()
    }

    async fn prune_care_lines(
        &self,
        account_id: &AccountId,
        before: Date,
        audit: &AuditRows,
    ) -> Result<Option<Deleted>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let deleted =
            delete_lines(&mut tx, account_id, "care_date < $2", &before.to_string()).await?;
        if deleted == 0 {
            return Ok(None);
        }
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(Deleted(deleted)))
    }
}

/// Deletes the record's lines that `condition` (on `$2`) names, their versions and their keys;
/// answers how many.
pub(super) async fn delete_lines(
    tx: &mut Conn,
    account_id: &AccountId,
    condition: &str,
    value: &str,
) -> Result<u64, StoreError> {
    let keys: Vec<String> = sqlx::query_scalar(&format!(
        "DELETE FROM care_lines WHERE account_id = $1 AND {condition} RETURNING data_key"
    ))
    .bind(account_id)
    .bind(value)
    .fetch_all(&mut *tx)
    .await?;
    for key in &keys {
        sqlx::query("DELETE FROM data_keys WHERE id = $1").bind(key).execute(&mut *tx).await?;
    }
    Ok(keys.len() as u64)
}

/// New lines with their data keys and first versions, a few statements for many rows.
async fn insert_new(
    tx: &mut Conn,
    account_id: &AccountId,
    ins: &Ins,
    feed: &str,
    lines: &[&CareWrite<'_>],
    now: i64,
) -> Result<(), StoreError> {
    let new: Vec<_> = lines
        .iter()
        .filter_map(|write| match write {
            CareWrite::New { id, source, data_key, key, kind, care_date, sealed } => {
                Some((*id, *source, *data_key, *key, *kind, *care_date, *sealed))
            }
            CareWrite::Version { .. } => None,
        })
        .collect();
    let mut keys = sqlx::QueryBuilder::new(
        "INSERT INTO data_keys (id, account_id, key_id, wrapped_key, created_at, owner_bound) ",
    );
    keys.push_values(&new, |mut row, (_, _, data_key, key, ..)| {
        row.push_bind(*data_key)
            .push_bind(account_id.as_str())
            .push_bind(&key.key_id)
            .push_bind(&key.wrapped)
            .push_bind(now)
            .push_bind(1);
    });
    keys.build().execute(&mut *tx).await?;
    let mut rows = sqlx::QueryBuilder::new(
        "INSERT INTO care_lines (id, account_id, feed, source_system, source_value, ins, kind, \
         care_date, data_key, current_version, created_at, updated_at) ",
    );
    rows.push_values(&new, |mut row, (id, source, data_key, _, kind, care_date, _)| {
        row.push_bind(id.as_str())
            .push_bind(account_id.as_str())
            .push_bind(feed)
            .push_bind(&source.system)
            .push_bind(&source.value)
            .push_bind(ins.as_str())
            .push_bind(code(*kind))
            .push_bind(care_date.to_string())
            .push_bind(*data_key)
            .push_bind(1)
            .push_bind(now)
            .push_bind(now);
    });
    rows.build().execute(&mut *tx).await?;
    let versions: Vec<_> = new.iter().map(|(id, .., sealed)| (*id, 1, *sealed)).collect();
    insert_versions(tx, &versions, now).await
}

async fn insert_versions(
    tx: &mut Conn,
    versions: &[(&CareLineId, u32, &[u8])],
    now: i64,
) -> Result<(), StoreError> {
    let mut query = sqlx::QueryBuilder::new(
        "INSERT INTO care_line_versions (line_id, version, sealed, written_at) ",
    );
    query.push_values(versions, |mut row, (id, version, sealed)| {
        row.push_bind(id.as_str()).push_bind(i64::from(*version)).push_bind(*sealed).push_bind(now);
    });
    query.build().execute(tx).await?;
    Ok(())
}
