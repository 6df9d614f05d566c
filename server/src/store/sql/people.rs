//! [`PeopleStore`] on SQLite: the directory, card challenges, representations, closing.

use std::collections::HashSet;

use app::directory::{Profession, Professional, Rpps};
use async_trait::async_trait;
use sqlx::Row;

use super::DbRow;

use super::{SqlStore, begin_write, columns, insert_account};
use crate::store::{
    AccountId, AccountRecord, Event, ImportReport, NewRepresentation, PeopleStore,
    ProfessionalRecord, PurgeReport, RepresentationRecord, StoreError,
};

#[async_trait]
impl PeopleStore for SqlStore {
    async fn import_directory(
        &self,
        entries: &[Professional],
        now: i64,
    ) -> Result<ImportReport, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let mut report = ImportReport::default();
        let known: HashSet<String> = sqlx::query_scalar("SELECT rpps FROM professionals")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        let mut listed = HashSet::new();
        for entry in entries {
            sqlx::query(
                "INSERT INTO professionals (rpps, given_name, family_name, profession, \
                 specialty, place, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7) \
                 ON CONFLICT (rpps) DO UPDATE SET given_name = $2, family_name = $3, \
                 profession = $4, specialty = $5, place = $6, active = TRUE, updated_at = $7",
            )
            .bind(entry.rpps.as_str())
            .bind(&entry.given_name)
            .bind(&entry.family_name)
            .bind(entry.profession.code())
            .bind(&entry.specialty)
            .bind(&entry.place)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if known.contains(entry.rpps.as_str()) {
                report.updated += 1;
            } else {
                report.added += 1;
            }
            listed.insert(entry.rpps.as_str());
        }
        // Whoever is not in this file left the directory: no new login, no running session.
        for rpps in known.iter().filter(|rpps| !listed.contains(rpps.as_str())) {
            let gone = sqlx::query(
                "UPDATE professionals SET active = FALSE, updated_at = $1 WHERE rpps = $2 AND active = TRUE",
            )
            .bind(now)
            .bind(rpps)
            .execute(&mut *tx)
            .await?;
            report.deactivated += usize::try_from(gone.rows_affected()).unwrap_or(0);
        }
        sqlx::query(
            "DELETE FROM sessions WHERE professional_id IN \
             (SELECT rpps FROM professionals WHERE active = FALSE)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn professional(&self, rpps: &Rpps) -> Result<Option<ProfessionalRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT rpps, given_name, family_name, profession, specialty, place, public_key, \
             active FROM professionals WHERE rpps = $1",
        )
        .bind(rpps.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
        Ok(Some(ProfessionalRecord {
            professional: Professional {
                rpps: columns::rpps(&text("rpps")?)?,
                given_name: text("given_name")?,
                family_name: text("family_name")?,
                profession: Profession::from_code(&text("profession")?)
                    .ok_or(StoreError::Corrupt)?,
                specialty: row.try_get("specialty")?,
                place: text("place")?,
            },
            public_key: row.try_get("public_key")?,
            active: row.try_get::<bool, _>("active")?,
        }))
    }

    async fn search_professionals(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Professional>, StoreError> {
        let pattern = format!("%{}%", query.to_lowercase().replace(['%', '_'], ""));
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT rpps FROM professionals WHERE active = TRUE AND (rpps = $1 \
             OR lower(given_name || ' ' || family_name) LIKE $2 \
             OR lower(family_name || ' ' || given_name) LIKE $2) \
             ORDER BY family_name, given_name LIMIT $3",
        )
        .bind(query.trim())
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for text in rows {
            if let Some(record) = self.professional(&columns::rpps(&text)?).await? {
                found.push(record.professional);
            }
        }
        Ok(found)
    }

    async fn granted_records(
        &self,
        rpps: &Rpps,
        today: &str,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT a.id, a.given_name, a.family_name, a.birth_date FROM grants g \
             JOIN accounts a ON a.id = g.account_id WHERE g.rpps = $1 AND g.state = 'granted' \
             AND (g.until IS NULL OR g.until >= $2) AND a.status = 'active' \
             ORDER BY a.family_name, a.given_name",
        )
        .bind(rpps.as_str())
        .bind(today)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    async fn granted_record(
        &self,
        rpps: &Rpps,
        today: &str,
        account_id: &AccountId,
    ) -> Result<Option<(String, String, String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT a.id, a.given_name, a.family_name, a.birth_date FROM grants g \
             JOIN accounts a ON a.id = g.account_id WHERE g.rpps = $1 AND g.account_id = $2 \
             AND g.state = 'granted' AND (g.until IS NULL OR g.until >= $3) AND a.status = 'active'",
        )
        .bind(rpps.as_str())
        .bind(account_id)
        .bind(today)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)
    }

    async fn set_card_key(&self, rpps: &Rpps, public_key: &[u8]) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE professionals SET public_key = $1 WHERE rpps = $2")
            .bind(public_key)
            .bind(rpps.as_str())
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_card_challenge(
        &self,
        challenge_hash: &[u8],
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO card_challenges (challenge_hash, expires_at) VALUES ($1, $2)")
            .bind(challenge_hash)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn use_card_challenge(
        &self,
        challenge_hash: &[u8],
        now: i64,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE card_challenges SET used_at = $1 \
             WHERE challenge_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(challenge_hash)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn professional_events(&self, rpps: &Rpps) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT at, event FROM auth_events WHERE professional_id = $1 ORDER BY id")
            .bind(rpps.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn create_represented_account(
        &self,
        account: &AccountRecord,
        representation: &NewRepresentation<'_>,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        insert_account(&mut tx, account).await?;
        super::write_event(&mut tx, event).await?;
        sqlx::query(
            "INSERT INTO representations (account_id, representative_id, kind, consent_at, \
             consent_method, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&account.id)
        .bind(representation.representative_id)
        .bind(<&str>::from(representation.kind))
        .bind(representation.consent_at)
        .bind(<&str>::from(representation.consent_method))
        .bind(representation.recorded_by.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn representations_by(
        &self,
        representative_id: &AccountId,
    ) -> Result<Vec<RepresentationRecord>, StoreError> {
        let rows = sqlx::query(&format!("{REPRESENTATION_COLUMNS} WHERE r.representative_id = $1"))
            .bind(representative_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(representation_from_row).collect()
    }

    async fn representations_of(
        &self,
        account_id: &AccountId,
    ) -> Result<Vec<RepresentationRecord>, StoreError> {
        let rows = sqlx::query(&format!("{REPRESENTATION_COLUMNS} WHERE r.account_id = $1"))
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(representation_from_row).collect()
    }

    async fn withdraw_representation(
        &self,
        account_id: &AccountId,
        representative_id: &AccountId,
        withdrawn_by: &str,
        now: i64,
        event: &Event<'_>,
    ) -> Result<Option<()>, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let result = sqlx::query(
            "UPDATE representations SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE account_id = $3 AND representative_id = $4 AND withdrawn_at IS NULL",
        )
        .bind(now)
        .bind(withdrawn_by)
        .bind(account_id)
        .bind(representative_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sessions SET acting_for = NULL WHERE account_id = $1 AND acting_for = $2",
        )
        .bind(representative_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() != 1 {
            return Ok(None);
        }
        super::write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    async fn close_account(
        &self,
        account_id: &AccountId,
        now: i64,
        retained_until: i64,
        erasure_due_at: Option<i64>,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "UPDATE accounts SET status = 'closed', closed_at = coalesce(closed_at, $1), \
             retained_until = $2, erasure_due_at = $3 WHERE id = $4 AND status IN ('active', 'closed')",
        )
        .bind(now)
        .bind(retained_until)
        .bind(erasure_due_at)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        super::write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reopen_account(
        &self,
        account_id: &AccountId,
        event: &Event<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "UPDATE accounts SET status = 'active', closed_at = NULL, retained_until = NULL, \
             erasure_due_at = NULL WHERE id = $1 AND status = 'closed'",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        super::write_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn purge(&self, now: i64, absolute_timeout: i64) -> Result<PurgeReport, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let erased =
            sqlx::query("DELETE FROM accounts WHERE status = 'closed' AND erasure_due_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
        let expired =
            sqlx::query("DELETE FROM accounts WHERE status = 'closed' AND retained_until <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
        // A session that timed out ends here, and its end is recorded like a logout.
        for statement in [
            "INSERT INTO auth_events (at, event, account_id, professional_id, client_addr) \
             SELECT $1, 'session_expired', account_id, professional_id, 'server' FROM sessions \
             WHERE last_seen_at <= $1 - idle_timeout OR created_at <= $2",
            "DELETE FROM sessions WHERE last_seen_at <= $1 - idle_timeout OR created_at <= $2",
            "DELETE FROM one_time_codes WHERE expires_at <= $1",
            "DELETE FROM decoy_codes WHERE expires_at <= $1",
            "DELETE FROM card_challenges WHERE expires_at <= $1",
        ] {
            sqlx::query(statement).bind(now).bind(now - absolute_timeout).execute(&mut *tx).await?;
        }
        // Limits whose tries are forgotten and whose block is over say nothing any more.
        sqlx::query("DELETE FROM rate_limits WHERE last_try <= $1 AND blocked_until <= $2")
            .bind(now - crate::store::FORGOTTEN_AFTER)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let count = |rows: u64| usize::try_from(rows).unwrap_or(usize::MAX);
        Ok(PurgeReport {
            erased: count(erased.rows_affected()),
            expired: count(expired.rows_affected()),
        })
    }
}

const REPRESENTATION_COLUMNS: &str = "SELECT r.id, r.account_id, r.representative_id, r.kind, \
     r.consent_at, r.consent_method, r.recorded_by, r.withdrawn_at, a.given_name, \
     a.family_name, a.birth_date FROM representations r JOIN accounts a ON a.id = r.account_id";

fn representation_from_row(row: &DbRow) -> Result<RepresentationRecord, StoreError> {
    let text = |name: &str| row.try_get::<String, _>(name).map_err(StoreError::from);
    Ok(RepresentationRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        representative_id: row.try_get("representative_id")?,
        kind: text("kind")?.parse().map_err(|_| StoreError::Corrupt)?,
        consent_at: row.try_get("consent_at")?,
        consent_method: text("consent_method")?.parse().map_err(|_| StoreError::Corrupt)?,
        recorded_by: columns::rpps(&text("recorded_by")?)?,
        withdrawn_at: row.try_get("withdrawn_at")?,
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        birth_date: text("birth_date")?,
    })
}
