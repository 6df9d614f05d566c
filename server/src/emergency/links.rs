//! Share links of the emergency summary over HTTP. The patient side creates, lists and revokes
//! them; a responder's viewer asks for the files with `POST /api/shl/{id}` (SMART Health Links'
//! manifest), giving the passcode if the link has one. The server holds ciphertext only: it
//! cannot read what it serves. Every view and every refused try is traced and told to the
//! patient; wrong passcodes are capped over the link's life, parallel tries included.

use crate::audit::AuditAction;
use app::{
    account::messages::Kind,
    api::{account::Secret, emergency::NotificationKind, validate::Date},
    summary::{
        self, PatientLine,
        link::{
            FHIR_TYPE, LinkCreated, LinkInfo, MAX_DAYS, MAX_LIVE_LINKS, Manifest, ManifestFile,
            ManifestRequest, NewLink, PASSCODE_CHARS, PASSCODE_TRIES, SUMMARY_TYPE, jwe_shaped,
        },
    },
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};

use crate::{
    AppState,
    asker::{Asker, trace},
    audit::{AuditActor, AuditEntry},
    error::{ApiError, Refusal},
    extract::{ApiJson, Origin},
    limits::{ADDRESS_POLICY, limit},
    session::new_token,
    store::{EmergencyLinkRecord, LinkId, NewEmergencyLink},
};

const DAY: i64 = 86_400;

/// Under `/api/records`.
pub fn record_routes() -> crate::web::Routes {
    crate::web::Routes::new()
        .route("/{record}/emergency-links", get(list).post(create))
        .route("/{record}/emergency-links/{link}/revoke", post(revoke))
        .route("/{record}/emergency-summary/fhir", get(fhir_export))
}

/// Under `/api`: the viewer's side, without an account.
pub fn viewer_routes() -> crate::web::Routes {
    crate::web::Routes::new().route("/shl/{link}", post(manifest))
}

fn info(link: &EmergencyLinkRecord, now: i64) -> LinkInfo {
    LinkInfo {
        id: link.id.to_string(),
        created_at: link.created_at,
        expires_at: link.expires_at,
        passcode: link.passcode_hash.is_some(),
        single_use: link.single_use,
        views: link.views,
        failures: link.failures,
        live: link.live_at(now, PASSCODE_TRIES),
    }
}

async fn create(
    State(state): State<AppState>,
    origin: Origin,
    asker: Asker,
    ApiJson(request): ApiJson<NewLink>,
) -> Result<(StatusCode, Json<LinkCreated>), ApiError> {
    const ACTION: AuditAction = AuditAction::EmergencyLinkCreate;
    trace::sharing_write(&state, &asker, &origin, ACTION, None).await?;
    if !jwe_shaped(&request.jwe) {
        return Err(ApiError::input("jwe", app::api::InputError::TextInvalid));
    }
    if !jwe_shaped(&request.fhir_jwe) {
        return Err(ApiError::input("fhir_jwe", app::api::InputError::TextInvalid));
    }
    if !(1..=MAX_DAYS).contains(&request.days) {
        return Err(ApiError::input("days", app::api::InputError::ValueImplausible));
    }
    let passcode_hash = match request.passcode.as_ref().map(Secret::expose) {
        None | Some("") => None,
        Some(code) => {
            let fine = PASSCODE_CHARS.contains(&code.chars().count())
                && !code.chars().any(char::is_control);
            if !fine {
                return Err(ApiError::input("passcode", app::api::InputError::TextInvalid));
            }
            Some(state.passwords.hash(Secret::new(code)).await?)
        }
    };
    let now = state.clock.now();
    let live = state.store.emergency_links(&asker.record.id).await?;
    if live.iter().filter(|link| link.live_at(now, PASSCODE_TRIES)).count() >= MAX_LIVE_LINKS {
        return Err(ApiError::Refused(Refusal::TooManyLinks));
    }
    let id = LinkId::new(new_token());
    let expires_at = now + i64::from(request.days) * DAY;
    let new = NewEmergencyLink {
        id: &id,
        account_id: &asker.record.id,
        jwe: &request.jwe,
        fhir_jwe: &request.fhir_jwe,
        passcode_hash: passcode_hash.as_deref(),
        single_use: request.single_use,
        created_at: now,
        expires_at,
    };
    trace::change(&state, &asker, &origin, ACTION, Some(&id), async |rows| {
        state.store.create_emergency_link(&new, rows).await
    })
    .await?;
    let manifest_url = format!("{}/api/shl/{id}", state.public_url);
    Ok((StatusCode::CREATED, Json(LinkCreated { id: id.into(), manifest_url, expires_at })))
}

async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<LinkInfo>>, ApiError> {
    const ACTION: AuditAction = AuditAction::EmergencyLinkList;
    trace::sharing_read(&state, &asker, &origin, ACTION).await?;
    let now = state.clock.now();
    let links = state.store.emergency_links(&asker.record.id).await?;
    trace::read(&state, &asker, &origin, ACTION, None, None).await?;
    Ok(Json(links.iter().map(|link| info(link, now)).collect()))
}

async fn revoke(
    State(state): State<AppState>,
    origin: Origin,
    asker: Asker,
    Path((_, link)): Path<(String, LinkId)>,
) -> Result<StatusCode, ApiError> {
    const ACTION: AuditAction = AuditAction::EmergencyLinkRevoke;
    trace::sharing_write(&state, &asker, &origin, ACTION, Some(&link)).await?;
    let now = state.clock.now();
    let account = &asker.record.id;
    let revoked = trace::change(&state, &asker, &origin, ACTION, Some(&link), async |rows| {
        state.store.revoke_emergency_link(&link, account, now, rows).await
    });
    if revoked.await?.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    // Rolled back for certain (no such link of hers): the log stayed where it was.
    let refused = Some(trace::NOT_FOUND.to_owned());
    trace::read(&state, &asker, &origin, ACTION, Some(&link), refused).await?;
    Err(ApiError::NotFound)
}

/// `GET …/emergency-summary/fhir`: the summary as an IPS FHIR R4 bundle, masked entries left
/// out as they are at first on the sharing page. The patient side only.
async fn fhir_export(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<([(axum::http::HeaderName, &'static str); 1], Json<serde_json::Value>), ApiError> {
    const ACTION: AuditAction = AuditAction::SummaryExport;
    trace::sharing_read(&state, &asker, &origin, ACTION).await?;
    let bundle = ips(&state, &asker).await?;
    trace::read(&state, &asker, &origin, ACTION, None, None).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/fhir+json")], Json(bundle)))
}

/// The International Patient Summary of what the asker may read (the caller traces it), masked
/// entries left out as they are at first on the sharing page; the regular doctor named to
/// whoever may read the record's sharing.
pub(crate) async fn ips(state: &AppState, asker: &Asker) -> Result<serde_json::Value, ApiError> {
    let mut entries = crate::profile::readable_entries(state, asker).await?;
    let lines = crate::feed::history::readable_lines(state, asker).await?;
    let sharing = app::policy::Item::about(app::vocabulary::Subject::Sharing);
    let doctor = match &asker.record.regular_doctor {
        Some(rpps) if asker.decide(state, app::policy::Action::Read, &sharing).allowed() => {
            state.store.professional(rpps).await?.map(|record| record.professional)
        }
        _ => None,
    };
    let now = state.clock.now();
    let patient = PatientLine {
        given_name: asker.record.given_name.clone(),
        family_name: asker.record.family_name.clone(),
        birth_date: asker.record.birth_date.clone(),
    };
    let today = Date::from_unix_seconds(now);
    let english = asker.record.locale == "en";
    entries.extend(summary::dispensed_treatments(&entries, &lines, today, english));
    let left_out = summary::left_out_at_first(&entries);
    let built = summary::summarize(patient, &entries, doctor, &left_out, today);
    let uuid = summary::fhir::uuid_v4(rand::random());
    let medicines = Some(app::safety::medicines::Medicines::embedded());
    Ok(summary::fhir::bundle(&built, &uuid, &summary::fhir::instant(now), english, medicines))
}

/// The viewer's entry: no account, only where it came from.
fn view_entry(
    state: &AppState,
    origin: &Origin,
    record: Option<&str>,
    link: &str,
    denied: Option<&str>,
) -> AuditEntry {
    let actor = AuditActor { kind: "responder".into(), id: None, role: None };
    let action = AuditAction::EmergencyLinkView;
    let denied = denied.map(str::to_owned);
    let mut entry = trace::outside_entry(state, actor, origin, action, record, Some(link), denied);
    entry.purpose = Some("emergency_summary".into());
    entry
}

async fn refuse_view<T>(
    state: &AppState,
    origin: &Origin,
    record: Option<&str>,
    link: &str,
    reason: &str,
    error: ApiError,
) -> Result<T, ApiError> {
    trace::write(state, &view_entry(state, origin, record, link, Some(reason))).await?;
    Err(error)
}

/// `POST /api/shl/{link}` with `{recipient, passcode}`: the encrypted files, if the link is live
/// and the passcode right.
async fn manifest(
    State(state): State<AppState>,
    origin: Origin,
    Path(id): Path<LinkId>,
    ApiJson(request): ApiJson<ManifestRequest>,
) -> Result<Json<Manifest>, ApiError> {
    // Tries are counted per address: a view forgives its own below.
    let tries = format!("shl:{}", crate::extract::limit_key(&origin.client));
    limit(&state, &tries, ADDRESS_POLICY).await?;
    let recipient = request.recipient.trim();
    if recipient.is_empty() || recipient.chars().count() > 100 {
        return Err(ApiError::input("recipient", app::api::InputError::TextInvalid));
    }
    let now = state.clock.now();
    let link = match state.store.emergency_link(&id).await? {
        Some(link) if link.live_at(now, PASSCODE_TRIES) => link,
        found => {
            let record = found.map(|link| link.account_id);
            let gone = ApiError::NotFound;
            return refuse_view(&state, &origin, record.as_deref(), &id, "link_gone", gone).await;
        }
    };
    let record = Some(link.account_id.as_str());
    let reserved = match &link.passcode_hash {
        None => false,
        Some(hash) => {
            let Some(given) = request.passcode.filter(|code| !code.expose().is_empty()) else {
                let left = Some(PASSCODE_TRIES - link.failures);
                let missing = ApiError::BadCode { attempts_left: left };
                return refuse_view(&state, &origin, record, &id, "passcode_missing", missing)
                    .await;
            };
            // The try is counted before it is checked: parallel guesses cannot pass the cap.
            let Some(failures) = state.store.reserve_link_try(&id, now, PASSCODE_TRIES).await?
            else {
                return refuse_view(&state, &origin, record, &id, "link_gone", ApiError::NotFound)
                    .await;
            };
            if !state.passwords.verify(given, Some(hash.clone())).await? {
                let left = Some(PASSCODE_TRIES.saturating_sub(failures));
                let wrong = ApiError::BadCode { attempts_left: left };
                return refuse_view(&state, &origin, record, &id, "passcode_wrong", wrong).await;
            }
            true
        }
    };
    let entry = view_entry(&state, &origin, record, &id, None);
    let viewed = state.auditor.write(&*state.store, &entry, async |rows| {
        state.store.view_emergency_link(&id, reserved, now, PASSCODE_TRIES, rows).await
    });
    if viewed.await?.is_none() {
        return refuse_view(&state, &origin, record, &id, "link_gone", ApiError::NotFound).await;
    }
    // A view forgives its own try: only refusals add up for this address.
    state.store.rate_limit_forgive(&tries).await?;
    let at = app::date::moment(now);
    let url = format!("{}/dossier/urgence", state.public_url);
    crate::notices::tell_patient(
        &state,
        &link.account_id,
        NotificationKind::EmergencyLinkViewed,
        None,
        Kind::EmergencyLinkViewed { at: &at, url: &url },
        None,
    )
    .await?;
    let (jwe, fhir_jwe) = state.store.emergency_link_files(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(Manifest {
        files: vec![
            ManifestFile { content_type: SUMMARY_TYPE.into(), embedded: jwe },
            ManifestFile { content_type: FHIR_TYPE.into(), embedded: fhir_jwe },
        ],
    }))
}
