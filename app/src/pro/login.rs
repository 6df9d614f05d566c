//! Professional login: the card file and its PIN. The PIN never leaves the browser: it opens
//! the card file here, the card signs the server's fresh challenge, and only the signature is
//! sent.

use leptos::{ev::SubmitEvent, html, prelude::*};
use leptos_router::hooks::use_navigate;

use crate::api::InputError;
use crate::api::{ErrorBody, ErrorCode};
use crate::client::{ApiFailure, Submission};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

/// A refusal decided in the browser, shown like the server's.
fn local_failure(field: &str, error: InputError) -> ApiFailure {
    ApiFailure::Refused(ErrorBody {
        field: Some(field.to_owned()),
        input: Some(error),
        ..ErrorBody::new(ErrorCode::Input)
    })
}

#[component]
pub fn ProLoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let card_input = NodeRef::<html::Input>::new();
    let pin = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let navigate = use_navigate();

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed_pin = pin.get_untracked();
        if !crate::api::pro::valid_pin(&typed_pin) {
            form.refuse(local_failure("pin", InputError::PinInvalid));
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let file =
                card_input.get_untracked().and_then(|input| input.files()).and_then(|f| f.get(0));
            let Some(file) = file else {
                form.refuse(local_failure("card", InputError::CardFileInvalid));
                return;
            };
            let navigate = navigate.clone();
            form.run(async move {
                log_in(file, &typed_pin).await?;
                pin.set(String::new());
                navigate("/pro", Default::default());
                Ok(())
            });
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (&navigate, card_input, typed_pin);
        }
    };

    let card_error = field_error(i18n, failure, "card");
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, pro.login_title).to_string()) />
        <h1>{t!(i18n, pro.login_heading)}</h1>
        <p>{t!(i18n, pro.login_intro)}</p>
        <form class="form" on:submit=submit novalidate>
            <FormAlert failure />
            <div class="field" class:field--invalid=move || card_error.get().is_some()>
                <label for="card">{t!(i18n, pro.card_file)}</label>
                <p class="field__hint" id="card-hint">{t!(i18n, pro.card_file_hint)}</p>
                <input
                    id="card"
                    name="card"
                    type="file"
                    accept=".json,application/json"
                    required=true
                    node_ref=card_input
                    aria-describedby=move || {
                        if card_error.get().is_some() { "card-hint card-error" } else { "card-hint" }
                    }
                    aria-invalid=move || card_error.get().is_some().then_some("true")
                />
                {move || card_error.get().map(|text| view! { <p class="field__error" id="card-error">{text}</p> })}
            </div>
            <Field
                id="pin"
                label=Signal::derive(move || t_string!(i18n, pro.pin).to_string())
                value=pin
                kind=Signal::stored("password")
                autocomplete="off"
                inputmode="numeric"
                error=field_error(i18n, failure, "pin")
            />
            <SubmitButton pending label=Signal::derive(move || t_string!(i18n, pro.login_submit).to_string()) />
        </form>
    }
}

/// Reads the card, asks for a challenge, signs it, and logs in.
#[cfg(feature = "hydrate")]
async fn log_in(file: web_sys::File, pin: &str) -> Result<(), ApiFailure> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    use super::card;
    use crate::api::pro::{CardChallenge, CardLogin, ProMe};
    use crate::client;

    let not_a_card = || local_failure("card", InputError::CardFileInvalid);
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.map_err(|_| not_a_card())?;
    let card = card::parse(&text.as_string().unwrap_or_default()).map_err(|_| not_a_card())?;
    let challenge = client::post::<_, CardChallenge>("/api/pro/challenge", &(), None)
        .await?
        .ok_or(ApiFailure::Network)?;
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .ok_or(ApiFailure::Network)?;
    let message = crate::api::pro::card_login_message(&origin, &challenge.challenge);
    let signature = card::sign(&card, pin, &message).await.map_err(|failure| {
        let field = if failure == card::CardFailure::WrongPin { "pin" } else { "card" };
        local_failure(field, failure.into())
    })?;
    let login = CardLogin {
        rpps: card.rpps.to_string(),
        challenge: challenge.challenge,
        signature: URL_SAFE_NO_PAD.encode(signature),
    };
    client::post::<_, ProMe>("/api/pro/login", &login, None).await?.ok_or(ApiFailure::Network)?;
    Ok(())
}
