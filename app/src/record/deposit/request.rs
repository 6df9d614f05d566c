//! What the deposit form's fields make: the request to send and the exam to check for
//! repetition, or the field to correct. Pure, so the host tests it.

use crate::api::InputError;
use crate::{
    api::record::DepositRequest,
    vocabulary::{Category, MediaType, valid_loinc},
};

/// The deposit form's fields as typed, and the chosen file's type and size.
#[derive(Clone, Debug)]
pub struct DepositFields {
    pub title: String,
    pub category: Category,
    /// LOINC code of the document's type, or empty.
    pub type_code: String,
    pub care_date: String,
    /// The type the browser gives the file (`application/pdf`); the server checks the bytes.
    pub file_type: String,
    pub size: u64,
    pub confidential: bool,
    pub held_back: bool,
    /// A prescription's or a dispensing's substances, separated by commas, semicolons or lines.
    pub substances: String,
    /// The exam a prescription prescribes (`lab_results`, `imaging`), or empty.
    pub exam_kind: String,
    pub exam_code: String,
}

/// What the fields make: the announcement to send, and the exam to check for repetition (the
/// exam deposited, or the one a prescription prescribes) with its LOINC code.
#[derive(Clone, Debug, PartialEq)]
pub struct Deposit {
    pub request: DepositRequest,
    pub exam: Option<(Category, String)>,
}

/// The deposit the fields describe, or the field to correct and why. The server checks all of
/// it again; this only spares a round trip.
pub fn build(fields: DepositFields) -> Result<Deposit, (&'static str, InputError)> {
    let code = fields.type_code.trim().to_owned();
    if !code.is_empty() && !valid_loinc(&code) {
        return Err(("type_code", InputError::TypeCodeInvalid));
    }
    let prescribed_exam = match fields.exam_kind.as_str() {
        _ if fields.category != Category::Prescriptions => None,
        "lab_results" => Some(Category::LabResults),
        "imaging" => Some(Category::Imaging),
        _ => None,
    };
    let prescribed_code = fields.exam_code.trim().to_owned();
    if prescribed_exam.is_some() && !valid_loinc(&prescribed_code) {
        return Err(("exam_code", InputError::TypeCodeInvalid));
    }
    let media_type = match fields.file_type.as_str() {
        "application/pdf" => MediaType::Pdf,
        "image/jpeg" => MediaType::Jpeg,
        "image/png" => MediaType::Png,
        "text/plain" => MediaType::Text,
        _ => return Err(("file", InputError::MediaType)),
    };
    let names_drugs = fields.category.names_medicines();
    let substances = if names_drugs {
        fields
            .substances
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let exam = match (fields.category, prescribed_exam) {
        (Category::LabResults | Category::Imaging, _) => {
            (!code.is_empty()).then(|| (fields.category, code.clone()))
        }
        (_, Some(kind)) => Some((kind, prescribed_code)),
        _ => None,
    };
    let request = DepositRequest {
        title: fields.title,
        category: fields.category,
        type_code: (!code.is_empty()).then_some(code),
        care_date: fields.care_date,
        media_type,
        size: fields.size,
        domain: None,
        replaces: None,
        hidden_from_representatives: fields.confidential,
        awaiting_announcement: fields.held_back,
        substances,
    };
    Ok(Deposit { request, exam })
}
