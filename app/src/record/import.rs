//! Bringing a record from elsewhere: a FHIR R4 file (another system's export, a summary, a
//! Carnet export) picked on the device, sent whole, and what became of each of its parts. The
//! server maps it and says what it skipped; sending the same file again adds nothing.

use leptos::{ev::SubmitEvent, html, prelude::*};

use crate::api::record::{ImportReport, ImportSkipReason};
use crate::api::{ErrorBody, ErrorCode, InputError};
use crate::client::{ApiFailure, Submission};
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::form::{FormAlert, SubmitButton, field_error};

/// No file picked: said on the file's field.
fn no_file() -> ApiFailure {
    ApiFailure::Refused(ErrorBody {
        field: Some("bundle".to_owned()),
        input: Some(InputError::MediaType),
        ..ErrorBody::new(ErrorCode::Input)
    })
}

/// The import form, on the patient's *Documents* page (its code fetched when opened). `imported`: called once the
/// record holds what came in (the list reads it again).
#[component]
pub fn RecordImport(record: String, imported: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let file_input = NodeRef::<html::Input>::new();
    let form = Submission::new();
    let (failure, pending) = (form.failure(), form.pending());
    let report = RwSignal::new(None::<ImportReport>);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        report.set(None);
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        {
            let file =
                file_input.get_untracked().and_then(|input| input.files()).and_then(|f| f.get(0));
            let Some(file) = file else {
                form.refuse(no_file());
                return;
            };
            let record = record.clone();
            form.run(async move {
                let csrf = crate::client::csrf();
                let done = crate::client::upload::import(&record, &csrf, &file).await?;
                report.set(Some(done));
                imported.run(());
                Ok(())
            });
        }
        #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
        let _ = (file_input, &record, imported, no_file);
    };

    let file_error = field_error(i18n, failure, "bundle");
    view! {
        <div class="import">
            <form class="form" on:submit=submit novalidate>
                <FormAlert failure />
                <div class="field" class:field--invalid=move || file_error.get().is_some()>
                    <label for="import-file">{t!(i18n, record.import_file)}</label>
                    <p class="field__hint" id="import-hint">{t!(i18n, record.import_hint)}</p>
                    <input
                        id="import-file"
                        name="bundle"
                        type="file"
                        accept=".json,application/json,application/fhir+json"
                        required=true
                        node_ref=file_input
                        aria-describedby=move || {
                            if file_error.get().is_some() { "import-hint import-error" } else { "import-hint" }
                        }
                        aria-invalid=move || file_error.get().is_some().then_some("true")
                    />
                    {move || file_error.get().map(|text| view! { <p class="field__error" id="import-error">{text}</p> })}
                </div>
                <SubmitButton pending label=Signal::derive(move || t_string!(i18n, record.import_submit).to_string()) />
            </form>
            <div role="status">
                {move || pending.get().then(|| view! { <p>{t!(i18n, record.import_pending)}</p> })}
                {move || report.get().map(|report| view! { <ImportOutcome report /> })}
            </div>
        </div>
    }
}

/// What an import did, in words.
#[component]
fn ImportOutcome(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let done = t_string!(
        i18n,
        record.import_done,
        added = report.added,
        already = report.already,
        kept = report.kept
    )
    .to_string();
    let skipped = report.skipped.clone();
    let found = !report.interactions.is_empty() || !report.duplicates.is_empty();
    let findings = found.then(|| {
        let list = crate::safety::view::findings_list(i18n, report.interactions, report.duplicates);
        view! { <p>{t!(i18n, record.import_findings)}</p> {list} }
    });
    view! {
        <p>{done}</p>
        {findings}
        {(!skipped.is_empty()).then(|| view! {
            <p>{t!(i18n, record.import_skipped)}</p>
            <ul class="import-skipped">
                {skipped.into_iter().map(|skip| {
                    let reason = match skip.reason {
                        ImportSkipReason::NotAllowed => t_string!(i18n, record.import_not_allowed),
                        ImportSkipReason::Invalid => t_string!(i18n, record.import_invalid),
                        ImportSkipReason::UnsupportedFile => t_string!(i18n, record.import_unsupported_file),
                        ImportSkipReason::Withdrawn => t_string!(i18n, record.import_withdrawn),
                    };
                    view! { <li>{format!("{} — {reason}", skip.resource)}</li> }
                }).collect_view()}
            </ul>
        })}
    }
}
