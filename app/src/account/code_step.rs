//! The second step of sign-up and login: type the code that was sent to the contact.

use leptos::{either::Either, ev::SubmitEvent, prelude::*};
use leptos_router::hooks::use_navigate;

use crate::api::account::{CodeMethod, CodeRequest, CodeSent, Me, Secret};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, input_error_text};

/// Where a person lands once signed in.
pub const AFTER_LOGIN: &str = "/mon-compte";

/// A form whose success sends a code, then the code step in its place until the person goes
/// back (`sent` set to `None`).
#[component]
pub fn FormThenCode<F, V>(
    sent: RwSignal<Option<CodeSent>>,
    form: F,
    #[prop(into)] code_heading: Signal<String>,
    #[prop(into)] code_submit: Signal<String>,
) -> impl IntoView
where
    F: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match sent.get() {
        None => Either::Left(form()),
        Some(code_sent) => Either::Right(view! {
            <CodeStep
                sent=code_sent
                heading=code_heading
                submit_label=code_submit
                on_restart=move || sent.set(None)
            />
        }),
    }
}

#[component]
pub fn CodeStep(
    sent: CodeSent,
    #[prop(into)] heading: Signal<String>,
    #[prop(into)] submit_label: Signal<String>,
    /// Goes back to the first step (wrong contact, code never arrived).
    #[prop(into)]
    on_restart: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let navigate = use_navigate();
    let challenge = sent.challenge.clone();
    let sent_to = sent.sent_to.clone();
    let method = sent.method;

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form.clear();
        let typed = match crate::api::validate::parse_code(&code.get_untracked()) {
            Ok(typed) => {
                code_error.set(None);
                typed
            }
            Err(error) => {
                code_error.set(Some(input_error_text(i18n, error)));
                return;
            }
        };
        let request = CodeRequest { challenge: challenge.clone(), code: Secret::new(typed) };
        let navigate = navigate.clone();
        let on_signed_in = move |_: Me| navigate(AFTER_LOGIN, Default::default());
        form.post_answered("/api/account/verify", request, on_signed_in);
    };

    view! {
        <h2 id="code-heading">{heading}</h2>
        <form class="form" on:submit=submit novalidate aria-labelledby="code-heading">
            <FormAlert failure />
            <Field
                id="code"
                label=Signal::derive(move || t_string!(i18n, form.code).to_string())
                value=code
                autocomplete="one-time-code"
                inputmode="numeric"
                hint=Signal::derive(move || match method {
                    CodeMethod::Authenticator => t_string!(i18n, account.totp_code_hint).to_string(),
                    CodeMethod::Message => {
                        t_string!(i18n, form.code_hint, sent_to = sent_to.clone()).to_string()
                    }
                })
                error=code_error
            />
            <SubmitButton pending label=submit_label />
        </form>
        <p>
            <button type="button" class="button button--link" on:click=move |_| on_restart.run(())>
                {t!(i18n, login.restart)}
            </button>
        </p>
    }
}
