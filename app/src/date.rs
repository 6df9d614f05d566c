//! The calendar date the app and the server exchange (`YYYY-MM-DD` on the wire and in forms).

use serde::{Deserialize, Serialize};

/// A calendar date, as typed in an `<input type="date">` (`YYYY-MM-DD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(input: &str) -> Option<Self> {
        let mut parts = input.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Self { year: y.parse().ok()?, month: m.parse().ok()?, day: d.parse().ok()? };
        let valid = (1..=12).contains(&date.month)
            && date.day >= 1
            && date.day <= days_in_month(date.year, date.month);
        valid.then_some(date)
    }

    /// Full years from `self` to `today`.
    pub fn age_on(&self, today: Date) -> u32 {
        let years = u32::from(today.year.saturating_sub(self.year));
        if (today.month, today.day) < (self.month, self.day) {
            years.saturating_sub(1)
        } else {
            years
        }
    }

    /// Days since 1970-01-01 (for spacing points in time, and the days between two dates).
    pub fn day_number(self) -> i64 {
        // Howard Hinnant's days-from-civil.
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a Unix time (UTC), for the server's "today".
    pub fn from_unix_seconds(seconds: i64) -> Self {
        // Howard Hinnant's days-from-civil inverse; exact for the proleptic Gregorian calendar.
        let days = seconds.div_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: u16::try_from(year).unwrap_or(u16::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn day_numbers_count_from_1970_and_undo_unix_days() {
        let day = |text| Date::parse(text).unwrap();
        assert_eq!(day("1970-01-01").day_number(), 0);
        assert_eq!(day("2026-11-25").day_number(), 1_795_564_800 / 86_400);
        for text in ["1900-03-01", "2000-02-29", "2024-12-31", "2026-01-01"] {
            let number = day(text).day_number();
            assert_eq!(Date::from_unix_seconds(number * 86_400), day(text), "{text}");
        }
    }
}
