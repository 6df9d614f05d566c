use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, home.title).to_string()) />
        <h1>{t!(i18n, home.heading)}</h1>
        <p class="lead">{t!(i18n, home.intro)}</p>
        <p class="actions">
            <A href="/inscription" attr:class="button">{t!(i18n, nav.signup)}</A>
            <A href="/connexion" attr:class="button button--secondary">{t!(i18n, nav.login)}</A>
        </p>
        <section aria-labelledby="features-heading">
            <h2 id="features-heading">{t!(i18n, home.features_heading)}</h2>
            <ul class="feature-list">
                <li>{t!(i18n, home.feature_control)}</li>
                <li>{t!(i18n, home.feature_trace)}</li>
                <li>{t!(i18n, home.feature_emergency)}</li>
                <li>{t!(i18n, home.feature_offline)}</li>
            </ul>
        </section>
    }
}
