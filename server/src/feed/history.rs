//! The care history as the record's readers see it: the patient's side reads it and masks a
//! line like a document; a professional reads what the access matrix gives them of
//! `reimbursement` (masked lines not, as for documents). The feed itself reads nothing.

use app::{
    api::{
        care::{CareCode, CareHistory, CareLine},
        record::MaskRequest,
    },
    policy::{Action, Author, Item},
    safety::treatments::{Dispensed, LONGEST_COURSE_DAYS, course_runs},
    vocabulary::{CareKind, Category, Subject},
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
pub(super) fn item_of(masked: bool) -> Item<'static> {
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
    let lines = readable_lines(&state, &asker).await?;
    trace::read(&state, &asker, &origin, ACTION, None, None).await?;
    Ok(Json(CareHistory { lines }))
}

/// The lines the asker may read, newest care first, each with what the asker may do with it
/// (none at all when the access matrix gives them no reimbursement data).
pub async fn readable_lines(state: &AppState, asker: &Asker) -> Result<Vec<CareLine>, ApiError> {
    let mut lines = Vec::new();
    for line in state.store.care_lines(&asker.record.id).await? {
        let item = item_of(line.masked);
        if asker.decide(state, Action::Read, &item).allowed() {
            let mut shown = open(state, &line)?;
            if asker.decide(state, Action::Mask, &item).allowed() {
                shown.allowed.push(Action::Mask);
            }
            lines.push(shown);
        }
    }
    Ok(lines)
}

/// A line's content, unsealed.
fn content(state: &AppState, line: &CareLineRecord) -> Result<Content, ApiError> {
    let sealed = Sealed { key: line.key.clone(), content: line.sealed.clone() };
    let context = sealing_context(&line.id, line.version);
    let plain = state.vault.open(&sealed, &line.data_key, &context)?;
    Ok(serde_json::from_slice(&plain).map_err(|_| crate::store::StoreError::Corrupt)?)
}

fn open(state: &AppState, line: &CareLineRecord) -> Result<CareLine, ApiError> {
    let content = content(state, line)?;
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
        allowed: Vec::new(),
    })
}

/// The dispensed medicines of the record that the asker may read (a masked line stays masked,
/// even here) and whose course runs today (the same rule as the device's:
/// [`app::safety::treatments::course_runs`]).
pub async fn dispensed(state: &AppState, asker: &Asker) -> Result<Vec<Dispensed>, ApiError> {
    let today = state.clock.today();
    let mut current = Vec::new();
    // Newest care first: the lines past the longest course end the walk.
    for line in state.store.care_lines(&asker.record.id).await? {
        if today.day_number() - line.care_date.day_number() > LONGEST_COURSE_DAYS {
            break;
        }
        if line.kind != CareKind::Pharmacy {
            continue;
        }
        let Some(content) = open_for_check(state, asker, &line) else { continue };
        // A pack's substances were filled in from its CIP13 when the line was stored.
        if !content.substances.is_empty() && course_runs(content.date, content.days_supply, today) {
            let (substances, label, date) = (content.substances, content.label, content.date);
            current.push(Dispensed { substances, label, date });
        }
    }
    Ok(current)
}

/// An exam the health insurer reimbursed, as the repeated-exam check needs it.
pub struct ReimbursedExam {
    pub id: String,
    pub label: String,
    /// `YYYY-MM-DD`, as a document's day of care.
    pub care_date: String,
}

/// A line's content for a check, if the asker may read the line (a masked line stays masked,
/// even here). A line that does not open is the store's fault, not the check's: left out, and
/// said, so that a check never turns the request it serves into an error.
fn open_for_check(state: &AppState, asker: &Asker, line: &CareLineRecord) -> Option<Content> {
    if !asker.decide(state, Action::Read, &item_of(line.masked)).allowed() {
        return None;
    }
    match content(state, line) {
        Ok(content) => Some(content),
        Err(error) => {
            tracing::error!(error = &error as &dyn std::error::Error, "a care line does not open");
            None
        }
    }
}

/// The reimbursed exams of `category` (lab results, imaging) coded `loinc` in the lines the
/// asker may read (a masked line stays masked, even here).
pub async fn exams(
    state: &AppState,
    asker: &Asker,
    category: Category,
    loinc: &str,
) -> Result<Vec<ReimbursedExam>, ApiError> {
    let kind = match category {
        Category::LabResults => CareKind::Lab,
        Category::Imaging => CareKind::Imaging,
        _ => return Ok(Vec::new()),
    };
    // Not the reimbursement data this asker may read: no exam from it (and no refusal either,
    // the documents' check still answers).
    if !asker.decide(state, Action::Read, &item_of(false)).allowed() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for line in state.store.care_lines(&asker.record.id).await? {
        if line.kind != kind {
            continue;
        }
        let Some(content) = open_for_check(state, asker, &line) else { continue };
        if content.exam_code.as_deref() == Some(loinc) {
            let (id, label) = (line.id.to_string(), content.label);
            found.push(ReimbursedExam { id, label, care_date: content.date.to_string() });
        }
    }
    Ok(found)
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
    let Some(line) = state.store.care_line(&asker.record.id, &line_id).await? else {
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
