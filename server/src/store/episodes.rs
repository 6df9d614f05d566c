//! Storage of a record's care episodes and the items tagged with them. Titles arrive sealed.

use async_trait::async_trait;

use super::AuditRows;
use super::{AccountId, EpisodeId, Matched, Party, StoreError};
use crate::vault::WrappedKey;

#[async_trait]
pub trait EpisodeStore: Send + Sync + 'static {
    /// Creates the episode and its data key together.
    async fn create_episode(
        &self,
        episode: &NewEpisode<'_>,
        audit: &AuditRows,
    ) -> Result<(), StoreError>;
    /// The record's episodes, oldest first.
    async fn episodes(&self, account_id: &AccountId) -> Result<Vec<EpisodeRecord>, StoreError>;
    /// Every tag of the record's episodes.
    async fn episode_tags(&self, account_id: &AccountId) -> Result<Vec<TagRecord>, StoreError>;
    /// `false` if the item was tagged with it already.
    async fn tag(
        &self,
        episode_id: &EpisodeId,
        item_id: &str,
        tagger: &Party,
        now: i64,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
    /// `false` if the item was not tagged with it.
    async fn untag(
        &self,
        episode_id: &EpisodeId,
        item_id: &str,
        audit: &AuditRows,
    ) -> Result<Matched, StoreError>;
}

pub struct NewEpisode<'a> {
    pub id: &'a EpisodeId,
    pub account_id: &'a AccountId,
    pub data_key: &'a str,
    pub key: &'a WrappedKey,
    pub sealed_title: &'a [u8],
    pub author: &'a Party,
    pub now: i64,
}

/// An episode of care. No `Debug`: the title opens to health content.
#[derive(Clone)]
pub struct EpisodeRecord {
    pub id: EpisodeId,
    pub data_key: String,
    pub key: WrappedKey,
    pub sealed_title: Vec<u8>,
    pub author: Party,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRecord {
    pub episode_id: EpisodeId,
    pub item_id: String,
    pub tagger: Party,
}
