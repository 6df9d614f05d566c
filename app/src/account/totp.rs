//! Turning on an authenticator app from "my account": draw a secret, add it to the app (link
//! or key typed by hand), confirm with a code the app shows.

use leptos::{either::EitherOf3, ev::SubmitEvent, prelude::*};

use crate::api::account::{Secret, TotpConfirm, TotpSetup, TotpSetupRequest};
use crate::client::{ApiFailure, Submission};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn AuthenticatorSection(enabled: bool) -> impl IntoView {
    let i18n = use_i18n();
    let setup = RwSignal::new(None::<TotpSetup>);
    let done = RwSignal::new(enabled);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let start = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let on_drawn = move |drawn| {
            password.set(String::new());
            setup.set(Some(drawn));
        };
        let request = TotpSetupRequest {
            current_password: Secret::new(password.get_untracked()),
            current_code: None,
        };
        form.post_answered("/api/account/totp/setup", request, on_drawn);
    };

    let confirm = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = match crate::api::validate::parse_code(&code.get_untracked()) {
            Ok(typed) => typed,
            Err(error) => {
                form.refuse(ApiFailure::Refused(crate::api::ErrorBody {
                    field: Some("code".into()),
                    input: Some(error),
                    ..crate::api::ErrorBody::new(crate::api::ErrorCode::Input)
                }));
                return;
            }
        };
        let request = TotpConfirm { code: Secret::new(typed) };
        let on_enabled = move |_: Option<()>| {
            setup.set(None);
            done.set(true);
        };
        form.post("/api/account/totp/enable", request, on_enabled);
    };

    view! {
        <section class="panel" aria-labelledby="totp-heading">
            <h2 id="totp-heading">{t!(i18n, account.totp_heading)}</h2>
            {move || {
                if done.get() {
                    let text = if enabled {
                        t_string!(i18n, account.totp_on).to_string()
                    } else {
                        t_string!(i18n, account.totp_enabled_now).to_string()
                    };
                    EitherOf3::A(view! { <p role="status">{text}</p> })
                } else if let Some(drawn) = setup.get() {
                    EitherOf3::B(view! {
                        <p>{t!(i18n, account.totp_scan)}</p>
                        <p>
                            <a href=drawn.uri.clone()>{t!(i18n, account.totp_link)}</a>
                        </p>
                        <p>
                            {t!(i18n, account.totp_key)} ": "
                            <code class="secret" translate="no">{group(&drawn.secret)}</code>
                        </p>
                        <form class="form" on:submit=confirm novalidate>
                            <FormAlert failure />
                            <Field
                                id="totp-code"
                                label=Signal::derive(move || t_string!(i18n, form.code).to_string())
                                hint=Signal::derive(move || {
                                    t_string!(i18n, account.totp_code_hint).to_string()
                                })
                                value=code
                                autocomplete="one-time-code"
                                inputmode="numeric"
                                error=field_error(i18n, failure, "code")
                            />
                            <SubmitButton
                                pending
                                label=Signal::derive(move || {
                                    t_string!(i18n, account.totp_confirm).to_string()
                                })
                            />
                        </form>
                    })
                } else {
                    EitherOf3::C(view! {
                        <p>{t!(i18n, account.totp_off)}</p>
                        <form class="form" on:submit=start novalidate>
                            <FormAlert failure />
                            <Field
                                id="totp-password"
                                label=Signal::derive(move || t_string!(i18n, account.totp_password).to_string())
                                value=password
                                kind=Signal::stored("password")
                                autocomplete="current-password"
                                error=field_error(i18n, failure, "current_password")
                            />
                            <SubmitButton
                                pending
                                label=Signal::derive(move || t_string!(i18n, account.totp_start).to_string())
                            />
                        </form>
                    })
                }
            }}
        </section>
    }
}

/// "ABCDEFGH…" → "ABCD EFGH …", easier to copy by eye.
fn group(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk))
        .collect::<Vec<_>>()
        .join(" ")
}
