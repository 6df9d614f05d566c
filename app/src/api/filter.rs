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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::MediaType;

    fn document(
        title: &str,
        category: Category,
        care_date: &str,
        author: AuthorInfo,
    ) -> DocumentInfo {
        DocumentInfo {
            id: "d".into(),
            version: 1,
            title: title.into(),
            category,
            domain: None,
            type_code: None,
            care_date: care_date.into(),
            media_type: MediaType::Pdf,
            size: 1,
            author,
            masked: false,
            hidden_from_representatives: false,
            awaiting_announcement: false,
            deposited_at: 0,
            withdrawn: false,
            episodes: vec!["grossesse".into()],
            allowed: Vec::new(),
        }
    }

    fn filter(f: DocumentFilter) -> CheckedFilter {
        f.check().unwrap()
    }

    #[test]
    fn every_part_narrows_and_all_combine() {
        let doctor =
            AuthorInfo::Professional { rpps: "10000000009".into(), name: "Anne Martin".into() };
        let echo = document("Échographie du 2e trimestre", Category::Imaging, "2026-03-10", doctor);
        let own =
            document("Journal de tension", Category::PatientOwn, "2026-11-20", AuthorInfo::Patient);
        let all = DocumentFilter::default().check().unwrap();
        assert!(all.is_empty() && all.matches(&echo) && all.matches(&own));

        let imaging =
            filter(DocumentFilter { category: Some(Category::Imaging), ..Default::default() });
        assert!(imaging.matches(&echo) && !imaging.matches(&own));
        let by_patient =
            filter(DocumentFilter { author: Some("patient".into()), ..Default::default() });
        assert!(!by_patient.matches(&echo) && by_patient.matches(&own));
        let by_doctor =
            filter(DocumentFilter { author: Some("10000000009".into()), ..Default::default() });
        assert!(by_doctor.matches(&echo) && !by_doctor.matches(&own));
        let spring = filter(DocumentFilter {
            from: Some("2026-03-10".into()),
            to: Some("2026-06-30".into()),
            ..Default::default()
        });
        assert!(spring.matches(&echo) && !spring.matches(&own), "both ends are included");
        let words = filter(DocumentFilter {
            q: Some("  ECHOGRAPHIE trimestre ".into()),
            ..Default::default()
        });
        assert!(words.matches(&echo) && !words.matches(&own));
        let missing =
            filter(DocumentFilter { q: Some("échographie tension".into()), ..Default::default() });
        assert!(!missing.matches(&echo), "every word must be there");
        let both = filter(DocumentFilter {
            category: Some(Category::Imaging),
            author: Some("patient".into()),
            ..Default::default()
        });
        assert!(!both.matches(&echo));
        let tagged =
            filter(DocumentFilter { episode: Some("grossesse".into()), ..Default::default() });
        let other =
            filter(DocumentFilter { episode: Some("diabete".into()), ..Default::default() });
        assert!(tagged.matches(&echo) && !other.matches(&echo));
    }

    #[test]
    fn words_are_found_in_the_text_too() {
        let terms = search_terms("Compte rendu : HbA1c à 7,2 %. Hémoglobine glyquée stable.", 1000);
        assert_eq!(terms, "compte rendu hba1c a 7 2 hemoglobine glyquee stable");
        let words =
            filter(DocumentFilter { q: Some("glyquée compte".into()), ..Default::default() });
        assert!(words.has_words("Bilan", Some(&terms)));
        assert!(!words.has_words("Bilan", None), "without the text, only the title counts");
        let title_and_text =
            filter(DocumentFilter { q: Some("bilan stable".into()), ..Default::default() });
        assert!(title_and_text.has_words("Bilan", Some(&terms)), "a word may come from either");
        assert_eq!(search_terms("un deux un trois", 8), "un deux", "distinct words, capped");
    }

    #[test]
    fn bad_filters_are_refused() {
        let date = DocumentFilter { from: Some("2026-02-30".into()), ..Default::default() };
        assert_eq!(date.check(), Err(FilterError::Date));
        let period = DocumentFilter {
            from: Some("2026-05-01".into()),
            to: Some("2026-04-01".into()),
            ..Default::default()
        };
        assert_eq!(period.check(), Err(FilterError::Period));
        let long = DocumentFilter { q: Some("x".repeat(101)), ..Default::default() };
        assert_eq!(long.check(), Err(FilterError::Query));
        let blank =
            DocumentFilter { from: Some(" ".into()), q: Some(String::new()), ..Default::default() };
        assert!(blank.check().unwrap().is_empty());
        assert!(serde_json::from_str::<DocumentFilter>(r#"{"colour":"red"}"#).is_err());
    }

    #[test]
    fn query_strings() {
        assert_eq!(DocumentFilter::default().query_string(), "");
        let filter = DocumentFilter {
            category: Some(Category::LabResults),
            q: Some("à jeun".into()),
            from: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(filter.query_string(), "?category=lab_results&q=%C3%A0+jeun");
    }
}
