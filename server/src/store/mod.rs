//! Storage behind one trait, so the SQLite file (default) and PostgreSQL fit the same server. Handlers never see sqlx: they call [`Store`] methods that take and return the plain
//! records below. Secrets arrive here already hashed; nothing here decides who may do what.

mod accounts;
mod audit;
mod care;
mod codes;
mod emergency;
mod episodes;
mod facts;
mod grants;
mod identities;
mod ids;
mod leases;
mod links;
pub mod migrate;
mod notifications;
mod outbox;
mod people;
mod profile;
mod rate;
mod records;
mod secrets;
mod sessions;
mod uploads;

pub use accounts::*;
pub use audit::*;
pub use care::*;
pub use codes::*;
pub use emergency::*;
pub use episodes::*;
pub(crate) use facts::FactsCache;
pub use grants::*;
pub use identities::*;
pub use ids::*;
pub use leases::*;
pub use links::*;
pub use notifications::*;
pub use outbox::*;
pub use people::*;
pub use postgres::SqlStore as PgStore;
pub use profile::*;
pub use rate::*;
pub use records::*;
pub use secrets::*;
pub use sessions::*;
pub use sqlite::SqlStore as SqliteStore;
pub use uploads::*;

/// The store's SQL, shared by both databases: the files of `sql/` compiled once per database,
/// each time beside that database's engine (its types, how it opens, migrates and begins a write).
macro_rules! sql_store {
    () => {
        type Conn = <Db as sqlx::Database>::Connection;
        type DbRow = <Db as sqlx::Database>::Row;
        #[cfg(test)]
        pub(super) use engine::scratch;
        use engine::{Db, lock_audit, open_write, scrub};
        pub use shared::SqlStore;
        use shared::*;

        mod accounts;
        mod audit;
        mod care;
        mod codes;
        mod columns;
        mod emergency;
        mod episodes;
        mod grants;
        mod identities;
        mod leases;
        mod links;
        mod notifications;
        mod outbox;
        mod people;
        mod profile;
        mod rate;
        mod records;
        mod secrets;
        mod sessions;
        mod shared;
        mod uploads;
    };
}

/// The embedded default: one SQLite file.
#[path = "sql"]
#[allow(clippy::duplicate_mod, reason = "the same SQL, compiled for each database")]
mod sqlite {
    #[path = "sqlite.rs"]
    mod engine;
    sql_store!();
}

/// PostgreSQL, when `DATABASE_URL` names one: several servers may share it.
#[path = "sql"]
#[allow(clippy::duplicate_mod, reason = "the same SQL, compiled for each database")]
mod postgres {
    #[path = "postgres.rs"]
    mod engine;
    sql_store!();
}

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
    #[error("cannot take the audit log's lock")]
    AuditLock(#[source] std::io::Error),
    /// A uniqueness rule was broken; the name is the constraint's.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    #[error("stored data is not in the expected form")]
    Corrupt,
    /// The transaction that was to hold a read's audit entry failed (its error is logged once,
    /// by the request that ran it).
    #[error("the audit entry's group commit failed")]
    GroupCommit,
}

/// A database error as the store reports it: a broken uniqueness rule that callers handle is
/// named ([`StoreError::Conflict`]), anything else is the database being unavailable. So `?` on
/// any sqlx call gives the store's error.
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            // SQLite names the columns, not the constraint (PostgreSQL names the constraint,
            // which is the index's name); map the unique rules we have.
            let broken = |index: &str, columns: &str| {
                db.constraint() == Some(index) || db.message().contains(columns)
            };
            if broken("accounts_contact_unique", "accounts.contact") {
                return Self::Conflict("accounts_contact_unique");
            }
            if broken("representations_current", "representations.account_id") {
                return Self::Conflict("representations_current");
            }
            if broken("identities_verified_ins", "identities.ins") {
                return Self::Conflict("identities_verified_ins");
            }
        }
        // A value that does not decode (an enum's text unknown to this build) is not the
        // database being down.
        if matches!(error, sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_)) {
            return Self::Corrupt;
        }
        Self::Unavailable(error)
    }
}

/// A store of each database, for a test that runs on both (the PostgreSQL one is a new database
/// on the server of `CARNET_TEST_POSTGRES`), and the SQLite file's folder.
#[cfg(test)]
pub(crate) async fn scratch_stores() -> (Vec<std::sync::Arc<dyn Store>>, tempfile::TempDir) {
    let (sqlite, dir) = sqlite::scratch().await;
    let (postgres, ()) = postgres::scratch().await;
    (vec![std::sync::Arc::new(sqlite), std::sync::Arc::new(postgres)], dir)
}

#[async_trait]
pub trait Store:
    AccountStore
    + SecretStore
    + CodeStore
    + SessionStore
    + PeopleStore
    + UploadStore
    + RecordStore
    + GrantStore
    + IdentityStore
    + CareStore
    + EpisodeStore
    + EmergencyStore
    + EmergencyLinkStore
    + LeaseStore
    + NotificationStore
    + ProfileStore
    + AuditStore
    + RateStore
    + OutboxStore
    + Send
    + Sync
    + 'static
{
    /// Proves the database answers a query now.
    async fn health(&self) -> Result<(), StoreError>;
    /// Closes every connection; later queries fail. Used at shutdown and by tests.
    async fn close(&self);
}
