//! Sending a document from the browser: announce it, send it in chunks with the progress
//! reported after each one, and on a dropped connection ask the server where it stands and
//! go on from there (a few tries, with a pause); then finish. Announcing carries an
//! idempotency key, so a repeated announcement is the same upload; one that is a document
//! already (an offline deposit whose answer was lost) sends nothing more.

use crate::api::record::{DepositRequest, DocumentInfo};
use crate::client::ApiFailure;

/// How many times one chunk is tried before giving up (the upload can still be resumed).
const TRIES: u32 = 5;

/// The bytes of a file the user picked.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub async fn read_file(file: &web_sys::Blob) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(zeroize::Zeroizing::new(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// Bytes held by the app as a `Blob` the browser can send or show; `media_type` is the type it
/// is shown as (a `blob:` address), none for bytes that are only sent.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub fn blob_of(bytes: &[u8], media_type: Option<&str>) -> Option<web_sys::Blob> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    if let Some(kind) = media_type {
        options.set_type(kind);
    }
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()
}

/// Sends `file` (a file the user picked, or bytes kept offline) as the document `request`
/// describes. `Ok(None)`: the same `key` was deposited before.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub async fn upload(
    record: &str,
    csrf: &str,
    key: &str,
    file: &web_sys::Blob,
    request: DepositRequest,
    progress: impl Fn(u64, u64),
) -> Result<Option<DocumentInfo>, ApiFailure> {
    use gloo_net::http::Request;
    use wasm_bindgen_futures::JsFuture;

    use crate::api::record::UploadStatus;

    let base = format!("/api/records/{record}/uploads");
    let announce = Request::post(&base)
        .header(crate::api::CSRF_HEADER, csrf)
        .header(crate::api::IDEMPOTENCY_HEADER, key)
        .json(&request)
        .map_err(|_| ApiFailure::Network)?;
    let response = announce.send().await.map_err(|_| ApiFailure::Network)?;
    let mut status: UploadStatus =
        crate::client::read(response).await?.ok_or(ApiFailure::Network)?;
    if status.finished {
        progress(status.size, status.size);
        return Ok(None);
    }
    let upload = format!("{base}/{}", status.upload_id);
    let mut failures = 0;
    progress(status.received, status.size);
    while status.received < status.size {
        let start = status.received;
        let end = (start + status.chunk_size).min(status.size);
        let slice = file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|_| ApiFailure::Network)?;
        let bytes = JsFuture::from(slice.array_buffer()).await.map_err(|_| ApiFailure::Network)?;
        let body = js_sys::Uint8Array::new(&bytes);
        let sent = Request::put(&format!("{upload}?offset={start}"))
            .header(crate::api::CSRF_HEADER, csrf)
            .header("content-type", "application/octet-stream")
            .body(body)
            .map_err(|_| ApiFailure::Network)?
            .send()
            .await;
        match sent {
            Ok(response) if response.ok() || response.status() == 409 => {
                // 409: this chunk was already there; the body says where to go on.
                status = response.json().await.map_err(|_| ApiFailure::Network)?;
                failures = 0;
            }
            Ok(response) => {
                return Err(crate::client::read::<UploadStatus>(response)
                    .await
                    .err()
                    .unwrap_or(ApiFailure::Network));
            }
            Err(_) => {
                failures += 1;
                if failures >= TRIES {
                    return Err(ApiFailure::Network);
                }
                gloo_timers::future::TimeoutFuture::new(1000 * failures).await;
                if let Ok(response) = Request::get(&upload).send().await
                    && let Ok(now) = response.json::<UploadStatus>().await
                {
                    status = now;
                }
            }
        }
        progress(status.received, status.size);
    }
    let finish = Request::post(&format!("{upload}/finish"))
        .header(crate::api::CSRF_HEADER, csrf)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    crate::client::read(finish).await?.ok_or(ApiFailure::Network).map(Some)
}

/// Sends a FHIR bundle the person picked, whole, to be imported into `record`; answers what
/// became of it.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub async fn import(
    record: &str,
    csrf: &str,
    file: &web_sys::Blob,
) -> Result<crate::api::record::ImportReport, ApiFailure> {
    let sent = gloo_net::http::Request::post(&format!("/api/records/{record}/import"))
        .header(crate::api::CSRF_HEADER, csrf)
        .header("content-type", "application/fhir+json")
        .body(file.clone())
        .map_err(|_| ApiFailure::Network)?
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    crate::client::read(sent).await?.ok_or(ApiFailure::Network)
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
pub async fn upload(
    record: &str,
    csrf: &str,
    key: &str,
    file: &(),
    request: DepositRequest,
    progress: impl Fn(u64, u64),
) -> Result<Option<DocumentInfo>, ApiFailure> {
    let _ = (record, csrf, key, file, request, progress, TRIES);
    Err(ApiFailure::Network)
}
