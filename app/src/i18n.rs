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

use leptos_i18n::context::CookieOptions;
use leptos_use::UseLocalesOptions;

/// Name of the cookie that remembers the language. Not a secret, read by the server.
pub const LANG_COOKIE: &str = "i18n_pref_locale";

/// One year, in milliseconds (what leptos-use expects).
const LANG_COOKIE_MAX_AGE_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The language cookie: the whole site, one year, never sent to other sites.
pub fn cookie_options() -> CookieOptions<Locale> {
    CookieOptions::default()
        .path("/")
        .max_age(LANG_COOKIE_MAX_AGE_MS)
        .same_site(leptos_use::SameSite::Lax)
}

/// French is the default for everybody who has not chosen: the browser's `Accept-Language` is
/// not consulted, so a page renders the same for a given cookie, on the server and in tests.
pub fn ignore_accept_language() -> UseLocalesOptions {
    UseLocalesOptions::default().ssr_lang_header_getter(|| None)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn keys(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    keys(&format!("{prefix}{key}."), child, out);
                }
            }
            Value::String(text) => {
                assert!(!text.trim().is_empty(), "empty translation at {prefix}");
                out.insert(prefix.trim_end_matches('.').to_owned());
            }
            other => panic!("unexpected value at {prefix}: {other}"),
        }
    }

    fn locale_keys(source: &str) -> BTreeSet<String> {
        let value: Value = serde_json::from_str(source).expect("locale files are valid JSON");
        let mut out = BTreeSet::new();
        keys("", &value, &mut out);
        out
    }

    #[test]
    fn french_and_english_have_the_same_keys() {
        let fr = locale_keys(include_str!("../locales/fr.json"));
        let en = locale_keys(include_str!("../locales/en.json"));
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(only_fr.is_empty(), "missing in en.json: {only_fr:?}");
        assert!(only_en.is_empty(), "missing in fr.json: {only_en:?}");
        assert!(fr.len() > 20, "the catalogue is unexpectedly small: {}", fr.len());
    }

    #[test]
    fn every_text_differs_between_languages_except_names() {
        // A string left untranslated is usually a copy-paste slip.
        let fr: Value = serde_json::from_str(include_str!("../locales/fr.json")).unwrap();
        let en: Value = serde_json::from_str(include_str!("../locales/en.json")).unwrap();
        let same_allowed = ["app_name"];
        for (key, value) in fr.as_object().unwrap() {
            if same_allowed.contains(&key.as_str()) {
                continue;
            }
            assert_ne!(Some(value), en.get(key), "untranslated: {key}");
        }
    }
}
