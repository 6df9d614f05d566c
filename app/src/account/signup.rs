//! Sign-up: contact, names, date of birth, password; then the code sent to the contact.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::account::code_step::FormThenCode;
use crate::api::account::{CodeSent, Secret, SignupRequest};
use crate::api::{ErrorBody, ErrorCode};
use crate::api::{InputError, validate};
use crate::client::{self, ApiFailure, Submission};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error, input_error_text};

#[component]
pub fn SignupPage() -> impl IntoView {
    let i18n = use_i18n();
    let contact = RwSignal::new(String::new());
    let given_name = RwSignal::new(String::new());
    let family_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let sent = RwSignal::new(None::<CodeSent>);

    // Errors found in the browser before sending, every field at once.
    let local = RwSignal::new(Vec::<(&'static str, InputError)>::new());
    let error_of = move |field: &'static str| {
        let from_server = field_error(i18n, failure, field);
        Signal::derive(move || {
            local
                .with(|errors| errors.iter().find(|(f, _)| *f == field).map(|(_, e)| *e))
                .map(|error| input_error_text(i18n, error))
                .or_else(|| from_server.get())
        })
    };

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let errors = validate::signup_errors(
            &contact.get_untracked(),
            &given_name.get_untracked(),
            &family_name.get_untracked(),
            &birth_date.get_untracked(),
            &password.get_untracked(),
            client::today(),
        );
        // The summary above the form names the first one; each field shows its own.
        let first = errors.first().map(|(field, error)| {
            ApiFailure::Refused(ErrorBody {
                field: Some((*field).to_owned()),
                input: Some(*error),
                ..ErrorBody::new(ErrorCode::Input)
            })
        });
        local.set(errors);
        if let Some(refused) = first {
            form.refuse(refused);
            return;
        }
        let request = SignupRequest {
            contact: contact.get_untracked(),
            given_name: given_name.get_untracked(),
            family_name: family_name.get_untracked(),
            birth_date: birth_date.get_untracked(),
            password: Secret::new(password.get_untracked()),
        };
        let on_sent = move |code_sent| sent.set(Some(code_sent));
        form.post_answered("/api/account/signup", request, on_sent);
    };

    let form = move || {
        view! {
            <p>{t!(i18n, signup.intro)}</p>
            <form class="form" on:submit=submit novalidate>
                <FormAlert failure />
                <Field
                    id="contact"
                    label=Signal::derive(move || t_string!(i18n, form.contact).to_string())
                    hint=Signal::derive(move || t_string!(i18n, form.contact_hint).to_string())
                    value=contact
                    autocomplete="username"
                    error=error_of("contact")
                />
                <Field
                    id="given_name"
                    label=Signal::derive(move || t_string!(i18n, form.given_name).to_string())
                    value=given_name
                    autocomplete="given-name"
                    error=error_of("given_name")
                />
                <Field
                    id="family_name"
                    label=Signal::derive(move || t_string!(i18n, form.family_name).to_string())
                    value=family_name
                    autocomplete="family-name"
                    error=error_of("family_name")
                />
                <Field
                    id="birth_date"
                    label=Signal::derive(move || t_string!(i18n, form.birth_date).to_string())
                    value=birth_date
                    kind=Signal::stored("date")
                    autocomplete="bday"
                    error=error_of("birth_date")
                />
                <Field
                    id="password"
                    label=Signal::derive(move || t_string!(i18n, form.password).to_string())
                    hint=Signal::derive(move || t_string!(i18n, form.password_hint).to_string())
                    value=password
                    kind=Signal::derive(move || if show_password.get() { "text" } else { "password" })
                    autocomplete="new-password"
                    error=error_of("password")
                />
                <div class="checkbox">
                    <input id="show-password" type="checkbox" bind:checked=show_password />
                    <label for="show-password">{t!(i18n, form.show_password)}</label>
                </div>
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, signup.submit).to_string()) />
            </form>
            <p>
                {t!(i18n, signup.have_account)} " " <A href="/connexion">{t!(i18n, nav.login)}</A>
            </p>
        }
    };

    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, signup.title).to_string()) />
        <h1>{t!(i18n, signup.heading)}</h1>
        <FormThenCode
            sent
            form
            code_heading=Signal::derive(move || t_string!(i18n, signup.code_heading).to_string())
            code_submit=Signal::derive(move || t_string!(i18n, signup.code_submit).to_string())
        />
    }
}
