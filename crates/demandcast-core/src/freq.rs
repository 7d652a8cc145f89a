//! Frequencies of the time index, with pandas-style aliases.

use crate::{Error, Result};
use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use std::{fmt, str::FromStr};

/// The frequency of a regular time index.
///
/// Aliases follow pandas, which forecasting users know from Nixtla:
/// `D` (daily), `W-SUN` … `W-SAT` (weekly, anchored on a weekday; `W` is
/// `W-SUN`), `MS` / `ME` (month start / end; `M` is accepted for `ME`),
/// `QS` (quarter start) and `YS` (year start).
///
/// # Example
/// ```
/// use demandcast_core::{Freq, NaiveDate};
/// let f: Freq = "W-SUN".parse().unwrap();
/// let d = NaiveDate::from_ymd_opt(2024, 1, 7).unwrap();
/// assert_eq!(f.step(d, 2), NaiveDate::from_ymd_opt(2024, 1, 21).unwrap());
/// assert_eq!(f.season_length(), 52);
/// let ms: Freq = "MS".parse().unwrap();
/// assert_eq!(ms.steps_between(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
///                             NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()), Some(14));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Freq {
    /// Calendar days.
    Daily,
    /// Weeks ending (or starting) on the given weekday.
    Weekly(#[serde(with = "weekday_serde")] Weekday),
    /// First day of each month.
    MonthStart,
    /// Last day of each month.
    MonthEnd,
    /// First day of each quarter.
    QuarterStart,
    /// First day of each year.
    YearStart,
}

mod weekday_serde {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(w: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&w.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom(format!("bad weekday {s}")))
    }
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MON",
        Weekday::Tue => "TUE",
        Weekday::Wed => "WED",
        Weekday::Thu => "THU",
        Weekday::Fri => "FRI",
        Weekday::Sat => "SAT",
        Weekday::Sun => "SUN",
    }
}

impl fmt::Display for Freq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Freq::Daily => write!(f, "D"),
            Freq::Weekly(w) => write!(f, "W-{}", weekday_code(*w)),
            Freq::MonthStart => write!(f, "MS"),
            Freq::MonthEnd => write!(f, "ME"),
            Freq::QuarterStart => write!(f, "QS"),
            Freq::YearStart => write!(f, "YS"),
        }
    }
}

impl FromStr for Freq {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let u = s.trim().to_ascii_uppercase();
        Ok(match u.as_str() {
            "D" | "1D" | "DAILY" => Freq::Daily,
            "W" | "WEEKLY" => Freq::Weekly(Weekday::Sun),
            "MS" | "MONTHLY" => Freq::MonthStart,
            "M" | "ME" => Freq::MonthEnd,
            "QS" | "QS-JAN" => Freq::QuarterStart,
            "YS" | "AS" | "YS-JAN" => Freq::YearStart,
            _ => {
                if let Some(day) = u.strip_prefix("W-") {
                    let w = match day {
                        "MON" => Weekday::Mon,
                        "TUE" => Weekday::Tue,
                        "WED" => Weekday::Wed,
                        "THU" => Weekday::Thu,
                        "FRI" => Weekday::Fri,
                        "SAT" => Weekday::Sat,
                        "SUN" => Weekday::Sun,
                        _ => return Err(Error::UnknownFreq(s.to_string())),
                    };
                    Freq::Weekly(w)
                } else {
                    return Err(Error::UnknownFreq(s.to_string()));
                }
            }
        })
    }
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

fn last_of_month(y: i32, m0: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(y, m0 + 1, 1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

fn add_months(d: NaiveDate, k: i64, end: bool) -> NaiveDate {
    let idx = month_index(d) + k;
    let y = idx.div_euclid(12) as i32;
    let m0 = idx.rem_euclid(12) as u32;
    let r = if end {
        last_of_month(y, m0)
    } else {
        NaiveDate::from_ymd_opt(y, m0 + 1, 1)
    };
    // Dates stay far inside chrono's range for any realistic horizon.
    r.unwrap_or(d)
}

impl Freq {
    /// The date `k` steps after `d` (`k` may be negative).
    pub fn step(self, d: NaiveDate, k: i64) -> NaiveDate {
        match self {
            Freq::Daily => d + Duration::days(k),
            Freq::Weekly(_) => d + Duration::days(7 * k),
            Freq::MonthStart => add_months(d, k, false),
            Freq::MonthEnd => add_months(d, k, true),
            Freq::QuarterStart => add_months(d, 3 * k, false),
            Freq::YearStart => add_months(d, 12 * k, false),
        }
    }

    /// Number of steps from `a` to `b` when `b` lies on `a`'s grid, else `None`.
    pub fn steps_between(self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let k = match self {
            Freq::Daily => (b - a).num_days(),
            Freq::Weekly(_) => {
                let days = (b - a).num_days();
                if days % 7 != 0 {
                    return None;
                }
                days / 7
            }
            Freq::MonthStart | Freq::MonthEnd => month_index(b) - month_index(a),
            Freq::QuarterStart => {
                let m = month_index(b) - month_index(a);
                if m % 3 != 0 {
                    return None;
                }
                m / 3
            }
            Freq::YearStart => {
                let m = month_index(b) - month_index(a);
                if m % 12 != 0 {
                    return None;
                }
                m / 12
            }
        };
        (self.step(a, k) == b).then_some(k)
    }

    /// Whether `d` is a valid point of this frequency (right weekday, first or last of month...).
    pub fn is_on_grid(self, d: NaiveDate) -> bool {
        match self {
            Freq::Daily => true,
            Freq::Weekly(w) => d.weekday() == w,
            Freq::MonthStart => d.day() == 1,
            Freq::MonthEnd => d.succ_opt().is_some_and(|n| n.day() == 1),
            Freq::QuarterStart => d.day() == 1 && d.month0().is_multiple_of(3),
            Freq::YearStart => d.day() == 1 && d.month() == 1,
        }
    }

    /// The usual season length: 7 for daily, 52 for weekly, 12 for monthly, 4 for quarterly, 1 for yearly.
    pub fn season_length(self) -> usize {
        match self {
            Freq::Daily => 7,
            Freq::Weekly(_) => 52,
            Freq::MonthStart | Freq::MonthEnd => 12,
            Freq::QuarterStart => 4,
            Freq::YearStart => 1,
        }
    }

    /// Infers the frequency from the dates of one or more series: the smallest
    /// gap between consecutive distinct dates decides daily / weekly / monthly
    /// / quarterly / yearly, and the dates' weekday or day of month the anchor.
    ///
    /// # Errors
    /// [`Error::FreqInference`] with fewer than two distinct dates, or when the
    /// dates fit no supported frequency (the message says which dates).
    pub fn infer(dates: &[NaiveDate]) -> Result<Freq> {
        let mut d: Vec<NaiveDate> = dates.to_vec();
        d.sort_unstable();
        d.dedup();
        if d.len() < 2 {
            return Err(Error::FreqInference(
                "fewer than two distinct dates; pass --freq".to_string(),
            ));
        }
        let min_gap = d
            .windows(2)
            .map(|w| (w[1] - w[0]).num_days())
            .min()
            .unwrap_or(0);
        let candidates: Vec<Freq> = match min_gap {
            1 => vec![Freq::Daily],
            7 => vec![Freq::Weekly(d[0].weekday())],
            28..=31 => vec![Freq::MonthStart, Freq::MonthEnd],
            89..=92 => vec![Freq::QuarterStart],
            365 | 366 => vec![Freq::YearStart],
            g => {
                return Err(Error::FreqInference(format!(
                    "smallest gap between dates is {g} days, which is not daily, weekly, monthly, quarterly or yearly; pass --freq"
                )))
            }
        };
        for f in candidates {
            if let Some(bad) = d.iter().find(|x| !f.is_on_grid(**x)) {
                if matches!(f, Freq::MonthStart) {
                    continue;
                }
                return Err(Error::FreqInference(format!(
                    "date {bad} does not fit frequency {f} inferred from the other dates; pass --freq"
                )));
            }
            return Ok(f);
        }
        Err(Error::FreqInference(
            "monthly dates are neither all month starts nor all month ends; pass --freq"
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn parse_and_display_roundtrip() {
        for s in ["D", "W-SUN", "W-MON", "MS", "ME", "QS", "YS"] {
            let f: Freq = s.parse().unwrap();
            assert_eq!(f.to_string(), s);
        }
        assert!("X".parse::<Freq>().is_err());
        assert!("W-FOO".parse::<Freq>().is_err());
    }

    #[test]
    fn month_end_steps() {
        let f = Freq::MonthEnd;
        assert_eq!(f.step(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(f.step(d(2024, 2, 29), -2), d(2023, 12, 31));
        assert_eq!(f.steps_between(d(2024, 1, 31), d(2024, 4, 30)), Some(3));
        assert_eq!(f.steps_between(d(2024, 1, 31), d(2024, 4, 29)), None);
    }

    #[test]
    fn infer_kinds() {
        assert_eq!(
            Freq::infer(&[d(2024, 1, 1), d(2024, 1, 2), d(2024, 1, 5)]).unwrap(),
            Freq::Daily
        );
        assert_eq!(
            Freq::infer(&[d(2024, 1, 7), d(2024, 1, 14), d(2024, 2, 4)]).unwrap(),
            Freq::Weekly(Weekday::Sun)
        );
        assert_eq!(
            Freq::infer(&[d(2024, 1, 1), d(2024, 2, 1)]).unwrap(),
            Freq::MonthStart
        );
        assert_eq!(
            Freq::infer(&[d(2024, 1, 31), d(2024, 2, 29)]).unwrap(),
            Freq::MonthEnd
        );
        assert!(Freq::infer(&[d(2024, 1, 1)]).is_err());
        assert!(Freq::infer(&[d(2024, 1, 1), d(2024, 1, 4)]).is_err());
    }
}
