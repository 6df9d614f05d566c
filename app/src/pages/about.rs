use leptos::prelude::*;

use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

/// What Carnet promises about privacy, in plain words.
#[component]
pub fn About() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, about.title).to_string()) />
        <h1>{t!(i18n, about.heading)}</h1>
        <p>{t!(i18n, about.server)}</p>
        <p>{t!(i18n, about.device)}</p>
        <p>{t!(i18n, about.never)}</p>
    }
}
