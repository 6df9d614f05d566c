use app::api::profile::{AllergySeverity, Entry, EntryInfo};
use app::api::record::{AuthorInfo, DepositRequest};
use app::api::{ErrorBody, ErrorCode, Refusal};
use app::cache::outbox::*;
use app::vocabulary::Category;

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
    let what = What::EditEntry { entry_id: "e1".into(), base_version: 1, entry: allergy("latex") };
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
    let text = app::vocabulary::MediaType::Text;
    DepositRequest::plain(
        "Tension du matin".into(),
        Category::PatientOwn,
        "2026-12-01".into(),
        text,
        size,
    )
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
