//! Carnet's server: everything that touches disks, sockets and secrets.
//!
//! Data flows one way: browser → HTTP (this crate's `web`) → policy (in `app`) → storage
//! ([`store`]) → audit. [`app`] assembles the whole HTTP surface so tests can drive it without
//! a socket; `main.rs` only reads the configuration and serves it.

pub mod account;
pub mod asker;
pub mod audit;
pub mod clock;
pub mod config;
pub mod emergency;
pub mod error;
pub mod extract;
pub mod feed;
pub mod fhir;
pub mod health;
pub mod limits;
pub mod messages;
pub mod migration;
pub mod notices;
pub mod passwords;
pub mod professional;
pub mod profile;
pub mod record;
pub mod representatives;
pub mod rotation;
pub mod schedule;
pub mod session;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod vault;
pub mod web;

pub use state::AppState;
pub use web::app;
