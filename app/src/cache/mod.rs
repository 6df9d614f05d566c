//! The client data layer's on-device storage: the record kept for offline use, sealed with
//! AES-256-GCM ([`crypto`], and [`webcrypto`] for large records) and kept in IndexedDB ([`idb`]),
//! the outbox of changes made offline ([`outbox`]), the runtime that ties them to the network
//! ([`offline`], browser only) and what the interface shows of it ([`ui`]).
//!
//! Health data never touches IndexedDB in clear: everything written goes through a seal bound to
//! the user, store, key and schema version it belongs to. What the device holds, and what someone
//! holding it can read, is told in `docs/offline.md`.

pub mod crypto;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub mod idb;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub mod offline;
pub mod outbox;
pub mod ui;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
mod watch;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub mod webcrypto;

// `browser_tests.rs` runs in headless Chromium; its build is the store alone (see `lib.rs`).

use leptos::prelude::*;

use crate::network::Network;

/// The IndexedDB database of the copy.
pub const DB_NAME: &str = "carnet-offline";
/// Wrong device codes in a row that wipe the copy.
pub const MAX_TRIES: u32 = 10;
/// Minutes without a touch or a key after which the copy locks itself.
pub const AUTO_LOCK_MINUTES: u32 = 5;

/// Where the copy on this device stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Not known yet (the page is starting, or it is the server rendering it).
    Unknown,
    /// No copy on this device.
    Off,
    /// A copy, its key not in memory.
    Locked { tries_left: u32 },
    /// A copy, open.
    Unlocked,
}

/// Whether this device keeps the app itself (its page, code and style) for use without a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellKept {
    /// Not known (the server rendering, no service worker, or a new version waiting).
    Unknown,
    /// The service worker is fetching the files.
    Keeping,
    /// Every file is kept: the app opens, and its pages work, without a network.
    Kept,
}

/// The offline state the interface shows, one per page.
#[derive(Clone, Copy)]
pub struct OfflineState {
    pub network: Network,
    pub lock: RwSignal<Lock>,
    /// Changes in the outbox (counted without opening them).
    pub waiting: RwSignal<u32>,
    /// The outbox's changes, when unlocked.
    pub changes: RwSignal<Vec<outbox::Change>>,
    /// A new version of the app is installed and waits for a reload.
    pub update_ready: RwSignal<bool>,
    /// A kept record failed to open: altered on the disk.
    pub damaged: RwSignal<bool>,
    /// The documents kept offline on this device (id, version kept); empty while locked. Here,
    /// for the life of the page, because the lists that show it are built anew on every read.
    pub kept: RwSignal<Vec<(String, u32)>>,
    /// The outbox's document being sent: its change, bytes sent, size.
    pub sending: RwSignal<Option<(String, u64, u64)>>,
    /// Raised after the outbox sent something: pages read again.
    pub synced: RwSignal<u32>,
    /// The copy, just unlocked or set up, is being filled from the server.
    pub filling: RwSignal<bool>,
    /// The copy was wiped after too many wrong codes.
    pub wiped: RwSignal<bool>,
    /// Whether the service worker keeps every file the app needs to start without a network.
    pub shell: RwSignal<ShellKept>,
    /// This page was started by the offline app shell (rendered in the browser, no server).
    pub from_shell: bool,
}

impl OfflineState {
    /// Whether the routed pages wait behind the unlock screen: a copy is there, locked, and
    /// there is no server to read from.
    pub fn gate_closed(&self) -> bool {
        let no_server = self.from_shell || !self.network.online.get();
        if self.wiped.get() && no_server {
            return true;
        }
        match self.lock.get() {
            Lock::Unknown => self.from_shell,
            Lock::Locked { .. } => self.from_shell || !self.network.online.get(),
            Lock::Off | Lock::Unlocked => false,
        }
    }
}

/// `false` on the server and while the browser hydrates the component that asks, then `true`.
/// What only the device knows (its copy, its outbox) is shown once it is `true`: the server
/// cannot know it, and the browser may learn it before a lazily loaded page is hydrated, so
/// showing it earlier would make the two renderings differ.
pub fn use_hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    // Effects run in the browser only, once the component is hydrated.
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}

/// The offline state of this page, from the context.
pub fn use_offline() -> OfflineState {
    use_context::<OfflineState>().unwrap_or_else(provide)
}

/// Creates the page's offline state and starts watching the network, the outbox, inactivity and
/// the service worker (in the browser).
pub fn provide() -> OfflineState {
    let state = OfflineState {
        network: Network::provide(),
        lock: RwSignal::new(Lock::Unknown),
        waiting: RwSignal::new(0),
        changes: RwSignal::new(Vec::new()),
        update_ready: RwSignal::new(false),
        damaged: RwSignal::new(false),
        kept: RwSignal::new(Vec::new()),
        sending: RwSignal::new(None),
        synced: RwSignal::new(0),
        filling: RwSignal::new(false),
        wiped: RwSignal::new(false),
        shell: RwSignal::new(ShellKept::Unknown),
        from_shell: started_from_shell(),
    };
    provide_context(state);
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    watch::watch(state);
    state
}

fn started_from_shell() -> bool {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element())
            .is_some_and(|root| root.has_attribute("data-app-shell"))
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        false
    }
}

/// Which answers of the server belong in the copy: the account and the record's parts the app
/// shows. Not the export, the emergency links, document contents or previews, nor anything of
/// the professional space.
pub fn cacheable(path: &str) -> bool {
    if path == "/api/account/me" || path == "/api/notifications" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/api/records/") else { return false };
    let excluded = ["/export", "/preview", "/content", "/emergency", "/uploads", "/file"];
    // A later page of the history (`before=`) is of its moment: never refreshed, not kept.
    rest.contains('/')
        && !excluded.iter().any(|part| rest.contains(part))
        && !rest.contains("before=")
}
