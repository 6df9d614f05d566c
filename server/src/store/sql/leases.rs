//! [`LeaseStore`]: one statement, which either database runs atomically.

use async_trait::async_trait;

use super::SqlStore;
use crate::store::{LeaseStore, StoreError};

#[async_trait]
impl LeaseStore for SqlStore {
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leases.until <= $4 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lease_is_held_by_one_until_it_runs_out_then_another_takes_it() {
        let (store, _dir) = super::super::scratch().await;
        assert!(store.take_lease("purge", "a", 100, 200).await.unwrap(), "free: taken");
        assert!(!store.take_lease("purge", "b", 150, 250).await.unwrap(), "a's until 200");
        assert!(store.take_lease("purge", "a", 190, 290).await.unwrap(), "renewed by a");
        assert!(!store.take_lease("purge", "b", 250, 350).await.unwrap(), "a's until 290");
        assert!(store.take_lease("prune", "b", 250, 350).await.unwrap(), "another task is free");
        assert!(store.take_lease("purge", "b", 290, 390).await.unwrap(), "run out: b's now");
        assert!(!store.take_lease("purge", "a", 300, 400).await.unwrap(), "b's until 390");
    }
}
