//! The emergency card on the patient's own device: the summary they chose, kept readable in
//! this origin's local storage — not in the encrypted cache, since whoever finds the phone must
//! read it without unlocking anything — and shown by `/carte-urgence.html`, which the service
//! worker (`public/sw.js`) keeps for when there is no network.

use super::Summary;

/// The storage key; `public/urgence.js` reads the same.
pub const CARD_KEY: &str = "carnet.emergency-card";

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Whether this device keeps a card.
pub fn kept() -> bool {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        storage().and_then(|s| s.get_item(CARD_KEY).ok().flatten()).is_some()
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        false
    }
}

/// Keeps `summary` as this device's card.
pub fn keep(summary: &Summary) -> bool {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        let Ok(json) = serde_json::to_string(summary) else { return false };
        let Some(storage) = storage() else { return false };
        // The card's page is part of the app shell the service worker keeps (registered on
        // every page, `cache::ui`).
        storage.set_item(CARD_KEY, &json).is_ok()
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        let _ = summary;
        false
    }
}

/// Removes the card from this device.
pub fn forget() {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    if let Some(storage) = storage() {
        let _ = storage.remove_item(CARD_KEY);
    }
}
