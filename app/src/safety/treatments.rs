//! A new treatment against the current ones, as people name them: what the profile's treatments
//! are called ("Kardégic", "Doliprane", a substance), and the medicines the pharmacy dispensed
//! whose course still runs. Pure, so the server (when the entry is written) and the device
//! (before it is sent, offline too) give the same answer from the same data: the thesaurus, the
//! medicines database, and the lines of the care history the asker may read
//! ([`crate::api::care::dispensed_now`]).

use crate::date::Date;
use crate::safety::interactions::{Duplicate, Finding, Prescribed, Thesaurus};
use crate::safety::medicines::Medicines;
use crate::vocabulary::fold;

/// How long a dispensed medicine lasts when the line does not say (a month's box).
pub const DEFAULT_COURSE_DAYS: u32 = 30;
/// No course is counted longer than a year, whatever a line says.
pub const LONGEST_COURSE_DAYS: i64 = 366;

/// The last day of the course of a medicine dispensed on `date` for `days_supply` days.
pub fn course_end(date: Date, days_supply: Option<u32>) -> Date {
    let days = i64::from(days_supply.unwrap_or(DEFAULT_COURSE_DAYS)).min(LONGEST_COURSE_DAYS);
    Date::from_unix_seconds((date.day_number() + days) * 86_400)
}

/// Whether a medicine dispensed on `date` for `days_supply` days is still taken on `today`.
pub fn course_runs(date: Date, days_supply: Option<u32>, today: Date) -> bool {
    course_end(date, days_supply) >= today
}

/// A medicine the pharmacy dispensed whose course has not ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispensed {
    /// As the thesaurus names them (from the line, or from its CIP13 as it was stored).
    pub substances: Vec<String>,
    /// The medicine as the pharmacy named it.
    pub label: String,
    pub date: Date,
}

/// A current treatment as the check asks about it: one substance, the name the patient knows
/// the treatment by, and the day the pharmacy dispensed it when it comes from the care history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    pub substance: String,
    pub label: String,
    pub dispensed: Option<Date>,
}

/// The substances a name stands for: a substance the thesaurus knows as it is; else a
/// medicine's ("Kardégic"), a common name's or a CIP13's, when the medicines database is here
/// (the device loads it on demand); else the name as typed.
pub fn substances_of(
    thesaurus: &Thesaurus,
    medicines: Option<&Medicines>,
    name: &str,
) -> Vec<String> {
    if thesaurus.knows(name) {
        return vec![name.trim().to_owned()];
    }
    let found = medicines.map(|medicines| medicines.substances(name)).unwrap_or_default();
    if found.is_empty() { vec![name.trim().to_owned()] } else { found }
}

/// The current treatments: each typed one by its substances, then each dispensed substance the
/// profile does not already name (the patient's own word for it wins: one finding, not two);
/// of several dispenses of one substance (monthly refills), the latest.
pub fn current_treatments(
    thesaurus: &Thesaurus,
    medicines: Option<&Medicines>,
    typed: &[String],
    dispensed: &[Dispensed],
) -> Vec<Current> {
    let mut current = Vec::new();
    for name in typed {
        for substance in substances_of(thesaurus, medicines, name) {
            current.push(Current { substance, label: name.clone(), dispensed: None });
        }
    }
    let named: Vec<String> = current.iter().map(|one| fold(&one.substance)).collect();
    let mut from_pharmacy: Vec<Current> = Vec::new();
    for medicine in dispensed {
        for substance in &medicine.substances {
            if named.contains(&fold(substance)) {
                continue;
            }
            let (label, date) = (medicine.label.clone(), Some(medicine.date));
            match from_pharmacy.iter_mut().find(|one| fold(&one.substance) == fold(substance)) {
                Some(one) if one.dispensed < date => (one.label, one.dispensed) = (label, date),
                Some(_) => {}
                None => from_pharmacy.push(Current {
                    substance: substance.clone(),
                    label,
                    dispensed: date,
                }),
            }
        }
    }
    current.extend(from_pharmacy);
    current
}

/// What the thesaurus says of the treatment named `new` against each current one, each finding
/// naming the treatment as the patient knows it and where it comes from; most severe first.
pub fn check_treatment(
    thesaurus: &Thesaurus,
    medicines: Option<&Medicines>,
    new: &str,
    current: &[Current],
) -> Prescribed {
    let mut found =
        Prescribed { substance: new.to_owned(), interactions: Vec::new(), duplicates: Vec::new() };
    for substance in substances_of(thesaurus, medicines, new) {
        // Each current treatment on its own, so each finding names its own (the same substance
        // may be typed in the profile and dispensed at the pharmacy).
        for one in current {
            let against = [one.substance.clone()];
            found.interactions.extend(thesaurus.check(&substance, &against).into_iter().map(
                |finding| Finding {
                    current: one.label.clone(),
                    dispensed: one.dispensed,
                    ..finding
                },
            ));
            found.duplicates.extend(thesaurus.duplicates(&substance, &against).into_iter().map(
                |duplicate| Duplicate {
                    current: one.label.clone(),
                    dispensed: one.dispensed,
                    ..duplicate
                },
            ));
        }
    }
    found.interactions.sort_by_key(|finding| finding.interaction.severity());
    found
}

/// Findings and duplicates of a prescription named as the patient knows the current treatment,
/// with where it comes from: the thesaurus answers in substances.
pub fn name_findings(current: &[Current], prescribed: &mut Prescribed) {
    let of = |substance: &str| current.iter().find(|one| one.substance == substance);
    for finding in &mut prescribed.interactions {
        if let Some(one) = of(&finding.current) {
            (finding.current, finding.dispensed) = (one.label.clone(), one.dispensed);
        }
    }
    for duplicate in &mut prescribed.duplicates {
        if let Some(one) = of(&duplicate.current) {
            (duplicate.current, duplicate.dispensed) = (one.label.clone(), one.dispensed);
        }
    }
}
