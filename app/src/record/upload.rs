//! A deposit's idempotency key and, without a network, its place in the device's outbox. The
//! sending itself is [`crate::client::upload`]'s.

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
use crate::api::record::DepositRequest;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
use crate::client::ApiFailure;

/// A fresh idempotency key for one deposit: the outbox's kind (time and random), so that the
/// same key serves if the deposit has to wait on the device.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub fn new_key() -> Result<String, ApiFailure> {
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(|_| ApiFailure::Network)?;
    Ok(crate::cache::outbox::new_id(js_sys::Date::now(), random))
}

/// No network: a document of the patient's own waits in the device's outbox, under the key its
/// first try used. `false` when it cannot (no copy on this device, or locked, or not a document
/// the outbox takes): the user then sees the network failure and keeps their file.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub async fn keep_for_later(
    record: &str,
    key: String,
    deposit: DepositRequest,
    content: zeroize::Zeroizing<Vec<u8>>,
) -> bool {
    use crate::cache::offline::split;
    if !split::is_unlocked() {
        return false;
    }
    let Some(change) =
        crate::cache::outbox::Change::new_document(key, record.to_owned(), deposit, content.len())
    else {
        return false;
    };
    split::queue_document(change, content).await.unwrap_or(false)
}
