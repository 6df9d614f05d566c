//! [`CodeStore`] on SQLite: one-time codes and their decoys.

use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::SqlStore;
use crate::store::{CodeAttempt, CodeStore, CodeTry, NewCode, StoreError};

#[async_trait]
impl CodeStore for SqlStore {
    async fn insert_code(&self, code: &NewCode<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO one_time_codes (challenge_hash, account_id, purpose, code_hash, \
             created_at, expires_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(code.challenge_hash)
        .bind(code.account_id)
        .bind(code.purpose)
        .bind(code.code_hash)
        .bind(code.created_at)
        .bind(code.expires_at)
        .bind(code.payload)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn count_code_attempt(
        &self,
        challenge_hash: &[u8],
        now: i64,
        max_attempts: u32,
    ) -> Result<Option<CodeTry>, StoreError> {
        // One statement: the cap holds even when tries arrive in parallel.
        let row = sqlx::query(
            "UPDATE one_time_codes SET attempts = attempts + 1 \
             WHERE challenge_hash = $1 AND used_at IS NULL AND expires_at > $2 AND attempts < $3 \
             RETURNING account_id, purpose, code_hash, attempts, payload",
        )
        .bind(challenge_hash)
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&self.pool)
        .await?;
        let count = |row: &DbRow| {
            u32::try_from(row.try_get::<i64, _>("attempts")?).map_err(|_| StoreError::Corrupt)
        };
        if let Some(row) = row {
            return Ok(Some(CodeTry::Real(CodeAttempt {
                payload: row.try_get("payload")?,
                account_id: row.try_get("account_id")?,
                purpose: row.try_get("purpose")?,
                code_hash: row.try_get("code_hash")?,
                attempts: count(&row)?,
            })));
        }
        let decoy = sqlx::query(
            "UPDATE decoy_codes SET attempts = attempts + 1 \
             WHERE challenge_hash = $1 AND expires_at > $2 AND attempts < $3 RETURNING attempts",
        )
        .bind(challenge_hash)
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&self.pool)
        .await?;
        decoy.map(|row| Ok(CodeTry::Decoy { attempts: count(&row)? })).transpose()
    }

    async fn insert_decoy_code(
        &self,
        challenge_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO decoy_codes (challenge_hash, expires_at) VALUES ($1, $2)")
            .bind(challenge_hash)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn use_code(&self, challenge_hash: &[u8], now: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE one_time_codes SET used_at = $1 WHERE challenge_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(challenge_hash)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
