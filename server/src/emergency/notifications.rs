//! The patient's notifications over HTTP: the in-app list and its read mark, and which kinds
//! also reach them by message (the patient side chooses; break-glass always goes out).

use crate::audit::AuditAction;
use app::api::emergency::{Channels, NotificationInfo, NotificationKind};
use axum::{Json, extract::State, http::StatusCode};

use crate::{
    AppState,
    asker::{Asker, trace},
    audit::AuditEntry,
    error::ApiError,
    extract::{ApiJson, Origin},
    session::AnySession,
    store::{DocumentId, Recipient, SessionOwner},
};

/// Which notifications reach the patient by message: the patient side only.
pub(super) async fn channels(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Channels>, ApiError> {
    const READ: AuditAction = AuditAction::NotificationsChannelsRead;
    trace::sharing_read(&state, &asker, &origin, READ).await?;
    let channels = crate::notices::channels(&state, &asker.record.id).await?;
    trace::read(&state, &asker, &origin, READ, None, None).await?;
    Ok(Json(channels))
}

pub(super) async fn set_channels(
    State(state): State<AppState>,
    origin: Origin,
    asker: Asker,
    ApiJson(request): ApiJson<Channels>,
) -> Result<StatusCode, ApiError> {
    const CHANGE: AuditAction = AuditAction::NotificationsChannels;
    trace::sharing_write(&state, &asker, &origin, CHANGE, None).await?;
    let json = serde_json::to_string(&request).map_err(|_| ApiError::BadRequest)?;
    trace::change(&state, &asker, &origin, CHANGE, None, async |rows| {
        state.store.set_notification_channels(&asker.record.id, &json, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

const NOTIFICATIONS_SHOWN: u32 = 50;

/// The entry of a notifications route: the signed-in person, on the record whose notifications
/// these are (none for a professional's own).
async fn notification_entry(
    state: &AppState,
    session: &AnySession,
    recipient: &Recipient,
    origin: &Origin,
    action: AuditAction,
) -> Result<AuditEntry, ApiError> {
    let (actor, record) = match (&session.owner, recipient) {
        (SessionOwner::Professional(rpps), _) => {
            (trace::professional_actor(state, rpps).await?, None)
        }
        (SessionOwner::Account(id), Recipient::Patient(patient)) => {
            (trace::account_actor(id), Some(patient.as_str()))
        }
        (SessionOwner::Account(id), Recipient::Professional(_)) => (trace::account_actor(id), None),
    };
    Ok(trace::outside_entry(state, actor, origin, action, record, None, None))
}

/// The signed-in person's notifications, newest first: a patient's own (or, for a
/// representative, those of the record they manage), or a professional's.
pub(super) async fn notifications(
    State(state): State<AppState>,
    origin: Origin,
    session: AnySession,
) -> Result<Json<Vec<NotificationInfo>>, ApiError> {
    let recipient = recipient_of(&state, &session).await?;
    let told = Told::of(&state, &session, &recipient).await?;
    let mut out = Vec::new();
    for row in state.store.notifications(&recipient, NOTIFICATIONS_SHOWN).await? {
        let Some(kind) = NotificationKind::from_code(&row.kind) else { continue };
        if !told.may_see(&state, row.item_id.as_deref()).await? {
            continue;
        }
        let by = match &row.actor {
            Some(rpps) => state.store.professional(rpps).await?.map(|record| record.professional),
            None => None,
        };
        let patient = match (&recipient, &row.record_id) {
            (Recipient::Professional(_), Some(id)) => state
                .store
                .account_by_id(id)
                .await?
                .map(|account| format!("{} {}", account.given_name, account.family_name)),
            _ => None,
        };
        out.push(NotificationInfo {
            id: row.id,
            kind,
            by,
            patient,
            at: row.created_at,
            read: row.read,
        });
    }
    let entry =
        notification_entry(&state, &session, &recipient, &origin, AuditAction::NotificationsList)
            .await?;
    trace::write(&state, &entry).await?;
    Ok(Json(out))
}

pub(super) async fn read_notifications(
    State(state): State<AppState>,
    origin: Origin,
    session: AnySession,
) -> Result<StatusCode, ApiError> {
    let recipient = recipient_of(&state, &session).await?;
    let entry =
        notification_entry(&state, &session, &recipient, &origin, AuditAction::NotificationsRead)
            .await?;
    state
        .auditor
        .write(&*state.store, &entry, async |rows| {
            state.store.mark_notifications_read(&recipient, state.clock.now(), rows).await
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose notifications a session reads. A representative's session reads those of the record
/// it manages, re-checked now.
/// Who reads a record's notifications, for those about an item: the holder or a representative,
/// each told only of what the policy lets them be told of.
struct Told {
    reader: Option<(crate::store::AccountRecord, bool)>,
}

impl Told {
    async fn of(
        state: &AppState,
        session: &AnySession,
        recipient: &Recipient,
    ) -> Result<Self, ApiError> {
        let (SessionOwner::Account(id), Recipient::Patient(patient)) = (&session.owner, recipient)
        else {
            return Ok(Self { reader: None });
        };
        let record = state.store.account_by_id(patient).await?.ok_or(ApiError::NotFound)?;
        Ok(Self { reader: Some((record, id != patient)) })
    }

    async fn may_see(&self, state: &AppState, item_id: Option<&str>) -> Result<bool, ApiError> {
        let (Some((record, representative)), Some(item_id)) = (&self.reader, item_id) else {
            return Ok(true);
        };
        let Some(document) = state.store.document(&record.id, &DocumentId::new(item_id)).await?
        else {
            return Ok(false);
        };
        let actor = if *representative {
            app::policy::Actor::Representative
        } else {
            app::policy::Actor::Patient
        };
        let about = crate::notices::About {
            id: Some(&document.id),
            item: crate::record::item_of_document(&document),
        };
        Ok(crate::notices::may_be_told(state, record, &actor, &about))
    }
}

async fn recipient_of(state: &AppState, session: &AnySession) -> Result<Recipient, ApiError> {
    if let SessionOwner::Professional(rpps) = &session.owner {
        return Ok(Recipient::Professional(rpps.clone()));
    }
    let session = crate::session::Session::from_any(session.clone(), state).await?;
    Ok(Recipient::Patient(session.subject().clone()))
}
