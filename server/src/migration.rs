//! `carnet migrate-store`: a whole installation moved from its SQLite file to an empty
//! PostgreSQL database ([`crate::store::migrate::copy`]), its audit log verified on both sides.

use crate::{
    audit::{Broken, Report, verify_stored},
    store::{
        PgStore, SqliteStore,
        migrate::{Copied, MigrateError, copy},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Copy(#[from] MigrateError),
    #[error("the audit log in {0} does not hold ({1}); nothing is moved from a broken log")]
    Broken(&'static str, Broken),
    #[error("the audit log copied differs from the original ({0})")]
    Differs(String),
    #[error(
        "{0} authenticator secrets are still in clear in the SQLite file: start the server on it \
         once (it seals them), stop it, then migrate"
    )]
    Legacy(usize),
}

impl From<crate::store::StoreError> for MoveError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Copy(error.into())
    }
}

/// What moved: the rows of each table, and the audit log as verified on both sides.
#[derive(Debug)]
pub struct Moved {
    pub copied: Copied,
    pub audit: Report,
}

/// Moves the installation: verifies the audit log in `from` against `key` (the installation's
/// audit key), copies every table ([`copy`]), then verifies the log in `to` and compares it with
/// the original (entries, checkpoints, root). Nothing is written to `from`.
pub async fn migrate(
    from: &SqliteStore,
    to: &PgStore,
    key: &ed25519_dalek::VerifyingKey,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Moved, MoveError> {
    use crate::store::SecretStore;
    // Copied to PostgreSQL, a secret in clear could not be scrubbed from its old row versions.
    let legacy = from.legacy_totp_accounts().await?.len();
    if legacy > 0 {
        return Err(MoveError::Legacy(legacy));
    }
    let before = verify_stored(from, key).await?.map_err(|b| MoveError::Broken("SQLite", b))?;
    let copied = copy(from, to, progress).await?;
    let after = verify_stored(to, key).await?.map_err(|b| MoveError::Broken("PostgreSQL", b))?;
    let same = (before.entries, before.checkpoints, before.root)
        == (after.entries, after.checkpoints, after.root);
    if !same {
        return Err(MoveError::Differs(format!(
            "{} entries and {} checkpoints before, {} and {} after",
            before.entries, before.checkpoints, after.entries, after.checkpoints
        )));
    }
    Ok(Moved { copied, audit: after })
}
