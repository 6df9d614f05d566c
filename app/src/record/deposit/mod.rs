//! Depositing a document: the form, with its progress, the checks it makes before sending
//! (repeated exams, interactions of a prescription) and, without a network, the patient's own
//! document kept for later. What the fields make is [`request::build`], pure and tested on the
//! host.

pub mod request;

pub use request::{Deposit, DepositFields, build};

use leptos::{ev::SubmitEvent, html, prelude::*};

use super::documents::category_label;
#[cfg(feature = "hydrate")]
use crate::api::{ErrorBody, ErrorCode, InputError};
#[cfg(feature = "hydrate")]
use crate::client::ApiFailure;
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};
use crate::vocabulary::Category;

/// A field refused in the browser, shown like the server's refusal of it.
#[cfg(feature = "hydrate")]
fn local(field: &str, error: InputError) -> ApiFailure {
    ApiFailure::Refused(ErrorBody {
        field: Some(field.to_owned()),
        input: Some(error),
        ..ErrorBody::new(ErrorCode::Input)
    })
}

/// Deposits a document, offering what the server's policy lets this person deposit here
/// (`abilities`): the categories (one: no choice shown), and whether a result may be held back
/// or a document hidden from the representatives.
#[component]
pub fn DepositForm(
    record: String,
    abilities: crate::api::record::RecordAbilities,
    refresh: Callback<()>,
) -> impl IntoView {
    let csrf = crate::client::csrf();
    let categories = abilities.deposit.clone();
    let i18n = use_i18n();
    let file_input = NodeRef::<html::Input>::new();
    let title = RwSignal::new(String::new());
    let care_date = RwSignal::new(String::new());
    let type_code = RwSignal::new(String::new());
    let category = RwSignal::new(categories.first().copied().unwrap_or(Category::PatientOwn));
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let progress = RwSignal::new(None::<(u64, u64)>);
    let done = RwSignal::new(false);
    // Kept on the device for lack of a network.
    let queued = RwSignal::new(false);
    let several = categories.len() > 1;
    // A professional's deposit (typed, checked for repeated exams); the patient's own otherwise.
    let professional = categories.iter().any(|category| *category != Category::PatientOwn);
    let (may_hold_back, may_hide) = (abilities.hold_back, abilities.hide_from_representatives);
    let confidential = RwSignal::new(false);
    let held_back = RwSignal::new(false);
    // Exams of the same type already in the record; once shown, the next send goes ahead.
    let repeated = RwSignal::new(Vec::<crate::safety::exams::RepeatedExam>::new());
    // A prescription's substances, and what the thesaurus found of them (same: shown once).
    let substances = RwSignal::new(String::new());
    let prescribed = RwSignal::new(Vec::<crate::safety::interactions::Prescribed>::new());
    let names_drugs = move || category.get().names_medicines();
    // A prescription may prescribe an exam: checked against the same exams done recently.
    let exam_kind = RwSignal::new(String::new());
    let exam_code = RwSignal::new(String::new());

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        done.set(false);
        queued.set(false);
        #[cfg(feature = "hydrate")]
        {
            let Some(file) =
                file_input.get_untracked().and_then(|i| i.files()).and_then(|f| f.get(0))
            else {
                form.refuse(local("file", InputError::MediaType));
                return;
            };
            let fields = DepositFields {
                title: title.get_untracked(),
                category: category.get_untracked(),
                type_code: type_code.get_untracked(),
                care_date: care_date.get_untracked(),
                file_type: file.type_(),
                size: file.size() as u64,
                confidential: confidential.get_untracked(),
                held_back: held_back.get_untracked(),
                substances: substances.get_untracked(),
                exam_kind: exam_kind.get_untracked(),
                exam_code: exam_code.get_untracked(),
            };
            let Deposit { request, exam } = match build(fields) {
                Ok(deposit) => deposit,
                Err((field, error)) => {
                    form.refuse(local(field, error));
                    return;
                }
            };
            let interaction_check = (!request.substances.is_empty()
                && prescribed.with_untracked(Vec::is_empty))
            .then(|| crate::safety::interactions::PrescriptionCheck {
                substances: request.substances.clone(),
            });
            let (record, csrf) = (record.clone(), csrf.clone());
            let check =
                exam.filter(|_| repeated.with_untracked(Vec::is_empty)).map(|(kind, code)| {
                    let query = crate::api::query_string([
                        ("category", <&str>::from(kind)),
                        ("type_code", code.as_str()),
                        ("care_date", request.care_date.as_str()),
                    ]);
                    format!("/api/records/{record}/exams/repeated{query}")
                });
            form.run(async move {
                if let Some(path) = check
                    && let Ok(found) =
                        crate::client::get::<Vec<crate::safety::exams::RepeatedExam>>(&path).await
                    && !found.is_empty()
                {
                    // Shown above the button, which now deposits it anyway.
                    repeated.set(found);
                    return Ok(());
                }
                if let Some(body) = interaction_check {
                    let path = format!("/api/records/{record}/interactions/check");
                    let found = crate::client::post::<
                        _,
                        Vec<crate::safety::interactions::Prescribed>,
                    >(&path, &body, Some(&csrf))
                    .await?;
                    if let Some(found) = found.filter(|found| !found.is_empty()) {
                        prescribed.set(found);
                        return Ok(());
                    }
                }
                let report = move |received, size| progress.set(Some((received, size)));
                let key = super::upload::new_key().map_err(|_| ApiFailure::Network)?;
                let mut sent = crate::client::upload::upload(
                    &record,
                    &csrf,
                    &key,
                    &file,
                    request.clone(),
                    report,
                )
                .await;
                // No network: the patient's own document waits on the device.
                if matches!(sent, Err(ApiFailure::Network))
                    && !professional
                    && let Some(content) = crate::client::upload::read_file(&file).await
                    && super::upload::keep_for_later(&record, key, request, content).await
                {
                    queued.set(true);
                    sent = Ok(None);
                }
                progress.set(None);
                sent?;
                title.set(String::new());
                type_code.set(String::new());
                confidential.set(false);
                held_back.set(false);
                repeated.set(Vec::new());
                substances.set(String::new());
                prescribed.set(Vec::new());
                exam_kind.set(String::new());
                exam_code.set(String::new());
                if let Some(input) = file_input.get_untracked() {
                    input.set_value("");
                }
                done.set(!queued.get_untracked());
                refresh.run(());
                Ok(())
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&record, &csrf, refresh);
    };

    let file_error = field_error(i18n, failure, "file");
    let options = categories
        .into_iter()
        .map(|c| {
            let value = serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            view! { <option value=value>{move || category_label(i18n, c)}</option> }
        })
        .collect_view();
    let set_category = move |event: leptos::ev::Event| {
        let value = serde_json::Value::String(event_target_value(&event));
        if let Ok(chosen) = serde_json::from_value(value) {
            category.set(chosen);
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate aria-labelledby="deposit-heading">
            <h2 id="deposit-heading">{t!(i18n, record.deposit_heading)}</h2>
            <FormAlert failure />
            <div class="field" class:field--invalid=move || file_error.get().is_some()>
                <label for="file">{t!(i18n, record.file)}</label>
                <p class="field__hint" id="file-hint">{t!(i18n, record.file_hint)}</p>
                <input id="file" name="file" type="file" required=true node_ref=file_input
                    accept=".pdf,.jpg,.jpeg,.png,.txt,application/pdf,image/jpeg,image/png,text/plain"
                    aria-describedby=move || if file_error.get().is_some() { "file-hint file-error" } else { "file-hint" }
                    aria-invalid=move || file_error.get().is_some().then_some("true") />
                {move || file_error.get().map(|text| view! { <p class="field__error" id="file-error">{text}</p> })}
            </div>
            <Field id="title" label=Signal::derive(move || t_string!(i18n, record.title_field).to_string())
                value=title autocomplete="off" error=field_error(i18n, failure, "title") />
            {several.then(|| view! {
                <div class="field">
                    <label for="category">{t!(i18n, record.category)}</label>
                    <select id="category" name="category" on:change=set_category>{options}</select>
                </div>
            })}
            <Field id="care_date" label=Signal::derive(move || t_string!(i18n, record.care_date).to_string())
                value=care_date kind=Signal::stored("date") autocomplete="off" error=field_error(i18n, failure, "care_date") />
            {professional.then(|| view! {
                <Field id="type_code" label=Signal::derive(move || t_string!(i18n, record.type_code).to_string())
                    hint=Signal::derive(move || t_string!(i18n, record.type_code_hint).to_string())
                    value=type_code autocomplete="off" optional=true error=field_error(i18n, failure, "type_code") />
            })}
            {move || (category.get() == Category::Prescriptions).then(|| view! {
                <div class="field">
                    <label for="exam-kind">{t!(i18n, record.prescribed_exam)}</label>
                    <select id="exam-kind" bind:value=exam_kind>
                        <option value="">{t!(i18n, record.no_exam)}</option>
                        <option value="lab_results">{move || category_label(i18n, Category::LabResults)}</option>
                        <option value="imaging">{move || category_label(i18n, Category::Imaging)}</option>
                    </select>
                </div>
                {move || (!exam_kind.get().is_empty()).then(|| view! {
                    <Field id="exam_code" label=Signal::derive(move || t_string!(i18n, record.exam_code).to_string())
                        value=exam_code autocomplete="off" error=field_error(i18n, failure, "exam_code") />
                })}
            })}
            {move || names_drugs().then(|| view! {
                <Field id="substances" label=Signal::derive(move || t_string!(i18n, record.substances).to_string())
                    hint=Signal::derive(move || t_string!(i18n, record.substances_hint).to_string())
                    value=substances autocomplete="off" optional=true error=field_error(i18n, failure, "substances") />
            })}
            {may_hide.then(|| view! {
                <div class="checkbox">
                    <input id="deposit-confidential" type="checkbox" prop:checked=confidential
                        on:change=move |e| confidential.set(event_target_checked(&e)) />
                    <label for="deposit-confidential">{t!(i18n, record.confidential)}</label>
                </div>
            })}
            {may_hold_back.then(|| view! {
                <div class="checkbox">
                    <input id="deposit-held-back" type="checkbox" prop:checked=held_back
                        on:change=move |e| held_back.set(event_target_checked(&e)) />
                    <label for="deposit-held-back">{t!(i18n, record.held_back)}</label>
                </div>
            })}
            {move || progress.get().map(|(received, size)| {
                let percent = (received * 100).checked_div(size).unwrap_or(0);
                view! {
                    <p role="status">
                        <label for="upload-progress">{t_string!(i18n, record.sending, percent = percent).to_string()}</label>
                        <progress id="upload-progress" max=size.to_string() value=received.to_string()></progress>
                    </p>
                }
            })}
            {move || done.get().then(|| view! { <p class="notice" role="status">{t!(i18n, record.deposited)}</p> })}
            {move || queued.get().then(|| view! { <p class="notice" role="status">{t!(i18n, offline.queued)}</p> })}
            {move || repeated.with(|found| (!found.is_empty()).then(|| {
                let items = found.iter().map(|exam| {
                    let text = t_string!(i18n, record.repeated_item, title = exam.title.clone(), date = exam.care_date.clone(), days = exam.days_apart).to_string();
                    let origin = exam.reimbursed.then(|| format!(" — {}", t_string!(i18n, record.repeated_reimbursed)));
                    view! { <li>{text}{origin}</li> }
                }).collect_view();
                let window = found.first().map_or(0, |exam| exam.window_days);
                view! {
                    <div class="safety" role="alert">
                        <p><strong>{t_string!(i18n, record.repeated, days = window).to_string()}</strong></p>
                        <ul>{items}</ul>
                    </div>
                }
            }))}
            {move || prescribed.with(|found| (!found.is_empty()).then(|| {
                let items = found.iter().cloned().map(|p| view! {
                    <li>
                        <p><strong>{t_string!(i18n, record.prescribed_found, substance = p.substance.clone()).to_string()}</strong></p>
                        {crate::safety::view::findings_list(i18n, p.interactions, p.duplicates)}
                    </li>
                }).collect_view();
                view! {
                    <ul class="prescribed">{items}</ul>
                    <p class="safety__source">{t!(i18n, safety.source)}" "{crate::safety::interactions::SOURCE}</p>
                }
            }))}
            <SubmitButton pending label=Signal::derive(move || if repeated.with(Vec::is_empty) && prescribed.with(Vec::is_empty) {
                t_string!(i18n, record.deposit).to_string()
            } else {
                t_string!(i18n, record.deposit_anyway).to_string()
            }) />
        </form>
    }
}
