//! Depositing a document: the form, with its progress, the checks it makes before sending
//! (repeated exams, interactions of a prescription) and, without a network, the patient's own
//! document kept for later. What the fields make is [`build`], pure and tested on the host.

use leptos::{ev::SubmitEvent, html, prelude::*};

use super::documents::category_label;
use crate::api::InputError;
#[cfg(feature = "hydrate")]
use crate::api::{ErrorBody, ErrorCode};
#[cfg(feature = "hydrate")]
use crate::client::ApiFailure;
use crate::client::Submission;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};
use crate::{
    api::record::DepositRequest,
    vocabulary::{Category, MediaType, valid_loinc},
};

/// The deposit form's fields as typed, and the chosen file's type and size.
#[derive(Clone, Debug)]
pub struct DepositFields {
    pub title: String,
    pub category: Category,
    /// LOINC code of the document's type, or empty.
    pub type_code: String,
    pub care_date: String,
    /// The type the browser gives the file (`application/pdf`); the server checks the bytes.
    pub file_type: String,
    pub size: u64,
    pub confidential: bool,
    pub held_back: bool,
    /// A prescription's or a dispensing's substances, separated by commas, semicolons or lines.
    pub substances: String,
    /// The exam a prescription prescribes (`lab_results`, `imaging`), or empty.
    pub exam_kind: String,
    pub exam_code: String,
}

/// What the fields make: the announcement to send, and the exam to check for repetition (the
/// exam deposited, or the one a prescription prescribes) with its LOINC code.
#[derive(Clone, Debug, PartialEq)]
pub struct Deposit {
    pub request: DepositRequest,
    pub exam: Option<(Category, String)>,
}

/// The deposit the fields describe, or the field to correct and why. The server checks all of
/// it again; this only spares a round trip.
pub fn build(fields: DepositFields) -> Result<Deposit, (&'static str, InputError)> {
    let code = fields.type_code.trim().to_owned();
    if !code.is_empty() && !valid_loinc(&code) {
        return Err(("type_code", InputError::TypeCodeInvalid));
    }
    let prescribed_exam = match fields.exam_kind.as_str() {
        _ if fields.category != Category::Prescriptions => None,
        "lab_results" => Some(Category::LabResults),
        "imaging" => Some(Category::Imaging),
        _ => None,
    };
    let prescribed_code = fields.exam_code.trim().to_owned();
    if prescribed_exam.is_some() && !valid_loinc(&prescribed_code) {
        return Err(("exam_code", InputError::TypeCodeInvalid));
    }
    let media_type = match fields.file_type.as_str() {
        "application/pdf" => MediaType::Pdf,
        "image/jpeg" => MediaType::Jpeg,
        "image/png" => MediaType::Png,
        "text/plain" => MediaType::Text,
        _ => return Err(("file", InputError::MediaType)),
    };
    let names_drugs = fields.category.names_medicines();
    let substances = if names_drugs {
        fields
            .substances
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let exam = match (fields.category, prescribed_exam) {
        (Category::LabResults | Category::Imaging, _) => {
            (!code.is_empty()).then(|| (fields.category, code.clone()))
        }
        (_, Some(kind)) => Some((kind, prescribed_code)),
        _ => None,
    };
    let request = DepositRequest {
        title: fields.title,
        category: fields.category,
        type_code: (!code.is_empty()).then_some(code),
        care_date: fields.care_date,
        media_type,
        size: fields.size,
        domain: None,
        replaces: None,
        hidden_from_representatives: fields.confidential,
        awaiting_announcement: fields.held_back,
        substances,
    };
    Ok(Deposit { request, exam })
}

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
                    view! { <li>{text}</li> }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(category: Category) -> DepositFields {
        DepositFields {
            title: "Bilan".into(),
            category,
            care_date: "2026-11-20".into(),
            file_type: "application/pdf".into(),
            size: 1200,
            type_code: String::new(),
            confidential: false,
            held_back: false,
            substances: String::new(),
            exam_kind: String::new(),
            exam_code: String::new(),
        }
    }

    #[test]
    fn a_plain_document_is_announced_as_typed() {
        let Deposit { request, exam } = build(pdf(Category::Reports)).unwrap();
        assert_eq!(request.title, "Bilan");
        assert_eq!(request.media_type, MediaType::Pdf);
        assert_eq!((request.size, request.type_code, exam), (1200, None, None));
        assert!(request.substances.is_empty());
    }

    #[test]
    fn a_bad_type_code_or_file_type_names_its_field() {
        let typed = DepositFields { type_code: "11502".into(), ..pdf(Category::Reports) };
        assert_eq!(build(typed), Err(("type_code", InputError::TypeCodeInvalid)));
        let odd = DepositFields { file_type: "application/zip".into(), ..pdf(Category::Reports) };
        assert_eq!(build(odd), Err(("file", InputError::MediaType)));
        let prescribed = DepositFields {
            exam_kind: "imaging".into(),
            exam_code: "abc".into(),
            ..pdf(Category::Prescriptions)
        };
        assert_eq!(build(prescribed), Err(("exam_code", InputError::TypeCodeInvalid)));
    }

    #[test]
    fn the_exam_checked_is_the_one_deposited_or_the_one_prescribed() {
        let result = DepositFields { type_code: " 2345-7 ".into(), ..pdf(Category::LabResults) };
        let built = build(result).unwrap();
        assert_eq!(built.request.type_code.as_deref(), Some("2345-7"));
        assert_eq!(built.exam, Some((Category::LabResults, "2345-7".into())));
        let untyped = build(pdf(Category::Imaging)).unwrap();
        assert_eq!(untyped.exam, None, "no type, nothing to compare");
        let prescription = DepositFields {
            exam_kind: "imaging".into(),
            exam_code: "24627-2".into(),
            ..pdf(Category::Prescriptions)
        };
        assert_eq!(build(prescription).unwrap().exam, Some((Category::Imaging, "24627-2".into())));
        // An exam kind left over from a prescription means nothing on another category.
        let report = DepositFields { exam_kind: "imaging".into(), ..pdf(Category::Reports) };
        assert_eq!(build(report).unwrap().exam, None);
    }

    #[test]
    fn substances_are_read_only_for_medicines() {
        let listed = "Warfarine, acide acétylsalicylique;\n ; Paracétamol";
        let prescription =
            DepositFields { substances: listed.into(), ..pdf(Category::Prescriptions) };
        assert_eq!(
            build(prescription).unwrap().request.substances,
            ["Warfarine", "acide acétylsalicylique", "Paracétamol"]
        );
        let report = DepositFields { substances: listed.into(), ..pdf(Category::Reports) };
        assert!(build(report).unwrap().request.substances.is_empty());
    }
}
