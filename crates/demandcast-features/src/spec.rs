//! [`FeatureSpec`]: which features a global model gets, with mlforecast-style names.

use demandcast_core::Freq;
use serde::{Deserialize, Serialize};

/// A statistic over a rolling window of the (lagged) target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stat {
    /// Arithmetic mean.
    Mean,
    /// Sample standard deviation (n - 1 denominator, as pandas).
    Std,
}

impl Stat {
    fn name(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Std => "std",
        }
    }
}

/// A rolling statistic of the target: over `window` values ending `lag`
/// steps before the target (mlforecast's `RollingMean(window_size)` on lag `lag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rolling {
    /// Steps between the target and the newest value of the window (>= 1).
    pub lag: usize,
    /// Values in the window (>= 1; >= 2 for `Std`).
    pub window: usize,
    /// The statistic.
    pub stat: Stat,
}

impl Rolling {
    /// The feature name, e.g. `rolling_mean_lag7_window_28`.
    pub fn name(&self) -> String {
        format!(
            "rolling_{}_lag{}_window_{}",
            self.stat.name(),
            self.lag,
            self.window
        )
    }
}

/// The mean of the same season position over the last `window` seasons,
/// starting `lag` steps back (mlforecast's `SeasonalRollingMean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonalRolling {
    /// Steps between the target and the newest value used (>= 1).
    pub lag: usize,
    /// Season length.
    pub season: usize,
    /// Number of seasons averaged.
    pub window: usize,
}

impl SeasonalRolling {
    /// The feature name, e.g. `seasonal_rolling_mean_lag7_season_length_7_window_size_4`.
    pub fn name(&self) -> String {
        format!(
            "seasonal_rolling_mean_lag{}_season_length_{}_window_size_{}",
            self.lag, self.season, self.window
        )
    }
}

/// A calendar attribute of the target's date (pandas' names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Calendar {
    /// Monday = 0 ... Sunday = 6.
    DayOfWeek,
    /// Day of the month, 1-31.
    Day,
    /// Day of the year, 1-366.
    DayOfYear,
    /// ISO week of the year, 1-53.
    Week,
    /// Month, 1-12.
    Month,
    /// Quarter, 1-4.
    Quarter,
}

impl Calendar {
    /// Every attribute, in the order of [`Calendar::name`]'s list.
    pub const ALL: [Calendar; 6] = [
        Calendar::DayOfWeek,
        Calendar::Day,
        Calendar::DayOfYear,
        Calendar::Week,
        Calendar::Month,
        Calendar::Quarter,
    ];

    /// The attribute named `name` (as [`Calendar::name`] spells it, any case).
    ///
    /// ```
    /// use demandcast_features::Calendar;
    /// assert_eq!(Calendar::from_name("DayOfYear"), Some(Calendar::DayOfYear));
    /// assert_eq!(Calendar::from_name("hour"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Calendar> {
        Calendar::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The feature name (`dayofweek`, `day`, `dayofyear`, `week`, `month`, `quarter`).
    pub fn name(self) -> &'static str {
        match self {
            Calendar::DayOfWeek => "dayofweek",
            Calendar::Day => "day",
            Calendar::DayOfYear => "dayofyear",
            Calendar::Week => "week",
            Calendar::Month => "month",
            Calendar::Quarter => "quarter",
        }
    }
}

/// Which features to compute. Covariates and statics are discovered from the
/// panel when the spec is fitted ([`crate::FeatureEngine::fit`]); this spec
/// holds what does not depend on the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Target lags (`lag1`, `lag7`, ...).
    pub lags: Vec<usize>,
    /// Rolling statistics of the lagged target.
    pub rolling: Vec<Rolling>,
    /// Seasonal rolling means.
    pub seasonal_rolling: Vec<SeasonalRolling>,
    /// Add `expanding_mean_lag1`, the mean of the whole history before the target.
    pub expanding_mean: bool,
    /// Calendar attributes of the target's date.
    pub calendar: Vec<Calendar>,
    /// Use the panel's numeric covariates (prices, promotions, events) as
    /// known-future features. Names listed here are left out; an entry
    /// ending in `*` leaves out every name that starts with the rest
    /// (`text_*`).
    pub exclude_covariates: Vec<String>,
    /// Use every numeric covariate (`true`) or none (`false`).
    pub covariates: bool,
    /// Use the static attributes (store, category...) as encoded categoricals.
    pub statics: bool,
    /// Derived price features when a price column exists.
    pub price_features: bool,
    /// Add `age`: periods since the series' first non-zero sale.
    pub product_age: bool,
}

impl FeatureSpec {
    /// Whether the covariate `name` is left out by `exclude_covariates`.
    ///
    /// ```
    /// use demandcast_core::Freq;
    /// use demandcast_features::FeatureSpec;
    /// let mut spec = FeatureSpec::for_freq(Freq::Daily);
    /// spec.exclude_covariates = vec!["text_*".into(), "promo".into()];
    /// assert!(spec.excludes("text_3") && spec.excludes("promo"));
    /// assert!(!spec.excludes("promo_depth") && !spec.excludes("price"));
    /// ```
    pub fn excludes(&self, name: &str) -> bool {
        self.exclude_covariates
            .iter()
            .any(|e| match e.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => e == name,
            })
    }

    /// The default recipe for a frequency: lags 1..3 plus one to four seasons,
    /// rolling means and a standard deviation on lag 1 and on one season,
    /// a seasonal rolling mean, the calendar attributes that vary at this
    /// frequency, covariates, statics, price features and product age.
    pub fn for_freq(freq: Freq) -> Self {
        let m = freq.season_length().max(1);
        let mut lags: Vec<usize> = vec![1, 2, 3];
        for k in 1..=4 {
            lags.push(k * m);
        }
        // Weekly data with a yearly season: a year of lags is too long for
        // most retail panels, so use 4 and 13 weeks besides 52.
        if m >= 52 {
            lags = vec![1, 2, 3, 4, 8, 13, 26, 52];
        }
        lags.sort_unstable();
        lags.dedup();
        let short = if m >= 52 { 4 } else { m };
        let long = if m >= 52 { 13 } else { 4 * m };
        let mut rolling = vec![
            Rolling {
                lag: 1,
                window: short,
                stat: Stat::Mean,
            },
            Rolling {
                lag: 1,
                window: long,
                stat: Stat::Mean,
            },
            Rolling {
                lag: 1,
                window: short.max(2),
                stat: Stat::Std,
            },
        ];
        let mut seasonal_rolling = Vec::new();
        if (2..52).contains(&m) {
            rolling.push(Rolling {
                lag: m,
                window: m,
                stat: Stat::Mean,
            });
            rolling.push(Rolling {
                lag: m,
                window: long,
                stat: Stat::Mean,
            });
            seasonal_rolling.push(SeasonalRolling {
                lag: m,
                season: m,
                window: 4,
            });
        }
        if m >= 52 {
            rolling.push(Rolling {
                lag: 1,
                window: 52,
                stat: Stat::Mean,
            });
        }
        let calendar = match freq {
            Freq::Daily => vec![
                Calendar::DayOfWeek,
                Calendar::Day,
                Calendar::Month,
                Calendar::DayOfYear,
                Calendar::Week,
            ],
            Freq::Weekly(_) => vec![Calendar::Week, Calendar::Month],
            Freq::MonthStart | Freq::MonthEnd => vec![Calendar::Month],
            Freq::QuarterStart => vec![Calendar::Quarter],
            Freq::YearStart => Vec::new(),
        };
        Self {
            lags,
            rolling,
            seasonal_rolling,
            expanding_mean: true,
            calendar,
            exclude_covariates: Vec::new(),
            covariates: true,
            statics: true,
            price_features: true,
            product_age: true,
        }
    }

    /// The longest look-back of any target feature, in steps.
    pub fn max_lookback(&self) -> usize {
        let l = self.lags.iter().copied().max().unwrap_or(0);
        let r = self
            .rolling
            .iter()
            .map(|r| r.lag + r.window - 1)
            .max()
            .unwrap_or(0);
        let s = self
            .seasonal_rolling
            .iter()
            .map(|s| s.lag + s.season * (s.window.max(1) - 1))
            .max()
            .unwrap_or(0);
        l.max(r).max(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_defaults_have_readable_names() {
        let s = FeatureSpec::for_freq(Freq::Daily);
        assert_eq!(s.lags, vec![1, 2, 3, 7, 14, 21, 28]);
        let names: Vec<String> = s.rolling.iter().map(Rolling::name).collect();
        assert!(
            names.contains(&"rolling_mean_lag7_window_28".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"rolling_std_lag1_window_7".to_string()));
        // rolling mean on lag 7 over 28 days reaches back 7 + 28 - 1 days
        assert_eq!(s.max_lookback(), 34);
    }
}
