//! The care history on the wire: what the health insurer's feed wrote into the record (its
//! reimbursed care and the medicines dispensed at the pharmacy), as the asker may read it.

use serde::{Deserialize, Serialize};

use crate::{
    date::Date,
    safety::treatments::{Dispensed, course_runs},
    vocabulary::{CareKind, fold},
};

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
    /// What the asker may do with the line, as the server's policy says (`mask`).
    pub allowed: Vec<crate::policy::Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareCode {
    pub system: String,
    pub code: String,
}

impl CareLine {
    /// Whether the line is of `kind` (any, if `None`) and holds every one of `words` (each
    /// folded: [`crate::vocabulary::fold`]) in its label, code, substances or names.
    pub fn matches(&self, kind: Option<CareKind>, words: &[String]) -> bool {
        if kind.is_some_and(|kind| kind != self.kind) {
            return false;
        }
        if words.is_empty() {
            return true;
        }
        let mut text = fold(&self.label);
        let names = self.prescriber.iter().chain(&self.performer).chain(&self.substances);
        for name in names.chain(self.code.as_ref().map(|code| &code.code)) {
            text.push(' ');
            text.push_str(&fold(name));
        }
        words.iter().all(|word| text.contains(word.as_str()))
    }
}

/// The words of a search, folded as [`CareLine::matches`] reads them.
pub fn search_words(query: &str) -> Vec<String> {
    query.split_whitespace().map(fold).collect()
}

/// What was charged and what the insurer paid back, over some lines (those that say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub charged_cents: i64,
    pub reimbursed_cents: i64,
}

impl Totals {
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a CareLine>) -> Self {
        lines.into_iter().fold(Self::default(), |sum, line| Self {
            charged_cents: sum.charged_cents.saturating_add(line.charged_cents.unwrap_or(0)),
            reimbursed_cents: sum
                .reimbursed_cents
                .saturating_add(line.reimbursed_cents.unwrap_or(0)),
        })
    }
}

/// The lines of one calendar month, newest care first, and their totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    pub lines: Vec<CareLine>,
    pub totals: Totals,
}

/// Lines grouped by the month of their care, newest month first (whatever order they came in).
pub fn by_month(lines: impl IntoIterator<Item = CareLine>) -> Vec<Month> {
    let mut lines: Vec<CareLine> = lines.into_iter().collect();
    lines.sort_by_key(|line| std::cmp::Reverse(line.date));
    let mut months: Vec<Month> = Vec::new();
    for line in lines {
        let (year, month) = (line.date.year(), line.date.month());
        match months.last_mut() {
            Some(last) if (last.year, last.month) == (year, month) => last.lines.push(line),
            _ => months.push(Month { year, month, lines: vec![line], totals: Totals::default() }),
        }
    }
    for month in &mut months {
        month.totals = Totals::of(&month.lines);
    }
    months
}

/// An amount in euro cents as people write it: `12,50 €` in French, `€12.50` in English.
pub fn euros(cents: i64, french: bool) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, rest) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
    // Thousands grouped: a narrow no-break space in French, a comma in English.
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(if french { '\u{202f}' } else { ',' });
        }
        grouped.push(digit);
    }
    if french {
        format!("{sign}{grouped},{rest:02}\u{a0}€")
    } else {
        format!("{sign}€{grouped}.{rest:02}")
    }
}

/// The lines of medicines the pharmacy dispensed (with their substances) whose course runs on
/// `today`: current treatments for the checks and the emergency summary. The lines are those
/// the asker may read: a line masked from someone stays out.
pub fn dispensed_lines<'a>(
    lines: impl IntoIterator<Item = &'a CareLine>,
    today: Date,
) -> Vec<&'a CareLine> {
    lines
        .into_iter()
        .filter(|line| line.kind == CareKind::Pharmacy && !line.substances.is_empty())
        .filter(|line| course_runs(line.date, line.days_supply, today))
        .collect()
}

/// The same, as the treatment check reads them.
pub fn dispensed_now<'a>(
    lines: impl IntoIterator<Item = &'a CareLine>,
    today: Date,
) -> Vec<Dispensed> {
    dispensed_lines(lines, today)
        .into_iter()
        .map(|line| Dispensed {
            substances: line.substances.clone(),
            label: line.label.clone(),
            date: line.date,
        })
        .collect()
}
