//! Generates the typed translation module from `locales/*.json` (leptos_i18n): every `t!` key is
//! checked at compile time. That both languages carry the same keys is checked by a unit test in
//! `src/i18n.rs`, since the generator only warns about a missing one.
//!
//! It calls leptos_i18n's own parser and code generator, the two crates its `t!` macros are
//! built on, rather than `leptos_i18n_build`: that one adds the ICU data exporter (with a
//! downloader and a TLS stack) for the formatters Carnet does not use, and building it held up
//! this crate's start by a minute and a half of a cold test run.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // The browser tests' build (feature `store` alone) has no pages, so no translations.
    #[cfg(feature = "ui")]
    translations();
}

#[cfg(feature = "ui")]
fn translations() {
    use leptos_i18n_parser::parse_locales::options::{Config, ParseOptions};
    use std::path::PathBuf;

    let out_dir = std::env::var_os("OUT_DIR").expect("cargo always sets OUT_DIR for build scripts");
    // French is the default language; English is the second.
    // `interpolate_display` lets `t_string!` fill in values (a code, a count) outside a view.
    let config = Config::new("fr")
        .and_then(|config| config.add_locale("en"))
        .expect("fr and en are valid locale names")
        .parse_options(ParseOptions::default().interpolate_display(true));
    let parsed = leptos_i18n_parser::parse_locales::parse_locales(None, config)
        .expect("locales/*.json must parse; the error above names the file and key");
    for warning in parsed.diag.warnings().iter() {
        println!("cargo::warning={warning}");
    }
    for error in parsed.diag.errors().iter() {
        println!("cargo::error={error}");
    }
    for path in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={path}");
    }
    // As `leptos_i18n_build` calls it: no diagnostics (printed above), the default crate path
    // and no extra attributes, with documentation.
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, true)
        .expect("the translations make a module");
    let folder = PathBuf::from(out_dir).join("i18n");
    std::fs::create_dir_all(&folder).expect("OUT_DIR is writable");
    std::fs::write(folder.join("mod.rs"), code.to_string()).expect("OUT_DIR is writable");
}
