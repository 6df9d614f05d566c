//! The frame around every page: skip link, header with the site name and language switch,
//! main navigation, the page itself, footer. Mobile first: one column at 320 px, more room on
//! tablets and desktops (see `style/carnet.css`).

mod language_switch;

pub use language_switch::LanguageSwitch;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};

/// Id of the `<main>` element, target of the skip link.
const MAIN_ID: &str = "contenu";

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href=format!("#{MAIN_ID}")>
            {t!(i18n, skip_to_content)}
        </a>
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__name">{t!(i18n, app_name)}</span>
                    <span class="brand__tagline">{t!(i18n, tagline)}</span>
                </A>
                <LanguageSwitch />
            </div>
            <crate::cache::ui::NetworkStatus />
            <nav class="site-nav" aria-label=move || t_string!(i18n, nav.label).to_string()>
                <ul>
                    <li>
                        <A href="/" exact=true>
                            {t!(i18n, nav.home)}
                        </A>
                    </li>
                    <li>
                        <A href="/dossier">{t!(i18n, nav.record)}</A>
                    </li>
                    <li>
                        <A href="/mon-compte">{t!(i18n, nav.account)}</A>
                    </li>
                    <li>
                        <A href="/confidentialite">{t!(i18n, nav.about)}</A>
                    </li>
                </ul>
            </nav>
        </header>
        <main id=MAIN_ID class="content" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <p>{t!(i18n, footer.text)}</p>
            <p>
                <A href="/pro/connexion">{t!(i18n, footer.professionals)}</A>
            </p>
        </footer>
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
