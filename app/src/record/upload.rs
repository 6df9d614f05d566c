//! Sending a document from the browser: announce it, send it in chunks with the progress
//! reported after each one, and on a dropped connection ask the server where it stands and
//! go on from there (a few tries, with a pause); then finish. Announcing carries an
//! idempotency key, so a repeated announcement is the same upload.

use crate::account::client::ApiFailure;
use crate::record::{DepositRequest, DocumentInfo};

/// How many times one chunk is tried before giving up (the upload can still be resumed).
const TRIES: u32 = 5;

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub async fn upload(
    record: &str,
    csrf: &str,
    file: &web_sys::File,
    request: DepositRequest,
    progress: impl Fn(u64, u64),
) -> Result<DocumentInfo, ApiFailure> {
    use gloo_net::http::Request;
    use wasm_bindgen_futures::JsFuture;

    use crate::record::UploadStatus;

    let key: [u8; 16] = {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes).map_err(|_| ApiFailure::Network)?;
        bytes
    };
    let key: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let base = format!("/api/records/{record}/uploads");
    let announce = Request::post(&base)
        .header("x-csrf-token", csrf)
        .header("idempotency-key", &key)
        .json(&request)
        .map_err(|_| ApiFailure::Network)?;
    let response = announce.send().await.map_err(|_| ApiFailure::Network)?;
    let mut status: UploadStatus =
        crate::account::client::read(response).await?.ok_or(ApiFailure::Network)?;
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
            .header("x-csrf-token", csrf)
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
                return Err(crate::account::client::read::<UploadStatus>(response)
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
        .header("x-csrf-token", csrf)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    crate::account::client::read(finish).await?.ok_or(ApiFailure::Network)
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
pub async fn upload(
    record: &str,
    csrf: &str,
    file: &(),
    request: DepositRequest,
    progress: impl Fn(u64, u64),
) -> Result<DocumentInfo, ApiFailure> {
    let _ = (record, csrf, file, request, progress, TRIES);
    Err(ApiFailure::Network)
}
