//! [`UploadStore`] on SQLite.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{
    SqlStore, begin_write,
    columns::{code, parse, party_columns, party_from},
    insert_data_key,
};
use crate::{
    store::{
        AccountId, AppendOutcome, AuditRows, Deposited, DocumentId, NewUpload, Party, StoreError,
        UploadId, UploadRecord, UploadStore,
    },
    vault::WrappedKey,
};

pub(super) const UPLOAD_COLUMNS: &str = "u.id AS u_id, u.account_id AS u_account, u.data_key, k.key_id, \
     k.wrapped_key, u.uploader_kind, u.uploader, u.sealed_title, u.category AS u_category, \
     u.domain AS u_domain, u.type_code, u.care_date, u.media_type, u.size, u.replaces, \
     u.received, u.chunks, u.finished_at, u.sealed_terms, u.created_at AS u_created_at, \
     u.hidden_from_representatives AS u_hidden, u.awaiting_announcement AS u_awaiting";

pub(super) fn upload_from(row: &DbRow) -> Result<UploadRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).map_err(StoreError::from);
    let number = |name: &str| row.try_get::<i64, _>(name).map_err(StoreError::from);
    let unsigned =
        |name: &str| number(name).and_then(|n| u64::try_from(n).map_err(|_| StoreError::Corrupt));
    Ok(UploadRecord {
        id: row.try_get("u_id")?,
        account_id: row.try_get("u_account")?,
        data_key: text("data_key")?,
        key: WrappedKey {
            key_id: text("key_id")?,
            wrapped: row.try_get("wrapped_key")?,
            owner: text("u_account")?,
        },
        uploader: party_from(&text("uploader_kind")?, optional("uploader")?)?,
        sealed_title: row.try_get("sealed_title")?,
        category: parse(&text("u_category")?)?,
        domain: optional("u_domain")?.map(|d| parse(&d)).transpose()?,
        type_code: optional("type_code")?,
        care_date: text("care_date")?,
        media_type: parse(&text("media_type")?)?,
        size: unsigned("size")?,
        replaces: row.try_get("replaces")?,
        received: unsigned("received")?,
        chunks: u32::try_from(number("chunks")?).map_err(|_| StoreError::Corrupt)?,
        finished: row.try_get::<Option<i64>, _>("finished_at")?.is_some(),
        sealed_terms: row.try_get("sealed_terms")?,
        created_at: number("u_created_at")?,
        hidden_from_representatives: row.try_get("u_hidden")?,
        awaiting_announcement: row.try_get("u_awaiting")?,
    })
}

#[async_trait]
impl UploadStore for SqlStore {
    async fn create_upload(
        &self,
        upload: &NewUpload<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_data_key(&mut tx, upload.data_key, upload.account_id, upload.key, upload.now)
            .await?;
        let (kind, who) = party_columns(upload.uploader);
        sqlx::query(
            "INSERT INTO uploads (id, account_id, data_key, uploader_kind, uploader, \
             idempotency_key, sealed_title, category, domain, type_code, care_date, media_type, \
             size, replaces, hidden_from_representatives, awaiting_announcement, sealed_terms, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(upload.id)
        .bind(upload.account_id)
        .bind(upload.data_key)
        .bind(kind)
        .bind(who.unwrap_or(""))
        .bind(upload.idempotency_key)
        .bind(upload.sealed_title)
        .bind(code(upload.category))
        .bind(upload.domain.map(code))
        .bind(upload.type_code)
        .bind(upload.care_date)
        .bind(code(upload.media_type))
        .bind(i64::try_from(upload.size).map_err(|_| StoreError::Corrupt)?)
        .bind(upload.replaces)
        .bind(upload.hidden_from_representatives)
        .bind(upload.awaiting_announcement)
        .bind(upload.sealed_terms)
        .bind(upload.now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn upload(
        &self,
        account_id: &AccountId,
        id: &UploadId,
    ) -> Result<Option<UploadRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads u JOIN data_keys k ON k.id = u.data_key \
             WHERE u.account_id = $1 AND u.id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(upload_from).transpose()
    }
    async fn upload_by_idempotency_key(
        &self,
        account_id: &AccountId,
        uploader: &Party,
        key: &str,
    ) -> Result<Option<UploadRecord>, StoreError> {
        let (_, who) = party_columns(uploader);
        let row = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads u JOIN data_keys k ON k.id = u.data_key \
             WHERE u.account_id = $1 AND u.uploader = $2 AND u.idempotency_key = $3"
        ))
        .bind(account_id)
        .bind(who.unwrap_or(""))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(upload_from).transpose()
    }
    async fn append_chunk(
        &self,
        upload_id: &UploadId,
        offset: u64,
        sealed: &[u8],
        plain_len: u64,
        audit: &AuditRows,
    ) -> Result<AppendOutcome, StoreError> {
        let offset = i64::try_from(offset).map_err(|_| StoreError::Corrupt)?;
        let length = i64::try_from(plain_len).map_err(|_| StoreError::Corrupt)?;
        let mut tx = begin_write(&self.pool).await?;
        // Moving the counters only if the upload stands at `offset` serialises parallel sends
        // of the same chunk: one wins, the other is told where the upload now stands.
        let index: Option<i64> = sqlx::query_scalar(
            "UPDATE uploads SET received = received + $1, chunks = chunks + 1 \
             WHERE id = $2 AND received = $3 AND finished_at IS NULL AND received + $1 <= size \
             RETURNING chunks - 1",
        )
        .bind(length)
        .bind(upload_id)
        .bind(offset)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(index) = index else {
            let received: Option<i64> =
                sqlx::query_scalar("SELECT received FROM uploads WHERE id = $1")
                    .bind(upload_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let received = u64::try_from(received.unwrap_or(0)).unwrap_or(0);
            // Refused, and traced all the same.
            super::audit::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            return Ok(AppendOutcome::WrongOffset { received });
        };
        sqlx::query("INSERT INTO content_chunks (upload_id, idx, sealed) VALUES ($1, $2, $3)")
            .bind(upload_id)
            .bind(index)
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(AppendOutcome::Appended)
    }
    async fn chunks(&self, upload_id: &UploadId) -> Result<Vec<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT sealed FROM content_chunks WHERE upload_id = $1 ORDER BY idx")
            .bind(upload_id)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }
    async fn finish_upload(
        &self,
        upload_id: &UploadId,
        new_document_id: &DocumentId,
        sealed_terms: Option<&[u8]>,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Option<Deposited>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let row = sqlx::query(
            "UPDATE uploads SET finished_at = $1, sealed_terms = COALESCE($2, sealed_terms) WHERE id = $3 \
             AND finished_at IS NULL AND received = size RETURNING account_id, uploader_kind, uploader, category, \
             domain, replaces, hidden_from_representatives, awaiting_announcement",
        )
        .bind(now)
        .bind(sealed_terms)
        .bind(upload_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
        let account_id = text("account_id")?;
        let deposited = match row.try_get::<Option<DocumentId>, _>("replaces")? {
            Some(document_id) => {
                let version: i64 = sqlx::query_scalar(
                    "UPDATE documents SET current_version = current_version + 1 \
                     WHERE id = $1 AND account_id = $2 AND withdrawn_at IS NULL \
                     RETURNING current_version",
                )
                .bind(&document_id)
                .bind(&account_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::Conflict("documents_withdrawn"))?;
                Deposited {
                    document_id,
                    version: u32::try_from(version).map_err(|_| StoreError::Corrupt)?,
                }
            }
            None => {
                let kind = text("uploader_kind")?;
                let author = text("uploader")?;
                sqlx::query(
                    "INSERT INTO documents (id, account_id, category, domain, author_kind, \
                     author_id, hidden_from_representatives, awaiting_announcement, \
                     current_version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)",
                )
                .bind(new_document_id)
                .bind(&account_id)
                .bind(text("category")?)
                .bind(row.try_get::<Option<String>, _>("domain")?)
                .bind(&kind)
                .bind(author)
                .bind(row.try_get::<bool, _>("hidden_from_representatives")?)
                .bind(row.try_get::<bool, _>("awaiting_announcement")?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Deposited { document_id: new_document_id.to_owned(), version: 1 }
            }
        };
        sqlx::query(
            "INSERT INTO document_versions (document_id, version, upload_id, deposited_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&deposited.document_id)
        .bind(i64::from(deposited.version))
        .bind(upload_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Some(deposited))
    }
    async fn uploads_without_terms(&self) -> Result<Vec<UploadRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads u JOIN data_keys k ON k.id = u.data_key \
             WHERE u.media_type = 'text/plain' AND u.finished_at IS NOT NULL AND u.sealed_terms IS NULL"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(upload_from).collect()
    }
    async fn set_upload_terms(
        &self,
        upload_id: &UploadId,
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE uploads SET sealed_terms = $1 WHERE id = $2")
            .bind(sealed)
            .bind(upload_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
    async fn purge_uploads(&self, before: i64) -> Result<usize, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let keys: Vec<String> = sqlx::query_scalar(
            "DELETE FROM uploads WHERE finished_at IS NULL AND created_at < $1 RETURNING data_key",
        )
        .bind(before)
        .fetch_all(&mut *tx)
        .await?;
        for key in &keys {
            sqlx::query("DELETE FROM data_keys WHERE id = $1").bind(key).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(keys.len())
    }
}
