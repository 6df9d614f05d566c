//! What the interface shows of the offline copy: the network and outbox line under the header,
//! the changes the user has to decide on, the unlock screen, and the panel that sets the copy up.

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
use leptos::task::spawn_local;
use leptos::{ev::SubmitEvent, prelude::*};

use super::{AUTO_LOCK_MINUTES, Lock, ShellKept, use_offline};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::Field;

/// Shortest device code accepted.
pub const MIN_CODE: usize = 6;
/// Longest device code accepted (a passphrase).
pub const MAX_CODE: usize = 128;

/// "En ligne · 2 modifications en attente", and the new version's notice.
#[component]
pub fn NetworkStatus() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_offline();
    let update = move |_| {
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        super::watch::sw::activate_waiting();
    };
    // One text for the line, one for the alert: few view shapes, since every distinct one adds its
    // rendering code to the first download.
    let line = move || {
        let mut line = String::from(if state.network.online.get() {
            t_string!(i18n, offline.online)
        } else {
            t_string!(i18n, offline.offline)
        });
        let waiting = state.waiting.get();
        if waiting > 0 {
            line.push_str(" · ");
            line.push_str(&t_string!(i18n, offline.waiting, count = waiting).to_string());
        }
        match state.shell.get() {
            ShellKept::Kept => {
                line.push_str(&format!(" · {}", t_string!(i18n, offline.shell_kept)))
            }
            ShellKept::Keeping => {
                line.push_str(&format!(" · {}", t_string!(i18n, offline.shell_keeping)))
            }
            ShellKept::Unknown => {}
        }
        line
    };
    // Missing code, a damaged copy: one alert, in words.
    let alert = move || {
        let mut alert = String::new();
        if state.network.chunk_missing.get() {
            alert.push_str(t_string!(i18n, offline.chunk_missing));
        }
        if state.damaged.get() {
            if !alert.is_empty() {
                alert.push(' ');
            }
            alert.push_str(t_string!(i18n, offline.damaged));
        }
        (!alert.is_empty())
            .then(|| view! { <p class="notice notice--error" role="alert">{alert}</p> })
    };
    view! {
        <div class="net-status" role="status" data-online=move || state.network.online.get().to_string()>
            <span class="net-status__dot" aria-hidden="true"></span>
            {line}
        </div>
        {move || state.update_ready.get().then(|| view! {
            <div class="notice notice--update" role="status">
                <p>{t!(i18n, offline.update_ready)}</p>
                <button type="button" class="button button--small" on:click=update>{t!(i18n, offline.update)}</button>
            </div>
        })}
        {alert}
    }
}

/// The device code's form: to unlock (one field) or to set up (twice).
#[component]
fn CodeForm(set_up: bool) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_offline();
    let code = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = code.get_untracked();
        if set_up {
            if typed.chars().count() < MIN_CODE || typed.len() > MAX_CODE {
                error.set(Some(t_string!(i18n, offline.code_short).to_string()));
                return;
            }
            if typed != again.get_untracked() {
                error.set(Some(t_string!(i18n, offline.code_mismatch).to_string()));
                return;
            }
        }
        error.set(None);
        pending.set(true);
        let _ = (state, &typed);
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        spawn_local(async move {
            use super::offline::{UnlockError, split};
            mark("carnet:unlock-start");
            let result = split::use_code(set_up, zeroize::Zeroizing::new(typed))
                .await
                .unwrap_or_else(|missing| Err(missing.into()));
            code.set(String::new());
            again.set(String::new());
            pending.set(false);
            match result {
                Ok(()) => {
                    mark("carnet:unlocked");
                    state.wiped.set(false);
                    state.lock.set(Lock::Unlocked);
                    // The pages read again, now from the copy if there is no network.
                    state.synced.update(|n| *n += 1);
                    if state.network.online.get_untracked() {
                        // Said "ready" only once it holds the record: a lock meanwhile would
                        // leave the rest out.
                        state.filling.set(true);
                        let _ = split::after_unlock().await;
                        state.filling.set(false);
                    }
                }
                Err(UnlockError::Wrong { tries_left }) => {
                    state.lock.set(Lock::Locked { tries_left });
                    error.set(Some(t_string!(i18n, offline.wrong, left = tries_left).to_string()));
                }
                Err(UnlockError::Wiped) => {
                    // Not read again: opening the database would create it anew.
                    state.lock.set(Lock::Off);
                    state.wiped.set(true);
                    state.waiting.set(0);
                    state.changes.set(Vec::new());
                }
                Err(UnlockError::NoCopy) => {
                    state.lock.set(Lock::Off);
                    error.set(Some(t_string!(i18n, offline.no_copy).to_string()));
                }
                Err(UnlockError::Storage) => {
                    error.set(Some(t_string!(i18n, offline.storage).to_string()))
                }
                Err(UnlockError::Unavailable) => {
                    error.set(Some(t_string!(i18n, offline.unlock_missing).to_string()))
                }
            }
        });
    };
    let prefix = if set_up { "offline-new" } else { "offline-code" };
    let label = move || {
        if pending.get() {
            if set_up {
                t_string!(i18n, offline.setting_up)
            } else {
                t_string!(i18n, offline.unlocking)
            }
        } else if set_up {
            t_string!(i18n, offline.set_up)
        } else {
            t_string!(i18n, offline.unlock)
        }
    };
    let tries = move || match state.lock.get() {
        Lock::Locked { tries_left }
            if tries_left < super::MAX_TRIES && error.with(Option::is_none) =>
        {
            Some(view! { <p>{t_string!(i18n, offline.wrong, left = tries_left).to_string()}</p> })
        }
        _ => None,
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            {move || error.get().map(|text| view! { <p class="form__alert" role="alert">{text}</p> })}
            {tries}
            <Field id=prefix label=Signal::derive(move || t_string!(i18n, offline.code).to_string()) value=code kind=Signal::stored("password") autocomplete="off" error=Signal::stored(None::<String>) />
            {set_up.then(|| view! {
                <Field id="offline-again" label=Signal::derive(move || t_string!(i18n, offline.code_again).to_string()) value=again kind=Signal::stored("password") autocomplete="off" error=Signal::stored(None::<String>) />
            })}
            <p><button type="submit" class="button" aria-busy=move || pending.get().to_string() disabled=pending>{label}</button></p>
        </form>
    }
}

/// Shown instead of the pages while the copy is locked and there is no server.
#[component]
pub fn UnlockGate() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_offline();
    view! {
        <section class="panel gate" aria-labelledby="gate-heading">
            <h1 id="gate-heading">{t!(i18n, offline.gate_heading)}</h1>
            {move || match state.lock.get() {
                _ if state.wiped.get() => view! { <p class="form__alert" role="alert">{t!(i18n, offline.wiped)}</p> }.into_any(),
                // Without the code that reads the copy, nothing to unlock with yet: say so.
                Lock::Unknown => view! {
                    <p role="status">
                        {move || if state.network.chunk_missing.get() {
                            t_string!(i18n, offline.unlock_missing)
                        } else {
                            t_string!(i18n, account.loading)
                        }}
                    </p>
                }.into_any(),
                _ => view! { <p>{t!(i18n, offline.gate_text)}</p><CodeForm set_up=false /> }.into_any(),
            }}
        </section>
    }
}

/// The panel of the record page: set the copy up, lock it, delete it.
#[component]
pub fn OfflineSection() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_offline();
    let lock_now = move |_| {
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        super::offline::lock();
        state.lock.set(Lock::Locked { tries_left: super::MAX_TRIES });
        state.changes.set(Vec::new());
    };
    let remove = move |_| {
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        spawn_local(super::offline::wipe_copy());
        state.lock.set(Lock::Off);
        state.waiting.set(0);
        state.changes.set(Vec::new());
    };
    let hydrated = super::use_hydrated();
    let body = move || {
        match if hydrated.get() { state.lock.get() } else { Lock::Unknown } {
        Lock::Unknown => view! { <p role="status">{t!(i18n, account.loading)}</p> }.into_any(),
        Lock::Off => view! {
            <p>{t!(i18n, offline.section_text)}</p>
            {move || state.wiped.get().then(|| view! { <p class="form__alert" role="alert">{t!(i18n, offline.wiped)}</p> })}
            <CodeForm set_up=true />
        }.into_any(),
        Lock::Locked { .. } => view! {
            <p class="offline__state">{t!(i18n, offline.locked)}</p>
            <CodeForm set_up=false />
            <p><button type="button" class="button button--secondary" on:click=remove>{t!(i18n, offline.remove)}</button></p>
        }.into_any(),
        Lock::Unlocked => view! {
            <p class="offline__state" role="status">{move || if state.filling.get() {
                t_string!(i18n, offline.filling)
            } else {
                t_string!(i18n, offline.active)
            }}</p>
            <p>
                <button type="button" class="button button--secondary" on:click=lock_now>{t!(i18n, offline.lock_now)}</button>
                " "
                <button type="button" class="button button--secondary" on:click=remove>{t!(i18n, offline.remove)}</button>
            </p>
        }.into_any(),
    }
    };
    view! {
        <section class="panel" aria-labelledby="offline-heading">
            <h2 id="offline-heading">{t!(i18n, offline.section_heading)}</h2>
            {body}
            <p class="hint">{t_string!(i18n, offline.autolock, minutes = AUTO_LOCK_MINUTES).to_string()}</p>
        </section>
    }
}

/// A performance mark, for the benchmark of unlocking (`scripts/bench-offline.mjs`).
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}
