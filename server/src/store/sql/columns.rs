//! What several tables store alike: the words of the vocabulary by their wire names, the party
//! who wrote a row in two columns, and the rows of one account.

use sqlx::Row;

use super::DbRow;

use super::SqlStore;
use crate::store::{AccountId, Party, Rpps, StoreError};

/// How a word of the vocabulary is stored: its name on the wire (`lab_results`, `text/plain`).
pub(super) fn code(word: impl Into<&'static str>) -> &'static str {
    word.into()
}

/// A stored word read back; an unknown one is a corrupt row.
pub(super) fn parse<T: std::str::FromStr>(code: &str) -> Result<T, StoreError> {
    code.parse().map_err(|_| StoreError::Corrupt)
}

/// A stored RPPS read back; one that does not check is a corrupt row.
pub(super) fn rpps(text: &str) -> Result<Rpps, StoreError> {
    Rpps::parse(text).ok_or(StoreError::Corrupt)
}

/// The RPPS in a row's column.
pub(super) fn rpps_at(row: &DbRow, column: &str) -> Result<Rpps, StoreError> {
    rpps(row.try_get(column)?)
}

/// The RPPS in a row's column, if any.
pub(super) fn optional_rpps_at(row: &DbRow, column: &str) -> Result<Option<Rpps>, StoreError> {
    row.try_get::<Option<&str>, _>(column)?.map(rpps).transpose()
}

pub(super) fn party_columns(party: &Party) -> (&'static str, Option<&str>) {
    match party {
        Party::Patient(account) => ("patient", Some(account.as_str())),
        Party::Professional(rpps) => ("professional", Some(rpps.as_str())),
        Party::Insurer => ("insurer", None),
    }
}

pub(super) fn party_from(kind: &str, who: Option<String>) -> Result<Party, StoreError> {
    match (kind, who) {
        ("patient", Some(account)) => Ok(Party::Patient(AccountId::new(account))),
        ("professional", Some(who)) => Ok(Party::Professional(rpps(&who)?)),
        ("insurer", _) => Ok(Party::Insurer),
        _ => Err(StoreError::Corrupt),
    }
}

/// The party named by two columns of a row (`…_kind` and its identifier).
pub(super) fn party_at(row: &DbRow, kind: &str, id: &str) -> Result<Party, StoreError> {
    let kind: String = row.try_get(kind)?;
    party_from(&kind, row.try_get(id)?)
}

/// The rows a query with one parameter, an account, answers.
pub(super) async fn account_rows(
    store: &SqlStore,
    sql: &str,
    account_id: &AccountId,
) -> Result<Vec<DbRow>, StoreError> {
    sqlx::query(sql).bind(account_id).fetch_all(&store.pool).await.map_err(StoreError::from)
}
