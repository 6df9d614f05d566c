//! The rate limits' rows: a key's state read and its next one written in one transaction.

use async_trait::async_trait;

use super::{SqlStore, begin_write};
use crate::store::{RateDecision, RatePolicy, RateState, RateStore, StoreError};

#[async_trait]
impl RateStore for SqlStore {
    async fn rate_limit_try(
        &self,
        key: &str,
        now: i64,
        policy: RatePolicy,
    ) -> Result<RateDecision, StoreError> {
        // A write transaction from its first statement: a parallel try waits for this one's
        // count before it reads the state.
        let mut tx = begin_write(&self.pool).await?;
        let kept: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT failures, blocked_until, last_try FROM rate_limits WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let state = match kept {
            Some((failures, blocked_until, last_try)) => RateState {
                failures: u32::try_from(failures).map_err(|_| StoreError::Corrupt)?,
                blocked_until,
                last_try,
            },
            None => RateState::default(),
        };
        let tried = policy.try_at(state, now);
        if let Ok(next) = tried {
            sqlx::query(
                "INSERT INTO rate_limits (key, failures, blocked_until, last_try) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = \
                 excluded.failures, blocked_until = excluded.blocked_until, \
                 last_try = excluded.last_try",
            )
            .bind(key)
            .bind(i64::from(next.failures))
            .bind(next.blocked_until)
            .bind(next.last_try)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(tried.into())
    }

    async fn rate_limit_reset(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rate_limits WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    async fn rate_limit_reset_prefix(&self, prefix: &str) -> Result<u64, StoreError> {
        // A range rather than LIKE: nothing in the prefix is read as a pattern.
        let reset = sqlx::query("DELETE FROM rate_limits WHERE key >= $1 AND key < $1 || x'ff'")
            .bind(prefix)
            .execute(&self.pool)
            .await?;
        Ok(reset.rows_affected())
    }

    async fn rate_limit_forgive(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rate_limits SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rate_limits_count_in_parallel_forget_a_quiet_day_and_are_purged_then() {
        use crate::store::{FORGOTTEN_AFTER, PeopleStore};
        let (store, _dir) = super::super::scratch().await;
        let policy = RatePolicy { free: 4, base_delay: 60, max_delay: 600, lock_after: 6 };
        let now = 1_000_000;
        // Ten tries at once: the four free ones pass, the others find the block the fourth set.
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let store = store.clone();
            tries.spawn(async move { store.rate_limit_try("k", now, policy).await.unwrap() });
        }
        let allowed = tries.join_all().await.into_iter().filter(|d| *d == RateDecision::Allowed);
        let allowed = allowed.count();
        assert_eq!(allowed, 4);
        assert_eq!(
            store.rate_limit_try("k", now + 59, policy).await.unwrap(),
            RateDecision::Blocked { retry_after: 1 }
        );
        // A quiet day later the count starts again: four free tries.
        let later = now + FORGOTTEN_AFTER;
        for _ in 0..3 {
            assert_eq!(
                store.rate_limit_try("k", later, policy).await.unwrap(),
                RateDecision::Allowed
            );
        }
        store.rate_limit_forgive("k").await.unwrap();
        assert_eq!(store.rate_limit_try("k", later, policy).await.unwrap(), RateDecision::Allowed);
        // A locked key stays locked, and stays in the table; a forgotten one is purged.
        for at in [later, later + 60, later + 180] {
            assert_eq!(store.rate_limit_try("k", at, policy).await.unwrap(), RateDecision::Allowed);
        }
        let locked = RateDecision::Blocked { retry_after: u32::MAX };
        assert_eq!(store.rate_limit_try("k", later + 1000, policy).await.unwrap(), locked);
        store.rate_limit_try("quiet", now, policy).await.unwrap();
        store.purge(later + 2 * FORGOTTEN_AFTER, 3600).await.unwrap();
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT key FROM rate_limits").fetch_all(&store.pool).await.unwrap();
        assert_eq!(keys, ["k"]);
        assert_eq!(
            store.rate_limit_try("k", later + 3 * FORGOTTEN_AFTER, policy).await.unwrap(),
            locked
        );
    }
}
