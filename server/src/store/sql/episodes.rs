//! The care episodes in SQLite, with their tags.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{
    SqlStore, begin_write,
    columns::{account_rows, party_at, party_columns},
    insert_data_key,
};
use crate::{
    store::{
        AccountId, AuditRows, EpisodeId, EpisodeRecord, EpisodeStore, Matched, NewEpisode, Party,
        StoreError, TagRecord,
    },
    vault::WrappedKey,
};

#[async_trait]
impl EpisodeStore for SqlStore {
    async fn create_episode(
        &self,
        episode: &NewEpisode<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_data_key(&mut tx, episode.data_key, episode.account_id, episode.key, episode.now)
            .await?;
        let (kind, who) = party_columns(episode.author);
        sqlx::query(
            "INSERT INTO episodes (id, account_id, data_key, sealed_title, author_kind, \
             author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(episode.id)
        .bind(episode.account_id)
        .bind(episode.data_key)
        .bind(episode.sealed_title)
        .bind(kind)
        .bind(who)
        .bind(episode.now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn episodes(&self, account_id: &AccountId) -> Result<Vec<EpisodeRecord>, StoreError> {
        let sql = "SELECT e.id, e.account_id, e.data_key, k.key_id, k.wrapped_key, e.sealed_title, \
             e.author_kind, e.author_id, e.created_at FROM episodes e \
             JOIN data_keys k ON k.id = e.data_key WHERE e.account_id = $1 \
             ORDER BY e.created_at, e.id";
        let rows = account_rows(self, sql, account_id).await?;
        let episode = |row: &DbRow| -> Result<EpisodeRecord, StoreError> {
            let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
            Ok(EpisodeRecord {
                id: row.try_get("id")?,
                data_key: text("data_key")?,
                key: WrappedKey {
                    key_id: text("key_id")?,
                    wrapped: row.try_get("wrapped_key")?,
                    owner: text("account_id")?,
                },
                sealed_title: row.try_get("sealed_title")?,
                author: party_at(row, "author_kind", "author_id")?,
                created_at: row.try_get("created_at")?,
            })
        };
        rows.iter().map(episode).collect()
    }

    async fn episode_tags(&self, account_id: &AccountId) -> Result<Vec<TagRecord>, StoreError> {
        let sql = "SELECT t.episode_id, t.item_id, t.tagger_kind, t.tagger_id \
             FROM episode_items t JOIN episodes e ON e.id = t.episode_id \
             WHERE e.account_id = $1 ORDER BY t.tagged_at, t.item_id";
        let rows = account_rows(self, sql, account_id).await?;
        let tag = |row: &DbRow| -> Result<TagRecord, StoreError> {
            Ok(TagRecord {
                episode_id: row.try_get("episode_id")?,
                item_id: row.try_get("item_id")?,
                tagger: party_at(row, "tagger_kind", "tagger_id")?,
            })
        };
        rows.iter().map(tag).collect()
    }

    async fn tag(
        &self,
        episode_id: &EpisodeId,
        item_id: &str,
        tagger: &Party,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (kind, who) = party_columns(tagger);
        let done = sqlx::query(
            "INSERT INTO episode_items (episode_id, item_id, tagger_kind, tagger_id, tagged_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(episode_id)
        .bind(item_id)
        .bind(kind)
        .bind(who)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(done.rows_affected() == 1))
    }

    async fn untag(
        &self,
        episode_id: &EpisodeId,
        item_id: &str,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query("DELETE FROM episode_items WHERE episode_id = $1 AND item_id = $2")
            .bind(episode_id)
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Matched(done.rows_affected() == 1))
    }
}
