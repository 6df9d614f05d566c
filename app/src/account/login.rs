//! Login: contact and password, then the code sent to the contact.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::account::code_step::FormThenCode;
use crate::api::account::{CodeSent, LoginRequest, Secret};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let contact = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let sent = RwSignal::new(None::<CodeSent>);

    let error_of = move |field| field_error(i18n, failure, field);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = LoginRequest {
            contact: contact.get_untracked(),
            password: Secret::new(password.get_untracked()),
        };
        let on_sent = move |code_sent| {
            password.set(String::new());
            sent.set(Some(code_sent));
        };
        form.post_answered("/api/account/login", request, on_sent);
    };

    let form = move || {
        view! {
            <form class="form" on:submit=submit novalidate>
                <FormAlert failure />
                <Field
                    id="contact"
                    label=Signal::derive(move || t_string!(i18n, form.contact).to_string())
                    value=contact
                    autocomplete="username"
                    error=error_of("contact")
                />
                <Field
                    id="password"
                    label=Signal::derive(move || t_string!(i18n, form.password).to_string())
                    value=password
                    kind=Signal::stored("password")
                    autocomplete="current-password"
                    error=error_of("password")
                />
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, login.submit).to_string()) />
            </form>
            <p>
                <A href="/mot-de-passe-oublie">{t!(i18n, recover.forgot)}</A>
            </p>
            <p>
                {t!(i18n, login.no_account)} " " <A href="/inscription">{t!(i18n, nav.signup)}</A>
            </p>
        }
    };

    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, login.title).to_string()) />
        <h1>{t!(i18n, login.heading)}</h1>
        <FormThenCode
            sent
            form
            code_heading=Signal::derive(move || t_string!(i18n, login.code_heading).to_string())
            code_submit=Signal::derive(move || t_string!(i18n, login.code_submit).to_string())
        />
    }
}
