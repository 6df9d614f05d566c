//! The patient's access history: who looked at or changed what in their record, when, in which
//! role, and with what outcome, newest first. Built by the server from the audit log; the page
//! filters it in the browser.

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Largest history sent at once.
pub const HISTORY_MAX: u32 = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, allowed: bool, break_glass: bool) -> AccessEvent {
        AccessEvent {
            seq: 1,
            at: 0,
            actor_kind: kind.into(),
            actor_name: String::new(),
            role: None,
            action: "document.read".into(),
            item: None,
            allowed,
            reason: None,
            break_glass,
        }
    }

    #[test]
    fn filters_narrow_as_named() {
        let own = event("patient", true, false);
        let urgent = event("professional", true, true);
        let refused = event("professional", false, false);
        assert!([&own, &urgent, &refused].iter().all(|e| HistoryFilter::All.admits(e)));
        assert!(
            !HistoryFilter::Professionals.admits(&own)
                && HistoryFilter::Professionals.admits(&urgent)
        );
        assert!(
            HistoryFilter::BreakGlass.admits(&urgent)
                && !HistoryFilter::BreakGlass.admits(&refused)
        );
        assert!(HistoryFilter::Refused.admits(&refused) && !HistoryFilter::Refused.admits(&urgent));
    }
}
