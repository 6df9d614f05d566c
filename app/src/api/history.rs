//! The patient's access history: who looked at or changed what in their record, when, in which
//! role, and with what outcome, newest first. Built by the server from the audit log, filtered
//! and read a page at a time there: a page costs what it shows, not what the log holds.

use serde::{Deserialize, Serialize};

/// One audited access, as the patient reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    /// The entry's place in the audit log (its inclusion can be proven).
    pub seq: u64,
    /// Unix seconds, UTC.
    pub at: i64,
    /// `patient`, `representative`, `professional`, `insurer`.
    pub actor_kind: String,
    /// A professional's name from the directory (or their RPPS); empty for the patient.
    pub actor_name: String,
    /// A professional's profession code.
    pub role: Option<String>,
    /// `document.read`, `grant.give`, …
    pub action: String,
    pub item: Option<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub break_glass: bool,
}

/// Which events the page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum HistoryFilter {
    #[default]
    All,
    /// What professionals did.
    Professionals,
    BreakGlass,
    /// Refused attempts.
    Refused,
}

impl HistoryFilter {
    pub fn admits(self, event: &AccessEvent) -> bool {
        match self {
            Self::All => true,
            Self::Professionals => event.actor_kind == "professional",
            Self::BreakGlass => event.break_glass,
            Self::Refused => !event.allowed,
        }
    }
}

impl HistoryFilter {
    /// Its name in a query (`break_glass`), as the server reads it.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// From the filter's `<select>`: anything unknown shows everything.
    pub fn from_code(code: &str) -> Self {
        code.parse().unwrap_or_default()
    }
}

/// `GET /api/records/{record}/access-history?filter=…&before=…&limit=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    #[serde(default)]
    pub filter: HistoryFilter,
    /// Only entries older than this one (the previous page's `older`).
    pub before: Option<u64>,
    /// At most this many events, from 1 to [`HISTORY_MAX`] (the default).
    pub limit: Option<u32>,
}

/// A page of the history, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub events: Vec<AccessEvent>,
    /// Where the next, older page starts (its `before`); `None` when the log holds no more.
    pub older: Option<u64>,
}

/// Largest page sent at once.
pub const HISTORY_MAX: u32 = 500;

/// Events a page of the app shows at once.
pub const HISTORY_PAGE: u32 = 30;

/// Where the app reads a page of `record`'s history: the first one (`before` `None`) is also
/// what the offline copy keeps, at the same address.
pub fn history_uri(record: &str, filter: HistoryFilter, before: Option<u64>) -> String {
    let (limit, before) = (HISTORY_PAGE.to_string(), before.map(|seq| seq.to_string()));
    let mut pairs = vec![("limit", limit.as_str())];
    if filter != HistoryFilter::All {
        pairs.push(("filter", filter.code()));
    }
    pairs.extend(before.as_deref().map(|before| ("before", before)));
    format!("/api/records/{record}/access-history{}", crate::api::query_string(pairs))
}
