//! A record's pages and lists as the server renders and pages them: the person's data read once
//! through the policy, a list as long as asked, documents a page at a time, and pages rendered at
//! the same time each with their own person and nonce.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, deposit, grant_all, json_get, listed, meta, patient_doctor_nurse,
    put,
};
use crate::{get, test_app, text};

/// A record's page is rendered by the server with the person's data, read through the API as
/// that person: the policy decides, each read is in the access history once (the page reads each
/// answer once, however its views are walked), and without a session nothing is read at all.
#[tokio::test]
async fn record_pages_render_the_persons_data_read_once_through_the_policy() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("/api/records/{record}/grants/{DOCTOR}"), all, &patient, true).await;
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    assert_eq!(
        deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
        StatusCode::CREATED
    );
    let history = |session: &Session| {
        let (uri, cookie) = (format!("/api/records/{record}/access-history"), session.0.clone());
        let router = app.router.clone();
        async move {
            let response = get(&router, &uri, Some(&cookie)).await;
            let all: Value = serde_json::from_str(&text(response).await).unwrap();
            all["events"].as_array().unwrap().clone()
        }
    };
    let lists = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["action"] == "documents.list" && e["actor_kind"] == "patient")
            .count()
    };
    let before = lists(&history(&patient).await);

    let page = get(&app.router, "/dossier/documents", Some(&patient.0)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains("Compte rendu de cardiologie"), "the list is in the page");
    assert!(html.contains("href=\"/dossier/documents/"), "each document has its page");
    assert_eq!(lists(&history(&patient).await), before + 1, "one read of the list, audited");

    // The same page for another person shows their own (empty) record, and no one else's.
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    let theirs = text(get(&app.router, "/dossier/documents", Some(&other.0)).await).await;
    assert!(!theirs.contains("Compte rendu de cardiologie"));
    // Without a session: the page says so, and reads nothing.
    let anonymous = text(get(&app.router, "/dossier/documents", None).await).await;
    assert!(!anonymous.contains("Compte rendu de cardiologie"));
    assert!(anonymous.contains("/connexion"));
    assert_eq!(lists(&history(&patient).await), before + 1);

    // The professional's list and a document's own page, rendered likewise for the doctor the
    // record is open to, and for no one else (the nurse has no access).
    let (_, listed) = json_get(&app, &format!("/api/records/{record}/documents"), &patient.0).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let documents = format!("/pro/dossier/{record}/documents");
    for page in [documents.clone(), format!("{documents}/{id}")] {
        let answer = get(&app.router, &page, Some(&doctor.0)).await;
        assert_eq!(answer.status(), StatusCode::OK, "{page}");
        let html = text(answer).await;
        assert!(html.contains("Compte rendu de cardiologie"), "{page}: the list is in the page");
        assert!(
            html.contains(&format!("href=\"{documents}/{id}\"")),
            "{page}: the document's page"
        );
    }
    let detail = text(get(&app.router, &format!("{documents}/{id}"), Some(&doctor.0)).await).await;
    assert!(detail.contains("document-page"), "the document's own page, beside the list");
    // The record's own address, from before its documents had their own, leads there.
    let moved = get(&app.router, &format!("/pro/dossier/{record}"), Some(&doctor.0)).await;
    assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(moved.headers()["location"], documents.as_str());
    let refused = text(get(&app.router, &format!("{documents}/{id}"), Some(&nurse.0)).await).await;
    assert!(!refused.contains("Compte rendu de cardiologie"));
    assert!(
        refused.contains("ne vous est pas ouvert."),
        "the nurse is told the record is not hers"
    );
}

#[tokio::test]
async fn a_list_of_documents_is_as_long_as_asked_and_the_home_page_reads_the_newest_three() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    for day in 1..=5 {
        let mut report =
            meta(&format!("Compte rendu numéro {day}"), "reports", "application/pdf", PDF.len());
        report["care_date"] = json!(format!("2026-11-0{day}"));
        assert_eq!(
            deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
            StatusCode::CREATED
        );
    }
    let titles = |list: &[Value]| -> Vec<String> {
        list.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect()
    };
    let whole = titles(&listed(&app, &record, &patient).await);
    assert_eq!(whole.len(), 5);
    assert_eq!(whole[0], "Compte rendu numéro 5", "newest care first");
    let answer = |query: &str| {
        let uri = format!("/api/records/{record}/documents{query}");
        let (app, patient) = (&app, &patient);
        async move { json_get(app, &uri, &patient.0).await }
    };
    let (status, two) = answer("?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(two.as_array().unwrap()), whole[..2]);
    let (status, one) = answer("?q=numero%203&limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(one.as_array().unwrap()), ["Compte rendu numéro 3"]);
    for bad in ["?limit=0", "?limit=two", "?limit=-1", "?colour=red"] {
        assert_eq!(answer(bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }

    // *Accueil* shows the newest three and carries nothing of the others.
    let home = text(get(&app.router, "/dossier", Some(&patient.0)).await).await;
    for shown in &whole[..3] {
        assert!(home.contains(shown.as_str()), "{shown}");
    }
    for older in &whole[3..] {
        assert!(!home.contains(older.as_str()), "{older} is not read for the home page");
    }
}

/// The pages of documents: twenty a page, newest care first, narrowed by the search, the last
/// page when asked past it, each read once in the access history; and a document alone (for its
/// own page), through the same policy: what the asker may not read answers as a missing one.
#[tokio::test]
async fn documents_come_a_page_at_a_time_and_one_alone_through_the_policy() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let reports = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    let uri = format!("/api/records/{record}/grants/{NURSE}");
    put(&app, &uri, reports.to_string().into_bytes(), &patient, true).await;
    for day in 1..=25 {
        let mut note = meta(&format!("Relevé {day}"), "patient_own", "text/plain", 12);
        note["care_date"] = json!(format!("2026-10-{day:02}"));
        let deposited = deposit(&app, &record, &patient, note, b"Tension 12/8", 1024).await;
        assert_eq!(deposited.status, StatusCode::CREATED);
    }
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    let report = deposit(&app, &record, &doctor, report, PDF, 1024).await;
    let report = report.body["id"].as_str().unwrap().to_owned();

    let page = |session: &Session, query: &str| {
        let uri = format!("/api/records/{record}/documents/pages/{query}");
        let (app, session) = (&app, session.clone());
        async move { json_get(app, &uri, &session.0).await }
    };
    let titles = |page: &Value| -> Vec<String> {
        let documents = page["documents"].as_array().unwrap();
        documents.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect()
    };
    let (status, first) = page(&patient, "1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((first["page"].as_u64(), first["pages"].as_u64()), (Some(1), Some(2)));
    let first_titles = titles(&first);
    assert_eq!(first_titles.len(), 20);
    assert_eq!(
        first_titles[..2],
        ["Compte rendu de cardiologie", "Relevé 25"],
        "newest care first"
    );
    let (_, second) = page(&patient, "2").await;
    assert_eq!(
        titles(&second),
        ["Relevé 6", "Relevé 5", "Relevé 4", "Relevé 3", "Relevé 2", "Relevé 1"]
    );
    assert!(second["documents"][0]["allowed"].as_array().is_some_and(|a| !a.is_empty()));
    // Past the last page: the last.
    let (_, past) = page(&patient, "9").await;
    assert_eq!((past["page"].as_u64(), titles(&past)), (Some(2), titles(&second)));
    // A search counts only what it finds.
    let (_, found) = page(&patient, "1?q=releve%205").await;
    assert_eq!(found["pages"].as_u64(), Some(1));
    assert_eq!(titles(&found), ["Relevé 25", "Relevé 15", "Relevé 5"]);
    let (_, none) = page(&patient, "1?q=introuvable").await;
    assert_eq!((none["page"].as_u64(), none["pages"].as_u64()), (Some(1), Some(1)));
    assert!(none["documents"].as_array().unwrap().is_empty());
    for bad in ["0", "x", "-1", "1?limit=5", "1?colour=red"] {
        assert_eq!(page(&patient, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, refused) = page(&patient, "1?from=hier").await;
    assert_eq!((status, &refused["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("from")));
    // The nurse's grant covers reports: one page of one document.
    let (_, hers) = page(&nurse, "1").await;
    assert_eq!(
        (hers["pages"].as_u64(), titles(&hers)),
        (Some(1), vec!["Compte rendu de cardiologie".to_owned()])
    );

    // One document alone: as listed, for whoever may read it; as if missing for the others.
    let note = first["documents"][1]["id"].as_str().unwrap().to_owned();
    let one = |session: &Session, id: &str| {
        let uri = format!("/api/records/{record}/documents/{id}");
        let (app, session) = (&app, session.clone());
        async move { json_get(app, &uri, &session.0).await }
    };
    let (status, alone) = one(&doctor, &note).await;
    assert_eq!(status, StatusCode::OK);
    let (_, doctors) = page(&doctor, "1").await;
    assert_eq!(alone, doctors["documents"][1], "as in the doctor's page, with her actions");
    assert_eq!(one(&nurse, &report).await.1["title"], "Compte rendu de cardiologie");
    assert_eq!(one(&nurse, &note).await.0, StatusCode::NOT_FOUND, "not in her grant");
    assert_eq!(one(&nurse, "d0000000000000000").await.0, StatusCode::NOT_FOUND);
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    assert_eq!(one(&other, &note).await.0, StatusCode::NOT_FOUND, "another person's record");

    // In the patient's access history: each page read once, each description read or refused.
    let (_, history) =
        json_get(&app, &format!("/api/records/{record}/access-history"), &patient.0).await;
    let events = history["events"].as_array().unwrap();
    let count = |action: &str, allowed: bool, actor: &str| {
        let matching = |e: &&Value| {
            e["action"] == action && e["allowed"] == allowed && e["actor_kind"] == actor
        };
        events.iter().filter(matching).count()
    };
    assert_eq!(count("documents.list", true, "patient"), 5, "five pages read, none refused");
    assert_eq!(count("document.info", true, "professional"), 2);
    assert_eq!(count("document.info", false, "professional"), 2);
}

/// A busy server renders many pages at once on each thread. Each still finishes, shows its own
/// person's data and carries its own nonce: nothing of one rendering is read in another's place.
#[tokio::test]
async fn pages_rendered_at_the_same_time_each_keep_their_own_person_and_nonce() {
    let app = test_app().await;
    let (patient, record, doctor, _) = patient_doctor_nurse(&app).await;
    grant_all(&app, &record, DOCTOR, &patient).await;
    let report = meta("Compte rendu de cardiologie", "reports", "application/pdf", PDF.len());
    assert_eq!(
        deposit(&app, &record, &doctor, report, PDF, 1024).await.status,
        StatusCode::CREATED
    );
    let other = super::fixtures::signed_up(&app, "paul@example.fr").await;
    for _ in 0..6 {
        let renderings: Vec<_> = (0..9)
            .map(|k| {
                // Jeanne, Paul or no one, on two of the record's pages and the home page.
                let page = ["/dossier/documents", "/dossier", "/"][k / 3];
                let (router, jeanne) = (app.router.clone(), k % 3 == 0 && page != "/");
                let cookie = [Some(&patient.0), Some(&other.0), None][k % 3].cloned();
                tokio::spawn(async move {
                    let response = get(&router, page, cookie.as_deref()).await;
                    let nonce = crate::csp_nonce(&response);
                    (jeanne, page, nonce, text(response).await)
                })
            })
            .collect();
        for rendering in renderings {
            // A guard only: a rendering that never ends fails here instead of holding CI.
            let finished = tokio::time::timeout(std::time::Duration::from_secs(60), rendering);
            let (jeanne, page, nonce, html) =
                finished.await.expect("the page is finished").expect("the page renders");
            assert!(html.contains("</html>"), "{page} is whole");
            let hers = html.contains("Compte rendu de cardiologie");
            assert_eq!(hers, jeanne, "{page} shows Jeanne's record to her only");
            let nonces = html.matches(" nonce=\"").count();
            assert!(nonces > 0);
            assert_eq!(html.matches(&format!(" nonce=\"{nonce}\"")).count(), nonces, "{page}");
        }
    }
}
