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
fn language_cookie_is_read_strictly() {
    use app::i18n::language_in_cookie_header as read;
    assert_eq!(read("i18n_pref_locale=en"), Some("en"));
    assert_eq!(read("a=b; i18n_pref_locale=fr; c=d"), Some("fr"));
    assert_eq!(read("i18n_pref_locale=de"), None);
    assert_eq!(read("x_i18n_pref_locale=en"), None);
    assert_eq!(read(""), None);
}

#[test]
fn french_and_english_have_the_same_keys() {
    let fr = locale_keys(include_str!("../../locales/fr.json"));
    let en = locale_keys(include_str!("../../locales/en.json"));
    let only_fr: Vec<_> = fr.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&fr).collect();
    assert!(only_fr.is_empty(), "missing in en.json: {only_fr:?}");
    assert!(only_en.is_empty(), "missing in fr.json: {only_en:?}");
    assert!(fr.len() > 20, "the catalogue is unexpectedly small: {}", fr.len());
}

#[test]
fn every_text_differs_between_languages_except_names() {
    // A string left untranslated is usually a copy-paste slip.
    let fr: Value = serde_json::from_str(include_str!("../../locales/fr.json")).unwrap();
    let en: Value = serde_json::from_str(include_str!("../../locales/en.json")).unwrap();
    let same_allowed = ["app_name"];
    for (key, value) in fr.as_object().unwrap() {
        if same_allowed.contains(&key.as_str()) {
            continue;
        }
        assert_ne!(Some(value), en.get(key), "untranslated: {key}");
    }
}
