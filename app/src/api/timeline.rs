//! The timeline of a record: everything that happened, newest first — documents by their day of
//! care, changes to the health profile by the day they were written, and care events (a
//! vaccination, a treatment started or stopped, a condition diagnosed…) by the day they took
//! place. Care episodes group items across all three. Pure: the server builds the timeline
//! from what the access policy let through, and the pages only show it.

use serde::{Deserialize, Serialize};

use super::filter::DocumentFilter;
use crate::api::profile::Entry;
use crate::api::record::{AuthorInfo, DocumentInfo};
use crate::date::Date;

/// Items on one page of the timeline: a phone's first screen and a little more.
pub const PAGE_ITEMS: usize = 30;
/// Longest episode title, in characters.
pub const EPISODE_TITLE_MAX_CHARS: usize = 80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum TimelineKind {
    Document,
    ProfileChange,
    CareEvent,
}

/// Something that happened to the patient, read from a profile entry's own dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareEvent {
    Vaccinated,
    ConditionStarted,
    ConditionEnded,
    TreatmentStarted,
    TreatmentStopped,
    Measured,
    DirectivesWritten,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    Document {
        document: DocumentInfo,
    },
    /// A profile entry was written (version 1: created) or removed.
    ProfileChange {
        entry_id: String,
        entry: Entry,
        version: u32,
        removed: bool,
    },
    CareEvent {
        entry_id: String,
        entry: Entry,
        event: CareEvent,
    },
}

impl Happening {
    pub fn kind(&self) -> TimelineKind {
        match self {
            Self::Document { .. } => TimelineKind::Document,
            Self::ProfileChange { .. } => TimelineKind::ProfileChange,
            Self::CareEvent { .. } => TimelineKind::CareEvent,
        }
    }

    /// The document or profile entry it is about: what an episode tags.
    pub fn item_id(&self) -> &str {
        match self {
            Self::Document { document } => &document.id,
            Self::ProfileChange { entry_id, .. } | Self::CareEvent { entry_id, .. } => entry_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineItem {
    /// `YYYY-MM-DD`: the day of care, of the event or of the change.
    pub date: String,
    /// When it was written (Unix seconds): orders the items of one day.
    pub at: i64,
    pub author: AuthorInfo,
    /// The care episodes its document or entry is tagged with.
    pub episodes: Vec<String>,
    pub happening: Happening,
}

/// `GET /api/records/{record}/timeline?kind=…&offset=…` plus every part of [`DocumentFilter`]
/// (a category keeps documents only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineQuery {
    #[serde(default)]
    pub kind: Option<TimelineKind>,
    /// Items to skip: the next page starts at the previous page's `next`.
    #[serde(default, deserialize_with = "super::filter::number_text")]
    pub offset: Option<usize>,
    #[serde(flatten)]
    pub filter: DocumentFilter,
    /// Whatever else the query said (a flattened query cannot refuse it itself): refused.
    #[serde(flatten, skip_serializing)]
    pub unknown: std::collections::BTreeMap<String, String>,
}

impl TimelineQuery {
    pub fn query_string(&self) -> String {
        let mut pairs = self.filter.pairs();
        pairs.extend(self.kind.map(|kind| ("kind", <&str>::from(kind).to_owned())));
        pairs.extend(self.offset.filter(|o| *o > 0).map(|offset| ("offset", offset.to_string())));
        crate::api::query_string(pairs)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub items: Vec<TimelineItem>,
    /// How many items match in all.
    pub total: usize,
    /// The offset of the next page, if there is one.
    pub next: Option<usize>,
}

/// Where an item falls in the timeline: newest first by day, then by when it was written; a
/// stable order for equal items (by item, then kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place<'a> {
    pub date: &'a str,
    pub at: i64,
    pub item_id: &'a str,
    pub kind: TimelineKind,
}

impl Ord for Place<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .date
            .cmp(self.date)
            .then(other.at.cmp(&self.at))
            .then_with(|| (self.item_id, self.kind as u8).cmp(&(other.item_id, other.kind as u8)))
    }
}

impl PartialOrd for Place<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What has a place in the timeline: an item, or what the server will make one of once it
/// knows the item is on the page.
pub trait Placed {
    fn place(&self) -> Place<'_>;
}

impl Placed for TimelineItem {
    fn place(&self) -> Place<'_> {
        Place {
            date: &self.date,
            at: self.at,
            item_id: self.happening.item_id(),
            kind: self.happening.kind(),
        }
    }
}

/// In timeline order.
pub fn sort<T: Placed>(items: &mut [T]) {
    items.sort_by(|a, b| a.place().cmp(&b.place()));
}

/// The positions of the page starting at `offset` among `total` sorted items, and the offset
/// of the next page if there is one.
pub fn window(total: usize, offset: usize) -> (std::ops::Range<usize>, Option<usize>) {
    let end = offset.saturating_add(PAGE_ITEMS).min(total);
    (offset.min(end)..end, (end < total).then_some(end))
}

/// The care events an entry tells of, with their day; none in the future (a planned end of a
/// treatment is not an event yet).
pub fn care_events(entry: &Entry, today: Date) -> Vec<(CareEvent, String)> {
    let mut events = Vec::new();
    let mut push = |event, day: &Option<String>| {
        if let Some(day) = day.as_deref().and_then(Date::parse).filter(|d| *d <= today) {
            events.push((event, day.to_string()));
        }
    };
    match entry {
        Entry::Vaccination { date, .. } => push(CareEvent::Vaccinated, &Some(date.clone())),
        Entry::Measurement { date, .. } => push(CareEvent::Measured, &Some(date.clone())),
        Entry::AdvanceDirectives { date, .. } => {
            push(CareEvent::DirectivesWritten, &Some(date.clone()));
        }
        Entry::Condition { since, until, .. } => {
            push(CareEvent::ConditionStarted, since);
            push(CareEvent::ConditionEnded, until);
        }
        Entry::Treatment { since, until, .. } => {
            push(CareEvent::TreatmentStarted, since);
            push(CareEvent::TreatmentStopped, until);
        }
        Entry::BloodGroup { .. }
        | Entry::Implant { .. }
        | Entry::Allergy { .. }
        | Entry::OrganDonation { .. }
        | Entry::EmergencyContact { .. } => {}
    }
    events
}

/// The words of an entry that search looks in (its free texts; codes are not words).
pub fn entry_words(entry: &Entry) -> String {
    let parts: Vec<&str> = match entry {
        Entry::BloodGroup { .. } => Vec::new(),
        Entry::Allergy { substance, reaction, .. } => vec![substance, reaction],
        Entry::Condition { name, .. } => vec![name],
        Entry::Implant { device, note, .. } => vec![device, note],
        Entry::Treatment { substance, dose, prescriber, .. } => vec![substance, dose, prescriber],
        Entry::Vaccination { vaccine, lot, .. } => vec![vaccine, lot],
        Entry::Measurement { .. } => Vec::new(),
        Entry::AdvanceDirectives { text, .. } => vec![text],
        Entry::OrganDonation { note, .. } => vec![note],
        Entry::EmergencyContact { name, relation, .. } => vec![name, relation],
    };
    crate::vocabulary::fold(&parts.join(" "))
}

/// `POST /api/records/{record}/episodes`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEpisode {
    pub title: String,
}

/// `POST /api/records/{record}/episodes/{episode}/items`: tags a document or a profile entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    pub item_id: String,
}

/// A care episode as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeInfo {
    pub id: String,
    pub title: String,
    pub author: AuthorInfo,
    pub created_at: i64,
    /// Items tagged with it that the asker may see.
    pub items: u32,
}

/// An episode title trimmed, or `None` if it cannot be one.
pub fn episode_title(text: &str) -> Option<String> {
    let title = text.trim();
    let fine = !title.is_empty()
        && title.chars().count() <= EPISODE_TITLE_MAX_CHARS
        && !title.chars().any(char::is_control);
    fine.then(|| title.to_owned())
}
