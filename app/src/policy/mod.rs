//! Who may do what: one pure function, [`decide`], answers every question about an operation on
//! a record with allow or deny and the reason. The server asks it at every entry point (and
//! refuses nothing by any other rule); the interface shows what the server says it allowed.
//! Deny by default: an operation is allowed only by a rule below that names it.
//!
//! Order of the rules for a professional reading an item:
//! 1. a closed record is read by nobody but its holder;
//! 2. a blocked professional sees nothing;
//! 3. the author of an item always sees it (masked or not);
//! 4. the profession's rights (the [`AccessMatrix`]) must cover the item's category or section
//!    and its clinical domain;
//! 5. there must be a basis: being the regular doctor, a live grant that covers the item, or a
//!    live break-glass session (unless the patient refused break-glass in advance);
//! 6. a masked item is seen only by the regular doctor (and, if the configuration says so, in
//!    break-glass).
//!
//! Writing, withdrawing, holding back and hiding from representatives follow the same order with
//! the profession's write rights, and only the author amends or withdraws an item. The patient's
//! side (holder, representative) reads what is not held back (nor hidden from representatives),
//! writes its own items, masks, and decides who sees the record; a representative never lifts a
//! block. The record as a whole: the regular doctor follows every professional's access and the
//! emergency accesses, any other professional their own actions; a professional opens the record
//! in an emergency unless blocked or the patient refused it in advance.
//!
//! Longer than most files, on purpose: every rule, its vocabulary (operations, consents, reasons)
//! and `decide` sit together, so that a reviewer reads the whole policy in one place.

mod matrix;

pub use matrix::{AccessMatrix, DEFAULT_JSON, MatrixError, Rights};

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::directory::Profession;
use crate::vocabulary::{Category, Domain, Subject};

/// What the actor wants to do. Every operation on a record is one of these, asked of [`decide`]
/// with the item or the part of the record it concerns (the [`Subject`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    /// Deposit a document or add a profile entry (or a new version of one); change the record's
    /// sharing; open a care episode.
    Write,
    /// Withdraw a document (its author); take an item out of a care episode (its tagger).
    Withdraw,
    /// Mask or unmask an item.
    Mask,
    /// Release a result held back until its author announces it.
    Announce,
    /// Deposit a result held back from the patient until announced.
    HoldBack,
    /// Deposit an item hidden from the minor's legal representatives.
    HideFromRepresentatives,
    /// Be told of the item (a new document) or the event (an emergency access).
    BeToldOf,
    /// Designate a professional as the patient's regular doctor (médecin traitant).
    DesignateRegularDoctor,
    /// Open the record in an emergency (break-glass).
    BreakGlass,
}

impl Action {
    pub const ALL: [Self; 10] = [
        Self::Read,
        Self::Write,
        Self::Withdraw,
        Self::Mask,
        Self::Announce,
        Self::HoldBack,
        Self::HideFromRepresentatives,
        Self::BeToldOf,
        Self::DesignateRegularDoctor,
        Self::BreakGlass,
    ];
}

/// A patient's grant to one professional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub scope: Scope,
    /// Last day the grant is valid, if it ends.
    pub until: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole record (within the profession's rights).
    All,
    /// Only documents of these categories, and the profile if `profile`.
    Some { categories: Vec<Category>, profile: bool },
}

/// Where a professional stands with this patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    None,
    Granted(Grant),
    Revoked,
    /// Blocked by the patient: nobody (not even a representative) can grant them.
    Blocked,
}

/// A break-glass (emergency) session of this actor on this record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakGlass {
    Off,
    Active,
    /// It lasted its maximum and ended.
    Expired,
}

/// A professional asking, with what the directory and the record say about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Professional<'a> {
    pub rpps: &'a str,
    pub profession: Profession,
    pub specialty: Option<&'a str>,
    /// The patient designated them as regular doctor (médecin traitant).
    pub regular_doctor: bool,
    pub consent: Consent,
    pub break_glass: BreakGlass,
}

/// Who asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor<'a> {
    /// The holder of the record.
    Patient,
    /// A legal representative managing the record.
    Representative,
    Professional(Professional<'a>),
    /// The emergency call centre (SAMU, "centre 15"): the break-glass right, nothing more.
    EmergencyCentre {
        break_glass: BreakGlass,
    },
    /// Someone holding the patient's emergency link: the emergency summary only.
    EmergencyLinkHolder,
    /// The health insurer's feed: deposits reimbursement data, reads nothing.
    InsurerFeed,
}

/// Who wrote an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "rpps", rename_all = "snake_case")]
pub enum Author<'a> {
    Patient,
    Professional(&'a str),
    Insurer,
}

/// The item asked about, with its flags. For a question about the record as a whole (its
/// sharing, its access history), the flags are off: see [`Item::about`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    pub subject: Subject,
    pub domain: Option<Domain>,
    /// `None` for an item not written yet (a deposit). For an item in a care episode, who put it
    /// there.
    pub author: Option<Author<'a>>,
    pub masked: bool,
    pub hidden_from_representatives: bool,
    /// Hidden from the patient until a professional has announced the result.
    pub awaiting_announcement: bool,
    /// Withdrawn by its author: kept in the record's history, seen by the patient's side and its
    /// author only, changed by nobody.
    pub withdrawn: bool,
}

impl Item<'_> {
    /// A part of the record that is not an item: its sharing, its history, the record itself.
    pub const fn about(subject: Subject) -> Self {
        Self {
            subject,
            domain: None,
            author: None,
            masked: false,
            hidden_from_representatives: false,
            awaiting_announcement: false,
            withdrawn: false,
        }
    }
}

/// What the record and the configuration say, whoever asks.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub matrix: &'a AccessMatrix,
    pub today: Date,
    pub record_closed: bool,
    /// The patient refused break-glass access in advance.
    pub break_glass_refused: bool,
    /// Configuration: masked items show in break-glass too.
    pub break_glass_sees_masked: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allow {
    Holder,
    Representative,
    Author,
    RegularDoctor,
    Granted,
    BreakGlass,
    InsurerFeed,
    /// A professional reads the access history: their own actions only.
    OwnActions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deny {
    RecordClosed,
    Blocked,
    /// The profession (or specialty) may not read or write this kind of item.
    NotForProfession,
    /// The item's clinical domain is outside the profession's rights.
    DomainExcluded,
    NoGrant,
    GrantRevoked,
    GrantExpired,
    /// The grant does not cover this category (or the profile).
    OutsideGrant,
    Masked,
    HiddenFromRepresentatives,
    AwaitingAnnouncement,
    /// Withdrawn by its author.
    Withdrawn,
    BreakGlassRefused,
    BreakGlassExpired,
    /// Emergency-link holders read the emergency summary only.
    SummaryOnly,
    /// The insurer's feed deposits reimbursement data only.
    FeedDepositsOnly,
    /// Only the patient (or their representative) writes their own documents and decides who
    /// sees the record; others' items are amended by their authors.
    NotYours,
    /// Holding a result back until it is announced is a professional's act.
    ProfessionalsOnly,
    /// The operation does not apply to this part of the record.
    Unsupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum Decision {
    Allow(Allow),
    Deny(Deny),
}

impl Decision {
    pub fn allowed(self) -> bool {
        matches!(self, Self::Allow(_))
    }
}

/// The one access decision. Pure: same question, same answer, on the server and in the browser.
/// Every refusal of an operation on a record is one of its answers.
pub fn decide(
    context: &Context<'_>,
    actor: &Actor<'_>,
    action: Action,
    item: &Item<'_>,
) -> Decision {
    use Decision::{Allow as A, Deny as D};
    // Those who are neither the patient's side nor a professional: one answer for everything.
    match actor {
        Actor::EmergencyLinkHolder => return D(Deny::SummaryOnly),
        Actor::InsurerFeed => {
            return match (action, item.subject) {
                // A closed record takes nothing more, from anyone.
                (Action::Write, Subject::Document(Category::Reimbursement))
                    if context.record_closed =>
                {
                    D(Deny::RecordClosed)
                }
                (Action::Write, Subject::Document(Category::Reimbursement)) => {
                    A(Allow::InsurerFeed)
                }
                _ => D(Deny::FeedDepositsOnly),
            };
        }
        _ => {}
    }
    match item.subject {
        Subject::Document(_) | Subject::Profile(_) => on_item(context, actor, action, item),
        _ => on_record(context, actor, action, item),
    }
}

/// An operation on a document or a profile entry.
fn on_item(context: &Context<'_>, actor: &Actor<'_>, action: Action, item: &Item<'_>) -> Decision {
    use Decision::Deny as D;
    match actor {
        Actor::Patient => holder(action, item, Allow::Holder),
        Actor::Representative => {
            if item.hidden_from_representatives {
                D(Deny::HiddenFromRepresentatives)
            } else {
                holder(action, item, Allow::Representative)
            }
        }
        Actor::EmergencyCentre { break_glass } => {
            // The call centre's regulating physician: a physician's rights, on break-glass only,
            // to read.
            if action != Action::Read {
                return D(Deny::NotForProfession);
            }
            professional(context, &emergency_centre(*break_glass), action, item)
        }
        Actor::Professional(pro) => professional(context, pro, action, item),
        Actor::EmergencyLinkHolder | Actor::InsurerFeed => D(Deny::Unsupported),
    }
}

/// The call centre, as the professional it acts as.
fn emergency_centre(break_glass: BreakGlass) -> Professional<'static> {
    Professional {
        rpps: "",
        profession: Profession::Physician,
        specialty: None,
        regular_doctor: false,
        consent: Consent::None,
        break_glass,
    }
}

/// The patient, or a representative acting for them, on an item.
fn holder(action: Action, item: &Item<'_>, as_who: Allow) -> Decision {
    use Decision::{Allow as A, Deny as D};
    let patients_own = matches!(item.author, None | Some(Author::Patient));
    let own_kind =
        matches!(item.subject, Subject::Profile(_) | Subject::Document(Category::PatientOwn));
    match action {
        Action::Read | Action::BeToldOf | Action::Mask if item.awaiting_announcement => {
            D(Deny::AwaitingAnnouncement)
        }
        Action::Read | Action::BeToldOf | Action::Mask => A(as_who),
        _ if item.withdrawn => D(Deny::Withdrawn),
        // Hiding from the representatives is the minor's own choice (or a professional's).
        Action::HideFromRepresentatives if as_who == Allow::Representative => D(Deny::NotYours),
        // Their own documents and any profile entry; never a professional's document.
        Action::Write | Action::HideFromRepresentatives if own_kind && patients_own => A(as_who),
        Action::Write | Action::HideFromRepresentatives => D(Deny::NotYours),
        Action::Withdraw => match (item.subject, item.author) {
            (Subject::Document(_), Some(Author::Patient)) => A(as_who),
            _ => D(Deny::NotYours),
        },
        Action::HoldBack => D(Deny::ProfessionalsOnly),
        Action::Announce => D(Deny::NotYours),
        Action::DesignateRegularDoctor | Action::BreakGlass => D(Deny::Unsupported),
    }
}

fn professional(
    context: &Context<'_>,
    pro: &Professional<'_>,
    action: Action,
    item: &Item<'_>,
) -> Decision {
    use Decision::{Allow as A, Deny as D};
    if matches!(action, Action::DesignateRegularDoctor | Action::BreakGlass) {
        return D(Deny::Unsupported);
    }
    if context.record_closed {
        return D(Deny::RecordClosed);
    }
    let author = !pro.rpps.is_empty() && item.author == Some(Author::Professional(pro.rpps));
    match action {
        // Releasing a held-back result only shows the patient their own result: its author may,
        // even once blocked.
        Action::Announce if author => return A(Allow::Author),
        Action::Announce | Action::Mask | Action::BeToldOf => return D(Deny::NotYours),
        Action::Read | Action::Write | Action::Withdraw | Action::HoldBack => {}
        Action::HideFromRepresentatives | Action::DesignateRegularDoctor | Action::BreakGlass => {}
    }
    if pro.consent == Consent::Blocked {
        return D(Deny::Blocked);
    }
    if action == Action::Read && author {
        return A(Allow::Author);
    }
    if item.withdrawn {
        return D(Deny::Withdrawn);
    }
    let writing = action != Action::Read;
    // Others' items are amended by their authors; only an author withdraws.
    if (writing && item.author.is_some() && !author) || (action == Action::Withdraw && !author) {
        return D(Deny::NotYours);
    }

    let rights = context.matrix.rights(pro.profession, pro.specialty);
    let covered = match (writing, item.subject) {
        (false, Subject::Document(category)) => rights.read.contains(&category),
        (false, Subject::Profile(section)) => rights.profile.contains(&section),
        (true, Subject::Document(category)) => rights.write.contains(&category),
        (true, Subject::Profile(section)) => rights.profile_write.contains(&section),
        (_, _) => false,
    };
    if !covered {
        return D(Deny::NotForProfession);
    }
    if item.domain.is_some_and(|domain| rights.excluded_domains.contains(&domain)) {
        return D(Deny::DomainExcluded);
    }
    let basis = match basis(context, pro, |grant| grant_covers(grant, item)) {
        Ok(basis) => basis,
        Err(refusal) => return D(refusal),
    };
    if item.masked {
        let sees_masked = basis == Allow::RegularDoctor
            || (basis == Allow::BreakGlass && context.break_glass_sees_masked);
        if !sees_masked {
            return D(Deny::Masked);
        }
    }
    A(basis)
}

/// Why a professional may act on this record at all: being the regular doctor, a live grant that
/// `covers` what is asked, or a live break-glass session (unless the patient refused it).
fn basis(
    context: &Context<'_>,
    pro: &Professional<'_>,
    covers: impl Fn(&Grant) -> bool,
) -> Result<Allow, Deny> {
    if pro.regular_doctor {
        return Ok(Allow::RegularDoctor);
    }
    let refusal = match &pro.consent {
        Consent::Granted(grant) if grant.until.is_some_and(|until| until < context.today) => {
            Deny::GrantExpired
        }
        Consent::Granted(grant) if covers(grant) => return Ok(Allow::Granted),
        Consent::Granted(_) => Deny::OutsideGrant,
        Consent::None => Deny::NoGrant,
        Consent::Revoked => Deny::GrantRevoked,
        Consent::Blocked => Deny::Blocked,
    };
    match pro.break_glass {
        BreakGlass::Active if context.break_glass_refused => Err(Deny::BreakGlassRefused),
        BreakGlass::Active => Ok(Allow::BreakGlass),
        BreakGlass::Expired if refusal == Deny::NoGrant => Err(Deny::BreakGlassExpired),
        _ => Err(refusal),
    }
}

/// Whether a grant's scope covers the item.
fn grant_covers(grant: &Grant, item: &Item<'_>) -> bool {
    match (&grant.scope, item.subject) {
        (Scope::All, _) => true,
        (Scope::Some { categories, .. }, Subject::Document(category)) => {
            categories.contains(&category)
        }
        (Scope::Some { profile, .. }, Subject::Profile(_)) => *profile,
        (Scope::Some { .. }, _) => false,
    }
}

/// An operation on the record as a whole: its sharing, its history, its care episodes, its
/// identity, opening it in an emergency.
fn on_record(
    context: &Context<'_>,
    actor: &Actor<'_>,
    action: Action,
    item: &Item<'_>,
) -> Decision {
    use Decision::{Allow as A, Deny as D};
    let acting_as;
    let (pro, centre) = match actor {
        Actor::Patient | Actor::Representative => return holder_on_record(actor, action, item),
        Actor::Professional(pro) => (pro, false),
        Actor::EmergencyCentre { break_glass } => {
            acting_as = emergency_centre(*break_glass);
            (&acting_as, true)
        }
        Actor::EmergencyLinkHolder | Actor::InsurerFeed => return D(Deny::Unsupported),
    };
    let applies = matches!(
        (action, item.subject),
        (Action::Read, Subject::AccessHistory)
            | (Action::Read | Action::BeToldOf, Subject::BreakGlassReview)
            | (Action::Write | Action::Withdraw, Subject::Episodes)
            | (Action::Read | Action::Write, Subject::Identity)
            | (Action::BreakGlass, Subject::Record)
    );
    if !applies {
        // The record's sharing is the patient's; other questions do not arise.
        return match item.subject {
            Subject::Sharing | Subject::ProfessionalAccess { .. } => D(Deny::NotYours),
            _ => D(Deny::Unsupported),
        };
    }
    if context.record_closed {
        return D(Deny::RecordClosed);
    }
    if pro.consent == Consent::Blocked {
        return D(Deny::Blocked);
    }
    match (action, item.subject) {
        // The regular doctor follows every professional's access; anyone else, their own.
        (_, Subject::AccessHistory) if pro.regular_doctor => A(Allow::RegularDoctor),
        (_, Subject::AccessHistory) => A(Allow::OwnActions),
        (_, Subject::BreakGlassReview) if pro.regular_doctor => A(Allow::RegularDoctor),
        (_, Subject::BreakGlassReview) => D(Deny::NotYours),
        // The call centre opens records and reads; it organises nothing.
        (_, Subject::Episodes) if centre => D(Deny::NotForProfession),
        (Action::Withdraw, Subject::Episodes) => {
            let tagger =
                !pro.rpps.is_empty() && item.author == Some(Author::Professional(pro.rpps));
            if tagger { A(Allow::Author) } else { D(Deny::NotYours) }
        }
        // The identity: read by whoever may read the record. Verified (written) with the patient
        // in front of them: by the regular doctor or on a live grant, never on break-glass alone
        // (which any professional may start) and never by the call centre.
        (Action::Write, Subject::Identity) if centre => D(Deny::NotForProfession),
        (Action::Write, Subject::Identity) => {
            let without_break_glass = Professional { break_glass: BreakGlass::Off, ..pro.clone() };
            match basis(context, &without_break_glass, |_| true) {
                Ok(basis) => A(basis),
                Err(refusal) => D(refusal),
            }
        }
        (_, Subject::Episodes | Subject::Identity) => match basis(context, pro, |_| true) {
            Ok(basis) => A(basis),
            Err(refusal) => D(refusal),
        },
        // Break-glass: any profession that reads something, unless the patient refused it.
        _ => {
            let rights = context.matrix.rights(pro.profession, pro.specialty);
            if context.break_glass_refused {
                D(Deny::BreakGlassRefused)
            } else if rights.read.is_empty() && rights.profile.is_empty() {
                D(Deny::NotForProfession)
            } else {
                A(Allow::BreakGlass)
            }
        }
    }
}

/// The patient, or a representative acting for them, on the record as a whole.
fn holder_on_record(actor: &Actor<'_>, action: Action, item: &Item<'_>) -> Decision {
    use Decision::{Allow as A, Deny as D};
    let as_who = if *actor == Actor::Patient { Allow::Holder } else { Allow::Representative };
    match (action, item.subject) {
        (Action::Read | Action::Write, Subject::Sharing)
        | (Action::Read, Subject::AccessHistory)
        | (Action::Read | Action::BeToldOf, Subject::BreakGlassReview)
        | (Action::Write | Action::Withdraw, Subject::Episodes)
        // The patient's side declares the identity, and removes it.
        | (Action::Read | Action::Write | Action::Withdraw, Subject::Identity) => A(as_who),
        // A block stands until the patient lifts it: a representative cannot grant, unblock or
        // designate a blocked professional.
        (Action::Write, Subject::ProfessionalAccess { blocked, .. }) => {
            if blocked && as_who == Allow::Representative { D(Deny::Blocked) } else { A(as_who) }
        }
        (Action::DesignateRegularDoctor, Subject::ProfessionalAccess { physician, blocked }) => {
            if !physician {
                D(Deny::NotForProfession)
            } else if blocked {
                D(Deny::Blocked)
            } else {
                A(as_who)
            }
        }
        _ => D(Deny::Unsupported),
    }
}
