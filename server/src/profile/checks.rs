//! The ANSM thesaurus's checks of the profile's treatments: a new treatment, or a prescription
//! about to be deposited, against the current treatments the asker may read (a masked treatment
//! stays masked, even here) and against each other.

use app::{
    api::profile::{Entry, EntryInfo, EntryWritten},
    policy::Action,
    safety::{
        interactions::{PRESCRIPTION_MAX_SUBSTANCES, Prescribed, PrescriptionCheck, Thesaurus},
        medicines::Medicines,
        treatments::{self, Current},
    },
    vocabulary::Section,
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

/// The current treatments the asker may read (a masked one stays masked, even here), but
/// `except`: the profile's, and the medicines the pharmacy dispensed whose course runs today.
async fn current_treatments(
    state: &AppState,
    asker: &Asker,
    except: Option<&str>,
) -> Result<Vec<Current>, ApiError> {
    let today = state.clock.today();
    let mut typed = Vec::new();
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
            typed.push(substance.clone());
        }
    }
    let dispensed = crate::feed::history::dispensed(state, asker).await?;
    Ok(treatments::current_treatments(
        Thesaurus::embedded(),
        Some(Medicines::embedded()),
        &typed,
        &dispensed,
    ))
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
        treatments::name_findings(&current, prescribed);
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
    let found = treatments::check_treatment(
        Thesaurus::embedded(),
        Some(Medicines::embedded()),
        substance,
        &current,
    );
    Ok(EntryWritten {
        entry: stored,
        interactions: found.interactions,
        duplicates: found.duplicates,
    })
}
