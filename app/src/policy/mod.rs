//! Who sees what: one pure function, [`decide`], answers every access question with allow or
//! deny and the reason. The server asks it at every entry point; the interface asks it to
//! explain ("why can't I see this?", "what will this doctor see?"). Deny by default: an access
//! is allowed only by a rule below that names it.
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

mod matrix;

pub use matrix::{AccessMatrix, DEFAULT_JSON, MatrixError, Rights};

use serde::{Deserialize, Serialize};

use crate::account::validate::Date;
use crate::directory::Profession;
use crate::record::{Category, Domain, Subject};

/// What the actor wants to do with the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    /// Deposit a document or add a profile entry.
    Write,
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

/// The item asked about, with its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    pub subject: Subject,
    pub domain: Option<Domain>,
    /// `None` for an item not written yet (a deposit).
    pub author: Option<Author<'a>>,
    pub masked: bool,
    pub hidden_from_representatives: bool,
    /// Hidden from the patient until a professional has announced the result.
    pub awaiting_announcement: bool,
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
    BreakGlassRefused,
    BreakGlassExpired,
    /// Emergency-link holders read the emergency summary only.
    SummaryOnly,
    /// The insurer's feed deposits reimbursement data only.
    FeedDepositsOnly,
    /// Only the patient (or their representative) writes their own documents; others' items
    /// are amended by their authors.
    NotYours,
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
pub fn decide(
    context: &Context<'_>,
    actor: &Actor<'_>,
    action: Action,
    item: &Item<'_>,
) -> Decision {
    use Decision::{Allow as A, Deny as D};
    match actor {
        Actor::Patient => holder(action, item, Allow::Holder),
        Actor::Representative => {
            if item.hidden_from_representatives {
                D(Deny::HiddenFromRepresentatives)
            } else {
                holder(action, item, Allow::Representative)
            }
        }
        Actor::EmergencyLinkHolder => D(Deny::SummaryOnly),
        Actor::InsurerFeed => match (action, item.subject) {
            (Action::Write, Subject::Document(Category::Reimbursement)) => A(Allow::InsurerFeed),
            _ => D(Deny::FeedDepositsOnly),
        },
        Actor::EmergencyCentre { break_glass } => {
            // The call centre's regulating physician: a physician's rights, on break-glass only.
            let as_professional = Professional {
                rpps: "",
                profession: Profession::Physician,
                specialty: None,
                regular_doctor: false,
                consent: Consent::None,
                break_glass: *break_glass,
            };
            if action == Action::Write {
                return D(Deny::NotForProfession);
            }
            professional(context, &as_professional, action, item)
        }
        Actor::Professional(pro) => professional(context, pro, action, item),
    }
}

/// The patient, or a representative acting for them.
fn holder(action: Action, item: &Item<'_>, as_who: Allow) -> Decision {
    match action {
        Action::Read if item.awaiting_announcement => Decision::Deny(Deny::AwaitingAnnouncement),
        Action::Read => Decision::Allow(as_who),
        // Their own documents and any profile entry; never a professional's document.
        Action::Write => match (item.subject, item.author) {
            (Subject::Profile(_), _) | (Subject::Document(Category::PatientOwn), _) => {
                match item.author {
                    None | Some(Author::Patient) => Decision::Allow(as_who),
                    Some(_) => Decision::Deny(Deny::NotYours),
                }
            }
            _ => Decision::Deny(Deny::NotYours),
        },
    }
}

fn professional(
    context: &Context<'_>,
    pro: &Professional<'_>,
    action: Action,
    item: &Item<'_>,
) -> Decision {
    use Decision::{Allow as A, Deny as D};
    if context.record_closed {
        return D(Deny::RecordClosed);
    }
    if pro.consent == Consent::Blocked {
        return D(Deny::Blocked);
    }
    let author = !pro.rpps.is_empty() && item.author == Some(Author::Professional(pro.rpps));
    if action == Action::Read && author {
        return A(Allow::Author);
    }
    if action == Action::Write && item.author.is_some() && !author {
        return D(Deny::NotYours);
    }

    let rights = context.matrix.rights(pro.profession, pro.specialty);
    let covered = match (action, item.subject) {
        (Action::Read, Subject::Document(category)) => rights.read.contains(&category),
        (Action::Read, Subject::Profile(section)) => rights.profile.contains(&section),
        (Action::Write, Subject::Document(category)) => rights.write.contains(&category),
        (Action::Write, Subject::Profile(section)) => rights.profile_write.contains(&section),
    };
    if !covered {
        return D(Deny::NotForProfession);
    }
    if item.domain.is_some_and(|domain| rights.excluded_domains.contains(&domain)) {
        return D(Deny::DomainExcluded);
    }

    let basis = if pro.regular_doctor {
        Ok(Allow::RegularDoctor)
    } else {
        grant_basis(context, &pro.consent, item)
    };
    let basis = match basis {
        Ok(basis) => basis,
        Err(refusal) => match pro.break_glass {
            BreakGlass::Active if context.break_glass_refused => return D(Deny::BreakGlassRefused),
            BreakGlass::Active => Allow::BreakGlass,
            BreakGlass::Expired if refusal == Deny::NoGrant => return D(Deny::BreakGlassExpired),
            _ => return D(refusal),
        },
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

/// Whether the patient's consent covers the item today.
fn grant_basis(context: &Context<'_>, consent: &Consent, item: &Item<'_>) -> Result<Allow, Deny> {
    let grant = match consent {
        Consent::Granted(grant) => grant,
        Consent::None => return Err(Deny::NoGrant),
        Consent::Revoked => return Err(Deny::GrantRevoked),
        Consent::Blocked => return Err(Deny::Blocked),
    };
    if grant.until.is_some_and(|until| until < context.today) {
        return Err(Deny::GrantExpired);
    }
    let within = match (&grant.scope, item.subject) {
        (Scope::All, _) => true,
        (Scope::Some { categories, .. }, Subject::Document(category)) => {
            categories.contains(&category)
        }
        (Scope::Some { profile, .. }, Subject::Profile(_)) => *profile,
    };
    if within { Ok(Allow::Granted) } else { Err(Deny::OutsideGrant) }
}

#[cfg(test)]
mod tests;
