//! [`SessionStore`] on SQLite: sessions, the devices they came from, and `auth_events`.

use async_trait::async_trait;
use sqlx::Row;

use super::{Conn, SqlStore, activate_in, begin_write, write_event};
use crate::store::{
    AccountId, Device, DeviceSeen, Event, NewSession, SessionOwner, SessionRecord, SessionStore,
    StoreError, TOUCH_EVERY_SECONDS,
};

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(
        &self,
        session: &NewSession<'_>,
        event: &Event<'_>,
    ) -> Result<DeviceSeen, StoreError> {
        let (account_id, professional_id) = match session.owner {
            SessionOwner::Account(id) => (Some(id), None),
            SessionOwner::Professional(rpps) => (None, Some(rpps.as_str())),
        };
        let mut tx = begin_write(&self.pool).await?;
        if let (true, Some(id)) = (session.activate, account_id) {
            activate_in(&mut tx, id, session.now).await?;
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, professional_id, csrf_token, \
             created_at, last_seen_at, idle_timeout) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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

    async fn touch_session(
        &self,
        token_hash: &[u8],
        now: i64,
        absolute_timeout: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        // A professional who left the directory has no session, even a fresh one.
        let live = "WHERE token_hash = $2 AND last_seen_at > $1 - idle_timeout AND created_at > $3 \
               AND (professional_id IS NULL OR EXISTS (SELECT 1 FROM professionals p \
                    WHERE p.rpps = professional_id AND p.active = TRUE))";
        let columns = "account_id, professional_id, acting_for, csrf_token";
        // Read first; written only when the idle clock is stale enough, and then by the same
        // conditions (a session ended meanwhile is not brought back).
        let read = format!("SELECT {columns}, last_seen_at FROM sessions {live}");
        let row = sqlx::query(&read)
            .bind(now)
            .bind(token_hash)
            .bind(now - absolute_timeout)
            .fetch_optional(&self.pool)
            .await?;
        let stale = match &row {
            Some(row) => now - row.try_get::<i64, _>("last_seen_at")? >= TOUCH_EVERY_SECONDS,
            None => return Ok(None),
        };
        let row = if stale {
            let touch = format!("UPDATE sessions SET last_seen_at = $1 {live} RETURNING {columns}");
            sqlx::query(&touch)
                .bind(now)
                .bind(token_hash)
                .bind(now - absolute_timeout)
                .fetch_optional(&self.pool)
                .await?
        } else {
            row
        };
        let Some(row) = row else { return Ok(None) };
        let account: Option<AccountId> = row.try_get("account_id")?;
        let professional: Option<String> = row.try_get("professional_id")?;
        let owner = match (account, professional) {
            (Some(id), None) => SessionOwner::Account(id),
            (None, Some(rpps)) => SessionOwner::Professional(super::columns::rpps(&rpps)?),
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
        acting_for: Option<&AccountId>,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE sessions SET acting_for = $1 WHERE token_hash = $2")
            .bind(acting_for)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        account_id: &AccountId,
        keep: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2",
        )
        .bind(account_id)
        .bind(keep)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_event(&self, event: &Event<'_>) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn auth_events(&self, account_id: &AccountId) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT at, event FROM auth_events WHERE account_id = $1 ORDER BY id")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }
}

/// Notes that the account signed in from this device, and whether it is a new one.
async fn remember_device(
    tx: &mut Conn,
    account_id: &AccountId,
    device: &Device<'_>,
    now: i64,
) -> Result<DeviceSeen, StoreError> {
    let (known, this): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device_hash = $1 THEN 1 ELSE 0 END), 0) FROM known_devices \
         WHERE account_id = $2",
    )
    .bind(device.hash)
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO known_devices (account_id, device_hash, label, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, device_hash) \
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
