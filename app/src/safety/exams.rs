//! Repeated exams (the reference's promise: "avoid repeated exams"): before a lab result or an
//! imaging report is deposited, the exams of the same type code (LOINC) done within that type's
//! window are named. The windows are data (`app/policy/exam-windows.json`, replaceable with
//! `--exam-windows`): a default per category, and per type where it differs (HbA1c every three
//! months, a lipid panel once a year…).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::vocabulary::{Category, valid_loinc};

/// The built-in windows.
pub const DEFAULT_JSON: &str = include_str!("../../policy/exam-windows.json");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamWindows {
    version: String,
    default_days: BTreeMap<Category, u32>,
    by_type: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    version: String,
    default_days: BTreeMap<Category, u32>,
    by_type: BTreeMap<String, u32>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowsError {
    #[error("not a carnet-exam-windows/1 file")]
    Format,
    #[error("{0} is not a LOINC code")]
    Code(String),
    #[error("a window is 1 to 3,650 days")]
    Days,
}

/// An exam of the same type already in the record, within the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatedExam {
    pub document_id: String,
    pub title: String,
    pub care_date: String,
    /// Days between that exam and the new one.
    pub days_apart: u32,
    /// The window of this type, in days.
    pub window_days: u32,
    /// Known from the health insurer's care history (a reimbursed exam), not from a document:
    /// `document_id` is then the care line's.
    #[serde(default)]
    pub reimbursed: bool,
}

/// An earlier document, as the check needs it.
pub struct Earlier<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: Category,
    pub type_code: Option<&'a str>,
    pub care_date: &'a str,
    /// A reimbursed exam from the care history.
    pub reimbursed: bool,
}

impl ExamWindows {
    pub fn parse(json: &str) -> Result<Self, WindowsError> {
        let file: File = serde_json::from_str(json).map_err(|_| WindowsError::Format)?;
        if file.format != "carnet-exam-windows/1" {
            return Err(WindowsError::Format);
        }
        if let Some(code) = file.by_type.keys().find(|code| !valid_loinc(code)) {
            return Err(WindowsError::Code(code.clone()));
        }
        let days_ok = |days: &u32| (1..=3650).contains(days);
        if !file.by_type.values().all(days_ok) || !file.default_days.values().all(days_ok) {
            return Err(WindowsError::Days);
        }
        Ok(Self { version: file.version, default_days: file.default_days, by_type: file.by_type })
    }

    pub fn reference() -> Self {
        Self::parse(DEFAULT_JSON).expect("the built-in exam windows are checked by the tests")
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The window of an exam of this category and type, if it is one that repeats.
    pub fn window(&self, category: Category, type_code: &str) -> Option<u32> {
        let default = self.default_days.get(&category).copied()?;
        Some(self.by_type.get(type_code).copied().unwrap_or(default))
    }

    /// The earlier exams of the same type within the window before or after `care_date`, the
    /// closest first. Nothing for a document that is not an exam or has no type code.
    pub fn repeated(
        &self,
        category: Category,
        type_code: Option<&str>,
        care_date: Date,
        earlier: &[Earlier<'_>],
    ) -> Vec<RepeatedExam> {
        let Some(code) = type_code else { return Vec::new() };
        let Some(window) = self.window(category, code) else { return Vec::new() };
        let day = care_date.day_number();
        let mut found: Vec<RepeatedExam> = earlier
            .iter()
            .filter(|e| e.category == category && e.type_code == Some(code))
            .filter_map(|e| {
                let other = Date::parse(e.care_date)?;
                let apart = u32::try_from((day - other.day_number()).abs()).ok()?;
                (apart <= window).then(|| RepeatedExam {
                    document_id: e.id.to_owned(),
                    title: e.title.to_owned(),
                    care_date: e.care_date.to_owned(),
                    days_apart: apart,
                    window_days: window,
                    reimbursed: e.reimbursed,
                })
            })
            .collect();
        found.sort_by_key(|exam| exam.days_apart);
        found
    }
}
