//! The health profile: what a patient (and the professionals their profession allows) write
//! about the patient's health, section by section — blood group, allergies, conditions,
//! treatments, vaccinations, measurements over time, advance directives, organ-donation wish,
//! people to call. Every entry keeps who wrote it and when, and every edit is a new version:
//! nothing is overwritten without a trace. This module holds its pages; the wire types and
//! input rules are [`crate::api::profile`]'s.

pub mod chart;
pub mod form;
pub(crate) mod view;

pub use view::ProfileSection;
