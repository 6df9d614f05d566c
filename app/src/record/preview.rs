//! "What will this professional see?": the record exactly as the server would show it to them
//! now (the same policy answers both), and for each document they would not see, why.

use leptos::prelude::*;

use crate::api::record::Preview;
use crate::client;
use crate::i18n::{t, t_string, use_i18n};
use crate::record::documents::category_label;
use crate::ui::form::deny_text;

#[component]
pub fn PreviewPanel(
    record: String,
    rpps: String,
    name: String,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let path = format!("/api/records/{record}/preview/{rpps}");
    let preview = LocalResource::new(move || {
        let path = path.clone();
        async move { client::get::<Preview>(&path).await }
    });
    let heading = t_string!(i18n, preview.heading, name = name.clone()).to_string();
    let body = move || {
        preview.get().map(|result| match result {
            Err(_) => view! { <p role="alert">{t!(i18n, errors.network)}</p> }.into_any(),
            Ok(preview) => {
                let seen = if preview.documents.is_empty() {
                    view! { <p>{t!(i18n, preview.sees_nothing)}</p> }.into_any()
                } else {
                    let items = preview
                        .documents
                        .into_iter()
                        .map(|d| view! { <li>{d.title}" · "{category_label(i18n, d.category)}" · "{d.care_date}</li> })
                        .collect_view();
                    view! { <ul class="preview__seen">{items}</ul> }.into_any()
                };
                let hidden = (!preview.hidden.is_empty()).then(|| {
                    let items = preview
                        .hidden
                        .into_iter()
                        .map(|d| view! { <li><strong>{d.title}</strong>" : "{deny_text(i18n, d.reason)}</li> })
                        .collect_view();
                    view! {
                        <h4>{t!(i18n, preview.not_seen)}</h4>
                        <ul class="preview__hidden">{items}</ul>
                    }
                });
                let profile = if preview.profile.is_empty() {
                    t_string!(i18n, preview.no_profile).to_string()
                } else {
                    t_string!(i18n, preview.profile, count = preview.profile.len()).to_string()
                };
                view! {
                    <h4>{t!(i18n, preview.seen)}</h4>
                    {seen}
                    {hidden}
                    <p>{profile}</p>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="preview" aria-labelledby="preview-heading">
            <h3 id="preview-heading">{heading}</h3>
            <Suspense fallback=move || view! { <p role="status">{t!(i18n, account.loading)}</p> }>{body}</Suspense>
            <button type="button" class="button button--secondary" on:click=move |_| on_close.run(())>
                {t!(i18n, preview.close)}
            </button>
        </section>
    }
}
