//! "Forgot your password?": a code to the contact, then the code and a new password. The same
//! steps activate a record a professional opened for the patient (`activate`): the patient
//! proves the contact and chooses their first password.

use leptos::{either::Either, ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::api::account::{CodeSent, RecoverFinish, RecoverRequest, Secret};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn RecoverPage(
    /// Activating a record opened by a professional rather than recovering a password.
    #[prop(optional)]
    activate: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let contact = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let sent = RwSignal::new(None::<CodeSent>);

    let ask = move |event: SubmitEvent| {
        event.prevent_default();
        let request = RecoverRequest { contact: contact.get_untracked() };
        let on_sent = move |code_sent| sent.set(Some(code_sent));
        form.post_answered("/api/account/recover", request, on_sent);
    };

    let title = Signal::derive(move || {
        if activate { t_string!(i18n, activate.title) } else { t_string!(i18n, recover.title) }
            .to_string()
    });
    let heading = move || {
        if activate { t_string!(i18n, activate.heading) } else { t_string!(i18n, recover.heading) }
    };
    let intro = move || {
        if activate { t_string!(i18n, activate.intro) } else { t_string!(i18n, recover.intro) }
    };
    view! {
        <PageTitle text=title />
        <h1>{heading}</h1>
        {move || match sent.get() {
            None => Either::Left(view! {
                <p>{intro}</p>
                <form class="form" on:submit=ask novalidate>
                    <FormAlert failure />
                    <Field
                        id="contact"
                        label=Signal::derive(move || t_string!(i18n, form.contact).to_string())
                        value=contact
                        autocomplete="username"
                        error=field_error(i18n, failure, "contact")
                    />
                    <SubmitButton
                        pending
                        label=Signal::derive(move || t_string!(i18n, recover.submit).to_string())
                    />
                </form>
            }),
            Some(code_sent) => Either::Right(view! { <NewPassword sent=code_sent activate /> }),
        }}
    }
}

#[component]
fn NewPassword(sent: CodeSent, activate: bool) -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let done = RwSignal::new(false);
    let challenge = sent.challenge.clone();
    let sent_to = sent.sent_to.clone();

    let finish = move |event: SubmitEvent| {
        event.prevent_default();
        let request = RecoverFinish {
            challenge: challenge.clone(),
            code: Secret::new(code.get_untracked()),
            new_password: Secret::new(password.get_untracked()),
        };
        let on_done = move |_: Option<()>| done.set(true);
        form.post("/api/account/recover/finish", request, on_done);
    };

    move || {
        if done.get() {
            Either::Left(view! {
                <p role="status">
                    {move || {
                        if activate {
                            t_string!(i18n, activate.done)
                        } else {
                            t_string!(i18n, recover.done)
                        }
                    }}
                </p>
                <p>
                    <A href="/connexion">{t!(i18n, nav.login)}</A>
                </p>
            })
        } else {
            let sent_to = sent_to.clone();
            Either::Right(view! {
                <h2 id="new-password-heading">{t!(i18n, recover.code_heading)}</h2>
                <form
                    class="form"
                    on:submit=finish.clone()
                    novalidate
                    aria-labelledby="new-password-heading"
                >
                    <FormAlert failure />
                    <Field
                        id="code"
                        label=Signal::derive(move || t_string!(i18n, form.code).to_string())
                        hint=Signal::derive(move || {
                            t_string!(i18n, form.code_hint, sent_to = sent_to.clone()).to_string()
                        })
                        value=code
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        error=field_error(i18n, failure, "code")
                    />
                    <Field
                        id="new_password"
                        label=Signal::derive(move || t_string!(i18n, recover.new_password).to_string())
                        hint=Signal::derive(move || t_string!(i18n, form.password_hint).to_string())
                        value=password
                        kind=Signal::stored("password")
                        autocomplete="new-password"
                        error=field_error(i18n, failure, "new_password")
                    />
                    <SubmitButton
                        pending
                        label=Signal::derive(move || {
                            if activate {
                                t_string!(i18n, activate.finish)
                            } else {
                                t_string!(i18n, recover.finish)
                            }
                            .to_string()
                        })
                    />
                </form>
            })
        }
    }
}
