//! Drug–drug interactions from the ANSM thesaurus (the French medicines agency's "Thésaurus des
//! interactions médicamenteuses"): a new treatment is checked against every current one, at the
//! substance level and at the level of the drug classes the thesaurus names, with all four
//! severity levels, the mechanism and the advice. Pure: the server and the browser (offline)
//! load the same compact file (`app/data/ansm-interactions.json`, made by
//! `scripts/ansm-convert.mjs`) and give the same answer.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::vocabulary::fold;

/// Where the data comes from, to show wherever it is shown.
pub const SOURCE: &str = "ANSM, Thésaurus des interactions médicamenteuses, octobre 2020";

/// How serious an interaction is, most serious first (the thesaurus's four levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Contre-indication.
    Contraindication,
    /// Association déconseillée.
    NotRecommended,
    /// Précaution d'emploi.
    Precaution,
    /// À prendre en compte.
    ToConsider,
}

/// One severity level of an interaction, with what to do (may be empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub severity: Severity,
    pub advice: String,
}

/// An interaction as the thesaurus states it: between two substances or drug classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub main: String,
    pub plus: String,
    pub mechanism: String,
    /// Most severe first; several when the severity depends on the dose or the situation.
    pub levels: Vec<Level>,
}

impl Interaction {
    pub fn severity(&self) -> Severity {
        self.levels.iter().map(|level| level.severity).min().unwrap_or(Severity::ToConsider)
    }
}

/// What the check found between the new treatment and one current treatment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The current treatment's substance, as the person wrote it.
    pub current: String,
    pub interaction: Interaction,
    /// When the current treatment is a medicine the pharmacy dispensed (the care history), the
    /// day it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensed: Option<crate::date::Date>,
}

/// Why a new treatment duplicates a current one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "class", rename_all = "snake_case")]
pub enum Duplication {
    SameSubstance,
    /// Both belong to this drug class of the thesaurus.
    SameClass(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    pub current: String,
    pub reason: Duplication,
    /// As for [`Finding::dispensed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispensed: Option<crate::date::Date>,
}

/// What the check found for one substance of a prescription: against the current treatments and
/// against the substances prescribed before it in the same prescription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescribed {
    pub substance: String,
    pub interactions: Vec<Finding>,
    pub duplicates: Vec<Duplicate>,
}

/// `POST /api/records/{record}/interactions/check`: substances about to be prescribed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionCheck {
    pub substances: Vec<String>,
}

/// Most substances on one prescription.
pub const PRESCRIPTION_MAX_SUBSTANCES: usize = 20;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThesaurusError {
    #[error("not a carnet-ansm-interactions/1 file")]
    Format,
    #[error("a substance names a drug class that is not in the file")]
    UnknownClass,
}

/// An interaction as the file writes it: main, plus, mechanism, levels with their advice.
type FileInteraction = (String, String, String, Vec<(Severity, String)>);

#[derive(Deserialize)]
struct File {
    format: String,
    classes: Vec<String>,
    substances: Vec<(String, Vec<u16>)>,
    interactions: Vec<FileInteraction>,
}

/// A class of more members than this groups drugs by a risk they share (sedatives, drugs
/// lowering blood pressure, CYP3A4 substrates…), not by what they treat: two of its members
/// are not a duplicate.
const DUPLICATE_CLASS_MAX_MEMBERS: usize = 30;

/// The thesaurus, indexed for checking.
#[derive(Debug)]
pub struct Thesaurus {
    classes: Vec<String>,
    /// How many substances each class has.
    class_sizes: Vec<usize>,
    /// Folded substance name → its name as written and its classes (indices into `classes`).
    substances: HashMap<String, (String, Vec<u16>)>,
    /// Folded name (substance, class or other) → the interactions it is a side of.
    sides: HashMap<String, Vec<u32>>,
    interactions: Vec<Interaction>,
}

impl Thesaurus {
    pub fn parse(json: &str) -> Result<Self, ThesaurusError> {
        let file: File = serde_json::from_str(json).map_err(|_| ThesaurusError::Format)?;
        if file.format != "carnet-ansm-interactions/1" {
            return Err(ThesaurusError::Format);
        }
        let mut substances = HashMap::with_capacity(file.substances.len());
        let mut class_sizes = vec![0; file.classes.len()];
        for (name, classes) in file.substances {
            for &class in &classes {
                *class_sizes.get_mut(usize::from(class)).ok_or(ThesaurusError::UnknownClass)? += 1;
            }
            substances.insert(fold(&name), (name, classes));
        }
        let mut sides: HashMap<String, Vec<u32>> = HashMap::new();
        let mut interactions = Vec::with_capacity(file.interactions.len());
        // The thesaurus states most interactions twice, once from each side: keep one.
        let mut seen = HashSet::new();
        for (main, plus, mechanism, levels) in file.interactions {
            let (a, b) = (fold(&main), fold(&plus));
            let pair = if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
            if !seen.insert(pair) {
                continue;
            }
            let index = u32::try_from(interactions.len()).map_err(|_| ThesaurusError::Format)?;
            sides.entry(a).or_default().push(index);
            sides.entry(b).or_default().push(index);
            let levels = levels.into_iter().map(|(severity, advice)| Level { severity, advice });
            interactions.push(Interaction { main, plus, mechanism, levels: levels.collect() });
        }
        Ok(Self { classes: file.classes, class_sizes, substances, sides, interactions })
    }

    /// The data built into the server (the browser fetches the same file rather than carry it
    /// in its bundle).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn embedded() -> &'static Self {
        static THESAURUS: std::sync::OnceLock<Thesaurus> = std::sync::OnceLock::new();
        THESAURUS.get_or_init(|| {
            Self::parse(include_str!("../../data/ansm-interactions.json"))
                .expect("the embedded thesaurus is checked by the tests")
        })
    }

    pub fn interaction_count(&self) -> usize {
        self.interactions.len()
    }

    /// Whether the thesaurus knows this substance (case and accents ignored).
    pub fn knows(&self, substance: &str) -> bool {
        self.substances.contains_key(&fold(substance.trim()))
    }

    /// The names under which the thesaurus may speak of a substance: itself and its classes.
    fn names(&self, substance: &str) -> Vec<String> {
        let own = fold(substance.trim());
        let mut names = vec![own.clone()];
        for &class in self.substances.get(&own).into_iter().flat_map(|(_, classes)| classes) {
            names.push(fold(&self.classes[usize::from(class)]));
        }
        names
    }

    /// Every interaction between `new` and each of `current`, most severe first.
    pub fn check(&self, new: &str, current: &[String]) -> Vec<Finding> {
        let new_names = self.names(new);
        let mut found = Vec::new();
        for other in current {
            if fold(other.trim()) == new_names[0] {
                continue;
            }
            let other_names: HashSet<String> = self.names(other).into_iter().collect();
            let mut indices: Vec<u32> = new_names
                .iter()
                .filter_map(|name| self.sides.get(name))
                .flatten()
                .copied()
                .filter(|&index| {
                    let interaction = &self.interactions[index as usize];
                    let (a, b) = (fold(&interaction.main), fold(&interaction.plus));
                    (new_names.contains(&a) && other_names.contains(&b))
                        || (new_names.contains(&b) && other_names.contains(&a))
                })
                .collect();
            indices.sort_unstable();
            indices.dedup();
            found.extend(indices.into_iter().map(|index| Finding {
                current: other.clone(),
                interaction: self.interactions[index as usize].clone(),
                dispensed: None,
            }));
        }
        found.sort_by_key(|finding| finding.interaction.severity());
        found
    }

    /// The current treatments that `new` duplicates: the same substance, or a therapeutic drug
    /// class both belong to (the smallest such class is named; see
    /// [`DUPLICATE_CLASS_MAX_MEMBERS`]; the thesaurus's "autres …" classes repeat their base
    /// class and are left out).
    pub fn duplicates(&self, new: &str, current: &[String]) -> Vec<Duplicate> {
        let own = fold(new.trim());
        let classes: HashSet<u16> = self
            .substances
            .get(&own)
            .into_iter()
            .flat_map(|(_, classes)| classes)
            .copied()
            .collect();
        let mut out = Vec::new();
        for other in current {
            let theirs = fold(other.trim());
            if theirs == own {
                let reason = Duplication::SameSubstance;
                out.push(Duplicate { current: other.clone(), reason, dispensed: None });
                continue;
            }
            let shared = self
                .substances
                .get(&theirs)
                .into_iter()
                .flat_map(|(_, classes)| classes)
                .filter(|class| classes.contains(class))
                .filter(|&&class| {
                    let size = self.class_sizes[usize::from(class)];
                    size <= DUPLICATE_CLASS_MAX_MEMBERS
                        && !fold(&self.classes[usize::from(class)]).starts_with("autres ")
                })
                .min_by_key(|&&class| self.class_sizes[usize::from(class)]);
            if let Some(&class) = shared {
                let class = self.classes[usize::from(class)].clone();
                out.push(Duplicate {
                    current: other.clone(),
                    reason: Duplication::SameClass(class),
                    dispensed: None,
                });
            }
        }
        out
    }

    /// Each prescribed substance checked against the current treatments and the substances
    /// listed before it; only substances with something found are returned.
    pub fn check_prescription(&self, prescribed: &[String], current: &[String]) -> Vec<Prescribed> {
        let mut out = Vec::new();
        for (index, substance) in prescribed.iter().enumerate() {
            let mut against = current.to_vec();
            against.extend(prescribed[..index].iter().cloned());
            let interactions = self.check(substance, &against);
            let duplicates = self.duplicates(substance, &against);
            if !interactions.is_empty() || !duplicates.is_empty() {
                out.push(Prescribed { substance: substance.clone(), interactions, duplicates });
            }
        }
        out
    }

    /// Substances whose name starts with `prefix` (case and accents ignored), for suggestions.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<&str> {
        let prefix = fold(prefix.trim());
        if prefix.chars().count() < 2 {
            return Vec::new();
        }
        let mut names: Vec<&str> = self
            .substances
            .iter()
            .filter(|(folded, _)| folded.starts_with(&prefix))
            .map(|(_, (name, _))| name.as_str())
            .collect();
        names.sort_unstable();
        names.truncate(limit);
        names
    }
}
