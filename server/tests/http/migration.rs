//! `carnet migrate-store`: a whole installation moved from its SQLite file to PostgreSQL, and
//! the same people, documents, sessions and audit log there, on a server that goes on writing.

use std::sync::Arc;

use axum::http::StatusCode;
use server::{
    migration::migrate,
    store::{PgStore, SqliteStore, migrate::MigrateError},
};

use super::fixtures::{
    DOCTOR, PDF, deposit, grant_all, listed, logged_in, meta, patient_doctor_nurse,
};
use crate::{TestDatabase, assemble, database_url, get, sqlite_test_app, text};

#[tokio::test]
async fn a_whole_installation_moves_to_postgresql_and_goes_on_there() {
    let server = std::env::var("CARNET_TEST_POSTGRES")
        .expect("CARNET_TEST_POSTGRES names the tests' PostgreSQL server (scripts/test.sh)");
    let app = sqlite_test_app().await;
    let (patient, record, doctor, _nurse) = patient_doctor_nurse(&app).await;
    grant_all(&app, record.as_str(), DOCTOR, &patient).await;
    let report = meta("Compte rendu", "reports", "application/pdf", PDF.len());
    let deposited = deposit(&app, record.as_str(), &doctor, report, PDF, 20).await;
    assert_eq!(deposited.status, StatusCode::CREATED, "{:?}", deposited.body);
    let document = deposited.body["id"].as_str().unwrap().to_owned();
    let before = listed(&app, record.as_str(), &patient).await;
    app.sign_head().await;

    let TestDatabase::Sqlite(path) = &app.database else { unreachable!("an SQLite app") };
    let source = SqliteStore::open(path).await.unwrap();
    let name = format!("migrated_{}", std::process::id());
    let target = PgStore::create_database(&server, &name).await.unwrap();
    let mut seen = Vec::new();
    let key = app.state.auditor.public_key();
    let moved =
        migrate(&source, &target, &key, &mut |done, total| seen.push((done, total))).await.unwrap();
    let rows = |table: &str| moved.copied.tables.iter().find(|(t, _)| *t == table).unwrap().1;
    assert_eq!(rows("documents"), 1);
    assert_eq!(rows("accounts"), 1);
    assert_eq!(u64::try_from(rows("audit_entries")).unwrap(), moved.audit.entries);
    assert!(moved.audit.checkpoints >= 1, "the signed head moved too");
    let total = seen.last().unwrap().1;
    assert_eq!(seen.last(), Some(&(total, total)), "the bar ends full");
    assert!(seen.windows(2).all(|pair| pair[0].0 <= pair[1].0), "and never goes back");

    // Into a database that holds data: refused, nothing written.
    let again = migrate(&source, &target, &key, &mut |_, _| {}).await;
    assert!(
        matches!(again, Err(server::migration::MoveError::Copy(MigrateError::NotEmpty(_)))),
        "{again:?}"
    );

    // A server on PostgreSQL, with the same keys: the same session, list and content.
    let (vault, auditor) = (app.state.vault.clone(), app.state.auditor.clone());
    let moved_app = assemble(
        tempfile::tempdir().unwrap(),
        Arc::new(target),
        TestDatabase::Postgres(database_url(&server, &name)),
        |mut state| {
            state.vault = vault;
            state.auditor = auditor;
            state
        },
    );
    assert_eq!(listed(&moved_app, record.as_str(), &patient).await, before);
    let content = format!("/api/records/{record}/documents/{document}/content");
    let opened = get(&moved_app.router, &content, Some(&doctor.0)).await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert_eq!(text(opened).await.into_bytes(), PDF);

    // It goes on writing: a new login (codes, sessions, events numbered after the copied ones)
    // and a deposit, and its log still holds.
    let again = logged_in(&moved_app, "jeanne@example.fr").await;
    let note = meta("Note", "patient_own", "text/plain", 5);
    let added = deposit(&moved_app, record.as_str(), &again, note, b"notes", 5).await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let holds = server::audit::verify_stored(&*moved_app.store, &key).await.unwrap().unwrap();
    assert!(holds.entries > moved.audit.entries);
}
