//! [`ProfileStore`] on SQLite.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{
    SqlStore, begin_write,
    columns::{account_rows, code, parse, party_at, party_columns, party_from},
    insert_data_key,
};
use crate::{
    store::{
        AccountId, AuditRows, EntryId, EntryRecord, Matched, NewEntry, NewVersion, Party,
        ProfileStore, StoreError, VersionRecord, VersionStamp,
    },
    vault::WrappedKey,
};

const ENTRY_COLUMNS: &str = "SELECT e.id, e.account_id, e.section, e.data_key, k.key_id, \
     k.wrapped_key, e.author_kind, e.author_id, e.current_version, e.masked, e.removed_at, \
     e.created_at, v.sealed, v.author_kind AS version_author_kind, \
     v.author_id AS version_author_id, v.written_at \
     FROM profile_entries e JOIN data_keys k ON k.id = e.data_key \
     JOIN profile_versions v ON v.entry_id = e.id AND v.version = e.current_version";

fn entry_from(row: &DbRow) -> Result<EntryRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).map_err(StoreError::from);
    Ok(EntryRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        section: parse(&text("section")?)?,
        data_key: text("data_key")?,
        key: WrappedKey {
            key_id: text("key_id")?,
            wrapped: row.try_get("wrapped_key")?,
            owner: text("account_id")?,
        },
        author: party_from(&text("author_kind")?, optional("author_id")?)?,
        version: u32::try_from(row.try_get::<i64, _>("current_version")?)
            .map_err(|_| StoreError::Corrupt)?,
        masked: row.try_get("masked")?,
        removed: row.try_get::<Option<i64>, _>("removed_at")?.is_some(),
        removed_at: row.try_get("removed_at")?,
        created_at: row.try_get("created_at")?,
        sealed: row.try_get("sealed")?,
        version_author: party_from(&text("version_author_kind")?, optional("version_author_id")?)?,
        written_at: row.try_get("written_at")?,
    })
}

#[async_trait]
impl ProfileStore for SqlStore {
    async fn create_entry(
        &self,
        entry: &NewEntry<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_data_key(&mut tx, entry.data_key, entry.account_id, entry.key, entry.now).await?;
        let (kind, who) = party_columns(entry.author);
        sqlx::query(
            "INSERT INTO profile_entries (id, account_id, section, data_key, author_kind, \
             author_id, idempotency_key, current_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
        )
        .bind(entry.id)
        .bind(entry.account_id)
        .bind(code(entry.section))
        .bind(entry.data_key)
        .bind(kind)
        .bind(who)
        .bind(entry.idempotency_key)
        .bind(entry.now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO profile_versions (entry_id, version, sealed, author_kind, author_id, \
             written_at) VALUES ($1, 1, $2, $3, $4, $5)",
        )
        .bind(entry.id)
        .bind(entry.sealed)
        .bind(kind)
        .bind(who)
        .bind(entry.now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn entry_by_idempotency_key(
        &self,
        account_id: &AccountId,
        author: &Party,
        key: &str,
    ) -> Result<Option<EntryRecord>, StoreError> {
        let (_, who) = party_columns(author);
        let row = sqlx::query(&format!(
            "{ENTRY_COLUMNS} WHERE e.account_id = $1 AND e.author_id IS NOT DISTINCT FROM $2 AND e.idempotency_key = $3"
        ))
        .bind(account_id)
        .bind(who)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(entry_from).transpose()
    }

    async fn version_by_idempotency_key(
        &self,
        id: &EntryId,
        author: &Party,
        key: &str,
    ) -> Result<Option<u32>, StoreError> {
        let (kind, who) = party_columns(author);
        let version: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM profile_versions \
             WHERE entry_id = $1 AND author_kind = $2 AND author_id IS NOT DISTINCT FROM $3 AND idempotency_key = $4",
        )
        .bind(id)
        .bind(kind)
        .bind(who)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        version.map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt)).transpose()
    }

    async fn entries(&self, account_id: &AccountId) -> Result<Vec<EntryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "{ENTRY_COLUMNS} WHERE e.account_id = $1 ORDER BY e.created_at DESC, e.rowid DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    async fn entry(
        &self,
        account_id: &AccountId,
        id: &EntryId,
    ) -> Result<Option<EntryRecord>, StoreError> {
        let row = sqlx::query(&format!("{ENTRY_COLUMNS} WHERE e.account_id = $1 AND e.id = $2"))
            .bind(account_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry_from).transpose()
    }

    async fn add_version(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        after: u32,
        version: &NewVersion<'_>,
        audit: &AuditRows,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let moved = sqlx::query(
            "UPDATE profile_entries SET current_version = current_version + 1 \
             WHERE id = $1 AND account_id = $2 AND current_version = $3 AND removed_at IS NULL",
        )
        .bind(id)
        .bind(account_id)
        .bind(i64::from(after))
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Ok(None);
        }
        let (kind, who) = party_columns(version.author);
        sqlx::query(
            "INSERT INTO profile_versions (entry_id, version, sealed, author_kind, author_id, \
             idempotency_key, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(i64::from(after) + 1)
        .bind(version.sealed)
        .bind(kind)
        .bind(who)
        .bind(version.idempotency_key)
        .bind(version.now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    async fn versions(&self, entry_id: &EntryId) -> Result<Vec<VersionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, sealed, author_kind, author_id, written_at FROM profile_versions \
             WHERE entry_id = $1 ORDER BY version",
        )
        .bind(entry_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(VersionRecord {
                    version: u32::try_from(row.try_get::<i64, _>("version")?)
                        .map_err(|_| StoreError::Corrupt)?,
                    sealed: row.try_get("sealed")?,
                    author: party_from(
                        &row.try_get::<String, _>("author_kind")?,
                        row.try_get("author_id")?,
                    )?,
                    written_at: row.try_get("written_at")?,
                })
            })
            .collect()
    }

    async fn version_stamps(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<VersionStamp>, StoreError> {
        let sql = "SELECT v.entry_id, v.version, v.author_kind, v.author_id, v.written_at \
             FROM profile_versions v JOIN profile_entries e ON e.id = v.entry_id \
             WHERE e.account_id = $1 ORDER BY v.written_at, v.entry_id, v.version";
        let rows = account_rows(self, sql, account_id).await?;
        let stamp = |row: &DbRow| -> Result<VersionStamp, StoreError> {
            let version: i64 = row.try_get("version")?;
            Ok(VersionStamp {
                entry_id: row.try_get("entry_id")?,
                version: u32::try_from(version).map_err(|_| StoreError::Corrupt)?,
                author: party_at(row, "author_kind", "author_id")?,
                written_at: row.try_get("written_at")?,
            })
        };
        rows.iter().map(stamp).collect()
    }

    async fn set_entry_masked(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE profile_entries SET masked = $1 WHERE id = $2 AND account_id = $3")
            .bind(masked)
            .bind(id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_entry(
        &self,
        account_id: &AccountId,
        id: &EntryId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE profile_entries SET removed_at = $1 \
             WHERE id = $2 AND account_id = $3 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(done.rows_affected() == 1))
    }
}
