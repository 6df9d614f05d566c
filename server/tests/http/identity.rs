//! The record's national health identifier (INS): declared by the patient's side, verified by a
//! professional who may read the record, held verified by one record at most; every read and
//! change through the policy.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixtures::{
    DOCTOR, Session, grant_all, json_get, minor_with_parent, patient_doctor_nurse, put, record_id,
    signed_up,
};
use crate::{TestApp, test_app};

const INS: &str = "1 63 12 78 477 042 94";

async fn set(app: &TestApp, record: &str, ins: Value, session: &Session) -> (StatusCode, Value) {
    let body = json!({ "ins": ins }).to_string().into_bytes();
    let answer = put(app, &format!("/api/records/{record}/identity"), body, session, true).await;
    (answer.status, answer.body)
}

async fn read(app: &TestApp, record: &str, session: &Session) -> (StatusCode, Value) {
    json_get(app, &format!("/api/records/{record}/identity"), &session.0).await
}

#[tokio::test]
async fn the_patient_declares_the_ins_and_a_professional_with_access_verifies_it() {
    let app = test_app().await;
    let (patient, record, doctor, nurse) = patient_doctor_nurse(&app).await;
    let record = record.as_str();
    assert_eq!(
        read(&app, record, &patient).await,
        (StatusCode::OK, json!({ "ins": null, "verified": null }))
    );

    // A mistyped key is said on the field, and nothing is written.
    let (status, body) = set(&app, record, json!("1 63 12 78 477 042 95"), &patient).await;
    assert_eq!(
        (status, &body["field"], &body["input"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("ins"), &json!("ins_invalid"))
    );
    assert_eq!(read(&app, record, &patient).await.1["ins"], Value::Null);

    // Declared: the patient's word, verified by nobody.
    assert_eq!(set(&app, record, json!(INS), &patient).await.0, StatusCode::NO_CONTENT);
    let declared = read(&app, record, &patient).await.1;
    assert_eq!(declared, json!({ "ins": "163127847704294", "verified": null }));

    // A professional without access neither reads nor verifies it.
    let (status, body) = read(&app, record, &doctor).await;
    assert_eq!((status, &body["denied"]), (StatusCode::FORBIDDEN, &json!("no_grant")));
    assert_eq!(set(&app, record, json!(INS), &doctor).await.0, StatusCode::FORBIDDEN);

    // Granted, the physician verifies it with the patient in front of them.
    grant_all(&app, record, DOCTOR, &patient).await;
    assert_eq!(read(&app, record, &doctor).await.1, declared);
    assert_eq!(
        set(&app, record, json!("163127847704294"), &doctor).await.0,
        StatusCode::NO_CONTENT
    );
    let verified = json!({ "ins": "163127847704294",
        "verified": { "by": "Anne Martin (Le Havre)", "at": app.clock_now() } });
    assert_eq!(read(&app, record, &patient).await.1, verified);

    // Declared again as it is, it stays verified; declared otherwise, it is the patient's word.
    app.clock.advance(60);
    assert_eq!(
        set(&app, record, json!("163127847704294"), &patient).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(read(&app, record, &patient).await.1, verified);
    assert_eq!(
        set(&app, record, json!("2 62 08 75 032 039 77"), &patient).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        read(&app, record, &patient).await.1,
        json!({ "ins": "262087503203977", "verified": null })
    );

    // Removing it is the patient's side's alone.
    let (status, body) = set(&app, record, Value::Null, &doctor).await;
    assert_eq!((status, &body["denied"]), (StatusCode::FORBIDDEN, &json!("unsupported")));

    // A revocation takes effect on the next request.
    let revoke = format!("/api/records/{record}/grants/{DOCTOR}/revoke");
    assert_eq!(
        super::fixtures::call(&app, &revoke, json!(null), &patient).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(read(&app, record, &doctor).await.0, StatusCode::FORBIDDEN);
    assert_eq!(read(&app, record, &nurse).await.0, StatusCode::FORBIDDEN);

    // Removed.
    assert_eq!(set(&app, record, Value::Null, &patient).await.0, StatusCode::NO_CONTENT);
    assert_eq!(read(&app, record, &patient).await.1, json!({ "ins": null, "verified": null }));
}

#[tokio::test]
async fn a_verified_ins_belongs_to_one_record_a_declared_one_to_nobody() {
    let app = test_app().await;
    let (first, record, doctor, _) = patient_doctor_nurse(&app).await;
    let second = signed_up(&app, "paul@example.fr").await;
    let other = record_id(&app, "paul@example.fr").await;
    grant_all(&app, record.as_str(), DOCTOR, &first).await;
    grant_all(&app, other.as_str(), DOCTOR, &second).await;
    assert_eq!(set(&app, record.as_str(), json!(INS), &doctor).await.0, StatusCode::NO_CONTENT);

    // The same INS verified on a second record is refused, and the refusal is traced.
    let (status, body) = set(&app, other.as_str(), json!(INS), &doctor).await;
    assert_eq!((status, &body["reason"]), (StatusCode::CONFLICT, &json!("ins_taken")));
    let entries = super::audit::entries(&app).await;
    let last = entries.last().unwrap();
    assert_eq!((last.action.as_str(), last.outcome.as_str()), ("identity.set", "denied"));
    assert_eq!(last.record.as_deref(), Some(other.as_str()));
    assert_eq!(read(&app, other.as_str(), &second).await.1["ins"], Value::Null, "nothing written");

    // Declared, it matches nothing, so the patient's side may write any well-formed INS.
    assert_eq!(set(&app, other.as_str(), json!(INS), &second).await.0, StatusCode::NO_CONTENT);
    assert_eq!(read(&app, other.as_str(), &second).await.1["verified"], Value::Null);
    assert_eq!(read(&app, record.as_str(), &first).await.1["verified"]["at"], app.clock_now());
}

#[tokio::test]
async fn a_representative_declares_the_ins_of_the_person_they_act_for() {
    let app = test_app().await;
    let (parent, doctor, lea) = minor_with_parent(&app).await;
    assert_eq!(
        set(&app, lea.as_str(), json!("2 62 08 75 032 039 77"), &parent).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(read(&app, lea.as_str(), &parent).await.1["ins"], "262087503203977");
    // The physician who opened the record has no access to it for that: granted, they read it.
    let (status, body) = read(&app, lea.as_str(), &doctor).await;
    assert_eq!((status, &body["denied"]), (StatusCode::FORBIDDEN, &json!("no_grant")));
    grant_all(&app, lea.as_str(), DOCTOR, &parent).await;
    assert_eq!(read(&app, lea.as_str(), &doctor).await.1["ins"], "262087503203977");
}
