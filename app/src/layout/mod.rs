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
            <nav class="site-nav" aria-label=move || t_string!(i18n, nav.label).to_string()>
                <ul>
                    <li>
                        <A href="/" exact=true>
                            {t!(i18n, nav.home)}
                        </A>
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
        </footer>
    }
}

/// Sets the document title: "<page> · Carnet", in the current language.
#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let full = move || format!("{} · {}", text.get(), t_string!(i18n, app_name));
    view! { <Title text=full /> }
}
