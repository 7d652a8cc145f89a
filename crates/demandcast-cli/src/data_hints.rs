//! `hint:` lines for data errors, in terms of the CLI's flags.
//!
//! The loader's messages name policies generically ("set the negatives
//! policy to 'clip-zero'"); here they become the flag to type. Validation
//! errors carry no machine-readable kind, so the match is on the message.

use demandcast::data::Error;

/// A fix for `e`, if one is known.
pub fn hint(e: &Error) -> Option<String> {
    let s = match e {
        Error::MissingColumn { .. } => {
            "name your columns with --id-col, --time-col and --target-col (defaults: unique_id, ds, y)"
        }
        Error::Freq { .. } => "pass the frequency with --freq, e.g. --freq D or --freq W-SUN",
        Error::UnsupportedFormat { .. } => "inputs are CSV (.csv, .csv.gz) or Parquet (.parquet)",
        Error::Csv { .. } => "check that every row has as many fields as the header, and that quotes are closed",
        Error::Invalid { errors, .. } => {
            let has = |needle: &str| errors.iter().any(|d| d.message.contains(needle));
            if has("negative value") {
                "returns recorded as negative sales: pass --negatives clip (to zero) or --negatives keep"
            } else if has("missing value") {
                "pass --missing zero to read empty or NaN quantities as zero sales"
            } else if has("duplicate (unique_id") {
                "each (series, date) pair must appear once: sum duplicate rows before loading"
            } else if has("missing date") {
                "pass --fill-gaps zero to read missing periods as zero sales"
            } else if has("grid") {
                "pass --freq to set the frequency (e.g. --freq W-MON for weeks starting on Monday)"
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(s.to_string())
}
