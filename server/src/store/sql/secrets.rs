//! [`SecretStore`] on SQLite: the authenticator secret's columns of `accounts`, and `data_keys`.

use async_trait::async_trait;

use super::{SqlStore, begin_write, insert_data_key, write_event};
use crate::{
    store::{AccountId, Event, SecretStore, StoreError, StoredSecret, TotpState},
    vault::WrappedKey,
};

#[async_trait]
impl SecretStore for SqlStore {
    async fn set_totp_secret(
        &self,
        account_id: &AccountId,
        data_key: &str,
        key: &WrappedKey,
        sealed: &[u8],
        now: i64,
        event: Option<&Event<'_>>,
    ) -> Result<(), StoreError> {
        // Set up: the pending columns; sealed again: the ones in use.
        let (secret_column, key_column) = match event {
            Some(_) => ("totp_pending_secret", "totp_pending_data_key"),
            None => ("totp_secret", "totp_data_key"),
        };
        let mut tx = begin_write(&self.pool).await?;
        let previous: Option<Option<String>> =
            sqlx::query_scalar(&format!("SELECT {key_column} FROM accounts WHERE id = $1"))
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        insert_data_key(&mut tx, data_key, account_id, key, now).await?;
        sqlx::query(&format!(
            "UPDATE accounts SET {secret_column} = $1, {key_column} = $2 WHERE id = $3"
        ))
        .bind(sealed)
        .bind(data_key)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if let Some(Some(old)) = previous {
            sqlx::query("DELETE FROM data_keys WHERE id = $1").bind(old).execute(&mut *tx).await?;
        }
        if let Some(event) = event {
            write_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn scrub(&self) -> Result<(), StoreError> {
        super::scrub(&self.pool).await?;
        Ok(())
    }

    async fn legacy_totp_accounts(&self) -> Result<Vec<AccountId>, StoreError> {
        sqlx::query_scalar(
            "SELECT id FROM accounts WHERE totp_secret IS NOT NULL AND totp_data_key IS NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    async fn data_keys_not_under(
        &self,
        key_id: &str,
        limit: u32,
    ) -> Result<Vec<(String, WrappedKey)>, StoreError> {
        let rows: Vec<(String, String, Vec<u8>, String)> = sqlx::query_as(
            "SELECT id, key_id, wrapped_key, account_id FROM data_keys WHERE key_id <> $1 LIMIT $2",
        )
        .bind(key_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, key_id, wrapped, owner)| (id, WrappedKey { key_id, wrapped, owner }))
            .collect())
    }

    async fn unbound_data_keys(&self, limit: u32) -> Result<Vec<(String, WrappedKey)>, StoreError> {
        let rows: Vec<(String, String, Vec<u8>, String)> = sqlx::query_as(
            "SELECT id, key_id, wrapped_key, account_id FROM data_keys WHERE owner_bound = 0 \
             LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, key_id, wrapped, owner)| (id, WrappedKey { key_id, wrapped, owner }))
            .collect())
    }

    async fn data_keys_bound(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT data_keys_bound = TRUE FROM instance WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn set_data_keys_bound(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE instance SET data_keys_bound = TRUE WHERE id = 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_data_key_unbindable(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_keys SET owner_bound = 2 WHERE id = $1 AND owner_bound = 0")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn replace_data_keys(&self, keys: &[(String, WrappedKey)]) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        for (id, key) in keys {
            sqlx::query(
                "UPDATE data_keys SET key_id = $1, wrapped_key = $2, owner_bound = 1 WHERE id = $3",
            )
            .bind(&key.key_id)
            .bind(&key.wrapped)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn enable_totp(
        &self,
        account_id: &AccountId,
        event: &Event<'_>,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let replaced: Option<Option<String>> = sqlx::query_scalar(
            "SELECT totp_data_key FROM accounts WHERE id = $1 AND totp_pending_secret IS NOT NULL",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(replaced) = replaced else { return Ok(None) };
        sqlx::query(
            "UPDATE accounts SET totp_secret = totp_pending_secret, \
             totp_data_key = totp_pending_data_key, totp_pending_secret = NULL, \
             totp_pending_data_key = NULL, totp_enabled = TRUE, totp_last_step = NULL WHERE id = $1",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if let Some(old) = replaced {
            sqlx::query("DELETE FROM data_keys WHERE id = $1").bind(old).execute(&mut *tx).await?;
        }
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    async fn pending_totp(
        &self,
        account_id: &AccountId,
    ) -> Result<Option<StoredSecret>, StoreError> {
        let row: Option<(Option<Vec<u8>>, Option<String>, Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as(
                "SELECT a.totp_pending_secret, a.totp_pending_data_key, k.key_id, k.wrapped_key \
                 FROM accounts a LEFT JOIN data_keys k ON k.id = a.totp_pending_data_key \
                 WHERE a.id = $1",
            )
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some((Some(content), Some(data_key), Some(key_id), Some(wrapped))) => {
                Ok(Some(StoredSecret::Sealed {
                    data_key,
                    key: WrappedKey { key_id, wrapped, owner: account_id.to_string() },
                    content,
                }))
            }
            Some((None, ..)) | None => Ok(None),
            Some(_) => Err(StoreError::Corrupt),
        }
    }

    async fn disable_totp(
        &self,
        account_id: &AccountId,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let keys: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT totp_data_key, totp_pending_data_key FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = NULL, totp_data_key = NULL, \
             totp_pending_secret = NULL, totp_pending_data_key = NULL, totp_enabled = FALSE, \
             totp_last_step = NULL WHERE id = $1",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        for key in keys.into_iter().flat_map(|(a, b)| [a, b]).flatten() {
            sqlx::query("DELETE FROM data_keys WHERE id = $1").bind(key).execute(&mut *tx).await?;
        }
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn totp(&self, account_id: &AccountId) -> Result<Option<TotpState>, StoreError> {
        let row: Option<(Option<Vec<u8>>, bool, Option<String>, Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as(
                "SELECT a.totp_secret, a.totp_enabled, a.totp_data_key, k.key_id, k.wrapped_key \
                 FROM accounts a LEFT JOIN data_keys k ON k.id = a.totp_data_key WHERE a.id = $1",
            )
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some((Some(content), enabled, data_key, key_id, wrapped)) = row else {
            return Ok(None);
        };
        let secret = match (data_key, key_id, wrapped) {
            (Some(data_key), Some(key_id), Some(wrapped)) => {
                let key = WrappedKey { key_id, wrapped, owner: account_id.to_string() };
                StoredSecret::Sealed { data_key, key, content }
            }
            (None, _, _) => StoredSecret::Legacy(content),
            _ => return Err(StoreError::Corrupt),
        };
        Ok(Some(TotpState { secret, enabled }))
    }

    async fn use_totp_step(&self, account_id: &AccountId, step: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
