//! Keeping the data keys' wrapping current, through the store: binding the keys of the first
//! versions to their record, once, and rotating the master key (every data key rewrapped under
//! the new one, in batches; never the contents).

use crate::{
    store::{Store, StoreError},
    vault::{Vault, VaultError},
};

/// What a rotation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub rewrapped: usize,
    pub forgotten: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rotates the master key: with a key directory, a new key becomes current; every data key is
/// rewrapped under the current key, in batches (an interruption leaves a mix that still opens,
/// and running again finishes); then the other keys are forgotten.
pub async fn rotate(store: &dyn Store, vault: &mut Vault) -> Result<Rotation, RotationError> {
    bind_owners(store, vault).await?;
    if vault.from_directory() {
        vault.add_current_key()?;
    }
    let mut rewrapped = 0;
    loop {
        let batch = store.data_keys_not_under(vault.current_key_id(), 500).await?;
        if batch.is_empty() {
            break;
        }
        let mut updates = Vec::with_capacity(batch.len());
        for (id, key) in &batch {
            if let Some(new) = vault.rewrap(key, id)? {
                updates.push((id.clone(), new));
            }
        }
        store.replace_data_keys(&updates).await?;
        rewrapped += updates.len();
    }
    let forgotten = vault.forget_other_keys()?;
    Ok(Rotation { rewrapped, forgotten })
}

/// Binds every data key still wrapped the old way to its record, in batches, once: run at the
/// first start after the upgrade (and before a rotation), it then records that every key is
/// bound. After that, a key wrapped the old way can only have been put back from an older copy
/// of the database, with its row perhaps naming another record: it is never bound, only
/// reported, and stays unopened. A key that does not open is logged and left (marked), so one
/// bad row does not stop the server.
pub async fn bind_owners(store: &dyn Store, vault: &Vault) -> Result<usize, RotationError> {
    if store.data_keys_bound().await? {
        let stray = store.unbound_data_keys(500).await?;
        for (id, _) in &stray {
            tracing::error!(key = %id, "a data key wrapped the old way reappeared after every key \
                was bound (restored from an older copy?): it is not bound, and does not open");
            store.set_data_key_unbindable(id).await?;
        }
        return Ok(0);
    }
    let mut bound = 0;
    loop {
        let batch = store.unbound_data_keys(500).await?;
        if batch.is_empty() {
            store.set_data_keys_bound().await?;
            return Ok(bound);
        }
        let mut updates = Vec::with_capacity(batch.len());
        for (id, key) in &batch {
            match vault.bind_owner(key, id) {
                Ok(new) => updates.push((id.clone(), new)),
                Err(error) => {
                    tracing::error!(key = %id, %error, "a data key does not open: left as it is");
                    store.set_data_key_unbindable(id).await?;
                }
            }
        }
        store.replace_data_keys(&updates).await?;
        bound += updates.len();
    }
}
