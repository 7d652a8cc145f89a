//! The M5 product x location hierarchy and its 12 aggregation levels.

use crate::{EvalError, Result};
use demandcast_core::Panel;
use serde::Serialize;

/// The five M5 keys, in the order stored in [`M5Hierarchy`].
pub const M5_KEYS: [&str; 5] = ["item_id", "dept_id", "cat_id", "store_id", "state_id"];

/// One M5 key, indexing [`M5_KEYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum M5Key {
    /// `FOODS_3_090`
    Item,
    /// `FOODS_3`
    Dept,
    /// `FOODS`
    Cat,
    /// `CA_1`
    Store,
    /// `CA`
    State,
}

impl M5Key {
    fn index(self) -> usize {
        self as usize
    }
}

/// An aggregation level: id, name and the keys it groups by (none = total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct M5Level {
    /// `L1` .. `L12`.
    pub id: &'static str,
    /// `total`, `state`, ..., `item x store`.
    pub name: &'static str,
    /// Grouping keys.
    pub keys: &'static [M5Key],
}

impl M5Level {
    /// The reference scorer's key, e.g. `L6 state x cat`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.name)
    }
}

use M5Key::{Cat, Dept, Item, State, Store};

/// The 12 M5 levels, as in `metrics.M5_LEVELS`.
pub const M5_LEVELS: [M5Level; 12] = [
    M5Level {
        id: "L1",
        name: "total",
        keys: &[],
    },
    M5Level {
        id: "L2",
        name: "state",
        keys: &[State],
    },
    M5Level {
        id: "L3",
        name: "store",
        keys: &[Store],
    },
    M5Level {
        id: "L4",
        name: "cat",
        keys: &[Cat],
    },
    M5Level {
        id: "L5",
        name: "dept",
        keys: &[Dept],
    },
    M5Level {
        id: "L6",
        name: "state x cat",
        keys: &[State, Cat],
    },
    M5Level {
        id: "L7",
        name: "state x dept",
        keys: &[State, Dept],
    },
    M5Level {
        id: "L8",
        name: "store x cat",
        keys: &[Store, Cat],
    },
    M5Level {
        id: "L9",
        name: "store x dept",
        keys: &[Store, Dept],
    },
    M5Level {
        id: "L10",
        name: "item",
        keys: &[Item],
    },
    M5Level {
        id: "L11",
        name: "item x state",
        keys: &[Item, State],
    },
    M5Level {
        id: "L12",
        name: "item x store",
        keys: &[Item, Store],
    },
];

/// The five M5 keys of each series of a panel (same order as the panel).
#[derive(Debug, Clone, PartialEq)]
pub struct M5Hierarchy {
    /// Series ids.
    pub ids: Vec<String>,
    /// Per series: item, dept, cat, store, state.
    pub keys: Vec<[String; 5]>,
}

/// Parses an M5 item-store id: `FOODS_3_090_CA_1` -> item `FOODS_3_090`,
/// dept `FOODS_3`, cat `FOODS`, store `CA_1`, state `CA`; a trailing
/// `_evaluation` / `_validation` is dropped (the reference scorer's regex
/// `^(((letters)_digits)_digits)_((letters)_digits)$`).
pub fn parse_m5_id(id: &str) -> Option<[String; 5]> {
    let core = id
        .strip_suffix("_evaluation")
        .or_else(|| id.strip_suffix("_validation"))
        .unwrap_or(id);
    let p: Vec<&str> = core.split('_').collect();
    let letters = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if p.len() != 5
        || !letters(p[0])
        || !digits(p[1])
        || !digits(p[2])
        || !letters(p[3])
        || !digits(p[4])
    {
        return None;
    }
    Some([
        format!("{}_{}_{}", p[0], p[1], p[2]),
        format!("{}_{}", p[0], p[1]),
        p[0].to_string(),
        format!("{}_{}", p[3], p[4]),
        p[3].to_string(),
    ])
}

/// The M5 keys (`item_id` ... `state_id`) that a panel lacks as statics,
/// parsed from its ids, in [`M5_KEYS`] order: what a global model can add as
/// hierarchy categoricals when a long table carries M5-style ids (as the
/// reference harness' files do: `item_id, dept_id, cat_id` but no store).
/// Empty when the panel has them all or when any id is not an M5 id.
///
/// ```
/// use demandcast_core::{Freq, NaiveDate, Panel};
/// use demandcast_eval::hierarchy::missing_m5_statics;
/// let d = NaiveDate::from_ymd_opt(2016, 1, 1).ok_or("bad date")?;
/// let p = Panel::from_series(Freq::Daily, vec![("FOODS_3_090_CA_1".to_string(), d, vec![1.0])])?;
/// let m = missing_m5_statics(&p);
/// assert_eq!(m.len(), 5);
/// assert_eq!(m[3], ("store_id", vec!["CA_1".to_string()]));
/// let other = Panel::from_series(Freq::Daily, vec![("sku-1".to_string(), d, vec![1.0])])?;
/// assert!(missing_m5_statics(&other).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn missing_m5_statics(panel: &Panel) -> Vec<(&'static str, Vec<String>)> {
    let missing: Vec<usize> = (0..M5_KEYS.len())
        .filter(|&k| panel.static_col(M5_KEYS[k]).is_none())
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let Ok(h) = M5Hierarchy::from_ids(panel.ids()) else {
        return Vec::new();
    };
    missing
        .into_iter()
        .map(|k| (M5_KEYS[k], h.keys.iter().map(|v| v[k].clone()).collect()))
        .collect()
}

impl M5Hierarchy {
    /// The keys of a panel's series: from its statics when it has all five
    /// (`item_id`, `dept_id`, `cat_id`, `store_id`, `state_id`), else parsed
    /// from the ids (see [`parse_m5_id`]).
    ///
    /// # Errors
    /// [`EvalError::Hierarchy`] when an id cannot be parsed.
    pub fn from_panel(panel: &Panel) -> Result<Self> {
        let statics: Option<Vec<&[String]>> = M5_KEYS.iter().map(|k| panel.static_col(k)).collect();
        if let Some(cols) = statics {
            let keys = (0..panel.n_series())
                .map(|i| std::array::from_fn(|k| cols[k][i].clone()))
                .collect();
            return Ok(Self {
                ids: panel.ids().to_vec(),
                keys,
            });
        }
        Self::from_ids(panel.ids())
    }

    /// The keys parsed from M5 ids.
    ///
    /// # Errors
    /// [`EvalError::Hierarchy`] naming the first id that cannot be parsed.
    pub fn from_ids(ids: &[String]) -> Result<Self> {
        let keys = ids
            .iter()
            .map(|id| {
                parse_m5_id(id).ok_or_else(|| {
                    EvalError::Hierarchy(format!(
                        "cannot parse M5 id '{id}' (expected e.g. FOODS_3_090_CA_1); give statics {}",
                        M5_KEYS.join(", ")
                    ))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            ids: ids.to_vec(),
            keys,
        })
    }

    /// Group code of each of the given series (indices into `self`) at `level`, and the group count.
    pub(crate) fn codes(&self, series: &[usize], level: &M5Level) -> (Vec<usize>, usize) {
        let mut map: std::collections::HashMap<Vec<&str>, usize> = std::collections::HashMap::new();
        let codes = series
            .iter()
            .map(|&i| {
                let k: Vec<&str> = level
                    .keys
                    .iter()
                    .map(|key| self.keys[i][key.index()].as_str())
                    .collect();
                let n = map.len();
                *map.entry(k).or_insert(n)
            })
            .collect();
        (codes, map.len().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids() {
        let k = parse_m5_id("FOODS_3_090_CA_1_evaluation").unwrap();
        assert_eq!(
            k,
            ["FOODS_3_090", "FOODS_3", "FOODS", "CA_1", "CA"].map(String::from)
        );
        assert!(parse_m5_id("FOODS_3_090").is_none());
        assert!(parse_m5_id("FOODS_x_090_CA_1").is_none());
        let h = M5Hierarchy::from_ids(&["HOBBIES_1_001_TX_2".to_string()]).unwrap();
        let (codes, g) = h.codes(&[0], &M5_LEVELS[0]);
        assert_eq!((codes, g), (vec![0], 1));
        assert!(M5Hierarchy::from_ids(&["abc".to_string()]).is_err());
    }
}
