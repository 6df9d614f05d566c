//! Storage behind one trait, so the SQLite file (default) and, later, PostgreSQL fit the same
//! server. Handlers never see sqlx: they call [`Store`] methods that return domain values.

mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;

/// Storage failures, as the rest of the server needs to tell them apart. The source is kept
/// for the logs and never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the data directory")]
    DataDir(#[source] std::io::Error),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Proves the database answers a query now.
    async fn health(&self) -> Result<(), StoreError>;
}
