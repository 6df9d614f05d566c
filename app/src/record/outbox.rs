//! The device's outbox on the record page, when it holds something: what waits to be sent, its
//! progress, and what the person must decide (a conflict, a refusal).

use leptos::prelude::*;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::cache::outbox::{Change, State, What};
use crate::cache::use_offline;
use crate::i18n::{t, t_string, use_i18n};
use crate::profile::view::summary;

fn what_label(i18n: leptos_i18n::I18nContext<crate::i18n::Locale>, change: &Change) -> String {
    match &change.what {
        What::NewEntry { entry } => {
            let summary = summary(i18n, entry);
            format!("{} · {summary}", t_string!(i18n, offline.new_entry))
        }
        What::EditEntry { entry, .. } => {
            let summary = summary(i18n, entry);
            format!("{} · {summary}", t_string!(i18n, offline.edit_entry))
        }
        What::NewDocument { deposit } => {
            format!("{} · {}", t_string!(i18n, offline.new_document), deposit.title)
        }
    }
}

/// The outbox, when it holds something: what waits, and what the user must decide.
#[component]
pub fn OutboxPanel() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_offline();
    let choose = move |id: String, keep_mine: bool| {
        let _ = (&id, keep_mine);
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        spawn_local(async move {
            let _ = crate::cache::offline::split::resolve(id, keep_mine).await;
        });
    };
    let item = move |change: Change| {
        let label = what_label(i18n, &change);
        let id = change.id.clone();
        let sending_id = id.clone();
        let progress = move || {
            state.sending.get().filter(|(id, ..)| *id == sending_id).map(|(_, received, size)| {
                let percent = (received * 100).checked_div(size).unwrap_or(0);
                let label = t_string!(i18n, record.sending, percent = percent).to_string();
                view! { <progress class="outbox__progress" max=size.to_string() value=received.to_string() aria-label=label></progress> }
            })
        };
        let mine = change.entry().map(|entry| summary(i18n, entry));
        let detail = match &change.state {
            State::Waiting => view! { <p class="outbox__state">{t!(i18n, offline.waiting_one)}</p>{progress} }.into_any(),
            State::Conflict { theirs, their_version } => {
                let (mine_id, theirs_id) = (id.clone(), id.clone());
                let version = *their_version;
                view! {
                    <p class="outbox__state"><strong>{t!(i18n, offline.conflict)}</strong></p>
                    <dl class="outbox__versions">
                        <dt>{t!(i18n, offline.mine)}</dt>
                        <dd>{mine}</dd>
                        <dt>{t_string!(i18n, offline.theirs, version = version).to_string()}</dt>
                        <dd>{summary(i18n, theirs)}</dd>
                    </dl>
                    <p class="outbox__actions">
                        <button type="button" class="button button--small" on:click=move |_| choose(mine_id.clone(), true)>{t!(i18n, offline.keep_mine)}</button>
                        " "
                        <button type="button" class="button button--secondary button--small" on:click=move |_| choose(theirs_id.clone(), false)>{t!(i18n, offline.keep_theirs)}</button>
                    </p>
                }.into_any()
            }
            State::Refused { .. } => view! {
                <p class="outbox__state">{t!(i18n, offline.refused)}</p>
                <p><button type="button" class="button button--secondary button--small" on:click=move |_| choose(id.clone(), false)>{t!(i18n, offline.discard)}</button></p>
            }.into_any(),
        };
        view! { <li class="outbox__item"><p class="outbox__what">{label}</p>{detail}</li> }
    };
    let hydrated = crate::cache::use_hydrated();
    move || {
        if !hydrated.get() {
            return None;
        }
        let changes = state.changes.get();
        let locked_waiting = changes.is_empty() && state.waiting.get() > 0;
        (!changes.is_empty() || locked_waiting).then(|| {
            view! {
                <section class="panel outbox" aria-labelledby="outbox-heading">
                    <h2 id="outbox-heading">{t!(i18n, offline.outbox_heading)}</h2>
                    {locked_waiting.then(|| view! {
                        <p>{t!(i18n, offline.locked_outbox)}" "
                            <A href="/mon-compte">{t!(i18n, offline.unlock_where)}</A>
                        </p>
                    })}
                    <ul class="outbox__list">{changes.into_iter().map(item).collect_view()}</ul>
                </section>
            }
        })
    }
}
