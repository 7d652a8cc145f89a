//! Calendar attributes of a date.

use crate::spec::Calendar;
use chrono::{Datelike, NaiveDate};

/// The value of a calendar attribute on `d`, as pandas defines it.
pub fn value(c: Calendar, d: NaiveDate) -> f64 {
    f64::from(match c {
        Calendar::DayOfWeek => d.weekday().num_days_from_monday(),
        Calendar::Day => d.day(),
        Calendar::DayOfYear => d.ordinal(),
        Calendar::Week => d.iso_week().week(),
        Calendar::Month => d.month(),
        Calendar::Quarter => d.month0() / 3 + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_pandas() -> std::result::Result<(), Box<dyn std::error::Error>> {
        // pd.Timestamp("2016-04-25"): dayofweek 0, day 25, dayofyear 116, week 17, month 4, quarter 2
        let d = NaiveDate::from_ymd_opt(2016, 4, 25).ok_or("invalid date")?;
        let got: Vec<f64> = Calendar::ALL.iter().map(|&c| value(c, d)).collect();
        assert_eq!(got, vec![0.0, 25.0, 116.0, 17.0, 4.0, 2.0]);
        Ok(())
    }
}
