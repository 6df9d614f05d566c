//! The FHIR endpoint's searches: any query string, read as every type's parameters, then tried
//! on a resource of that type; and any text, read as a FHIR date. Never a panic; a date covers
//! a range that starts before it ends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use server::fhir::{Kind, search};

fuzz_target!(|data: &[u8]| {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for kind in Kind::ALL {
        if let Ok(found) = search::Search::parse(kind, &params, "http://localhost") {
            let resource = json!({
                "resourceType": kind.name(),
                "id": "0123456789abcdef0123456789abcdef",
                "meta": { "lastUpdated": "2026-12-02T10:00:00Z" },
                "category": [{ "coding": [{ "system": "http://localhost/fhir/CodeSystem/document-category", "code": "reports" }] }],
                "code": { "coding": [{ "system": "http://loinc.org", "code": "11502-2" }], "text": "x" },
                "date": "2026-12-02T10:00:00Z",
                "effectiveDateTime": "2026-12",
            });
            let _ = found.matches(kind, &resource);
            let _ = found.page((0..300).collect::<Vec<u32>>());
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((start, end)) = search::range(text)
    {
        assert!(start < end, "{text}: {start}..{end}");
    }
});
