//! Finding documents and timeline items in a record: by category, author, period, care episode
//! and words (of the title, and of the text of text documents). Pure, so the server filters with
//! it and the browser can filter a cached list the same way offline. The filter only narrows what
//! the access policy already let through.

use serde::{Deserialize, Serialize};

use crate::api::record::{AuthorInfo, DocumentInfo};
use crate::vocabulary::Category;
use crate::{date::Date, vocabulary::fold};

/// Longest search text, in characters.
pub const QUERY_MAX_CHARS: usize = 100;

/// `GET /api/records/{record}/documents?category=…&author=…&from=…&to=…&q=…`; every part is
/// optional, and the parts combine (all must match).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentFilter {
    pub category: Option<Category>,
    /// `patient`, `insurer`, or a professional's RPPS.
    pub author: Option<String>,
    /// First day of care, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day of care, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Words that must all appear in the title or the text (case and accents ignored).
    pub q: Option<String>,
    /// A care episode's identifier: only what is tagged with it.
    pub episode: Option<String>,
}

/// `GET /api/records/{record}/documents?…&limit=N`: the filter's parts, and at most `limit`
/// documents (the newest care first; all of them without it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsQuery {
    #[serde(flatten)]
    pub filter: DocumentFilter,
    #[serde(default, deserialize_with = "number_text")]
    pub limit: Option<usize>,
    /// Whatever else the query said (a flattened query cannot refuse it itself): refused.
    #[serde(flatten, skip_serializing)]
    pub unknown: std::collections::BTreeMap<String, String>,
}

/// A number sent as query text (a flattened query hands every value over as text).
pub(crate) fn number_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<usize>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Why a filter cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterError {
    /// `from` or `to` is not a date.
    Date,
    /// `from` is after `to`.
    Period,
    Query,
}

/// A filter checked and ready to apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedFilter {
    category: Option<Category>,
    author: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    words: Vec<String>,
    episode: Option<String>,
}

/// What a filter looks at in an item, besides its words.
pub struct Facts<'a> {
    /// A document's category; `None` for what is not a document.
    pub category: Option<Category>,
    pub author: &'a AuthorInfo,
    /// `YYYY-MM-DD`
    pub date: &'a str,
    pub episodes: &'a [String],
}

impl DocumentFilter {
    pub fn check(&self) -> Result<CheckedFilter, FilterError> {
        let day = |text: &Option<String>| -> Result<Option<Date>, FilterError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => Date::parse(text).map(Some).ok_or(FilterError::Date),
            }
        };
        let (from, to) = (day(&self.from)?, day(&self.to)?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(FilterError::Period);
        }
        let q = self.q.as_deref().unwrap_or("");
        if q.chars().count() > QUERY_MAX_CHARS || q.chars().any(char::is_control) {
            return Err(FilterError::Query);
        }
        Ok(CheckedFilter {
            category: self.category,
            author: self.author.clone().filter(|a| !a.trim().is_empty()),
            from,
            to,
            words: fold(q).split_whitespace().map(str::to_owned).collect(),
            episode: self.episode.clone().filter(|e| !e.trim().is_empty()),
        })
    }
}

impl DocumentFilter {
    /// The filter as a query string (`?category=reports&q=…`), empty when it filters nothing.
    pub fn query_string(&self) -> String {
        crate::api::query_string(self.pairs())
    }

    /// The filter's fields that filter something, by their names in a query string.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let category = self.category.map(|c| <&str>::from(c).to_owned());
        [
            ("category", category),
            ("author", self.author.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("q", self.q.clone()),
            ("episode", self.episode.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.filter(|v| !v.trim().is_empty()).map(|v| (name, v)))
        .collect()
    }
}

impl CheckedFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a document's description matches (words in its title only).
    pub fn matches(&self, document: &DocumentInfo) -> bool {
        let facts = Facts {
            category: Some(document.category),
            author: &document.author,
            date: &document.care_date,
            episodes: &document.episodes,
        };
        self.admits(&facts) && self.has_words(&document.title, None)
    }

    /// Whether the item matches on everything but words.
    pub fn admits(&self, facts: &Facts<'_>) -> bool {
        if let Some(category) = self.category
            && facts.category != Some(category)
        {
            return false;
        }
        if let Some(author) = &self.author
            && author_code(facts.author) != author
        {
            return false;
        }
        if self.from.is_some() || self.to.is_some() {
            let Some(day) = Date::parse(facts.date) else { return false };
            if self.from.is_some_and(|from| day < from) || self.to.is_some_and(|to| day > to) {
                return false;
            }
        }
        if let Some(episode) = &self.episode
            && !facts.episodes.contains(episode)
        {
            return false;
        }
        true
    }

    /// Whether the filter searches for words at all.
    pub fn searches(&self) -> bool {
        !self.words.is_empty()
    }

    /// Whether every word is in the title or in `folded_text` (already [`fold`]ed).
    pub fn has_words(&self, title: &str, folded_text: Option<&str>) -> bool {
        if self.words.is_empty() {
            return true;
        }
        let title = fold(title);
        self.words.iter().all(|word| {
            title.contains(word.as_str()) || folded_text.is_some_and(|text| text.contains(word))
        })
    }
}

/// How the filter names an author: `patient`, `insurer` or an RPPS.
pub fn author_code(author: &AuthorInfo) -> &str {
    match author {
        AuthorInfo::Patient => "patient",
        AuthorInfo::Insurer => "insurer",
        AuthorInfo::Professional { rpps, .. } => rpps,
    }
}

/// The distinct words of a text, folded, in first-seen order, at most `max_bytes` long in all:
/// what full-text search looks in, kept sealed beside a text document.
pub fn search_terms(text: &str, max_bytes: usize) -> String {
    let folded = fold(text);
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + word.len() + 1 > max_bytes {
            break;
        }
        if seen.insert(word) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}
