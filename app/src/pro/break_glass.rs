//! Opening a record in an emergency: the professional identifies the patient (names and birth
//! date, as on an identity document), gives the reason, and is taken to the record.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::hooks::use_navigate;

use crate::api::emergency::{BreakGlassRequest, LiveBreakGlass};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn BreakGlassSection() -> impl IntoView {
    let i18n = use_i18n();
    let given_name = RwSignal::new(String::new());
    let family_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let error_of = move |field| field_error(i18n, failure, field);
    let navigate = use_navigate();

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = BreakGlassRequest {
            given_name: given_name.get_untracked(),
            family_name: family_name.get_untracked(),
            birth_date: birth_date.get_untracked(),
            reason: reason.get_untracked(),
        };
        let navigate = navigate.clone();
        let on_started = move |started: LiveBreakGlass| {
            navigate(&super::record_href(&started.record_id), Default::default());
        };
        form.post_answered("/api/pro/break-glass", request, on_started);
    };
    let reason_error = error_of("reason");

    view! {
        <section class="section" aria-labelledby="break-glass-heading">
            <h2 id="break-glass-heading">{t!(i18n, emergency.start_heading)}</h2>
            <p>{t!(i18n, emergency.start_intro)}</p>
            <form class="form" on:submit=submit novalidate aria-labelledby="break-glass-heading">
                <FormAlert failure />
                <Field id="bg-given_name" label=Signal::derive(move || t_string!(i18n, form.given_name).to_string())
                    value=given_name autocomplete="off" error=error_of("given_name") />
                <Field id="bg-family_name" label=Signal::derive(move || t_string!(i18n, form.family_name).to_string())
                    value=family_name autocomplete="off" error=error_of("family_name") />
                <Field id="bg-birth_date" label=Signal::derive(move || t_string!(i18n, form.birth_date).to_string())
                    value=birth_date kind=Signal::stored("date") autocomplete="off" error=error_of("birth_date") />
                <div class="field" class:field--invalid=move || reason_error.get().is_some()>
                    <label for="bg-reason">{t!(i18n, emergency.reason)}</label>
                    <p class="field__hint" id="bg-reason-hint">{t!(i18n, emergency.reason_hint)}</p>
                    <textarea
                        id="bg-reason"
                        name="bg-reason"
                        rows="3"
                        maxlength="500"
                        required
                        aria-describedby=move || if reason_error.get().is_some() { "bg-reason-hint bg-reason-error" } else { "bg-reason-hint" }
                        aria-invalid=move || reason_error.get().is_some().then_some("true")
                        bind:value=reason
                    ></textarea>
                    {move || reason_error.get().map(|text| view! { <p class="field__error" id="bg-reason-error">{text}</p> })}
                </div>
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, emergency.start_submit).to_string()) />
            </form>
        </section>
    }
}
