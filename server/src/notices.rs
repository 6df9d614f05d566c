//! Telling a patient what happened to their record or account: always in the app, and by
//! message (e-mail or SMS) to them and to their legal representatives for the kinds they chose
//! ([`Channels`]); a break-glass access always goes out. Messages name who acted, never the
//! health content (no document title). Also the one way a room sends a person a message to
//! their contact ([`send`], [`notify`]: codes, account notices), in their language.

use app::{
    account::messages::Kind,
    api::emergency::{Channels, NotificationKind},
};

use app::policy::{Action, Actor, Item, decide};

use app::api::validate::Contact;
use axum::http::HeaderMap;

use crate::{
    AppState,
    error::ApiError,
    messages::Message,
    representatives::representatives_now,
    store::{AccountId, AccountRecord, Channel, Recipient, Rpps},
};

/// The patient's choices, or the defaults when they made none (or the stored ones no longer
/// read).
pub async fn channels(state: &AppState, patient: &AccountId) -> Result<Channels, ApiError> {
    let stored = state.store.notification_channels(patient).await?;
    Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
}

/// An item a notice is about (a new document), as the access policy sees it.
pub struct About<'a> {
    /// The document the notice points to; `None` for a notice of a whole part of the record
    /// (the care history), which the policy still decides on as `item`.
    pub id: Option<&'a str>,
    pub item: Item<'a>,
}

/// Whether `actor` (the holder, a representative) may be told of `about`: the policy decides.
pub fn may_be_told(
    state: &AppState,
    record: &AccountRecord,
    actor: &Actor<'_>,
    about: &About<'_>,
) -> bool {
    let context = state.policy_context(record);
    decide(&context, actor, Action::BeToldOf, &about.item).allowed()
}

/// Tells the holder of `patient`'s record and their legal representatives: in the app, then by
/// message if they chose `kind`. `actor`: the professional who acted (RPPS), for the in-app line.
/// A notice `about` an item reaches only those the policy lets be told of it: nobody while a
/// result is held back (it is told when announced), not the representatives of a document
/// hidden from them.
pub async fn tell_patient(
    state: &AppState,
    patient: &AccountId,
    kind: NotificationKind,
    actor: Option<&Rpps>,
    message: Kind<'_>,
    about: Option<About<'_>>,
) -> Result<(), ApiError> {
    let Some(record) = state.store.account_by_id(patient).await? else { return Ok(()) };
    let told = |who: &Actor<'_>| {
        about.as_ref().is_none_or(|about| may_be_told(state, &record, who, about))
    };
    if !told(&Actor::Patient) {
        return Ok(());
    }
    let now = state.clock.now();
    let recipient = Recipient::Patient(patient.clone());
    let item_id = about.as_ref().and_then(|about| about.id);
    state
        .store
        .push_notification(&recipient, kind.code(), Some(patient), actor, item_id, now)
        .await?;
    if !channels(state, patient).await?.sends(kind) {
        return Ok(());
    }
    notify(state, &record, message).await?;
    if told(&Actor::Representative) {
        for representative in representatives_now(state, patient).await? {
            if let Some(account) = state.store.account_by_id(&representative).await? {
                notify(state, &account, message).await?;
            }
        }
    }
    Ok(())
}

/// "Anne Martin (Cabinet médical, Le Havre)": how a message names a professional.
pub fn line(professional: &app::directory::Professional) -> String {
    format!("{} {} ({})", professional.given_name, professional.family_name, professional.place)
}

/// The same from the directory; the bare RPPS if it no longer lists them.
pub async fn professional_line(state: &AppState, rpps: &Rpps) -> Result<String, ApiError> {
    Ok(match state.store.professional(rpps).await? {
        Some(record) => line(&record.professional),
        None => rpps.to_string(),
    })
}

/// Where the patient reads their record, for a message.
pub fn record_url(state: &AppState) -> String {
    format!("{}/dossier", state.public_url)
}

/// The language of the interface that made the request, for the messages we send.
pub fn request_locale(headers: &HeaderMap) -> &'static str {
    let chosen = headers
        .get(axum::http::header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(app::i18n::language_in_cookie_header);
    if chosen == Some("en") { "en" } else { "fr" }
}

pub fn locale_of(account: &AccountRecord) -> &'static str {
    if account.locale == "en" { "en" } else { "fr" }
}

/// Sends a notice to the account's own contact, if it has one.
pub async fn notify(
    state: &AppState,
    account: &AccountRecord,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    match &account.contact {
        Some(contact) => send(state, contact, locale_of(account), kind).await,
        None => Ok(()),
    }
}

pub async fn send(
    state: &AppState,
    contact: &Contact,
    locale: &str,
    kind: Kind<'_>,
) -> Result<(), ApiError> {
    let (subject, body) = app::account::messages::render(locale, kind);
    let (channel, recipient) = match contact {
        Contact::Email(address) => (Channel::Email, address.clone()),
        Contact::Phone(number) => (Channel::Sms, number.clone()),
    };
    state.messages.send(Message { channel, recipient, subject, body }).await?;
    Ok(())
}
