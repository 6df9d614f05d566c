//! The documents of a record as people see them: a list, newest care first, each opening in
//! the app (image, PDF, text) with a download link; and the form that deposits a new one with
//! its progress.

use leptos::{ev::SubmitEvent, html, prelude::*};

use crate::account::InputError;
use crate::api::{ErrorBody, ErrorCode};
use crate::client::{ApiFailure, Submission};
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::policy::Action;
use crate::ui::form::{Field, FormAlert, SubmitButton, field_error};
use crate::{
    record::{AuthorInfo, DocumentInfo, MaskRequest},
    vocabulary::{Category, MediaType, valid_loinc},
};
use leptos_i18n::I18nContext;

pub fn category_label(i18n: I18nContext<Locale>, category: Category) -> String {
    match category {
        Category::Reports => t_string!(i18n, category.reports),
        Category::Summaries => t_string!(i18n, category.summaries),
        Category::Imaging => t_string!(i18n, category.imaging),
        Category::LabResults => t_string!(i18n, category.lab_results),
        Category::Prescriptions => t_string!(i18n, category.prescriptions),
        Category::Dispensing => t_string!(i18n, category.dispensing),
        Category::CarePlans => t_string!(i18n, category.care_plans),
        Category::Certificates => t_string!(i18n, category.certificates),
        Category::Reimbursement => t_string!(i18n, category.reimbursement),
        Category::PatientOwn => t_string!(i18n, category.patient_own),
        Category::Administrative => t_string!(i18n, category.administrative),
    }
    .to_string()
}

/// A document open in the app, and the version of it kept on this device, if it is.
pub type Opened = Option<(DocumentInfo, Option<u32>)>;

/// One document: its title, what it is, and the actions the server says the asker may take on it.
#[component]
pub fn DocumentCard(
    record: String,
    document: DocumentInfo,
    patient_side: bool,
    refresh: Callback<()>,
    /// Set to the document when "Open" is pressed.
    open: RwSignal<Opened>,
    /// Its buttons' submission: pending while one is on its way, and what went wrong.
    form: Submission,
    /// Keeping it on the device, apart from the buttons' requests.
    keeping: Submission,
    /// The title is the heading of the page (the document's own page).
    #[prop(optional)]
    heading: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = form.pending();
    let kept = crate::cache::use_offline().kept;
    let base = format!("/api/records/{record}/documents");
    let download = format!("{base}/{}/content?download=true", document.id);
    let may = |action: Action| document.allowed.contains(&action);
    // A button that posts to `{document}/{verb}`, then reads the list again.
    let post_button = |verb: &str, text: fn(I18nContext<Locale>) -> String, aria: String| {
        let path = format!("{base}/{}/{verb}", document.id);
        let click = move |_| {
            let on_done = move |_: Option<()>| refresh.run(());
            form.post(path.clone(), (), on_done);
        };
        view! {
            <button type="button" class="button button--secondary" on:click=click disabled=pending aria-label=aria>
                {move || text(i18n)}
            </button>
        }
    };
    let title_of = document.title.clone();
    // Its author releases a result held back.
    let announce = may(Action::Announce).then(|| {
        let aria = t_string!(i18n, record.announce_label, title = title_of.clone());
        post_button(
            "announce",
            |i18n| t_string!(i18n, record.announce).to_string(),
            aria.to_string(),
        )
    });
    let withdraw = may(Action::Withdraw).then(|| {
        let aria = t_string!(i18n, record.withdraw_label, title = title_of.clone());
        post_button(
            "withdraw",
            |i18n| t_string!(i18n, record.withdraw).to_string(),
            aria.to_string(),
        )
    });
    let can_mask = may(Action::Mask);
    let mask_path = format!("{base}/{}/mask", document.id);
    let masked = document.masked;
    let toggle = move |_| {
        let on_done = move |_: Option<()>| refresh.run(());
        let request = MaskRequest { masked: !masked };
        form.post(mask_path.clone(), request, on_done);
    };
    let shown = document.clone();
    let title = document.title.clone();
    let keep = patient_side.then(|| {
        view! { <keeping::KeepOffline record=record.clone() document=document.clone() form=keeping /> }
    });
    let (shown_id, shown_version) = (document.id.clone(), document.version);
    let kept_version = move || {
        kept.with_untracked(|kept| {
            kept.iter().any(|(id, v)| *id == shown_id && *v == shown_version)
        })
        .then_some(shown_version)
    };
    view! {
        <div class="document">
            {if heading {
                view! { <h2 class="document__title">{document.title.clone()}</h2> }.into_any()
            } else {
                view! { <p class="document__title">{document.title.clone()}</p> }.into_any()
            }}
            <DocumentMeta document=document.clone() />
            <div class="actions">
                <button type="button" class="button" on:click=move |_| open.set(Some((shown.clone(), kept_version())))
                    aria-label=t_string!(i18n, record.open_label, title = title.clone()).to_string()>
                    {t!(i18n, record.open)}
                </button>
                <a class="button button--secondary" href=download download="">
                    {t!(i18n, record.download)}
                </a>
                {can_mask.then(|| view! {
                    <button type="button" class="button button--secondary" on:click=toggle disabled=pending>
                        {if masked { t_string!(i18n, record.unmask) } else { t_string!(i18n, record.mask) }}
                    </button>
                })}
                {announce}
                {withdraw}
            </div>
            {keep}
        </div>
    }
}

/// What a document is, in one line: category, day of care, author, and its marks.
#[component]
pub fn DocumentMeta(document: DocumentInfo) -> impl IntoView {
    let i18n = use_i18n();
    let author = author_name(i18n, &document.author);
    view! {
        <p class="document__meta">
            {move || category_label(i18n, document.category)} " · "
            {document.care_date.clone()} " · " {author}
            {document.masked.then(|| view! { " · " <strong>{t!(i18n, record.masked)}</strong> })}
            {document.withdrawn.then(|| view! { " · " <strong>{t!(i18n, record.withdrawn)}</strong> })}
            {document.awaiting_announcement.then(|| view! { " · " <strong>{t!(i18n, record.awaiting)}</strong> })}
            {document.hidden_from_representatives.then(|| view! { " · " <strong>{t!(i18n, record.confidential_mark)}</strong> })}
        </p>
    }
}

/// Who wrote a document, as people say it.
pub fn author_name(i18n: I18nContext<Locale>, author: &AuthorInfo) -> String {
    match author {
        AuthorInfo::Patient => t_string!(i18n, record.by_patient).to_string(),
        AuthorInfo::Insurer => t_string!(i18n, record.by_insurer).to_string(),
        AuthorInfo::Professional { name, .. } => name.clone(),
    }
}

/// One document shown in the app: an image, a PDF in a frame, or text. `kept`: this version is
/// kept on the device, and is shown from there (no network needed).
#[component]
pub fn Viewer(
    base: String,
    document: DocumentInfo,
    kept: Option<u32>,
    close: RwSignal<Opened>,
) -> impl IntoView {
    let i18n = use_i18n();
    let from_network = format!("{base}/{}/content", document.id);
    let src = RwSignal::new(kept.is_none().then_some(from_network));
    if let Some(version) = kept {
        keeping::show_kept(document.id.clone(), version, document.media_type, src);
    }
    let title = document.title.clone();
    let media_type = document.media_type;
    let body = move || {
        let src = src.get()?;
        Some(match media_type {
            MediaType::Jpeg | MediaType::Png => {
                view! { <img class="viewer__image" src=src alt=title.clone() /> }.into_any()
            }
            MediaType::Pdf | MediaType::Text => {
                view! { <iframe class="viewer__frame" src=src title=title.clone()></iframe> }
                    .into_any()
            }
        })
    };
    view! {
        <section class="viewer" aria-labelledby="viewer-heading">
            <h2 id="viewer-heading">{document.title.clone()}</h2>
            {kept.is_some().then(|| view! { <p class="hint">{t!(i18n, record.kept_shown)}</p> })}
            {body}
            <button type="button" class="button button--secondary" on:click=move |_| close.set(None)>
                {t!(i18n, record.close)}
            </button>
        </section>
    }
}

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
    abilities: super::RecordAbilities,
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
    let names_drugs =
        move || matches!(category.get(), Category::Prescriptions | Category::Dispensing);
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
        let code = type_code.get_untracked().trim().to_owned();
        if !code.is_empty() && !valid_loinc(&code) {
            form.refuse(local("type_code", InputError::TypeCodeInvalid));
            return;
        }
        let prescribed_exam = match exam_kind.get_untracked().as_str() {
            _ if category.get_untracked() != Category::Prescriptions => None,
            "lab_results" => Some(Category::LabResults),
            "imaging" => Some(Category::Imaging),
            _ => None,
        };
        let prescribed_code = exam_code.get_untracked().trim().to_owned();
        if prescribed_exam.is_some() && !valid_loinc(&prescribed_code) {
            form.refuse(local("exam_code", InputError::TypeCodeInvalid));
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let Some(file) =
                file_input.get_untracked().and_then(|i| i.files()).and_then(|f| f.get(0))
            else {
                form.refuse(local("file", InputError::MediaType));
                return;
            };
            let request = crate::record::DepositRequest {
                title: title.get_untracked(),
                category: category.get_untracked(),
                type_code: (!code.is_empty()).then_some(code),
                care_date: care_date.get_untracked(),
                media_type: match file.type_().as_str() {
                    "application/pdf" => MediaType::Pdf,
                    "image/jpeg" => MediaType::Jpeg,
                    "image/png" => MediaType::Png,
                    "text/plain" => MediaType::Text,
                    _ => {
                        form.refuse(local("file", InputError::MediaType));
                        return;
                    }
                },
                size: file.size() as u64,
                domain: None,
                replaces: None,
                hidden_from_representatives: confidential.get_untracked(),
                awaiting_announcement: held_back.get_untracked(),
                substances: if matches!(
                    category.get_untracked(),
                    Category::Prescriptions | Category::Dispensing
                ) {
                    substances
                        .get_untracked()
                        .split([',', ';', '\n'])
                        .map(str::trim)
                        .filter(|name| !name.is_empty())
                        .map(str::to_owned)
                        .collect()
                } else {
                    Vec::new()
                },
            };
            let interaction_check = (!request.substances.is_empty()
                && prescribed.with_untracked(Vec::is_empty))
            .then(|| crate::safety::interactions::PrescriptionCheck {
                substances: request.substances.clone(),
            });
            let (record, csrf) = (record.clone(), csrf.clone());
            // The exam deposited, or the exam this prescription prescribes.
            let exam = match (request.category, prescribed_exam) {
                (Category::LabResults | Category::Imaging, _) => {
                    request.type_code.clone().map(|code| (request.category, code))
                }
                (_, Some(kind)) => Some((kind, prescribed_code.clone())),
                _ => None,
            };
            let check =
                exam.filter(|_| repeated.with_untracked(Vec::is_empty)).map(|(kind, code)| {
                    let kind = serde_json::to_value(kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let query = crate::api::query_string([
                        ("category", kind.as_str()),
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
                let mut sent =
                    super::upload::upload(&record, &csrf, &key, &file, request.clone(), report)
                        .await;
                // No network: the patient's own document waits on the device.
                if matches!(sent, Err(ApiFailure::Network))
                    && !professional
                    && let Some(content) = super::upload::read_file(&file).await
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

/// Documents the patient keeps offline: the choice on each, and showing a kept one from the
/// device. The bytes are sealed in the copy like everything else (`cache::offline`).
mod keeping {
    use leptos::prelude::*;

    use crate::cache::Lock;
    use crate::client::Submission;
    use crate::i18n::{t, t_string, use_i18n};
    use crate::{record::DocumentInfo, vocabulary::MediaType};

    /// "Garder hors ligne", shown while the copy is unlocked.
    #[component]
    pub fn KeepOffline(record: String, document: DocumentInfo, form: Submission) -> impl IntoView {
        let i18n = use_i18n();
        let offline = crate::cache::use_offline();
        let busy = form.pending();
        // Read without panicking: the list is built anew when the record is read again, and an
        // update of this box already queued (the lock changing) can run after it is gone.
        let busy_now = move || busy.try_get().unwrap_or(false);
        let input_id = format!("keep-{}", document.id);
        let id = document.id.clone();
        let kept = offline.kept;
        let checked = move || kept.with(|kept| kept.iter().any(|(kept, _)| *kept == id));
        let title = document.title.clone();
        let change = move |event: leptos::ev::Event| {
            let keep = event_target_checked(&event);
            let _ = (&record, &document, keep, form);
            #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
            {
                use crate::cache::offline::split;
                let (record, id, version) = (record.clone(), document.id.clone(), document.version);
                form.run(async move {
                    let done = split::keep_document(record, id, version, keep)
                        .await
                        .unwrap_or_else(|missing| Err(missing.into()));
                    if let Ok(now) = split::kept_documents().await {
                        kept.set(now);
                    }
                    done
                });
            }
        };
        let hydrated = crate::cache::use_hydrated();
        move || {
            (hydrated.get() && offline.lock.get() == Lock::Unlocked).then(|| {
                let label = t_string!(i18n, record.keep_offline_label, title = title.clone()).to_string();
                view! {
                    <div class="checkbox">
                        <input id=input_id.clone() type="checkbox" prop:checked=checked.clone() on:change=change.clone()
                            disabled=busy_now aria-label=label />
                        <label for=input_id.clone()>{t!(i18n, record.keep_offline)}</label>
                        {move || busy_now().then(|| view! { <span role="status">{t!(i18n, record.keeping)}</span> })}
                    </div>
                }
            })
        }
    }

    /// Opens the kept bytes into a `blob:` address of the right type for the viewer, taken back
    /// when the viewer closes. Nothing goes to the network.
    pub fn show_kept(
        document_id: String,
        version: u32,
        media_type: MediaType,
        src: RwSignal<Option<String>>,
    ) {
        let _ = (&document_id, version, media_type, src);
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        {
            let made = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
            let revoke = made.clone();
            on_cleanup(move || {
                if let Some(url) = revoke.lock().ok().and_then(|mut url| url.take()) {
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
            });
            leptos::task::spawn_local(async move {
                let bytes = crate::cache::offline::split::kept_content(document_id, version)
                    .await
                    .ok()
                    .flatten();
                let Some(bytes) = bytes else { return };
                let kind = match media_type {
                    MediaType::Pdf => "application/pdf",
                    MediaType::Jpeg => "image/jpeg",
                    MediaType::Png => "image/png",
                    MediaType::Text => "text/plain;charset=utf-8",
                };
                let Some(blob) = crate::record::upload::blob_of(&bytes, Some(kind)) else {
                    return;
                };
                if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                    if let Ok(mut made) = made.lock() {
                        *made = Some(url.clone());
                    }
                    src.set(Some(url));
                }
            });
        }
    }
}
