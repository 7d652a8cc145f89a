//! Parsing of cell values: numbers, missing-value tokens, dates.

use chrono::{Datelike, NaiveDate};
use demandcast_core::Freq;

/// A cell read as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    /// A number (finite or not).
    Value(f64),
    /// Empty or a missing-value token.
    Missing,
    /// Not a number.
    Bad,
}

/// Whether a (trimmed) cell is a missing-value token: empty, `NA`, `N/A`,
/// `NaN`, `null`, `None`, `#N/A` (any case).
pub(crate) fn is_missing(s: &[u8]) -> bool {
    if s.is_empty() {
        return true;
    }
    if s.len() > 4 {
        return false;
    }
    let mut buf = [0u8; 4];
    for (d, c) in buf.iter_mut().zip(s) {
        *d = c.to_ascii_lowercase();
    }
    matches!(
        &buf[..s.len()],
        b"na" | b"n/a" | b"nan" | b"null" | b"none" | b"#n/a"
    )
}

/// Parses a number; `true`/`false` read as 1/0. With `decimal_comma`
/// (semicolon-separated files) `1,5` reads as 1.5.
pub(crate) fn parse_num(raw: &[u8], decimal_comma: bool) -> Num {
    let s = raw.trim_ascii();
    if is_missing(s) {
        return Num::Missing;
    }
    // Fast path: small non-negative integers (unit sales).
    if s.len() <= 15 && s.iter().all(u8::is_ascii_digit) {
        let v = s.iter().fold(0u64, |a, &c| a * 10 + u64::from(c - b'0'));
        return Num::Value(v as f64);
    }
    let Ok(t) = std::str::from_utf8(s) else {
        return Num::Bad;
    };
    if let Ok(v) = t.parse::<f64>() {
        return Num::Value(v);
    }
    if t.eq_ignore_ascii_case("true") {
        return Num::Value(1.0);
    }
    if t.eq_ignore_ascii_case("false") {
        return Num::Value(0.0);
    }
    if decimal_comma && t.bytes().filter(|&c| c == b',').count() == 1 && !t.contains('.') {
        if let Ok(v) = t.replace(',', ".").parse::<f64>() {
            return Num::Value(v);
        }
    }
    Num::Bad
}

/// Why a date cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateErr {
    /// Not a date in a supported format.
    Bad,
    /// A date with a time of day other than 00:00:00.
    NotMidnight,
}

/// The formats accepted for dates, for messages.
pub(crate) const DATE_FORMATS: &str = "YYYY-MM-DD or YYYY-MM-DD 00:00:00";

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// Parses `YYYY-MM-DD`, optionally followed by ` ` or `T` and a time
/// `HH:MM[:SS[.fff]]` with an optional `Z` / `+00:00`; the time must be midnight.
pub(crate) fn parse_date(raw: &[u8]) -> Result<NaiveDate, DateErr> {
    let s = raw.trim_ascii();
    if s.len() < 10 || s[4] != b'-' || s[7] != b'-' {
        return Err(DateErr::Bad);
    }
    let (y, m, d) = (digits(&s[..4]), digits(&s[5..7]), digits(&s[8..10]));
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(DateErr::Bad);
    };
    let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(DateErr::Bad)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Ok(date);
    }
    if rest[0] != b' ' && rest[0] != b'T' {
        return Err(DateErr::Bad);
    }
    let mut t = rest[1..].trim_ascii();
    for suffix in [&b"Z"[..], b"+00:00", b"+0000", b"UTC"] {
        if let Some(p) = t.strip_suffix(suffix) {
            t = p.trim_ascii_end();
            break;
        }
    }
    // HH:MM[:SS[.fff]]
    let mut parts = t.splitn(3, |&c| c == b':');
    let hh = parts.next().and_then(digits);
    let mm = parts.next().and_then(digits);
    let (Some(hh), Some(mm)) = (hh, mm) else {
        return Err(DateErr::Bad);
    };
    let (ss, frac_zero) = match parts.next() {
        None => (Some(0), true),
        Some(sec) => {
            let mut it = sec.splitn(2, |&c| c == b'.');
            let ss = it.next().and_then(digits);
            let frac = it.next();
            let fz = match frac {
                None => true,
                Some(f) => digits(f).is_some_and(|v| v == 0) || f.is_empty(),
            };
            (ss, fz)
        }
    };
    let Some(ss) = ss else {
        return Err(DateErr::Bad);
    };
    if hh > 23 || mm > 59 || ss > 60 {
        return Err(DateErr::Bad);
    }
    if hh == 0 && mm == 0 && ss == 0 && frac_zero {
        Ok(date)
    } else {
        Err(DateErr::NotMidnight)
    }
}

/// Days from the Common Era used as the compact date representation.
pub(crate) fn to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The date of a day number (clamped into chrono's range, never panics).
pub(crate) fn from_days(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(if days < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// Days from the Common Era of 1970-01-01 (Arrow's Date32 epoch).
pub(crate) const UNIX_EPOCH_DAYS: i64 = 719_163;

/// The position of an on-grid date on its frequency's grid: consecutive grid
/// dates differ by exactly 1, so `ord(b) - ord(a)` is `Freq::steps_between`.
pub(crate) fn grid_ord(freq: Freq, days: i32) -> i64 {
    match freq {
        Freq::Daily => i64::from(days),
        Freq::Weekly(_) => i64::from(days).div_euclid(7),
        _ => {
            let d = from_days(days);
            let m = i64::from(d.year()) * 12 + i64::from(d.month0());
            match freq {
                Freq::QuarterStart => m.div_euclid(3),
                Freq::YearStart => i64::from(d.year()),
                _ => m,
            }
        }
    }
}

/// ISO text of a date.
pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_num(b"12", false), Num::Value(12.0));
        assert_eq!(parse_num(b" -1.5e1 ", false), Num::Value(-15.0));
        assert_eq!(parse_num(b"NA", false), Num::Missing);
        assert_eq!(parse_num(b"nan", false), Num::Missing);
        assert_eq!(parse_num(b"", false), Num::Missing);
        assert_eq!(parse_num(b"True", false), Num::Value(1.0));
        assert_eq!(parse_num(b"abc", false), Num::Bad);
        assert_eq!(parse_num(b"1,5", false), Num::Bad);
        assert_eq!(parse_num(b"1,5", true), Num::Value(1.5));
        assert!(matches!(parse_num(b"inf", false), Num::Value(v) if v.is_infinite()));
        assert_eq!(parse_num(b"\xff", false), Num::Bad);
        assert_eq!(parse_num(b"99999999999999999999", false), Num::Value(1e20));
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(parse_date(b"2024-02-29"), Ok(d));
        assert_eq!(parse_date(b"2024-02-29 00:00:00"), Ok(d));
        assert_eq!(parse_date(b"2024-02-29T00:00:00.000Z"), Ok(d));
        assert_eq!(parse_date(b"2024-02-29 00:00"), Ok(d));
        assert_eq!(
            parse_date(b"2024-02-29 13:00:00"),
            Err(DateErr::NotMidnight)
        );
        assert_eq!(parse_date(b"2023-02-29"), Err(DateErr::Bad));
        assert_eq!(parse_date(b"29/02/2024"), Err(DateErr::Bad));
        assert_eq!(parse_date(b"2024-02-29x"), Err(DateErr::Bad));
        assert_eq!(parse_date(b"2024-02-29 ab:cd"), Err(DateErr::Bad));
        assert_eq!(parse_date("2024-02-2é".as_bytes()), Err(DateErr::Bad));
        assert_eq!(from_days(to_days(d)), d);
        assert_eq!(from_days(i32::MAX), NaiveDate::MAX);
    }

    #[test]
    fn ords() {
        let a = to_days(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap());
        let b = to_days(NaiveDate::from_ymd_opt(2024, 4, 30).unwrap());
        assert_eq!(grid_ord(Freq::MonthEnd, b) - grid_ord(Freq::MonthEnd, a), 3);
        let s1 = to_days(NaiveDate::from_ymd_opt(2024, 1, 7).unwrap());
        let s2 = to_days(NaiveDate::from_ymd_opt(2024, 2, 4).unwrap());
        assert_eq!(
            grid_ord(Freq::Weekly(chrono::Weekday::Sun), s2)
                - grid_ord(Freq::Weekly(chrono::Weekday::Sun), s1),
            4
        );
    }
}
