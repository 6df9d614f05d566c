//! Changing the password from "my account": the current one, then the new one.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::account::{PasswordChange, Secret};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn ChangePasswordSection() -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let changed = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        changed.set(false);
        let request = PasswordChange {
            current_password: Secret::new(current.get_untracked()),
            new_password: Secret::new(new.get_untracked()),
        };
        let on_changed = move |_: Option<()>| {
            current.set(String::new());
            new.set(String::new());
            changed.set(true);
        };
        form.post("/api/account/password", request, on_changed);
    };

    view! {
        <section class="panel" aria-labelledby="password-heading">
            <h2 id="password-heading">{t!(i18n, recover.change_heading)}</h2>
            <form class="form" on:submit=submit novalidate>
                <FormAlert failure />
                {move || {
                    changed.get().then(|| view! { <p role="status">{t!(i18n, recover.changed)}</p> })
                }}
                <Field
                    id="current_password"
                    label=Signal::derive(move || t_string!(i18n, recover.current_password).to_string())
                    value=current
                    kind=Signal::stored("password")
                    autocomplete="current-password"
                    error=field_error(i18n, failure, "current_password")
                />
                <Field
                    id="new_password"
                    label=Signal::derive(move || t_string!(i18n, recover.new_password).to_string())
                    hint=Signal::derive(move || t_string!(i18n, form.password_hint).to_string())
                    value=new
                    kind=Signal::stored("password")
                    autocomplete="new-password"
                    error=field_error(i18n, failure, "new_password")
                />
                <SubmitButton
                    pending
                    label=Signal::derive(move || t_string!(i18n, recover.change_submit).to_string())
                />
            </form>
        </section>
    }
}
