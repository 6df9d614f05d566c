//! The frame around every page: skip link, header with the site name and language switch,
//! main navigation, the page itself, footer. Mobile first: one column at 320 px, more room on
//! tablets and desktops (see `style/carnet.css`).

mod language_switch;

pub use language_switch::LanguageSwitch;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::i18n::{t, t_string, use_i18n};

/// Id of the `<main>` element, target of the skip link.
const MAIN_ID: &str = "contenu";

/// Whether an address belongs to the patient's own space (the record's pages and the account),
/// where the tab bar takes the place of the site's navigation.
fn in_patient_space(path: &str) -> bool {
    path == "/dossier" || path.starts_with("/dossier/") || path == "/mon-compte"
}

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let patient_space = Memo::new(move |_| location.pathname.with(|path| in_patient_space(path)));
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
            // Both always there, one hidden: switching attributes costs the first download less
            // code than switching views.
            <SiteNav hidden=Signal::derive(move || patient_space.get()) />
        </header>
        <TabBar hidden=Signal::derive(move || !patient_space.get()) />
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

/// The site's pages, for visitors and outside the patient's space.
#[component]
fn SiteNav(hidden: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="site-nav" hidden=hidden aria-label=move || t_string!(i18n, nav.label).to_string()>
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
    }
}

/// The patient's destinations: a bar at the bottom of a phone's screen, a rail on the left of a
/// tablet's. Each a page of its own, with its address.
#[component]
fn TabBar(hidden: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tab-bar" hidden=hidden aria-label=move || t_string!(i18n, tabs.label).to_string()>
            <ul>
                <li>
                    <A href="/dossier" exact=true>
                        <TabIcon path="M3 11l9-8 9 8v10h-6v-6H9v6H3z" />
                        <span>{t!(i18n, tabs.home)}</span>
                    </A>
                </li>
                <li>
                    <A href="/dossier/documents">
                        <TabIcon path="M6 2h9l5 5v15H6zM14 3v5h5M9 13h8M9 17h8" />
                        <span>{t!(i18n, tabs.documents)}</span>
                    </A>
                </li>
                <li>
                    <A href="/dossier/sante">
                        <TabIcon path="M12 21s-8-5.5-8-11a4.5 4.5 0 0 1 8-2.8A4.5 4.5 0 0 1 20 10c0 5.5-8 11-8 11z" />
                        <span>{t!(i18n, tabs.health)}</span>
                    </A>
                </li>
                <li>
                    <A href="/dossier/partage">
                        <TabIcon path="M16 11a4 4 0 1 0 0-.01M8 13a3 3 0 1 0 0-.01M2 21c0-3 3-5 6-5s6 2 6 5M12 21c0-3 2-5 4-5.5 3 0 6 2 6 5.5" />
                        <span>{t!(i18n, tabs.sharing)}</span>
                    </A>
                </li>
                <li>
                    <A href="/mon-compte">
                        <TabIcon path="M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6" />
                        <span>{t!(i18n, tabs.account)}</span>
                    </A>
                </li>
            </ul>
        </nav>
    }
}

/// A destination's picture, beside its name (which is what assistive technologies read).
#[component]
fn TabIcon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="tab-bar__icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
            <path d=path />
        </svg>
    }
}
