//! The national health identifier (INS, *identifiant national de santé*): the number by which
//! the health insurer names a person, and so the one its feed names a record by. It is the
//! person's registration number (NIR; for someone not registered yet, their provisional NIA):
//! 13 characters, then a 2-digit key, `97 − (number mod 97)`, which catches a mistyped digit
//! before anything is looked up.
//!
//! The 13 characters: sex or kind (1 or 2; 3 or 4 for some people born abroad; 7 or 8 for a
//! provisional number), year and month of birth (a month of 20 to 42 or 50 to 99 stands for an
//! unknown one), place of birth (a department, `2A` or `2B` for Corsica, then a commune; 99 and
//! a country abroad), and a serial number. For the key, Corsica's `2A` counts as 19 and `2B` as
//! 18.

use serde::{Deserialize, Serialize};

/// A well-formed INS, kept in its compact form (`180012A00412343`), shown grouped
/// (`1 80 01 2A 004 123 43`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ins(String);

impl Ins {
    /// Reads an INS as people write it: with or without spaces (a pasted non-breaking one too),
    /// `2a` as `2A`.
    pub fn parse(input: &str) -> Option<Self> {
        let compact: String =
            input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        let b = compact.as_bytes();
        let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
        if b.len() != 15 || !digits(0..5) || !digits(7..15) {
            return None;
        }
        let month = (b[3] - b'0') * 10 + (b[4] - b'0');
        let place = match &b[5..7] {
            b"2A" => "19",
            b"2B" => "18",
            other if other.iter().all(u8::is_ascii_digit) => &compact[5..7],
            _ => return None,
        };
        let well_formed = matches!(b[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8')
            && matches!(month, 1..=12 | 20..=42 | 50..=99);
        let number: u64 = format!("{}{place}{}", &compact[..5], &compact[7..13]).parse().ok()?;
        let key: u64 = compact[13..].parse().ok()?;
        (well_formed && key == 97 - number % 97).then_some(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ins {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or("not a 15-character INS with a valid key")
    }
}

impl From<Ins> for String {
    fn from(value: Ins) -> Self {
        value.0
    }
}

/// Grouped as on a health insurance card: `1 80 01 2A 004 123 43`.
impl std::fmt::Display for Ins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.0;
        let groups = [&s[0..1], &s[1..3], &s[3..5], &s[5..7], &s[7..10], &s[10..13], &s[13..15]];
        f.write_str(&groups.join(" "))
    }
}
