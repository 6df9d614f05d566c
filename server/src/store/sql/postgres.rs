//! PostgreSQL, for an installation of several servers: the same store as the SQLite file, on a
//! database they share. Its schema is `migrations/postgres`; its write transactions take one
//! lock of the whole database, so that writes (each request's audit entry among them) follow
//! one another across every server exactly as they do in the SQLite file.

use std::{str::FromStr, time::Duration};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::SqlStore;
use crate::store::{
    StoreError,
    audit::{AUDIT_LOCK, AuditLock, Hold},
};

pub(super) type Db = sqlx::Postgres;

/// The advisory lock every write transaction holds until it ends (any number: the database's
/// whole store shares it). PostgreSQL's own row locks would let two servers read the same audit
/// log edge at once and both append after it.
const WRITE_LOCK: i64 = 0x4361_726e_6574; // "Carnet"

/// Begins a write transaction: waits for the store's write lock, held until commit or rollback.
pub(super) async fn open_write(
    pool: &sqlx::Pool<Db>,
) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
    Ok(tx)
}

/// The audit log's hold: a session advisory lock, on a connection kept for it until released.
/// The connection is inside the [`AuditLock`] before the lock is asked for: a request dropped
/// while it waits (a timeout, a client gone) closes the connection, and with it the lock it
/// would have been granted, instead of handing it back to the pool holding the lock for ever.
pub(super) async fn lock_audit(pool: &sqlx::Pool<Db>) -> Result<AuditLock, StoreError> {
    let mut lock = AuditLock::new(Hold::Postgres(pool.acquire().await?));
    if let Some(conn) = lock.connection() {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(AUDIT_LOCK).execute(&mut **conn).await?;
    }
    Ok(lock)
}

/// A replaced row's old version stays in its table's file until vacuumed (and an ordinary vacuum
/// frees its space without overwriting it): every table is rewritten without them. Best effort:
/// a version another transaction may still see is kept, and the WAL and its archives hold the
/// old rows anyway; secrets in clear never reach PostgreSQL (`crate::migration` refuses them).
/// Heavy (each table is locked while rewritten), so only for the one-off sealing of such secrets.
pub(super) async fn scrub(pool: &sqlx::Pool<Db>) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("VACUUM FULL").execute(pool).await?;
    Ok(())
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl SqlStore {
    /// Connects to the database at `url` (`postgres://…`) and brings its schema up to date.
    /// Servers started together migrate one at a time (the migrator holds a lock while it runs).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Creates the database `name` (lower-case letters, digits and `_`) on the server at `url`,
    /// then connects to it: a new installation's database, or a test's.
    pub async fn create_database(url: &str, name: &str) -> Result<Self, StoreError> {
        use sqlx::{ConnectOptions, Connection};
        let plain = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !plain {
            return Err(StoreError::Corrupt);
        }
        let options = PgConnectOptions::from_str(url)?;
        let mut server = options.connect().await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut server).await?;
        server.close().await?;
        Self::connect_with(options.database(name)).await
    }

    #[tracing::instrument(skip_all)]
    async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        // No wait for a lock is endless: a write or an audit append that cannot have the
        // database's lock within 10 s fails (and a write begun for a request that went away
        // does not wait on behind the others for ever), as SQLite's busy timeout does.
        let options = options.options([("lock_timeout", "10s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATIONS.run(&pool).await?;
        tracing::info!(migrations = MIGRATIONS.iter().count(), "database ready");
        Ok(Self { pool, facts: Default::default() })
    }
}

/// A database of its own for one test, on the PostgreSQL server the test command starts
/// (`CARNET_TEST_POSTGRES`, see `scripts/postgres.sh`).
#[cfg(test)]
pub(crate) async fn scratch() -> (SqlStore, ()) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("CARNET_TEST_POSTGRES")
        .expect("CARNET_TEST_POSTGRES names the PostgreSQL server of the tests (scripts/test.sh)");
    let name = format!("unit_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    (SqlStore::create_database(&url, &name).await.expect("a test database"), ())
}
