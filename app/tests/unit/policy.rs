//! The policy against an independent statement of the rules, over every combination of actor ×
//! profession × item × consent × flags × break-glass × patient opt-out; then the reference's
//! examples spelled out one by one.
//!
//! Longer than most files, on purpose: the independent statement of the rules is read against
//! the policy line by line, so it stays in one file like the policy itself.

use app::date::Date;
use app::directory::Profession;
use app::policy::*;
use app::vocabulary::{Category, Domain, Section, Subject};

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
    let mut subjects: Vec<Subject> = Category::ALL
        .into_iter()
        .map(Subject::Document)
        .chain(Section::ALL.into_iter().map(Subject::Profile))
        .collect();
    subjects.extend([
        Subject::Sharing,
        Subject::AccessHistory,
        Subject::BreakGlassReview,
        Subject::Episodes,
        Subject::Identity,
        Subject::Record,
    ]);
    for physician in [false, true] {
        for blocked in [false, true] {
            subjects.push(Subject::ProfessionalAccess { physician, blocked });
        }
    }
    subjects
}

/// The rules as the issues state them, written without looking at `decide`: a list of
/// statements read from the top, the first that applies gives the answer.
fn expected(context: &Context<'_>, actor: &Actor<'_>, action: Action, item: &Item<'_>) -> Decision {
    use Action as Do;
    use Decision::{Allow as A, Deny as D};
    let is_item = matches!(item.subject, Subject::Document(_) | Subject::Profile(_));

    // Statement 1. The emergency-link holder reads the summary and nothing of the record; the
    // insurer's feed deposits reimbursement data, into an open record, and does nothing else.
    if *actor == Actor::EmergencyLinkHolder {
        return D(Deny::SummaryOnly);
    }
    if *actor == Actor::InsurerFeed {
        let deposit =
            action == Do::Write && item.subject == Subject::Document(Category::Reimbursement);
        return match (deposit, context.record_closed) {
            (false, _) => D(Deny::FeedDepositsOnly),
            (true, true) => D(Deny::RecordClosed),
            (true, false) => A(Allow::InsurerFeed),
        };
    }

    // Statement 2. The patient's side.
    if matches!(actor, Actor::Patient | Actor::Representative) {
        let me = if *actor == Actor::Patient { Allow::Holder } else { Allow::Representative };
        let representative = *actor == Actor::Representative;
        if is_item {
            if representative && item.hidden_from_representatives {
                return D(Deny::HiddenFromRepresentatives);
            }
            let theirs = item.author.is_none() || item.author == Some(Author::Patient);
            let own_kind = matches!(item.subject, Subject::Profile(_))
                || item.subject == Subject::Document(Category::PatientOwn);
            return match action {
                // What is held back is neither shown, nor told of, nor masked.
                Do::Read | Do::BeToldOf | Do::Mask => {
                    if item.awaiting_announcement {
                        D(Deny::AwaitingAnnouncement)
                    } else {
                        A(me)
                    }
                }
                // Withdrawn: still shown to the patient's side, changed by nobody.
                _ if item.withdrawn => D(Deny::Withdrawn),
                // A representative does not hide a deposit from the representatives.
                Do::HideFromRepresentatives if representative => D(Deny::NotYours),
                Do::Write | Do::HideFromRepresentatives => {
                    if own_kind && theirs {
                        A(me)
                    } else {
                        D(Deny::NotYours)
                    }
                }
                Do::Withdraw => {
                    let own_document = matches!(item.subject, Subject::Document(_))
                        && item.author == Some(Author::Patient);
                    if own_document { A(me) } else { D(Deny::NotYours) }
                }
                Do::HoldBack => D(Deny::ProfessionalsOnly),
                Do::Announce => D(Deny::NotYours),
                Do::DesignateRegularDoctor | Do::BreakGlass => D(Deny::Unsupported),
            };
        }
        return match (item.subject, action) {
            (Subject::Sharing, Do::Read | Do::Write) => A(me),
            (Subject::AccessHistory, Do::Read) => A(me),
            (Subject::BreakGlassReview, Do::Read | Do::BeToldOf) => A(me),
            (Subject::Episodes, Do::Write | Do::Withdraw) => A(me),
            // The patient's side declares the identity (it is not verified so) and removes it.
            (Subject::Identity, Do::Read | Do::Write | Do::Withdraw) => A(me),
            (Subject::ProfessionalAccess { blocked, .. }, Do::Write) => {
                if representative && blocked { D(Deny::Blocked) } else { A(me) }
            }
            (Subject::ProfessionalAccess { physician, blocked }, Do::DesignateRegularDoctor) => {
                if !physician {
                    D(Deny::NotForProfession)
                } else if blocked {
                    D(Deny::Blocked)
                } else {
                    A(me)
                }
            }
            _ => D(Deny::Unsupported),
        };
    }

    // Statement 3. A professional, or the call centre acting as a physician with no grant.
    let centre = matches!(actor, Actor::EmergencyCentre { .. });
    let pro = match actor {
        Actor::EmergencyCentre { break_glass } => Professional {
            rpps: "",
            profession: Profession::Physician,
            specialty: None,
            regular_doctor: false,
            consent: Consent::None,
            break_glass: *break_glass,
        },
        Actor::Professional(pro) => pro.clone(),
        _ => unreachable!("every other actor answered above"),
    };
    let mine = !pro.rpps.is_empty() && item.author == Some(Author::Professional(pro.rpps));
    // The call centre only reads items.
    if centre && is_item && action != Do::Read {
        return D(Deny::NotForProfession);
    }
    // Questions that do not arise for a professional.
    let record_question = matches!(
        (item.subject, action),
        (Subject::AccessHistory, Do::Read)
            | (Subject::BreakGlassReview, Do::Read | Do::BeToldOf)
            | (Subject::Episodes, Do::Write | Do::Withdraw)
            | (Subject::Identity, Do::Read | Do::Write)
            | (Subject::Record, Do::BreakGlass)
    );
    if !is_item && !record_question {
        return if matches!(item.subject, Subject::Sharing | Subject::ProfessionalAccess { .. }) {
            D(Deny::NotYours)
        } else {
            D(Deny::Unsupported)
        };
    }
    if is_item && matches!(action, Do::DesignateRegularDoctor | Do::BreakGlass) {
        return D(Deny::Unsupported);
    }
    // Closed: only the holder.
    if context.record_closed {
        return D(Deny::RecordClosed);
    }
    // The author releases their held-back result, blocked or not; nobody else announces, masks
    // for the patient, or is told of items.
    if is_item && action == Do::Announce {
        return if mine { A(Allow::Author) } else { D(Deny::NotYours) };
    }
    if is_item && matches!(action, Do::Mask | Do::BeToldOf) {
        return D(Deny::NotYours);
    }
    // Blocked: nothing at all.
    if pro.consent == Consent::Blocked {
        return D(Deny::Blocked);
    }
    // What a professional's basis is, when one is needed: the designation, a live grant that
    // covers `covered` (categories, the profile, the whole record), break-glass.
    let grant_refusal = |covered: bool| -> Option<Deny> {
        match &pro.consent {
            Consent::Granted(grant) => {
                if grant.until.is_some_and(|until| until < context.today) {
                    Some(Deny::GrantExpired)
                } else if covered {
                    None
                } else {
                    Some(Deny::OutsideGrant)
                }
            }
            Consent::None => Some(Deny::NoGrant),
            Consent::Revoked => Some(Deny::GrantRevoked),
            Consent::Blocked => Some(Deny::Blocked),
        }
    };
    let basis = |covered: bool| -> Result<Allow, Deny> {
        if pro.regular_doctor {
            return Ok(Allow::RegularDoctor);
        }
        let Some(refusal) = grant_refusal(covered) else { return Ok(Allow::Granted) };
        if pro.break_glass == BreakGlass::Active {
            if context.break_glass_refused {
                return Err(Deny::BreakGlassRefused);
            }
            return Ok(Allow::BreakGlass);
        }
        if pro.break_glass == BreakGlass::Expired && refusal == Deny::NoGrant {
            return Err(Deny::BreakGlassExpired);
        }
        Err(refusal)
    };

    if !is_item {
        return match (item.subject, action) {
            (Subject::AccessHistory, _) => {
                if pro.regular_doctor {
                    A(Allow::RegularDoctor)
                } else {
                    A(Allow::OwnActions)
                }
            }
            (Subject::BreakGlassReview, _) => {
                if pro.regular_doctor {
                    A(Allow::RegularDoctor)
                } else {
                    D(Deny::NotYours)
                }
            }
            (Subject::Episodes, _) if centre => D(Deny::NotForProfession),
            (Subject::Episodes, Do::Withdraw) => {
                if mine {
                    A(Allow::Author)
                } else {
                    D(Deny::NotYours)
                }
            }
            (Subject::Episodes, _) => match basis(true) {
                Ok(why) => A(why),
                Err(why) => D(why),
            },
            // Whoever may read the record reads whom it is of. A professional with the patient in
            // front of them verifies it: the regular doctor, or on a live grant; break-glass,
            // which anyone may start, is no ground for it, and the call centre never does.
            (Subject::Identity, Do::Write) if centre => D(Deny::NotForProfession),
            (Subject::Identity, Do::Write) if pro.regular_doctor => A(Allow::RegularDoctor),
            (Subject::Identity, Do::Write) => match grant_refusal(true) {
                None => A(Allow::Granted),
                Some(why) => D(why),
            },
            (Subject::Identity, _) => match basis(true) {
                Ok(why) => A(why),
                Err(why) => D(why),
            },
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
        };
    }

    // Items: the author reads their own; only the author amends or withdraws.
    let reading = action == Do::Read;
    if reading && mine {
        return A(Allow::Author);
    }
    // Withdrawn: its author still reads it; nobody else sees it, nobody changes it.
    if item.withdrawn {
        return D(Deny::Withdrawn);
    }
    if !reading && item.author.is_some() && !mine {
        return D(Deny::NotYours);
    }
    if action == Do::Withdraw && !mine {
        return D(Deny::NotYours);
    }
    // The matrix, read as data: read rights to read, write rights for everything else.
    let rights = context.matrix.rights(pro.profession, pro.specialty);
    let allowed_kind = match item.subject {
        Subject::Document(c) if reading => rights.read.contains(&c),
        Subject::Document(c) => rights.write.contains(&c),
        Subject::Profile(s) if reading => rights.profile.contains(&s),
        Subject::Profile(s) => rights.profile_write.contains(&s),
        _ => unreachable!("an item"),
    };
    if !allowed_kind {
        return D(Deny::NotForProfession);
    }
    if let Some(domain) = item.domain
        && rights.excluded_domains.contains(&domain)
    {
        return D(Deny::DomainExcluded);
    }
    let covered = match (&pro.consent, item.subject) {
        (
            Consent::Granted(Grant { scope: Scope::Some { categories, .. }, .. }),
            Subject::Document(c),
        ) => categories.contains(&c),
        (
            Consent::Granted(Grant { scope: Scope::Some { profile, .. }, .. }),
            Subject::Profile(_),
        ) => *profile,
        _ => true,
    };
    let why = match basis(covered) {
        Ok(why) => why,
        Err(why) => return D(why),
    };
    // Masked: patient, author, regular doctor — and break-glass only if configured.
    if item.masked
        && why != Allow::RegularDoctor
        && !(why == Allow::BreakGlass && context.break_glass_sees_masked)
    {
        return D(Deny::Masked);
    }
    A(why)
}

/// Every combination of actor × subject × domain × author × flags × action in one context, against
/// the statement; returns how many were checked and how many allowed.
fn check_every_combination(closed: bool, refused: bool, sees_masked: bool) -> (u64, u64) {
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
    let context = Context {
        matrix: &matrix,
        today: day("2026-11-25"),
        record_closed: closed,
        break_glass_refused: refused,
        break_glass_sees_masked: sees_masked,
    };
    for actor in &actors {
        for subject in subjects() {
            // The record as a whole has no domain nor flags; only an episode's items have a
            // tagger (the author).
            let is_item = matches!(subject, Subject::Document(_) | Subject::Profile(_));
            let domains: &[Option<Domain>] = if is_item {
                &[None, Some(Domain::Psychiatry), Some(Domain::Obstetrics)]
            } else {
                &[None]
            };
            for &domain in domains {
                for author in authors {
                    for flags in 0..if is_item { 16u8 } else { 1 } {
                        let item = Item {
                            subject,
                            domain,
                            author,
                            masked: flags & 1 != 0,
                            hidden_from_representatives: flags & 2 != 0,
                            awaiting_announcement: flags & 4 != 0,
                            withdrawn: flags & 8 != 0,
                        };
                        for action in Action::ALL {
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
    // Every case was looked at, and the policy both allows and denies.
    assert!(checked > 10_000_000, "{checked}");
    assert!(allowed > 0 && allowed < checked);
    (checked, allowed)
}

// One test per context, so that the test runner shares them out among the cores.
#[test]
fn every_combination_matches_the_rules_on_an_open_record() {
    check_every_combination(false, false, false);
}

#[test]
fn every_combination_matches_the_rules_when_emergency_access_was_refused() {
    check_every_combination(false, true, false);
}

#[test]
fn every_combination_matches_the_rules_when_break_glass_sees_masked_items() {
    check_every_combination(false, false, true);
}

#[test]
fn every_combination_matches_the_rules_on_a_closed_record() {
    let (checked, allowed) = check_every_combination(true, false, false);
    // Closed: the patient's side still acts; professionals do not.
    assert!(allowed < checked / 2, "{allowed} of {checked}");
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
        withdrawn: false,
    }
}

/// The decision on an open record, with the reference matrix.
fn on_open_record(actor: &Actor<'_>, action: Action, item: &Item<'_>) -> Decision {
    let matrix = AccessMatrix::reference();
    let context = Context {
        matrix: &matrix,
        today: day("2026-11-25"),
        record_closed: false,
        break_glass_refused: false,
        break_glass_sees_masked: false,
    };
    decide(&context, actor, action, item)
}

fn reads(actor: &Actor<'_>, item: &Item<'_>) -> Decision {
    on_open_record(actor, Action::Read, item)
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
fn operations_beyond_reading_spelled_out() {
    use Decision::{Allow as A, Deny as D};
    let decide = |actor: &Actor<'_>, action, item: &Item<'_>| on_open_record(actor, action, item);
    let own_note = Item { author: None, ..item(Subject::Document(Category::PatientOwn), None) };
    // A minor hides their own note from the representatives; the representative cannot.
    let hide = Action::HideFromRepresentatives;
    assert_eq!(decide(&Actor::Patient, hide, &own_note), A(Allow::Holder));
    assert_eq!(decide(&Actor::Representative, hide, &own_note), D(Deny::NotYours));
    // Only a professional holds a result back.
    assert_eq!(decide(&Actor::Patient, Action::HoldBack, &own_note), D(Deny::ProfessionalsOnly));
    // The author announces their held-back result, even once blocked; nobody else does.
    let held = Item {
        author: Some(Author::Professional(SELF)),
        awaiting_announcement: true,
        ..item(Subject::Document(Category::LabResults), None)
    };
    let blocked = pro(Profession::Physician, Consent::Blocked);
    assert_eq!(decide(&blocked, Action::Announce, &held), A(Allow::Author));
    let other = Item { author: Some(Author::Professional(OTHER)), ..held };
    assert_eq!(
        decide(&pro(Profession::Physician, all()), Action::Announce, &other),
        D(Deny::NotYours)
    );
    // A blocked regular doctor no longer follows the record.
    let blocked_regular = Actor::Professional(Professional {
        rpps: SELF,
        profession: Profession::Physician,
        specialty: None,
        regular_doctor: true,
        consent: Consent::Blocked,
        break_glass: BreakGlass::Off,
    });
    for subject in [Subject::AccessHistory, Subject::BreakGlassReview] {
        assert_eq!(decide(&blocked_regular, Action::Read, &Item::about(subject)), D(Deny::Blocked));
    }
    // A withdrawn document: its author and the patient read it; a granted physician does not.
    let withdrawn = Item { withdrawn: true, ..other };
    assert_eq!(
        decide(&pro(Profession::Physician, all()), Action::Read, &withdrawn),
        D(Deny::Withdrawn)
    );
    assert_eq!(
        decide(&Actor::Patient, Action::Read, &Item { awaiting_announcement: false, ..withdrawn }),
        A(Allow::Holder)
    );
    // A representative lifts no block; the holder does.
    let blocked_pro = Item::about(Subject::ProfessionalAccess { physician: true, blocked: true });
    assert_eq!(decide(&Actor::Representative, Action::Write, &blocked_pro), D(Deny::Blocked));
    assert_eq!(decide(&Actor::Patient, Action::Write, &blocked_pro), A(Allow::Holder));
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
