//! What the SQLite file and PostgreSQL share: the whole store, one set of queries. This folder
//! is compiled once per database (`store/mod.rs`), each time with its own engine module
//! (`sqlite.rs`, `postgres.rs`), which names the database's types, opens it, migrates it and
//! begins the store's write transactions.

use async_trait::async_trait;
use sqlx::Row;

use app::api::validate::Contact;

use super::{Conn, Db, DbRow, open_write};
use crate::store::{AccountId, AccountRecord, Event, EventOwner, Rpps, Store, StoreError};
use crate::vault::WrappedKey;

/// Begins one of the store's write transactions (the engine's [`open_write`]) in a task of its
/// own, so that it is never dropped half-way. A request dropped while its `BEGIN IMMEDIATE` was
/// under way (its client gone) could hand the connection back to the pool inside a transaction
/// that nobody would roll back: sqlx 0.8 creates the `Transaction`, whose drop rolls back, only
/// after checking the connection's state, one more wait after the database began (sqlx issue
/// #3932). On SQLite that connection then held the write lock for good, and every later write
/// waited out the busy timeout and failed (seen under the load benchmark). Begun apart, the
/// transaction is whole when the request goes, and dropping it rolls it back.
pub(super) async fn begin_write(
    pool: &sqlx::Pool<Db>,
) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { open_write(&pool).await })
        .await
        .map_err(|_| sqlx::Error::WorkerCrashed)?
}

#[derive(Clone)]
pub struct SqlStore {
    pub(in crate::store) pool: sqlx::Pool<Db>,
    /// The documents' facts of records listed lately ([`crate::store::FactsCache`]).
    pub(in crate::store) facts: std::sync::Arc<crate::store::FactsCache>,
}

#[async_trait]
impl Store for SqlStore {
    async fn health(&self) -> Result<(), StoreError> {
        sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// Writes the `auth_events` rows of an event and its audit entry inside the caller's
/// transaction.
pub(super) async fn write_event(tx: &mut Conn, event: &Event<'_>) -> Result<(), StoreError> {
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
    super::audit::write_audit(tx, event.audit).await
}

/// Activates an account that proved its contact and has a password.
pub(super) async fn activate_in(
    tx: &mut Conn,
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

/// Stores a new data key of the account, wrapped by the master key, inside `tx`: the sealed
/// value it opens is written in the same transaction.
pub(super) async fn insert_data_key(
    tx: &mut Conn,
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

pub(super) const ACCOUNT_COLUMNS: &str = "SELECT id, contact_kind, contact, given_name, family_name, \
     birth_date, locale, password_hash, status, created_at, opened_by, closed_at, \
     retained_until, erasure_due_at, regular_doctor, break_glass_refused FROM accounts";

pub(super) async fn insert_account(
    conn: &mut Conn,
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

pub(super) fn account_from_row(row: &DbRow) -> Result<AccountRecord, StoreError> {
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
        opened_by: super::columns::optional_rpps_at(row, "opened_by")?,
        closed_at: time("closed_at")?,
        retained_until: time("retained_until")?,
        erasure_due_at: time("erasure_due_at")?,
        regular_doctor: super::columns::optional_rpps_at(row, "regular_doctor")?,
        break_glass_refused: row.try_get("break_glass_refused")?,
    })
}

#[cfg(test)]
mod tests {
    use std::{future::Future, task::Poll, time::Duration};

    /// A write whose request goes at any point while it begins (polled 0, 1, 2, … times, then
    /// dropped: a client gone) leaves no transaction open behind it: the next write begins.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_dropped_while_it_begins_leaves_no_transaction_open() {
        let (store, _dir) = super::super::scratch().await;
        for polls in 0..60 {
            let mut begin = Box::pin(super::begin_write(&store.pool));
            for _ in 0..polls {
                let ready =
                    std::future::poll_fn(|cx| Poll::Ready(begin.as_mut().poll(cx).is_ready()))
                        .await;
                if ready {
                    break;
                }
                tokio::task::yield_now().await;
            }
            drop(begin);
            // Far below the busy timeout (5 s), far above a write's time.
            let next = tokio::time::timeout(Duration::from_secs(3), async {
                let mut tx = super::begin_write(&store.pool).await?;
                sqlx::query("DELETE FROM leases").execute(&mut *tx).await?;
                tx.commit().await
            });
            let done = next.await.unwrap_or_else(|_| panic!("after {polls} polls: locked"));
            done.unwrap_or_else(|error| panic!("after {polls} polls: {error}"));
        }
    }
}
