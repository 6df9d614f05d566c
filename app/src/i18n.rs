//! Translations: French (default) and English, from `locales/*.json`, through leptos_i18n.
//!
//! Every visible string comes from here through `t!`; a page never writes a literal sentence.
//! The chosen language is kept in a cookie so the server renders the next page in it.

// The generated code is itself a module named `i18n`; its items are re-exported just below.
#[allow(clippy::module_inception)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}

pub use generated::i18n::*;

use leptos_use::UseLocalesOptions;

/// Name of the cookie that remembers the language. Not a secret; read by the server to render
/// the next page in the chosen language.
pub const LANG_COOKIE: &str = "i18n_pref_locale";

/// How the server picks the language of a page: the visitor's choice if the cookie holds one,
/// else French. The browser's `Accept-Language` is deliberately not consulted, so a page renders
/// the same for a given cookie, on the server and in tests.
///
/// (leptos_i18n reads the language from the value this returns as if it were an
/// `Accept-Language` header; its own cookie support is left out because it brings a date and
/// cookie parsing library into the browser bundle for one cookie.)
pub fn locale_from_request() -> UseLocalesOptions {
    UseLocalesOptions::default().ssr_lang_header_getter(chosen_language)
}

#[cfg(feature = "ssr")]
fn chosen_language() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let header = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
    language_in_cookie_header(header).map(str::to_owned)
}

#[cfg(not(feature = "ssr"))]
fn chosen_language() -> Option<String> {
    None
}

/// The language code found in a `Cookie` header, if it is one we speak.
pub fn language_in_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| matches!(*value, "fr" | "en"))
}

/// Keeps the choice for a year so the server renders the next pages in it. Browser only.
pub fn remember_language(locale: Locale) {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        use wasm_bindgen::JsCast;
        let document = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.dyn_into::<web_sys::HtmlDocument>().ok());
        if let Some(document) = document {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                locale.as_str()
            );
            // A refused cookie only means the next page opens in French again.
            let _ = document.set_cookie(&cookie);
        }
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    let _ = locale;
}
