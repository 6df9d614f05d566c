//! The policy against an independent statement of the rules, over every combination of actor ×
//! profession × item × consent × flags × break-glass × patient opt-out; then the reference's
//! examples spelled out one by one.

use super::*;
use crate::record::Section;

const SELF: &str = "10000000009";
const OTHER: &str = "10001234565";

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// The consent states of the issue: none, granted all, granted some, revoked, blocked, expired.
fn consents() -> Vec<Consent> {
    vec![
        Consent::None,
        Consent::Granted(Grant { scope: Scope::All, until: None }),
        Consent::Granted(Grant {
            scope: Scope::Some {
                categories: vec![Category::Reports, Category::LabResults],
                profile: false,
            },
            until: Some(day("2026-12-31")),
        }),
        Consent::Granted(Grant {
            scope: Scope::Some { categories: vec![Category::Prescriptions], profile: true },
            until: None,
        }),
        Consent::Revoked,
        Consent::Blocked,
        Consent::Granted(Grant { scope: Scope::All, until: Some(day("2026-11-24")) }),
    ]
}

fn subjects() -> Vec<Subject> {
    Category::ALL
        .into_iter()
        .map(Subject::Document)
        .chain(Section::ALL.into_iter().map(Subject::Profile))
        .collect()
}

/// The rules as the issue states them, written without looking at `decide`: a list of
/// statements read from the top, the first that applies gives the answer.
fn expected(context: &Context<'_>, actor: &Actor<'_>, action: Action, item: &Item<'_>) -> Decision {
    let reading = action == Action::Read;
    let patients_own_kind = matches!(item.subject, Subject::Profile(_))
        || item.subject == Subject::Document(Category::PatientOwn);
    let patients_item = matches!(item.author, None | Some(Author::Patient));
    let pro = match actor {
        Actor::Patient | Actor::Representative => {
            let reason =
                if *actor == Actor::Patient { Allow::Holder } else { Allow::Representative };
            if *actor == Actor::Representative && item.hidden_from_representatives {
                return Decision::Deny(Deny::HiddenFromRepresentatives);
            }
            if reading {
                if item.awaiting_announcement {
                    return Decision::Deny(Deny::AwaitingAnnouncement);
                }
                return Decision::Allow(reason);
            }
            if patients_own_kind && patients_item {
                return Decision::Allow(reason);
            }
            return Decision::Deny(Deny::NotYours);
        }
        Actor::EmergencyLinkHolder => return Decision::Deny(Deny::SummaryOnly),
        Actor::InsurerFeed => {
            if !reading && item.subject == Subject::Document(Category::Reimbursement) {
                return Decision::Allow(Allow::InsurerFeed);
            }
            return Decision::Deny(Deny::FeedDepositsOnly);
        }
        Actor::EmergencyCentre { break_glass } => {
            if !reading {
                return Decision::Deny(Deny::NotForProfession);
            }
            Professional {
                rpps: "",
                profession: Profession::Physician,
                specialty: None,
                regular_doctor: false,
                consent: Consent::None,
                break_glass: *break_glass,
            }
        }
        Actor::Professional(pro) => pro.clone(),
    };

    // Closed: only the holder. Blocked: nothing at all.
    if context.record_closed {
        return Decision::Deny(Deny::RecordClosed);
    }
    if pro.consent == Consent::Blocked {
        return Decision::Deny(Deny::Blocked);
    }
    let wrote_it = !pro.rpps.is_empty() && item.author == Some(Author::Professional(pro.rpps));
    if reading && wrote_it {
        return Decision::Allow(Allow::Author);
    }
    if !reading && item.author.is_some() && !wrote_it {
        return Decision::Deny(Deny::NotYours);
    }
    // The matrix, read as data.
    let rights = context.matrix.rights(pro.profession, pro.specialty);
    let allowed_kind = match item.subject {
        Subject::Document(c) if reading => rights.read.contains(&c),
        Subject::Document(c) => rights.write.contains(&c),
        Subject::Profile(s) if reading => rights.profile.contains(&s),
        Subject::Profile(s) => rights.profile_write.contains(&s),
    };
    if !allowed_kind {
        return Decision::Deny(Deny::NotForProfession);
    }
    if let Some(domain) = item.domain
        && rights.excluded_domains.contains(&domain)
    {
        return Decision::Deny(Deny::DomainExcluded);
    }
    // The basis: designation, then a grant that is live and covers the item, then break-glass.
    let grant_says: Result<(), Deny> = match &pro.consent {
        Consent::None => Err(Deny::NoGrant),
        Consent::Revoked => Err(Deny::GrantRevoked),
        Consent::Blocked => Err(Deny::Blocked),
        Consent::Granted(grant) => {
            let live = match grant.until {
                None => true,
                Some(until) => until >= context.today,
            };
            let covers = match (&grant.scope, item.subject) {
                (Scope::All, _) => true,
                (Scope::Some { categories, .. }, Subject::Document(c)) => categories.contains(&c),
                (Scope::Some { profile, .. }, Subject::Profile(_)) => *profile,
            };
            if !live {
                Err(Deny::GrantExpired)
            } else if !covers {
                Err(Deny::OutsideGrant)
            } else {
                Ok(())
            }
        }
    };
    let basis = if pro.regular_doctor {
        Allow::RegularDoctor
    } else if grant_says.is_ok() {
        Allow::Granted
    } else if pro.break_glass == BreakGlass::Active {
        if context.break_glass_refused {
            return Decision::Deny(Deny::BreakGlassRefused);
        }
        Allow::BreakGlass
    } else if pro.break_glass == BreakGlass::Expired && pro.consent == Consent::None {
        return Decision::Deny(Deny::BreakGlassExpired);
    } else {
        return Decision::Deny(grant_says.err().unwrap_or(Deny::NoGrant));
    };
    // Masked: patient, author, regular doctor — and break-glass only if configured.
    if item.masked
        && basis != Allow::RegularDoctor
        && !(basis == Allow::BreakGlass && context.break_glass_sees_masked)
    {
        return Decision::Deny(Deny::Masked);
    }
    Decision::Allow(basis)
}

#[test]
fn every_combination_matches_the_rules() {
    let matrix = AccessMatrix::reference();
    let mut checked = 0u64;
    let mut allowed = 0u64;
    let actors_without_profession = [
        Actor::Patient,
        Actor::Representative,
        Actor::EmergencyLinkHolder,
        Actor::InsurerFeed,
        Actor::EmergencyCentre { break_glass: BreakGlass::Off },
        Actor::EmergencyCentre { break_glass: BreakGlass::Active },
        Actor::EmergencyCentre { break_glass: BreakGlass::Expired },
    ];
    let mut actors: Vec<Actor<'_>> = actors_without_profession.to_vec();
    for profession in Profession::ALL {
        for specialty in [None, Some("psychiatry")] {
            for regular_doctor in [false, true] {
                for consent in consents() {
                    for break_glass in [BreakGlass::Off, BreakGlass::Active, BreakGlass::Expired] {
                        actors.push(Actor::Professional(Professional {
                            rpps: SELF,
                            profession,
                            specialty,
                            regular_doctor,
                            consent: consent.clone(),
                            break_glass,
                        }));
                    }
                }
            }
        }
    }
    let authors = [
        None,
        Some(Author::Patient),
        Some(Author::Professional(SELF)),
        Some(Author::Professional(OTHER)),
        Some(Author::Insurer),
    ];
    for (closed, refused, sees_masked) in
        [(false, false, false), (false, true, false), (false, false, true), (true, false, false)]
    {
        let context = Context {
            matrix: &matrix,
            today: day("2026-11-25"),
            record_closed: closed,
            break_glass_refused: refused,
            break_glass_sees_masked: sees_masked,
        };
        for actor in &actors {
            for subject in subjects() {
                for domain in [None, Some(Domain::Psychiatry), Some(Domain::Obstetrics)] {
                    for author in authors {
                        for flags in 0..8u8 {
                            let item = Item {
                                subject,
                                domain,
                                author,
                                masked: flags & 1 != 0,
                                hidden_from_representatives: flags & 2 != 0,
                                awaiting_announcement: flags & 4 != 0,
                            };
                            for action in [Action::Read, Action::Write] {
                                let got = decide(&context, actor, action, &item);
                                let want = expected(&context, actor, action, &item);
                                assert_eq!(
                                    got, want,
                                    "{actor:?} {action:?} {item:?} closed={closed} refused={refused}"
                                );
                                checked += 1;
                                allowed += u64::from(got.allowed());
                            }
                        }
                    }
                }
            }
        }
    }
    // Every case was looked at, and the policy both allows and denies.
    assert!(checked > 1_000_000, "{checked}");
    assert!(allowed > 0 && allowed < checked);
}

fn pro(profession: Profession, consent: Consent) -> Actor<'static> {
    Actor::Professional(Professional {
        rpps: SELF,
        profession,
        specialty: None,
        regular_doctor: false,
        consent,
        break_glass: BreakGlass::Off,
    })
}

fn all() -> Consent {
    Consent::Granted(Grant { scope: Scope::All, until: None })
}

fn item(subject: Subject, domain: Option<Domain>) -> Item<'static> {
    Item {
        subject,
        domain,
        author: Some(Author::Professional(OTHER)),
        masked: false,
        hidden_from_representatives: false,
        awaiting_announcement: false,
    }
}

fn reads(actor: &Actor<'_>, item: &Item<'_>) -> Decision {
    let matrix = AccessMatrix::reference();
    let context = Context {
        matrix: &matrix,
        today: day("2026-11-25"),
        record_closed: false,
        break_glass_refused: false,
        break_glass_sees_masked: false,
    };
    decide(&context, actor, Action::Read, item)
}

#[test]
fn the_reference_examples() {
    use Decision::{Allow as A, Deny as D};
    let psychiatric_summary =
        item(Subject::Document(Category::Summaries), Some(Domain::Psychiatry));
    let delivery_report = item(Subject::Document(Category::Reports), Some(Domain::Obstetrics));
    let directives = item(Subject::Profile(Section::AdvanceDirectives), None);
    // A physician sees all categories; a dentist neither psychiatric summaries nor directives.
    assert_eq!(reads(&pro(Profession::Physician, all()), &psychiatric_summary), A(Allow::Granted));
    assert_eq!(
        reads(&pro(Profession::Dentist, all()), &psychiatric_summary),
        D(Deny::DomainExcluded)
    );
    assert_eq!(reads(&pro(Profession::Dentist, all()), &directives), D(Deny::NotForProfession));
    // A podiatrist does not see a delivery report; a midwife does.
    assert_eq!(
        reads(&pro(Profession::Podiatrist, all()), &delivery_report),
        D(Deny::DomainExcluded)
    );
    assert_eq!(reads(&pro(Profession::Midwife, all()), &delivery_report), A(Allow::Granted));
    // An insurer agent opens records but reads none.
    assert_eq!(
        reads(&pro(Profession::InsurerAgent, all()), &delivery_report),
        D(Deny::NotForProfession)
    );
    // No grant, no access — even for a physician.
    assert_eq!(
        reads(&pro(Profession::Physician, Consent::None), &delivery_report),
        D(Deny::NoGrant)
    );
    // A masked document: the patient, its author and the regular doctor only.
    let masked = Item { masked: true, ..delivery_report };
    assert_eq!(reads(&Actor::Patient, &masked), A(Allow::Holder));
    assert_eq!(reads(&pro(Profession::Physician, all()), &masked), D(Deny::Masked));
    let author = Item { author: Some(Author::Professional(SELF)), ..masked };
    assert_eq!(reads(&pro(Profession::Midwife, Consent::None), &author), A(Allow::Author));
    let regular = Actor::Professional(Professional {
        rpps: SELF,
        profession: Profession::Physician,
        specialty: None,
        regular_doctor: true,
        consent: Consent::None,
        break_glass: BreakGlass::Off,
    });
    assert_eq!(reads(&regular, &masked), A(Allow::RegularDoctor));
    // A blocked professional sees nothing, even their own documents and in an emergency.
    let blocked = Actor::Professional(Professional {
        rpps: SELF,
        profession: Profession::Physician,
        specialty: None,
        regular_doctor: true,
        consent: Consent::Blocked,
        break_glass: BreakGlass::Active,
    });
    assert_eq!(reads(&blocked, &author), D(Deny::Blocked));
    // A nurse's psychiatry specialty lifts that one domain.
    let psychiatric_nurse = Actor::Professional(Professional {
        rpps: SELF,
        profession: Profession::Nurse,
        specialty: Some("psychiatry"),
        regular_doctor: false,
        consent: all(),
        break_glass: BreakGlass::Off,
    });
    assert_eq!(
        reads(&pro(Profession::Nurse, all()), &psychiatric_summary),
        D(Deny::DomainExcluded)
    );
    assert_eq!(reads(&psychiatric_nurse, &psychiatric_summary), A(Allow::Granted));
}

#[test]
fn the_default_matrix_parses_and_bad_files_are_refused() {
    let matrix = AccessMatrix::parse(DEFAULT_JSON).unwrap();
    assert_eq!(matrix.version(), "2026-12-01");
    assert_eq!(matrix, AccessMatrix::reference());
    let bad_category = DEFAULT_JSON.replacen("\"reports\"", "\"gossip\"", 1);
    assert!(matches!(AccessMatrix::parse(&bad_category), Err(MatrixError::Rule { .. })));
    let other_format = DEFAULT_JSON.replace("carnet-access-matrix/1", "other/1");
    assert!(matches!(AccessMatrix::parse(&other_format), Err(MatrixError::Format(_))));
    let no_dentist = DEFAULT_JSON.replace("\"dentist\"", "\"physician\"");
    assert!(AccessMatrix::parse(&no_dentist).is_err(), "duplicate physician, missing dentist");
    assert!(matches!(AccessMatrix::parse("[]"), Err(MatrixError::Json(_))));
}
