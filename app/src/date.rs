//! The calendar date the app and the server exchange: `YYYY-MM-DD` on the wire, in forms and in
//! the database. The calendar (month lengths, leap years, counting days) is the `time` crate's;
//! this type fixes how a date is written and read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

/// A calendar date, as typed in an `<input type="date">` (`YYYY-MM-DD`, years 0000 to 9999).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

impl Date {
    /// The date `YYYY-MM-DD` names, if it exists (no 30 February).
    pub fn parse(input: &str) -> Option<Self> {
        let mut parts = input.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        let digits =
            |part: &str, len| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
            return None;
        }
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok().map(Self)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    /// Full years from `self` to `today`.
    pub fn age_on(&self, today: Date) -> u32 {
        let years = u32::try_from(today.year() - self.year()).unwrap_or(0);
        let month_day = |date: time::Date| (u8::from(date.month()), date.day());
        if month_day(today.0) < month_day(self.0) { years.saturating_sub(1) } else { years }
    }

    /// Days since 1970-01-01 (for spacing points in time, and the days between two dates).
    pub fn day_number(self) -> i64 {
        i64::from(self.0.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY
    }

    /// The same day `months` months earlier; the month's last day when it has no such day
    /// (31 March less one month is the last day of February).
    pub fn months_before(self, months: u32) -> Self {
        let total = self.0.year() * 12 + i32::from(u8::from(self.0.month())) - 1;
        let total = total - i32::try_from(months).unwrap_or(i32::MAX / 2);
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let month = u8::try_from(month).ok().and_then(|m| time::Month::try_from(m).ok());
        let Some(month) = month else { return self };
        let day = self.0.day().min(month.length(year));
        time::Date::from_calendar_date(year, month, day).map_or(self, Self)
    }

    /// The date of a Unix time (UTC), for the server's "today" (kept within years 0000–9999).
    pub fn from_unix_seconds(seconds: i64) -> Self {
        let first = time::Date::from_ordinal_date(0, 1).unwrap_or(time::Date::MIN);
        let last = time::Date::from_ordinal_date(9999, 365).unwrap_or(time::Date::MAX);
        let day = seconds.div_euclid(86_400).saturating_add(UNIX_EPOCH_JULIAN_DAY);
        let day = day.clamp(i64::from(first.to_julian_day()), i64::from(last.to_julian_day()));
        let date = i32::try_from(day).ok().and_then(|day| time::Date::from_julian_day(day).ok());
        Self(date.unwrap_or(last))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| D::Error::custom("expected a date YYYY-MM-DD"))
    }
}

/// A moment as people read it, in UTC: `2026-12-01 14:05 UTC`.
pub fn moment(seconds: i64) -> String {
    let day = Date::from_unix_seconds(seconds);
    let in_day = seconds.rem_euclid(86_400);
    format!("{day} {:02}:{:02} UTC", in_day / 3600, in_day % 3600 / 60)
}
