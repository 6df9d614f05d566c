//! The embedded default: one SQLite file, WAL journal (readers never wait for the writer),
//! foreign keys enforced on every connection, migrations embedded in the binary and run at start.

use std::{path::Path, str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{Store, StoreError};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    #[tracing::instrument(skip_all)]
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::DataDir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(StoreError::Unavailable)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        MIGRATIONS.run(&pool).await?;
        tracing::info!(migrations = MIGRATIONS.iter().count(), "database ready");
        Ok(Self { pool })
    }

    /// Closes every connection; later queries fail. Used at shutdown and by tests.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_is_created_with_wal_foreign_keys_and_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/carnet.db");
        let store = SqliteStore::open(&path).await.unwrap();
        assert!(path.exists());

        let mut conn = store.pool.acquire().await.unwrap();
        let journal: String =
            sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(journal, "wal");
        let foreign_keys: i64 =
            sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(foreign_keys, 1);
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(applied, MIGRATIONS.iter().count() as i64);
        let instance: i64 = sqlx::query_scalar("SELECT count(*) FROM instance")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(instance, 1);
        drop(conn);

        // Opening again is idempotent: migrations are not re-applied, the instance is kept.
        store.close().await;
        let again = SqliteStore::open(&path).await.unwrap();
        again.health().await.unwrap();
    }

    #[tokio::test]
    async fn health_fails_once_closed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
        store.health().await.unwrap();
        store.close().await;
        assert!(matches!(store.health().await, Err(StoreError::Unavailable(_))));
    }
}
