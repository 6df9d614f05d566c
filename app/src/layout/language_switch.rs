//! The French/English switch. The choice is kept in a cookie, so the server
//! renders every following page in it; `<html lang>` follows the choice for screen readers.

use leptos::prelude::*;

use crate::i18n::{Locale, remember_language, t, t_string, use_i18n};

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let toggle = move |_| {
        let next = match i18n.get_locale() {
            Locale::fr => Locale::en,
            Locale::en => Locale::fr,
        };
        i18n.set_locale(next);
        remember_language(next);
    };
    // The button names the other language in that language, as language pickers should.
    view! {
        <button
            type="button"
            class="lang-switch"
            lang=move || t_string!(i18n, lang.switch_code).to_string()
            aria-label=move || t_string!(i18n, lang.switch_label).to_string()
            on:click=toggle
        >
            {t!(i18n, lang.switch_to)}
        </button>
    }
}
