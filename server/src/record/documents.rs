//! Documents: the list a page at a time, a document's description, content and preview, the
//! record's export, withdrawing, masking and announcing. Their deposit is `upload.rs`. Contents
//! and titles are sealed under the upload's data key.

use crate::audit::AuditAction;
use app::{
    account::{InputError, validate::Date},
    policy::{Action, Author, BreakGlass, Decision, Item, decide},
    record::{
        AuthorInfo, CategoryCount, DOCUMENTS_PER_PAGE, DocumentInfo, DocumentPage,
        ExportedDocument, HiddenDocument, MaskRequest, Preview, RecordExport, RepeatedQuery,
        filter::DocumentsQuery,
    },
    safety::exams::{Earlier, RepeatedExam},
    vocabulary::{Category, MediaType, Section, Subject, valid_loinc},
};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{Asker, author_of, context, trace};
use crate::{
    AppState,
    error::ApiError,
    store::{DocumentRecord, Matched, Party, UploadRecord},
    vault::Sealed,
    web::{ApiJson, ApiQuery, Origin},
};

pub(super) fn title_context(upload_id: &str) -> String {
    format!("document-title/{upload_id}")
}

pub(super) fn chunk_context(upload_id: &str, index: usize) -> String {
    format!("document-chunk/{upload_id}/{index}")
}

pub(crate) fn item_of(document: &DocumentRecord) -> Item<'_> {
    Item {
        subject: Subject::Document(document.category),
        domain: document.domain,
        author: Some(author_of(&document.author)),
        masked: document.masked,
        hidden_from_representatives: document.hidden_from_representatives,
        awaiting_announcement: document.awaiting_announcement,
        withdrawn: document.withdrawn,
    }
}

fn decide_for(state: &AppState, asker: &Asker, action: Action, item: &Item<'_>) -> Decision {
    asker.decide(state, action, item)
}

/// A document not deposited yet, as the policy sees it.
pub(super) fn new_item(
    category: Category,
    domain: Option<app::vocabulary::Domain>,
) -> Item<'static> {
    Item { domain, ..Item::about(Subject::Document(category)) }
}

/// Whether the asker may read what an upload deposits (in the access history: an upload's
/// entries are about a document to be, hidden or held back as it will be).
pub(super) fn may_read_upload(state: &AppState, asker: &Asker, upload: &UploadRecord) -> bool {
    let item = Item {
        author: Some(author_of(&upload.uploader)),
        hidden_from_representatives: upload.hidden_from_representatives,
        awaiting_announcement: upload.awaiting_announcement,
        ..new_item(upload.category, upload.domain)
    };
    decide_for(state, asker, Action::Read, &item).allowed()
}

/// What the asker may do with a document besides reading it: the interface offers exactly
/// these. (Announcing applies only while it is held back.)
pub(super) fn allowed_actions(
    state: &AppState,
    asker: &Asker,
    document: &DocumentRecord,
) -> Vec<Action> {
    let item = item_of(document);
    [Action::Withdraw, Action::Mask, Action::Announce]
        .into_iter()
        .filter(|action| *action != Action::Announce || document.awaiting_announcement)
        .filter(|action| decide_for(state, asker, *action, &item).allowed())
        .collect()
}

/// What the asker may do on the record now: what the pages offer.
pub async fn abilities(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<app::record::RecordAbilities>, ApiError> {
    let may = |action: Action, subject: Subject| {
        decide_for(&state, &asker, action, &Item::about(subject)).allowed()
    };
    let deposit: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|category| may(Action::Write, Subject::Document(*category)))
        .collect();
    let abilities = app::record::RecordAbilities {
        write_sections: Section::ALL
            .into_iter()
            .filter(|section| may(Action::Write, Subject::Profile(*section)))
            .collect(),
        hold_back: deposit.iter().any(|c| may(Action::HoldBack, Subject::Document(*c))),
        hide_from_representatives: deposit
            .iter()
            .any(|c| may(Action::HideFromRepresentatives, Subject::Document(*c))),
        sharing: may(Action::Write, Subject::Sharing),
        deposit,
    };
    trace::read(&state, &asker, &origin, AuditAction::RecordAbilities, None, None).await?;
    Ok(Json(abilities))
}

pub(super) fn may_read(state: &AppState, asker: &Asker, document: &DocumentRecord) -> bool {
    decide_for(state, asker, Action::Read, &item_of(document)).allowed()
}

/// The document if the asker may read it; otherwise as if it did not exist, and the refusal
/// of `action` traced.
pub(super) async fn readable(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    document_id: &str,
) -> Result<DocumentRecord, ApiError> {
    let refused = match state.store.document(&asker.record.id, document_id).await? {
        Some(document) => match decide_for(state, asker, Action::Read, &item_of(&document)) {
            Decision::Allow(_) => return Ok(document),
            Decision::Deny(reason) => trace::reason(reason),
        },
        None => trace::NOT_FOUND.to_owned(),
    };
    trace::read(state, asker, origin, action, Some(document_id), Some(refused)).await?;
    Err(ApiError::NotFound)
}

fn open_title(state: &AppState, upload: &UploadRecord) -> Result<String, ApiError> {
    let sealed = Sealed { key: upload.key.clone(), content: upload.sealed_title.clone() };
    let title = state.vault.open(&sealed, &upload.data_key, &title_context(&upload.id))?;
    String::from_utf8(title.to_vec()).map_err(|_| ApiError::BadRequest)
}

use super::Names;

pub(super) async fn info(
    state: &AppState,
    document: &DocumentRecord,
    names: &mut Names,
) -> Result<DocumentInfo, ApiError> {
    let author = super::author_info(state, &document.author, names).await?;
    Ok(described(document, open_title(state, &document.upload)?, author))
}

/// A document as listed, its title opened and its author named (its episodes and the asker's
/// actions left to fill).
fn described(document: &DocumentRecord, title: String, author: AuthorInfo) -> DocumentInfo {
    DocumentInfo {
        id: document.id.clone(),
        version: document.version,
        title,
        category: document.category,
        domain: document.domain,
        type_code: document.upload.type_code.clone(),
        care_date: document.upload.care_date.clone(),
        media_type: document.upload.media_type,
        size: document.upload.size,
        author,
        masked: document.masked,
        hidden_from_representatives: document.hidden_from_representatives,
        awaiting_announcement: document.awaiting_announcement,
        deposited_at: document.deposited_at,
        withdrawn: document.withdrawn,
        episodes: Vec::new(),
        allowed: Vec::new(),
    }
}

/// Whether the filter's facts (category, author, period of care, episode) admit a document; its
/// words are looked for apart, as they need the sealed title and text opened.
pub(super) fn facts_admit(
    filter: &app::record::filter::CheckedFilter,
    document: &DocumentRecord,
    author: &AuthorInfo,
    episodes: &[String],
) -> bool {
    filter.admits(&app::record::filter::Facts {
        category: Some(document.category),
        author,
        date: &document.upload.care_date,
        episodes,
    })
}

/// The documents the asker may read that the filter admits (words are looked for in titles and
/// in the text of text documents), newest care first: those at the positions `shown`, described
/// in full, and how many there are (counted to the end only with `count_all`; denied ones are
/// not counted). A title is opened only for a document shown, or when the filter has words to
/// look for: a page costs what it shows, not what the record holds.
async fn select(
    state: &AppState,
    asker: &Asker,
    filter: &app::record::filter::CheckedFilter,
    shown: std::ops::Range<usize>,
    count_all: bool,
) -> Result<(Vec<DocumentInfo>, usize), ApiError> {
    let tags = super::timeline::tags_by_item(state, &asker.record.id).await?;
    let mut names = Names::new();
    let (mut out, mut count) = (Vec::new(), 0);
    for document in state.store.documents(&asker.record.id).await? {
        if !count_all && count >= shown.end {
            break;
        }
        if !may_read(state, asker, &document) {
            continue;
        }
        let author = super::author_info(state, &document.author, &mut names).await?;
        let episodes = tags.get(&document.id).cloned().unwrap_or_default();
        if !facts_admit(filter, &document, &author, &episodes) {
            continue;
        }
        let mut title = None;
        if filter.searches() {
            let opened = open_title(state, &document.upload)?;
            let text = super::timeline::open_terms(state, &document.upload)?;
            if !filter.has_words(&opened, text.as_deref()) {
                continue;
            }
            title = Some(opened);
        }
        if shown.contains(&count) {
            let title = match title {
                Some(title) => title,
                None => open_title(state, &document.upload)?,
            };
            let mut info = described(&document, title, author);
            info.allowed = allowed_actions(state, asker, &document);
            info.episodes = episodes;
            out.push(info);
        }
        count += 1;
    }
    Ok((out, count))
}

/// The documents the asker may read, newest care first, narrowed by the filter, at most `limit`
/// of them (the newest few, for the home page; the offline copy keeps the whole list).
pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiQuery(query): ApiQuery<DocumentsQuery>,
) -> Result<Json<Vec<DocumentInfo>>, ApiError> {
    if !query.unknown.is_empty() || query.limit == Some(0) {
        return Err(ApiError::BadRequest);
    }
    let limit = query.limit.unwrap_or(usize::MAX);
    let filter = super::timeline::checked_filter(&query.filter)?;
    let (out, _) = select(&state, &asker, &filter, 0..limit, false).await?;
    trace::read(&state, &asker, &origin, AuditAction::DocumentsList, None, None).await?;
    Ok(Json(out))
}

/// Page `page` (from 1) of the same list, [`DOCUMENTS_PER_PAGE`] a page; past the last page,
/// the last. What the pages of documents read.
pub async fn page(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, page)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<DocumentsQuery>,
) -> Result<Json<DocumentPage>, ApiError> {
    let asked = page.parse::<usize>().ok().filter(|page| *page >= 1);
    let (Some(asked), true, None) = (asked, query.unknown.is_empty(), query.limit) else {
        return Err(ApiError::BadRequest);
    };
    let filter = super::timeline::checked_filter(&query.filter)?;
    let window = |page: usize| {
        let start = (page - 1).saturating_mul(DOCUMENTS_PER_PAGE);
        start..start.saturating_add(DOCUMENTS_PER_PAGE)
    };
    let (mut documents, total) = select(&state, &asker, &filter, window(asked), true).await?;
    let pages = total.div_ceil(DOCUMENTS_PER_PAGE).max(1);
    if asked > pages {
        documents = select(&state, &asker, &filter, window(pages), false).await?.0;
    }
    trace::read(&state, &asker, &origin, AuditAction::DocumentsList, None, None).await?;
    Ok(Json(DocumentPage { documents, page: asked.min(pages), pages }))
}

/// One document as listed, for its own page when it is not on the page of the list at hand.
pub async fn one(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, String)>,
) -> Result<Json<DocumentInfo>, ApiError> {
    let document =
        readable(&state, &asker, &origin, AuditAction::DocumentInfo, &document_id).await?;
    trace::read(&state, &asker, &origin, AuditAction::DocumentInfo, Some(&document.id), None)
        .await?;
    let mut info = info(&state, &document, &mut Names::new()).await?;
    info.allowed = allowed_actions(&state, &asker, &document);
    let mut tags = super::timeline::tags_by_item(&state, &asker.record.id).await?;
    info.episodes = tags.remove(&document.id).unwrap_or_default();
    Ok(Json(info))
}

/// Largest export, in bytes of document content: a larger record is saved document by document.
pub const EXPORT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The record as the asker may read it, in one JSON file to keep or to take elsewhere: each
/// readable document's description and content. Through the same policy as the list.
pub async fn export(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Response, ApiError> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let mut documents = Vec::new();
    let mut names = Names::new();
    let mut total = 0;
    for document in state.store.documents(&asker.record.id).await? {
        if !decide_for(&state, &asker, Action::Read, &item_of(&document)).allowed() {
            continue;
        }
        total += document.upload.size;
        if total > EXPORT_MAX_BYTES {
            return Err(ApiError::TooLarge);
        }
        let content = content_of(&state, &document.upload).await?;
        documents.push(ExportedDocument {
            info: info(&state, &document, &mut names).await?,
            content_base64: STANDARD.encode(content),
        });
    }
    trace::read(&state, &asker, &origin, AuditAction::RecordExport, None, None).await?;
    let export = RecordExport {
        format: "carnet-export/1".into(),
        exported_at: state.clock.now(),
        documents,
    };
    let mut response = Json(export).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"carnet-export.json\""),
    );
    Ok(response)
}

/// How many documents of each category the asker may read (categories with none are left out).
pub async fn counts(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    let mut counts = std::collections::BTreeMap::<_, u32>::new();
    for document in state.store.documents(&asker.record.id).await? {
        if decide_for(&state, &asker, Action::Read, &item_of(&document)).allowed() {
            *counts.entry(document.category).or_default() += 1;
        }
    }
    trace::read(&state, &asker, &origin, AuditAction::DocumentsCount, None, None).await?;
    Ok(Json(
        counts.into_iter().map(|(category, count)| CategoryCount { category, count }).collect(),
    ))
}

/// The exams of this category and type the asker may read within the type's window around
/// `care_date` (titles are opened only for those).
pub(super) async fn repeated_exams(
    state: &AppState,
    asker: &Asker,
    category: app::vocabulary::Category,
    type_code: Option<&str>,
    care_date: Date,
) -> Result<Vec<RepeatedExam>, ApiError> {
    let Some(code) = type_code.filter(|code| state.exam_windows.window(category, code).is_some())
    else {
        return Ok(Vec::new());
    };
    let mut same = Vec::new();
    for document in state.store.documents(&asker.record.id).await? {
        let candidate = document.category == category
            && !document.withdrawn
            && document.upload.type_code.as_deref() == Some(code)
            && decide_for(state, asker, Action::Read, &item_of(&document)).allowed();
        if candidate {
            let title = open_title(state, &document.upload)?;
            same.push((document, title));
        }
    }
    let earlier: Vec<Earlier<'_>> = same
        .iter()
        .map(|(document, title)| Earlier {
            id: &document.id,
            title,
            category: document.category,
            type_code: document.upload.type_code.as_deref(),
            care_date: &document.upload.care_date,
        })
        .collect();
    Ok(state.exam_windows.repeated(category, Some(code), care_date, &earlier))
}

/// The repeated-exam check on its own, for a form about to deposit or prescribe an exam.
pub async fn repeated(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiQuery(query): ApiQuery<RepeatedQuery>,
) -> Result<Json<Vec<RepeatedExam>>, ApiError> {
    if !valid_loinc(&query.type_code) {
        return Err(ApiError::input("type_code", InputError::TypeCodeInvalid));
    }
    let care_date = Date::parse(&query.care_date)
        .ok_or(ApiError::input("care_date", InputError::DateInvalid))?;
    let found =
        repeated_exams(&state, &asker, query.category, Some(&query.type_code), care_date).await?;
    trace::read(&state, &asker, &origin, AuditAction::ExamsCheck, None, None).await?;
    Ok(Json(found))
}

/// The whole content of an upload, opened.
pub(super) async fn content_of(
    state: &AppState,
    upload: &UploadRecord,
) -> Result<Vec<u8>, ApiError> {
    let mut content = Vec::with_capacity(usize::try_from(upload.size).unwrap_or(0));
    for (index, chunk) in state.store.chunks(&upload.id).await?.into_iter().enumerate() {
        let sealed = Sealed { key: upload.key.clone(), content: chunk };
        let plain =
            state.vault.open(&sealed, &upload.data_key, &chunk_context(&upload.id, index))?;
        content.extend_from_slice(&plain);
    }
    Ok(content)
}

#[derive(Deserialize)]
pub struct Download {
    #[serde(default)]
    download: bool,
}

/// The document's bytes, never cached, never sniffed, shown in the app (PDF, images, text) or
/// saved with `?download=true`.
pub async fn content(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, String)>,
    Query(Download { download }): Query<Download>,
) -> Result<Response, ApiError> {
    // A withdrawn document stays readable by the patient's side and its author only: the same
    // decision as the list, the search and the export.
    let document =
        readable(&state, &asker, &origin, AuditAction::DocumentRead, &document_id).await?;
    trace::read(&state, &asker, &origin, AuditAction::DocumentRead, Some(&document.id), None)
        .await?;
    let bytes = content_of(&state, &document.upload).await?;
    let media = document.upload.media_type;
    let disposition = format!(
        "{}; filename=\"document-{}-v{}.{}\"",
        if download { "attachment" } else { "inline" },
        &document.id[..8.min(document.id.len())],
        document.version,
        media.extension()
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.as_str()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Shown alone, a document runs nothing and reaches nothing; it may be framed by the app
    // only. A PDF is sandboxed too (a unique origin, no scripts of its own reach the app):
    // Chromium's viewer still shows it, as tests/e2e shows; only the frame's own `sandbox`
    // attribute would stop the viewer, so the frame has none.
    let policy = if media == MediaType::Pdf {
        "default-src 'none'; object-src 'self'; frame-ancestors 'self'; sandbox"
    } else {
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; \
         sandbox"
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(response)
}

/// The author withdraws their document: it stays in the history, marked withdrawn.
pub async fn withdraw(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let document =
        readable(&state, &asker, &origin, AuditAction::DocumentWithdraw, &document_id).await?;
    let item = item_of(&document);
    let id = Some(document.id.as_str());
    trace::require(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentWithdraw,
        id,
        Action::Withdraw,
        &item,
    )
    .await?;
    let now = state.clock.now();
    trace::change(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentWithdraw,
        Some(&document.id),
        async |rows| state.store.withdraw_document(&asker.record.id, &document.id, now, rows).await,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The professional who deposited a result held back for announcement releases it to the
/// patient (after telling them, in person).
pub async fn announce(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let document =
        readable(&state, &asker, &origin, AuditAction::DocumentAnnounce, &document_id).await?;
    let item = item_of(&document);
    let id = Some(document.id.as_str());
    trace::require(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentAnnounce,
        id,
        Action::Announce,
        &item,
    )
    .await?;
    let Matched(announced) = trace::change(
        &state,
        &asker,
        &origin,
        AuditAction::DocumentAnnounce,
        Some(&document.id),
        async |rows| state.store.announce_document(&asker.record.id, &document.id, rows).await,
    )
    .await?;
    if !announced {
        return Err(ApiError::NotFound);
    }
    // Released: now the patient is told of it.
    let document = DocumentRecord { awaiting_announcement: false, ..document };
    tell_of_new_document(&state, &asker, &document).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The patient (or their representative) masks or unmasks a document.
pub async fn mask(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, document_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<MaskRequest>,
) -> Result<StatusCode, ApiError> {
    let action =
        if request.masked { AuditAction::DocumentMask } else { AuditAction::DocumentUnmask };
    let document = readable(&state, &asker, &origin, action, &document_id).await?;
    let (item, id) = (item_of(&document), Some(document.id.as_str()));
    trace::require(&state, &asker, &origin, action, id, Action::Mask, &item).await?;
    trace::change(&state, &asker, &origin, action, Some(&document.id), async |rows| {
        state.store.set_masked(&asker.record.id, &document.id, request.masked, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tells the patient's side of a professional's new document, through the policy: nobody while
/// it is held back, not the representatives if it is hidden from them.
pub(super) async fn tell_of_new_document(
    state: &AppState,
    asker: &Asker,
    document: &DocumentRecord,
) -> Result<(), ApiError> {
    let Party::Professional(rpps) = &document.author else { return Ok(()) };
    let by = crate::notices::professional_line(state, rpps).await?;
    let url = crate::notices::record_url(state);
    let about = crate::notices::About { id: &document.id, item: item_of(document) };
    crate::notices::tell_patient(
        state,
        &asker.record.id,
        app::emergency::NotificationKind::DocumentDeposited,
        Some(rpps),
        app::account::messages::Kind::DocumentDeposited { by: &by, url: &url },
        Some(about),
    )
    .await
}

/// The record as a given professional would see it: for the patient side only, through the
/// same policy the professional's own requests go through (without break-glass).
pub async fn preview(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, rpps)): Path<(String, String)>,
) -> Result<Json<Preview>, ApiError> {
    let sharing = Item::about(Subject::Sharing);
    let (action, id) = (Action::Read, Some(rpps.as_str()));
    trace::require_or_nothing(
        &state,
        &asker,
        &origin,
        AuditAction::RecordPreview,
        id,
        action,
        &sharing,
    )
    .await?;
    let rpps = app::directory::Rpps::parse(&rpps).ok_or(ApiError::NotFound)?;
    let professional = state
        .store
        .professional(rpps.as_str())
        .await?
        .filter(|record| record.active)
        .ok_or(ApiError::NotFound)?;
    let consent = state.store.consent(&asker.record.id, rpps.as_str()).await?;
    let actor = super::professional_actor(&asker.record, &professional, &consent, BreakGlass::Off);
    let context = context(&state, &asker.record);
    let mut names = Names::new();
    let (mut documents, mut hidden) = (Vec::new(), Vec::new());
    for document in state.store.documents(&asker.record.id).await? {
        let item = item_of(&document);
        // Only what the asker may read themselves is listed, either way.
        if !decide_for(&state, &asker, Action::Read, &item).allowed() {
            continue;
        }
        match decide(&context, &actor, Action::Read, &item) {
            Decision::Allow(_) => documents.push(info(&state, &document, &mut names).await?),
            Decision::Deny(reason) => hidden.push(HiddenDocument {
                id: document.id.clone(),
                title: open_title(&state, &document.upload)?,
                category: document.category,
                care_date: document.upload.care_date.clone(),
                reason,
            }),
        }
    }
    let profile = Section::ALL
        .into_iter()
        .filter(|section| {
            let item =
                Item { author: Some(Author::Patient), ..Item::about(Subject::Profile(*section)) };
            decide(&context, &actor, Action::Read, &item).allowed()
        })
        .collect();
    trace::read(&state, &asker, &origin, AuditAction::RecordPreview, Some(rpps.as_str()), None)
        .await?;
    Ok(Json(Preview { professional: professional.professional, documents, hidden, profile }))
}
