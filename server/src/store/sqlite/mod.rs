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

use app::account::Contact;

use super::{
    AccountRecord, CodeAttempt, CodeTry, Device, DeviceSeen, Event, EventOwner, NewCode,
    NewSession, SessionOwner, SessionRecord, Store, StoreError, StoredSecret, TotpState,
};
use crate::{audit::AuditRows, vault::WrappedKey};

mod audit;
mod emergency;
mod outbox;

impl SqliteStore {
    /// Sets one of the account's own settings (`column`, named here, never from input), with
    /// the change's audit entry.
    async fn set_account_setting(
        &self,
        column: &'static str,
        value: Option<&str>,
        account_id: &str,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(&format!("UPDATE accounts SET {column} = ? WHERE id = ?"))
            .bind(value)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Writes the `auth_events` rows of an event and its audit entry inside the caller's
/// transaction.
pub(super) async fn write_event(
    tx: &mut sqlx::SqliteConnection,
    event: &Event<'_>,
) -> Result<(), StoreError> {
    let (account_id, professional_id) = match event.owner {
        EventOwner::Account(id) => (Some(id), None),
        EventOwner::Professional(rpps) => (None, Some(rpps)),
        EventOwner::Nobody => (None, None),
    };
    for name in event.names {
        sqlx::query(
            "INSERT INTO auth_events (at, event, account_id, professional_id, client_addr) \
             VALUES (?, ?, ?, ?, ?)",
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
    account_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET status = 'active', activated_at = ? WHERE id = ? \
         AND status IN ('pending', 'awaiting') AND password_hash IS NOT NULL",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Notes that the account signed in from this device, and whether it is a new one.
async fn remember_device(
    tx: &mut sqlx::SqliteConnection,
    account_id: &str,
    device: &Device<'_>,
    now: i64,
) -> Result<DeviceSeen, StoreError> {
    let (known, this): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(device_hash = ?), 0) FROM known_devices \
         WHERE account_id = ?",
    )
    .bind(device.hash)
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO known_devices (account_id, device_hash, label, first_seen, last_seen) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, device_hash) \
         DO UPDATE SET last_seen = excluded.last_seen, label = excluded.label",
    )
    .bind(account_id)
    .bind(device.hash)
    .bind(device.label)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(match (known, this) {
        (0, _) => DeviceSeen::First,
        (_, 0) => DeviceSeen::New,
        _ => DeviceSeen::Known,
    })
}
mod people;
mod profile;
mod rate;
mod records;

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

    async fn create_account(
        &self,
        account: &AccountRecord,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        insert_account(&mut tx, account).await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_contact(&self, contact: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE contact = ?"))
            .bind(contact)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn account_by_id(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn activate_account(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET status = 'active', activated_at = ? \
             WHERE id = ? AND status IN ('pending', 'awaiting') AND password_hash IS NOT NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_password(
        &self,
        account_id: &str,
        password_hash: &str,
        activate: bool,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if activate {
            activate_in(&mut tx, account_id, event.at).await?;
        }
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_regular_doctor(
        &self,
        account_id: &str,
        rpps: Option<&str>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        self.set_account_setting("regular_doctor", rpps, account_id, audit).await
    }

    async fn set_contact(
        &self,
        account_id: &str,
        contact: &Contact,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let (kind, value) = match contact {
            Contact::Email(address) => ("email", address),
            Contact::Phone(number) => ("phone", number),
        };
        sqlx::query("UPDATE accounts SET contact_kind = ?, contact = ? WHERE id = ?")
            .bind(kind)
            .bind(value)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        account_id: &str,
        keep: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE account_id = ? AND token_hash IS NOT ?")
            .bind(account_id)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_pending_account(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM accounts WHERE id = ? AND status = 'pending'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_totp_secret(
        &self,
        account_id: &str,
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
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let previous: Option<Option<String>> =
            sqlx::query_scalar(&format!("SELECT {key_column} FROM accounts WHERE id = ?"))
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        insert_data_key(&mut tx, data_key, account_id, key, now).await?;
        sqlx::query(&format!(
            "UPDATE accounts SET {secret_column} = ?, {key_column} = ? WHERE id = ?"
        ))
        .bind(sealed)
        .bind(data_key)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if let Some(Some(old)) = previous {
            sqlx::query("DELETE FROM data_keys WHERE id = ?").bind(old).execute(&mut *tx).await?;
        }
        if let Some(event) = event {
            write_event(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn scrub(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(())
    }

    async fn legacy_totp_accounts(&self) -> Result<Vec<String>, StoreError> {
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
            "SELECT id, key_id, wrapped_key, account_id FROM data_keys WHERE key_id <> ? LIMIT ?",
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
             LIMIT ?",
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
        sqlx::query_scalar("SELECT data_keys_bound = 1 FROM instance WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn set_data_keys_bound(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE instance SET data_keys_bound = 1 WHERE id = 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_data_key_unbindable(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE data_keys SET owner_bound = 2 WHERE id = ? AND owner_bound = 0")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn replace_data_keys(&self, keys: &[(String, WrappedKey)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        for (id, key) in keys {
            sqlx::query(
                "UPDATE data_keys SET key_id = ?, wrapped_key = ?, owner_bound = 1 WHERE id = ?",
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

    async fn enable_totp(&self, account_id: &str, event: &Event<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let replaced: Option<Option<String>> = sqlx::query_scalar(
            "SELECT totp_data_key FROM accounts WHERE id = ? AND totp_pending_secret IS NOT NULL",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(replaced) = replaced else { return Ok(false) };
        sqlx::query(
            "UPDATE accounts SET totp_secret = totp_pending_secret, \
             totp_data_key = totp_pending_data_key, totp_pending_secret = NULL, \
             totp_pending_data_key = NULL, totp_enabled = 1, totp_last_step = NULL WHERE id = ?",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if let Some(old) = replaced {
            sqlx::query("DELETE FROM data_keys WHERE id = ?").bind(old).execute(&mut *tx).await?;
        }
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn pending_totp(&self, account_id: &str) -> Result<Option<StoredSecret>, StoreError> {
        let row: Option<(Option<Vec<u8>>, Option<String>, Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as(
                "SELECT a.totp_pending_secret, a.totp_pending_data_key, k.key_id, k.wrapped_key \
                 FROM accounts a LEFT JOIN data_keys k ON k.id = a.totp_pending_data_key \
                 WHERE a.id = ?",
            )
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some((Some(content), Some(data_key), Some(key_id), Some(wrapped))) => {
                Ok(Some(StoredSecret::Sealed {
                    data_key,
                    key: WrappedKey { key_id, wrapped, owner: account_id.to_owned() },
                    content,
                }))
            }
            Some((None, ..)) | None => Ok(None),
            Some(_) => Err(StoreError::Corrupt),
        }
    }

    async fn disable_totp(&self, account_id: &str, event: &Event<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let keys: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT totp_data_key, totp_pending_data_key FROM accounts WHERE id = ?",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = NULL, totp_data_key = NULL, \
             totp_pending_secret = NULL, totp_pending_data_key = NULL, totp_enabled = 0, \
             totp_last_step = NULL WHERE id = ?",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        for key in keys.into_iter().flat_map(|(a, b)| [a, b]).flatten() {
            sqlx::query("DELETE FROM data_keys WHERE id = ?").bind(key).execute(&mut *tx).await?;
        }
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn totp(&self, account_id: &str) -> Result<Option<TotpState>, StoreError> {
        let row: Option<(Option<Vec<u8>>, i64, Option<String>, Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as(
                "SELECT a.totp_secret, a.totp_enabled, a.totp_data_key, k.key_id, k.wrapped_key \
                 FROM accounts a LEFT JOIN data_keys k ON k.id = a.totp_data_key WHERE a.id = ?",
            )
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some((Some(content), enabled, data_key, key_id, wrapped)) = row else {
            return Ok(None);
        };
        let secret = match (data_key, key_id, wrapped) {
            (Some(data_key), Some(key_id), Some(wrapped)) => {
                let key = WrappedKey { key_id, wrapped, owner: account_id.to_owned() };
                StoredSecret::Sealed { data_key, key, content }
            }
            (None, _, _) => StoredSecret::Legacy(content),
            _ => return Err(StoreError::Corrupt),
        };
        Ok(Some(TotpState { secret, enabled: enabled == 1 }))
    }

    async fn use_totp_step(&self, account_id: &str, step: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE accounts SET totp_last_step = ?1 \
             WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_code(&self, code: &NewCode<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO one_time_codes (challenge_hash, account_id, purpose, code_hash, \
             created_at, expires_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
             WHERE challenge_hash = ? AND used_at IS NULL AND expires_at > ? AND attempts < ? \
             RETURNING account_id, purpose, code_hash, attempts, payload",
        )
        .bind(challenge_hash)
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&self.pool)
        .await?;
        let count = |row: &SqliteRow| {
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
             WHERE challenge_hash = ? AND expires_at > ? AND attempts < ? RETURNING attempts",
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
        sqlx::query("INSERT INTO decoy_codes (challenge_hash, expires_at) VALUES (?, ?)")
            .bind(challenge_hash)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn use_code(&self, challenge_hash: &[u8], now: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE one_time_codes SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(challenge_hash)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &Event<'_>,
    ) -> Result<DeviceSeen, StoreError> {
        let (account_id, professional_id) = match session.owner {
            SessionOwner::Account(id) => (Some(id.as_str()), None),
            SessionOwner::Professional(rpps) => (None, Some(rpps.as_str())),
        };
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        if let (true, Some(id)) = (session.activate, account_id) {
            activate_in(&mut tx, id, session.now).await?;
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, professional_id, csrf_token, \
             created_at, last_seen_at, idle_timeout) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.token_hash)
        .bind(account_id)
        .bind(professional_id)
        .bind(session.csrf_token)
        .bind(session.now)
        .bind(session.now)
        .bind(session.idle_timeout)
        .execute(&mut *tx)
        .await?;
        let seen = match (account_id, &session.device) {
            (Some(id), Some(device)) => remember_device(&mut tx, id, device, session.now).await?,
            _ => DeviceSeen::Known,
        };
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(seen)
    }

    async fn notification_channels(&self, account_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT notify_outside FROM accounts WHERE id = ?")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(channels,)| channels))
    }

    async fn set_notification_channels(
        &self,
        account_id: &str,
        channels: &str,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        self.set_account_setting("notify_outside", Some(channels), account_id, audit).await
    }

    async fn touch_session(
        &self,
        token_hash: &[u8],
        now: i64,
        absolute_timeout: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        // A professional who left the directory has no session, even a fresh one.
        let row = sqlx::query(
            "UPDATE sessions SET last_seen_at = ?1 \
             WHERE token_hash = ?2 AND last_seen_at > ?1 - idle_timeout AND created_at > ?3 \
               AND (professional_id IS NULL OR EXISTS (SELECT 1 FROM professionals p \
                    WHERE p.rpps = professional_id AND p.active = 1)) \
             RETURNING account_id, professional_id, acting_for, csrf_token",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now - absolute_timeout)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let account: Option<String> = row.try_get("account_id")?;
        let professional: Option<String> = row.try_get("professional_id")?;
        let owner = match (account, professional) {
            (Some(id), None) => SessionOwner::Account(id),
            (None, Some(rpps)) => SessionOwner::Professional(rpps),
            _ => return Err(StoreError::Corrupt),
        };
        Ok(Some(SessionRecord {
            owner,
            acting_for: row.try_get("acting_for")?,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    async fn set_acting_for(
        &self,
        token_hash: &[u8],
        acting_for: Option<&str>,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("UPDATE sessions SET acting_for = ? WHERE token_hash = ?")
            .bind(acting_for)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_event(&self, event: &Event<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn auth_events(&self, account_id: &str) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT at, event FROM auth_events WHERE account_id = ? ORDER BY id")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }
}

/// Stores a new data key of the account, wrapped by the master key, inside `tx`: the sealed
/// value it opens is written in the same transaction.
async fn insert_data_key(
    tx: &mut sqlx::SqliteConnection,
    id: &str,
    account_id: &str,
    key: &WrappedKey,
    now: i64,
) -> Result<(), StoreError> {
    // The wrapping names the record; the row must say the same, or the key never opens.
    if key.owner != account_id {
        return Err(StoreError::Corrupt);
    }
    sqlx::query(
        "INSERT INTO data_keys (id, account_id, key_id, wrapped_key, created_at, owner_bound) \
         VALUES (?, ?, ?, ?, ?, 1)",
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
         VALUES (?, 'patient', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(&account.opened_by)
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
        id: text("id")?,
        contact,
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        birth_date: text("birth_date")?,
        locale: text("locale")?,
        password_hash: optional("password_hash")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        opened_by: optional("opened_by")?,
        closed_at: time("closed_at")?,
        retained_until: time("retained_until")?,
        erasure_due_at: time("erasure_due_at")?,
        regular_doctor: optional("regular_doctor")?,
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
    use crate::store::AccountStatus;

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

    /// Accounts, codes and sessions made before the professionals' migration (which rebuilds
    /// the accounts and sessions tables) are all still there after it.
    #[tokio::test]
    async fn rebuilding_tables_keeps_every_row() {
        use sqlx::{ConnectOptions, Connection};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let mut conn = options.clone().connect().await.unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(MIGRATIONS.iter().take(4).cloned().collect()),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&mut conn).await.unwrap();
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
        let account = store.account_by_id("a").await.unwrap().expect("account kept");
        assert_eq!(account.contact, Some(Contact::Email("a@b.fr".into())));
        assert_eq!(account.status, AccountStatus::Active);
        assert!(store.totp("a").await.unwrap().is_none(), "no secret was stored");
        let codes: i64 = sqlx::query_scalar("SELECT count(*) FROM one_time_codes")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(codes, 1, "codes survive: dropping the old table did not cascade");
        let session = store.touch_session(&[3], 2, 1000).await.unwrap().expect("session kept");
        assert_eq!(session.owner, SessionOwner::Account("a".into()));
    }

    #[tokio::test]
    async fn enums_are_stored_as_their_names_and_an_unknown_name_is_corrupt_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("carnet.db")).await.unwrap();
        let row = sqlx::query("SELECT ? AS status, 'frozen' AS unknown")
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
