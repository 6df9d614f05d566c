//! Telling a patient what happened to their record or account: always in the app, and by
//! message (e-mail or SMS) to them and to their legal representatives for the kinds they chose
//! ([`Channels`]); a break-glass access always goes out. Messages name who acted, never the
//! health content (no document title).

use app::{
    account::messages::Kind,
    emergency::{Channels, NotificationKind},
};

use crate::{
    AppState,
    account::{notify, representation::representatives_now},
    error::ApiError,
    store::Recipient,
};

/// The patient's choices, or the defaults when they made none (or the stored ones no longer
/// read).
pub async fn channels(state: &AppState, patient: &str) -> Result<Channels, ApiError> {
    let stored = state.store.notification_channels(patient).await?;
    Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
}

/// Tells the holder of `patient`'s record: in the app, then by message if they chose `kind`.
/// `actor`: the professional who acted (RPPS), for the in-app line.
pub async fn tell_patient(
    state: &AppState,
    patient: &str,
    kind: NotificationKind,
    actor: Option<&str>,
    message: Kind<'_>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let recipient = Recipient::Patient(patient.to_owned());
    state.store.push_notification(&recipient, kind.code(), Some(patient), actor, now).await?;
    if !channels(state, patient).await?.sends(kind) {
        return Ok(());
    }
    if let Some(account) = state.store.account_by_id(patient).await? {
        notify(state, &account, message).await?;
    }
    for representative in representatives_now(state, patient).await? {
        if let Some(account) = state.store.account_by_id(&representative).await? {
            notify(state, &account, message).await?;
        }
    }
    Ok(())
}

/// "Anne Martin (Cabinet médical, Le Havre)": how a message names a professional.
pub fn line(professional: &app::directory::Professional) -> String {
    format!("{} {} ({})", professional.given_name, professional.family_name, professional.place)
}

/// The same from the directory; the bare RPPS if it no longer lists them.
pub async fn professional_line(state: &AppState, rpps: &str) -> Result<String, ApiError> {
    Ok(match state.store.professional(rpps).await? {
        Some(record) => line(&record.professional),
        None => rpps.to_owned(),
    })
}

/// Where the patient reads their record, for a message.
pub fn record_url(state: &AppState) -> String {
    format!("{}/dossier", state.public_url)
}
