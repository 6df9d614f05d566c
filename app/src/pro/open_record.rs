//! Opening a record for a patient who is present: an adult, who then activates it with a code
//! sent to their contact; or a minor or protected adult, managed by the legal representative
//! whose consent is recorded here (who: their Carnet account; when: now; how: chosen below).

use leptos::{ev::SubmitEvent, prelude::*};

use crate::api::account::{ConsentMethod, RepresentedKind};
use crate::api::pro::{OpenRecord, OpenRepresentedRecord, RecordOpened};
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};

#[component]
pub fn OpenRecordSection() -> impl IntoView {
    let i18n = use_i18n();
    let given_name = RwSignal::new(String::new());
    let family_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let opened = RwSignal::new(None::<String>);
    let error_of = move |field| field_error(i18n, failure, field);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        opened.set(None);
        let request = OpenRecord {
            given_name: given_name.get_untracked(),
            family_name: family_name.get_untracked(),
            birth_date: birth_date.get_untracked(),
            contact: contact.get_untracked(),
        };
        let on_opened = move |answer: RecordOpened| {
            for field in [given_name, family_name, birth_date, contact] {
                field.set(String::new());
            }
            opened.set(Some(answer.notified));
        };
        form.post_answered("/api/pro/records", request, on_opened);
    };

    view! {
        <section class="section" aria-labelledby="open-heading">
            <h2 id="open-heading">{t!(i18n, pro.open_heading)}</h2>
            <p>{t!(i18n, pro.open_intro)}</p>
            <form class="form" on:submit=submit novalidate aria-labelledby="open-heading">
                <FormAlert failure />
                <Field id="open-given_name" label=Signal::derive(move || t_string!(i18n, form.given_name).to_string())
                    value=given_name autocomplete="off" error=error_of("given_name") />
                <Field id="open-family_name" label=Signal::derive(move || t_string!(i18n, form.family_name).to_string())
                    value=family_name autocomplete="off" error=error_of("family_name") />
                <Field id="open-birth_date" label=Signal::derive(move || t_string!(i18n, form.birth_date).to_string())
                    value=birth_date kind=Signal::stored("date") autocomplete="off" error=error_of("birth_date") />
                <Field id="open-contact" label=Signal::derive(move || t_string!(i18n, pro.patient_contact).to_string())
                    value=contact autocomplete="off" error=error_of("contact") />
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, pro.open_submit).to_string()) />
            </form>
            {move || opened.get().map(|to| view! {
                <p class="notice" role="status">
                    {t_string!(i18n, pro.opened, sent_to = to).to_string()}
                </p>
            })}
        </section>
    }
}

#[component]
pub fn OpenRepresentedSection() -> impl IntoView {
    let i18n = use_i18n();
    let given_name = RwSignal::new(String::new());
    let family_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let kind = RwSignal::new(RepresentedKind::Minor);
    let contact = RwSignal::new(String::new());
    let representative = RwSignal::new(String::new());
    let consent = RwSignal::new(ConsentMethod::InPerson);
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let opened = RwSignal::new(None::<String>);
    let error_of = move |field| field_error(i18n, failure, field);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        opened.set(None);
        let request = OpenRepresentedRecord {
            given_name: given_name.get_untracked(),
            family_name: family_name.get_untracked(),
            birth_date: birth_date.get_untracked(),
            kind: kind.get_untracked(),
            contact: contact.get_untracked(),
            representative_contact: representative.get_untracked(),
            consent: consent.get_untracked(),
        };
        let on_opened = move |answer: RecordOpened| {
            for field in [given_name, family_name, birth_date, contact, representative] {
                field.set(String::new());
            }
            opened.set(Some(answer.notified));
        };
        let path = "/api/pro/records/represented";
        form.post_answered(path, request, on_opened);
    };

    let consent_value = move || match consent.get() {
        ConsentMethod::InPerson => "in_person",
        ConsentMethod::Written => "written",
        ConsentMethod::CourtDecision => "court_decision",
    };
    let set_consent = move |event: leptos::ev::Event| {
        consent.set(match event_target_value(&event).as_str() {
            "written" => ConsentMethod::Written,
            "court_decision" => ConsentMethod::CourtDecision,
            _ => ConsentMethod::InPerson,
        });
    };

    view! {
        <section class="section" aria-labelledby="represented-heading">
            <h2 id="represented-heading">{t!(i18n, pro.represented_heading)}</h2>
            <p>{t!(i18n, pro.represented_intro)}</p>
            <form class="form" on:submit=submit novalidate aria-labelledby="represented-heading">
                <FormAlert failure />
                <fieldset class="choices">
                    <legend>{t!(i18n, pro.kind)}</legend>
                    <label>
                        <input type="radio" name="kind" value="minor"
                            prop:checked=move || kind.get() == RepresentedKind::Minor
                            on:change=move |_| kind.set(RepresentedKind::Minor) />
                        " " {t!(i18n, pro.kind_minor)}
                    </label>
                    <label>
                        <input type="radio" name="kind" value="protected_adult"
                            prop:checked=move || kind.get() == RepresentedKind::ProtectedAdult
                            on:change=move |_| kind.set(RepresentedKind::ProtectedAdult) />
                        " " {t!(i18n, pro.kind_protected)}
                    </label>
                </fieldset>
                <Field id="rep-given_name" label=Signal::derive(move || t_string!(i18n, form.given_name).to_string())
                    value=given_name autocomplete="off" error=error_of("given_name") />
                <Field id="rep-family_name" label=Signal::derive(move || t_string!(i18n, form.family_name).to_string())
                    value=family_name autocomplete="off" error=error_of("family_name") />
                <Field id="rep-birth_date" label=Signal::derive(move || t_string!(i18n, form.birth_date).to_string())
                    value=birth_date kind=Signal::stored("date") autocomplete="off" error=error_of("birth_date") />
                <Field id="rep-contact" label=Signal::derive(move || t_string!(i18n, pro.own_contact).to_string())
                    hint=Signal::derive(move || t_string!(i18n, pro.own_contact_hint).to_string())
                    value=contact autocomplete="off" optional=true error=error_of("contact") />
                <Field id="rep-representative" label=Signal::derive(move || t_string!(i18n, pro.representative_contact).to_string())
                    hint=Signal::derive(move || t_string!(i18n, pro.representative_hint).to_string())
                    value=representative autocomplete="off" error=error_of("representative_contact") />
                <div class="field">
                    <label for="rep-consent">{t!(i18n, pro.consent)}</label>
                    <select id="rep-consent" name="consent" prop:value=consent_value on:change=set_consent>
                        <option value="in_person">{t!(i18n, pro.consent_in_person)}</option>
                        <option value="written">{t!(i18n, pro.consent_written)}</option>
                        <option value="court_decision">{t!(i18n, pro.consent_court)}</option>
                    </select>
                </div>
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, pro.represented_submit).to_string()) />
            </form>
            {move || opened.get().map(|to| view! {
                <p class="notice" role="status">
                    {t_string!(i18n, pro.represented_opened, sent_to = to).to_string()}
                </p>
            })}
        </section>
    }
}
