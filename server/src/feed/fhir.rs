//! The insurer's batch as FHIR R4 says it: a `batch` Bundle of `ExplanationOfBenefit` (a
//! reimbursed care) and `MedicationDispense` (a medicine dispensed at the pharmacy) resources,
//! read entry by entry, each into a [`Line`] or the reason it was refused; and the
//! `batch-response` Bundle that answers it, one entry per line in the same order. Only the
//! fields `docs/insurer-feed.md` lists are read; others are ignored.

use app::{date::Date, ins::Ins, vocabulary::CareKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::SourceId;

/// The national health identifier (INS-NIR), as FHIR names its system.
pub const INS_NIR: &str = "urn:oid:1.2.250.1.213.1.4.8";
/// The presentation code of a medicine pack (CIP13, ANSM).
pub const CIP: &str = "urn:oid:1.2.250.1.213.2.3.2";
/// A professional's national identifier (RPPS).
pub const RPPS: &str = "urn:oid:1.2.250.1.71.4.2.1";
/// LOINC, in which a lab test or an imaging exam may be coded beside the insurer's own code.
pub const LOINC: &str = "http://loinc.org";
/// Where Carnet's reasons for refusing a line are defined.
pub const REASONS: &str = "https://carnet.example/fhir/CodeSystem/feed-line";

/// Most entries one batch may hold; a first load is sent as several batches, or by command.
pub const MAX_ENTRIES: usize = 10_000;
const MAX_IDENTIFIER: usize = 64;
const MAX_SYSTEM: usize = 200;
const MAX_LABEL: usize = 200;
const MAX_NAME: usize = 120;
const MAX_SUBSTANCES: usize = 20;
/// A reimbursed amount above this is a mistake, not a care (in cents: one million euros).
const MAX_CENTS: i64 = 100_000_000;

/// Why a line was not stored: its code in the answer, where the feed's software can act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not a resource this feed takes (only the two above).
    UnsupportedResource,
    /// A resource not in its final state (an EOB not `active`, a dispense not `completed`).
    UnsupportedStatus,
    /// The resource is not in the form FHIR R4 gives it (a field of the wrong type).
    Malformed,
    MissingIdentifier,
    /// Sent twice in the same batch: the first is kept.
    Duplicate,
    /// No INS, or not a valid one.
    BadPatient,
    /// No record holds that INS verified.
    UnknownPatient,
    /// The insurer's identifier names a line of another patient.
    OtherPatient,
    BadCode,
    BadDate,
    FutureDate,
    /// Care more than 24 months old is never kept.
    TooOld,
    BadAmount,
    BadQuantity,
    /// A text longer than the feed may send.
    TooLong,
    /// The insurer's identifier names a line another feed wrote.
    OtherFeed,
    /// The same line was being written by another batch: send it again.
    Raced,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Self::UnsupportedResource => "unsupported_resource",
            Self::UnsupportedStatus => "unsupported_status",
            Self::Malformed => "malformed",
            Self::MissingIdentifier => "missing_identifier",
            Self::Duplicate => "duplicate",
            Self::BadPatient => "bad_patient",
            Self::UnknownPatient => "unknown_patient",
            Self::OtherPatient => "other_patient",
            Self::BadCode => "bad_code",
            Self::BadDate => "bad_date",
            Self::FutureDate => "future_date",
            Self::TooOld => "too_old",
            Self::BadAmount => "bad_amount",
            Self::BadQuantity => "bad_quantity",
            Self::TooLong => "too_long",
            Self::OtherFeed => "other_feed",
            Self::Raced => "raced",
        }
    }

    /// The FHIR issue type that fits, and the HTTP status of the line's answer.
    fn issue(self) -> (&'static str, &'static str) {
        match self {
            Self::UnknownPatient => ("not-found", "404 Not Found"),
            Self::Raced => ("conflict", "409 Conflict"),
            Self::Duplicate
            | Self::OtherPatient
            | Self::OtherFeed
            | Self::TooOld
            | Self::FutureDate => ("business-rule", "422 Unprocessable Entity"),
            Self::UnsupportedResource | Self::UnsupportedStatus => {
                ("not-supported", "422 Unprocessable Entity")
            }
            _ => ("invalid", "422 Unprocessable Entity"),
        }
    }
}

/// A refusal, with the field it is about when there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: Reason,
    pub field: Option<&'static str>,
}

fn refuse(reason: Reason, field: &'static str) -> Refusal {
    Refusal { reason, field: Some(field) }
}

/// A professional or a place as the feed names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub name: Option<String>,
    /// Their RPPS, when the feed gives it.
    pub rpps: Option<String>,
}

/// A code and the system it is in (CCAM, NABM, CIP13…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub system: String,
    pub code: String,
}

/// What a line says, as it is sealed: a line sent again is unchanged when this is equal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub resource: Resource,
    pub kind: CareKind,
    pub date: Date,
    pub code: Option<Code>,
    pub label: String,
    pub quantity: Option<u32>,
    /// How many days a dispensed medicine lasts: a current treatment until then.
    pub days_supply: Option<u32>,
    pub substances: Vec<String>,
    pub prescriber: Option<Named>,
    pub performer: Option<Named>,
    pub charged_cents: Option<i64>,
    pub reimbursed_cents: Option<i64>,
    /// A lab test's or an imaging exam's LOINC code, when the insurer codes the exam in LOINC
    /// too (beside its own NABM or CCAM code): what the repeated-exam check compares. Lines
    /// sealed before it existed read as without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam_code: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resource {
    ExplanationOfBenefit,
    MedicationDispense,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Self::ExplanationOfBenefit => "ExplanationOfBenefit",
            Self::MedicationDispense => "MedicationDispense",
        }
    }
}

/// A line read from its resource, checked for form (its patient and its date against today are
/// checked by [`super::ingest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub source: SourceId,
    pub patient: Ins,
    pub content: Content,
}

/// What the request as a whole got wrong: nothing of it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchError {
    NotJson,
    NotABatch,
    TooManyEntries,
}

impl BatchError {
    pub fn message(self) -> String {
        match self {
            Self::NotJson => "the body is not a JSON document".to_owned(),
            Self::NotABatch => {
                "expected a FHIR Bundle of type \"batch\" with an entry array".to_owned()
            }
            Self::TooManyEntries => {
                format!("a batch sent to the API holds at most {MAX_ENTRIES} entries")
            }
        }
    }
}

#[derive(Deserialize)]
struct Bundle<'a> {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(rename = "type")]
    kind: String,
    /// Each entry as its text: read into a tree one at a time, never the whole batch at once.
    #[serde(default, borrow)]
    entry: Vec<&'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
struct Entry {
    resource: Option<Value>,
}

/// The batch's entries, each read on its own: a bad one never stops the others. At most
/// `max_entries` (an API request, a file loaded by command).
pub fn read_bundle(
    body: &[u8],
    max_entries: usize,
) -> Result<Vec<Result<Line, Refusal>>, BatchError> {
    let bundle: Bundle<'_> =
        serde_json::from_slice(body).map_err(|_| {
            match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => BatchError::NotABatch,
                Err(_) => BatchError::NotJson,
            }
        })?;
    if bundle.resource_type != "Bundle" || bundle.kind != "batch" {
        return Err(BatchError::NotABatch);
    }
    if bundle.entry.len() > max_entries {
        return Err(BatchError::TooManyEntries);
    }
    Ok(bundle
        .entry
        .into_iter()
        .map(|raw| {
            let entry: Option<Entry> = serde_json::from_str(raw.get()).ok();
            read_entry(entry.and_then(|entry| entry.resource))
        })
        .collect())
}

/// One resource into a line.
pub fn read_entry(resource: Option<Value>) -> Result<Line, Refusal> {
    let malformed = Refusal { reason: Reason::Malformed, field: Some("resource") };
    let resource = resource.ok_or(malformed)?;
    match resource.get("resourceType").and_then(Value::as_str) {
        Some("ExplanationOfBenefit") => {
            explanation_of_benefit(serde_json::from_value(resource).map_err(|_| malformed)?)
        }
        Some("MedicationDispense") => {
            medication_dispense(serde_json::from_value(resource).map_err(|_| malformed)?)
        }
        _ => Err(refuse(Reason::UnsupportedResource, "resourceType")),
    }
}

// The parts of the two resources that are read. Every field is optional here: what a line
// needs is checked below, with the reason that names it.

#[derive(Deserialize, Default)]
struct Identifier {
    system: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default)]
struct Reference {
    reference: Option<String>,
    identifier: Option<Identifier>,
    display: Option<String>,
}

#[derive(Deserialize, Default)]
struct Coding {
    system: Option<String>,
    code: Option<String>,
    display: Option<String>,
}

#[derive(Deserialize, Default)]
struct Concept {
    #[serde(default)]
    coding: Vec<Coding>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Money {
    value: Option<serde_json::Number>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct Quantity {
    value: Option<serde_json::Number>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExplanationOfBenefit {
    #[serde(default)]
    identifier: Vec<Identifier>,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<Concept>,
    patient: Option<Reference>,
    billable_period: Option<Period>,
    provider: Option<Reference>,
    #[serde(default)]
    care_team: Vec<CareTeam>,
    #[serde(default)]
    item: Vec<Item>,
    #[serde(default)]
    total: Vec<Total>,
    payment: Option<Payment>,
}

#[derive(Deserialize)]
struct Period {
    start: Option<String>,
}

#[derive(Deserialize)]
struct CareTeam {
    provider: Option<Reference>,
    role: Option<Concept>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    category: Option<Concept>,
    product_or_service: Option<Concept>,
    serviced_date: Option<String>,
    quantity: Option<Quantity>,
}

#[derive(Deserialize)]
struct Total {
    category: Option<Concept>,
    amount: Option<Money>,
}

#[derive(Deserialize)]
struct Payment {
    amount: Option<Money>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MedicationDispense {
    #[serde(default)]
    identifier: Vec<Identifier>,
    status: Option<String>,
    subject: Option<Reference>,
    medication_codeable_concept: Option<Concept>,
    medication_reference: Option<Reference>,
    #[serde(default)]
    contained: Vec<Value>,
    quantity: Option<Quantity>,
    days_supply: Option<Quantity>,
    when_handed_over: Option<String>,
    #[serde(default)]
    authorizing_prescription: Vec<Reference>,
    #[serde(default)]
    performer: Vec<Performer>,
}

#[derive(Deserialize)]
struct Performer {
    actor: Option<Reference>,
}

#[derive(Deserialize)]
struct Medication {
    code: Option<Concept>,
    #[serde(default)]
    ingredient: Vec<Ingredient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ingredient {
    item_codeable_concept: Option<Concept>,
}

#[derive(Deserialize)]
struct MedicationRequest {
    requester: Option<Reference>,
}

fn explanation_of_benefit(eob: ExplanationOfBenefit) -> Result<Line, Refusal> {
    let source = source(&eob.identifier)?;
    if eob.status.as_deref() != Some("active") {
        return Err(refuse(Reason::UnsupportedStatus, "status"));
    }
    let patient = patient(eob.patient.as_ref(), "patient")?;
    let claim_type = eob.kind.as_ref().and_then(|kind| first_code(kind, None));
    let item = eob.item.first();
    let category = item.and_then(|item| item.category.as_ref()).and_then(|c| first_code(c, None));
    let kind = match (claim_type, category) {
        (Some("institutional"), _) => CareKind::Hospital,
        (Some("pharmacy"), _) => CareKind::Pharmacy,
        (_, Some("3")) => CareKind::Consultation,
        (_, Some("4" | "62")) => CareKind::Imaging,
        (_, Some("5")) => CareKind::Lab,
        _ => CareKind::Act,
    };
    let date = item
        .and_then(|item| item.serviced_date.as_deref())
        .or_else(|| eob.billable_period.as_ref().and_then(|period| period.start.as_deref()));
    let date = care_date(date, "item.servicedDate")?;
    let product = item.and_then(|item| item.product_or_service.as_ref());
    let (code, label) = code_and_label(product, "item.productOrService")?;
    let exam_code = match kind {
        CareKind::Lab | CareKind::Imaging => product
            .and_then(|concept| first_code(concept, Some(LOINC)))
            .map(str::trim)
            .filter(|code| app::vocabulary::valid_loinc(code))
            .map(str::to_owned),
        _ => None,
    };
    let quantity = match item.and_then(|item| item.quantity.as_ref()) {
        Some(quantity) => Some(count(quantity, "item.quantity")?),
        None => None,
    };
    let total = |wanted: &str| {
        eob.total
            .iter()
            .find(|total| total.category.as_ref().and_then(|c| first_code(c, None)) == Some(wanted))
    };
    let charged = total("submitted").and_then(|total| total.amount.as_ref());
    let reimbursed = total("benefit")
        .and_then(|total| total.amount.as_ref())
        .or_else(|| eob.payment.as_ref().and_then(|payment| payment.amount.as_ref()));
    let prescriber = eob.care_team.iter().find(|member| {
        member.role.as_ref().and_then(|role| first_code(role, None)) == Some("prescribing")
    });
    Ok(Line {
        source,
        patient,
        content: Content {
            resource: Resource::ExplanationOfBenefit,
            kind,
            date,
            code,
            label,
            quantity,
            days_supply: None,
            substances: Vec::new(),
            prescriber: named(prescriber.and_then(|member| member.provider.as_ref()))?,
            performer: named(eob.provider.as_ref())?,
            charged_cents: amount(charged, "total.submitted")?,
            reimbursed_cents: amount(reimbursed, "total.benefit")?,
            exam_code,
        },
    })
}

fn medication_dispense(dispense: MedicationDispense) -> Result<Line, Refusal> {
    let source = source(&dispense.identifier)?;
    if dispense.status.as_deref() != Some("completed") {
        return Err(refuse(Reason::UnsupportedStatus, "status"));
    }
    let patient = patient(dispense.subject.as_ref(), "subject")?;
    let date = care_date(dispense.when_handed_over.as_deref(), "whenHandedOver")?;
    let contained = |reference: Option<&Reference>, kind: &str| {
        let id = reference?.reference.as_deref()?.strip_prefix('#')?;
        dispense.contained.iter().find(|resource| {
            resource.get("resourceType").and_then(Value::as_str) == Some(kind)
                && resource.get("id").and_then(Value::as_str) == Some(id)
        })
    };
    let medication: Option<Medication> =
        match contained(dispense.medication_reference.as_ref(), "Medication") {
            Some(value) => Some(
                serde_json::from_value(value.clone())
                    .map_err(|_| refuse(Reason::Malformed, "contained"))?,
            ),
            None => None,
        };
    let concept = dispense
        .medication_codeable_concept
        .as_ref()
        .or_else(|| medication.as_ref().and_then(|medication| medication.code.as_ref()));
    let (code, label) = code_and_label(concept, "medicationCodeableConcept")?;
    let mut substances = Vec::new();
    for ingredient in medication.iter().flat_map(|medication| &medication.ingredient) {
        let Some(concept) = &ingredient.item_codeable_concept else { continue };
        let name = concept
            .text
            .as_deref()
            .or_else(|| concept.coding.iter().find_map(|coding| coding.display.as_deref()));
        if let Some(name) = name.map(str::trim).filter(|name| !name.is_empty()) {
            substances.push(bounded(name, MAX_NAME, "ingredient")?.to_owned());
        }
    }
    if substances.len() > MAX_SUBSTANCES {
        return Err(refuse(Reason::TooLong, "ingredient"));
    }
    let request: Option<MedicationRequest> =
        match contained(dispense.authorizing_prescription.first(), "MedicationRequest") {
            Some(value) => Some(
                serde_json::from_value(value.clone())
                    .map_err(|_| refuse(Reason::Malformed, "contained"))?,
            ),
            None => None,
        };
    let quantity = match &dispense.quantity {
        Some(quantity) => Some(count(quantity, "quantity")?),
        None => None,
    };
    let days_supply = match &dispense.days_supply {
        Some(days) => Some(count(days, "daysSupply")?),
        None => None,
    };
    let performer = dispense.performer.first().and_then(|performer| performer.actor.as_ref());
    Ok(Line {
        source,
        patient,
        content: Content {
            resource: Resource::MedicationDispense,
            kind: CareKind::Pharmacy,
            date,
            code,
            label,
            quantity,
            days_supply,
            substances,
            prescriber: named(request.as_ref().and_then(|request| request.requester.as_ref()))?,
            performer: named(performer)?,
            charged_cents: None,
            reimbursed_cents: None,
            exam_code: None,
        },
    })
}

fn bounded<'a>(text: &'a str, max: usize, field: &'static str) -> Result<&'a str, Refusal> {
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(refuse(Reason::TooLong, field));
    }
    Ok(text)
}

/// The insurer's identifier of the line: the first with a system and a value.
fn source(identifiers: &[Identifier]) -> Result<SourceId, Refusal> {
    let found = identifiers.iter().find_map(|identifier| {
        let system = identifier.system.as_deref()?.trim();
        let value = identifier.value.as_deref()?.trim();
        (!system.is_empty() && !value.is_empty()).then_some((system, value))
    });
    let (system, value) = found.ok_or(refuse(Reason::MissingIdentifier, "identifier"))?;
    Ok(SourceId {
        system: bounded(system, MAX_SYSTEM, "identifier.system")?.to_owned(),
        value: bounded(value, MAX_IDENTIFIER, "identifier.value")?.to_owned(),
    })
}

fn patient(reference: Option<&Reference>, field: &'static str) -> Result<Ins, Refusal> {
    let identifier = reference.and_then(|reference| reference.identifier.as_ref());
    identifier
        .filter(|identifier| identifier.system.as_deref() == Some(INS_NIR))
        .and_then(|identifier| Ins::parse(identifier.value.as_deref()?))
        .ok_or(refuse(Reason::BadPatient, field))
}

/// The first code of a concept, in `system` when one is asked for.
fn first_code<'a>(concept: &'a Concept, system: Option<&str>) -> Option<&'a str> {
    concept
        .coding
        .iter()
        .filter(|coding| system.is_none() || coding.system.as_deref() == system)
        .find_map(|coding| coding.code.as_deref())
}

/// A date, or the date part of a dateTime (`2026-03-02T10:00:00+01:00`). A partial date (a
/// month, a year) is not a day of care.
fn care_date(text: Option<&str>, field: &'static str) -> Result<Date, Refusal> {
    let bad = refuse(Reason::BadDate, field);
    let text = text.ok_or(bad)?;
    let (day, time) = text.split_once('T').unwrap_or((text, ""));
    // A time of day, as FHIR writes one (`10:30:00`, `10:30:00.123+01:00`, `…Z`): checked for
    // its characters and length only, since only the day is kept.
    let time_ok = time.len() <= 32
        && time
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-' | b'Z'));
    Date::parse(day).filter(|_| day.len() == 10 && time_ok).ok_or(bad)
}

fn code_and_label(
    concept: Option<&Concept>,
    field: &'static str,
) -> Result<(Option<Code>, String), Refusal> {
    let concept = concept.ok_or(refuse(Reason::BadCode, field))?;
    let coding = concept.coding.iter().find(|coding| coding.code.is_some());
    let code = match coding {
        Some(coding) => {
            let system = coding.system.as_deref().unwrap_or("").trim();
            let code = coding.code.as_deref().unwrap_or("").trim();
            let well_formed = !system.is_empty()
                && system.len() <= MAX_SYSTEM
                && (1..=32).contains(&code.len())
                && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !well_formed || (system == CIP && !cip13(code)) {
                return Err(refuse(Reason::BadCode, field));
            }
            Some(Code { system: system.to_owned(), code: code.to_owned() })
        }
        None => None,
    };
    let label = coding
        .and_then(|coding| coding.display.as_deref())
        .or(concept.text.as_deref())
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .or(code.as_ref().map(|code| code.code.as_str()))
        .ok_or(refuse(Reason::BadCode, field))?;
    let label = bounded(label, MAX_LABEL, field)?.to_owned();
    Ok((code, label))
}

/// A CIP13 is an EAN-13: thirteen digits, the last a check digit.
pub fn cip13(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if code.len() != 13 || digits.len() != 13 {
        return false;
    }
    let sum: u32 =
        digits[..12].iter().enumerate().map(|(i, d)| d * if i % 2 == 0 { 1 } else { 3 }).sum();
    (10 - sum % 10) % 10 == digits[12]
}

fn named(reference: Option<&Reference>) -> Result<Option<Named>, Refusal> {
    let Some(reference) = reference else { return Ok(None) };
    let name = reference.display.as_deref().map(str::trim).filter(|name| !name.is_empty());
    let name = name.map(|name| bounded(name, MAX_NAME, "display")).transpose()?;
    let rpps = reference
        .identifier
        .as_ref()
        .filter(|identifier| identifier.system.as_deref() == Some(RPPS))
        .and_then(|identifier| app::directory::Rpps::parse(identifier.value.as_deref()?))
        .map(|rpps| rpps.to_string());
    Ok((name.is_some() || rpps.is_some()).then(|| Named { name: name.map(str::to_owned), rpps }))
}

/// A whole number of units (boxes, days).
fn count(quantity: &Quantity, field: &'static str) -> Result<u32, Refusal> {
    let value = quantity.value.as_ref().ok_or(refuse(Reason::BadQuantity, field))?;
    // FHIR writes a quantity as a decimal: 2 or 2.0 is two boxes, 2.5 is not a count.
    let whole = value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|v| v.fract() == 0.0 && (0.0..=10_000.0).contains(v))
            .map(|v| v as u64)
    });
    whole
        .and_then(|value| u32::try_from(value).ok())
        .filter(|value| (1..=10_000).contains(value))
        .ok_or(refuse(Reason::BadQuantity, field))
}

/// An amount in euros as cents, read from its decimal text (never through a float).
fn amount(money: Option<&Money>, field: &'static str) -> Result<Option<i64>, Refusal> {
    let Some(money) = money else { return Ok(None) };
    let bad = refuse(Reason::BadAmount, field);
    if money.currency.as_deref().is_some_and(|currency| currency != "EUR") {
        return Err(bad);
    }
    let Some(value) = &money.value else { return Ok(None) };
    let text = value.to_string();
    let (units, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty()
        || units.len() > 9
        || !digits(units)
        || fraction.len() > 2
        || !digits(fraction)
    {
        return Err(bad);
    }
    let units: i64 = units.parse().map_err(|_| bad)?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad)?;
    let total = units * 100 + cents;
    if total > MAX_CENTS {
        return Err(bad);
    }
    Ok(Some(total))
}

/// What became of one entry, as the answer says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Stored { id: String },
    Updated { id: String, version: u32 },
    Unchanged { id: String, version: u32 },
    Refused(Refusal),
}

/// The `batch-response` Bundle: one entry per entry of the batch, in its order.
pub fn batch_response(outcomes: &[(Option<Resource>, Outcome)]) -> Value {
    let entries: Vec<Value> = outcomes
        .iter()
        .map(|(resource, outcome)| {
            let name = resource.map_or("Resource", Resource::name);
            let location = |id: &str, version: u32| format!("{name}/{id}/_history/{version}");
            let response = match outcome {
                Outcome::Stored { id } => {
                    json!({"status": "201 Created", "location": location(id, 1)})
                }
                Outcome::Updated { id, version } => json!({
                    "status": "200 OK",
                    "location": location(id, *version),
                    "outcome": information("updated"),
                }),
                Outcome::Unchanged { id, version } => json!({
                    "status": "200 OK",
                    "location": location(id, *version),
                    "outcome": information("unchanged"),
                }),
                Outcome::Refused(refusal) => {
                    let (issue, status) = refusal.reason.issue();
                    let mut detail = json!({
                        "severity": "error",
                        "code": issue,
                        "details": {"coding": [{"system": REASONS, "code": refusal.reason.code()}]},
                    });
                    if let Some(field) = refusal.field {
                        detail["expression"] = json!([field]);
                    }
                    json!({
                        "status": status,
                        "outcome": {"resourceType": "OperationOutcome", "issue": [detail]},
                    })
                }
            };
            json!({"response": response})
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "batch-response", "entry": entries})
}

fn information(code: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "information",
            "code": "informational",
            "details": {"coding": [{"system": REASONS, "code": code}]},
        }],
    })
}

/// A whole request refused: an `OperationOutcome` saying why.
pub fn request_outcome(message: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": message}],
    })
}
