//! In the browser, what the offline copy watches once per page: what the device holds, the
//! network, inactivity (the auto-lock), and the service worker that keeps the app's files.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AUTO_LOCK_MINUTES, Lock};

/// Starts watching, once per page: what the device holds, the network, inactivity (auto-lock),
/// the service worker; and sends a logout made offline. The offline chunk is fetched only when
/// the device holds something of it, and then at once (an unlock must not find it missing).
pub(super) fn watch(state: super::OfflineState) {
    use std::cell::Cell;
    use std::rc::Rc;

    use wasm_bindgen::{JsCast, closure::Closure};

    use super::offline;

    offline::register(state);
    let Some(window) = web_sys::window() else { return };
    let online = window.navigator().on_line();
    // After hydration: the first render must match the server's.
    request_animation_frame(move || state.network.set_online(online));
    // What the device holds: asked again when the network returns if its code was missing.
    let start = move |online: bool| {
        spawn_local(async move {
            // Nothing to lock, send or read: the offline chunk is not fetched.
            if !offline::may_hold_anything().await {
                state.lock.set(Lock::Off);
                return;
            }
            if let Ok(lock) = offline::split::start(online).await {
                state.lock.set(lock);
            }
        })
    };
    start(online);
    // Which documents are kept offline, read again at each unlock and forgotten at each lock.
    Effect::new(move || {
        if state.lock.get() == Lock::Unlocked {
            spawn_local(async move {
                if let Ok(kept) = offline::split::kept_documents().await {
                    state.kept.set(kept);
                }
            });
        } else {
            state.kept.set(Vec::new());
        }
    });
    for (name, now_online) in [("online", true), ("offline", false)] {
        let changed = Closure::<dyn Fn()>::new(move || {
            state.network.set_online(now_online);
            if !now_online {
                return;
            }
            // The code that could not be fetched without a network, fetched now.
            if state.network.chunk_missing.get_untracked() {
                state.network.chunk_missing.set(false);
                // A copy is locked or unlocked only once its chunk is here.
                if state.lock.get_untracked() == Lock::Unknown {
                    start(true);
                }
            }
            // What waits to be sent; a device that holds nothing has nothing to send.
            if state.lock.get_untracked() != Lock::Off || state.waiting.get_untracked() > 0 {
                spawn_local(async {
                    let _ = offline::split::flush().await;
                });
            }
        });
        let _ = window.add_event_listener_with_callback(name, changed.as_ref().unchecked_ref());
        changed.forget();
    }
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    // What the person does, not what the page does: a `scroll` event also fires when content
    // above shrinks or grows, and would keep the copy open with nobody there.
    for name in ["pointerdown", "keydown", "wheel", "touchmove"] {
        let last = last.clone();
        let touched = Closure::<dyn Fn()>::new(move || last.set(js_sys::Date::now()));
        let _ = window.add_event_listener_with_callback(name, touched.as_ref().unchecked_ref());
        touched.forget();
    }
    let check = Closure::<dyn Fn()>::new(move || {
        let idle = js_sys::Date::now() - last.get();
        if state.lock.get_untracked() == Lock::Unlocked
            && idle > f64::from(AUTO_LOCK_MINUTES) * 60_000.0
        {
            offline::lock();
            state.lock.set(Lock::Locked { tries_left: super::MAX_TRIES });
            state.changes.set(Vec::new());
        }
        if state.network.online.get_untracked() && state.waiting.get_untracked() > 0 {
            spawn_local(async {
                let _ = offline::split::flush().await;
            });
        }
    });
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
        check.as_ref().unchecked_ref(),
        15_000,
    );
    check.forget();
    sw::register(state);
}

/// The service worker: registered on every page, and its update announced.
pub(super) mod sw {
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{ServiceWorkerRegistration, ServiceWorkerState};

    use leptos::prelude::Set;

    use super::super::{OfflineState, ShellKept};

    fn container() -> Option<web_sys::ServiceWorkerContainer> {
        let navigator = web_sys::window()?.navigator();
        // Absent in some private modes and insecure contexts.
        js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker"))
            .unwrap_or(false)
            .then(|| navigator.service_worker())
    }

    /// Whether this page can count on the worker's files: an active worker in control and none
    /// newer on its way (a newer one brings the files of a newer build, which this page may be).
    fn shell_kept(registration: &ServiceWorkerRegistration, controlled: bool) -> ShellKept {
        if registration.installing().is_some() {
            return ShellKept::Keeping;
        }
        if registration.waiting().is_some() {
            // The update notice shows; once taken, the reloaded page is kept.
            return ShellKept::Unknown;
        }
        match registration.active().map(|worker| worker.state()) {
            Some(ServiceWorkerState::Activated) if controlled => ShellKept::Kept,
            Some(_) => ShellKept::Keeping,
            None => ShellKept::Unknown,
        }
    }

    /// Registers once the page has loaded, in a task of its own: the worker's first visit fetches
    /// and keeps every file of the app, which must not compete with the page's own start (nor
    /// lengthen the task that hydrates it).
    pub fn register(state: OfflineState) {
        let Some(window) = web_sys::window() else { return };
        let later = move || {
            leptos::prelude::set_timeout(move || register_now(state), std::time::Duration::ZERO)
        };
        let loaded = window.document().is_some_and(|document| document.ready_state() == "complete");
        if loaded {
            later();
        } else {
            let on_load = Closure::once_into_js(later);
            let _ = window.add_event_listener_with_callback("load", on_load.unchecked_ref());
        }
    }

    fn register_now(state: OfflineState) {
        let Some(container) = container() else { return };
        leptos::task::spawn_local(async move {
            // Not a registration when the browser blocks workers (some private modes do).
            let Ok(registration) = JsFuture::from(container.register("/sw.js"))
                .await
                .and_then(|registration| registration.dyn_into::<ServiceWorkerRegistration>())
            else {
                return;
            };
            let has_controller = {
                let container = container.clone();
                move || container.controller().is_some()
            };
            let recheck = {
                let (registration, has_controller) = (registration.clone(), has_controller.clone());
                move || {
                    let controlled = has_controller();
                    // An active worker that does not control this page: it took the pages there
                    // were when it activated, and this one was still on its way (a navigation
                    // during the install). It is asked to take this one too; not when a newer
                    // one is on its way (this page may be of the newer build).
                    let newer = registration.installing().or_else(|| registration.waiting());
                    if let Some(active) = registration.active().filter(|worker| {
                        !controlled
                            && newer.is_none()
                            && worker.state() == ServiceWorkerState::Activated
                    }) {
                        let _ = active.post_message(&JsValue::from_str("claim"));
                    }
                    state.shell.set(shell_kept(&registration, controlled))
                }
            };
            recheck();
            if registration.waiting().is_some() && has_controller() {
                state.update_ready.set(true);
            }
            let watched = registration.clone();
            let follow = {
                let recheck = recheck.clone();
                move || {
                    recheck();
                    // Every worker not yet activated is followed to the end, wherever it is: a
                    // first install can be over (installed, activating) before this runs, and
                    // then only its `activated` says that the files are kept.
                    let workers = [watched.installing(), watched.waiting(), watched.active()];
                    for worker in workers.into_iter().flatten() {
                        if worker.state() == ServiceWorkerState::Activated {
                            continue;
                        }
                        let followed = worker.clone();
                        let (has_controller, recheck) = (has_controller.clone(), recheck.clone());
                        let changed = Closure::<dyn Fn()>::new(move || {
                            recheck();
                            if followed.state() == ServiceWorkerState::Installed && has_controller()
                            {
                                state.update_ready.set(true);
                            }
                        });
                        worker.set_onstatechange(Some(changed.as_ref().unchecked_ref()));
                        changed.forget();
                    }
                }
            };
            // One may already be installing (found by this very registration).
            follow();
            let found = Closure::<dyn Fn()>::new(follow);
            registration.set_onupdatefound(Some(found.as_ref().unchecked_ref()));
            found.forget();
            // The first worker takes control of this page once it has kept every file.
            let claimed = Closure::<dyn Fn()>::new(recheck);
            let _ = container.add_event_listener_with_callback(
                "controllerchange",
                claimed.as_ref().unchecked_ref(),
            );
            claimed.forget();
        });
    }

    /// The user asked for the new version: the waiting worker takes over, then the page reloads
    /// on it. When none waits any more (another tab took the new version first, and with it
    /// this page's worker), the page reloads at once: it is still of the old build.
    pub fn activate_waiting() {
        let Some(container) = container() else { return };
        let reload = Closure::<dyn Fn()>::new(|| {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        });
        container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
        reload.forget();
        leptos::task::spawn_local(async move {
            let waiting = match JsFuture::from(container.get_registration()).await {
                Ok(registration) => registration
                    .dyn_into::<ServiceWorkerRegistration>()
                    .ok()
                    .and_then(|registration| registration.waiting()),
                Err(_) => None,
            };
            match waiting {
                Some(waiting) => {
                    let _ = waiting.post_message(&JsValue::from_str("skip-waiting"));
                }
                None => {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }
            }
        });
    }
}
