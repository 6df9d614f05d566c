//! Medicines by the names people use: a brand ("Kardégic", "Doliprane 1000 mg"), a substance
//! ("paracétamol"), or the CIP13 code of a pack a pharmacy dispensed, resolved to the substances
//! the interaction thesaurus knows. Pure: the server and the browser load the same compact file
//! (`app/data/bdpm-medicines.json`, made from the public medicines database by
//! `scripts/bdpm-convert.mjs`) and give the same answer.

use std::collections::HashMap;

use serde::Deserialize;

use crate::vocabulary::fold;

/// Where the data comes from, to show wherever it is shown.
pub const SOURCE: &str = "ANSM — base de données publique des médicaments, juin 2022";

/// The ANSM's substance codes as a FHIR code system (as the French medication guide of
/// Interop'Santé names it): the codes of the BDPM's composition file (ÉZÉTIMIBE is 73242).
pub const SUBSTANCE_SYSTEM: &str = "http://data.esante.gouv.fr/ansm/medicament/substance";

/// Every CIP13 begins with these digits; the file keeps the eight after.
const CIP13_PREFIX: &str = "34009";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MedicinesError {
    #[error("not a carnet-bdpm-medicines/1 file")]
    Format,
}

#[derive(Deserialize)]
struct File {
    format: String,
    substances: Vec<String>,
    /// Each substance's BDPM code, or "" (see [`Medicines::coded_substances`]).
    #[serde(default)]
    substance_codes: Vec<String>,
    /// Name, substance indices, packs (CIP13 suffixes, each as the difference from the one
    /// before).
    medicines: Vec<(String, Vec<u16>, Vec<u32>)>,
}

/// The medicines database, indexed for resolving names and codes.
#[derive(Debug)]
pub struct Medicines {
    substances: Vec<String>,
    /// Each substance's BDPM code, or "" when none is its alone.
    substance_codes: Vec<String>,
    /// Each medicine: its name and its substances (indices into `substances`), and how many packs
    /// it has (the most common of several of one name is the one meant).
    medicines: Vec<(String, Vec<u16>, usize)>,
    /// Folded name → the medicines of that name.
    by_name: HashMap<String, Vec<u32>>,
    /// CIP13 suffix → its medicine.
    by_pack: HashMap<u32, u32>,
    /// Folded substance name → its index.
    by_substance: HashMap<String, u16>,
}

impl Medicines {
    pub fn parse(json: &str) -> Result<Self, MedicinesError> {
        let file: File = serde_json::from_str(json).map_err(|_| MedicinesError::Format)?;
        if file.format != "carnet-bdpm-medicines/1" {
            return Err(MedicinesError::Format);
        }
        let count = file.substances.len();
        let substance_codes = match file.substance_codes.len() {
            0 => vec![String::new(); count],
            codes if codes == count => file.substance_codes,
            _ => return Err(MedicinesError::Format),
        };
        let by_substance = file
            .substances
            .iter()
            .enumerate()
            .filter_map(|(index, name)| Some((fold(name), u16::try_from(index).ok()?)))
            .collect();
        let mut medicines = Vec::with_capacity(file.medicines.len());
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_pack = HashMap::new();
        for (name, substances, packs) in file.medicines {
            if substances.iter().any(|&index| usize::from(index) >= count) {
                return Err(MedicinesError::Format);
            }
            let index = u32::try_from(medicines.len()).map_err(|_| MedicinesError::Format)?;
            let mut pack = 0u32;
            for delta in &packs {
                pack = pack.checked_add(*delta).ok_or(MedicinesError::Format)?;
                by_pack.insert(pack, index);
            }
            by_name.entry(key(&name)).or_default().push(index);
            medicines.push((name, substances, packs.len()));
        }
        Ok(Self {
            substances: file.substances,
            substance_codes,
            medicines,
            by_name,
            by_pack,
            by_substance,
        })
    }

    /// The data built into the server.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn embedded() -> &'static Self {
        static MEDICINES: std::sync::OnceLock<Medicines> = std::sync::OnceLock::new();
        MEDICINES.get_or_init(|| {
            Self::parse(include_str!("../../data/bdpm-medicines.json"))
                .expect("the embedded medicines database is checked by the tests")
        })
    }

    pub fn medicine_count(&self) -> usize {
        self.medicines.len()
    }

    fn names_of(&self, substances: &[u16]) -> Vec<String> {
        substances.iter().map(|&index| self.substances[usize::from(index)].clone()).collect()
    }

    fn pack_substances(&self, cip13: &str) -> Option<&[u16]> {
        let suffix = cip13.trim().strip_prefix(CIP13_PREFIX)?;
        if suffix.len() != 8 || !suffix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let medicine = *self.by_pack.get(&suffix.parse().ok()?)?;
        Some(&self.medicines[medicine as usize].1)
    }

    /// The substances of the pack with this CIP13, if the database lists it.
    pub fn pack(&self, cip13: &str) -> Option<Vec<String>> {
        self.pack_substances(cip13).map(|substances| self.names_of(substances))
    }

    /// The substances `text` names: a substance the database knows is itself; a medicine's name,
    /// with or without its dose and form ("Kardégic", "KARDEGIC 75 mg, poudre…"), is its
    /// substances (of several medicines of one name, the one with the most packs); a CIP13 is its
    /// pack's. Empty when it names nothing known (the caller keeps the text as it is).
    pub fn substances(&self, text: &str) -> Vec<String> {
        self.names_of(&self.resolve(text))
    }

    /// [`Medicines::substances`] with each one's ANSM code ([`SUBSTANCE_SYSTEM`]) where the
    /// name is the BDPM's own for exactly one of its substances; `None` for a name the
    /// interaction thesaurus gave a salt or a group (its code would name something else).
    pub fn coded_substances(&self, text: &str) -> Vec<(String, Option<String>)> {
        self.resolve(text)
            .into_iter()
            .map(|index| {
                let index = usize::from(index);
                let code = &self.substance_codes[index];
                (self.substances[index].clone(), (!code.is_empty()).then(|| code.clone()))
            })
            .collect()
    }

    fn resolve(&self, text: &str) -> Vec<u16> {
        let text = text.trim();
        if let Some(substances) = self.pack_substances(text) {
            return substances.to_vec();
        }
        let folded = fold(text);
        if let Some(&index) = self.by_substance.get(&folded) {
            return vec![index];
        }
        let spoken = key(&spoken(&folded));
        for name in [key(&folded), spoken] {
            // Of several medicines of one name, the plainest (fewest substances: not the one
            // combined with another), then the most common (most packs), then the first.
            let best = self.by_name.get(&name).and_then(|found| {
                found.iter().copied().min_by_key(|&index| {
                    let (_, substances, packs) = &self.medicines[index as usize];
                    (substances.len(), std::cmp::Reverse(*packs), index)
                })
            });
            if let Some(medicine) = best {
                return self.medicines[medicine as usize].1.clone();
            }
        }
        Vec::new()
    }

    /// Medicine names that start with `prefix` (case and accents ignored), for suggestions.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<&str> {
        let prefix = fold(prefix.trim());
        if prefix.chars().count() < 2 {
            return Vec::new();
        }
        let mut names: Vec<&str> = self
            .by_name
            .iter()
            .filter(|(folded, _)| folded.starts_with(&prefix))
            .filter_map(|(_, found)| found.first())
            .map(|&index| self.medicines[index as usize].0.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.truncate(limit);
        names
    }
}

/// A name as the index keeps it: folded, without a trailing mark of form or kind that people
/// leave out ("OXYCONTIN LP" is said "Oxycontin"; a generic's "Gé").
fn key(name: &str) -> String {
    let folded = fold(name);
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    while words.len() > 1 && matches!(words.last(), Some(&("lp" | "l.p." | "ge"))) {
        words.pop();
    }
    words.join(" ")
}

/// A medicine's name as people say it: up to its dose (the first word that starts with a digit)
/// or its form (after a comma).
fn spoken(name: &str) -> String {
    let head = name.split(',').next().unwrap_or("");
    let words: Vec<&str> = head
        .split_whitespace()
        .take_while(|word| !word.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    words.join(" ")
}
