//! The client data layer's on-device storage: records sealed with AES-256-GCM ([`crypto`]) and
//! kept in IndexedDB ([`idb`], browser only).
//!
//! Health data never touches IndexedDB in clear: everything written goes through
//! [`crypto::seal`], bound to the user, store, key and schema version it belongs to.

pub mod crypto;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub mod idb;

#[cfg(all(test, feature = "hydrate", target_arch = "wasm32"))]
mod browser_tests;
