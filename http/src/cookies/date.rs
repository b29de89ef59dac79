//! Cookie dates: RFC 6265 section 5.1.1's forgiving parser for `Expires`.
//!
//! Servers write `Expires` in every format the web has known: IMF-fixdate (`Sun, 06 Nov
//! 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), asctime (`Sun Nov  6
//! 08:49:37 1994`) and their variants. The RFC's algorithm reads them all the same way:
//! split at delimiters, then take the first token that looks like a time, a day, a month
//! and a year, in any order. The result is a `SystemTime`, since cookie dates are wall
//! dates; an impossible date is `None`, and the jar then ignores the attribute.
//!
//! Path: `cookies/mod.rs` calls [`parse_cookie_date`] for an `Expires` attribute.

use std::time::{Duration, SystemTime};

/// Section 5.1.1: a cookie date, in any of the formats servers use. Tokens are read in
/// any order; the first that looks like a time, a day, a month and a year is each taken.
pub(super) fn parse_cookie_date(text: &str) -> Option<SystemTime> {
    let is_delimiter = |c: char| matches!(c, '\t' | ' '..='/' | ';'..='@' | '['..='`' | '{'..='~');
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text.split(is_delimiter).filter(|t| !t.is_empty()) {
        if time.is_none() {
            if let Some(hms) = parse_time(token) {
                time = Some(hms);
                continue;
            }
        }
        if day.is_none() {
            if let Some((value, _)) = leading_digits(token, 1, 2) {
                day = Some(value);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = parse_month(token) {
                month = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some((value, _)) = leading_digits(token, 2, 4) {
                year = Some(value);
            }
        }
    }
    let ((hour, minute, second), day, month, mut year) = (time?, day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let offset = Duration::from_secs(seconds.unsigned_abs());
    if seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    }
}

/// `min..=max` digits at the start of `token`, followed by a non-digit or nothing.
fn leading_digits(token: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let count = token.bytes().take_while(u8::is_ascii_digit).count();
    if count < min || count > max {
        return None;
    }
    Some((token[..count].parse().ok()?, &token[count..]))
}

/// `hh:mm:ss` (one or two digits each) at the start of `token`.
fn parse_time(token: &str) -> Option<(u32, u32, u32)> {
    let (hour, rest) = leading_digits(token, 1, 2)?;
    let (minute, rest) = leading_digits(rest.strip_prefix(':')?, 1, 2)?;
    let (second, _) = leading_digits(rest.strip_prefix(':')?, 1, 2)?;
    Some((hour, minute, second))
}

/// A month from the first three letters of `token`, any case: 1-12.
fn parse_month(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = token.get(..3)?.to_ascii_lowercase();
    let index = MONTHS.iter().position(|&m| m == prefix)?;
    u32::try_from(index + 1).ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn cookie_dates_in_the_common_formats() {
        let expected = SystemTime::UNIX_EPOCH + secs(784_111_777); // 1994-11-06 08:49:37 UTC
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06-Nov-1994 08:49:37 GMT",
            "06 nov 1994 8:49:37",
            "Sun, 6 NOV 1994 08:49:37 UTC",
        ] {
            assert_eq!(parse_cookie_date(text), Some(expected), "{text:?}");
        }
        assert_eq!(
            parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(SystemTime::UNIX_EPOCH)
        );
        assert_eq!(
            parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"),
            SystemTime::UNIX_EPOCH.checked_add(secs(1_445_412_480))
        );
        assert_eq!(
            parse_cookie_date("Tue, 29 Feb 2000 12:00:00 GMT"),
            SystemTime::UNIX_EPOCH.checked_add(secs(951_825_600))
        );
        assert_eq!(
            parse_cookie_date("Mon, 01 Jan 1900 00:00:00 GMT"),
            SystemTime::UNIX_EPOCH.checked_sub(secs(2_208_988_800))
        );
    }

    #[test]
    fn impossible_cookie_dates_are_none() {
        for text in [
            "",
            "nonsense",
            "Sun, 06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1600 08:49:37 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
            "Sun, 06 Nov 19944 08:49:37 GMT",
            "Sun, 006 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_cookie_date(text), None, "{text:?}");
        }
    }
}
