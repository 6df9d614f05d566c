//! What the page knows of its connection, one per page: whether the network answers, and whether
//! some of the app's code could not be fetched. Below the code loader ([`crate::chunk`]) and the
//! offline copy ([`crate::cache`]), which both read and set it; the header shows it.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Network {
    /// Whether the network answers: the browser's `online` and `offline` events, corrected by
    /// what the last request found.
    pub online: RwSignal<bool>,
    /// Some of the app's code could not be fetched (no network, not kept yet): the header says
    /// so until the network returns and it is fetched again.
    pub chunk_missing: RwSignal<bool>,
    /// How many times the network has come back since the page started ([`Network::set_online`]).
    /// A count, not a flag: what waits for the network compares it with the count it started
    /// with, so a return is never lost when the network goes and comes back before an effect runs.
    pub returns: RwSignal<u32>,
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
thread_local! {
    static NETWORK: std::cell::Cell<Option<Network>> = const { std::cell::Cell::new(None) };
}

impl Network {
    /// Creates the page's network state, in context (once per page, at its start).
    pub fn provide() -> Self {
        let network = Self {
            online: RwSignal::new(true),
            chunk_missing: RwSignal::new(false),
            returns: RwSignal::new(0),
        };
        provide_context(network);
        // Kept for what runs outside any component, e.g. a chunk's loader failing.
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        NETWORK.set(Some(network));
        network
    }

    /// Whether the network answers now (the browser's events, or what a request found); a return
    /// from not answering is counted in [`Network::returns`].
    pub fn set_online(self, online: bool) {
        if self.online.get_untracked() == online {
            return;
        }
        self.online.set(online);
        if online {
            self.returns.update(|returns| *returns = returns.wrapping_add(1));
        }
    }

    /// The page's network state, wherever it is asked for (in the browser only).
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    pub fn current() -> Option<Self> {
        NETWORK.get()
    }
}

/// The page's network state, from the context.
pub fn use_network() -> Network {
    use_context::<Network>().unwrap_or_else(Network::provide)
}
