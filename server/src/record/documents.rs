//! Documents: the list a page at a time, a document's description, what the asker may do with
//! one and the policy's questions about it. Their deposit is `upload.rs`, their bytes and the
//! export `content.rs`, their withdrawal, mask and announcement `document_changes.rs`, the
//! repeated-exam check `exams.rs` and a professional's view `preview.rs`. Contents and titles
//! are sealed under the upload's data key.

use crate::audit::AuditAction;
use std::collections::HashMap;

use app::{
    api::filter::DocumentsQuery,
    api::record::{AuthorInfo, CategoryCount, DOCUMENTS_PER_PAGE, DocumentInfo, DocumentPage},
    policy::{Action, Decision, Item},
    vocabulary::{Category, Section, Subject},
};
use axum::{
    Json,
    extract::{Path, State},
};

use crate::asker::{Asker, author_of, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiQuery, Origin},
    store::{AccountId, DocumentFacts, DocumentId, DocumentRecord, UploadRecord},
    vault::Sealed,
};

pub(super) fn title_context(upload_id: &str) -> String {
    format!("document-title/{upload_id}")
}

pub(super) fn chunk_context(upload_id: &str, index: usize) -> String {
    format!("document-chunk/{upload_id}/{index}")
}

pub(crate) fn item_of(document: &DocumentFacts) -> Item<'_> {
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

pub(super) fn decide_for(
    state: &AppState,
    asker: &Asker,
    action: Action,
    item: &Item<'_>,
) -> Decision {
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
    document: &DocumentFacts,
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
) -> Result<Json<app::api::record::RecordAbilities>, ApiError> {
    let may = |action: Action, subject: Subject| {
        decide_for(&state, &asker, action, &Item::about(subject)).allowed()
    };
    let deposit: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|category| may(Action::Write, Subject::Document(*category)))
        .collect();
    let abilities = app::api::record::RecordAbilities {
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

pub(super) fn may_read(state: &AppState, asker: &Asker, document: &DocumentFacts) -> bool {
    decide_for(state, asker, Action::Read, &item_of(document)).allowed()
}

/// The document if the asker may read it; otherwise as if it did not exist, and the refusal
/// of `action` traced.
pub(super) async fn readable(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    document_id: &DocumentId,
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

pub(super) fn open_title(state: &AppState, upload: &UploadRecord) -> Result<String, ApiError> {
    let sealed = Sealed { key: upload.key.clone(), content: upload.sealed_title.clone() };
    let title = state.vault.open(&sealed, &upload.data_key, &title_context(&upload.id))?;
    String::from_utf8(title.to_vec()).map_err(|_| ApiError::BadRequest)
}

use crate::asker::Names;

pub(super) async fn info(
    state: &AppState,
    document: &DocumentRecord,
    names: &mut Names,
) -> Result<DocumentInfo, ApiError> {
    let author = crate::asker::author_info(state, &document.author, names).await?;
    Ok(described(document, open_title(state, &document.upload)?, author))
}

/// A document as listed, its title opened and its author named (its episodes and the asker's
/// actions left to fill).
pub(super) fn described(
    document: &DocumentFacts,
    title: String,
    author: AuthorInfo,
) -> DocumentInfo {
    DocumentInfo {
        id: document.id.to_string(),
        version: document.version,
        title,
        category: document.category,
        domain: document.domain,
        type_code: document.type_code.clone(),
        care_date: document.care_date.clone(),
        media_type: document.media_type,
        size: document.size,
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
    filter: &app::api::filter::CheckedFilter,
    document: &DocumentFacts,
    author: &AuthorInfo,
    episodes: &[String],
) -> bool {
    filter.admits(&app::api::filter::Facts {
        category: Some(document.category),
        author,
        date: &document.care_date,
        episodes,
    })
}

/// The sealed values of the record's documents `ids`, opened: each one's title and, with
/// `terms`, the search terms of its text. Only these documents' keys are unwrapped.
pub(super) async fn opened(
    state: &AppState,
    record_id: &AccountId,
    ids: &[&DocumentId],
    terms: bool,
) -> Result<HashMap<DocumentId, (String, Option<String>)>, ApiError> {
    let mut out = HashMap::with_capacity(ids.len());
    for document in state.store.documents_among(record_id, ids).await? {
        let title = open_title(state, &document.upload)?;
        let text = if terms { super::timeline::open_terms(state, &document.upload)? } else { None };
        out.insert(document.facts.id, (title, text));
    }
    Ok(out)
}

/// The documents the asker may read that the filter admits (words are looked for in titles and
/// in the text of text documents), newest care first: those at the positions `shown`, described
/// in full, and how many there are (counted to the end only with `count_all`; denied ones are
/// not counted). The list is chosen on the documents' facts; a title is opened only for a
/// document shown, or when the filter has words to look for: a page costs what it shows, not
/// what the record holds.
async fn select(
    state: &AppState,
    asker: &Asker,
    filter: &app::api::filter::CheckedFilter,
    shown: std::ops::Range<usize>,
    count_all: bool,
) -> Result<(Vec<DocumentInfo>, usize), ApiError> {
    let tags = super::timeline::tags_by_item(state, &asker.record.id).await?;
    let mut names = Names::new();
    let all = state.store.document_facts(&asker.record.id).await?;
    let mut admitted = Vec::new();
    for document in all.iter() {
        if !count_all && !filter.searches() && admitted.len() >= shown.end {
            break;
        }
        if !may_read(state, asker, document) {
            continue;
        }
        let author = crate::asker::author_info(state, &document.author, &mut names).await?;
        let episodes = tags.get(document.id.as_str()).cloned().unwrap_or_default();
        if facts_admit(filter, document, &author, &episodes) {
            admitted.push((document, author, episodes));
        }
    }
    let mut titles = HashMap::new();
    if filter.searches() {
        let ids: Vec<&DocumentId> = admitted.iter().map(|(document, ..)| &document.id).collect();
        titles = opened(state, &asker.record.id, &ids, true).await?;
        admitted.retain(|(document, ..)| {
            titles
                .get(&document.id)
                .is_some_and(|(title, text)| filter.has_words(title, text.as_deref()))
        });
    }
    let count = admitted.len();
    let page: Vec<_> = admitted
        .into_iter()
        .skip(shown.start)
        .take(shown.end.saturating_sub(shown.start))
        .collect();
    if !filter.searches() {
        let ids: Vec<&DocumentId> = page.iter().map(|(document, ..)| &document.id).collect();
        titles = opened(state, &asker.record.id, &ids, false).await?;
    }
    let mut out = Vec::with_capacity(page.len());
    for (document, author, episodes) in page {
        // A document gone since its facts were read (purged with its record) is left out.
        let Some((title, _)) = titles.remove(&document.id) else { continue };
        let mut info = described(document, title, author);
        info.allowed = allowed_actions(state, asker, document);
        info.episodes = episodes;
        out.push(info);
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
    Path((_, document_id)): Path<(String, DocumentId)>,
) -> Result<Json<DocumentInfo>, ApiError> {
    let document =
        readable(&state, &asker, &origin, AuditAction::DocumentInfo, &document_id).await?;
    trace::read(&state, &asker, &origin, AuditAction::DocumentInfo, Some(&document.id), None)
        .await?;
    let mut info = info(&state, &document, &mut Names::new()).await?;
    info.allowed = allowed_actions(&state, &asker, &document);
    let mut tags = super::timeline::tags_by_item(&state, &asker.record.id).await?;
    info.episodes = tags.remove(document.id.as_str()).unwrap_or_default();
    Ok(Json(info))
}

/// How many documents of each category the asker may read (categories with none are left out).
pub async fn counts(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<CategoryCount>>, ApiError> {
    let mut counts = std::collections::BTreeMap::<_, u32>::new();
    for document in state.store.document_facts(&asker.record.id).await?.iter() {
        if decide_for(&state, &asker, Action::Read, &item_of(document)).allowed() {
            *counts.entry(document.category).or_default() += 1;
        }
    }
    trace::read(&state, &asker, &origin, AuditAction::DocumentsCount, None, None).await?;
    Ok(Json(
        counts.into_iter().map(|(category, count)| CategoryCount { category, count }).collect(),
    ))
}
