//! [`AccountStore`] on SQLite.

use app::api::validate::Contact;
use async_trait::async_trait;

use super::{
    ACCOUNT_COLUMNS, SqlStore, account_from_row, activate_in, begin_write, insert_account,
    write_event,
};
use crate::store::{AccountId, AccountRecord, AccountStore, AuditRows, Event, Rpps, StoreError};

impl SqlStore {
    /// Sets one of the account's own settings (`column`, named here, never from input), with
    /// the change's audit entry.
    async fn set_account_setting(
        &self,
        column: &'static str,
        value: Option<&str>,
        account_id: &AccountId,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(&format!("UPDATE accounts SET {column} = $1 WHERE id = $2"))
            .bind(value)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_account(
        &self,
        account: &AccountRecord,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_account(&mut tx, account).await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_by_contact(&self, contact: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE contact = $1"))
            .bind(contact)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(&format!("{ACCOUNT_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| account_from_row(&row)).transpose()
    }

    async fn activate_account(&self, id: &AccountId, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET status = 'active', activated_at = $1 \
             WHERE id = $2 AND status IN ('pending', 'awaiting') AND password_hash IS NOT NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_password(
        &self,
        account_id: &AccountId,
        password_hash: &str,
        activate: bool,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
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
        account_id: &AccountId,
        rpps: Option<&Rpps>,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        self.set_account_setting("regular_doctor", rpps.map(Rpps::as_str), account_id, audit).await
    }

    async fn set_contact(
        &self,
        account_id: &AccountId,
        contact: &Contact,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (kind, value) = match contact {
            Contact::Email(address) => ("email", address),
            Contact::Phone(number) => ("phone", number),
        };
        sqlx::query("UPDATE accounts SET contact_kind = $1, contact = $2 WHERE id = $3")
            .bind(kind)
            .bind(value)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_pending_account(&self, id: &AccountId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM accounts WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn notification_channels(
        &self,
        account_id: &AccountId,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT notify_outside FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(channels,)| channels))
    }

    async fn set_notification_channels(
        &self,
        account_id: &AccountId,
        channels: &str,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        self.set_account_setting("notify_outside", Some(channels), account_id, audit).await
    }
}
