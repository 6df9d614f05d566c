//! The server's answers kept in the copy, sealed: remembered on their way, given back without a
//! network, and the copy filled from the server after an unlock.

use leptos::prelude::Set;
use zeroize::Zeroizing;

use super::kept::refresh_kept;
use super::{SCHEMA, open_db, open_for, seal_for, state, unlocked};
use crate::cache::cacheable;
use crate::cache::crypto::RecordId;
use crate::cache::idb::RECORDS;
use crate::client::ApiFailure;

/// Keeps the server's answer to `GET path` in the copy, sealed, when the copy is unlocked and the
/// path is part of the record.
pub fn remember(path: &str, text: &str) {
    let Some(unlocked) = unlocked() else { return };
    if !cacheable(path) {
        return;
    }
    let (path, text) = (path.to_owned(), Zeroizing::new(text.as_bytes().to_vec()));
    wasm_bindgen_futures::spawn_local(async move {
        let id =
            RecordId { user: &unlocked.user, store: RECORDS, key: &path, schema_version: SCHEMA };
        let Ok(sealed) = seal_for(&unlocked, &id, &text).await else { return };
        if let Ok(db) = open_db().await {
            let _ = db.put_sealed(RECORDS, &path, &sealed).await;
            db.close();
        }
    });
}

/// The kept answer to `GET path`, opened. `Err` when it is there but does not open (altered on
/// the disk): the interface says so instead of showing it.
pub async fn recall(path: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ApiFailure> {
    let Some(unlocked) = unlocked() else { return Ok(None) };
    let db = open_db().await.map_err(|_| ApiFailure::Network)?;
    let sealed = db.get_sealed(RECORDS, path).await;
    db.close();
    let Ok(Some(sealed)) = sealed else { return Ok(None) };
    let id = RecordId { user: &unlocked.user, store: RECORDS, key: path, schema_version: SCHEMA };
    match open_for(&unlocked, &id, &sealed).await {
        Ok(plain) => Ok(Some(plain)),
        Err(_) => {
            if let Some(state) = state() {
                state.damaged.set(true);
            }
            Err(ApiFailure::Network)
        }
    }
}

/// Forgets the kept answer to `GET path`.
async fn forget_answer(path: &str) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(RECORDS, path).await;
        db.close();
    }
}

/// Fills the copy with the parts of the record the app shows, from the server (each answer is
/// kept by [`remember`] on its way).
pub async fn refresh_copy() {
    use crate::api::account::Me;
    use crate::client;
    let Ok(me) = client::get::<Me>("/api/account/me").await else { return };
    let record = me.acting_for.as_ref().map_or(me.id.clone(), |person| person.id.clone());
    let documents = client::get::<Vec<crate::api::record::DocumentInfo>>(&format!(
        "/api/records/{record}/documents"
    ))
    .await;
    for part in
        ["abilities", "profile", "timeline", "episodes", "grants", "care-history", "identity"]
    {
        let _ = client::get::<serde_json::Value>(&format!("/api/records/{record}/{part}")).await;
    }
    // The history's first page, at the address its page reads.
    let history =
        crate::api::history::history_uri(&record, crate::api::history::HistoryFilter::All, None);
    let _ = client::get::<serde_json::Value>(&history).await;
    // Where the whole history was kept before it was read a page at a time: no page reads it.
    forget_answer(&format!("/api/records/{record}/access-history")).await;
    // The newest documents, at the address *Accueil* reads.
    let recent = crate::api::record::recent_documents_path(&record);
    let _ = client::get::<serde_json::Value>(&recent).await;
    if let Ok(documents) = documents {
        // Each page of the list, at the address the documents' page reads.
        let pages = documents.len().div_ceil(crate::api::record::DOCUMENTS_PER_PAGE).max(1);
        for page in 1..=pages {
            let path = format!("/api/records/{record}/documents/pages/{page}");
            let _ = client::get::<serde_json::Value>(&path).await;
        }
        refresh_kept(&record, &documents).await;
    }
    let _ = client::get::<serde_json::Value>("/api/notifications").await;
}
