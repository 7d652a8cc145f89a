//! Load options and validation policies.

use demandcast_core::Freq;
use std::fmt;
use std::str::FromStr;

/// Which columns hold the series id, the date and the target, the frequency,
/// and how to treat gaps, negatives, missing values and leading zeros.
///
/// The default reads Nixtla's long format (`unique_id`, `ds`, `y`), infers
/// the frequency and applies [`Policy::default`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Series id column (string or integer). Default `unique_id`.
    pub id_col: String,
    /// Date column. Default `ds`.
    pub time_col: String,
    /// Target (units sold) column, integer or float. Default `y`.
    pub target_col: String,
    /// The frequency; `None` infers it ([`Freq::infer`]) over all dates of the file.
    pub freq: Option<Freq>,
    /// What to do with gaps, negatives, missing values and leading zeros.
    pub policy: Policy,
    /// Which varying columns become covariates. Default: all of them. A
    /// caller whose models read no covariates (or only a price for metric
    /// weights) lists what it needs, and the other numeric columns of a
    /// Parquet file are not even read: on M5 that halves peak memory.
    pub covariates: CovariateSelection,
    /// Columns read as per-series attributes (store, category) whatever
    /// their type: numbers such as `store_nbr = 3` are labels, not
    /// quantities. Each must hold one value per series; a change within a
    /// series is an error naming its rows. Numeric columns named like ids
    /// (ending in `_id` or `_nbr`) that are constant within every series are
    /// read as attributes without being listed (with a note).
    pub static_cols: Vec<String>,
}

/// Whether a column's name marks it as an identifier (`store_id`,
/// `item_nbr`), whose numbers are labels rather than quantities.
pub(crate) fn id_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("_id") || n.ends_with("_nbr")
}

/// Which varying (per-row) columns [`crate::load_panel`] keeps as covariates.
/// Static (per-series) text columns are always kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CovariateSelection {
    /// Every numeric or varying text column (the default).
    #[default]
    All,
    /// Only the named columns; the others are left out with an info log.
    Only(Vec<String>),
}

impl CovariateSelection {
    /// Whether the column `name` is kept.
    pub fn keeps(&self, name: &str) -> bool {
        match self {
            CovariateSelection::All => true,
            CovariateSelection::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            id_col: "unique_id".into(),
            time_col: "ds".into(),
            target_col: "y".into(),
            freq: None,
            policy: Policy::default(),
            covariates: CovariateSelection::All,
            static_cols: Vec::new(),
        }
    }
}

/// Validation policies. Each choice is explicit and every change made to the
/// data is reported as a warning [`Diagnostic`](crate::Diagnostic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Dates missing inside a series. Default: fill with 0 units.
    pub gaps: GapPolicy,
    /// Negative target values (returns). Default: error.
    pub negatives: NegativePolicy,
    /// Missing target values (empty cell, `NA`, `NaN`, null). Default: error.
    pub missing: MissingPolicy,
    /// Zeros before a series' first sale. Default: trim them.
    pub leading_zeros: LeadingZeros,
}

/// Dates missing inside a series (between its first and last date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapPolicy {
    /// No sales recorded means 0 units sold: the missing dates are added with
    /// `y = 0` and NaN covariates. The default.
    #[default]
    FillZero,
    /// A missing date is an error naming the rows on both sides of the gap.
    Error,
}

/// Negative target values (typically returns booked as negative sales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NegativePolicy {
    /// A negative value is an error naming its row. The default.
    #[default]
    Error,
    /// Negative values become 0 (counted in a warning).
    ClipZero,
    /// Negative values are kept as they are (counted in a warning).
    Keep,
}

/// Missing target values: empty cells, `NA`, `N/A`, `NaN`, `null`, `None`
/// (any case), Parquet nulls and NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// A missing value is an error naming its row. The default.
    #[default]
    Error,
    /// A missing value is read as 0 units (counted in a warning).
    Zero,
}

/// Zeros at the start of a series, before its first non-zero sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeadingZeros {
    /// A series starts at its first non-zero sale (its launch); the zeros
    /// before it are dropped. A series with no non-zero sale is kept whole
    /// (with a warning). The default.
    #[default]
    Trim,
    /// Keep the leading zeros.
    Keep,
}

macro_rules! policy_names {
    ($t:ty, $what:literal, $( $v:path => $s:literal $(| $alias:literal)* ),+ $(,)?) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $( $v => $s, )+ })
            }
        }
        impl FromStr for $t {
            type Err = String;
            /// Parses the kebab-case name shown by `Display` (case-insensitive).
            fn from_str(s: &str) -> Result<Self, String> {
                let l = s.trim().to_ascii_lowercase().replace('_', "-");
                $( if l == $s $(|| l == $alias)* { return Ok($v); } )+
                Err(format!(concat!("unknown ", $what, " policy '{}' (expected one of: {})"), s,
                    [$( $s ),+].join(", ")))
            }
        }
    };
}

policy_names!(GapPolicy, "gap", GapPolicy::FillZero => "fill-zero" | "zero" | "fill", GapPolicy::Error => "error");
policy_names!(NegativePolicy, "negatives", NegativePolicy::Error => "error", NegativePolicy::ClipZero => "clip-zero" | "clip" | "zero", NegativePolicy::Keep => "keep");
policy_names!(MissingPolicy, "missing", MissingPolicy::Error => "error", MissingPolicy::Zero => "zero");
policy_names!(LeadingZeros, "leading-zeros", LeadingZeros::Trim => "trim", LeadingZeros::Keep => "keep");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip() {
        for g in [GapPolicy::FillZero, GapPolicy::Error] {
            assert_eq!(g.to_string().parse::<GapPolicy>().unwrap(), g);
        }
        for n in [
            NegativePolicy::Error,
            NegativePolicy::ClipZero,
            NegativePolicy::Keep,
        ] {
            assert_eq!(n.to_string().parse::<NegativePolicy>().unwrap(), n);
        }
        assert_eq!(
            "CLIP_ZERO".parse::<NegativePolicy>().unwrap(),
            NegativePolicy::ClipZero
        );
        assert!("bogus"
            .parse::<LeadingZeros>()
            .unwrap_err()
            .contains("trim, keep"));
    }
}
