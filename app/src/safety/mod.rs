//! Safer care (the reference's promise: "avoid drug interactions and repeated exams"): pure
//! checks run when a treatment or a prescription is added, on the server and on the device.

pub mod exams;
pub mod interactions;
pub mod medicines;
#[cfg(feature = "hydrate")]
pub mod on_device;
pub mod treatments;
pub(crate) mod view;
