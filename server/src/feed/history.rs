//! The care history as the record's readers see it: the patient's side reads it and masks a
//! line like a document; a professional reads what the access matrix gives them of
//! `reimbursement` (masked lines not, as for documents). The feed itself reads nothing.

use app::{
    api::{
        care::{CareCode, CareHistory, CareLine},
        record::MaskRequest,
    },
    policy::{Action, Author, Item},
    vocabulary::{Category, Subject},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};

use super::fhir::{Content, Named};
use super::ingest::sealing_context;
use crate::{
    AppState,
    asker::{Asker, trace},
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, Origin},
    store::{CareLineId, CareLineRecord},
    vault::Sealed,
};

/// The care history's routes, under `/api/records`.
pub fn record_routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/{record}/care-history", get(list))
        .route("/{record}/care-history/{line}/mask", post(mask))
}

/// A line as the policy sees it: reimbursement data, written by the insurer.
fn item_of(masked: bool) -> Item<'static> {
    Item {
        subject: Subject::Document(Category::Reimbursement),
        domain: None,
        author: Some(Author::Insurer),
        masked,
        hidden_from_representatives: false,
        awaiting_announcement: false,
        withdrawn: false,
    }
}

/// `GET /api/records/{record}/care-history`: the lines the asker may read, newest care first.
pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<CareHistory>, ApiError> {
    const ACTION: AuditAction = AuditAction::CareHistoryRead;
    trace::require(&state, &asker, &origin, ACTION, None, Action::Read, &item_of(false)).await?;
    let mut lines = Vec::new();
    for line in state.store.care_lines(&asker.record.id).await? {
        if asker.decide(&state, Action::Read, &item_of(line.masked)).allowed() {
            lines.push(open(&state, &line)?);
        }
    }
    trace::read(&state, &asker, &origin, ACTION, None, None).await?;
    Ok(Json(CareHistory { lines }))
}

fn open(state: &AppState, line: &CareLineRecord) -> Result<CareLine, ApiError> {
    let sealed = Sealed { key: line.key.clone(), content: line.sealed.clone() };
    let plain =
        state.vault.open(&sealed, &line.data_key, &sealing_context(&line.id, line.version))?;
    let content: Content =
        serde_json::from_slice(&plain).map_err(|_| crate::store::StoreError::Corrupt)?;
    let name = |named: Option<Named>| named.and_then(|named| named.name.or(named.rpps));
    Ok(CareLine {
        id: line.id.to_string(),
        kind: content.kind,
        date: content.date,
        code: content.code.map(|code| CareCode { system: code.system, code: code.code }),
        label: content.label,
        quantity: content.quantity,
        days_supply: content.days_supply,
        substances: content.substances,
        prescriber: name(content.prescriber),
        performer: name(content.performer),
        charged_cents: content.charged_cents,
        reimbursed_cents: content.reimbursed_cents,
        version: line.version,
        masked: line.masked,
    })
}

/// `POST /api/records/{record}/care-history/{line}/mask`: the patient's side masks or unmasks
/// a line.
pub async fn mask(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, line_id)): Path<(String, CareLineId)>,
    ApiJson(request): ApiJson<MaskRequest>,
) -> Result<StatusCode, ApiError> {
    let action =
        if request.masked { AuditAction::CareHistoryMask } else { AuditAction::CareHistoryUnmask };
    let lines = state.store.care_lines(&asker.record.id).await?;
    let Some(line) = lines.iter().find(|line| line.id == line_id) else {
        trace::read(&state, &asker, &origin, action, Some(&line_id), Some(trace::NOT_FOUND.into()))
            .await?;
        return Err(ApiError::NotFound);
    };
    let (id, item) = (Some(line.id.as_str()), item_of(line.masked));
    trace::require_or_nothing(&state, &asker, &origin, action, id, Action::Read, &item).await?;
    trace::require(&state, &asker, &origin, action, id, Action::Mask, &item).await?;
    trace::change(&state, &asker, &origin, action, id, async |rows| {
        state.store.set_care_line_masked(&asker.record.id, &line.id, request.masked, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
