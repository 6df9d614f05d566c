//! The ANSM thesaurus's checks of the profile's treatments: a new treatment, or a prescription
//! about to be deposited, against the current treatments the asker may read (a masked treatment
//! stays masked, even here) and against each other.

use app::{
    api::profile::{Entry, EntryInfo, EntryWritten},
    date::Date,
    policy::Action,
    safety::{
        interactions::{PRESCRIPTION_MAX_SUBSTANCES, Prescribed, PrescriptionCheck, Thesaurus},
        medicines::Medicines,
    },
    vocabulary::{Section, fold},
};
use axum::{Json, extract::State};

use super::{allowed, item_of, open_entry};
use crate::{
    AppState,
    asker::{Asker, trace},
    audit::AuditAction,
    error::ApiError,
    extract::{ApiJson, Origin},
};

/// A current treatment as the check asks about it: one substance, the name the patient knows
/// the treatment by, and the day the pharmacy dispensed it when it comes from the care history.
struct Current {
    substance: String,
    label: String,
    dispensed: Option<Date>,
}

/// The substances a name stands for: a medicine's ("Kardégic"), a substance's own, or, when the
/// medicines database does not know it, the name as typed.
fn substances_of(name: &str) -> Vec<String> {
    // A name the thesaurus knows is checked as it is.
    if Thesaurus::embedded().knows(name) {
        return vec![name.trim().to_owned()];
    }
    let found = Medicines::embedded().substances(name);
    if found.is_empty() { vec![name.trim().to_owned()] } else { found }
}

/// The current treatments the asker may read (a masked one stays masked, even here), but
/// `except`: the profile's, and the medicines the pharmacy dispensed whose course runs today.
async fn current_treatments(
    state: &AppState,
    asker: &Asker,
    except: Option<&str>,
) -> Result<Vec<Current>, ApiError> {
    let today = state.clock.today();
    let mut current = Vec::new();
    for record in state.store.entries(&asker.record.id).await? {
        let other = record.section != Section::Treatments
            || record.removed
            || Some(record.id.as_str()) == except
            || !allowed(state, asker, Action::Read, &item_of(&record)).allowed();
        if other {
            continue;
        }
        let treatment = open_entry(state, &record, &record.sealed, record.version)?;
        if let Entry::Treatment { substance, .. } = &treatment
            && treatment.is_current(today)
        {
            for one in substances_of(substance) {
                current.push(Current { substance: one, label: substance.clone(), dispensed: None });
            }
        }
    }
    // A substance the profile names already is the patient's own word for it: one finding, not
    // two. Of several dispenses of one substance (monthly refills), the latest.
    let typed: Vec<String> = current.iter().map(|one| fold(&one.substance)).collect();
    let mut dispensed: Vec<Current> = Vec::new();
    for medicine in crate::feed::history::dispensed(state, asker).await? {
        for substance in medicine.substances {
            if typed.contains(&fold(&substance)) {
                continue;
            }
            let (label, date) = (medicine.label.clone(), Some(medicine.date));
            match dispensed.iter_mut().find(|one| fold(&one.substance) == fold(&substance)) {
                Some(one) if one.dispensed < date => (one.label, one.dispensed) = (label, date),
                Some(_) => {}
                None => dispensed.push(Current { substance, label, dispensed: date }),
            }
        }
    }
    current.extend(dispensed);
    Ok(current)
}

/// Findings and duplicates named as the patient knows the current treatment, with where it
/// comes from: the thesaurus answers in substances.
fn named(current: &[Current], prescribed: &mut Prescribed) {
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

/// Checks the substances of a prescription (1 to 20 names) against the current treatments the
/// asker may read, and against each other.
pub(crate) async fn check_prescription(
    state: &AppState,
    asker: &Asker,
    substances: &[String],
) -> Result<Vec<Prescribed>, ApiError> {
    let current = current_treatments(state, asker, None).await?;
    let names: Vec<String> = current.iter().map(|one| one.substance.clone()).collect();
    let mut found = Thesaurus::embedded().check_prescription(substances, &names);
    for prescribed in &mut found {
        named(&current, prescribed);
    }
    Ok(found)
}

/// The substances as typed, trimmed; refused if none, too many, or one is not a name.
pub(crate) fn prescribed(substances: &[String]) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::input("substances", app::api::InputError::TextInvalid);
    if substances.is_empty() || substances.len() > PRESCRIPTION_MAX_SUBSTANCES {
        return Err(bad());
    }
    substances
        .iter()
        .map(|name| {
            let name = name.trim();
            let fine = !name.is_empty()
                && name.chars().count() <= app::api::profile::TEXT_MAX_CHARS
                && !name.chars().any(char::is_control);
            if fine { Ok(name.to_owned()) } else { Err(bad()) }
        })
        .collect()
}

/// `POST /api/records/{record}/interactions/check`: the check a form runs before a prescription
/// is deposited (the names travel in the body, never in the address).
pub(super) async fn check(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiJson(request): ApiJson<PrescriptionCheck>,
) -> Result<Json<Vec<Prescribed>>, ApiError> {
    let substances = prescribed(&request.substances)?;
    let found = check_prescription(&state, &asker, &substances).await?;
    trace::read(&state, &asker, &origin, AuditAction::InteractionsCheck, None, None).await?;
    Ok(Json(found))
}

/// What the thesaurus says of a treatment about to be written, against the current treatments
/// the asker may read (a masked treatment stays masked, even here); `except`: the entry being
/// changed.
pub(super) async fn of_treatment(
    state: &AppState,
    asker: &Asker,
    entry: &Entry,
    except: Option<&str>,
    stored: EntryInfo,
) -> Result<EntryWritten, ApiError> {
    let Entry::Treatment { substance, .. } = entry else {
        return Ok(EntryWritten {
            entry: stored,
            interactions: Vec::new(),
            duplicates: Vec::new(),
        });
    };
    let current = current_treatments(state, asker, except).await?;
    let thesaurus = Thesaurus::embedded();
    // Each current treatment on its own, so each finding names its own (the same substance may
    // be typed in the profile and dispensed at the pharmacy).
    let mut found = Prescribed {
        substance: substance.clone(),
        interactions: Vec::new(),
        duplicates: Vec::new(),
    };
    for new in substances_of(substance) {
        for one in &current {
            let against = [one.substance.clone()];
            let mut interactions = thesaurus.check(&new, &against);
            let mut duplicates = thesaurus.duplicates(&new, &against);
            for finding in &mut interactions {
                (finding.current, finding.dispensed) = (one.label.clone(), one.dispensed);
            }
            for duplicate in &mut duplicates {
                (duplicate.current, duplicate.dispensed) = (one.label.clone(), one.dispensed);
            }
            found.interactions.extend(interactions);
            found.duplicates.extend(duplicates);
        }
    }
    found.interactions.sort_by_key(|finding| finding.interaction.severity());
    Ok(EntryWritten {
        entry: stored,
        interactions: found.interactions,
        duplicates: found.duplicates,
    })
}
