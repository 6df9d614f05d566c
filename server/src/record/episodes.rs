//! A record's care episodes over HTTP: named groups of documents and profile entries. An
//! episode is seen by the patient side, by its author, and by whoever may read one of the items
//! tagged with it; an item is tagged or untagged only by someone who may read it.

use crate::audit::AuditAction;
use std::collections::{HashMap, HashSet};

use app::{
    api::InputError,
    api::timeline::{self, EpisodeInfo, NewEpisode, TagRequest},
    policy::{Action, Item},
    vocabulary::Subject,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use super::documents;
use crate::asker::{Asker, Names, Who, author_info, trace};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiJson, Origin},
    profile,
    store::{DocumentId, EntryId, EpisodeId, NewEpisode as StoredEpisode},
    vault::{Sealed, new_id},
};

fn episode_context(episode_id: &str) -> String {
    format!("episode-title/{episode_id}")
}

/// The episodes the asker may see, with how many of their items the asker may read.
async fn visible_episodes(state: &AppState, asker: &Asker) -> Result<Vec<EpisodeInfo>, ApiError> {
    let items = super::timeline::readable_items(state, asker).await?;
    let readable: HashSet<&str> = items
        .documents()
        .map(|d| d.id.as_str())
        .chain(items.entries.iter().map(|e| e.id.as_str()))
        .collect();
    let mut counts = HashMap::<EpisodeId, u32>::new();
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
            id: episode.id.to_string(),
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
    let id = EpisodeId::new(new_id());
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
    Ok((
        StatusCode::CREATED,
        Json(EpisodeInfo { id: id.into(), title, author, created_at: now, items: 0 }),
    ))
}

/// The episode if the asker may see it and the item if they may read it; otherwise as if they
/// did not exist, and the refusal of `action` traced.
async fn visible(
    state: &AppState,
    asker: &Asker,
    origin: &Origin,
    action: AuditAction,
    episode_id: &EpisodeId,
    item_id: &str,
) -> Result<EpisodeInfo, ApiError> {
    let episode =
        visible_episodes(state, asker).await?.into_iter().find(|episode| *episode_id == episode.id);
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
    if let Some(document) =
        state.store.document(&asker.record.id, &DocumentId::new(item_id)).await?
    {
        return Ok(documents::may_read(state, asker, &document));
    }
    if let Some(entry) = state.store.entry(&asker.record.id, &EntryId::new(item_id)).await? {
        return Ok(profile::may_read(state, asker, &entry));
    }
    Ok(false)
}

pub async fn tag(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, episode_id)): Path<(String, EpisodeId)>,
    ApiJson(request): ApiJson<TagRequest>,
) -> Result<StatusCode, ApiError> {
    let item = &request.item_id;
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
        state.store.tag(&episode_id, item, &asker.party, now, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a tag: the patient side, or whoever put it there.
pub async fn untag(
    State(state): State<AppState>,
    asker: Asker,
    origin: Origin,
    Path((_, episode_id, item_id)): Path<(String, EpisodeId, String)>,
) -> Result<StatusCode, ApiError> {
    let action = AuditAction::EpisodeUntag;
    visible(&state, &asker, &origin, action, &episode_id, &item_id).await?;
    let tag = state
        .store
        .episode_tags(&asker.record.id)
        .await?
        .into_iter()
        .find(|tag| tag.episode_id == episode_id && tag.item_id == item_id);
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
        state.store.untag(&episode_id, &item_id, rows).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
