//! A patient's record over HTTP: documents (deposited in resumable chunks, sealed at rest, read
//! back, replaced, withdrawn, masked) and the patient's grants to professionals. Every entry
//! point resolves who asks ([`Asker`]) and asks `app::policy::decide` before touching an item;
//! an item the asker may not read answers like one that does not exist.

mod content;
mod document_changes;
mod documents;
mod episodes;
mod exams;
mod export;
mod grants;
pub mod history;
mod identity;
mod import;
mod preview;
pub mod timeline;
pub(crate) use content::file as document_file;
pub(crate) use export::{Documents, Files, Parts, document_by_facts, entries as fhir_entries};
pub use import::{MAX_BODY_BYTES as IMPORT_MAX_BYTES, entries_of as import_entries_of, is_import};
pub(crate) use import::{create_document, create_entry, replace_entry};
mod upload;

pub(crate) use documents::item_of as item_of_document;
pub use upload::{CHUNK_BYTES, DEFAULT_MAX_DOCUMENT_BYTES, UPLOAD_LIFETIME_SECONDS};

use axum::routing::{get, post, put};

pub fn routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/{record}/documents", get(documents::list))
        .route("/{record}/documents/counts", get(documents::counts))
        .route("/{record}/documents/pages/{page}", get(documents::page))
        .route("/{record}/documents/{document}", get(documents::one))
        .route("/{record}/abilities", get(documents::abilities))
        .route("/{record}/export", get(export::export))
        .route(
            "/{record}/import",
            post(import::import)
                .layer(axum::extract::DefaultBodyLimit::max(import::MAX_BODY_BYTES)),
        )
        .route("/{record}/exams/repeated", get(exams::repeated))
        .route("/{record}/documents/{document}/content", get(content::content))
        .route("/{record}/preview/{rpps}", get(preview::preview))
        .route("/{record}/documents/{document}/withdraw", post(document_changes::withdraw))
        .route("/{record}/documents/{document}/mask", post(document_changes::mask))
        .route("/{record}/documents/{document}/announce", post(document_changes::announce))
        .route("/{record}/uploads", post(upload::start_upload))
        .route("/{record}/uploads/{upload}", get(upload::upload_status).put(upload::append))
        .route("/{record}/uploads/{upload}/finish", post(upload::finish))
        .route("/{record}/timeline", get(timeline::list))
        .route("/{record}/episodes", get(episodes::episodes).post(episodes::create_episode))
        .route("/{record}/episodes/{episode}/items", post(episodes::tag))
        .route("/{record}/episodes/{episode}/items/{item}/remove", post(episodes::untag))
        .route("/{record}/access-history", get(history::list))
        .route("/{record}/access-history/{seq}/proof", get(history::proof))
        .route("/{record}/grants", get(grants::list))
        .route("/{record}/regular-doctor", put(grants::regular_doctor))
        .route("/{record}/identity", get(identity::identity).put(identity::set_identity))
        .route("/{record}/grants/{rpps}", put(grants::grant))
        .route("/{record}/grants/{rpps}/{change}", post(grants::change))
}
