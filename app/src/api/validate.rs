//! Pure checks of what a person types when signing up or logging in. No I/O: the server runs
//! them on every request (it trusts nothing the browser says) and the browser runs the same code
//! to explain a mistake before sending anything.

use serde::{Deserialize, Serialize};

pub use crate::api::InputError;
pub use crate::date::Date;

/// Shortest accepted password (NIST SP 800-63B, OWASP).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest accepted password; also bounds the hashing work an attacker can ask for.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Longest name part accepted.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// Age from which a person opens and manages their own record (the reference's majority). The
/// server's is configurable; the browser checks with this default and the server decides.
pub const ADULT_AGE: u32 = 18;

/// A verified-to-be-well-formed way to reach a person, in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Contact {
    /// Lower-cased e-mail address.
    Email(String),
    /// Phone number in E.164 form (`+33612345678`).
    Phone(String),
}

impl Contact {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(value) | Self::Phone(value) => value,
        }
    }

    /// What to show on screen to say where a code went, without revealing the whole contact:
    /// `j•••@example.fr`, `+33 •• •• •• 78`.
    pub fn masked(&self) -> String {
        match self {
            Self::Email(value) => {
                let (local, domain) = value.split_once('@').unwrap_or((value, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}•••@{domain}")
            }
            Self::Phone(value) => {
                let last: String =
                    value.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
                format!("•• •• •• {last}")
            }
        }
    }
}

/// Reads an e-mail address or a phone number (French national or international format).
pub fn parse_contact(input: &str) -> Result<Contact, InputError> {
    let input = input.trim();
    if input.contains('@') {
        return parse_email(input).map(Contact::Email);
    }
    parse_phone(input).map(Contact::Phone)
}

fn parse_email(input: &str) -> Result<String, InputError> {
    let email = input.to_lowercase();
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(InputError::ContactInvalid);
    }
    let (local, domain) = email.split_once('@').ok_or(InputError::ContactInvalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok { Ok(email) } else { Err(InputError::ContactInvalid) }
}

fn parse_phone(input: &str) -> Result<String, InputError> {
    let mut digits = String::new();
    let mut international = false;
    for (i, c) in input.chars().enumerate() {
        match c {
            '+' if i == 0 => international = true,
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(InputError::ContactInvalid),
        }
    }
    let e164 = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if digits.len() == 10 && digits.starts_with('0') {
        // French national format: 0X XX XX XX XX.
        format!("33{}", &digits[1..])
    } else {
        return Err(InputError::ContactInvalid);
    };
    // E.164: country code first (never 0), at most 15 digits.
    if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
        return Err(InputError::ContactInvalid);
    }
    Ok(format!("+{e164}"))
}

/// A name part: trimmed, inner runs of white space folded, letters and the usual signs only.
pub fn parse_name(input: &str) -> Result<String, InputError> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(InputError::NameMissing);
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(InputError::NameTooLong);
    }
    if !name.chars().all(|c| c.is_alphabetic() || " '’-.".contains(c)) {
        return Err(InputError::NameInvalid);
    }
    Ok(name)
}

/// A birth date: real, from 1900 on, not in the future.
pub fn parse_any_birth_date(input: &str, today: Date) -> Result<Date, InputError> {
    let date = Date::parse(input).ok_or(InputError::BirthDateInvalid)?;
    if date.year() < 1900 {
        return Err(InputError::BirthDateInvalid);
    }
    if date > today {
        return Err(InputError::BirthDateInFuture);
    }
    Ok(date)
}

/// A birth date for a person signing up for themselves: real, not in the future, of age
/// (`majority_age`, 18 in the reference).
pub fn parse_birth_date(input: &str, today: Date, majority_age: u32) -> Result<Date, InputError> {
    let date = parse_any_birth_date(input, today)?;
    if date.age_on(today) < majority_age {
        return Err(InputError::Minor);
    }
    Ok(date)
}

/// Length rules only; the server also rejects common passwords with a strength estimator.
pub fn check_password_length(password: &str) -> Result<(), InputError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(InputError::PasswordTooShort)
    } else if chars > PASSWORD_MAX_CHARS {
        Err(InputError::PasswordTooLong)
    } else {
        Ok(())
    }
}

/// Every field error of a sign-up form at once (the server stops at the first; the browser shows
/// them all before sending anything), in the order of the form.
pub fn signup_errors(
    contact: &str,
    given_name: &str,
    family_name: &str,
    birth_date: &str,
    password: &str,
    today: Date,
) -> Vec<(&'static str, InputError)> {
    [
        ("contact", parse_contact(contact).err()),
        ("given_name", parse_name(given_name).err()),
        ("family_name", parse_name(family_name).err()),
        ("birth_date", parse_birth_date(birth_date, today, ADULT_AGE).err()),
        ("password", check_password_length(password).err()),
    ]
    .into_iter()
    .filter_map(|(field, error)| error.map(|error| (field, error)))
    .collect()
}

/// A one-time code as typed: six digits, spaces tolerated.
pub fn parse_code(input: &str) -> Result<String, InputError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(InputError::CodeInvalid)
    }
}
