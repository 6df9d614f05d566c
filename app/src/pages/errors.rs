//! The not-found page (HTTP 404) and the error page shown when a page fails to render (HTTP 500).
//! Neither repeats the failure's details: they may carry data the visitor must not see.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};
use crate::ui::PageTitle;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, not_found.title).to_string()) />
        <h1>{t!(i18n, not_found.heading)}</h1>
        <p>{t!(i18n, not_found.body)}</p>
        <p>
            <A href="/">{t!(i18n, not_found.back_home)}</A>
        </p>
    }
}

#[component]
pub fn ErrorPage() -> impl IntoView {
    set_status(500);
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, error.title).to_string()) />
        <div role="alert">
            <h1>{t!(i18n, error.heading)}</h1>
            <p>{t!(i18n, error.body)}</p>
        </div>
        <p>
            <A href="/">{t!(i18n, error.back_home)}</A>
        </p>
    }
}

/// Sets the HTTP status of the server-rendered response; nothing to do in the browser.
fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}
