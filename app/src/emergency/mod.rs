//! Emergency (break-glass) access: a professional without a grant opens a patient's record in
//! an emergency, unless the patient refused it in advance; they give a reason, the access lasts
//! a bounded time, the emergency mode shows on every professional screen, and the patient and
//! the regular doctor are told. This module holds the patient's side (notifications and their
//! channels, the sessions on their record, the advance refusal); the professional's side
//! (starting one, the banner) is in `pro`, and what crosses the wire in `api::emergency`.

mod channels;
mod patient;

pub use patient::{EmergencySection, NotificationsSection};
