use app::api::filter::*;
use app::api::record::{AuthorInfo, DocumentInfo};
use app::vocabulary::{Category, MediaType};

fn document(title: &str, category: Category, care_date: &str, author: AuthorInfo) -> DocumentInfo {
    DocumentInfo {
        id: "d".into(),
        version: 1,
        title: title.into(),
        category,
        domain: None,
        type_code: None,
        care_date: care_date.into(),
        media_type: MediaType::Pdf,
        size: 1,
        author,
        masked: false,
        hidden_from_representatives: false,
        awaiting_announcement: false,
        deposited_at: 0,
        withdrawn: false,
        episodes: vec!["grossesse".into()],
        allowed: Vec::new(),
    }
}

fn filter(f: DocumentFilter) -> CheckedFilter {
    f.check().unwrap()
}

#[test]
fn every_part_narrows_and_all_combine() {
    let doctor =
        AuthorInfo::Professional { rpps: "10000000009".into(), name: "Anne Martin".into() };
    let echo = document("Échographie du 2e trimestre", Category::Imaging, "2026-03-10", doctor);
    let own =
        document("Journal de tension", Category::PatientOwn, "2026-11-20", AuthorInfo::Patient);
    let all = DocumentFilter::default().check().unwrap();
    assert!(all.is_empty() && all.matches(&echo) && all.matches(&own));

    let imaging =
        filter(DocumentFilter { category: Some(Category::Imaging), ..Default::default() });
    assert!(imaging.matches(&echo) && !imaging.matches(&own));
    let by_patient =
        filter(DocumentFilter { author: Some("patient".into()), ..Default::default() });
    assert!(!by_patient.matches(&echo) && by_patient.matches(&own));
    let by_doctor =
        filter(DocumentFilter { author: Some("10000000009".into()), ..Default::default() });
    assert!(by_doctor.matches(&echo) && !by_doctor.matches(&own));
    let spring = filter(DocumentFilter {
        from: Some("2026-03-10".into()),
        to: Some("2026-06-30".into()),
        ..Default::default()
    });
    assert!(spring.matches(&echo) && !spring.matches(&own), "both ends are included");
    let words =
        filter(DocumentFilter { q: Some("  ECHOGRAPHIE trimestre ".into()), ..Default::default() });
    assert!(words.matches(&echo) && !words.matches(&own));
    let missing =
        filter(DocumentFilter { q: Some("échographie tension".into()), ..Default::default() });
    assert!(!missing.matches(&echo), "every word must be there");
    let both = filter(DocumentFilter {
        category: Some(Category::Imaging),
        author: Some("patient".into()),
        ..Default::default()
    });
    assert!(!both.matches(&echo));
    let tagged = filter(DocumentFilter { episode: Some("grossesse".into()), ..Default::default() });
    let other = filter(DocumentFilter { episode: Some("diabete".into()), ..Default::default() });
    assert!(tagged.matches(&echo) && !other.matches(&echo));
}

#[test]
fn words_are_found_in_the_text_too() {
    let terms = search_terms("Compte rendu : HbA1c à 7,2 %. Hémoglobine glyquée stable.", 1000);
    assert_eq!(terms, "compte rendu hba1c a 7 2 hemoglobine glyquee stable");
    let words = filter(DocumentFilter { q: Some("glyquée compte".into()), ..Default::default() });
    assert!(words.has_words("Bilan", Some(&terms)));
    assert!(!words.has_words("Bilan", None), "without the text, only the title counts");
    let title_and_text =
        filter(DocumentFilter { q: Some("bilan stable".into()), ..Default::default() });
    assert!(title_and_text.has_words("Bilan", Some(&terms)), "a word may come from either");
    assert_eq!(search_terms("un deux un trois", 8), "un deux", "distinct words, capped");
}

#[test]
fn bad_filters_are_refused() {
    let date = DocumentFilter { from: Some("2026-02-30".into()), ..Default::default() };
    assert_eq!(date.check(), Err(FilterError::Date));
    let period = DocumentFilter {
        from: Some("2026-05-01".into()),
        to: Some("2026-04-01".into()),
        ..Default::default()
    };
    assert_eq!(period.check(), Err(FilterError::Period));
    let long = DocumentFilter { q: Some("x".repeat(101)), ..Default::default() };
    assert_eq!(long.check(), Err(FilterError::Query));
    let blank =
        DocumentFilter { from: Some(" ".into()), q: Some(String::new()), ..Default::default() };
    assert!(blank.check().unwrap().is_empty());
    assert!(serde_json::from_str::<DocumentFilter>(r#"{"colour":"red"}"#).is_err());
}

#[test]
fn query_strings() {
    assert_eq!(DocumentFilter::default().query_string(), "");
    let filter = DocumentFilter {
        category: Some(Category::LabResults),
        q: Some("à jeun".into()),
        from: Some(" ".into()),
        ..Default::default()
    };
    assert_eq!(filter.query_string(), "?category=lab_results&q=%C3%A0+jeun");
}
