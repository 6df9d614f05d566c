//! "My account", continued: the records a representative manages (switching between their own
//! and those of the people they represent, or giving up the role), and closing one's record
//! (archive, erasure, reopening).

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::account::{
    ActingFor, CloseRequest, Closed, ReopenRequest, Represented, RepresentedKind, Secret,
    WithdrawRepresentation,
};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

/// Whose record is being managed, and the way back to one's own. Shown on top of the page.
#[component]
pub fn ActingForBanner(person: Represented, refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let name = format!("{} {}", person.given_name, person.family_name);
    let back = move |_| {
        let request = ActingFor { account_id: None };
        let on_done = move |_: Option<()>| refresh.run(());
        form.post("/api/account/acting-for", request, on_done);
    };
    view! {
        <div class="banner" role="status">
            <p>{t_string!(i18n, represent.acting_for, name = name).to_string()}</p>
            <FormAlert failure />
            <button type="button" class="button button--secondary" on:click=back disabled=pending>
                {t!(i18n, represent.back)}
            </button>
        </div>
    }
}

/// The people this account represents, each with "manage" and "give up".
#[component]
pub fn RepresentedSection(
    people: Vec<Represented>,
    acting_for: Option<String>,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    if people.is_empty() {
        return None;
    }
    let rows = people
        .into_iter()
        .map(|person| {
            let name = format!("{} {}", person.given_name, person.family_name);
            let current = acting_for.as_deref() == Some(person.id.as_str());
            let kind = person.kind;
            let (id, id2) = (person.id.clone(), person.id.clone());
            let manage = move |_| {
                let request = ActingFor { account_id: Some(id.clone()) };
                let on_done = move |_: Option<()>| refresh.run(());
                let path = "/api/account/acting-for";
                form.post(path, request, on_done);
            };
            let withdraw = move |_| {
                let request = WithdrawRepresentation { account_id: id2.clone() };
                let on_done = move |_: Option<()>| refresh.run(());
                let path = "/api/account/representation/withdraw";
                form.post(path, request, on_done);
            };
            let label = name.clone();
            view! {
                <li class="person">
                    <p class="person__name">{name}</p>
                    <p class="person__detail">
                        {move || match kind {
                            RepresentedKind::Minor => t_string!(i18n, represent.minor),
                            RepresentedKind::ProtectedAdult => t_string!(i18n, represent.protected_adult),
                        }}
                        " · "
                        {t_string!(i18n, represent.born, date = person.birth_date.clone()).to_string()}
                    </p>
                    <div class="actions">
                        {(!current).then(|| view! {
                            <button type="button" class="button" on:click=manage disabled=pending
                                aria-label=t_string!(i18n, represent.manage_label, name = label.clone()).to_string()>
                                {t!(i18n, represent.manage)}
                            </button>
                        })}
                        <button type="button" class="button button--secondary" on:click=withdraw disabled=pending
                            aria-label=t_string!(i18n, represent.withdraw_label, name = label.clone()).to_string()>
                            {t!(i18n, represent.withdraw)}
                        </button>
                    </div>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="panel" aria-labelledby="represented-heading">
            <h2 id="represented-heading">{t!(i18n, represent.heading)}</h2>
            <p>{t!(i18n, represent.intro)}</p>
            <FormAlert failure />
            <ul class="people">{rows}</ul>
        </section>
    })
}

/// Closing the record, asking for its erasure, or reopening it once closed.
#[component]
pub fn CloseSection(closed: Option<Closed>, refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let erase = RwSignal::new(false);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());

    let body = match closed {
        Some(closed) => {
            let reopen_password = RwSignal::new(String::new());
            let reopen = move |event: SubmitEvent| {
                event.prevent_default();
                let request =
                    ReopenRequest { password: Secret::new(reopen_password.get_untracked()) };
                let on_done = move |_: Option<()>| {
                    reopen_password.set(String::new());
                    refresh.run(());
                };
                let path = "/api/account/reopen";
                form.post(path, request, on_done);
            };
            let until = closed.retained_until.clone();
            let erasure = closed.erasure_on.clone();
            let erase_later = closed.erasure_on.is_none().then(|| {
                view! { <CloseForm password erase form refresh erase_only=true /> }
            });
            view! {
                <p role="status">
                    {t_string!(i18n, close.closed_until, date = until).to_string()}
                </p>
                {erasure.map(|date| view! {
                    <p>{t_string!(i18n, close.erasure_on, date = date).to_string()}</p>
                })}
                <form class="form" on:submit=reopen novalidate>
                    <FormAlert failure />
                    <Field
                        id="reopen_password"
                        label=Signal::derive(move || t_string!(i18n, close.reopen_password).to_string())
                        value=reopen_password
                        kind=Signal::stored("password")
                        autocomplete="current-password"
                        error=field_error(i18n, failure, "password")
                    />
                    <SubmitButton pending label=Signal::derive(move || t_string!(i18n, close.reopen).to_string()) />
                </form>
                {erase_later}
            }
            .into_any()
        }
        None => view! {
            <p>{t!(i18n, close.intro)}</p>
            <CloseForm password erase form refresh erase_only=false />
        }
        .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="close-heading">
            <h2 id="close-heading">{t!(i18n, close.heading)}</h2>
            {body}
        </section>
    }
}

#[component]
fn CloseForm(
    password: RwSignal<String>,
    erase: RwSignal<bool>,
    form: Submission,
    refresh: Callback<()>,
    /// The record is already closed: the form only asks for erasure.
    erase_only: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let (failure, pending) = (form.failure(), form.pending());
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = CloseRequest {
            password: Secret::new(password.get_untracked()),
            erase: erase_only || erase.get_untracked(),
        };
        let on_done = move |_: Option<()>| {
            password.set(String::new());
            refresh.run(());
        };
        form.post("/api/account/close", request, on_done);
    };
    let label = move || {
        if erase_only { t_string!(i18n, close.erase_submit) } else { t_string!(i18n, close.submit) }
            .to_string()
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            {(!erase_only).then(|| view! { <FormAlert failure /> })}
            <Field
                id=if erase_only { "erase_password" } else { "close_password" }
                label=Signal::derive(move || t_string!(i18n, close.password).to_string())
                value=password
                kind=Signal::stored("password")
                autocomplete="current-password"
                error=field_error(i18n, failure, "password")
            />
            {(!erase_only).then(|| view! {
                <div class="checkbox">
                    <input id="close_erase" type="checkbox" prop:checked=erase
                        on:change=move |event| erase.set(event_target_checked(&event)) />
                    <label for="close_erase">{t!(i18n, close.erase)}</label>
                </div>
            })}
            <SubmitButton pending label=Signal::derive(label) />
        </form>
    }
}
