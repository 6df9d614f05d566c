use leptos::prelude::*;

use crate::i18n::{t, t_string, use_i18n};
use crate::layout::PageTitle;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, home.title).to_string()) />
        <h1>{t!(i18n, home.heading)}</h1>
        <p class="lead">{t!(i18n, home.intro)}</p>
        <section aria-labelledby="features-heading">
            <h2 id="features-heading">{t!(i18n, home.features_heading)}</h2>
            <ul class="feature-list">
                <li>{t!(i18n, home.feature_control)}</li>
                <li>{t!(i18n, home.feature_trace)}</li>
                <li>{t!(i18n, home.feature_emergency)}</li>
                <li>{t!(i18n, home.feature_offline)}</li>
            </ul>
        </section>
        <section class="notice" aria-labelledby="status-heading">
            <h2 id="status-heading">{t!(i18n, home.status_heading)}</h2>
            <p>{t!(i18n, home.status_note)}</p>
        </section>
    }
}
