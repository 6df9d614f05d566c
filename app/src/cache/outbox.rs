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
