//! The embedded default: one SQLite file, WAL journal (readers never wait for the writer),
//! foreign keys enforced on every connection, migrations embedded in the binary and run at start.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};

use super::SqlStore;
use crate::store::{
    StoreError,
    audit::{AuditLock, Hold},
};

pub(super) type Db = sqlx::Sqlite;

/// How every transaction of the store begins: taking the write lock at once. A deferred `BEGIN`
/// reads a snapshot, and its first write then fails with `SQLITE_BUSY` at once, without waiting,
/// if another connection (another request, or a command run beside the server) wrote since:
/// the directory import run beside a busy server failed so ("database unavailable").
pub(super) async fn open_write(
    pool: &sqlx::Pool<Db>,
) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// What a deleted secret leaves behind is overwritten now: `secure_delete` zeroes the freed
/// pages of the database file, and truncating the write-ahead log drops its older copies.
pub(super) async fn scrub(pool: &sqlx::Pool<Db>) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
    Ok(())
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqlStore {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    #[tracing::instrument(skip_all)]
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::DataDir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted or replaced content is overwritten with zeros, not left in free pages.
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(5));
        migrate(options.clone()).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a file in this process does not go stale between uses: no ping
            // (one more round trip to the connection's thread) before each statement.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        tracing::info!(migrations = MIGRATIONS.iter().count(), "database ready");
        Ok(Self { pool, facts: Default::default() })
    }
}

/// The audit log's hold: an exclusive lock on `<database file>-audit.lock`, which every process
/// opening the file takes (the server, and a command run beside it).
pub(super) async fn lock_audit(pool: &sqlx::Pool<Db>) -> Result<AuditLock, StoreError> {
    let mut path = pool.connect_options().get_filename().as_os_str().to_owned();
    path.push("-audit.lock");
    let file = tokio::task::spawn_blocking(move || {
        let file =
            std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(|_| StoreError::AuditLock(std::io::Error::other("the locking task stopped")))?
    .map_err(StoreError::AuditLock)?;
    Ok(AuditLock::new(Hold::File(file)))
}

/// A store of its own for one test, in a folder removed with it.
#[cfg(test)]
pub(crate) async fn scratch() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    (SqlStore::open(&dir.path().join("carnet.db")).await.expect("a test database"), dir)
}

/// Runs the migrations on one connection with foreign keys off, as SQLite's procedure for
/// rebuilding a table requires (each migration is still one transaction), then proves that no
/// reference was broken before any other connection opens.
async fn migrate(options: SqliteConnectOptions) -> Result<(), StoreError> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = options.foreign_keys(false).connect().await?;
    MIGRATIONS.run(&mut conn).await?;
    let broken: Vec<SqliteRow> =
        sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await?;
    conn.close().await?;
    if broken.is_empty() { Ok(()) } else { Err(StoreError::Corrupt) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::validate::Contact;
    use sqlx::Row;

    use crate::store::{
        AccountStatus, AccountStore, SecretStore, SessionOwner, SessionStore, Store,
    };

    #[tokio::test]
    async fn file_is_created_with_wal_foreign_keys_and_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/carnet.db");
        let store = SqlStore::open(&path).await.unwrap();
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
        let again = SqlStore::open(&path).await.unwrap();
        again.health().await.unwrap();
    }

    /// A new database file at `path` with only its first `count` migrations run, to write rows
    /// as a server of that time did before the next ones run.
    async fn migrated_until(path: &Path, count: usize) -> sqlx::SqliteConnection {
        use sqlx::ConnectOptions;
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut conn = options.connect().await.unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(MIGRATIONS.iter().take(count).cloned().collect()),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&mut conn).await.unwrap();
        conn
    }

    /// Accounts, codes and sessions made before the professionals' migration (which rebuilds
    /// the accounts and sessions tables) are all still there after it.
    #[tokio::test]
    async fn rebuilding_tables_keeps_every_row() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let mut conn = migrated_until(&path, 4).await;
        for statement in [
            "INSERT INTO accounts (id, kind, contact_kind, contact, given_name, family_name, \
             birth_date, password_hash, status, created_at, totp_enabled) VALUES ('a', 'patient', \
             'email', 'a@b.fr', 'Ana', 'Lo', '1980-01-01', '$argon2id$x', 'active', 1, 1)",
            "INSERT INTO one_time_codes (challenge_hash, account_id, purpose, code_hash, \
             created_at, expires_at) VALUES (x'01', 'a', 'login', x'02', 1, 2)",
            "INSERT INTO sessions VALUES (x'03', 'a', 'csrf', 1, 1)",
        ] {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();

        let store = SqlStore::open(&path).await.unwrap();
        let account = store.account_by_id(&"a".into()).await.unwrap().expect("account kept");
        assert_eq!(account.contact, Some(Contact::Email("a@b.fr".into())));
        assert_eq!(account.status, AccountStatus::Active);
        assert!(store.totp(&"a".into()).await.unwrap().is_none(), "no secret was stored");
        let codes: i64 = sqlx::query_scalar("SELECT count(*) FROM one_time_codes")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(codes, 1, "codes survive: dropping the old table did not cascade");
        let session = store.touch_session(&[3], 2, 1000).await.unwrap().expect("session kept");
        assert_eq!(session.owner, SessionOwner::Account("a".into()));
    }

    /// The entries written before the audit log had its `plain_access` column get it from what
    /// they say inside (a damaged one does not stop the migration), and the log is append-only
    /// again afterwards.
    #[tokio::test]
    async fn entries_logged_before_get_their_plain_access_and_the_log_stays_append_only() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let migration = MIGRATIONS
            .iter()
            .position(|m| m.description.contains("audit plain access"))
            .expect("the migration exists");
        let mut conn = migrated_until(&path, migration).await;
        for (seq, entry) in [
            (1, r#"{"outcome":"allowed"}"#),
            (2, r#"{"outcome":"allowed","purpose":"break-glass"}"#),
            (3, r#"{"outcome":"denied","reason":"no_grant"}"#),
            (4, "not json"),
        ] {
            sqlx::query(
                "INSERT INTO audit_entries (seq, entry, leaf, chain, at, record_id, actor_id, \
                 action) VALUES ($1, $2, x'00', x'00', 1, 'r', 'p', 'document.read')",
            )
            .bind(seq)
            .bind(entry.as_bytes())
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();

        let store = SqlStore::open(&path).await.unwrap();
        let plain: Vec<(i64, bool)> =
            sqlx::query_as("SELECT seq, plain_access FROM audit_entries ORDER BY seq")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(plain, [(1, true), (2, false), (3, false), (4, false)]);
        let changed = sqlx::query("UPDATE audit_entries SET plain_access = 0 WHERE seq = 1")
            .execute(&store.pool)
            .await;
        assert!(changed.is_err(), "the log refuses changes again");
    }

    #[tokio::test]
    async fn enums_are_stored_as_their_names_and_an_unknown_name_is_corrupt_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&dir.path().join("carnet.db")).await.unwrap();
        let row = sqlx::query("SELECT $1 AS status, 'frozen' AS unknown")
            .bind(AccountStatus::Awaiting)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>("status").unwrap(), "awaiting");
        assert_eq!(row.try_get::<AccountStatus, _>("status").unwrap(), AccountStatus::Awaiting);
        let unknown = row.try_get::<AccountStatus, _>("unknown").map_err(StoreError::from);
        assert!(matches!(unknown, Err(StoreError::Corrupt)));
    }

    #[tokio::test]
    async fn health_fails_once_closed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&dir.path().join("carnet.db")).await.unwrap();
        store.health().await.unwrap();
        store.close().await;
        assert!(matches!(store.health().await, Err(StoreError::Unavailable(_))));
    }
}
