//! The grants in SQLite: one row per patient and professional.

use app::{
    api::validate::Date,
    policy::{Consent, Grant, Scope},
    vocabulary::Category,
};
use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{
    SqlStore, begin_write,
    columns::{code, parse, rpps_at},
};
use crate::store::{AccountId, AuditRows, GrantStore, Rpps, StoreError};

#[async_trait]
impl GrantStore for SqlStore {
    async fn consent(&self, account_id: &AccountId, rpps: &Rpps) -> Result<Consent, StoreError> {
        let row = sqlx::query(
            "SELECT state, scope_all, categories, profile, until FROM grants \
             WHERE account_id = $1 AND rpps = $2",
        )
        .bind(account_id)
        .bind(rpps.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map_or(Ok(Consent::None), consent_from)
    }

    async fn set_consent(
        &self,
        account_id: &AccountId,
        rpps: &Rpps,
        consent: &Consent,
        now: i64,
        audit: &AuditRows,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (state, all, categories, profile, until) = match consent {
            Consent::None | Consent::Revoked => ("revoked", false, String::new(), false, None),
            Consent::Blocked => ("blocked", false, String::new(), false, None),
            Consent::Granted(Grant { scope, until }) => {
                let until = until.map(|day| day.to_string());
                match scope {
                    Scope::All => ("granted", true, String::new(), true, until),
                    Scope::Some { categories, profile } => {
                        let list: Vec<&str> = categories.iter().copied().map(code).collect();
                        ("granted", false, list.join(","), *profile, until)
                    }
                }
            }
        };
        sqlx::query(
            "INSERT INTO grants (account_id, rpps, state, scope_all, categories, profile, until, \
             changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (account_id, rpps) DO UPDATE SET state = $3, scope_all = $4, \
             categories = $5, profile = $6, until = $7, changed_at = $8",
        )
        .bind(account_id)
        .bind(rpps.as_str())
        .bind(state)
        .bind(all)
        .bind(categories)
        .bind(profile)
        .bind(until)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        super::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn consents(&self, account_id: &AccountId) -> Result<Vec<(Rpps, Consent)>, StoreError> {
        let rows = sqlx::query(
            "SELECT rpps, state, scope_all, categories, profile, until FROM grants \
             WHERE account_id = $1 ORDER BY changed_at DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((rpps_at(row, "rpps")?, consent_from(row)?))).collect()
    }
}

fn consent_from(row: &DbRow) -> Result<Consent, StoreError> {
    let state: String = row.try_get("state")?;
    match state.as_str() {
        "revoked" => Ok(Consent::Revoked),
        "blocked" => Ok(Consent::Blocked),
        "granted" => {
            let until = row
                .try_get::<Option<String>, _>("until")?
                .map(|day| Date::parse(&day).ok_or(StoreError::Corrupt))
                .transpose()?;
            let scope = if row.try_get::<bool, _>("scope_all")? {
                Scope::All
            } else {
                let list: String = row.try_get("categories")?;
                let categories = list
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(parse::<Category>)
                    .collect::<Result<_, _>>()?;
                Scope::Some { categories, profile: row.try_get("profile")? }
            };
            Ok(Consent::Granted(Grant { scope, until }))
        }
        _ => Err(StoreError::Corrupt),
    }
}
