//! The timeline (documents, profile changes, care events), full-text search in text documents,
//! and care episodes: through the policy, for the patient and for professionals with different
//! grants.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::signed_up;
use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, deposit, meta, professionals, put, record_id,
};
use crate::{TestApp, get, test_app_with, text};

async fn fetch(app: &TestApp, uri: &str, session: &Session) -> (StatusCode, Value) {
    let response = get(&app.router, uri, Some(&session.0)).await;
    let status = response.status();
    (status, serde_json::from_str(&text(response).await).unwrap_or(Value::Null))
}

async fn timeline(app: &TestApp, record: &str, query: &str, session: &Session) -> Value {
    let (status, body) =
        fetch(app, &format!("/api/records/{record}/timeline{query}"), session).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// `(kind, what)` of each item: `what` is the care event, `v2`/`removed` for profile changes,
/// the title for documents.
fn shape(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let happening = &item["happening"];
            let kind = happening["kind"].as_str().unwrap().to_owned();
            let what = match kind.as_str() {
                "document" => happening["document"]["title"].as_str().unwrap().to_owned(),
                "care_event" => happening["event"].as_str().unwrap().to_owned(),
                _ if happening["removed"] == true => "removed".to_owned(),
                _ => format!("v{}", happening["version"]),
            };
            (kind, what)
        })
        .collect()
}

fn pair(kind: &str, what: &str) -> (String, String) {
    (kind.to_owned(), what.to_owned())
}

#[tokio::test]
async fn the_timeline_holds_documents_profile_changes_and_care_events_newest_first() {
    let (app, state) = crate::test_app_and_state().await;
    let (doctor, nurse) = professionals(&app).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let grants = format!("/api/records/{record}/grants");
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    assert_eq!(
        put(&app, &format!("{grants}/{DOCTOR}"), all, &patient, true).await.status,
        StatusCode::NO_CONTENT
    );
    let reports = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    let reports = reports.to_string().into_bytes();
    assert_eq!(
        put(&app, &format!("{grants}/{NURSE}"), reports, &patient, true).await.status,
        StatusCode::NO_CONTENT
    );

    // A text document of the patient's, a PDF report of the doctor's, two profile entries.
    let diary = "Journal : palpitations nocturnes depuis lundi, essoufflement à l'effort.";
    let mut own = meta("Mon journal", "patient_own", "text/plain", diary.len());
    own["care_date"] = json!("2026-11-10");
    let own = deposit(&app, &record, &patient, own, diary.as_bytes(), 1024).await;
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
    let own_id = own.body["id"].as_str().unwrap().to_owned();
    let mut report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    report["care_date"] = json!("2026-11-20");
    let report = deposit(&app, &record, &doctor, report, PDF, 1024).await;
    assert_eq!(report.status, StatusCode::CREATED);
    let report_id = report.body["id"].as_str().unwrap().to_owned();
    let profile = format!("/api/records/{record}/profile");
    let treatment = json!({ "entry": { "section": "treatment", "substance": "bisoprolol",
        "dose": "2,5 mg", "since": "2026-11-21" } });
    let treatment = call(&app, &profile, treatment, &doctor).await;
    assert_eq!(treatment.status, StatusCode::CREATED, "{:?}", treatment.body);
    let treatment_id = treatment.body["entry"]["id"].as_str().unwrap().to_owned();
    let vaccine =
        json!({ "entry": { "section": "vaccination", "vaccine": "Grippe", "date": "2026-10-15" } });
    app.clock.advance(60);
    let vaccine = call(&app, &profile, vaccine, &patient).await;
    let vaccine_id = vaccine.body["entry"]["id"].as_str().unwrap().to_owned();
    let changed = json!({ "entry": { "section": "treatment", "substance": "bisoprolol",
        "dose": "5 mg", "since": "2026-11-21" }, "base_version": 1 });
    let uri = format!("{profile}/{treatment_id}");
    app.clock.advance(60);
    assert_eq!(
        put(&app, &uri, changed.to_string().into_bytes(), &doctor, true).await.status,
        StatusCode::OK
    );
    app.clock.advance(60);
    assert_eq!(
        call(&app, &format!("{profile}/{vaccine_id}/remove"), json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );

    // Newest first: profile changes are dated the day they were written (the test clock's
    // 2026-11-25), care events and documents the day they happened.
    let page = timeline(&app, &record, "", &patient).await;
    let changes = [
        pair("profile_change", "removed"),
        pair("profile_change", "v2"),
        pair("profile_change", "v1"),
        pair("profile_change", "v1"),
    ];
    let items = shape(&page);
    assert_eq!(page["total"], 7, "{items:?}");
    assert_eq!(items[..4], changes, "{items:?}");
    assert_eq!(
        items[4..],
        [
            pair("care_event", "treatment_started"),
            pair("document", "Compte rendu de cardiologie"),
            pair("document", "Mon journal"),
        ],
        "the removed vaccination is no care event any more"
    );
    let dates: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|i| i["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert_eq!(page["items"][4]["author"]["rpps"], DOCTOR);

    // Kinds, categories, authors, periods.
    let care = timeline(&app, &record, "?kind=care_event", &patient).await;
    assert_eq!(shape(&care), [pair("care_event", "treatment_started")]);
    let documents = timeline(&app, &record, "?category=reports", &patient).await;
    assert_eq!(shape(&documents), [pair("document", "Compte rendu de cardiologie")]);
    let by_doctor = timeline(&app, &record, &format!("?author={DOCTOR}"), &patient).await;
    assert_eq!(by_doctor["total"], 4, "report, treatment started, both versions");
    let november = timeline(&app, &record, "?from=2026-11-01&to=2026-11-20", &patient).await;
    assert_eq!(shape(&november).len(), 2);

    // Full text: words of a text document are found, in the list and in the timeline; the
    // words of a profile entry are found in the timeline.
    let search = format!("/api/records/{record}/documents?q=PALPITATIONS%20effort");
    let (_, found) = fetch(&app, &search, &patient).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], own_id.as_str());
    let (_, none) = fetch(
        &app,
        &format!("/api/records/{record}/documents?q=palpitations%20fracture"),
        &patient,
    )
    .await;
    assert!(none.as_array().unwrap().is_empty(), "every word must be there");
    let words = timeline(&app, &record, "?q=bisoprolol", &patient).await;
    assert_eq!(words["total"], 3);
    // The nurse may read reports only: not the diary, so not its words; nor the profile.
    let (_, theirs) = fetch(&app, &search, &nurse).await;
    assert!(theirs.as_array().unwrap().is_empty());
    let nurse_page = timeline(&app, &record, "", &nurse).await;
    assert_eq!(shape(&nurse_page), [pair("document", "Compte rendu de cardiologie")]);

    // Bad input: a clear error.
    let (status, body) =
        fetch(&app, &format!("/api/records/{record}/timeline?from=2026-13-01"), &patient).await;
    assert_eq!(
        (status, &body["input"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("date_invalid"))
    );
    for bad in ["?offset=abc", "?kind=gossip", "?colour=red"] {
        let (status, body) =
            fetch(&app, &format!("/api/records/{record}/timeline{bad}"), &patient).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }

    // Episodes: made by the patient, items tagged by whoever may read them.
    let episodes = format!("/api/records/{record}/episodes");
    let bad = call(&app, &episodes, json!({ "title": "  " }), &patient).await;
    assert_eq!(bad.body["input"], "title_invalid");
    let episode = call(&app, &episodes, json!({ "title": "Suivi cardiologique" }), &patient).await;
    assert_eq!(episode.status, StatusCode::CREATED, "{:?}", episode.body);
    let episode_id = episode.body["id"].as_str().unwrap().to_owned();
    let items = format!("{episodes}/{episode_id}/items");
    for id in [&own_id, &treatment_id] {
        let tagged = call(&app, &items, json!({ "item_id": id }), &patient).await;
        assert_eq!(tagged.status, StatusCode::NO_CONTENT, "{:?}", tagged.body);
    }
    let unknown = call(&app, &items, json!({ "item_id": "nothing-like-this" }), &patient).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let only = timeline(&app, &record, &format!("?episode={episode_id}"), &patient).await;
    assert_eq!(only["total"], 4, "the diary, the treatment's two versions and its start");
    let (_, in_list) =
        fetch(&app, &format!("/api/records/{record}/documents?episode={episode_id}"), &patient)
            .await;
    assert_eq!(in_list.as_array().unwrap().len(), 1);
    assert_eq!(in_list[0]["episodes"][0], episode_id.as_str());

    // The nurse reads none of its items: she does not see it, cannot tag into it.
    let (_, seen) = fetch(&app, &episodes, &nurse).await;
    assert!(seen.as_array().unwrap().is_empty());
    let hers = call(&app, &items, json!({ "item_id": report_id }), &nurse).await;
    assert_eq!(hers.status, StatusCode::NOT_FOUND);
    // The doctor reads them: sees it, tags the report, may not untag the patient's tag.
    let (_, seen) = fetch(&app, &episodes, &doctor).await;
    assert_eq!(seen[0]["title"], "Suivi cardiologique");
    assert_eq!(seen[0]["items"], 2);
    assert_eq!(
        call(&app, &items, json!({ "item_id": report_id }), &doctor).await.status,
        StatusCode::NO_CONTENT
    );
    let theirs = call(&app, &format!("{items}/{own_id}/remove"), json!(null), &doctor).await;
    assert_eq!(theirs.body["denied"], "not_yours");
    // Now the nurse reads one item of it: she sees it, with that item only.
    let (_, seen) = fetch(&app, &episodes, &nurse).await;
    assert_eq!(seen[0]["items"], 1);
    assert_eq!(
        call(&app, &format!("{items}/{report_id}/remove"), json!(null), &doctor).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, &format!("{items}/{own_id}/remove"), json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    let (_, seen) = fetch(&app, &episodes, &patient).await;
    assert_eq!(seen[0]["items"], 1);

    // Nothing of the titles or the words is in the database files.
    let bytes = super::fixtures::database_bytes(&app).await;
    for secret in [&b"palpitations"[..], b"Suivi cardiologique"] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }

    // A text document deposited before words were kept becomes searchable at the next start.
    {
        use sqlx::Connection;
        let mut conn = app.behind_the_server().await;
        sqlx::query("UPDATE uploads SET sealed_terms = NULL").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let (_, lost) = fetch(&app, &search, &patient).await;
    assert!(lost.as_array().unwrap().is_empty());
    assert_eq!(server::record::timeline::backfill_terms(&state).await.unwrap(), 1);
    assert_eq!(server::record::timeline::backfill_terms(&state).await.unwrap(), 0, "once only");
    let (_, back) = fetch(&app, &search, &patient).await;
    assert_eq!(back.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_long_timeline_comes_in_pages() {
    let app = test_app_with(|state| state).await;
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let profile = format!("/api/records/{record}/profile");
    for day in 1..=20 {
        let weight = json!({ "entry": { "section": "measurement", "kind": "weight",
            "value": 60.0 + f64::from(day) / 10.0, "date": format!("2026-10-{day:02}") } });
        assert_eq!(call(&app, &profile, weight, &patient).await.status, StatusCode::CREATED);
    }
    let first = timeline(&app, &record, "", &patient).await;
    assert_eq!((first["total"].as_u64(), first["items"].as_array().unwrap().len()), (Some(40), 30));
    assert_eq!(first["next"], 30);
    let second = timeline(&app, &record, "?offset=30", &patient).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 10);
    assert_eq!(second["next"], Value::Null);
    let last = &second["items"][9];
    assert_eq!(
        (last["happening"]["event"].as_str(), last["date"].as_str()),
        (Some("measured"), Some("2026-10-01"))
    );
}
