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

use super::{
    AccountRecord, AccountStatus, Channel, CodeAttempt, CodePurpose, ContactKind, NewCode,
    OutboxMessage, RateDecision, RatePolicy, SessionRecord, Store, StoreError, TotpState,
};

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

    async fn create_account(&self, account: &AccountRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO accounts (id, kind, contact_kind, contact, given_name, family_name, \
             birth_date, locale, password_hash, status, created_at) \
             VALUES (?, 'patient', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&account.id)
        .bind(contact_kind_str(account.contact_kind))
        .bind(&account.contact)
        .bind(&account.given_name)
        .bind(&account.family_name)
        .bind(&account.birth_date)
        .bind(&account.locale)
        .bind(&account.password_hash)
        .bind(status_str(account.status))
        .bind(account.created_at)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn account_by_contact(&self, contact: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE contact = ?"))
            .bind(contact)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn account_by_id(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn activate_account(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET status = 'active', activated_at = ? \
             WHERE id = ? AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn set_password(&self, account_id: &str, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
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
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn delete_pending_account(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM accounts WHERE id = ? AND status = 'pending'")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn set_totp_secret(&self, account_id: &str, secret: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET totp_secret = ?, totp_enabled = 0, totp_last_step = NULL \
             WHERE id = ?",
        )
        .bind(secret)
        .bind(account_id)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn enable_totp(&self, account_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET totp_enabled = 1 WHERE id = ? AND totp_secret IS NOT NULL",
        )
        .bind(account_id)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn totp(&self, account_id: &str) -> Result<Option<TotpState>, StoreError> {
        let row: Option<(Option<Vec<u8>>, i64)> =
            sqlx::query_as("SELECT totp_secret, totp_enabled FROM accounts WHERE id = ?")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_error)?;
        Ok(row.and_then(|(secret, enabled)| {
            secret.map(|secret| TotpState { secret, enabled: enabled == 1 })
        }))
    }

    async fn use_totp_step(&self, account_id: &str, step: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE accounts SET totp_last_step = ?1 \
             WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_code(&self, code: &NewCode<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO one_time_codes (challenge_hash, account_id, purpose, code_hash, \
             created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(code.challenge_hash)
        .bind(code.account_id)
        .bind(purpose_str(code.purpose))
        .bind(code.code_hash)
        .bind(code.created_at)
        .bind(code.expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn count_code_attempt(
        &self,
        challenge_hash: &[u8],
        now: i64,
        max_attempts: u32,
    ) -> Result<Option<CodeAttempt>, StoreError> {
        // One statement: the cap holds even when tries arrive in parallel.
        let row = sqlx::query(
            "UPDATE one_time_codes SET attempts = attempts + 1 \
             WHERE challenge_hash = ? AND used_at IS NULL AND expires_at > ? AND attempts < ? \
             RETURNING account_id, purpose, code_hash, attempts",
        )
        .bind(challenge_hash)
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(CodeAttempt {
            account_id: row.try_get("account_id").map_err(map_error)?,
            purpose: parse_purpose(&row.try_get::<String, _>("purpose").map_err(map_error)?)?,
            code_hash: row.try_get("code_hash").map_err(map_error)?,
            attempts: u32::try_from(row.try_get::<i64, _>("attempts").map_err(map_error)?)
                .map_err(|_| StoreError::Corrupt)?,
        }))
    }

    async fn use_code(&self, challenge_hash: &[u8], now: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE one_time_codes SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(challenge_hash)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        account_id: &str,
        csrf_token: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn touch_session(
        &self,
        token_hash: &[u8],
        now: i64,
        idle_timeout: i64,
        absolute_timeout: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "UPDATE sessions SET last_seen_at = ? \
             WHERE token_hash = ? AND last_seen_at > ? AND created_at > ? \
             RETURNING account_id, csrf_token",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now - idle_timeout)
        .bind(now - absolute_timeout)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            account_id: row.try_get("account_id").map_err(map_error)?,
            csrf_token: row.try_get("csrf_token").map_err(map_error)?,
        }))
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn rate_limit_try(
        &self,
        key: &str,
        now: i64,
        policy: RatePolicy,
    ) -> Result<RateDecision, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        sqlx::query("INSERT INTO rate_limits (key) VALUES (?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        // Counting the try and setting the block that follows from it is one statement, so a
        // burst of parallel tries is serialised by SQLite and cannot all pass the same check.
        let counted: Option<i64> = sqlx::query_scalar(
            "UPDATE rate_limits SET failures = failures + 1, blocked_until = CASE \
               WHEN failures + 1 >= ?1 THEN 9223372036854775807 \
               WHEN failures + 1 >= ?2 THEN ?3 + min(?4, ?5 << min(failures + 1 - ?2, 30)) \
               ELSE blocked_until END \
             WHERE key = ?6 AND blocked_until <= ?3 RETURNING failures",
        )
        .bind(i64::from(policy.lock_after))
        .bind(i64::from(policy.free))
        .bind(now)
        .bind(i64::from(policy.max_delay))
        .bind(i64::from(policy.base_delay))
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
        let decision = match counted {
            Some(_) => RateDecision::Allowed,
            None => {
                let until: i64 =
                    sqlx::query_scalar("SELECT blocked_until FROM rate_limits WHERE key = ?")
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_error)?;
                let wait = until.saturating_sub(now).max(1);
                RateDecision::Blocked { retry_after: u32::try_from(wait).unwrap_or(u32::MAX) }
            }
        };
        tx.commit().await.map_err(map_error)?;
        Ok(decision)
    }

    async fn rate_limit_reset(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rate_limits WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn rate_limit_forgive(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE rate_limits SET failures = max(failures - 1, 0) WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn push_outbox(
        &self,
        channel: Channel,
        recipient: &str,
        subject: &str,
        body: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (channel, recipient, subject, body, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(match channel {
            Channel::Email => "email",
            Channel::Sms => "sms",
        })
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, recipient, subject, body, created_at FROM outbox \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        rows.iter()
            .map(|row| {
                Ok(OutboxMessage {
                    id: row.try_get("id").map_err(map_error)?,
                    channel: match row.try_get::<String, _>("channel").map_err(map_error)?.as_str()
                    {
                        "email" => Channel::Email,
                        "sms" => Channel::Sms,
                        _ => return Err(StoreError::Corrupt),
                    },
                    recipient: row.try_get("recipient").map_err(map_error)?,
                    subject: row.try_get("subject").map_err(map_error)?,
                    body: row.try_get("body").map_err(map_error)?,
                    created_at: row.try_get("created_at").map_err(map_error)?,
                })
            })
            .collect()
    }

    async fn record_auth_event(
        &self,
        event: &str,
        account_id: Option<&str>,
        client_addr: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_events (at, event, account_id, client_addr) VALUES (?, ?, ?, ?)",
        )
        .bind(now)
        .bind(event)
        .bind(account_id)
        .bind(client_addr)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn auth_events(&self, account_id: &str) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT at, event FROM auth_events WHERE account_id = ? ORDER BY id")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)
    }
}

const ACCOUNT_COLUMNS: &str = "SELECT id, contact_kind, contact, given_name, family_name, \
     birth_date, locale, password_hash, status, created_at FROM accounts";

fn account_from_row(row: &SqliteRow) -> Result<AccountRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(map_error);
    Ok(AccountRecord {
        id: text("id")?,
        contact_kind: match text("contact_kind")?.as_str() {
            "email" => ContactKind::Email,
            "phone" => ContactKind::Phone,
            _ => return Err(StoreError::Corrupt),
        },
        contact: text("contact")?,
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        birth_date: text("birth_date")?,
        locale: text("locale")?,
        password_hash: text("password_hash")?,
        status: match text("status")?.as_str() {
            "pending" => AccountStatus::Pending,
            "active" => AccountStatus::Active,
            _ => return Err(StoreError::Corrupt),
        },
        created_at: row.try_get("created_at").map_err(map_error)?,
    })
}

fn contact_kind_str(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::Email => "email",
        ContactKind::Phone => "phone",
    }
}

fn status_str(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Pending => "pending",
        AccountStatus::Active => "active",
    }
}

fn purpose_str(purpose: CodePurpose) -> &'static str {
    match purpose {
        CodePurpose::Activation => "activation",
        CodePurpose::Login => "login",
        CodePurpose::Totp => "totp",
        CodePurpose::Recovery => "recovery",
    }
}

fn parse_purpose(value: &str) -> Result<CodePurpose, StoreError> {
    match value {
        "activation" => Ok(CodePurpose::Activation),
        "login" => Ok(CodePurpose::Login),
        "totp" => Ok(CodePurpose::Totp),
        "recovery" => Ok(CodePurpose::Recovery),
        _ => Err(StoreError::Corrupt),
    }
}

/// Constraint violations become domain errors by the constraint's name, never by message text.
fn map_error(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        // SQLite names the columns, not the constraint; map the one unique rule we have.
        if db.message().contains("accounts.contact") {
            return StoreError::Conflict("accounts_contact_unique");
        }
    }
    StoreError::Unavailable(error)
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
