//! [`RecordStore`] on SQLite: documents and their versions.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::uploads::{UPLOAD_COLUMNS, upload_from};
use super::{
    SqlStore, begin_write,
    columns::{parse, party_from},
};
use crate::store::{
    AccountId, AuditRows, DocumentFacts, DocumentId, DocumentRecord, Matched, RecordStore,
    StoreError,
};

/// A document's own columns and its listing's from the current version's upload: its facts.
const FACTS_COLUMNS: &str = "d.id, d.category, d.domain, d.author_kind, d.author_id, d.masked, \
     d.hidden_from_representatives, d.awaiting_announcement, d.current_version, d.withdrawn_at, \
     v.deposited_at, u.type_code, u.care_date, u.media_type, u.size";

const CURRENT_UPLOAD: &str = "FROM documents d \
     JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version \
     JOIN uploads u ON u.id = v.upload_id";

/// Newest care first; the identifier settles ties, the same on either database.
const NEWEST_FIRST: &str = "ORDER BY u.care_date DESC, v.deposited_at DESC, d.id DESC";

fn document_query(filter: &str) -> String {
    format!(
        "SELECT {FACTS_COLUMNS}, d.account_id, {UPLOAD_COLUMNS} {CURRENT_UPLOAD} \
         JOIN data_keys k ON k.id = u.data_key {filter}"
    )
}

/// The most identifiers bound in one query (SQLite allows 32,766 parameters).
const IDS_PER_QUERY: usize = 500;

fn facts_from(row: &DbRow) -> Result<DocumentFacts, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    let flag = |name: &str| row.try_get::<bool, _>(name).map_err(StoreError::from);
    Ok(DocumentFacts {
        id: row.try_get("id")?,
        category: parse(&text("category")?)?,
        domain: row.try_get::<Option<String>, _>("domain")?.map(|d| parse(&d)).transpose()?,
        author: party_from(&text("author_kind")?, row.try_get("author_id")?)?,
        masked: flag("masked")?,
        hidden_from_representatives: flag("hidden_from_representatives")?,
        awaiting_announcement: flag("awaiting_announcement")?,
        version: u32::try_from(row.try_get::<i64, _>("current_version")?)
            .map_err(|_| StoreError::Corrupt)?,
        withdrawn: row.try_get::<Option<i64>, _>("withdrawn_at")?.is_some(),
        deposited_at: row.try_get("deposited_at")?,
        type_code: row.try_get("type_code")?,
        care_date: text("care_date")?,
        media_type: parse(&text("media_type")?)?,
        size: u64::try_from(row.try_get::<i64, _>("size")?).map_err(|_| StoreError::Corrupt)?,
    })
}

fn document_from(row: &DbRow) -> Result<DocumentRecord, StoreError> {
    let account_id: AccountId = row.try_get("account_id")?;
    let mut upload = upload_from(row)?;
    // The document's record, which is the one it is listed and read in: a document row (or a
    // version) pointed at another record's upload does not open there.
    upload.key.owner = account_id.to_string();
    Ok(DocumentRecord { facts: facts_from(row)?, account_id, upload })
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn documents(&self, account_id: &AccountId) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query(&document_query(&format!("WHERE d.account_id = $1 {NEWEST_FIRST}")))
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(document_from).collect()
    }
    async fn document_facts(
        &self,
        account_id: &AccountId,
    ) -> Result<std::sync::Arc<Vec<DocumentFacts>>, StoreError> {
        // The counter first: facts read after it are at least as new as it says.
        let counter: i64 =
            sqlx::query_scalar("SELECT counter FROM record_changes WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0);
        if let Some(facts) = self.facts.get(account_id, counter) {
            return Ok(facts);
        }
        let query = format!(
            "SELECT {FACTS_COLUMNS} {CURRENT_UPLOAD} WHERE d.account_id = $1 {NEWEST_FIRST}"
        );
        let rows = sqlx::query(&query).bind(account_id).fetch_all(&self.pool).await?;
        let facts =
            std::sync::Arc::new(rows.iter().map(facts_from).collect::<Result<Vec<_>, _>>()?);
        self.facts.put(account_id, counter, facts.clone());
        Ok(facts)
    }
    async fn documents_among(
        &self,
        account_id: &AccountId,
        ids: &[&DocumentId],
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let mut documents = Vec::with_capacity(ids.len());
        for some in ids.chunks(IDS_PER_QUERY) {
            let places: Vec<String> = (2..some.len() + 2).map(|n| format!("${n}")).collect();
            let query = document_query(&format!(
                "WHERE d.account_id = $1 AND d.id IN ({})",
                places.join(", ")
            ));
            let mut query = sqlx::query(&query).bind(account_id);
            for id in some {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                documents.push(document_from(&row)?);
            }
        }
        Ok(documents)
    }
    async fn document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
    ) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query(&document_query("WHERE d.account_id = $1 AND d.id = $2"))
            .bind(account_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document_from).transpose()
    }
    async fn set_masked(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        masked: bool,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE documents SET masked = $1 WHERE account_id = $2 AND id = $3")
            .bind(masked)
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn withdraw_document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let result = sqlx::query(
            "UPDATE documents SET withdrawn_at = $1 \
             WHERE account_id = $2 AND id = $3 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(result.rows_affected() == 1))
    }
    async fn announce_document(
        &self,
        account_id: &AccountId,
        id: &DocumentId,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE documents SET awaiting_announcement = FALSE \
             WHERE id = $1 AND account_id = $2 AND awaiting_announcement = TRUE",
        )
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(done.rows_affected() == 1))
    }
}
