//! The entry points the pages call, split off together (with all they reach: IndexedDB, the
//! ciphers, the outbox's encoding) into one chunk loaded the first time one is needed, so that none
//! of it weighs on the first download. One chunk, not one per entry point: wasm-split cuts the code
//! that split points share into a chunk per combination of them, and a dozen entry points made
//! pages fetch 150 to 250 files, each a round trip on a phone. It loads once, at the start of a
//! page on a device that holds something offline (`cache::ui::watch`), so an unlock or a lock
//! never waits for it. A chunk that cannot be fetched (offline before the service worker kept
//! it) is a [`ChunkMissing`] each caller turns into what the user sees, never a panic; the
//! header says that part of Carnet is missing.

use zeroize::Zeroizing;

use super::UnlockError;
use crate::cache::Lock;
use crate::chunk::ChunkMissing;
use crate::client::ApiFailure;
use crate::split_fn;

impl From<ChunkMissing> for ApiFailure {
    fn from(_: ChunkMissing) -> Self {
        Self::Network
    }
}

impl From<ChunkMissing> for UnlockError {
    fn from(_: ChunkMissing) -> Self {
        Self::Unavailable
    }
}

pub fn is_unlocked() -> bool {
    super::unlocked().is_some()
}

split_fn!(offline =>
    pub async fn recall(path: String) -> Result<Option<Zeroizing<Vec<u8>>>, ApiFailure> {
        super::answers::recall(&path).await
    }
);

split_fn!(offline =>
    pub async fn remember(path: String, text: Zeroizing<String>) {
        super::answers::remember(&path, &text);
    }
);

split_fn!(offline =>
    /// A document of the patient's own into the outbox; `false` when it could not be written.
    pub async fn queue_document(
        change: crate::cache::outbox::Change,
        content: Zeroizing<Vec<u8>>,
    ) -> bool {
        super::sync::queue_document(change, content).await.is_ok()
    }
);

split_fn!(offline =>
    pub async fn kept_documents() -> Vec<(String, u32)> {
        super::kept::kept_documents().await
    }
);

split_fn!(offline =>
    /// Keeps the document offline (`keep`), or no longer.
    pub async fn keep_document(
        record: String,
        document_id: String,
        version: u32,
        keep: bool,
    ) -> Result<(), ApiFailure> {
        if keep {
            super::kept::keep_document(&record, &document_id, version).await
        } else {
            super::kept::forget_document(&document_id).await;
            Ok(())
        }
    }
);

split_fn!(offline =>
    pub async fn kept_content(document_id: String, version: u32) -> Option<Zeroizing<Vec<u8>>> {
        super::kept::kept_content(&document_id, version).await
    }
);

split_fn!(offline =>
    pub async fn flush() {
        super::sync::flush().await;
    }
);

split_fn!(offline =>
    pub async fn resolve(id: String, keep_mine: bool) {
        super::sync::resolve(&id, keep_mine).await;
    }
);

split_fn!(offline =>
    /// What the device holds, the outbox's size, and a logout made offline sent.
    pub async fn start(online: bool) -> Lock {
        let lock = super::lock_state().await;
        super::sync::refresh_outbox().await;
        if online {
            super::finish_pending_logout().await;
        }
        lock
    }
);

split_fn!(offline =>
    /// Sets the copy up for the signed-in account, or unlocks it; then, with a network, fills
    /// it and sends the outbox.
    pub async fn use_code(set_up: bool, code: Zeroizing<String>) -> Result<(), UnlockError> {
        if set_up {
            let me = crate::client::get::<crate::api::account::Me>("/api/account/me")
                .await
                .map_err(|_| UnlockError::Storage)?;
            super::set_up(&me.id, &code).await?;
        } else {
            super::unlock(&code).await?;
        }
        // Not awaited: the pages read the copy meanwhile.
        leptos::task::spawn_local(super::sync::refresh_outbox());
        Ok(())
    }
);

split_fn!(offline =>
    pub async fn after_unlock() {
        super::answers::refresh_copy().await;
        super::sync::flush().await;
    }
);
