//! The care history on the wire: what the health insurer's feed wrote into the record (its
//! reimbursed care and the medicines dispensed at the pharmacy), as the asker may read it.

use serde::{Deserialize, Serialize};

use crate::{date::Date, vocabulary::CareKind};

/// `GET /api/records/{record}/care-history`: the lines the asker may read, newest care first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareHistory {
    pub lines: Vec<CareLine>,
}

/// One reimbursed care or dispensed medicine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareLine {
    pub id: String,
    pub kind: CareKind,
    pub date: Date,
    /// The act's or the medicine's code, in its system (CCAM, NABM, CIP13…).
    pub code: Option<CareCode>,
    pub label: String,
    pub quantity: Option<u32>,
    /// How many days a dispensed medicine lasts.
    pub days_supply: Option<u32>,
    pub substances: Vec<String>,
    pub prescriber: Option<String>,
    pub performer: Option<String>,
    /// What was charged and what the insurer paid back, in euro cents.
    pub charged_cents: Option<i64>,
    pub reimbursed_cents: Option<i64>,
    /// The insurer corrected the line `version - 1` times.
    pub version: u32,
    pub masked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareCode {
    pub system: String,
    pub code: String,
}
