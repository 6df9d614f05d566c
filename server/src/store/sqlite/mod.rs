//! The embedded default: one SQLite file, WAL journal (readers never wait for the writer),
//! foreign keys enforced on every connection, migrations embedded in the binary and run at start.

use std::{path::Path, str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Row, SqlitePool,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
};

use app::api::validate::Contact;

use super::{AccountId, AccountRecord, Event, EventOwner, Rpps, Store, StoreError};
use crate::vault::WrappedKey;

mod accounts;
mod audit;
mod care;
mod codes;
mod columns;
mod emergency;
mod episodes;
mod grants;
mod identities;
mod links;
mod notifications;
mod outbox;
mod people;
mod profile;
mod rate;
mod records;
mod secrets;
mod sessions;
mod uploads;

/// Writes the `auth_events` rows of an event and its audit entry inside the caller's
/// transaction.
pub(super) async fn write_event(
    tx: &mut sqlx::SqliteConnection,
    event: &Event<'_>,
) -> Result<(), StoreError> {
    let (account_id, professional_id) = match event.owner {
        EventOwner::Account(id) => (Some(id), None),
        EventOwner::Professional(rpps) => (None, Some(rpps.as_str())),
        EventOwner::Nobody => (None, None),
    };
    for name in event.names {
        sqlx::query(
            "INSERT INTO auth_events (at, event, account_id, professional_id, client_addr) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event.at)
        .bind(name.event_name())
        .bind(account_id)
        .bind(professional_id)
        .bind(event.client_addr)
        .execute(&mut *tx)
        .await?;
    }
    audit::write_audit(tx, event.audit).await
}

/// Activates an account that proved its contact and has a password.
async fn activate_in(
    tx: &mut sqlx::SqliteConnection,
    account_id: &AccountId,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET status = 'active', activated_at = $1 WHERE id = $2 \
         AND status IN ('pending', 'awaiting') AND password_hash IS NOT NULL",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

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
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        tracing::info!(migrations = MIGRATIONS.iter().count(), "database ready");
        Ok(Self { pool })
    }

    /// Closes every connection; later queries fail. Used at shutdown and by tests.
    pub async fn close(&self) {
        self.pool.close().await;
    }
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

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }
}

/// Stores a new data key of the account, wrapped by the master key, inside `tx`: the sealed
/// value it opens is written in the same transaction.
async fn insert_data_key(
    tx: &mut sqlx::SqliteConnection,
    id: &str,
    account_id: &AccountId,
    key: &WrappedKey,
    now: i64,
) -> Result<(), StoreError> {
    // The wrapping names the record; the row must say the same, or the key never opens.
    if key.owner != account_id.as_str() {
        return Err(StoreError::Corrupt);
    }
    sqlx::query(
        "INSERT INTO data_keys (id, account_id, key_id, wrapped_key, created_at, owner_bound) \
         VALUES ($1, $2, $3, $4, $5, 1)",
    )
    .bind(id)
    .bind(account_id)
    .bind(&key.key_id)
    .bind(&key.wrapped)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str = "SELECT id, contact_kind, contact, given_name, family_name, \
     birth_date, locale, password_hash, status, created_at, opened_by, closed_at, \
     retained_until, erasure_due_at, regular_doctor, break_glass_refused FROM accounts";

async fn insert_account(
    conn: &mut sqlx::SqliteConnection,
    account: &AccountRecord,
) -> Result<(), StoreError> {
    let (contact_kind, contact) = match &account.contact {
        Some(Contact::Email(address)) => (Some("email"), Some(address.as_str())),
        Some(Contact::Phone(number)) => (Some("phone"), Some(number.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO accounts (id, kind, contact_kind, contact, given_name, family_name, \
         birth_date, locale, password_hash, status, created_at, opened_by) \
         VALUES ($1, 'patient', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&account.id)
    .bind(contact_kind)
    .bind(contact)
    .bind(&account.given_name)
    .bind(&account.family_name)
    .bind(&account.birth_date)
    .bind(&account.locale)
    .bind(&account.password_hash)
    .bind(account.status)
    .bind(account.created_at)
    .bind(account.opened_by.as_ref().map(Rpps::as_str))
    .execute(conn)
    .await?;
    Ok(())
}

fn account_from_row(row: &SqliteRow) -> Result<AccountRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).map_err(StoreError::from);
    let time = |name: &str| row.try_get::<Option<i64>, _>(name).map_err(StoreError::from);
    let contact = match (optional("contact_kind")?.as_deref(), optional("contact")?) {
        (Some("email"), Some(address)) => Some(Contact::Email(address)),
        (Some("phone"), Some(number)) => Some(Contact::Phone(number)),
        (None, None) => None,
        _ => return Err(StoreError::Corrupt),
    };
    Ok(AccountRecord {
        id: row.try_get("id")?,
        contact,
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        birth_date: text("birth_date")?,
        locale: text("locale")?,
        password_hash: optional("password_hash")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        opened_by: columns::optional_rpps_at(row, "opened_by")?,
        closed_at: time("closed_at")?,
        retained_until: time("retained_until")?,
        erasure_due_at: time("erasure_due_at")?,
        regular_doctor: columns::optional_rpps_at(row, "regular_doctor")?,
        break_glass_refused: row.try_get("break_glass_refused")?,
    })
}

/// How every transaction of the store begins: taking the write lock at once. A deferred `BEGIN`
/// reads a snapshot, and its first write then fails with `SQLITE_BUSY` at once, without waiting,
/// if another connection (another request, or a command run beside the server) wrote since:
/// the directory import run beside a busy server failed so ("database unavailable").
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AccountStatus, AccountStore, SecretStore, SessionOwner, SessionStore};

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

        let store = SqliteStore::open(&path).await.unwrap();
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

        let store = SqliteStore::open(&path).await.unwrap();
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
        let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
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
        let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
        store.health().await.unwrap();
        store.close().await;
        assert!(matches!(store.health().await, Err(StoreError::Unavailable(_))));
    }
}
