//! Generates the typed translation module from `locales/*.json` (leptos_i18n): every `t!` key is
//! checked at compile time. That both languages carry the same keys is checked by a unit test in
//! `src/i18n.rs`, since the generator only warns about a missing one.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");

    let out_dir = std::env::var_os("OUT_DIR").expect("cargo always sets OUT_DIR for build scripts");
    // French is the default language; English is the second.
    // `interpolate_display` lets `t_string!` fill in values (a code, a count) outside a view.
    let config = Config::new("fr")
        .and_then(|config| config.add_locale("en"))
        .expect("fr and en are valid locale names")
        .parse_options(ParseOptions::default().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)
        .expect("locales/*.json must parse; the error above names the file and key");
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations
        .generate_i18n_module(PathBuf::from(out_dir).join("i18n"))
        .expect("the i18n module is written to OUT_DIR");
}
