//! The host's tests of the app crate, against the library as the server links it (feature
//! `ssr`): its pure rooms (the words of a record, dates, the policy, the safety checks, the
//! emergency summary, input rules, sealing, the outbox, the translations), one file per module
//! of `app/src/`, at the same path. A test reaches what the crate makes public, as the server
//! and the pages do. `rooms.rs` holds what holds across the crate: its modules' layers.
//!
//! Here rather than in `#[cfg(test)]` modules beside the code: those would build the crate a
//! second time as a test harness, every page with it (app/Cargo.toml).

mod account {
    mod messages;
}
mod api {
    mod account;
    mod care;
    mod emergency;
    mod filter;
    mod history;
    mod pro;
    mod profile;
    mod timeline;
    mod validate;
}
mod audit;
mod cache;
mod date;
mod directory;
mod i18n;
mod ins;
mod policy;
mod profile {
    mod chart;
    mod form {
        mod fields;
    }
}
mod record {
    mod deposit {
        mod request;
    }
    mod note;
}
mod rooms;
mod safety {
    mod exams;
    mod interactions;
    mod medicines;
    mod treatments;
}
mod summary;
mod vocabulary;
