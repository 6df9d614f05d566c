//! The summary as an International Patient Summary: a FHIR R4 `Bundle` of type `document`
//! whose first entry is the `Composition` (LOINC 60591-5), then the `Patient` (with the people to
//! call as contacts and the regular doctor as general practitioner) and one resource per item.
//! A required section left empty carries its `emptyReason`. Pure: the caller gives the bundle's
//! UUID and the moment.
//!
//! Longer than most files: one resource builder per kind of item, each a FHIR shape to read
//! beside the others and beside the IPS profile they follow.

use serde_json::{Value, json};

use super::{EmptyReason, Part, Summary, SummaryPart};
use crate::api::profile::{AllergySeverity, DonationWish, Entry, MeasurementKind};
use crate::safety::medicines::{Medicines, SUBSTANCE_SYSTEM};

const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
/// The French RPPS identifier system (ANS).
const RPPS: &str = "urn:oid:1.2.250.1.71.4.2.1";

/// Builds the bundle. `uuid`: a random UUID for the bundle (its resources' UUIDs derive from
/// it); `timestamp`: an instant, `2026-12-02T10:00:00Z`; `english`: the language of the titles;
/// `medicines`: the medicines database, to code the substances of what it names (without it,
/// or where it names nothing, text only).
pub fn bundle(
    summary: &Summary,
    uuid: &str,
    timestamp: &str,
    english: bool,
    medicines: Option<&Medicines>,
) -> Value {
    let mut ids =
        Ids { stem: uuid.get(..24).unwrap_or("00000000-0000-4000-8000-").to_owned(), next: 0 };
    let patient_id = ids.next();
    let composition_id = ids.next();
    let mut resources = Vec::new();
    let practitioner = summary.regular_doctor.as_ref().map(|doctor| {
        let id = ids.next();
        let mut resource =
            practitioner(doctor.rpps.as_str(), &doctor.given_name, &doctor.family_name);
        resource["address"] = json!([{ "text": doctor.place }]);
        resources.push((id.clone(), resource));
        id
    });
    let patient = patient_resource(summary, practitioner.as_deref());
    let subject = json!({ "reference": urn(&patient_id) });
    let mut sections = Vec::new();
    let mut coding = Coding { ids: &mut ids, resources: &mut resources, medicines };
    for part in &sections_of(summary) {
        if let Some(section) = section(part, &subject, &mut coding, english) {
            sections.push(section);
        }
    }
    let title = if english { "Emergency patient summary" } else { "Résumé patient d'urgence" };
    let composition = json!({
        "resourceType": "Composition",
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": subject,
        "date": timestamp,
        "author": [subject],
        "title": title,
        "confidentiality": "N",
        "section": sections,
    });
    let mut entries = vec![entry(&composition_id, composition), entry(&patient_id, patient)];
    entries.extend(resources.into_iter().map(|(id, resource)| entry(&id, resource)));
    json!({
        "resourceType": "Bundle",
        "language": if english { "en" } else { "fr" },
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(uuid) },
        "type": "document",
        "timestamp": timestamp,
        "entry": entries,
    })
}

/// How the export names the two entries it writes as words only (`Observation.code.text`), and
/// how the import knows them again.
pub const ADVANCE_DIRECTIVES: &str = "Directives anticipées";
pub const ORGAN_DONATION: &str = "Don d'organes";

/// The resources of one profile entry outside a summary (the whole record's export): the
/// entry's own resource first, under `uuid` (the entry's identifier), then those it refers to
/// (a treatment's `Medication`, an implant's `Device`), under identifiers derived from it. Advance
/// directives and the organ-donation wish, which the IPS carries in its narrative only, are an
/// `Observation` holding their text; an emergency contact is none (it is on the `Patient`).
pub fn entry_resources(
    entry: &Entry,
    subject: &Value,
    uuid: &str,
    medicines: Option<&Medicines>,
) -> Vec<(String, Value)> {
    let mut ids =
        Ids { stem: uuid.get(..24).unwrap_or("00000000-0000-4000-8000-").to_owned(), next: 0 };
    let mut resources = Vec::new();
    let mut coding = Coding { ids: &mut ids, resources: &mut resources, medicines };
    let main = match entry {
        Entry::AdvanceDirectives { text, date } => Some(json!({
            "resourceType": "Observation",
            "status": "final",
            "code": { "text": ADVANCE_DIRECTIVES },
            "subject": subject,
            "effectiveDateTime": date,
            "valueString": text,
        })),
        Entry::OrganDonation { .. } => Some(json!({
            "resourceType": "Observation",
            "status": "final",
            "code": { "text": ORGAN_DONATION },
            "subject": subject,
            "valueString": line(entry, false),
        })),
        _ => resource(entry, subject, &mut coding),
    };
    match main {
        Some(main) => std::iter::once((uuid.to_owned(), main)).chain(resources).collect(),
        None => Vec::new(),
    }
}

/// The `Patient`: names, birth date, the people to call (emergency-contact entries) and the
/// regular doctor's reference.
pub fn patient(
    line: &super::PatientLine,
    contacts: &[&Entry],
    practitioner: Option<&str>,
) -> Value {
    let mut patient = json!({
        "resourceType": "Patient",
        "name": [{ "family": line.family_name, "given": [line.given_name] }],
        "birthDate": line.birth_date,
    });
    let contacts: Vec<Value> = contacts
        .iter()
        .filter_map(|entry| match entry {
            Entry::EmergencyContact { name, relation, phone } => {
                let mut contact = json!({
                    "name": { "text": name },
                    "telecom": [{ "system": "phone", "value": phone }],
                });
                if !relation.is_empty() {
                    contact["relationship"] = json!([{ "text": relation }]);
                }
                Some(contact)
            }
            _ => None,
        })
        .collect();
    if !contacts.is_empty() {
        patient["contact"] = Value::Array(contacts);
    }
    if let Some(id) = practitioner {
        patient["generalPractitioner"] = json!([{ "reference": urn(id) }]);
    }
    patient
}

/// A professional as a `Practitioner`, known by their RPPS number.
pub fn practitioner(rpps: &str, given_name: &str, family_name: &str) -> Value {
    let mut practitioner = json!({
        "resourceType": "Practitioner",
        "identifier": [{ "system": RPPS, "value": rpps }],
    });
    if !family_name.is_empty() || !given_name.is_empty() {
        practitioner["name"] = json!([{ "family": family_name, "given": [given_name] }]);
    }
    practitioner
}

/// `urn:uuid:…`: how a bundle's entries refer to one another.
pub fn urn(uuid: &str) -> String {
    format!("urn:uuid:{uuid}")
}

/// A FHIR `instant` (UTC, to the second): `2026-12-02T10:00:00Z`.
pub fn instant(seconds: i64) -> String {
    let day = crate::date::Date::from_unix_seconds(seconds);
    let in_day = seconds.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", in_day / 3600, in_day % 3600 / 60, in_day % 60)
}

/// A version 4 UUID from 16 random bytes.
pub fn uuid_v4(bytes: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
}

struct Ids {
    stem: String,
    next: u64,
}

/// What a section's items become: resources with their identifiers, coded where the medicines
/// database resolves a name.
struct Coding<'a> {
    ids: &'a mut Ids,
    resources: &'a mut Vec<(String, Value)>,
    medicines: Option<&'a Medicines>,
}

impl Coding<'_> {
    fn add(&mut self, resource: Value) -> String {
        let id = self.ids.next();
        self.resources.push((id.clone(), resource));
        id
    }

    /// The substances `text` names, each with its ANSM code where it has one alone.
    fn substances(&self, text: &str) -> Vec<(String, Option<String>)> {
        self.medicines.map(|medicines| medicines.coded_substances(text)).unwrap_or_default()
    }
}

/// The parts as the IPS has its sections: one *Results* section (LOINC 30954-2) holds the blood
/// group and the measurements, which the summary keeps apart (a responder looks for the blood
/// group first); the rest one section each.
fn sections_of(summary: &Summary) -> Vec<std::borrow::Cow<'_, SummaryPart>> {
    use std::borrow::Cow;
    let blood = summary.part(Part::BloodGroup);
    let results = summary.part(Part::Results);
    summary
        .parts
        .iter()
        .filter_map(|part| match (part.part, blood, results) {
            (Part::BloodGroup, Some(blood), Some(results)) => Some(Cow::Owned(SummaryPart {
                part: Part::Results,
                items: blood.items.iter().chain(&results.items).cloned().collect(),
                empty: None,
            })),
            (Part::Results, Some(_), Some(_)) => None,
            _ => Some(Cow::Borrowed(part)),
        })
        .collect()
}

impl Ids {
    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}{:012x}", self.stem, self.next)
    }
}

fn entry(id: &str, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

fn patient_resource(summary: &Summary, practitioner: Option<&str>) -> Value {
    let contacts: Vec<&Entry> = summary
        .part(Part::EmergencyContacts)
        .map(|part| part.items.iter().map(|item| &item.entry).collect())
        .unwrap_or_default();
    patient(&summary.patient, &contacts, practitioner)
}

/// A section's LOINC code and titles (French, English).
fn code_of(part: Part) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match part {
        Part::Allergies => ("48765-2", "Allergies et intolérances", "Allergies and intolerances"),
        Part::Medications => ("10160-0", "Traitements", "Medication summary"),
        Part::Problems => ("11450-4", "Problèmes de santé", "Problem list"),
        Part::Immunizations => ("11369-6", "Vaccinations", "Immunizations"),
        Part::Devices => ("46264-8", "Dispositifs médicaux implantés", "Medical devices"),
        Part::Results | Part::BloodGroup => ("30954-2", "Résultats", "Results"),
        Part::AdvanceDirectives | Part::OrganDonation => {
            ("42348-3", "Directives anticipées", "Advance directives")
        }
        // On the Patient resource.
        Part::EmergencyContacts => return None,
    })
}

fn section(
    part: &SummaryPart,
    subject: &Value,
    coding: &mut Coding<'_>,
    english: bool,
) -> Option<Value> {
    let (code, french, english_title) = code_of(part.part)?;
    let title = if english { english_title } else { french };
    let mut lines = Vec::new();
    let mut references = Vec::new();
    for item in &part.items {
        lines.push(line(&item.entry, english));
        if let Some(resource) = resource(&item.entry, subject, coding) {
            references.push(json!({ "reference": urn(&coding.add(resource)) }));
        }
    }
    let mut section = json!({
        "title": title,
        "code": { "coding": [{ "system": LOINC, "code": code }] },
    });
    if let Some(reason) = part.empty {
        let (code, text) = match reason {
            EmptyReason::NothingRecorded => (
                "unavailable",
                if english {
                    "No information recorded."
                } else {
                    "Aucune information renseignée."
                },
            ),
            EmptyReason::Withheld => (
                "withheld",
                if english { "Not shared by the patient." } else { "Non partagé par le patient." },
            ),
        };
        section["emptyReason"] = json!({ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": code }] });
        lines.push(text.to_owned());
    }
    let items: String = lines.iter().map(|line| format!("<li>{}</li>", escape(line))).collect();
    section["text"] = json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>{items}</ul></div>"),
    });
    if !references.is_empty() {
        section["entry"] = Value::Array(references);
    }
    Some(section)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A line of narrative for an item.
pub fn line(entry: &Entry, english: bool) -> String {
    match entry {
        Entry::BloodGroup { group, rhesus } => {
            format!(
                "{} {}",
                if english { "Blood group" } else { "Groupe sanguin" },
                blood_text(*group, *rhesus)
            )
        }
        Entry::Allergy { substance, reaction, .. } if reaction.is_empty() => substance.clone(),
        Entry::Allergy { substance, reaction, .. } => format!("{substance} ({reaction})"),
        Entry::Treatment { substance, dose, .. } => format!("{substance} — {dose}"),
        Entry::Condition { name, since: Some(since), .. } => format!("{name} ({since})"),
        Entry::Condition { name, .. } => name.clone(),
        Entry::Implant { device, since, note } => {
            let since = since.as_deref().map(|day| format!(" ({day})")).unwrap_or_default();
            let note = if note.is_empty() { String::new() } else { format!(" — {note}") };
            format!("{device}{since}{note}")
        }
        Entry::Vaccination { vaccine, date, .. } => format!("{vaccine} ({date})"),
        Entry::Measurement { kind, value, second: Some(second), date } => {
            format!(
                "{} {value}/{second} {} ({date})",
                measurement_name(*kind, english),
                kind.unit()
            )
        }
        Entry::Measurement { kind, value, date, .. } => {
            format!("{} {value} {} ({date})", measurement_name(*kind, english), kind.unit())
        }
        Entry::AdvanceDirectives { text, date } => format!("{text} ({date})"),
        Entry::OrganDonation { wish, note } => {
            let wish = match (wish, english) {
                (DonationWish::Yes, false) => "Accepte le don d'organes",
                (DonationWish::Yes, true) => "Consents to organ donation",
                (DonationWish::No, false) => "Refuse le don d'organes",
                (DonationWish::No, true) => "Refuses organ donation",
                (DonationWish::Some, false) => "Accepte le don de certains organes",
                (DonationWish::Some, true) => "Consents to the donation of some organs",
            };
            if note.is_empty() { wish.to_owned() } else { format!("{wish} : {note}") }
        }
        Entry::EmergencyContact { name, relation, phone } => format!("{name} ({relation}) {phone}"),
    }
}

fn measurement_name(kind: MeasurementKind, english: bool) -> &'static str {
    match (kind, english) {
        (MeasurementKind::Weight, false) => "Poids",
        (MeasurementKind::Weight, true) => "Weight",
        (MeasurementKind::Height, false) => "Taille",
        (MeasurementKind::Height, true) => "Height",
        (MeasurementKind::BloodPressure, false) => "Tension artérielle",
        (MeasurementKind::BloodPressure, true) => "Blood pressure",
        (MeasurementKind::HeartRate, false) => "Fréquence cardiaque",
        (MeasurementKind::HeartRate, true) => "Heart rate",
        (MeasurementKind::Glucose, false) => "Glycémie",
        (MeasurementKind::Glucose, true) => "Blood glucose",
        (MeasurementKind::Hba1c, _) => "HbA1c",
        (MeasurementKind::Temperature, false) => "Température",
        (MeasurementKind::Temperature, true) => "Temperature",
    }
}

/// "O+", "AB−".
pub fn blood_text(
    group: crate::api::profile::AboGroup,
    rhesus: crate::api::profile::Rhesus,
) -> String {
    use crate::api::profile::{AboGroup, Rhesus};
    let group = match group {
        AboGroup::A => "A",
        AboGroup::B => "B",
        AboGroup::Ab => "AB",
        AboGroup::O => "O",
    };
    format!("{group}{}", if rhesus == Rhesus::Positive { "+" } else { "−" })
}

fn active(system: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": "active" }] })
}

/// The concept of one substance: its ANSM code where it has one, and its name.
fn substance_concept(name: &str, code: Option<&str>) -> Value {
    match code {
        Some(code) => json!({
            "coding": [{ "system": SUBSTANCE_SYSTEM, "code": code, "display": name }],
            "text": name,
        }),
        None => json!({ "text": name }),
    }
}

/// A treatment's medicine: what the patient wrote, and, when the medicines database resolves
/// it, a `Medication` whose ingredients are its substances (coded where they can be); its
/// reference for the statement.
fn medication(text: &str, coding: &mut Coding<'_>) -> (&'static str, Value) {
    let substances = coding.substances(text);
    if substances.is_empty() {
        return ("medicationCodeableConcept", json!({ "text": text }));
    }
    let ingredients: Vec<Value> = substances
        .iter()
        .map(|(name, code)| {
            json!({ "itemCodeableConcept": substance_concept(name, code.as_deref()), "isActive": true })
        })
        .collect();
    let id = coding.add(json!({
        "resourceType": "Medication",
        "code": { "text": text },
        "ingredient": ingredients,
    }));
    ("medicationReference", json!({ "reference": urn(&id) }))
}

/// The resource of an item (none for what only the narrative carries).
fn resource(entry: &Entry, subject: &Value, coding: &mut Coding<'_>) -> Option<Value> {
    Some(match entry {
        Entry::Allergy { substance, reaction, severity } => {
            // Coded when the name is one substance with its code (an allergy to a medicine of
            // several substances is to the medicine: text only).
            let code = match &coding.substances(substance)[..] {
                [(name, Some(code))] => json!({
                    "coding": [{ "system": SUBSTANCE_SYSTEM, "code": code, "display": name }],
                    "text": substance,
                }),
                _ => json!({ "text": substance }),
            };
            let mut allergy = json!({
                "resourceType": "AllergyIntolerance",
                "clinicalStatus": active("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"),
                "code": code,
                "patient": subject,
                "criticality": if *severity >= AllergySeverity::Severe { "high" } else { "low" },
            });
            if !reaction.is_empty() {
                let severity = match severity {
                    AllergySeverity::Mild => "mild",
                    AllergySeverity::Moderate => "moderate",
                    AllergySeverity::Severe | AllergySeverity::LifeThreatening => "severe",
                };
                allergy["reaction"] =
                    json!([{ "manifestation": [{ "text": reaction }], "severity": severity }]);
            }
            allergy
        }
        Entry::Treatment { substance, dose, since, until, .. } => {
            let (member, medication) = medication(substance, coding);
            let mut statement = json!({
                "resourceType": "MedicationStatement",
                "status": "active",
                "subject": subject,
                "dosage": [{ "text": dose }],
            });
            statement[member] = medication;
            let mut period = serde_json::Map::new();
            if let Some(since) = since {
                period.insert("start".into(), json!(since));
            }
            if let Some(until) = until {
                period.insert("end".into(), json!(until));
            }
            if !period.is_empty() {
                statement["effectivePeriod"] = Value::Object(period);
            }
            statement
        }
        Entry::Condition { name, since, until } => {
            let mut condition = json!({
                "resourceType": "Condition",
                "clinicalStatus": active("http://terminology.hl7.org/CodeSystem/condition-clinical"),
                "code": { "text": name },
                "subject": subject,
            });
            if let Some(since) = since {
                condition["onsetDateTime"] = json!(since);
            }
            if let Some(until) = until {
                // Abated: no longer active (FHIR's con-4).
                condition["abatementDateTime"] = json!(until);
                condition["clinicalStatus"]["coding"][0]["code"] = json!("resolved");
            }
            condition
        }
        Entry::Vaccination { vaccine, date, lot } => {
            let mut immunization = json!({
                "resourceType": "Immunization",
                "status": "completed",
                "vaccineCode": { "text": vaccine },
                "patient": subject,
                "occurrenceDateTime": date,
            });
            if !lot.is_empty() {
                immunization["lotNumber"] = json!(lot);
            }
            immunization
        }
        Entry::Measurement { kind, value, second, date } => {
            measurement(*kind, *value, *second, date, subject)
        }
        Entry::BloodGroup { group, rhesus } => json!({
            "resourceType": "Observation",
            "status": "final",
            "category": [category("laboratory")],
            "code": { "coding": [{ "system": LOINC, "code": "882-1", "display": "ABO and Rh group [Type] in Blood" }] },
            "subject": subject,
            "valueCodeableConcept": { "text": blood_text(*group, *rhesus) },
        }),
        Entry::Implant { device, since, note } => {
            // The device itself, and the statement that the patient carries it.
            let mut resource = json!({
                "resourceType": "Device",
                "type": { "text": device },
                "patient": subject,
            });
            if !note.is_empty() {
                resource["note"] = json!([{ "text": note }]);
            }
            let device_id = coding.add(resource);
            let mut statement = json!({
                "resourceType": "DeviceUseStatement",
                "status": "active",
                "subject": subject,
                "device": { "reference": urn(&device_id) },
            });
            if let Some(since) = since {
                statement["timingDateTime"] = json!(since);
            }
            statement
        }
        Entry::AdvanceDirectives { .. }
        | Entry::OrganDonation { .. }
        | Entry::EmergencyContact { .. } => {
            return None;
        }
    })
}

fn category(code: &str) -> Value {
    json!({ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": code }] })
}

fn quantity(value: f64, unit: &str) -> Value {
    let code = match unit {
        "/min" => "/min",
        "°C" => "Cel",
        "mmHg" => "mm[Hg]",
        other => other,
    };
    json!({ "value": value, "unit": unit, "system": UCUM, "code": code })
}

/// A measurement's LOINC code, its display, and whether it is a vital sign.
fn loinc_of(kind: MeasurementKind) -> (&'static str, &'static str, bool) {
    match kind {
        MeasurementKind::Weight => ("29463-7", "Body weight", true),
        MeasurementKind::Height => ("8302-2", "Body height", true),
        MeasurementKind::BloodPressure => ("85354-9", "Blood pressure panel", true),
        MeasurementKind::HeartRate => ("8867-4", "Heart rate", true),
        MeasurementKind::Glucose => ("15074-8", "Glucose [Moles/volume] in Blood", false),
        MeasurementKind::Hba1c => ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", false),
        MeasurementKind::Temperature => ("8310-5", "Body temperature", true),
    }
}

/// A measurement's LOINC code (what an import recognises it by).
pub fn measurement_code(kind: MeasurementKind) -> &'static str {
    loinc_of(kind).0
}

fn measurement(
    kind: MeasurementKind,
    value: f64,
    second: Option<f64>,
    date: &str,
    subject: &Value,
) -> Value {
    let (code, display, vital) = loinc_of(kind);
    let mut observation = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [category(if vital { "vital-signs" } else { "laboratory" })],
        "code": { "coding": [{ "system": LOINC, "code": code, "display": display }] },
        "subject": subject,
        "effectiveDateTime": date,
    });
    match (kind, second) {
        (MeasurementKind::BloodPressure, Some(diastolic)) => {
            let component = |code: &str, display: &str, value: f64| {
                json!({ "code": { "coding": [{ "system": LOINC, "code": code, "display": display }] },
                    "valueQuantity": quantity(value, "mmHg") })
            };
            observation["component"] = json!([
                component("8480-6", "Systolic blood pressure", value),
                component("8462-4", "Diastolic blood pressure", diastolic),
            ]);
        }
        _ => observation["valueQuantity"] = quantity(value, kind.unit()),
    }
    observation
}
