//! Repeated exams: the earlier exams of a category and type within the type's window, for the
//! check a professional sees before prescribing or depositing one again: those deposited as
//! documents, and those the health insurer reimbursed (the care history).

use crate::audit::AuditAction;
use app::{
    api::{InputError, record::RepeatedQuery, validate::Date},
    policy::Action,
    safety::exams::{Earlier, RepeatedExam},
    vocabulary::valid_loinc,
};
use axum::{Json, extract::State};

use super::documents::{decide_for, item_of, open_title};
use crate::asker::{Asker, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiQuery, Origin},
};

/// The exams of this category and type the asker may read within the type's window around
/// `care_date` (titles are opened only for those).
pub(super) async fn repeated_exams(
    state: &AppState,
    asker: &Asker,
    category: app::vocabulary::Category,
    type_code: Option<&str>,
    care_date: Date,
) -> Result<Vec<RepeatedExam>, ApiError> {
    let Some(code) = type_code.filter(|code| state.exam_windows.window(category, code).is_some())
    else {
        return Ok(Vec::new());
    };
    let mut same = Vec::new();
    for document in state.store.documents(&asker.record.id).await? {
        let candidate = document.category == category
            && !document.withdrawn
            && document.upload.type_code.as_deref() == Some(code)
            && decide_for(state, asker, Action::Read, &item_of(&document)).allowed();
        if candidate {
            let title = open_title(state, &document.upload)?;
            same.push((document, title));
        }
    }
    // The same exam reimbursed by the health insurer, from the care history the asker may read.
    let reimbursed = crate::feed::history::exams(state, asker, category, code).await?;
    let mut earlier: Vec<Earlier<'_>> = same
        .iter()
        .map(|(document, title)| Earlier {
            id: &document.id,
            title,
            category: document.category,
            type_code: document.upload.type_code.as_deref(),
            care_date: &document.upload.care_date,
            reimbursed: false,
        })
        .collect();
    earlier.extend(reimbursed.iter().map(|exam| Earlier {
        id: &exam.id,
        title: &exam.label,
        category,
        type_code: Some(code),
        care_date: &exam.care_date,
        reimbursed: true,
    }));
    Ok(state.exam_windows.repeated(category, Some(code), care_date, &earlier))
}

/// The repeated-exam check on its own, for a form about to deposit or prescribe an exam.
pub async fn repeated(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiQuery(query): ApiQuery<RepeatedQuery>,
) -> Result<Json<Vec<RepeatedExam>>, ApiError> {
    if !valid_loinc(&query.type_code) {
        return Err(ApiError::input("type_code", InputError::TypeCodeInvalid));
    }
    let care_date = Date::parse(&query.care_date)
        .ok_or(ApiError::input("care_date", InputError::DateInvalid))?;
    let found =
        repeated_exams(&state, &asker, query.category, Some(&query.type_code), care_date).await?;
    trace::read(&state, &asker, &origin, AuditAction::ExamsCheck, None, None).await?;
    Ok(Json(found))
}
