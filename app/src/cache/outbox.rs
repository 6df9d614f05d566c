//! Changes made without a network, waiting to be sent: what each one is, the request it becomes,
//! and what an answer of the server means for it. Pure, so it is unit-tested on the host; the
//! browser side (`offline/sync.rs`) keeps them sealed in IndexedDB and sends them.
//!
//! Nothing is dropped without the user's say: a change the server refused, or one that meets a
//! newer version written meanwhile, stays in the outbox with both versions until the user
//! chooses.

use serde::{Deserialize, Serialize};

use crate::api::profile::{Entry, EntryInfo, EntryRequest};
use crate::api::{ErrorBody, ErrorCode, Refusal};
use crate::{api::record::DepositRequest, vocabulary::Category};

/// One change waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Also the idempotency key: the time it was made (so keys sort in the order of writing)
    /// and 64 random bits.
    pub id: String,
    /// The record it belongs to.
    pub record: String,
    pub what: What,
    pub state: State,
}

/// What the change does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// A new entry of the health profile.
    NewEntry { entry: Entry },
    /// A new version of an entry, made from the version `base_version`.
    EditEntry { entry_id: String, base_version: u32, entry: Entry },
    /// A document of the patient's own: a file, or a note written in the app. Its bytes wait
    /// beside the change, sealed on their own (the outbox is read often; a document is read once,
    /// when it is sent). A new document never meets another version: nothing to choose.
    NewDocument { deposit: DepositRequest },
}

/// Where the change stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Not sent yet, or sent without an answer.
    Waiting,
    /// The entry changed on the server since it was read: the server's version, kept beside the
    /// user's until they choose.
    Conflict { theirs: Entry, their_version: u32 },
    /// The server refused it for another reason (the code says which); kept until the user
    /// removes it.
    Refused { error: ErrorCode },
}

/// The request an entry's change becomes (a document is sent as an upload).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub put: bool,
    pub path: String,
    pub body: EntryRequest,
}

impl Change {
    pub fn new(id: String, record: String, what: What) -> Self {
        Self { id, record, what, state: State::Waiting }
    }

    /// A document of the patient's own, deposited when the network is back. `None` when it is
    /// not one the outbox takes: only the patient's own category, new, and the size is the
    /// content's.
    pub fn new_document(
        id: String,
        record: String,
        deposit: DepositRequest,
        content_len: usize,
    ) -> Option<Self> {
        let takes = deposit.category == Category::PatientOwn
            && deposit.size == content_len as u64
            && deposit.size > 0
            && deposit.replaces.is_none();
        takes.then(|| Self::new(id, record, What::NewDocument { deposit }))
    }

    /// The profile entry the change writes, if it is one.
    pub fn entry(&self) -> Option<&Entry> {
        match &self.what {
            What::NewEntry { entry } | What::EditEntry { entry, .. } => Some(entry),
            What::NewDocument { .. } => None,
        }
    }

    /// The request of an entry's change; `None` for a document, sent as an upload.
    pub fn request(&self) -> Option<Request> {
        let profile = format!("/api/records/{}/profile", self.record);
        Some(match &self.what {
            What::NewEntry { entry } => Request {
                put: false,
                path: profile,
                body: EntryRequest { entry: entry.clone(), base_version: None },
            },
            What::EditEntry { entry_id, base_version, entry } => Request {
                put: true,
                path: format!("{profile}/{entry_id}"),
                body: EntryRequest { entry: entry.clone(), base_version: Some(*base_version) },
            },
            What::NewDocument { .. } => return None,
        })
    }

    /// The user keeps their own version over the server's: it is sent again, made from the
    /// version they have now seen.
    pub fn keep_mine(&mut self) {
        if let (What::EditEntry { base_version, .. }, State::Conflict { their_version, .. }) =
            (&mut self.what, &self.state)
        {
            *base_version = *their_version;
        }
        self.state = State::Waiting;
    }
}

/// What to do with a change after the server's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Written (or already written: the same idempotency key, or the server already holds
    /// exactly this version): remove it from the outbox.
    Done,
    /// No answer: keep it, try again later.
    Later,
    /// Keep it in this new state, for the user to decide.
    Keep(State),
}

/// Reads the server's refusal of a change. `current` is the entry as the server has it now,
/// asked for after a conflict.
pub fn on_refusal(change: &Change, refusal: &ErrorBody, current: Option<&EntryInfo>) -> Outcome {
    if refusal.reason == Some(Refusal::Conflict) {
        return match current {
            // A first send that was written but whose answer was lost comes back as a conflict
            // with our own text: nothing to choose.
            Some(now) if change.entry() == Some(&now.entry) => Outcome::Done,
            Some(now) => Outcome::Keep(State::Conflict {
                theirs: now.entry.clone(),
                their_version: now.version,
            }),
            None => Outcome::Later,
        };
    }
    match refusal.error {
        // The session ended: the change waits for the next login.
        ErrorCode::Unauthenticated => Outcome::Later,
        ErrorCode::TooManyAttempts | ErrorCode::Unavailable | ErrorCode::Internal => Outcome::Later,
        error => Outcome::Keep(State::Refused { error }),
    }
}

/// A new idempotency key from the time (milliseconds) and 8 random bytes.
pub fn new_id(now_ms: f64, random: [u8; 8]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{:013}-{hex}", now_ms.max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::profile::AllergySeverity;
    use crate::api::record::AuthorInfo;

    fn allergy(substance: &str) -> Entry {
        Entry::Allergy {
            substance: substance.into(),
            reaction: String::new(),
            severity: AllergySeverity::Severe,
        }
    }

    fn info(entry: Entry, version: u32) -> EntryInfo {
        EntryInfo {
            id: "e1".into(),
            entry,
            version,
            author: AuthorInfo::Patient,
            written_at: 0,
            created_at: 0,
            masked: false,
            removed: false,
            allowed: Vec::new(),
        }
    }

    fn conflict() -> ErrorBody {
        ErrorBody { reason: Some(Refusal::Conflict), ..ErrorBody::new(ErrorCode::Refused) }
    }

    fn edit() -> Change {
        let what =
            What::EditEntry { entry_id: "e1".into(), base_version: 1, entry: allergy("latex") };
        Change::new(new_id(1.0, [0; 8]), "r1".into(), what)
    }

    #[test]
    fn requests() {
        let new = Change::new("k".into(), "r1".into(), What::NewEntry { entry: allergy("latex") });
        let request = new.request().unwrap();
        assert!(!request.put);
        assert_eq!(request.path, "/api/records/r1/profile");
        assert_eq!(request.body.base_version, None);
        let request = edit().request().unwrap();
        assert!(request.put);
        assert_eq!(request.path, "/api/records/r1/profile/e1");
        assert_eq!(request.body.base_version, Some(1));
    }

    #[test]
    fn a_conflict_keeps_both_versions_and_keeping_mine_rebases() {
        let mut change = edit();
        let outcome = on_refusal(&change, &conflict(), Some(&info(allergy("pollen"), 2)));
        let Outcome::Keep(state) = outcome else { panic!("{outcome:?}") };
        assert_eq!(state, State::Conflict { theirs: allergy("pollen"), their_version: 2 });
        change.state = state;
        change.keep_mine();
        assert_eq!(change.state, State::Waiting);
        assert_eq!(change.request().unwrap().body.base_version, Some(2));
        assert_eq!(change.entry(), Some(&allergy("latex")));
    }

    #[test]
    fn a_conflict_with_our_own_text_is_done() {
        let outcome = on_refusal(&edit(), &conflict(), Some(&info(allergy("latex"), 2)));
        assert_eq!(outcome, Outcome::Done);
        assert_eq!(on_refusal(&edit(), &conflict(), None), Outcome::Later);
    }

    #[test]
    fn other_refusals_are_kept_or_retried() {
        let input = ErrorBody::new(ErrorCode::Input);
        assert_eq!(
            on_refusal(&edit(), &input, None),
            Outcome::Keep(State::Refused { error: ErrorCode::Input })
        );
        assert_eq!(
            on_refusal(&edit(), &ErrorBody::new(ErrorCode::Unauthenticated), None),
            Outcome::Later
        );
    }

    fn note(size: u64) -> DepositRequest {
        DepositRequest {
            title: "Tension du matin".into(),
            category: Category::PatientOwn,
            type_code: None,
            care_date: "2026-12-01".into(),
            media_type: crate::vocabulary::MediaType::Text,
            size,
            domain: None,
            replaces: None,
            hidden_from_representatives: false,
            awaiting_announcement: false,
            substances: Vec::new(),
        }
    }

    #[test]
    fn only_the_patient_s_own_new_documents_wait_in_the_outbox() {
        let change = Change::new_document("k".into(), "r1".into(), note(12), 12).unwrap();
        assert_eq!(change.request(), None, "sent as an upload");
        assert_eq!(change.entry(), None);
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
        // Not of the patient's own category, a size that is not the content's, empty, or a new
        // version of a document (which could meet another one): refused.
        let report = DepositRequest { category: Category::Reports, ..note(12) };
        assert!(Change::new_document("k".into(), "r1".into(), report, 12).is_none());
        assert!(Change::new_document("k".into(), "r1".into(), note(13), 12).is_none());
        assert!(Change::new_document("k".into(), "r1".into(), note(0), 0).is_none());
        let version = DepositRequest { replaces: Some("d1".into()), ..note(12) };
        assert!(Change::new_document("k".into(), "r1".into(), version, 12).is_none());
        // The server refusing it (its type, its size) keeps it for the user to remove.
        let change = Change::new_document("k".into(), "r1".into(), note(12), 12).unwrap();
        assert_eq!(
            on_refusal(&change, &ErrorBody::new(ErrorCode::Input), None),
            Outcome::Keep(State::Refused { error: ErrorCode::Input })
        );
    }

    #[test]
    fn ids_sort_in_the_order_of_writing() {
        let a = new_id(999.0, [0xff; 8]);
        let b = new_id(1000.0, [0; 8]);
        assert!(a < b, "{a} {b}");
        assert_eq!(b.len(), 13 + 1 + 16);
    }

    #[test]
    fn changes_survive_their_encoding() {
        let mut change = edit();
        change.state = State::Conflict { theirs: allergy("pollen"), their_version: 3 };
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
    }
}
