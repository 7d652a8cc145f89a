//! `load_catalog`: product text, attributes and planned launches.

use crate::diag::Diags;
use crate::load::check_duplicate_names;
use crate::parse::{parse_date, parse_num, DateErr, Num, DATE_FORMATS};
use crate::table::{column_strings, read_table, ReadSpec};
use crate::Result;
use demandcast_core::Catalog;
use std::collections::HashMap;
use std::path::Path;

/// Text columns, joined in this order (matched case-insensitively).
const TEXT_COLS: [&str; 3] = ["title", "description", "text"];

/// Loads a product catalogue (CSV or Parquet, one row per product).
///
/// * `id_col`: the product id (required, unique, non-empty);
/// * `title`, `description`, `text` (any case): joined, in that order and
///   skipping empty cells, with a newline into [`Catalog::text`];
/// * `launch_date` (`YYYY-MM-DD`) and `launch_price` (a non-negative number):
///   the planned launch, empty = not given;
/// * every other column: a text attribute ([`Catalog::attributes`]), in file
///   order, values as written (numbers in Parquet files formatted as text).
///
/// # Errors
/// [`crate::Error::MissingColumn`] without the id column;
/// [`crate::Error::Invalid`] for empty or duplicate ids (naming both rows),
/// unparsable launch dates or prices, negative prices.
pub fn load_catalog(path: &Path, id_col: &str) -> Result<Catalog> {
    let t = read_table(
        path,
        &ReadSpec {
            text: &[],
            all_text: true,
            numeric: None,
            text_if: None,
        },
    )?;
    let mut dg = Diags::new(&t.file);
    let id_i = t.require(id_col)?;
    check_duplicate_names(&t, &mut dg);
    let ids: Vec<String> = column_strings(&t.cols[id_i])
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (r, id) in ids.iter().enumerate() {
        if id.is_empty() {
            dg.error(
                "id-missing",
                "rows without an id",
                Some(t.row(r)),
                Some(id_col),
                || "missing product id (empty cell)".into(),
            );
        } else if let Some(&p) = seen.get(id.as_str()) {
            dg.error(
                "dup",
                "duplicate product ids",
                Some(t.row(r)),
                Some(id_col),
                || format!("duplicate product id '{id}': also in row {}", t.row(p)),
            );
        } else {
            seen.insert(id, r);
        }
    }
    let mut text = vec![String::new(); t.nrows];
    let mut launch_date = vec![None; t.nrows];
    let mut launch_price = vec![None; t.nrows];
    let mut attributes = Vec::new();
    let lower: Vec<String> = t.names.iter().map(|n| n.to_ascii_lowercase()).collect();
    for want in TEXT_COLS {
        for (j, l) in lower.iter().enumerate() {
            if *l == want && j != id_i {
                for (r, v) in column_strings(&t.cols[j]).into_iter().enumerate() {
                    let v = v.trim();
                    if v.is_empty() {
                        continue;
                    }
                    if !text[r].is_empty() {
                        text[r].push('\n');
                    }
                    text[r].push_str(v);
                }
            }
        }
    }
    for (j, col) in t.cols.iter().enumerate() {
        let name = t.names[j].as_str();
        let l = lower[j].as_str();
        if j == id_i || TEXT_COLS.contains(&l) || name.is_empty() {
            continue;
        }
        let values = column_strings(col);
        match l {
            "launch_date" => {
                for (r, v) in values.iter().enumerate() {
                    if v.trim().is_empty() {
                        continue;
                    }
                    match parse_date(v.as_bytes()) {
                        Ok(d) => launch_date[r] = Some(d),
                        Err(e) => dg.error(
                            "date-bad",
                            "unparsable launch dates",
                            Some(t.row(r)),
                            Some(name),
                            || match e {
                                DateErr::Bad => format!(
                                    "cannot parse '{v}' as a date (expected {DATE_FORMATS})"
                                ),
                                DateErr::NotMidnight => {
                                    format!("'{v}' has a time of day; the time must be 00:00:00")
                                }
                            },
                        ),
                    }
                }
            }
            "launch_price" => {
                for (r, v) in values.iter().enumerate() {
                    match parse_num(v.as_bytes(), t.decimal_comma) {
                        Num::Missing => {}
                        Num::Value(p) if p.is_finite() && p >= 0.0 => launch_price[r] = Some(p),
                        Num::Value(p) if p.is_nan() => {}
                        Num::Value(p) => dg.error(
                            "price-bad",
                            "invalid launch prices",
                            Some(t.row(r)),
                            Some(name),
                            || format!("launch price {p} must be a finite number >= 0"),
                        ),
                        Num::Bad => dg.error(
                            "price-bad",
                            "invalid launch prices",
                            Some(t.row(r)),
                            Some(name),
                            || format!("cannot parse '{v}' as a number"),
                        ),
                    }
                }
            }
            _ => attributes.push((
                name.to_string(),
                values.into_iter().map(|v| v.trim().to_string()).collect(),
            )),
        }
    }
    dg.check()?;
    Ok(Catalog {
        ids,
        text,
        attributes,
        launch_date,
        launch_price,
    })
}
