//! A FHIR R4 `Bundle` into a record: another system's export, an IPS document, or Carnet's own
//! export (`export.rs`). What Carnet models becomes what it would be if a person entered it —
//! a profile entry (allergy, treatment, condition, vaccination, measurement, blood group,
//! implant, advance directives, organ-donation wish, a person to call) or a document with its
//! file — through the same checks, the same policy and the same audit entries as the app's
//! forms and deposits, the importer as author. What Carnet does not model is kept whole, as
//! JSON, in one text document of the record. What cannot be imported is reported with why.
//!
//! Importing the same bundle again adds nothing: each resource's entry or deposit carries an
//! idempotency key made from the resource's own bytes, and finds what the first import added
//! (a document interrupted half-way resumes where it stopped).

use std::collections::HashMap;

use app::{
    api::{
        InputError,
        profile::{AboGroup, AllergySeverity, DonationWish, Entry, MeasurementKind, Rhesus},
        record::{DepositRequest, ImportReport, ImportSkip, ImportSkipReason},
    },
    vocabulary::{Category, MediaType, valid_loinc},
};
use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::upload::{CHUNK_BYTES, append_chunk, finish_upload, start};
use crate::asker::{Asker, Who};
use crate::{AppState, error::ApiError, extract::Origin, store::UploadId};

/// Largest bundle accepted, base64 files inside: parsed whole, a bundle takes several times its
/// size in memory, so a record larger than this comes in several bundles.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Imports under way at once in this process (each holds its parsed bundle in memory); one
/// more is asked to come back in a moment.
static IMPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Whether `path` is a record's import route (`/api/records/{id}/import`), which takes a larger
/// body than the rest of the API.
pub fn is_import(path: &str) -> bool {
    matches!(path.split('/').collect::<Vec<_>>()[..], ["", "api", "records", id, "import"] if !id.is_empty())
}

/// Most resources in one bundle: each is a write of its own, and a request has 30 s (a larger
/// record comes in several bundles; one cut short is sent again and goes on).
const MAX_ENTRIES: usize = 5_000;

/// Types that only give context to others: the bundle's own document structure, the patient
/// (whose people to call are read), and what a document or a treatment refers to. Not kept.
const CONTEXT: [&str; 4] = ["Composition", "Patient", "Binary", "Medication"];

/// `POST /api/records/{record}/import`.
pub async fn import(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    if !matches!(crate::extract::media_type(&headers), "application/fhir+json" | "application/json")
    {
        return Err(ApiError::input("bundle", InputError::MediaType));
    }
    let Ok(_permit) = IMPORTS.try_acquire() else {
        return Err(ApiError::TooManyAttempts { retry_after: 5 });
    };
    let bundle: Value = serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest)?;
    if bundle["resourceType"] != "Bundle" {
        return Err(ApiError::input("bundle", InputError::MediaType));
    }
    let entries = bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
    if entries.len() > MAX_ENTRIES {
        return Err(ApiError::TooLarge);
    }
    let bundle = Resolver::new(entries);
    let mut report = ImportReport::default();
    // What the record holds already, as the checks leave it: the same item from another bundle
    // (the same summary exported twice by another system) is found, not added again.
    let today = state.clock.today();
    let held = crate::profile::readable_entries(&state, &asker).await?;
    let held = held.into_iter().filter(|info| !info.removed);
    let mut present =
        Present { entries: held.map(|info| fingerprint(&info.entry)).collect(), today };
    // Reading them is a read of the profile, traced as one.
    crate::asker::trace::read(
        &state,
        &asker,
        &origin,
        crate::audit::AuditAction::ProfileList,
        None,
        None,
    )
    .await?;
    // Each file of the bundle goes in once, and no more bytes than the bundle brought.
    let mut files = Files { used: std::collections::HashSet::new(), bytes: 0 };
    let mut kept = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let resource = &entry["resource"];
        let kind = resource["resourceType"].as_str().unwrap_or("");
        let name = match resource["id"].as_str() {
            Some(id) => format!("{kind}/{id}"),
            None => {
                entry["fullUrl"].as_str().map_or_else(|| format!("{kind}#{index}"), str::to_owned)
            }
        };
        let key = idempotency_key(entry);
        let outcome = match kind {
            "Patient" => {
                for (n, contact) in contacts(resource).into_iter().enumerate() {
                    let key = format!("{key}-{n}");
                    let outcome =
                        add_new(&state, &asker, &origin, &key, contact, &mut present, &mut report)
                            .await?;
                    count(&mut report, outcome, &name);
                }
                continue;
            }
            "DocumentReference" => {
                deposit(&state, &asker, &origin, &key, resource, &bundle, &mut files).await?
            }
            "DeviceUseStatement"
            | "AllergyIntolerance"
            | "MedicationStatement"
            | "Condition"
            | "Immunization"
            | "Observation" => match profile_entry(resource, &bundle) {
                Some(entry) => {
                    add_new(&state, &asker, &origin, &key, entry, &mut present, &mut report).await?
                }
                // A resource of a kind Carnet models, but not this one (an observation of
                // another kind): kept whole.
                None => {
                    kept.push(resource.clone());
                    continue;
                }
            },
            _ if CONTEXT.contains(&kind) || bundle.referenced(entry) => continue,
            _ => {
                kept.push(resource.clone());
                continue;
            }
        };
        count(&mut report, outcome, &name);
    }
    if !kept.is_empty() {
        report.kept = u32::try_from(kept.len()).unwrap_or(u32::MAX);
        let outcome = keep(&state, &asker, &origin, &kept).await?;
        count(&mut report, outcome, "Bundle");
    }
    Ok(Json(report))
}

/// What became of one resource.
enum Outcome {
    Added,
    Already,
    Skipped(ImportSkipReason),
}

fn count(report: &mut ImportReport, outcome: Outcome, resource: &str) {
    match outcome {
        Outcome::Added => report.added += 1,
        Outcome::Already => report.already += 1,
        Outcome::Skipped(reason) => {
            report.skipped.push(ImportSkip { resource: resource.to_owned(), reason });
        }
    }
}

/// An entry's key: its resource's bytes (and its place), digested. The same bundle gives the
/// same keys; the keys of another patient's bundle are other keys.
fn idempotency_key(entry: &Value) -> String {
    let digest = Sha256::new()
        .chain_update(b"carnet/fhir-import\0")
        .chain_update(entry["fullUrl"].as_str().unwrap_or("").as_bytes())
        .chain_update(b"\0")
        .chain_update(entry["resource"].to_string().as_bytes())
        .finalize();
    format!("fhir-{}", crate::vault::hex(&digest[..20]))
}

/// The key of a resource written by itself: the client's, else one made from its bytes.
fn key_for(client: Option<&str>, resource: &Value) -> String {
    match client {
        Some(key) => key.to_owned(),
        None => idempotency_key(&serde_json::json!({ "resource": resource })),
    }
}

/// A refusal that belongs to one resource (reported), rather than to the whole import (which
/// stops, and may be sent again: nothing it added is added twice).
fn per_resource(error: ApiError) -> Result<Outcome, ApiError> {
    match error {
        ApiError::Input { .. } | ApiError::TooLarge => {
            Ok(Outcome::Skipped(ImportSkipReason::Invalid))
        }
        ApiError::Denied(_) | ApiError::Refused(_) | ApiError::NotFound => {
            Ok(Outcome::Skipped(ImportSkipReason::NotAllowed))
        }
        other => Err(other),
    }
}

/// An entry's content, to compare.
fn fingerprint(entry: &Entry) -> String {
    serde_json::to_string(entry).unwrap_or_default()
}

/// The entries the record holds, as the checks leave them, and the day they check against.
struct Present {
    entries: std::collections::HashSet<String>,
    today: app::date::Date,
}

/// Adds `entry` unless the record holds the same already; what the interaction check finds of
/// a treatment goes in the report.
async fn add_new(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: &str,
    entry: Entry,
    present: &mut Present,
    report: &mut ImportReport,
) -> Result<Outcome, ApiError> {
    let mut checked = entry.clone();
    let print = checked.check(present.today).is_ok().then(|| fingerprint(&checked));
    if print.as_ref().is_some_and(|print| present.entries.contains(print)) {
        return Ok(Outcome::Already);
    }
    let outcome = match crate::profile::add(state, asker, origin, Some(key), entry).await {
        Ok((StatusCode::CREATED, written)) => {
            report.interactions.extend(written.interactions);
            report.duplicates.extend(written.duplicates);
            Outcome::Added
        }
        Ok(_) => Outcome::Already,
        Err(error) => return per_resource(error),
    };
    // In the record now: the same entry later in the bundle is found.
    present.entries.extend(print);
    Ok(outcome)
}

/// The bundle's entries by what refers to them: `urn:uuid:…`, `Type/id`, a full URL.
struct Resolver<'a> {
    by_reference: HashMap<String, &'a Value>,
    /// References made from resources, to tell a referenced context resource from a lone one.
    referenced: std::collections::HashSet<String>,
}

impl<'a> Resolver<'a> {
    fn new(entries: &'a [Value]) -> Self {
        let mut by_reference = HashMap::new();
        let mut referenced = std::collections::HashSet::new();
        for entry in entries {
            let resource = &entry["resource"];
            if let Some(url) = entry["fullUrl"].as_str() {
                by_reference.insert(url.to_owned(), resource);
            }
            if let (Some(kind), Some(id)) =
                (resource["resourceType"].as_str(), resource["id"].as_str())
            {
                by_reference.insert(format!("{kind}/{id}"), resource);
            }
            collect_references(resource, &mut referenced);
        }
        Self { by_reference, referenced }
    }

    fn get(&self, reference: &Value) -> Option<&'a Value> {
        let reference = reference["reference"].as_str()?;
        self.by_reference.get(reference).copied().or_else(|| {
            // `https://…/fhir/Device/7` names what `Device/7` names.
            let tail: Vec<&str> = reference.rsplitn(3, '/').take(2).collect();
            match tail[..] {
                [id, kind] => self.by_reference.get(&format!("{kind}/{id}")).copied(),
                _ => None,
            }
        })
    }

    /// Whether another resource refers to this entry (an author, a device in use).
    fn referenced(&self, entry: &Value) -> bool {
        let resource = &entry["resource"];
        let by_url = entry["fullUrl"].as_str().is_some_and(|url| self.referenced.contains(url));
        let by_id = match (resource["resourceType"].as_str(), resource["id"].as_str()) {
            (Some(kind), Some(id)) => self.referenced.contains(&format!("{kind}/{id}")),
            _ => false,
        };
        let kind = resource["resourceType"].as_str().unwrap_or("");
        // Authors and devices are context when something refers to them; a Provenance is
        // context too (the importer is the author of what is imported).
        (by_url || by_id)
            && matches!(kind, "Practitioner" | "PractitionerRole" | "Organization" | "Device")
            || kind == "Provenance"
    }
}

fn collect_references(value: &Value, out: &mut std::collections::HashSet<String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                match (name.as_str(), member) {
                    ("reference", Value::String(reference)) => {
                        out.insert(reference.clone());
                    }
                    _ => collect_references(member, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        _ => {}
    }
}

/// A concept's words: its text, else its first coding's display, else its code.
fn text_of(concept: &Value) -> Option<String> {
    let text = concept["text"].as_str().or_else(|| {
        let coding = concept["coding"].as_array()?.first()?;
        coding["display"].as_str().or_else(|| coding["code"].as_str())
    })?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The day of a FHIR date or dateTime (`2026-11-20`, `2026-11-20T08:00:00+01:00`); none for a
/// partial date.
fn day_of(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let day = text.get(..10)?;
    app::date::Date::parse(day).map(|date| date.to_string())
}

fn loinc_of(concept: &Value) -> Option<&str> {
    concept["coding"].as_array()?.iter().find_map(|coding| {
        (coding["system"] == "http://loinc.org").then(|| coding["code"].as_str()).flatten()
    })
}

/// What an import makes of each resource of a bundle's `entry` (a profile entry, checked as the
/// form checks it; a person to call from a `Patient`), writing nothing: for the fuzz targets
/// (`fuzz/`), which feed it any bytes.
pub fn entries_of(bundle: &Value, today: app::date::Date) -> Vec<Result<Entry, ()>> {
    let entries = bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
    let resolver = Resolver::new(entries);
    let mut out = Vec::new();
    for entry in entries {
        let resource = &entry["resource"];
        let found = match resource["resourceType"].as_str() {
            Some("Patient") => contacts(resource),
            _ => profile_entry(resource, &resolver).into_iter().collect(),
        };
        out.extend(
            found.into_iter().map(|mut entry| entry.check(today).map(|_| entry).map_err(|_| ())),
        );
    }
    out
}

/// The profile entry a resource is, when Carnet models it.
fn profile_entry(resource: &Value, bundle: &Resolver<'_>) -> Option<Entry> {
    Some(match resource["resourceType"].as_str()? {
        "AllergyIntolerance" => {
            let reaction = &resource["reaction"][0];
            // Carnet's own word for it (its export says it), else FHIR's.
            let said =
                resource["extension"].as_array().into_iter().flatten().find_map(|extension| {
                    let url = extension["url"].as_str().unwrap_or("");
                    url.ends_with(super::export::SEVERITY_EXTENSION_PATH)
                        .then(|| serde_json::from_value(extension["valueCode"].clone()).ok())
                        .flatten()
                });
            let severity = said.unwrap_or(
                match (reaction["severity"].as_str(), resource["criticality"].as_str()) {
                    (Some("severe"), _) | (_, Some("high")) => AllergySeverity::Severe,
                    (Some("moderate"), _) => AllergySeverity::Moderate,
                    _ => AllergySeverity::Mild,
                },
            );
            Entry::Allergy {
                substance: text_of(&resource["code"])?,
                reaction: text_of(&reaction["manifestation"][0]).unwrap_or_default(),
                severity,
            }
        }
        "MedicationStatement" => {
            let substance = match resource.get("medicationCodeableConcept") {
                Some(concept) => text_of(concept)?,
                None => text_of(&bundle.get(&resource["medicationReference"])?["code"])?,
            };
            let period = &resource["effectivePeriod"];
            Entry::Treatment {
                substance,
                dose: dose_of(&resource["dosage"][0]),
                prescriber: String::new(),
                since: day_of(&period["start"]).or_else(|| day_of(&resource["effectiveDateTime"])),
                until: day_of(&period["end"]),
            }
        }
        "Condition" => Entry::Condition {
            name: text_of(&resource["code"])?,
            since: day_of(&resource["onsetDateTime"]),
            until: day_of(&resource["abatementDateTime"]),
        },
        "Immunization" => Entry::Vaccination {
            vaccine: text_of(&resource["vaccineCode"])?,
            date: day_of(&resource["occurrenceDateTime"])?,
            lot: resource["lotNumber"].as_str().unwrap_or("").to_owned(),
        },
        "DeviceUseStatement" => {
            let device = bundle.get(&resource["device"])?;
            Entry::Implant {
                device: text_of(&device["type"])?,
                since: day_of(&resource["timingDateTime"]),
                note: device["note"][0]["text"].as_str().unwrap_or("").to_owned(),
            }
        }
        "Observation" => observation(resource)?,
        _ => return None,
    })
}

/// A dosage's words: its text, else its route, else that it is not said (Carnet asks for one).
fn dose_of(dosage: &Value) -> String {
    dosage["text"]
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .or_else(|| text_of(&dosage["route"]))
        .unwrap_or_else(|| "Posologie non précisée".to_owned())
}

fn observation(resource: &Value) -> Option<Entry> {
    let code = &resource["code"];
    let date = day_of(&resource["effectiveDateTime"]);
    // The two Carnet writes with words only (see `app::summary::fhir::entry_resources`).
    match code["text"].as_str() {
        Some(app::summary::fhir::ADVANCE_DIRECTIVES) => {
            let text = resource["valueString"].as_str()?.to_owned();
            return Some(Entry::AdvanceDirectives { text, date: date? });
        }
        Some(app::summary::fhir::ORGAN_DONATION) => {
            return donation(resource["valueString"].as_str()?);
        }
        _ => {}
    }
    let loinc = loinc_of(code)?;
    if loinc == "882-1" {
        let (group, rhesus) = blood_group(&text_of(&resource["valueCodeableConcept"])?)?;
        return Some(Entry::BloodGroup { group, rhesus });
    }
    let kind = MeasurementKind::ALL
        .into_iter()
        .find(|kind| app::summary::fhir::measurement_code(*kind) == loinc)?;
    let quantity = |value: &Value| -> Option<f64> {
        let unit = value["unit"].as_str().or_else(|| value["code"].as_str())?;
        (unit == kind.unit() || value["code"].as_str() == Some(ucum(kind.unit())))
            .then(|| value["value"].as_f64())
            .flatten()
    };
    let (value, second) = if kind == MeasurementKind::BloodPressure {
        let component = |code: &str| {
            resource["component"].as_array()?.iter().find_map(|component| {
                (loinc_of(&component["code"]) == Some(code))
                    .then(|| quantity(&component["valueQuantity"]))
                    .flatten()
            })
        };
        (component("8480-6")?, Some(component("8462-4")?))
    } else {
        (quantity(&resource["valueQuantity"])?, None)
    };
    Some(Entry::Measurement { kind, value, second, date: date? })
}

/// The UCUM code of a unit as Carnet writes it.
fn ucum(unit: &str) -> &str {
    match unit {
        "°C" => "Cel",
        "mmHg" => "mm[Hg]",
        other => other,
    }
}

/// "O+", "AB−", "A Rh-": the group and the rhesus.
fn blood_group(text: &str) -> Option<(AboGroup, Rhesus)> {
    let text: String =
        text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let (group, rest) =
        [("AB", AboGroup::Ab), ("A", AboGroup::A), ("B", AboGroup::B), ("O", AboGroup::O)]
            .into_iter()
            .find_map(|(name, group)| text.strip_prefix(name).map(|rest| (group, rest)))?;
    let rest = rest.trim_start_matches("RH").trim_start_matches("(D)");
    let rhesus = match rest {
        "+" | "POS" | "POSITIVE" | "POSITIF" => Rhesus::Positive,
        "−" | "-" | "NEG" | "NEGATIVE" | "NÉGATIF" => Rhesus::Negative,
        _ => return None,
    };
    Some((group, rhesus))
}

/// The organ-donation wish as Carnet's export words it.
fn donation(text: &str) -> Option<Entry> {
    let (wish, note) = text.split_once(" : ").unwrap_or((text, ""));
    let wish = match wish {
        "Accepte le don d'organes" => DonationWish::Yes,
        "Refuse le don d'organes" => DonationWish::No,
        "Accepte le don de certains organes" => DonationWish::Some,
        _ => return None,
    };
    Some(Entry::OrganDonation { wish, note: note.to_owned() })
}

/// The people to call the `Patient` names.
fn contacts(patient: &Value) -> Vec<Entry> {
    let Some(contacts) = patient["contact"].as_array() else { return Vec::new() };
    contacts
        .iter()
        .filter_map(|contact| {
            let name = &contact["name"];
            let name = name["text"].as_str().map(str::to_owned).or_else(|| {
                let given = name["given"].as_array()?.first()?.as_str().unwrap_or("");
                Some(format!("{given} {}", name["family"].as_str().unwrap_or("")).trim().to_owned())
            })?;
            let phone = contact["telecom"].as_array()?.iter().find_map(|telecom| {
                (telecom["system"] == "phone").then(|| telecom["value"].as_str()).flatten()
            })?;
            Some(Entry::EmergencyContact {
                name,
                relation: text_of(&contact["relationship"][0]).unwrap_or_default(),
                phone: phone.to_owned(),
            })
        })
        .collect()
}

/// The files the import has taken from the bundle so far.
struct Files {
    /// The `Binary` references used (each goes in once).
    used: std::collections::HashSet<String>,
    /// Decoded bytes, all documents together.
    bytes: usize,
}

/// A `DocumentReference` deposited with its file, as a deposit through the app would be.
async fn deposit(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: &str,
    reference: &Value,
    bundle: &Resolver<'_>,
    files: &mut Files,
) -> Result<Outcome, ApiError> {
    let (media_type, bytes) = match file_of(reference, bundle, files) {
        Ok(file) => file,
        Err(reason) => return Ok(Outcome::Skipped(reason)),
    };
    let request = deposit_request(state, asker, reference, media_type, &bytes);
    let (outcome, _) =
        deposit_bytes(state, asker, origin, &file_key(key, &bytes), request, &bytes, per_resource)
            .await?;
    Ok(outcome)
}

/// A document's file: its media type and bytes, in its attachment's `data` or in the bundle's
/// `Binary` its attachment names (each taken once), within the bytes the bundle may bring; or
/// why there is none to deposit.
fn file_of(
    reference: &Value,
    bundle: &Resolver<'_>,
    files: &mut Files,
) -> Result<(MediaType, Vec<u8>), ImportSkipReason> {
    if reference["status"] == "entered-in-error" {
        return Err(ImportSkipReason::Withdrawn);
    }
    let attachment = &reference["content"][0]["attachment"];
    let media = attachment["contentType"].as_str().unwrap_or("");
    let media_type = app::vocabulary::media_essence(media)
        .parse::<MediaType>()
        .map_err(|_| ImportSkipReason::UnsupportedFile)?;
    let data = match (attachment["data"].as_str(), attachment["url"].as_str()) {
        (Some(data), _) => Some(data),
        // A file another document took already is not stored twice.
        (None, Some(url)) if !files.used.insert(url.to_owned()) => {
            return Err(ImportSkipReason::UnsupportedFile);
        }
        (None, url) => bundle
            .get(&serde_json::json!({ "reference": url }))
            .and_then(|binary| binary["data"].as_str()),
    };
    use base64::{Engine, engine::general_purpose::STANDARD};
    let bytes = data
        .and_then(|data| STANDARD.decode(data).ok())
        .ok_or(ImportSkipReason::UnsupportedFile)?;
    files.bytes = files.bytes.saturating_add(bytes.len());
    if files.bytes > MAX_BODY_BYTES {
        return Err(ImportSkipReason::Invalid);
    }
    Ok((media_type, bytes))
}

/// The file's own bytes in its key: another file under the same description is another
/// deposit, never the end of this one.
fn file_key(key: &str, bytes: &[u8]) -> String {
    format!("{key}-{}", crate::vault::hex(&Sha256::digest(bytes)[..8]))
}

/// A document created by itself (the FHIR endpoint's create): its file in its attachment's
/// `data`, deposited as an imported one is, under a key made from its bytes unless the client
/// gives one. Every refusal is the deposit's own. The document's identifier, and whether this
/// request added it (`false`: the same document, sent again).
pub(crate) async fn create_document(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: Option<&str>,
    reference: &Value,
) -> Result<(String, bool), ApiError> {
    // Its file inside it: no bundle beside it.
    let mut files = Files { used: std::collections::HashSet::new(), bytes: 0 };
    let (media_type, bytes) =
        file_of(reference, &Resolver::new(&[]), &mut files).map_err(|reason| match reason {
            ImportSkipReason::Withdrawn => ApiError::input("status", InputError::TextInvalid),
            ImportSkipReason::Invalid => ApiError::TooLarge,
            _ => ApiError::input("content.attachment", InputError::MediaType),
        })?;
    // The file is in the key through its digest: the description is read without it.
    let key = file_key(&key_for(key, &without_files(reference)), &bytes);
    let request = deposit_request(state, asker, reference, media_type, &bytes);
    match deposit_bytes(state, asker, origin, &key, request, &bytes, Err).await? {
        (Outcome::Added, Landed::Document(id)) => Ok((id, true)),
        (Outcome::Already, Landed::Upload(upload)) => {
            // Sent before: the document its upload became (a scan of the record, on a retry
            // only). Replaced since by a new version, it is no longer this one.
            let documents = state.store.documents(&asker.record.id).await?;
            documents
                .iter()
                .find(|document| *document.upload.id == *upload)
                .map(|document| (document.id.to_string(), false))
                .ok_or(ApiError::Refused(app::api::Refusal::Conflict))
        }
        // Under the client's key, an upload of another file.
        _ => Err(ApiError::Refused(app::api::Refusal::Conflict)),
    }
}

/// A `DocumentReference` without its files' bytes (`attachment.data`).
fn without_files(reference: &Value) -> Value {
    let Some(members) = reference.as_object() else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (name, member) in members {
        if name != "content" {
            out.insert(name.clone(), member.clone());
            continue;
        }
        let contents = member.as_array().into_iter().flatten().map(|content| {
            let mut content = content.as_object().cloned().unwrap_or_default();
            if let Some(Value::Object(attachment)) = content.get_mut("attachment") {
                attachment.remove("data");
            }
            Value::Object(content)
        });
        out.insert(name.clone(), Value::Array(contents.collect()));
    }
    Value::Object(out)
}

/// A profile resource created by itself (the FHIR endpoint's create): the entry it is, added as
/// the app's form adds it (checks, policy, audit entry, interaction check), under a key made
/// from its bytes unless the client gives one; what it refers to (a treatment's `Medication`,
/// an implant's `Device`) among its `contained` resources. The entry's identifier, and whether
/// this request added it. A resource Carnet does not model as an entry is refused.
pub(crate) async fn create_entry(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: Option<&str>,
    resource: &Value,
) -> Result<(String, bool), ApiError> {
    let entry = entry_of(resource)?;
    let mut made = key_for(key, resource);
    // A key made from the content found an entry removed since: the same content again is a new
    // entry, under a key that follows the removed one's (the same for every retry).
    for _ in 0..MAX_READDED {
        let (status, written) =
            crate::profile::add(state, asker, origin, Some(&made), entry.clone()).await?;
        if key.is_some() || !written.entry.removed {
            return Ok((written.entry.id, status == StatusCode::CREATED));
        }
        made = format!("{made}-{}", written.entry.id);
    }
    Err(ApiError::TooManyAttempts { retry_after: 60 })
}

/// How many times the same content may be added, removed and added again by a key made from it.
const MAX_READDED: usize = 20;

/// A new version of a profile entry from its resource (the FHIR endpoint's replace), written
/// as the app's form writes one: from `base_version` when the client says which version it
/// changed (a conflict if the entry changed since), once per client's key.
pub(crate) async fn replace_entry(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: Option<&str>,
    id: &str,
    resource: &Value,
    base_version: Option<u32>,
) -> Result<(), ApiError> {
    let entry = entry_of(resource)?;
    let request = app::api::profile::EntryRequest { entry, base_version };
    let id = crate::store::EntryId::new(id);
    crate::profile::edit(state, asker, origin, key.map(str::to_owned), &id, request).await?;
    Ok(())
}

/// The entry a profile resource is, what it refers to among its `contained` resources; a
/// resource Carnet does not model as an entry is refused.
fn entry_of(resource: &Value) -> Result<Entry, ApiError> {
    let contained: Vec<Value> = resource["contained"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|inner| {
            let id = inner["id"].as_str()?;
            Some(serde_json::json!({ "fullUrl": format!("#{id}"), "resource": inner }))
        })
        .collect();
    profile_entry(resource, &Resolver::new(&contained))
        .ok_or(ApiError::input("resource", InputError::TextInvalid))
}

/// What a deposit of `reference`'s file announces: its title, its category (Carnet's, when the
/// asker may file there, else the asker's own kind), its LOINC type and its day of care.
fn deposit_request(
    state: &AppState,
    asker: &Asker,
    reference: &Value,
    media_type: MediaType,
    bytes: &[u8],
) -> DepositRequest {
    let attachment = &reference["content"][0]["attachment"];
    let title = [&reference["description"], &attachment["title"]]
        .into_iter()
        .find_map(|value| value.as_str().map(str::trim).filter(|title| !title.is_empty()))
        .map(str::to_owned)
        .or_else(|| text_of(&reference["type"]))
        .unwrap_or_else(|| "Document importé".to_owned());
    let category = reference["category"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|concept| concept["coding"].as_array().into_iter().flatten())
        .find_map(|coding| {
            let ours = coding["system"].as_str()?.ends_with("/fhir/CodeSystem/document-category");
            ours.then(|| coding["code"].as_str()?.parse::<Category>().ok()).flatten()
        })
        // A category the importer may not file under (a patient is not a professional
        // depositing a report): the document is theirs, filed as theirs. Asked of the policy
        // without a trace; the deposit asks again, traced.
        .filter(|category| {
            let item = super::documents::new_item(*category, None);
            asker.decide(state, app::policy::Action::Write, &item).allowed()
        })
        .unwrap_or_else(|| default_category(asker));
    let type_code =
        loinc_of(&reference["type"]).filter(|code| valid_loinc(code)).map(str::to_owned);
    let care_date = day_of(&reference["context"]["period"]["start"])
        .or_else(|| day_of(&reference["date"]))
        .unwrap_or_else(|| state.clock.today().to_string());
    let size = bytes.len() as u64;
    DepositRequest {
        type_code,
        ..DepositRequest::plain(title, category, care_date, media_type, size)
    }
}

/// A patient's own documents are theirs; a professional's import is a report.
fn default_category(asker: &Asker) -> Category {
    match asker.who {
        Who::Professional { .. } => Category::Reports,
        Who::Holder | Who::Representative => Category::PatientOwn,
    }
}

/// Where a deposit ended: a document made now, an upload finished before (a document, unless a
/// new version replaced it since), or nowhere.
enum Landed {
    Document(String),
    Upload(String),
    Nowhere,
}

/// Announces, sends (from where an earlier try stopped) and finishes a deposit: what became of
/// it, and the document's identifier when there is one. A refusal goes through `refused` (an
/// import reports it and goes on; a create answers it).
async fn deposit_bytes(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    key: &str,
    request: DepositRequest,
    bytes: &[u8],
    refused: fn(ApiError) -> Result<Outcome, ApiError>,
) -> Result<(Outcome, Landed), ApiError> {
    let (_, upload) = match start(state, asker, origin, Some(key), request).await {
        Ok(started) => started,
        Err(error) => return Ok((refused(error)?, Landed::Nowhere)),
    };
    if upload.finished {
        return Ok((Outcome::Already, Landed::Upload(upload.upload_id)));
    }
    // The key is the bytes' own, but it is a key anyone may send: an upload of another size
    // under it is not this file.
    if upload.size != bytes.len() as u64 {
        return Ok((Outcome::Skipped(ImportSkipReason::Invalid), Landed::Nowhere));
    }
    let id = UploadId::new(upload.upload_id.clone());
    let mut offset = upload.received;
    while offset < upload.size {
        let end = (offset + CHUNK_BYTES).min(upload.size);
        let Some(chunk) = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(from, to)| bytes.get(from..to))
        else {
            return Ok((Outcome::Skipped(ImportSkipReason::Invalid), Landed::Nowhere));
        };
        offset = match append_chunk(state, asker, origin, &id, offset, chunk).await {
            Ok(Ok(status)) | Ok(Err(status)) => status.received,
            Err(error) => return Ok((refused(error)?, Landed::Nowhere)),
        };
    }
    // Finished now: added by this import, or by the one that started it and stopped.
    match finish_upload(state, asker, origin, &id).await {
        Ok(document) => Ok((Outcome::Added, Landed::Document(document.id))),
        Err(error) => Ok((refused(error)?, Landed::Nowhere)),
    }
}

/// What Carnet does not model, kept whole as one text document (JSON), so that nothing of the
/// bundle is lost.
async fn keep(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    kept: &[Value],
) -> Result<Outcome, ApiError> {
    let text = serde_json::to_string_pretty(kept).unwrap_or_default();
    let key = format!("fhir-kept-{}", crate::vault::hex(&Sha256::digest(text.as_bytes())[..20]));
    // Titled in the record holder's language.
    let title = if asker.record.locale == "en" {
        format!("FHIR import: items kept as they were ({})", kept.len())
    } else {
        format!("Import FHIR : éléments conservés tels quels ({})", kept.len())
    };
    let today = state.clock.today().to_string();
    let size = text.len() as u64;
    let request =
        DepositRequest::plain(title, default_category(asker), today, MediaType::Text, size);
    let (outcome, _) =
        deposit_bytes(state, asker, origin, &key, request, text.as_bytes(), per_resource).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    /// What the fuzz target `fhir_import` feeds any bytes: HL7's IPS example maps to the
    /// entries an import writes of it, and what is not a bundle maps to nothing.
    #[test]
    fn a_bundle_maps_to_the_entries_its_import_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fhir");
        let text =
            std::fs::read_to_string(root.join("Bundle-IPS-examples-Bundle-01.json")).unwrap();
        let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
        let today = app::date::Date::parse("2026-12-07").unwrap();
        let entries = super::entries_of(&bundle, today);
        let accepted = entries.iter().filter(|entry| entry.is_ok()).count();
        assert!(accepted >= 5, "{entries:?}");
        for nothing in
            [serde_json::json!(null), serde_json::json!({ "entry": 3 }), serde_json::json!([1])]
        {
            assert!(super::entries_of(&nothing, today).is_empty());
        }
    }

    #[test]
    fn only_a_record_s_own_import_route_takes_the_larger_body() {
        assert!(super::is_import("/api/records/0a1b/import"));
        for other in ["/api/records/0a1b/uploads/import", "/api/records//import", "/api/import"] {
            assert!(!super::is_import(other), "{other}");
        }
    }
}
