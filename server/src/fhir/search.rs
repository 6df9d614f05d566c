//! Searches: the parameters the endpoint supports, read strictly (a parameter it does not
//! support is refused, never ignored: a client filtering on it would believe the answer), and
//! the `searchset` bundle of one page of what matched, with its paging links.

use app::api::InputError;
use serde_json::{Value, json};
use time::{Date, Month, Time};

use super::{BASE, Kind, record_of_reference};
use crate::store::AccountId;
use crate::{AppState, error::ApiError};

/// A page holds this many resources unless `_count` says fewer…
const DEFAULT_COUNT: usize = 50;
/// …or more, up to this.
pub const MAX_COUNT: usize = 200;
/// A parameter's value longer than this is no value a client sends…
const MAX_VALUE: usize = 256;
/// …nor more parameters than this, or values of one parameter: each is a test of every
/// resource.
const MAX_PARAMETERS: usize = 32;
const MAX_VALUES: usize = 20;
/// Pages start no further than this (no record holds so many resources).
const MAX_OFFSET: usize = 1_000_000;

/// The search parameters of a type and where each looks in its resources (a dotted path; an
/// array on the way is looked through).
pub fn parameters(kind: Kind) -> &'static [(&'static str, Type, &'static [&'static str])] {
    use Type::{Date as D, Token as T};
    match kind {
        Kind::DocumentReference => {
            &[("category", T, &["category"]), ("type", T, &["type"]), ("date", D, &["date"])]
        }
        Kind::Observation => &[
            ("category", T, &["category"]),
            ("code", T, &["code"]),
            ("date", D, &["effectiveDateTime"]),
        ],
        Kind::Condition => &[
            ("category", T, &["category"]),
            ("code", T, &["code"]),
            ("onset-date", D, &["onsetDateTime"]),
        ],
        Kind::AllergyIntolerance => &[("category", T, &["category"]), ("code", T, &["code"])],
        Kind::Immunization => {
            &[("vaccine-code", T, &["vaccineCode"]), ("date", D, &["occurrenceDateTime"])]
        }
        Kind::MedicationStatement => &[
            ("code", T, &["medicationCodeableConcept"]),
            ("effective", D, &["effectiveDateTime", "effectivePeriod.start"]),
        ],
        Kind::Medication => &[("code", T, &["code"])],
        Kind::MedicationDispense => &[
            ("code", T, &["medicationCodeableConcept"]),
            ("whenhandedover", D, &["whenHandedOver"]),
        ],
        Kind::ExplanationOfBenefit => &[("created", D, &["created"])],
        Kind::Provenance => &[("recorded", D, &["recorded"])],
        Kind::Device => &[("type", T, &["type"])],
        Kind::Patient
        | Kind::DeviceUseStatement
        | Kind::Binary
        | Kind::Practitioner
        | Kind::Organization => &[],
    }
}

/// The parameters of every type: the record, the identifier, the last change, the page.
pub const COMMON: [&str; 6] = ["patient", "_id", "_lastUpdated", "_count", "_offset", "_format"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Token,
    Date,
}

/// The refusal of a parameter the endpoint does not support, or of its value: named when it is
/// one the endpoint knows, never quoting the request otherwise.
pub fn unsupported(name: &str) -> ApiError {
    let known = Kind::ALL
        .into_iter()
        .flat_map(|kind| parameters(kind).iter().map(|(name, _, _)| *name))
        .chain(COMMON)
        .chain(["subject"])
        .find(|known| *known == name);
    ApiError::input(known.unwrap_or("search"), InputError::QueryInvalid)
}

/// One condition of a search: every value of one parameter, any of which may match.
struct Filter {
    paths: &'static [&'static str],
    test: Test,
}

enum Test {
    Tokens(Vec<(Option<String>, Option<String>)>),
    Dates(Vec<(Prefix, (i64, i64))>),
    Ids(Vec<String>),
}

#[derive(Clone, Copy)]
enum Prefix {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Sa,
    Eb,
}

/// A search read from its parameters.
pub struct Search {
    /// The record it is in, when a parameter names it.
    pub record: Option<AccountId>,
    filters: Vec<Filter>,
    count: usize,
    offset: usize,
    /// The parameters as understood, for the paging links (never the request's own text).
    canonical: Vec<(String, String)>,
}

impl Search {
    pub fn parse(
        kind: Kind,
        params: &[(String, String)],
        public_origin: &str,
    ) -> Result<Self, ApiError> {
        let mut search = Self::empty();
        if params.len() > MAX_PARAMETERS {
            return Err(unsupported("search"));
        }
        for (name, value) in params {
            if value.len() > MAX_VALUE
                || value.chars().any(char::is_control)
                || value.split(',').count() > MAX_VALUES
            {
                return Err(unsupported(name));
            }
            if search.page_parameter(name, value)? {
                continue;
            }
            let values = value.split(',').map(str::trim);
            let filter = match name.as_str() {
                "patient" | "subject" if search.record.is_none() => {
                    let record = record_of_reference(value, public_origin);
                    search.record = Some(record.ok_or_else(|| unsupported(name))?);
                    search.canonical.push(("patient".to_owned(), value.clone()));
                    continue;
                }
                "_id" => {
                    // An identifier names its record: the search is in it.
                    if search.record.is_none() {
                        search.record = values
                            .clone()
                            .next()
                            .and_then(super::parse_id)
                            .map(|(record, _)| record);
                    }
                    Filter { paths: &["id"], test: Test::Ids(values.map(str::to_owned).collect()) }
                }
                "_lastUpdated" => Filter {
                    paths: &["meta.lastUpdated"],
                    test: Test::Dates(
                        values
                            .map(date_value)
                            .collect::<Option<_>>()
                            .ok_or_else(|| unsupported(name))?,
                    ),
                },
                _ => {
                    let (_, kind_of, paths) = parameters(kind)
                        .iter()
                        .find(|(known, _, _)| known == name)
                        .ok_or_else(|| unsupported(name))?;
                    let test = match kind_of {
                        Type::Token => Test::Tokens(values.map(token).collect()),
                        Type::Date => Test::Dates(
                            values
                                .map(date_value)
                                .collect::<Option<_>>()
                                .ok_or_else(|| unsupported(name))?,
                        ),
                    };
                    Filter { paths, test }
                }
            };
            search.filters.push(filter);
            search.canonical.push((name.clone(), value.clone()));
        }
        Ok(search)
    }

    /// `$everything`: the page parameters only.
    pub fn everything(params: &[(String, String)]) -> Result<Self, ApiError> {
        let mut search = Self::empty();
        for (name, value) in params {
            if !search.page_parameter(name, value)? {
                return Err(unsupported(name));
            }
        }
        Ok(search)
    }

    fn empty() -> Self {
        Self {
            record: None,
            filters: Vec::new(),
            count: DEFAULT_COUNT,
            offset: 0,
            canonical: Vec::new(),
        }
    }

    /// `_count`, `_offset` and `_format` (FHIR's JSON only): whether `name` was one.
    fn page_parameter(&mut self, name: &str, value: &str) -> Result<bool, ApiError> {
        match name {
            "_count" => {
                let count: usize = value.parse().map_err(|_| unsupported(name))?;
                self.count = count.min(MAX_COUNT);
            }
            "_offset" => {
                let offset: usize = value.parse().map_err(|_| unsupported(name))?;
                if offset > MAX_OFFSET {
                    return Err(unsupported(name));
                }
                self.offset = offset;
            }
            "_format" => {
                if !matches!(value, "json" | "application/json" | "application/fhir+json") {
                    return Err(unsupported(name));
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the search finds every resource of its type (it filters on nothing).
    pub fn takes_all(&self) -> bool {
        self.filters.is_empty()
    }

    /// Whether `resource`, of the searched type or not, is one the search finds.
    pub fn matches(&self, kind: Kind, resource: &Value) -> bool {
        resource["resourceType"] == kind.name()
            && self.filters.iter().all(|filter| filter.matches(resource))
    }

    /// The page the search asks for of what it found.
    pub fn page<T>(&self, found: Vec<T>) -> Vec<T> {
        found.into_iter().skip(self.offset).take(self.count).collect()
    }

    /// The page of `found` the search asks for, as a `searchset` with its total and links.
    pub fn bundle(&self, state: &AppState, path: &str, found: Vec<Value>) -> Value {
        let total = found.len();
        self.bundle_of_page(state, path, total, self.page(found))
    }

    /// A page (of `total` found) as a `searchset` with its total and links.
    pub fn bundle_of_page(
        &self,
        state: &AppState,
        path: &str,
        total: usize,
        page: Vec<Value>,
    ) -> Value {
        let base = format!("{}{BASE}", state.public_origin);
        let link = |offset: usize| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in &self.canonical {
                query.append_pair(name, value);
            }
            query.append_pair("_count", &self.count.to_string());
            query.append_pair("_offset", &offset.to_string());
            format!("{base}/{path}?{}", query.finish())
        };
        let mut links = vec![json!({ "relation": "self", "url": link(self.offset) })];
        let next = self.offset.saturating_add(self.count);
        if self.count > 0 && next < total {
            links.push(json!({ "relation": "next", "url": link(next) }));
        }
        if self.offset > 0 {
            let previous = self.offset.saturating_sub(self.count.max(1));
            links.push(json!({ "relation": "previous", "url": link(previous) }));
        }
        let entries: Vec<Value> = page
            .into_iter()
            .map(|resource| {
                let url = format!(
                    "{base}/{}/{}",
                    resource["resourceType"].as_str().unwrap_or_default(),
                    resource["id"].as_str().unwrap_or_default()
                );
                json!({ "fullUrl": url, "resource": resource, "search": { "mode": "match" } })
            })
            .collect();
        json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": entries,
        })
    }
}

impl Filter {
    fn matches(&self, resource: &Value) -> bool {
        let mut values = Vec::new();
        for path in self.paths {
            collect(resource, path, &mut values);
        }
        match &self.test {
            Test::Ids(ids) => values.iter().any(|value| ids.iter().any(|id| *value == id.as_str())),
            Test::Tokens(tokens) => {
                let mut codes = Vec::new();
                values.iter().for_each(|value| codings(value, None, &mut codes));
                tokens.iter().any(|(system, code)| {
                    codes.iter().any(|(has_system, has_code)| {
                        system
                            .as_ref()
                            .is_none_or(|system| has_system.as_deref().unwrap_or("") == system)
                            && code.as_ref().is_none_or(|code| has_code == code)
                    })
                })
            }
            Test::Dates(dates) => {
                let ranges: Vec<(i64, i64)> =
                    values.iter().filter_map(|value| value.as_str().and_then(range)).collect();
                // Every value of the parameter must hold (`date=ge2026-01&date=lt2027` are two
                // filters; `date=ge2026,lt2020` is either).
                dates.iter().any(|(prefix, wanted)| {
                    ranges.iter().any(|found| compare(*prefix, *wanted, *found))
                })
            }
        }
    }
}

/// The values at a dotted `path` of `value`, looking through arrays.
fn collect<'a>(value: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect(item, path, out)),
        Value::Object(members) => match (members.get(head), rest) {
            (Some(Value::Array(items)), None) => out.extend(items.iter()),
            (Some(found), None) => out.push(found),
            (Some(found), Some(rest)) => collect(found, rest, out),
            (None, _) => {}
        },
        _ => {}
    }
}

/// The codes a value holds: a code, a `Coding`, a `CodeableConcept`.
fn codings(value: &Value, system: Option<&str>, out: &mut Vec<(Option<String>, String)>) {
    match value {
        Value::String(code) => out.push((system.map(str::to_owned), code.clone())),
        Value::Array(items) => items.iter().for_each(|item| codings(item, system, out)),
        Value::Object(members) => {
            if let Some(Value::String(code)) = members.get("code") {
                out.push((
                    members.get("system").and_then(Value::as_str).map(str::to_owned),
                    code.clone(),
                ));
            }
            if let Some(coding) = members.get("coding") {
                codings(coding, None, out);
            }
        }
        _ => {}
    }
}

/// A token's value: `code`, `system|code`, `|code` (no system) or `system|` (any code of it).
fn token(value: &str) -> (Option<String>, Option<String>) {
    let nonempty = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    match value.split_once('|') {
        None => (None, nonempty(value)),
        Some((system, code)) => (Some(system.to_owned()), nonempty(code)),
    }
}

/// A date parameter's value: its prefix and the seconds it covers.
fn date_value(value: &str) -> Option<(Prefix, (i64, i64))> {
    let prefixes = [
        ("eq", Prefix::Eq),
        ("ne", Prefix::Ne),
        ("lt", Prefix::Lt),
        ("le", Prefix::Le),
        ("gt", Prefix::Gt),
        ("ge", Prefix::Ge),
        ("sa", Prefix::Sa),
        ("eb", Prefix::Eb),
    ];
    let (prefix, rest) = prefixes
        .iter()
        .find_map(|(text, prefix)| value.strip_prefix(text).map(|rest| (*prefix, rest)))
        .unwrap_or((Prefix::Eq, value));
    Some((prefix, range(rest)?))
}

/// Whether a resource's date `found` stands as `prefix` says to the parameter's `wanted`, both
/// as the seconds they cover (`[start, end)`), as FHIR's search defines it.
fn compare(prefix: Prefix, wanted: (i64, i64), found: (i64, i64)) -> bool {
    let within = found.0 >= wanted.0 && found.1 <= wanted.1;
    match prefix {
        Prefix::Eq => within,
        Prefix::Ne => !within,
        Prefix::Lt => found.0 < wanted.0,
        Prefix::Gt => found.1 > wanted.1,
        Prefix::Le => found.0 < wanted.0 || within,
        Prefix::Ge => found.1 > wanted.1 || within,
        Prefix::Sa => found.0 >= wanted.1,
        Prefix::Eb => found.1 <= wanted.0,
    }
}

/// A FHIR `date`, `dateTime` or `instant` as the seconds it covers, `[start, end)`: a year, a
/// month, a day, or a second at its offset from UTC.
pub fn range(text: &str) -> Option<(i64, i64)> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let number = |part: Option<&str>, digits: usize| {
        part.filter(|part| part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|part| part.parse::<u16>().ok())
    };
    let year = i32::from(number(parts.next(), 4)?);
    let month =
        parts.next().map(|part| number(Some(part), 2)).map_or(Some(None), |m| m.map(Some))?;
    let day = parts.next().map(|part| number(Some(part), 2)).map_or(Some(None), |d| d.map(Some))?;
    if parts.next().is_some() {
        return None;
    }
    let first = |year: i32, month: u16, day: u16| {
        let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
        let day = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
        Some(day.midnight().assume_utc().unix_timestamp())
    };
    match (month, day, time) {
        (None, None, None) => Some((first(year, 1, 1)?, first(year + 1, 1, 1)?)),
        (Some(month), None, None) => {
            let start = first(year, month, 1)?;
            let end = if month == 12 { first(year + 1, 1, 1)? } else { first(year, month + 1, 1)? };
            Some((start, end))
        }
        (Some(month), Some(day), None) => {
            let start = first(year, month, day)?;
            Some((start, start + 86_400))
        }
        (Some(month), Some(day), Some(time)) => {
            let start = first(year, month, day)?;
            let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
                (clock, 0)
            } else {
                let at = time.rfind(['+', '-'])?;
                let (clock, zone) = time.split_at(at);
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                let (hours, minutes) = zone[1..].split_once(':')?;
                let hours = i64::from(number(Some(hours), 2)?);
                let minutes = i64::from(number(Some(minutes), 2)?);
                (clock, sign * (hours * 3600 + minutes * 60))
            };
            let mut fields = clock.split(':');
            let hours = number(fields.next(), 2)?;
            let minutes = number(fields.next(), 2)?;
            let seconds = match fields.next() {
                Some(seconds) => number(seconds.split('.').next(), 2)?,
                None => 0,
            };
            Time::from_hms(
                u8::try_from(hours).ok()?,
                u8::try_from(minutes).ok()?,
                u8::try_from(seconds).ok()?,
            )
            .ok()?;
            let at = start + i64::from(hours) * 3600 + i64::from(minutes) * 60 + i64::from(seconds)
                - offset;
            Some((at, at + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_what_they_say() {
        let day = range("2026-12-02").unwrap();
        assert_eq!(day.1 - day.0, 86_400);
        assert_eq!(range("2026").unwrap().0, range("2026-01-01").unwrap().0);
        assert_eq!(range("2026-12").unwrap().1, range("2027-01-01").unwrap().0);
        assert_eq!(range("2026-02").unwrap().1, range("2026-03-01").unwrap().0);
        let noon = range("2026-12-02T12:00:00Z").unwrap();
        assert_eq!(noon.0, day.0 + 12 * 3600);
        assert_eq!(range("2026-12-02T13:00:00+01:00").unwrap(), noon);
        assert_eq!(range("2026-12-02T12:00:00.250Z").unwrap(), noon);
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-02-30",
            "2026-12-02T25:00:00Z",
            "2026-12-02T12:00",
            "2026-1-02",
            "x",
        ] {
            assert_eq!(range(bad), None, "{bad}");
        }
        // A day within its month, not beside it; a day after another.
        let (_, month) = date_value("2026-12").unwrap();
        assert!(compare(Prefix::Eq, month, day));
        assert!(compare(Prefix::Ge, range("2026-12-01").unwrap(), day));
        assert!(!compare(Prefix::Lt, range("2026-12-01").unwrap(), day));
        assert!(compare(Prefix::Sa, range("2026-11").unwrap(), day));
        assert!(compare(Prefix::Eb, range("2027").unwrap(), day));
    }

    #[test]
    fn tokens_match_codes_in_their_system() {
        let concept =
            json!({ "coding": [{ "system": "http://loinc.org", "code": "11502-2" }], "text": "x" });
        let mut codes = Vec::new();
        codings(&concept, None, &mut codes);
        assert_eq!(codes, vec![(Some("http://loinc.org".to_owned()), "11502-2".to_owned())]);
        assert_eq!(
            token("http://loinc.org|11502-2"),
            (Some("http://loinc.org".into()), Some("11502-2".into()))
        );
        assert_eq!(token("|x"), (Some(String::new()), Some("x".into())));
        assert_eq!(token("s|"), (Some("s".into()), None));
    }
}
