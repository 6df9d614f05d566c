//! The access matrix: what each profession (and, where it matters, specialty) may read and
//! deposit, by document category and profile section, and which clinical domains it never sees.
//! Data, not code: a versioned JSON file (`app/policy/access-matrix.json` is the default,
//! documented in `docs/access-matrix.md`), checked when it is loaded.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, de::DeserializeOwned};

use crate::directory::{Profession, valid_specialty};
use crate::vocabulary::{Category, Domain, Section};

pub const FORMAT: &str = "carnet-access-matrix/1";
/// The default matrix, following the reference system.
pub const DEFAULT_JSON: &str = include_str!("../../policy/access-matrix.json");

/// What one profession (or one specialty of it) may do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rights {
    pub read: BTreeSet<Category>,
    pub profile: BTreeSet<Section>,
    pub write: BTreeSet<Category>,
    pub profile_write: BTreeSet<Section>,
    pub excluded_domains: BTreeSet<Domain>,
}

static NO_RIGHTS: Rights = Rights {
    read: BTreeSet::new(),
    profile: BTreeSet::new(),
    write: BTreeSet::new(),
    profile_write: BTreeSet::new(),
    excluded_domains: BTreeSet::new(),
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessMatrix {
    version: String,
    base: BTreeMap<Profession, Rights>,
    /// By profession, then specialty: looked up with a borrowed name, on every decision.
    by_specialty: BTreeMap<Profession, BTreeMap<String, Rights>>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    #[error("not an access matrix: {0}")]
    Json(String),
    #[error("unknown format {0:?}; expected {FORMAT:?}")]
    Format(String),
    #[error("rule {index}: {problem}")]
    Rule { index: usize, problem: String },
    #[error("no rule for the profession {0:?}: every profession needs one")]
    Missing(&'static str),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    version: String,
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    profession: Profession,
    #[serde(default)]
    specialty: Option<String>,
    read: Vec<String>,
    profile: Vec<String>,
    write: Vec<String>,
    profile_write: Vec<String>,
    excluded_domains: Vec<String>,
}

/// Reads a list of codes; `"*"` alone means all of them.
fn codes<T: DeserializeOwned + Ord + Copy>(
    list: &[String],
    all: &[T],
    what: &str,
) -> Result<BTreeSet<T>, String> {
    if list.len() == 1 && list[0] == "*" {
        return Ok(all.iter().copied().collect());
    }
    let mut set = BTreeSet::new();
    for code in list {
        let value: T = serde_json::from_value(serde_json::Value::String(code.clone()))
            .map_err(|_| format!("unknown {what} {code:?}"))?;
        if !set.insert(value) {
            return Err(format!("{what} {code:?} is listed twice"));
        }
    }
    Ok(set)
}

impl AccessMatrix {
    pub fn parse(text: &str) -> Result<Self, MatrixError> {
        let file: File =
            serde_json::from_str(text).map_err(|error| MatrixError::Json(error.to_string()))?;
        if file.format != FORMAT {
            return Err(MatrixError::Format(file.format));
        }
        let mut base = BTreeMap::new();
        let mut by_specialty = BTreeMap::new();
        for (i, rule) in file.rules.into_iter().enumerate() {
            let problem = |problem: String| MatrixError::Rule { index: i + 1, problem };
            let rights = Rights {
                read: codes(&rule.read, &Category::ALL, "category").map_err(problem)?,
                profile: codes(&rule.profile, &Section::ALL, "section").map_err(problem)?,
                write: codes(&rule.write, &Category::ALL, "category").map_err(problem)?,
                profile_write: codes(&rule.profile_write, &Section::ALL, "section")
                    .map_err(problem)?,
                excluded_domains: codes(&rule.excluded_domains, &Domain::ALL, "domain")
                    .map_err(problem)?,
            };
            // One may only deposit what one may read.
            if !rights.write.is_subset(&rights.read)
                || !rights.profile_write.is_subset(&rights.profile)
            {
                return Err(problem("writes something it may not read".into()));
            }
            let duplicate = match rule.specialty {
                None => base.insert(rule.profession, rights).is_some(),
                Some(specialty) if valid_specialty(&specialty) => by_specialty
                    .entry(rule.profession)
                    .or_insert_with(BTreeMap::new)
                    .insert(specialty, rights)
                    .is_some(),
                Some(specialty) => return Err(problem(format!("bad specialty {specialty:?}"))),
            };
            if duplicate {
                return Err(problem(format!("a second rule for {:?}", rule.profession)));
            }
        }
        if let Some(missing) = Profession::ALL.iter().find(|p| !base.contains_key(p)) {
            return Err(MatrixError::Missing(missing.code()));
        }
        Ok(Self { version: file.version, base, by_specialty })
    }

    /// The matrix of the reference system, embedded in the binary.
    pub fn reference() -> Self {
        // Checked by a unit test: the embedded file always parses.
        Self::parse(DEFAULT_JSON).unwrap_or_else(|_| Self {
            version: "invalid".into(),
            base: BTreeMap::new(),
            by_specialty: BTreeMap::new(),
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The rights of a profession, or of its specialty when the matrix has a rule for it. A
    /// profession with no rule has no rights (deny by default).
    pub fn rights(&self, profession: Profession, specialty: Option<&str>) -> &Rights {
        specialty
            .and_then(|s| self.by_specialty.get(&profession)?.get(s))
            .or_else(|| self.base.get(&profession))
            .unwrap_or(&NO_RIGHTS)
    }
}
