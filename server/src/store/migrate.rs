//! Copying a whole installation from its SQLite file to PostgreSQL: every row of every table,
//! as it is (sealed content stays sealed: the keys do not change), into an empty PostgreSQL
//! database, every table's rows counted on both sides. `crate::migration` verifies the audit
//! log around it (`carnet migrate-store`).

use futures_util::TryStreamExt;
use sqlx::{Row, postgres::Postgres, sqlite::SqliteRow};

use super::{PgStore, SqliteStore, StoreError};

/// The tables, parents before children (each row's references are there when it is written).
/// `instance` is not copied but updated: PostgreSQL's has its own row already.
const TABLES: &[&str] = &[
    "professionals",
    "accounts",
    "data_keys",
    "sessions",
    "representations",
    "uploads",
    "content_chunks",
    "documents",
    "document_versions",
    "grants",
    "one_time_codes",
    "decoy_codes",
    "card_challenges",
    "break_glass_sessions",
    "notifications",
    "profile_entries",
    "profile_versions",
    "episodes",
    "episode_items",
    "audit_entries",
    "audit_checkpoints",
    "audit_nodes",
    "known_devices",
    "emergency_links",
    "identities",
    "feeds",
    "care_lines",
    "care_line_versions",
    "rate_limits",
    "outbox",
    "auth_events",
    "leases",
    "record_changes",
];

/// The accounts' references to their data keys, which refer to the accounts in turn: written
/// once both tables are.
const ACCOUNT_KEYS: [&str; 2] = ["totp_data_key", "totp_pending_data_key"];

/// Rows written per statement (PostgreSQL takes at most 65,535 parameters), and at most this
/// many bytes of values (a document's chunks are up to 512 KiB each; a message over 1 GB is
/// refused).
const BATCH_PARAMETERS: usize = 30_000;
const BATCH_BYTES: usize = 32 << 20;

/// Tables not copied: the scheduled tasks' leases belong to the servers running, not to the
/// installation (the SQLite server's would keep PostgreSQL's servers from the tasks); the
/// records' change counters are written by the target's own triggers as documents are copied.
const NOT_COPIED: &[&str] = &["leases", "record_changes"];

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the PostgreSQL database already holds data (table {0}): migrate into an empty one")]
    NotEmpty(String),
    #[error("the two schemas differ: table {0} is in one only")]
    Schema(String),
    #[error("column {table}.{column} has a type the copy does not know ({kind})")]
    ColumnType { table: String, column: String, kind: String },
    #[error("table {table}: {from} rows in SQLite, {to} in PostgreSQL after the copy")]
    Count { table: String, from: i64, to: i64 },
}

impl From<sqlx::Error> for MigrateError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// How many rows each table held, in order.
#[derive(Debug)]
pub struct Copied {
    pub tables: Vec<(&'static str, i64)>,
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Flag,
    Bytes,
    Text,
}

enum Value {
    Int(Option<i64>),
    Flag(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Text(Option<String>),
}

impl Value {
    /// Its size in a batch, roughly.
    fn len(&self) -> usize {
        match self {
            Self::Int(_) | Self::Flag(_) => 8,
            Self::Bytes(bytes) => bytes.as_ref().map_or(0, Vec::len),
            Self::Text(text) => text.as_ref().map_or(0, String::len),
        }
    }
}

struct Column {
    name: String,
    kind: Kind,
    /// An identity column (PostgreSQL numbers it; the copy keeps SQLite's numbers).
    identity: bool,
}

/// Copies every table of `from` into `to`, which must be empty (its schema just made). `progress`
/// is told the rows copied so far, and of how many.
pub async fn copy(
    from: &SqliteStore,
    to: &PgStore,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Copied, MigrateError> {
    let (source, target) = (&from.pool, &to.pool);
    same_tables(source, target).await?;
    for table in TABLES {
        if query_count(target, table).await? > 0 {
            return Err(MigrateError::NotEmpty((*table).to_owned()));
        }
    }
    let mut counts = Vec::new();
    for table in TABLES.iter().filter(|table| !NOT_COPIED.contains(table)) {
        counts.push((*table, count(source, table).await?));
    }
    let total: u64 = counts.iter().map(|(_, rows)| rows.unsigned_abs()).sum();
    let mut done = 0;
    progress(done, total);

    let instance = sqlx::query("SELECT instance_id, created_at, data_keys_bound FROM instance")
        .fetch_one(source)
        .await?;
    sqlx::query(
        "UPDATE instance SET instance_id = $1, created_at = $2, data_keys_bound = $3 WHERE id = 1",
    )
    .bind(instance.try_get::<String, _>("instance_id")?)
    .bind(instance.try_get::<String, _>("created_at")?)
    .bind(instance.try_get::<bool, _>("data_keys_bound")?)
    .execute(target)
    .await?;

    for (table, _) in &counts {
        let columns = columns(target, table).await?;
        copy_table(source, target, table, &columns, &mut |rows| {
            done += rows;
            progress(done, total);
        })
        .await?;
        if *table == "data_keys" {
            link_account_keys(source, target).await?;
        }
        for column in columns.iter().filter(|column| column.identity) {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{name}'), \
                 COALESCE((SELECT max({name}) FROM {table}), 0) + 1, false)",
                name = column.name
            ))
            .execute(target)
            .await?;
        }
    }

    for (table, from_rows) in &counts {
        let to_rows = query_count(target, table).await?;
        if to_rows != *from_rows {
            return Err(MigrateError::Count {
                table: (*table).into(),
                from: *from_rows,
                to: to_rows,
            });
        }
    }
    Ok(Copied { tables: counts })
}

/// Both databases have the tables of [`TABLES`] and no other (a table added by a migration and
/// not listed here would be left behind).
async fn same_tables(
    source: &sqlx::Pool<sqlx::Sqlite>,
    target: &sqlx::Pool<Postgres>,
) -> Result<(), MigrateError> {
    let ours = |name: &String| name != "_sqlx_migrations" && name != "instance";
    let mut in_sqlite: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(source)
    .await?;
    let mut in_postgres: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(target)
    .await?;
    in_sqlite.retain(ours);
    in_postgres.retain(ours);
    for name in in_sqlite.iter().chain(&in_postgres) {
        let listed = TABLES.contains(&name.as_str());
        if !listed || !in_sqlite.contains(name) || !in_postgres.contains(name) {
            return Err(MigrateError::Schema(name.clone()));
        }
    }
    if let Some(missing) = TABLES.iter().find(|table| !in_postgres.iter().any(|n| n == *table)) {
        return Err(MigrateError::Schema((*missing).to_owned()));
    }
    Ok(())
}

async fn count(source: &sqlx::Pool<sqlx::Sqlite>, table: &str) -> Result<i64, MigrateError> {
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(source).await?)
}

async fn query_count(target: &sqlx::Pool<Postgres>, table: &str) -> Result<i64, MigrateError> {
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(target).await?)
}

/// The PostgreSQL table's columns, in order, with the type each is read as from SQLite.
async fn columns(target: &sqlx::Pool<Postgres>, table: &str) -> Result<Vec<Column>, MigrateError> {
    let rows = sqlx::query(
        "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS kind, \
         CAST(is_identity AS TEXT) AS identity FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(target)
    .await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("name")?;
            let kind: String = row.try_get("kind")?;
            let kind = match kind.as_str() {
                "bigint" => Kind::Int,
                "boolean" => Kind::Flag,
                "bytea" => Kind::Bytes,
                "text" => Kind::Text,
                _ => {
                    return Err(MigrateError::ColumnType {
                        table: table.into(),
                        column: name,
                        kind,
                    });
                }
            };
            Ok(Column { name, kind, identity: row.try_get::<String, _>("identity")? == "YES" })
        })
        .collect()
}

/// Streams the table's rows out of SQLite and writes them in batches, one transaction per
/// table; `copied` is told of each batch.
async fn copy_table(
    source: &sqlx::Pool<sqlx::Sqlite>,
    target: &sqlx::Pool<Postgres>,
    table: &str,
    columns: &[Column],
    copied: &mut (dyn FnMut(u64) + Send),
) -> Result<(), MigrateError> {
    let names: Vec<&str> = columns.iter().map(|column| column.name.as_str()).collect();
    let list = names.join(", ");
    let per_batch = (BATCH_PARAMETERS / names.len().max(1)).max(1);
    let overriding =
        if columns.iter().any(|column| column.identity) { " OVERRIDING SYSTEM VALUE" } else { "" };
    let mut tx = target.begin().await?;
    let select = format!("SELECT {list} FROM {table}");
    let mut rows = sqlx::query(&select).fetch(source);
    let mut batch = Vec::with_capacity(per_batch);
    let mut bytes = 0;
    loop {
        let row = rows.try_next().await?;
        if let Some(row) = &row {
            let values = values(row, table, columns)?;
            bytes += values.iter().map(Value::len).sum::<usize>();
            batch.push(values);
        }
        let full = batch.len() == per_batch || bytes >= BATCH_BYTES;
        if full || (row.is_none() && !batch.is_empty()) {
            bytes = 0;
            let mut insert = sqlx::QueryBuilder::<Postgres>::new(format!(
                "INSERT INTO {table} ({list}){overriding} "
            ));
            insert.push_values(batch.drain(..), |mut out, values| {
                for value in values {
                    match value {
                        Value::Int(v) => out.push_bind(v),
                        Value::Flag(v) => out.push_bind(v),
                        Value::Bytes(v) => out.push_bind(v),
                        Value::Text(v) => out.push_bind(v),
                    };
                }
            });
            let written = insert.build().execute(&mut *tx).await?.rows_affected();
            copied(written);
        }
        if row.is_none() {
            break;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// One SQLite row's values, as the PostgreSQL columns want them. The accounts' keys wait for
/// [`link_account_keys`].
fn values(row: &SqliteRow, table: &str, columns: &[Column]) -> Result<Vec<Value>, MigrateError> {
    columns
        .iter()
        .map(|column| {
            let name = column.name.as_str();
            if table == "accounts" && ACCOUNT_KEYS.contains(&name) {
                return Ok(Value::Text(None));
            }
            Ok(match column.kind {
                Kind::Int => Value::Int(row.try_get(name)?),
                Kind::Flag => Value::Flag(row.try_get(name)?),
                Kind::Bytes => Value::Bytes(row.try_get(name)?),
                Kind::Text => Value::Text(row.try_get(name)?),
            })
        })
        .collect()
}

/// The accounts' second-factor keys, once the data keys are written.
async fn link_account_keys(
    source: &sqlx::Pool<sqlx::Sqlite>,
    target: &sqlx::Pool<Postgres>,
) -> Result<(), MigrateError> {
    let linked: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, totp_data_key, totp_pending_data_key FROM accounts \
         WHERE totp_data_key IS NOT NULL OR totp_pending_data_key IS NOT NULL",
    )
    .fetch_all(source)
    .await?;
    let mut tx = target.begin().await?;
    for (id, key, pending) in linked {
        sqlx::query(
            "UPDATE accounts SET totp_data_key = $1, totp_pending_data_key = $2 WHERE id = $3",
        )
        .bind(key)
        .bind(pending)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
