mod crypto;
mod outbox;

use app::cache::*;

#[test]
fn only_the_record_s_parts_are_kept() {
    for kept in [
        "/api/account/me",
        "/api/notifications",
        "/api/records/r1/documents",
        "/api/records/r1/profile",
        "/api/records/r1/access-history",
        "/api/records/r1/documents?category=lab",
        "/api/records/r1/documents/pages/2",
        "/api/records/r1/documents/d1",
    ] {
        assert!(cacheable(kept), "{kept}");
    }
    for not in [
        "/api/records/r1",
        "/api/records/r1/export",
        "/api/records/r1/documents/d1/preview",
        "/api/records/r1/documents/d1/content",
        "/api/records/r1/emergency-links",
        "/api/records/r1/access-history?limit=30&before=12",
        "/api/records/r1/emergency-summary/fhir",
        "/api/pro/patients",
        "/api/pro/patients/r1",
        "/api/account/login",
        "/healthz",
    ] {
        assert!(!cacheable(not), "{not}");
    }
}
