use app::api::history::*;

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
fn a_filter_is_named_in_the_query_as_the_server_reads_it() {
    for filter in [
        HistoryFilter::All,
        HistoryFilter::Professionals,
        HistoryFilter::BreakGlass,
        HistoryFilter::Refused,
    ] {
        assert_eq!(HistoryFilter::from_code(filter.code()), filter);
        let json = serde_json::to_string(&filter).unwrap();
        assert_eq!(json, format!("\"{}\"", filter.code()));
    }
    assert_eq!(HistoryFilter::from_code("whatever"), HistoryFilter::All);
    assert_eq!(
        history_uri("r1", HistoryFilter::All, None),
        "/api/records/r1/access-history?limit=30"
    );
    assert_eq!(
        history_uri("r1", HistoryFilter::BreakGlass, Some(42)),
        "/api/records/r1/access-history?limit=30&filter=break_glass&before=42"
    );
}

#[test]
fn filters_narrow_as_named() {
    let own = event("patient", true, false);
    let urgent = event("professional", true, true);
    let refused = event("professional", false, false);
    assert!([&own, &urgent, &refused].iter().all(|e| HistoryFilter::All.admits(e)));
    assert!(
        !HistoryFilter::Professionals.admits(&own) && HistoryFilter::Professionals.admits(&urgent)
    );
    assert!(
        HistoryFilter::BreakGlass.admits(&urgent) && !HistoryFilter::BreakGlass.admits(&refused)
    );
    assert!(HistoryFilter::Refused.admits(&refused) && !HistoryFilter::Refused.admits(&urgent));
}
