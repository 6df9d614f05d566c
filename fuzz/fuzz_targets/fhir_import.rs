//! A FHIR bundle into a record: any bytes, read as JSON, each resource mapped to the profile
//! entry it would become and checked as the app's form checks it. Never a panic; an entry that
//! passes the check serialises and reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let today = app::date::Date::parse("2026-12-07").unwrap();
    for entry in server::record::import_entries_of(&bundle, today).into_iter().flatten() {
        let json = serde_json::to_string(&entry).unwrap();
        let back: app::api::profile::Entry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entry);
    }
});
