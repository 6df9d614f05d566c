//! The documents of a record as people see them: a list, newest care first, each opening in
//! the app (image, PDF, text) with a download link. The form that deposits a new one is
//! `deposit.rs`.

use leptos::prelude::*;

use crate::client::Submission;
use crate::i18n::{Locale, t, t_string, use_i18n};
use crate::policy::Action;
use crate::{
    api::record::{DocumentInfo, MaskRequest},
    vocabulary::{Category, MediaType},
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
    let author = crate::ui::author_name(i18n, &document.author);
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

/// Documents the patient keeps offline: the choice on each, and showing a kept one from the
/// device. The bytes are sealed in the copy like everything else (`cache::offline`).
mod keeping {
    use leptos::prelude::*;

    use crate::cache::Lock;
    use crate::client::Submission;
    use crate::i18n::{t, t_string, use_i18n};
    use crate::{api::record::DocumentInfo, vocabulary::MediaType};

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
                let Some(blob) = crate::client::upload::blob_of(&bytes, Some(kind)) else {
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
