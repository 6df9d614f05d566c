//! The professionals' space: login with the professional card, and opening a record for a
//! patient who is present (an adult, or a minor or protected adult with their representative's
//! consent): the pages. What crosses the wire, the card file's format included, is
//! `api::pro`'s.

mod break_glass;
#[cfg(feature = "hydrate")]
mod card;
mod emergency_banner;
mod login;
mod open_record;
mod page;
mod record;
pub mod routes;

pub use login::ProLoginPage;
pub use page::ProPage;
pub use record::{ProRecordCarePage, ProRecordHealthPage, ProRecordPage};

/// Where a professional opens a patient's record: its documents (the server redirects the
/// record's own address, `/pro/dossier/{record}`, here).
pub fn record_href(record: &str) -> String {
    format!("/pro/dossier/{record}/documents")
}
