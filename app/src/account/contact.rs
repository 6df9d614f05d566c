//! Changing the contact from "my account": the new address or number and the password, then
//! the code sent to that new contact.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::account::{CodeRequest, CodeSent, ContactChange, Me, Secret};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn ContactSection(refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let contact = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<CodeSent>);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());

    let ask = move |event: SubmitEvent| {
        event.prevent_default();
        let request = ContactChange {
            contact: contact.get_untracked(),
            password: Secret::new(password.get_untracked()),
        };
        let on_sent = move |answer| {
            password.set(String::new());
            sent.set(Some(answer));
        };
        form.post_answered("/api/account/contact", request, on_sent);
    };
    let confirm = move |event: SubmitEvent| {
        event.prevent_default();
        let Some(challenge) = sent.get_untracked().map(|s| s.challenge) else { return };
        let request = CodeRequest { challenge, code: Secret::new(code.get_untracked()) };
        let on_done = move |_: Me| {
            sent.set(None);
            contact.set(String::new());
            code.set(String::new());
            refresh.run(());
        };
        form.post_answered("/api/account/contact/verify", request, on_done);
    };
    view! {
        <section class="panel" aria-labelledby="contact-heading">
            <h2 id="contact-heading">{t!(i18n, contact.heading)}</h2>
            {move || match sent.get() {
                None => view! {
                    <form class="form" on:submit=ask novalidate>
                        <FormAlert failure />
                        <Field id="new_contact" label=Signal::derive(move || t_string!(i18n, contact.new_contact).to_string())
                            value=contact autocomplete="username" error=field_error(i18n, failure, "contact") />
                        <Field id="contact_password" label=Signal::derive(move || t_string!(i18n, contact.password).to_string())
                            value=password kind=Signal::stored("password") autocomplete="current-password"
                            error=field_error(i18n, failure, "password") />
                        <SubmitButton pending label=Signal::derive(move || t_string!(i18n, contact.submit).to_string()) />
                    </form>
                }.into_any(),
                Some(answer) => view! {
                    <form class="form" on:submit=confirm novalidate>
                        <FormAlert failure />
                        <Field id="contact_code" label=Signal::derive(move || t_string!(i18n, form.code).to_string())
                            hint=Signal::derive(move || t_string!(i18n, form.code_hint, sent_to = answer.sent_to.clone()).to_string())
                            value=code autocomplete="one-time-code" inputmode="numeric" error=field_error(i18n, failure, "code") />
                        <SubmitButton pending label=Signal::derive(move || t_string!(i18n, contact.confirm).to_string()) />
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
