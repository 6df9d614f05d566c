use app::api::filter::DocumentFilter;
use app::api::profile::{Entry, MeasurementKind};
use app::api::record::{AuthorInfo, DocumentInfo};
use app::api::timeline::*;
use app::date::Date;
use app::vocabulary::{Category, MediaType};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn document(id: &str, care_date: &str, at: i64) -> TimelineItem {
    let document = DocumentInfo {
        id: id.into(),
        version: 1,
        title: format!("Compte rendu {id}"),
        category: Category::Reports,
        domain: None,
        type_code: None,
        care_date: care_date.into(),
        media_type: MediaType::Pdf,
        size: 1,
        author: AuthorInfo::Patient,
        masked: false,
        hidden_from_representatives: false,
        awaiting_announcement: false,
        deposited_at: at,
        withdrawn: false,
        episodes: Vec::new(),
        allowed: Vec::new(),
    };
    TimelineItem {
        date: care_date.into(),
        at,
        author: AuthorInfo::Patient,
        episodes: Vec::new(),
        happening: Happening::Document { document },
    }
}

#[test]
fn newest_first_then_by_writing_time() {
    let mut items = vec![
        document("a", "2026-01-05", 10),
        document("b", "2026-03-01", 5),
        document("c", "2026-01-05", 20),
    ];
    sort(&mut items);
    let order: Vec<&str> = items.iter().map(|i| i.happening.item_id()).collect();
    assert_eq!(order, ["b", "c", "a"]);
}

#[test]
fn pages_cover_everything_once() {
    let mut items: Vec<_> =
        (0..75).map(|n| document(&format!("{n:03}"), "2026-01-01", n)).collect();
    sort(&mut items);
    let (first, next) = window(75, 0);
    assert_eq!((first.len(), next), (PAGE_ITEMS, Some(30)));
    let (second, next) = window(75, 30);
    assert_eq!((second.clone(), next), (30..60, Some(60)));
    let (third, next) = window(75, 60);
    assert_eq!((third.len(), next), (15, None));
    let mut seen: Vec<&str> = [first, second, third]
        .into_iter()
        .flat_map(|shown| items[shown].iter().map(|i| i.happening.item_id()))
        .collect();
    seen.dedup();
    assert_eq!(seen.len(), 75);
    let (past, next) = window(75, 500);
    assert!(past.is_empty() && next.is_none(), "past the end is an empty page, not a panic");
    assert_eq!(window(0, 0), (0..0, None));
}

#[test]
fn entries_tell_of_their_care_events() {
    let today = day("2026-12-01");
    let treatment = Entry::Treatment {
        substance: "amlodipine".into(),
        dose: "5 mg".into(),
        prescriber: String::new(),
        since: Some("2026-02-01".into()),
        until: Some("2027-02-01".into()),
    };
    assert_eq!(
        care_events(&treatment, today),
        [(CareEvent::TreatmentStarted, "2026-02-01".to_owned())],
        "a planned end is not an event yet"
    );
    let condition = Entry::Condition {
        name: "Diabète gestationnel".into(),
        since: Some("2026-04-10".into()),
        until: Some("2026-09-30".into()),
    };
    assert_eq!(care_events(&condition, today).len(), 2);
    let measured = Entry::Measurement {
        kind: MeasurementKind::Weight,
        value: 70.0,
        second: None,
        date: "2026-11-30".into(),
    };
    assert_eq!(care_events(&measured, today), [(CareEvent::Measured, "2026-11-30".to_owned())]);
    let contact = Entry::EmergencyContact {
        name: "Paul".into(),
        relation: "frère".into(),
        phone: "+33612345678".into(),
    };
    assert!(care_events(&contact, today).is_empty());
    assert_eq!(entry_words(&contact), "paul frere");
}

#[test]
fn queries_read_back_and_titles_are_checked() {
    let query = TimelineQuery {
        kind: Some(TimelineKind::CareEvent),
        offset: Some(30),
        filter: DocumentFilter { q: Some("vaccin grippe".into()), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(query.query_string(), "?q=vaccin+grippe&kind=care_event&offset=30");
    assert_eq!(TimelineQuery::default().query_string(), "");
    assert_eq!(episode_title("  Grossesse 2026 "), Some("Grossesse 2026".into()));
    assert_eq!(episode_title(" "), None);
    assert_eq!(episode_title(&"x".repeat(81)), None);
    assert_eq!(episode_title("a\u{7}b"), None);
}
