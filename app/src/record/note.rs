//! A note the patient writes in the app: a text document of their own, dated today. Sent at once
//! with a network; without one, it waits in the device's outbox like any change made offline.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::InputError;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
use crate::client::ApiFailure;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};
use crate::{
    api::record::DepositRequest,
    vocabulary::{Category, MediaType},
};

/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 20_000;

/// What is wrong with a note's text, if anything: empty, too long, or with control characters
/// other than line breaks and tabs.
pub fn text_problem(text: &str) -> Option<InputError> {
    let bad = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    (text.trim().is_empty() || text.chars().count() > NOTE_MAX_CHARS || text.chars().any(bad))
        .then_some(InputError::TextInvalid)
}

/// The deposit a note becomes.
pub fn deposit(title: &str, text: &str, care_date: String) -> DepositRequest {
    let title = title.trim().to_owned();
    DepositRequest::plain(
        title,
        Category::PatientOwn,
        care_date,
        MediaType::Text,
        text.len() as u64,
    )
}

#[component]
pub fn NoteForm(record: String, refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let form = crate::client::Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let text_error = RwSignal::new(false);
    let done = RwSignal::new(false);
    let queued = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        done.set(false);
        queued.set(false);
        form.clear();
        let body = text.get_untracked();
        text_error.set(text_problem(&body).is_some());
        if text_error.get_untracked() {
            return;
        }
        let request = deposit(&title.get_untracked(), &body, crate::client::today().to_string());
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        {
            let (record, csrf) = (record.clone(), form.csrf());
            form.run(async move {
                use super::upload;
                let content = zeroize::Zeroizing::new(body.into_bytes());
                let sent = match (upload::new_key(), crate::client::upload::blob_of(&content, None))
                {
                    (Ok(key), Some(blob)) => {
                        match crate::client::upload::upload(
                            &record,
                            &csrf,
                            &key,
                            &blob,
                            request.clone(),
                            |_, _| {},
                        )
                        .await
                        {
                            Err(ApiFailure::Network) => {
                                if upload::keep_for_later(&record, key, request, content).await {
                                    queued.set(true);
                                    Ok(())
                                } else {
                                    Err(ApiFailure::Network)
                                }
                            }
                            Ok(_) => {
                                done.set(true);
                                Ok(())
                            }
                            Err(refused) => Err(refused),
                        }
                    }
                    _ => Err(ApiFailure::Network),
                };
                sent?;
                title.set(String::new());
                text.set(String::new());
                refresh.run(());
                Ok(())
            });
        }
        #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
        let _ = (&record, refresh, request);
    };

    view! {
        <form class="form" on:submit=submit novalidate aria-labelledby="note-heading">
            <h2 id="note-heading">{t!(i18n, record.note_heading)}</h2>
            <p class="field__hint">{t!(i18n, record.note_hint)}</p>
            <FormAlert failure />
            <Field id="note-title" label=Signal::derive(move || t_string!(i18n, record.note_title).to_string())
                value=title autocomplete="off" error=field_error(i18n, failure, "title") />
            <div class="field" class:field--invalid=move || text_error.get()>
                <label for="note-text">{t!(i18n, record.note_text)}</label>
                <textarea id="note-text" name="note-text" rows="6" required
                    aria-describedby=move || text_error.get().then_some("note-text-error")
                    aria-invalid=move || text_error.get().then_some("true")
                    bind:value=text></textarea>
                {move || text_error.get().then(|| view! { <p class="field__error" id="note-text-error">{t!(i18n, record.note_too_long)}</p> })}
            </div>
            {move || done.get().then(|| view! { <p class="notice" role="status">{t!(i18n, record.note_saved)}</p> })}
            {move || queued.get().then(|| view! { <p class="notice" role="status">{t!(i18n, offline.queued)}</p> })}
            <SubmitButton pending label=Signal::derive(move || t_string!(i18n, record.note_save).to_string()) />
        </form>
    }
}
