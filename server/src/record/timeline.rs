//! The timeline of a record and its care episodes over HTTP. The timeline gathers the
//! documents and profile entries the asker may read (each through `app::policy::decide`),
//! turns them into items with `app::record::timeline`, filters, sorts and sends one page.
//! An episode is seen by the patient side, by its author, and by whoever may read one of the
//! items tagged with it; an item is tagged or untagged only by someone who may read it.

use crate::audit::AuditAction;
use std::collections::{HashMap, HashSet};

use app::{
    api::{InputError, validate::Date},
    policy::{Action, Item},
    record::{
        filter::{CheckedFilter, Facts, FilterError, search_terms},
        timeline::{
            self, EpisodeInfo, Happening, NewEpisode, TagRequest, TimelineItem, TimelineKind,
            TimelinePage, TimelineQuery, care_events, entry_words,
        },
    },
    vocabulary::Subject,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use super::documents;
use crate::{
    AppState,
    error::ApiError,
    extract::ApiJson,
    extract::ApiQuery,
    extract::Origin,
    profile,
    store::{DocumentRecord, EntryRecord, NewEpisode as StoredEpisode, UploadRecord},
    vault::{Sealed, new_id},
};
use crate::{asker::Asker, asker::Names, asker::Who, asker::author_info, asker::trace};

/// Most words kept for searching one text document (its distinct words, folded).
pub const TERMS_MAX_BYTES: usize = 64 * 1024;

fn terms_context(upload_id: &str) -> String {
    format!("document-terms/{upload_id}")
}

fn episode_context(episode_id: &str) -> String {
    format!("episode-title/{episode_id}")
}

/// Seals words search will find a document by, under the upload's key.
pub fn seal_words(
    state: &AppState,
    upload_id: &str,
    key: &crate::vault::WrappedKey,
    data_key: &str,
    words: &str,
) -> Result<Vec<u8>, ApiError> {
    Ok(state.vault.seal_in(key, data_key, words.as_bytes(), &terms_context(upload_id))?)
}

/// The sealed search terms of a finished text document: the words announced at the start (a
/// prescription's substances), then those of its content. `None` for other media (their
/// announced words, if any, stay as they are).
pub fn seal_terms(
    state: &AppState,
    upload: &UploadRecord,
    content: &[u8],
) -> Result<Option<Vec<u8>>, ApiError> {
    if upload.media_type != app::vocabulary::MediaType::Text {
        return Ok(None);
    }
    let announced = open_terms(state, upload)?.unwrap_or_default();
    let text = format!("{announced} {}", String::from_utf8_lossy(content));
    let terms = search_terms(&text, TERMS_MAX_BYTES);
    Ok(Some(seal_words(state, &upload.id, &upload.key, &upload.data_key, &terms)?))
}

/// The search terms of a text document, opened; `None` for other documents.
pub fn open_terms(state: &AppState, upload: &UploadRecord) -> Result<Option<String>, ApiError> {
    let Some(sealed) = &upload.sealed_terms else { return Ok(None) };
    let sealed = Sealed { key: upload.key.clone(), content: sealed.clone() };
    let plain = state.vault.open(&sealed, &upload.data_key, &terms_context(&upload.id))?;
    Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
}

/// Seals the search terms of text documents deposited before terms were kept (once, at start).
pub async fn backfill_terms(state: &AppState) -> Result<usize, ApiError> {
    let uploads = state.store.uploads_without_terms().await?;
    for upload in &uploads {
        let content = super::content::content_of(state, upload).await?;
        if let Some(sealed) = seal_terms(state, upload, &content)? {
            state.store.set_upload_terms(&upload.id, &sealed).await?;
        }
    }
    Ok(uploads.len())
}

/// Item identifier → the episodes it is tagged with.
pub async fn tags_by_item(
    state: &AppState,
    record_id: &str,
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut tags = HashMap::<String, Vec<String>>::new();
    for tag in state.store.episode_tags(record_id).await? {
        tags.entry(tag.item_id).or_default().push(tag.episode_id);
    }
    Ok(tags)
}

pub fn checked_filter(
    filter: &app::record::filter::DocumentFilter,
) -> Result<CheckedFilter, ApiError> {
    filter.check().map_err(|error| match error {
        FilterError::Date => ApiError::input("from", InputError::DateInvalid),
        FilterError::Period => ApiError::input("to", InputError::PeriodInvalid),
        FilterError::Query => ApiError::input("q", InputError::QueryInvalid),
    })
}

/// The documents and profile entries the asker may read.
async fn readable_items(
    state: &AppState,
    asker: &Asker,
) -> Result<(Vec<DocumentRecord>, Vec<EntryRecord>), ApiError> {
    let mut readable_documents = Vec::new();
    for document in state.store.documents(&asker.record.id).await? {
        if documents::may_read(state, asker, &document) {
            readable_documents.push(document);
        }
    }
    let mut entries = Vec::new();
    for entry in state.store.entries(&asker.record.id).await? {
        if profile::may_read(state, asker, &entry) {
            entries.push(entry);
        }
    }
    Ok((readable_documents, entries))
}

/// `GET /api/records/{record}/timeline`: one page of everything the asker may read, newest first.
pub async fn list(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiQuery(query): ApiQuery<TimelineQuery>,
) -> Result<Json<TimelinePage>, ApiError> {
    if !query.unknown.is_empty() {
        return Err(ApiError::BadRequest);
    }
    let filter = checked_filter(&query.filter)?;
    let wanted = |kind: TimelineKind| query.kind.is_none_or(|wanted| wanted == kind);
    let (documents_read, entries) = readable_items(&state, &asker).await?;
    let tags = tags_by_item(&state, &asker.record.id).await?;
    let episodes_of = |id: &str| tags.get(id).cloned().unwrap_or_default();
    let mut names = Names::new();
    let mut items = Vec::new();

    if wanted(TimelineKind::Document) {
        for document in &documents_read {
            let author = author_info(&state, &document.author, &mut names).await?;
            let episodes = episodes_of(&document.id);
            if !documents::facts_admit(&filter, document, &author, &episodes) {
                continue;
            }
            let info = documents::info(&state, document, &mut names).await?;
            if filter.searches() {
                let text = open_terms(&state, &document.upload)?;
                if !filter.has_words(&info.title, text.as_deref()) {
                    continue;
                }
            }
            items.push(TimelineItem {
                date: document.upload.care_date.clone(),
                at: document.deposited_at,
                author,
                episodes,
                happening: Happening::Document { document: info },
            });
        }
    }

    let profile_wanted = wanted(TimelineKind::ProfileChange) || wanted(TimelineKind::CareEvent);
    if profile_wanted && query.filter.category.is_none() {
        let today = Date::from_unix_seconds(state.clock.now());
        let mut stamps = HashMap::<String, Vec<crate::store::VersionStamp>>::new();
        for stamp in state.store.version_stamps(&asker.record.id).await? {
            stamps.entry(stamp.entry_id.clone()).or_default().push(stamp);
        }
        for entry in &entries {
            let content = profile::open_current(&state, entry)?;
            let episodes = episodes_of(&entry.id);
            let words = entry_words(&content);
            let mut push = |item: TimelineItem| {
                let facts = Facts {
                    category: None,
                    author: &item.author,
                    date: &item.date,
                    episodes: &item.episodes,
                };
                if filter.admits(&facts) && filter.has_words("", Some(&words)) {
                    items.push(item);
                }
            };
            if wanted(TimelineKind::CareEvent) && !entry.removed {
                let author = author_info(&state, &entry.version_author, &mut names).await?;
                for (event, date) in care_events(&content, today) {
                    push(TimelineItem {
                        date,
                        at: entry.written_at,
                        author: author.clone(),
                        episodes: episodes.clone(),
                        happening: Happening::CareEvent {
                            entry_id: entry.id.clone(),
                            entry: content.clone(),
                            event,
                        },
                    });
                }
            }
            if wanted(TimelineKind::ProfileChange) {
                for stamp in stamps.get(&entry.id).into_iter().flatten() {
                    let author = author_info(&state, &stamp.author, &mut names).await?;
                    push(TimelineItem {
                        date: Date::from_unix_seconds(stamp.written_at).to_string(),
                        at: stamp.written_at,
                        author,
                        episodes: episodes.clone(),
                        happening: Happening::ProfileChange {
                            entry_id: entry.id.clone(),
                            entry: content.clone(),
                            version: stamp.version,
                            removed: false,
                        },
                    });
                }
                if let Some(removed_at) = entry.removed_at {
                    // Only the entry's author removes it.
                    let author = author_info(&state, &entry.author, &mut names).await?;
                    push(TimelineItem {
                        date: Date::from_unix_seconds(removed_at).to_string(),
                        at: removed_at,
                        author,
                        episodes: episodes.clone(),
                        happening: Happening::ProfileChange {
                            entry_id: entry.id.clone(),
                            entry: content.clone(),
                            version: entry.version,
                            removed: true,
                        },
                    });
                }
            }
        }
    }

    timeline::sort(&mut items);
    trace::read(&state, &asker, &origin, AuditAction::TimelineList, None, None).await?;
    Ok(Json(timeline::page(items, query.offset.unwrap_or(0))))
}

/// The episodes the asker may see, with how many of their items the asker may read.
async fn visible_episodes(state: &AppState, asker: &Asker) -> Result<Vec<EpisodeInfo>, ApiError> {
    let (documents_read, entries) = readable_items(state, asker).await?;
    let readable: HashSet<&str> = documents_read
        .iter()
        .map(|d| d.id.as_str())
        .chain(entries.iter().map(|e| e.id.as_str()))
        .collect();
    let mut counts = HashMap::<String, u32>::new();
    for tag in state.store.episode_tags(&asker.record.id).await? {
        if readable.contains(tag.item_id.as_str()) {
            *counts.entry(tag.episode_id).or_default() += 1;
        }
    }
    let mut names = Names::new();
    let mut out = Vec::new();
    for episode in state.store.episodes(&asker.record.id).await? {
        let items = counts.get(&episode.id).copied().unwrap_or(0);
        // Shown to the patient's side, to its author, and to whoever reads one of its items.
        let patient_side = matches!(asker.who, Who::Holder | Who::Representative);
        if !(patient_side || episode.author == asker.party || items > 0) {
            continue;
        }
        let sealed = Sealed { key: episode.key.clone(), content: episode.sealed_title.clone() };
        let title = state.vault.open(&sealed, &episode.data_key, &episode_context(&episode.id))?;
        out.push(EpisodeInfo {
            id: episode.id.clone(),
            title: String::from_utf8_lossy(&title).into_owned(),
            author: author_info(state, &episode.author, &mut names).await?,
            created_at: episode.created_at,
            items,
        });
    }
    Ok(out)
}

pub async fn episodes(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
) -> Result<Json<Vec<EpisodeInfo>>, ApiError> {
    let episodes = visible_episodes(&state, &asker).await?;
    trace::read(&state, &asker, &origin, AuditAction::EpisodesList, None, None).await?;
    Ok(Json(episodes))
}

pub async fn create_episode(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    ApiJson(request): ApiJson<NewEpisode>,
) -> Result<(StatusCode, Json<EpisodeInfo>), ApiError> {
    // The patient's side, or a professional with a basis on this record (the policy says).
    let episodes = Item::about(Subject::Episodes);
    trace::require(
        &state,
        &asker,
        &origin,
        AuditAction::EpisodeCreate,
        None,
        Action::Write,
        &episodes,
    )
    .await?;
    let title = timeline::episode_title(&request.title)
        .ok_or(ApiError::input("title", InputError::TitleInvalid))?;
    let id = new_id();
    let data_key = new_id();
    let sealed =
        state.vault.seal(title.as_bytes(), &data_key, &asker.record.id, &episode_context(&id))?;
    let now = state.clock.now();
    trace::change(&state, &asker, &origin, AuditAction::EpisodeCreate, Some(&id), async |rows| {
        state
            .store
            .create_episode(
                &StoredEpisode {
                    id: &id,
                    account_id: &asker.record.id,
                    data_key: &data_key,
                    key: &sealed.key,
                    sealed_title: &sealed.content,
                    author: &asker.party,
                    now,
                },
                rows,
            )
            .await
    })
    .await?;
    let author = author_info(&state, &asker.party, &mut Names::new()).await?;
    Ok((StatusCode::CREATED, Json(EpisodeInfo { id, title, author, created_at: now, items: 0 })))
}

/// The episode if the asker may see it and the item if they may read it; otherwise as if they
/// did not exist, and the refusal of `action` traced.
async fn visible(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    episode_id: &str,
    item_id: &str,
) -> Result<EpisodeInfo, ApiError> {
    let episode =
        visible_episodes(state, asker).await?.into_iter().find(|episode| episode.id == episode_id);
    match episode {
        Some(episode) if may_read_item(state, asker, item_id).await? => Ok(episode),
        _ => {
            let refused = Some(trace::NOT_FOUND.to_owned());
            trace::read(state, asker, origin, action, Some(item_id), refused).await?;
            Err(ApiError::NotFound)
        }
    }
}

/// Whether the asker may read the document or profile entry with this identifier.
async fn may_read_item(state: &AppState, asker: &Asker, item_id: &str) -> Result<bool, ApiError> {
    if let Some(document) = state.store.document(&asker.record.id, item_id).await? {
        return Ok(documents::may_read(state, asker, &document));
    }
    if let Some(entry) = state.store.entry(&asker.record.id, item_id).await? {
        return Ok(profile::may_read(state, asker, &entry));
    }
    Ok(false)
}

pub async fn tag(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, episode_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<StatusCode, ApiError> {
    let item = &request.item_id;
    let episode =
        visible(&state, &asker, &origin, AuditAction::EpisodeTag, &episode_id, item).await?;
    let episodes = Item::about(Subject::Episodes);
    trace::require(
        &state,
        &asker,
        &origin,
        AuditAction::EpisodeTag,
        Some(item),
        Action::Write,
        &episodes,
    )
    .await?;
    let now = state.clock.now();
    trace::change(&state, &asker, &origin, AuditAction::EpisodeTag, Some(item), async |rows| {
        state.store.tag(&episode.id, item, &asker.party, now, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a tag: the patient side, or whoever put it there.
pub async fn untag(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, episode_id, item_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let action = AuditAction::EpisodeUntag;
    let episode = visible(&state, &asker, &origin, action, &episode_id, &item_id).await?;
    let tag = state
        .store
        .episode_tags(&asker.record.id)
        .await?
        .into_iter()
        .find(|tag| tag.episode_id == episode.id && tag.item_id == item_id);
    let Some(tag) = tag else {
        let refused = Some(trace::NOT_FOUND.to_owned());
        trace::read(&state, &asker, &origin, action, Some(&item_id), refused).await?;
        return Err(ApiError::NotFound);
    };
    // The patient's side, or whoever put it there.
    let tagged = Item {
        author: Some(crate::asker::author_of(&tag.tagger)),
        ..Item::about(Subject::Episodes)
    };
    trace::require(&state, &asker, &origin, action, Some(&item_id), Action::Withdraw, &tagged)
        .await?;
    trace::change(&state, &asker, &origin, action, Some(&item_id), async |rows| {
        state.store.untag(&episode.id, &item_id, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
