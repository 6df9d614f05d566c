//! The record's pages: documents, their deposit, the timeline, access and its history. What
//! they send and receive is [`crate::api::record`]'s, [`crate::api::filter`]'s,
//! [`crate::api::timeline`]'s and [`crate::api::history`]'s.

pub mod access;
mod access_history;
mod browse;
mod care_history;
mod chronology;
pub mod deposit;
pub mod documents;
mod finder;
mod identity;
mod import;
pub mod note;
mod outbox;
mod page;
mod preview;
pub mod routes;
pub mod upload;

pub use access_history::AccessHistory;
pub use browse::{DocumentBrowse, DocumentSplit};
pub use care_history::CareHistorySection;
pub use chronology::{TimelineSection, use_episodes};
pub use finder::DocumentFinder;
pub use identity::IdentityPanel;
pub use page::{deposit_forms, with_abilities};
