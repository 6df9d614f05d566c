//! "Historique des accès": every access to the record and every change, newest first, in plain
//! words; an emergency access stands out; filtered and paged by the server.

use leptos::prelude::*;

use crate::client;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::record::history::{AccessEvent, HistoryFilter, HistoryPage, history_uri};
use crate::record::page::MoreButton;
use crate::ui::form::FormAlert;
use leptos_i18n::I18nContext;

fn action_label(i18n: I18nContext<Locale>, action: &str) -> String {
    match action {
        "document.read" => t_string!(i18n, history.document_read).to_string(),
        "document.info" => t_string!(i18n, history.document_info).to_string(),
        "document.deposit" => t_string!(i18n, history.document_deposit).to_string(),
        "document.mask" | "document.unmask" => t_string!(i18n, history.document_mask).to_string(),
        "document.withdraw" => t_string!(i18n, history.document_withdraw).to_string(),
        "documents.list" | "timeline.list" | "documents.count" => {
            t_string!(i18n, history.documents_list).to_string()
        }
        "record.export" => t_string!(i18n, history.export).to_string(),
        "profile.list" | "profile.history" => t_string!(i18n, history.profile_read).to_string(),
        "profile.create" | "profile.edit" | "profile.remove" => {
            t_string!(i18n, history.profile_write).to_string()
        }
        "grant.give" | "grant.revoke" | "grant.block" | "grant.unblock" => {
            t_string!(i18n, history.grant).to_string()
        }
        "account.login" => t_string!(i18n, history.login).to_string(),
        "account.login_failed" | "account.code_failed" | "account.password_confirm_failed" => {
            t_string!(i18n, history.login_failed).to_string()
        }
        "account.opened_by_professional" | "professional.record_opened" => {
            t_string!(i18n, history.opened).to_string()
        }
        "account.break_glass_access" | "break_glass.start" => {
            t_string!(i18n, history.break_glass_start).to_string()
        }
        "break_glass.end" => t_string!(i18n, history.break_glass_end).to_string(),
        "account.activated" => t_string!(i18n, history.activated).to_string(),
        "notifications.list" | "notifications.read" | "notifications.channels_read" => {
            t_string!(i18n, history.notifications).to_string()
        }
        "notifications.channels" => t_string!(i18n, history.channels).to_string(),
        "emergency_link.create" | "emergency_link.revoke" | "emergency_link.list" => {
            t_string!(i18n, history.link).to_string()
        }
        "emergency_link.view" => t_string!(i18n, history.link_viewed).to_string(),
        "summary.export" => t_string!(i18n, history.summary).to_string(),
        "history.list" | "history.proof" => t_string!(i18n, history.history_read).to_string(),
        "record.open" | "record.open_represented" => t_string!(i18n, history.opened).to_string(),
        "break_glass.refuse" | "break_glass.accept" | "regular_doctor.set" => {
            t_string!(i18n, history.settings).to_string()
        }
        other if other.starts_with("account.") => t_string!(i18n, history.account).to_string(),
        _ => action.to_owned(),
    }
}

fn who(i18n: I18nContext<Locale>, event: &AccessEvent) -> String {
    match event.actor_kind.as_str() {
        "patient" | "account" => t_string!(i18n, history.you).to_string(),
        "representative" => t_string!(i18n, history.representative).to_string(),
        "insurer" => t_string!(i18n, record.by_insurer).to_string(),
        "responder" => t_string!(i18n, history.responder).to_string(),
        _ => {
            let role = event
                .role
                .as_deref()
                .and_then(|code| {
                    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
                })
                .map(|profession| crate::pro::profession_label(i18n, profession));
            match role {
                Some(role) => format!("{} ({role})", event.actor_name),
                None => event.actor_name.clone(),
            }
        }
    }
}

/// The record's access history, a page at a time (the server filters and pages it; "older
/// entries" appends the next page). `professional`: shown on a professional's record page (the
/// server sends them their own actions, or all professionals' to the regular doctor).
#[component]
pub fn AccessHistory(record: String, #[prop(optional)] professional: bool) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let chosen = Memo::new(move |_| HistoryFilter::from_code(&filter.get()));
    let first = {
        let record = record.clone();
        Resource::new(
            move || history_uri(&record, chosen.get(), None),
            |uri| client::get::<HistoryPage>(&uri),
        )
    };
    // Pages after the first, appended by "older entries"; forgotten when the filter changes.
    let more = RwSignal::new(Vec::<AccessEvent>::new());
    let more_older = RwSignal::new(None::<Option<u64>>);
    let reading = client::Submission::new();
    let (failure, loading_more) = (reading.failure(), reading.pending());
    Effect::new(move |_| {
        chosen.track();
        more.set(Vec::new());
        more_older.set(None);
        reading.clear();
    });
    let older = move || match more_older.get() {
        Some(older) => older,
        None => first.get().and_then(Result::ok).and_then(|page| page.older),
    };
    let load_more = Callback::new(move |()| {
        let Some(before) = older() else { return };
        let asked = chosen.get_untracked();
        let uri = history_uri(&record, asked, Some(before));
        reading.run(async move {
            let answer = client::get::<HistoryPage>(&uri).await;
            // An answer for another filter than the one now chosen belongs to no list shown.
            if chosen.get_untracked() != asked {
                return Ok(());
            }
            let page = answer?;
            more.update(|events| events.extend(page.events));
            more_older.set(Some(page.older));
            Ok(())
        });
    });
    let list = move || {
        first.get().map(|result| match result {
            Err(_) => view! { <p role="alert">{t!(i18n, errors.network)}</p> }.into_any(),
            // A first page can be empty and the next not (the server looks through so many
            // entries for one answer): what "older entries" brings shows all the same.
            Ok(page) if page.events.is_empty() && more.with(Vec::is_empty) => {
                view! { <p>{t!(i18n, history.empty)}</p> }.into_any()
            }
            Ok(page) => {
                let rows = page
                    .events
                    .into_iter()
                    .chain(more.get())
                    .map(|event| {
                        let when = crate::emergency::moment(event.at);
                        let what = action_label(i18n, &event.action);
                        let by = who(i18n, &event);
                        let urgent = event.break_glass;
                        let refused = !event.allowed;
                        view! {
                            <li class="history__event" class:history__event--urgent=urgent>
                                <p class="history__when"><time>{when}</time>
                                    {urgent.then(|| view! { " · " <strong>{t!(i18n, history.break_glass)}</strong> })}
                                    {refused.then(|| view! { " · " <strong>{t!(i18n, history.refused)}</strong> })}
                                </p>
                                <p>{by}" — "{what}</p>
                            </li>
                        }
                    })
                    .collect_view();
                // Which filter the list shown was read with (the tests wait for it).
                view! { <ol class="history" data-filter=chosen.get_untracked().code()>{rows}</ol> }.into_any()
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">{t!(i18n, history.heading)}</h2>
            <p class="hint">
                {move || if professional {
                    t_string!(i18n, history.pro_intro).to_string()
                } else {
                    t_string!(i18n, history.intro).to_string()
                }}
            </p>
            <div class="field">
                <label for="history-filter">{t!(i18n, history.filter)}</label>
                <select id="history-filter" bind:value=filter>
                    <option value="">{t!(i18n, history.all)}</option>
                    <option value="professionals">{t!(i18n, history.professionals)}</option>
                    <option value="break_glass">{t!(i18n, history.break_glass)}</option>
                    <option value="refused">{t!(i18n, history.refused_filter)}</option>
                </select>
            </div>
            <FormAlert failure />
            // The button to read further reads the first page too: under the same Suspense, so
            // that the server renders it as the browser hydrates it.
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>
                {list}
                {move || older().map(|_| view! {
                    <MoreButton loading=loading_more label=|i18n| t_string!(i18n, history.more).to_string() on_click=load_more />
                })}
            </Suspense>
        </section>
    }
}
