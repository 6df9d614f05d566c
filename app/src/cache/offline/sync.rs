//! The outbox of changes made offline: queued durably, sealed, with the bytes of a document of
//! the patient's own, and sent to the server once a network is back.

use leptos::prelude::{Set, Update};
use zeroize::Zeroizing;

use super::{FLUSHING, SCHEMA, Unlocked, network, open_db, open_for, seal_for, state, unlocked};
use crate::cache::DB_NAME;
use crate::cache::crypto::{self, RecordId};
use crate::cache::idb::{CacheError, FILES, OUTBOX};
use crate::cache::outbox::{self, Change, Outcome};
use crate::client::ApiFailure;

fn outbox_id<'a>(user: &'a str, key: &'a str) -> RecordId<'a> {
    RecordId { user, store: OUTBOX, key, schema_version: SCHEMA }
}

/// Puts a change in the outbox, durably, and tries to send it at once.
pub async fn queue(change: Change) -> Result<(), CacheError> {
    let unlocked = unlocked().ok_or(CacheError::Corrupt)?;
    write_change(&unlocked, &change).await?;
    refresh_outbox().await;
    wasm_bindgen_futures::spawn_local(flush());
    Ok(())
}

/// Puts a document of the patient's own in the outbox: its bytes first, sealed and durable, then
/// the change that sends them; and tries to send it at once.
pub async fn queue_document(change: Change, content: Zeroizing<Vec<u8>>) -> Result<(), CacheError> {
    let unlocked = unlocked().ok_or(CacheError::Corrupt)?;
    let key = file_key(&change.id);
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    let sealed = seal_for(&unlocked, &id, &content).await?;
    let db = open_db().await?;
    let written = db.put_sealed_durable(FILES, &key, &sealed).await;
    db.close();
    written?;
    queue(change).await
}

/// Where the bytes of the outbox's document `change_id` wait.
fn file_key(change_id: &str) -> String {
    format!("outbox/{change_id}")
}

/// The bytes of the outbox's document, opened. `None` when missing or altered.
async fn waiting_file(unlocked: &Unlocked, change_id: &str) -> Option<Zeroizing<Vec<u8>>> {
    let key = file_key(change_id);
    let db = open_db().await.ok()?;
    let sealed = db.get_sealed(FILES, &key).await;
    db.close();
    let sealed = sealed.ok()??;
    let id = RecordId { user: &unlocked.user, store: FILES, key: &key, schema_version: SCHEMA };
    open_for(unlocked, &id, &sealed).await.ok()
}

/// Takes a change out of the outbox, with the bytes of its document if it has some.
async fn remove_change(id: &str) {
    if let Ok(db) = open_db().await {
        let _ = db.delete(OUTBOX, id).await;
        let _ = db.delete(FILES, &file_key(id)).await;
        db.close();
    }
}

async fn write_change(unlocked: &Unlocked, change: &Change) -> Result<(), CacheError> {
    let plain = Zeroizing::new(serde_json::to_vec(change).map_err(|_| CacheError::Corrupt)?);
    let db = open_db().await?;
    let written =
        db.put_durable(&unlocked.key, &outbox_id(&unlocked.user, &change.id), &plain).await;
    db.close();
    written
}

/// The outbox, oldest first. A change that does not open is left where it is (and reported),
/// never deleted silently.
async fn changes(unlocked: &Unlocked) -> Vec<Change> {
    let Ok(db) = open_db().await else { return Vec::new() };
    let mut out = Vec::new();
    for key in db.keys(OUTBOX).await.unwrap_or_default() {
        let Ok(Some(sealed)) = db.get_sealed(OUTBOX, &key).await else { continue };
        match crypto::open(&unlocked.key, &outbox_id(&unlocked.user, &key), &sealed) {
            Ok(plain) => out.extend(serde_json::from_slice::<Change>(&plain).ok()),
            Err(_) => {
                if let Some(state) = state() {
                    state.damaged.set(true);
                }
            }
        }
    }
    db.close();
    out
}

/// Reads the outbox's size (possible while locked: it opens nothing) and, when unlocked, its
/// changes, into the interface's state.
pub async fn refresh_outbox() {
    let Some(state) = state() else { return };
    if !crate::cache::idb::exists(DB_NAME).await {
        state.waiting.set(0);
    } else if let Ok(db) = open_db().await {
        state.waiting.set(db.count(OUTBOX).await.unwrap_or(0));
        db.close();
    }
    if let Some(unlocked) = unlocked() {
        state.changes.set(changes(&unlocked).await);
    } else {
        state.changes.set(Vec::new());
    }
}

/// The user's choice on a change kept for them: send theirs again, or drop it.
pub async fn resolve(id: &str, keep_mine: bool) {
    let Some(unlocked) = unlocked() else { return };
    if let Some(mut change) = changes(&unlocked).await.into_iter().find(|c| c.id == id) {
        if keep_mine {
            change.keep_mine();
            let _ = write_change(&unlocked, &change).await;
        } else {
            remove_change(id).await;
        }
    }
    refresh_outbox().await;
    flush().await;
}

/// Sends what waits in the outbox, oldest first, each with its idempotency key; stops at the
/// first change that gets no answer. Runs once at a time.
pub async fn flush() {
    let Some(unlocked) = unlocked() else { return };
    if FLUSHING.replace(true) {
        return;
    }
    let mut sent = false;
    let pending: Vec<Change> = changes(&unlocked)
        .await
        .into_iter()
        .filter(|c| c.state == outbox::State::Waiting)
        .collect();
    if !pending.is_empty()
        && let Ok(me) = network::me().await
    {
        for change in pending {
            let outcome = match send(&unlocked, &change, &me.csrf_token).await {
                Ok(outcome) => outcome,
                Err(ApiFailure::Network) => Outcome::Later,
                Err(ApiFailure::Refused(body)) => {
                    let current = match &change.what {
                        outbox::What::EditEntry { entry_id, .. } => {
                            network::entry(&change.record, entry_id).await
                        }
                        outbox::What::NewEntry { .. } | outbox::What::NewDocument { .. } => None,
                    };
                    outbox::on_refusal(&change, &body, current.as_ref())
                }
            };
            match outcome {
                Outcome::Done => {
                    remove_change(&change.id).await;
                    sent = true;
                }
                Outcome::Later => break,
                Outcome::Keep(state) => {
                    let _ = write_change(&unlocked, &Change { state, ..change }).await;
                }
            }
        }
    }
    FLUSHING.set(false);
    refresh_outbox().await;
    if sent && let Some(state) = state() {
        state.synced.update(|n| *n += 1);
    }
}

/// Sends one change: an entry as its request, a document as an upload (its idempotency key the
/// change's, so one that reached the server before is not deposited twice), its progress shown.
async fn send(unlocked: &Unlocked, change: &Change, csrf: &str) -> Result<Outcome, ApiFailure> {
    let outbox::What::NewDocument { deposit } = &change.what else {
        return network::send(change, csrf).await.map(|()| Outcome::Done);
    };
    let Some(content) = waiting_file(unlocked, &change.id).await else {
        // Gone or altered on the disk: said, and kept for the user to remove.
        if let Some(state) = state() {
            state.damaged.set(true);
        }
        return Ok(Outcome::Keep(outbox::State::Refused {
            error: crate::api::ErrorCode::Internal,
        }));
    };
    let blob = crate::client::upload::blob_of(&content, None).ok_or(ApiFailure::Network)?;
    drop(content);
    let state = state();
    let report = |received, size| {
        if let Some(state) = state {
            state.sending.set(Some((change.id.clone(), received, size)));
        }
    };
    let sent = crate::client::upload::upload(
        &change.record,
        csrf,
        &change.id,
        &blob,
        deposit.clone(),
        report,
    )
    .await;
    if let Some(state) = state {
        state.sending.set(None);
    }
    sent.map(|_| Outcome::Done)
}
