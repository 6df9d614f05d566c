//! The documents kept offline on this device: their bytes fetched, sealed, kept in the version
//! the server has, and opened without a network.

use leptos::prelude::Set;
use zeroize::Zeroizing;

use super::{SCHEMA, open_db, open_for, seal_for, state, unlocked};
use crate::cache::crypto::RecordId;
use crate::cache::idb::FILES;
use crate::client::ApiFailure;

/// Where the bytes of a document kept offline are: its id and the version kept.
fn kept_key(document_id: &str, version: u32) -> String {
    format!("document/{document_id}/{version}")
}

/// The documents kept offline on this device: (document id, version kept). Empty while locked.
pub async fn kept_documents() -> Vec<(String, u32)> {
    if unlocked().is_none() {
        return Vec::new();
    }
    let Ok(db) = open_db().await else { return Vec::new() };
    let keys = db.keys(FILES).await.unwrap_or_default();
    db.close();
    keys.iter()
        .filter_map(|key| {
            let (id, version) = key.strip_prefix("document/")?.split_once('/')?;
            Some((id.to_owned(), version.parse().ok()?))
        })
        .collect()
}

/// Keeps a document's current version offline: its bytes fetched from the server, sealed, and
/// written in place of an older version kept before.
pub async fn keep_document(
    record: &str,
    document_id: &str,
    version: u32,
) -> Result<(), ApiFailure> {
    let unlocked = unlocked().ok_or(ApiFailure::Network)?;
    let path = format!("/api/records/{record}/documents/{document_id}/content");
    let response =
        gloo_net::http::Request::get(&path).send().await.map_err(|_| ApiFailure::Network)?;
    if !response.ok() {
        return Err(crate::client::read::<()>(response).await.err().unwrap_or(ApiFailure::Network));
    }
    let bytes = Zeroizing::new(response.binary().await.map_err(|_| ApiFailure::Network)?);
    let key = kept_key(document_id, version);
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    let sealed = seal_for(&unlocked, &id, &bytes).await.map_err(|_| ApiFailure::Network)?;
    drop(bytes);
    let db = open_db().await.map_err(|_| ApiFailure::Network)?;
    let written = db.put_sealed(FILES, &key, &sealed).await;
    db.close();
    written.map_err(|_| ApiFailure::Network)?;
    for (kept, older) in kept_documents().await {
        if kept == document_id && older != version {
            forget_version(document_id, older).await;
        }
    }
    Ok(())
}

async fn forget_version(document_id: &str, version: u32) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(FILES, &kept_key(document_id, version)).await;
        db.close();
    }
}

/// No longer keeps a document offline (every version kept).
pub async fn forget_document(document_id: &str) {
    for (kept, version) in kept_documents().await {
        if kept == document_id {
            forget_version(document_id, version).await;
        }
    }
}

/// The bytes of a document kept offline, in this version, opened. `None` when not kept; an
/// altered record is reported and not shown.
pub async fn kept_content(document_id: &str, version: u32) -> Option<Zeroizing<Vec<u8>>> {
    let unlocked = unlocked()?;
    let key = kept_key(document_id, version);
    let db = open_db().await.ok()?;
    let sealed = db.get_sealed(FILES, &key).await;
    db.close();
    let sealed = sealed.ok()??;
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    match open_for(&unlocked, &id, &sealed).await {
        Ok(plain) => Some(plain),
        Err(_) => {
            if let Some(state) = state() {
                state.damaged.set(true);
            }
            None
        }
    }
}

/// The documents kept offline follow their new versions: with a network, after an unlock.
pub(super) async fn refresh_kept(record: &str, documents: &[crate::api::record::DocumentInfo]) {
    for (id, version) in kept_documents().await {
        match documents.iter().find(|document| document.id == id) {
            Some(document) if document.version != version => {
                let _ = keep_document(record, &id, document.version).await;
            }
            Some(_) => {}
            // No longer readable (withdrawn, masked from this session): not kept either.
            None => forget_document(&id).await,
        }
    }
    if let Some(state) = state() {
        state.kept.set(kept_documents().await);
    }
}
