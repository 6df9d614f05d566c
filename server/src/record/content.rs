//! A document's bytes, opened from their sealed chunks: shown in the app or saved (the whole
//! record's export, `export.rs`, opens them the same way).

use crate::audit::AuditAction;
use app::vocabulary::MediaType;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::documents::{chunk_context, readable};
use crate::asker::{Asker, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::Origin,
    store::{DocumentId, DocumentRecord, UploadRecord},
    vault::Sealed,
};

/// The whole content of an upload, opened.
pub(super) async fn content_of(
    state: &AppState,
    upload: &UploadRecord,
) -> Result<Vec<u8>, ApiError> {
    let mut content = Vec::with_capacity(usize::try_from(upload.size).unwrap_or(0));
    for (index, chunk) in state.store.chunks(&upload.id).await?.into_iter().enumerate() {
        let sealed = Sealed { key: upload.key.clone(), content: chunk };
        let plain =
            state.vault.open(&sealed, &upload.data_key, &chunk_context(&upload.id, index))?;
        content.extend_from_slice(&plain);
    }
    Ok(content)
}

/// A document and its bytes, for whoever may read them (the app, the FHIR endpoint's
/// `Binary`), the read traced before they leave. A withdrawn document stays readable by the
/// patient's side and its author only: the same decision as the list, the search and the export.
pub(crate) async fn file(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    document_id: &DocumentId,
) -> Result<(DocumentRecord, Vec<u8>), ApiError> {
    let document = readable(state, asker, origin, AuditAction::DocumentRead, document_id).await?;
    trace::read(state, asker, origin, AuditAction::DocumentRead, Some(&document.id), None).await?;
    let bytes = content_of(state, &document.upload).await?;
    Ok((document, bytes))
}

#[derive(Deserialize)]
pub struct Download {
    #[serde(default)]
    download: bool,
}

/// The document's bytes, never cached, never sniffed, shown in the app (PDF, images, text) or
/// saved with `?download=true`.
pub async fn content(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, DocumentId)>,
    Query(Download { download }): Query<Download>,
) -> Result<Response, ApiError> {
    let (document, bytes) = file(&state, &asker, &origin, &document_id).await?;
    let media = document.upload.media_type;
    let disposition = format!(
        "{}; filename=\"document-{}-v{}.{}\"",
        if download { "attachment" } else { "inline" },
        &document.id[..8.min(document.id.len())],
        document.version,
        media.extension()
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.as_str()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Shown alone, a document runs nothing and reaches nothing; it may be framed by the app
    // only. A PDF is sandboxed too (a unique origin, no scripts of its own reach the app):
    // Chromium's viewer still shows it, as tests/e2e shows; only the frame's own `sandbox`
    // attribute would stop the viewer, so the frame has none.
    let policy = if media == MediaType::Pdf {
        "default-src 'none'; object-src 'self'; frame-ancestors 'self'; sandbox"
    } else {
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; \
         sandbox"
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(response)
}
