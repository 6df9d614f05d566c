//! Interface parts every page uses, whatever it is about: the form's pieces (a labelled field,
//! the refusal above a form, the submit button), the page's title, the sentences for the API's
//! refusals, and the names of who wrote what.

pub mod form;

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;

use crate::api::record::AuthorInfo;
use crate::i18n::{Locale, t_string, use_i18n};

/// Who wrote a document or a profile entry, as people say it.
pub fn author_name(i18n: I18nContext<Locale>, author: &AuthorInfo) -> String {
    match author {
        AuthorInfo::Patient => t_string!(i18n, record.by_patient).to_string(),
        AuthorInfo::Insurer => t_string!(i18n, record.by_insurer).to_string(),
        AuthorInfo::Professional { name, .. } => name.clone(),
    }
}

/// Sets the document title: "<page> · Carnet", in the current language. Every page has one,
/// so it also tells when the page has come alive in the browser (see [`mark_interactive`]).
#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    // Effects run only in the browser, once this page is hydrated or mounted — for a lazily
    // loaded page, after its code has arrived.
    Effect::new(|_| mark_interactive());
    let full = move || format!("{} · {}", text.get(), t_string!(i18n, app_name));
    view! { <Title text=full /> }
}

/// Marks `<html data-hydrated="true">`: the page on screen now answers clicks and typing. Tests
/// wait for it; nothing else depends on it.
fn mark_interactive() {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        // Ignoring the result: a failed marker changes nothing for the user.
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

/// The button under a list that appends its next page, busy while it reads.
#[component]
pub fn MoreButton(
    #[prop(into)] loading: Signal<bool>,
    label: fn(I18nContext<Locale>) -> String,
    on_click: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button type="button" class="button button--secondary" on:click=move |_| on_click.run(())
            aria-busy=move || loading.get().to_string()>
            {move || if loading.get() { t_string!(i18n, account.loading).to_string() } else { label(i18n) }}
        </button>
    }
}
