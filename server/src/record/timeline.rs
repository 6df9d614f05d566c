//! The timeline of a record over HTTP. It gathers the documents and profile entries the asker
//! may read (each through `app::policy::decide`), turns them into items with
//! `app::api::timeline`, filters, sorts and sends one page, each item with the care episodes
//! it is tagged with (`episodes.rs`).

use crate::audit::AuditAction;
use std::{collections::HashMap, sync::Arc};

use app::api::{
    InputError,
    filter::{CheckedFilter, Facts, FilterError, search_terms},
    record::AuthorInfo,
    timeline::{
        self, Happening, TimelineItem, TimelineKind, TimelinePage, TimelineQuery, care_events,
        entry_words,
    },
    validate::Date,
};
use axum::{Json, extract::State};

use super::documents;
use crate::asker::{Asker, Names, author_info, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiQuery, Origin},
    profile,
    store::{AccountId, DocumentFacts, DocumentId, EntryId, EntryRecord, UploadRecord},
    vault::Sealed,
};

/// Most words kept for searching one text document (its distinct words, folded).
pub const TERMS_MAX_BYTES: usize = 64 * 1024;

fn terms_context(upload_id: &str) -> String {
    format!("document-terms/{upload_id}")
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
    record_id: &AccountId,
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut tags = HashMap::<String, Vec<String>>::new();
    for tag in state.store.episode_tags(record_id).await? {
        tags.entry(tag.item_id).or_default().push(tag.episode_id.into());
    }
    Ok(tags)
}

pub fn checked_filter(
    filter: &app::api::filter::DocumentFilter,
) -> Result<CheckedFilter, ApiError> {
    filter.check().map_err(|error| match error {
        FilterError::Date => ApiError::input("from", InputError::DateInvalid),
        FilterError::Period => ApiError::input("to", InputError::PeriodInvalid),
        FilterError::Query => ApiError::input("q", InputError::QueryInvalid),
    })
}

/// The documents (their facts) and profile entries the asker may read.
pub(super) struct Readable {
    all: Arc<Vec<DocumentFacts>>,
    documents: Vec<usize>,
    pub entries: Vec<EntryRecord>,
}

impl Readable {
    pub fn documents(&self) -> impl Iterator<Item = &DocumentFacts> {
        self.documents.iter().map(|at| &self.all[*at])
    }
}

pub(super) async fn readable_items(state: &AppState, asker: &Asker) -> Result<Readable, ApiError> {
    let all = state.store.document_facts(&asker.record.id).await?;
    let documents =
        (0..all.len()).filter(|at| documents::may_read(state, asker, &all[*at])).collect();
    let mut entries = Vec::new();
    for entry in state.store.entries(&asker.record.id).await? {
        if profile::may_read(state, asker, &entry) {
            entries.push(entry);
        }
    }
    Ok(Readable { all, documents, entries })
}

/// A line of the timeline being made: a document (its facts, made an item only if it is on the
/// page), or an item already.
enum Row<'a> {
    Document { facts: &'a DocumentFacts, author: AuthorInfo, episodes: Vec<String> },
    Item(Box<TimelineItem>),
}

impl timeline::Placed for Row<'_> {
    fn place(&self) -> timeline::Place<'_> {
        match self {
            Row::Document { facts, .. } => timeline::Place {
                date: &facts.care_date,
                at: facts.deposited_at,
                item_id: facts.id.as_str(),
                kind: TimelineKind::Document,
            },
            Row::Item(item) => item.place(),
        }
    }
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
    let readable = readable_items(&state, &asker).await?;
    let entries = &readable.entries;
    let tags = tags_by_item(&state, &asker.record.id).await?;
    let episodes_of = |id: &str| tags.get(id).cloned().unwrap_or_default();
    let mut names = Names::new();
    let mut items = Vec::new();
    let mut titles = HashMap::<DocumentId, String>::new();

    if wanted(TimelineKind::Document) {
        let mut admitted = Vec::new();
        for document in readable.documents() {
            let author = author_info(&state, &document.author, &mut names).await?;
            let episodes = episodes_of(&document.id);
            if documents::facts_admit(&filter, document, &author, &episodes) {
                admitted.push((document, author, episodes));
            }
        }
        // Titles are opened here only to look for words in them; otherwise once the page is
        // chosen, for the documents on it.
        if filter.searches() {
            let ids: Vec<&DocumentId> =
                admitted.iter().map(|(document, ..)| &document.id).collect();
            let opened = documents::opened(&state, &asker.record.id, &ids, true).await?;
            admitted.retain_mut(|(document, ..)| {
                opened
                    .get(&document.id)
                    .is_some_and(|(title, text)| filter.has_words(title, text.as_deref()))
            });
            titles = opened.into_iter().map(|(id, (title, _))| (id, title)).collect();
        }
        items.extend(admitted.into_iter().map(|(facts, author, episodes)| Row::Document {
            facts,
            author,
            episodes,
        }));
    }

    let profile_wanted = wanted(TimelineKind::ProfileChange) || wanted(TimelineKind::CareEvent);
    if profile_wanted && query.filter.category.is_none() {
        let today = state.clock.today();
        let mut stamps = HashMap::<EntryId, Vec<crate::store::VersionStamp>>::new();
        for stamp in state.store.version_stamps(&asker.record.id).await? {
            stamps.entry(stamp.entry_id.clone()).or_default().push(stamp);
        }
        for entry in entries {
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
                    items.push(Row::Item(Box::new(item)));
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
                            entry_id: entry.id.to_string(),
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
                            entry_id: entry.id.to_string(),
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
                            entry_id: entry.id.to_string(),
                            entry: content.clone(),
                            version: entry.version,
                            removed: true,
                        },
                    });
                }
            }
        }
    }

    // Sorted as they are; a document becomes an item only once it is on the page.
    timeline::sort(&mut items);
    let total = items.len();
    let (shown, next) = timeline::window(total, query.offset.unwrap_or(0));
    let rows: Vec<Row> = items.into_iter().skip(shown.start).take(shown.len()).collect();
    if !filter.searches() {
        let ids: Vec<&DocumentId> = rows
            .iter()
            .filter_map(|row| match row {
                Row::Document { facts, .. } => Some(&facts.id),
                Row::Item(_) => None,
            })
            .collect();
        titles = documents::opened(&state, &asker.record.id, &ids, false)
            .await?
            .into_iter()
            .map(|(id, (title, _))| (id, title))
            .collect();
    }
    let items = rows
        .into_iter()
        .map(|row| match row {
            Row::Item(item) => *item,
            Row::Document { facts, author, episodes } => TimelineItem {
                date: facts.care_date.clone(),
                at: facts.deposited_at,
                author: author.clone(),
                episodes,
                happening: Happening::Document {
                    // A document gone since its facts were read (purged with its record)
                    // keeps no title.
                    document: documents::described(
                        facts,
                        titles.remove(&facts.id).unwrap_or_default(),
                        author,
                    ),
                },
            },
        })
        .collect();
    let page = TimelinePage { items, total, next };
    trace::read(&state, &asker, &origin, AuditAction::TimelineList, None, None).await?;
    Ok(Json(page))
}
