//! No entry point leaks an item the policy denies: not the list, its filters and search, the
//! counts, the download, nor any write path that names an item — and an item of another
//! patient's record, its identifier guessed, answers exactly like one that does not exist.

use app::directory::Profession;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::signed_up;
use super::fixtures::{
    DOCTOR, NURSE, PDF, Session, call, card_session, deposit, directory_entry, document_bytes,
    listed, meta, minor_with_parent, put, record_id, resources,
};
use crate::{START, TestApp, get, test_app, text};

async fn answer(app: &TestApp, uri: &str, session: &Session) -> (StatusCode, String) {
    let response = get(&app.router, uri, Some(&session.0)).await;
    (response.status(), text(response).await)
}

fn titles(list: &[Value]) -> Vec<String> {
    let mut titles: Vec<String> =
        list.iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect();
    titles.sort();
    titles
}

async fn deposited(app: &TestApp, record: &str, by: &Session, meta: Value) -> String {
    let sent = deposit(app, record, by, meta, PDF, 1024).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    sent.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn denied_items_are_absent_everywhere_and_answer_like_missing_ones() {
    let app = test_app().await;
    let entries =
        [directory_entry(DOCTOR, Profession::Physician), directory_entry(NURSE, Profession::Nurse)];
    app.store.import_directory(&entries, START).await.unwrap();
    let jeanne = signed_up(&app, "jeanne@example.fr").await;
    let paul = signed_up(&app, "paul@example.fr").await;
    let (a, b) =
        (record_id(&app, "jeanne@example.fr").await, record_id(&app, "paul@example.fr").await);
    let doctor = card_session(&app, DOCTOR).await;
    let nurse = card_session(&app, NURSE).await;
    let grant = |scope: Value| json!({ "scope": scope }).to_string().into_bytes();
    put(&app, &format!("/api/records/{a}/grants/{DOCTOR}"), grant(json!("all")), &jeanne, true)
        .await;
    let reports = json!({ "some": { "categories": ["reports"], "profile": false } });
    put(&app, &format!("/api/records/{a}/grants/{NURSE}"), grant(reports), &jeanne, true).await;

    // Jeanne's record: one report the nurse may read, and three she may not, for three reasons.
    let seen = deposited(
        &app,
        &a,
        &doctor,
        meta("Compte rendu visible", "reports", "application/pdf", PDF.len()),
    )
    .await;
    let outside = deposited(
        &app,
        &a,
        &doctor,
        meta("Ordonnance secrète", "prescriptions", "application/pdf", PDF.len()),
    )
    .await;
    let masked = deposited(
        &app,
        &a,
        &doctor,
        meta("Compte rendu masqué", "reports", "application/pdf", PDF.len()),
    )
    .await;
    let mut psychiatric =
        meta("Compte rendu psychiatrique", "reports", "application/pdf", PDF.len());
    psychiatric["domain"] = json!("psychiatry");
    let domain = deposited(&app, &a, &doctor, psychiatric).await;
    let uri = format!("/api/records/{a}/documents/{masked}/mask");
    call(&app, &uri, json!({ "masked": true }), &jeanne).await;
    // Paul's record: a document the nurse has no business with.
    let note = b"Note de Paul, confidentielle.";
    let other = deposit(
        &app,
        &b,
        &paul,
        meta("Note de Paul", "patient_own", "text/plain", note.len()),
        note,
        1024,
    )
    .await;
    let other = other.body["id"].as_str().unwrap().to_owned();

    // The list, every filter and the search show only the readable report.
    assert_eq!(titles(&listed(&app, &a, &nurse).await), ["Compte rendu visible"]);
    for query in [
        "?category=reports",
        "?category=prescriptions",
        "?q=secr%C3%A8te",
        "?q=masqu%C3%A9",
        "?q=psychiatrique",
        "?q=compte%20rendu",
        "?from=2026-01-01&to=2026-12-31",
        &format!("?author={DOCTOR}"),
    ] {
        let (status, body) =
            answer(&app, &format!("/api/records/{a}/documents{query}"), &nurse).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let list: Vec<Value> = serde_json::from_str(&body).unwrap();
        assert!(titles(&list).iter().all(|t| t == "Compte rendu visible"), "{query}: {body}");
        for hidden in [&outside, &masked, &domain, &other] {
            assert!(!body.contains(hidden.as_str()), "{query} leaks {hidden}");
        }
    }
    // The doctor's search finds what the doctor may read, so the nurse's empty answers are the
    // policy's doing, not the search's.
    let (_, body) =
        answer(&app, &format!("/api/records/{a}/documents?q=secr%C3%A8te"), &doctor).await;
    assert!(body.contains(&outside));

    // Counts count only what may be read.
    let (_, counts) = answer(&app, &format!("/api/records/{a}/documents/counts"), &nurse).await;
    assert_eq!(
        serde_json::from_str::<Value>(&counts).unwrap(),
        json!([{ "category": "reports", "count": 1 }])
    );
    let (_, counts) = answer(&app, &format!("/api/records/{a}/documents/counts"), &jeanne).await;
    let counts: Value = serde_json::from_str(&counts).unwrap();
    assert_eq!(
        counts,
        json!([{ "category": "reports", "count": 3 }, { "category": "prescriptions", "count": 1 }])
    );

    // Every path that names an item answers for a denied one exactly as for one that does not
    // exist: in Jeanne's record, and for Paul's document guessed into either record's path.
    let unknown = "0123456789abcdef0123456789abcdef";
    let writes = |record: &str, id: &str| {
        vec![
            (format!("/api/records/{record}/documents/{id}/withdraw"), json!(null)),
            (format!("/api/records/{record}/documents/{id}/mask"), json!({ "masked": true })),
            (format!("/api/records/{record}/uploads"), {
                let mut replace = meta("Nouvelle version", "reports", "application/pdf", PDF.len());
                replace["replaces"] = json!(id);
                replace
            }),
        ]
    };
    for (record, ids) in [(&a, vec![&outside, &masked, &domain, &other]), (&b, vec![&other, &seen])]
    {
        let missing_read =
            answer(&app, &format!("/api/records/{record}/documents/{unknown}/content"), &nurse)
                .await;
        let missing_writes: Vec<_> = {
            let mut out = Vec::new();
            for (uri, body) in writes(record, unknown) {
                let reply = call(&app, &uri, body, &nurse).await;
                out.push((reply.status, reply.body));
            }
            out
        };
        for id in ids {
            let read =
                answer(&app, &format!("/api/records/{record}/documents/{id}/content"), &nurse)
                    .await;
            assert_eq!(read, missing_read, "download of {id} in {record}");
            assert_eq!(read.0, StatusCode::NOT_FOUND);
            for ((uri, body), missing) in writes(record, id).into_iter().zip(&missing_writes) {
                let reply = call(&app, &uri, body, &nurse).await;
                assert_eq!(&(reply.status, reply.body), missing, "{uri}");
            }
        }
    }
    // The export holds what may be read, and nothing else.
    let (status, export) = answer(&app, &format!("/api/records/{a}/export"), &nurse).await;
    assert_eq!(status, StatusCode::OK);
    let parsed: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(
        (&parsed["resourceType"], &parsed["type"]),
        (&json!("Bundle"), &json!("collection"))
    );
    let described: Vec<Value> = resources(&parsed, "DocumentReference")
        .into_iter()
        .map(|r| json!({ "title": r["description"] }))
        .collect();
    assert_eq!(titles(&described), ["Compte rendu visible"]);
    for hidden in [&outside, &masked, &domain, &other] {
        assert!(!export.contains(hidden.as_str()), "the export leaks {hidden}");
    }
    for title in ["secrète", "masqué", "psychiatrique", "Paul"] {
        assert!(!export.contains(title), "the export leaks {title}");
    }
    let (_, whole) = answer(&app, &format!("/api/records/{a}/export"), &jeanne).await;
    let whole: Value = serde_json::from_str(&whole).unwrap();
    let references = resources(&whole, "DocumentReference");
    assert_eq!(references.len(), 4);
    assert_eq!(document_bytes(&whole, references[0]), PDF);

    // The readable report opens; the patient-side reviews stay closed to the nurse.
    let (status, _) =
        answer(&app, &format!("/api/records/{a}/documents/{seen}/content"), &nurse).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["grants", "break-glass", "break-glass-refusal", &format!("preview/{NURSE}")] {
        let (status, body) = answer(&app, &format!("/api/records/{a}/{path}"), &nurse).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // Nothing denied came back in any answer: the nothing-changed check.
    assert_eq!(titles(&listed(&app, &a, &jeanne).await).len(), 4);
    assert_eq!(listed(&app, &b, &paul).await.len(), 1);

    // Bad filters are refused with a reason, never with the parser's words.
    for (query, field) in [("?from=2026-02-30", "from"), ("?from=2026-05-01&to=2026-04-01", "to")] {
        let (status, body) =
            answer(&app, &format!("/api/records/{a}/documents{query}"), &nurse).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["field"], field);
    }
    let (status, body) =
        answer(&app, &format!("/api/records/{a}/documents?colour=red"), &nurse).await;
    assert_eq!((status, body.contains("colour")), (StatusCode::BAD_REQUEST, false));
}

fn flagged(title: &str, category: &str, flag: &str) -> Value {
    let mut body = meta(title, category, "application/pdf", PDF.len());
    body[flag] = json!(true);
    body
}

#[tokio::test]
async fn a_result_held_back_reaches_the_patient_only_once_its_author_announces_it() {
    let app = test_app().await;
    let entries =
        [directory_entry(DOCTOR, Profession::Physician), directory_entry(NURSE, Profession::Nurse)];
    app.store.import_directory(&entries, START).await.unwrap();
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let (doctor, nurse) = (card_session(&app, DOCTOR).await, card_session(&app, NURSE).await);
    for rpps in [DOCTOR, NURSE] {
        let all = json!({ "scope": "all" }).to_string().into_bytes();
        put(&app, &format!("/api/records/{record}/grants/{rpps}"), all, &patient, true).await;
    }
    let held = deposited(
        &app,
        &record,
        &doctor,
        flagged("Caryotype", "lab_results", "awaiting_announcement"),
    )
    .await;

    // Hidden from the patient everywhere; the author and the other granted professional see it.
    assert!(listed(&app, &record, &patient).await.is_empty());
    let (_, counts) =
        answer(&app, &format!("/api/records/{record}/documents/counts"), &patient).await;
    assert_eq!(counts, "[]");
    let content = format!("/api/records/{record}/documents/{held}/content");
    assert_eq!(answer(&app, &content, &patient).await.0, StatusCode::NOT_FOUND);
    let seen = listed(&app, &record, &doctor).await;
    assert_eq!((seen.len(), seen[0]["awaiting_announcement"].clone()), (1, json!(true)));
    assert_eq!(listed(&app, &record, &nurse).await.len(), 1);

    // Only a professional holds a result back; only its author announces it, once.
    let note = b"Mon propre document.";
    let own = deposit(
        &app,
        &record,
        &patient,
        {
            let mut body = meta("Note", "patient_own", "text/plain", note.len());
            body["awaiting_announcement"] = json!(true);
            body
        },
        note,
        1024,
    )
    .await;
    assert_eq!(own.body["denied"], "professionals_only");
    let announce = format!("/api/records/{record}/documents/{held}/announce");
    assert_eq!(call(&app, &announce, json!(null), &nurse).await.body["denied"], "not_yours");
    // To the patient it does not exist yet.
    assert_eq!(call(&app, &announce, json!(null), &patient).await.status, StatusCode::NOT_FOUND);
    assert!(listed(&app, &record, &patient).await.is_empty());
    assert_eq!(call(&app, &announce, json!(null), &doctor).await.status, StatusCode::NO_CONTENT);
    let seen = listed(&app, &record, &patient).await;
    assert_eq!((seen.len(), seen[0]["awaiting_announcement"].clone()), (1, json!(false)));
    assert_eq!(answer(&app, &content, &patient).await.0, StatusCode::OK);
    assert_eq!(call(&app, &announce, json!(null), &doctor).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_minors_confidential_care_is_hidden_from_the_representative() {
    let app = test_app().await;
    let (parent, doctor, lea) = minor_with_parent(&app).await;
    // The representative grants the doctor; the doctor deposits an ordinary and a confidential
    // report.
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    let granted =
        put(&app, &format!("/api/records/{lea}/grants/{DOCTOR}"), all, &parent, true).await;
    assert_eq!(granted.status, StatusCode::NO_CONTENT);
    deposited(&app, &lea, &doctor, meta("Vaccins", "reports", "application/pdf", PDF.len())).await;
    let secret = deposited(
        &app,
        &lea,
        &doctor,
        flagged("Consultation confidentielle", "reports", "hidden_from_representatives"),
    )
    .await;

    assert_eq!(titles(&listed(&app, &lea, &parent).await), ["Vaccins"]);
    let content = format!("/api/records/{lea}/documents/{secret}/content");
    assert_eq!(answer(&app, &content, &parent).await.0, StatusCode::NOT_FOUND);
    let (_, counts) = answer(&app, &format!("/api/records/{lea}/documents/counts"), &parent).await;
    assert_eq!(serde_json::from_str::<Value>(&counts).unwrap()[0]["count"], 1);
    assert_eq!(listed(&app, &lea, &doctor).await.len(), 2);
    // A representative cannot hide a document from representatives.
    let note = b"Note du parent.";
    let hidden = deposit(
        &app,
        &lea,
        &parent,
        {
            let mut body = meta("Note", "patient_own", "text/plain", note.len());
            body["hidden_from_representatives"] = json!(true);
            body
        },
        note,
        1024,
    )
    .await;
    assert_eq!(hidden.body["denied"], "not_yours");
}

#[tokio::test]
async fn a_repeated_exam_is_named_before_it_is_deposited_again() {
    let app = test_app().await;
    let entries =
        [directory_entry(DOCTOR, Profession::Physician), directory_entry(NURSE, Profession::Nurse)];
    app.store.import_directory(&entries, START).await.unwrap();
    let patient = signed_up(&app, "jeanne@example.fr").await;
    let record = record_id(&app, "jeanne@example.fr").await;
    let (doctor, nurse) = (card_session(&app, DOCTOR).await, card_session(&app, NURSE).await);
    let all = json!({ "scope": "all" }).to_string().into_bytes();
    put(&app, &format!("/api/records/{record}/grants/{DOCTOR}"), all, &patient, true).await;
    let reports = json!({ "scope": { "some": { "categories": ["reports"], "profile": false } } });
    put(
        &app,
        &format!("/api/records/{record}/grants/{NURSE}"),
        reports.to_string().into_bytes(),
        &patient,
        true,
    )
    .await;
    let hba1c = |date: &str| {
        let mut body = meta("HbA1c", "lab_results", "application/pdf", PDF.len());
        body["type_code"] = json!("4548-4");
        body["care_date"] = json!(date);
        body
    };
    let first = deposited(&app, &record, &doctor, hba1c("2026-09-01")).await;

    // The check on its own, then the deposit's own answer, name the September exam.
    let check = |date: &str| {
        format!(
            "/api/records/{record}/exams/repeated?category=lab_results&type_code=4548-4&care_date={date}"
        )
    };
    let (status, found) = answer(&app, &check("2026-11-20"), &doctor).await;
    assert_eq!(status, StatusCode::OK);
    let found: Value = serde_json::from_str(&found).unwrap();
    assert_eq!(
        (
            found[0]["document_id"].clone(),
            found[0]["days_apart"].clone(),
            found[0]["window_days"].clone()
        ),
        (json!(first), json!(80), json!(90))
    );
    let started =
        call(&app, &format!("/api/records/{record}/uploads"), hba1c("2026-11-20"), &doctor).await;
    assert_eq!(started.status, StatusCode::CREATED);
    assert_eq!(started.body["repeated"][0]["title"], "HbA1c");
    // Beyond the window, or another type: nothing.
    // (The window is inclusive: 90 days after is still within, 91 is not.)
    assert_eq!(
        answer(&app, &check("2026-11-30"), &doctor).await.1.matches("document_id").count(),
        1
    );
    assert_eq!(answer(&app, &check("2026-12-01"), &doctor).await.1, "[]");
    let lipids = format!(
        "/api/records/{record}/exams/repeated?category=lab_results&type_code=2093-3&care_date=2026-11-20"
    );
    assert_eq!(answer(&app, &lipids, &doctor).await.1, "[]");
    // An exam the asker may not read is never named to them.
    assert_eq!(answer(&app, &check("2026-11-20"), &nurse).await.1, "[]");
    let bad = format!(
        "/api/records/{record}/exams/repeated?category=lab_results&type_code=4548&care_date=2026-11-20"
    );
    assert_eq!(answer(&app, &bad, &doctor).await.0, StatusCode::UNPROCESSABLE_ENTITY);
}
