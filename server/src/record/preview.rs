//! The record as a given professional would see it, for the patient deciding what to share.

use crate::audit::AuditAction;
use app::{
    api::record::{HiddenDocument, Preview},
    policy::{Action, Author, BreakGlass, Decision, Item, decide},
    vocabulary::{Section, Subject},
};
use axum::{
    Json,
    extract::{Path, State},
};

use super::documents::{decide_for, info, item_of, open_title};
use crate::asker::{Asker, Names, trace};
use crate::{AppState, error::ApiError, extract::Origin};

/// The record as a given professional would see it: for the patient side only, through the
/// same policy the professional's own requests go through (without break-glass).
pub async fn preview(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, rpps)): Path<(String, String)>,
) -> Result<Json<Preview>, ApiError> {
    let sharing = Item::about(Subject::Sharing);
    let (action, id) = (Action::Read, Some(rpps.as_str()));
    trace::require_or_nothing(
        &state,
        &asker,
        &origin,
        AuditAction::RecordPreview,
        id,
        action,
        &sharing,
    )
    .await?;
    let rpps = app::directory::Rpps::parse(&rpps).ok_or(ApiError::NotFound)?;
    let professional = state
        .store
        .professional(&rpps)
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::NotFound)?;
    let consent = state.store.consent(&asker.record.id, &rpps).await?;
    let actor =
        crate::asker::professional_actor(&asker.record, &professional, &consent, BreakGlass::Off);
    let context = state.policy_context(&asker.record);
    let mut names = Names::new();
    let (mut documents, mut hidden) = (Vec::new(), Vec::new());
    for document in state.store.documents(&asker.record.id).await? {
        let item = item_of(&document);
        // Only what the asker may read themselves is listed, either way.
        if !decide_for(&state, &asker, Action::Read, &item).allowed() {
            continue;
        }
        match decide(&context, &actor, Action::Read, &item) {
            Decision::Allow(_) => documents.push(info(&state, &document, &mut names).await?),
            Decision::Deny(reason) => hidden.push(HiddenDocument {
                id: document.id.to_string(),
                title: open_title(&state, &document.upload)?,
                category: document.category,
                care_date: document.upload.care_date.clone(),
                reason,
            }),
        }
    }
    let profile = Section::ALL
        .into_iter()
        .filter(|section| {
            let item =
                Item { author: Some(Author::Patient), ..Item::about(Subject::Profile(*section)) };
            decide(&context, &actor, Action::Read, &item).allowed()
        })
        .collect();
    trace::read(&state, &asker, &origin, AuditAction::RecordPreview, Some(rpps.as_str()), None)
        .await?;
    Ok(Json(Preview { professional: professional.professional, documents, hidden, profile }))
}
