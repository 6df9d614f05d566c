//! The text of the codes and notices sent by e-mail or SMS, in the person's language. Rendered
//! on the server only; the code itself appears in the body and nowhere else.

use crate::i18n::{Locale, td_string};

#[derive(Clone, Copy)]
pub enum Kind<'a> {
    ActivationCode(&'a str),
    LoginCode(&'a str),
    AlreadyRegistered,
    RecoveryCode(&'a str),
    /// The code that proves a new contact.
    ContactCode(&'a str),
    /// Sent to the old contact: the account's contact is now `to` (partly hidden).
    ContactChanged {
        to: &'a str,
    },
    PasswordChanged,
    /// A professional (`by`) opened the record; activate it at `url`.
    RecordOpened {
        by: &'a str,
        url: &'a str,
    },
    /// `by` opened `name`'s record with this person as legal representative.
    Representing {
        by: &'a str,
        name: &'a str,
    },
    /// Closed and archived until the date.
    Closed {
        until: &'a str,
    },
    /// Erasure planned on the date.
    ErasureScheduled {
        on: &'a str,
    },
    Reopened,
    /// `by` opened the record in an emergency (break-glass); the history is at `url`.
    BreakGlass {
        by: &'a str,
        url: &'a str,
    },
    /// `by` added a document to the record (its title stays in the record).
    DocumentDeposited {
        by: &'a str,
        url: &'a str,
    },
    /// `by` came to the record for the first time.
    FirstAccess {
        by: &'a str,
        url: &'a str,
    },
    /// Someone opened an emergency-summary link at `at`; the links are at `url`.
    EmergencyLinkViewed {
        at: &'a str,
        url: &'a str,
    },
    /// A login from a device the account never used: `device` ("Firefox, Android"), `at`.
    NewDevice {
        device: &'a str,
        at: &'a str,
        url: &'a str,
    },
    /// The health insurer's feed added to the care history, which is at `url`.
    CareHistoryUpdated {
        url: &'a str,
    },
    /// Too many wrong second-factor codes: logging in is locked until a new password is chosen.
    SecondFactorLocked,
    /// An authenticator app now gives the account's second factor.
    AuthenticatorChanged,
    /// The authenticator app no longer does (turned off by a recovery through the contact).
    AuthenticatorRemoved,
}

/// `(subject, body)` for `locale` (`"fr"` or `"en"`; anything else is French).
pub fn render(locale: &str, kind: Kind<'_>) -> (String, String) {
    let locale = if locale == "en" { Locale::en } else { Locale::fr };
    match kind {
        Kind::ActivationCode(code) => (
            td_string!(locale, messages.activation_subject).to_string(),
            td_string!(locale, messages.activation_body, code = code).to_string(),
        ),
        Kind::LoginCode(code) => (
            td_string!(locale, messages.login_subject).to_string(),
            td_string!(locale, messages.login_body, code = code).to_string(),
        ),
        Kind::RecoveryCode(code) => (
            td_string!(locale, messages.recovery_subject).to_string(),
            td_string!(locale, messages.recovery_body, code = code).to_string(),
        ),
        Kind::ContactCode(code) => (
            td_string!(locale, messages.contact_code_subject).to_string(),
            td_string!(locale, messages.contact_code_body, code = code).to_string(),
        ),
        Kind::ContactChanged { to } => (
            td_string!(locale, messages.contact_changed_subject).to_string(),
            td_string!(locale, messages.contact_changed_body, to = to).to_string(),
        ),
        Kind::PasswordChanged => (
            td_string!(locale, messages.password_changed_subject).to_string(),
            td_string!(locale, messages.password_changed_body).to_string(),
        ),
        Kind::RecordOpened { by, url } => (
            td_string!(locale, messages.opened_subject).to_string(),
            td_string!(locale, messages.opened_body, by = by, url = url).to_string(),
        ),
        Kind::Representing { by, name } => (
            td_string!(locale, messages.represented_subject).to_string(),
            td_string!(locale, messages.represented_body, by = by, name = name).to_string(),
        ),
        Kind::Closed { until } => (
            td_string!(locale, messages.closed_subject).to_string(),
            td_string!(locale, messages.closed_body, until = until).to_string(),
        ),
        Kind::ErasureScheduled { on } => (
            td_string!(locale, messages.erasure_subject).to_string(),
            td_string!(locale, messages.erasure_body, on = on).to_string(),
        ),
        Kind::Reopened => (
            td_string!(locale, messages.reopened_subject).to_string(),
            td_string!(locale, messages.reopened_body).to_string(),
        ),
        Kind::BreakGlass { by, url } => (
            td_string!(locale, messages.break_glass_subject).to_string(),
            td_string!(locale, messages.break_glass_body, by = by, url = url).to_string(),
        ),
        Kind::DocumentDeposited { by, url } => (
            td_string!(locale, messages.document_subject).to_string(),
            td_string!(locale, messages.document_body, by = by, url = url).to_string(),
        ),
        Kind::CareHistoryUpdated { url } => (
            td_string!(locale, messages.care_history_subject).to_string(),
            td_string!(locale, messages.care_history_body, url = url).to_string(),
        ),
        Kind::FirstAccess { by, url } => (
            td_string!(locale, messages.first_access_subject).to_string(),
            td_string!(locale, messages.first_access_body, by = by, url = url).to_string(),
        ),
        Kind::EmergencyLinkViewed { at, url } => (
            td_string!(locale, messages.link_viewed_subject).to_string(),
            td_string!(locale, messages.link_viewed_body, at = at, url = url).to_string(),
        ),
        Kind::NewDevice { device, at, url } => (
            td_string!(locale, messages.new_device_subject).to_string(),
            td_string!(locale, messages.new_device_body, device = device, at = at, url = url)
                .to_string(),
        ),
        Kind::AlreadyRegistered => (
            td_string!(locale, messages.existing_subject).to_string(),
            td_string!(locale, messages.existing_body).to_string(),
        ),
        Kind::SecondFactorLocked => (
            td_string!(locale, messages.second_factor_locked_subject).to_string(),
            td_string!(locale, messages.second_factor_locked_body).to_string(),
        ),
        Kind::AuthenticatorChanged => (
            td_string!(locale, messages.authenticator_changed_subject).to_string(),
            td_string!(locale, messages.authenticator_changed_body).to_string(),
        ),
        Kind::AuthenticatorRemoved => (
            td_string!(locale, messages.authenticator_removed_subject).to_string(),
            td_string!(locale, messages.authenticator_removed_body).to_string(),
        ),
    }
}
