//! Per-step input features (calendar, price, promotion, events) and static buckets.
//!
//! The model reads a fixed set of per-step features whatever the data set, so
//! that one pretrained model serves every user: covariate columns are mapped
//! to the slots below by name, and unknown covariates are reported, not used.

use chrono::{Datelike, NaiveDate};
use demandcast_core::Freq;

/// Number of per-step features.
pub const N_STEP_FEATURES: usize = 8;
/// Slot: sine of the day of week (daily data only).
pub const F_DOW_SIN: usize = 0;
/// Slot: cosine of the day of week.
pub const F_DOW_COS: usize = 1;
/// Slot: sine of the position in the year.
pub const F_YEAR_SIN: usize = 2;
/// Slot: cosine of the position in the year.
pub const F_YEAR_COS: usize = 3;
/// Slot: log of the price relative to the usual (regular or median) price, clipped to ±1.5.
pub const F_PRICE: usize = 4;
/// Slot: promotion intensity in [0, 1] (flag, or discount share).
pub const F_PROMO: usize = 5;
/// Slot: holiday or event flag.
pub const F_EVENT: usize = 6;
/// Slot: benefit-payment day flag (SNAP in the M5 data).
pub const F_BENEFIT: usize = 7;

/// The model's id for a frequency (0 = unknown, 1 daily, 2 weekly, 3 monthly, 4 quarterly, 5 yearly).
pub fn freq_id(freq: Freq) -> u32 {
    match freq {
        Freq::Daily => 1,
        Freq::Weekly(_) => 2,
        Freq::MonthStart | Freq::MonthEnd => 3,
        Freq::QuarterStart => 4,
        Freq::YearStart => 5,
    }
}

/// Writes the calendar slots of one step dated `d` into `out` (length [`N_STEP_FEATURES`]).
pub fn calendar(d: NaiveDate, daily: bool, out: &mut [f32]) {
    use std::f32::consts::TAU;
    if daily {
        let w = d.weekday().num_days_from_monday() as f32 / 7.0;
        out[F_DOW_SIN] = (TAU * w).sin();
        out[F_DOW_COS] = (TAU * w).cos();
    }
    let y = (d.ordinal0() as f32) / 365.25;
    out[F_YEAR_SIN] = (TAU * y).sin();
    out[F_YEAR_COS] = (TAU * y).cos();
}

/// What a covariate column is used for, decided from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CovRole {
    /// The selling price (`sell_price`, `price`, `price_actual`).
    Price,
    /// The regular (shelf, base) price: prices are taken relative to it.
    BasePrice,
    /// A promotion flag or discount (`promo`, `feature`, `display`, `tpr`, `discount`).
    Promo,
    /// A holiday or event flag (`event`, `holiday`).
    Event,
    /// A benefit-payment flag (`snap`).
    Benefit,
}

/// Maps a covariate name to its role, or `None` when the model does not read it.
pub fn cov_role(name: &str) -> Option<CovRole> {
    let n = name.to_ascii_lowercase();
    let has = |s: &str| n.contains(s);
    if has("base_price") || has("price_regular") || has("regular_price") || has("shelf_price") {
        Some(CovRole::BasePrice)
    } else if has("price") {
        Some(CovRole::Price)
    } else if has("promo")
        || has("feature")
        || has("display")
        || has("tpr")
        || has("discount")
        || has("markdown")
    {
        Some(CovRole::Promo)
    } else if has("event") || has("holiday") {
        Some(CovRole::Event)
    } else if has("snap") || has("benefit") {
        Some(CovRole::Benefit)
    } else {
        None
    }
}

/// Fills the price/promo/event slots of `n` steps from role-tagged covariate
/// values (`None` = column absent). `usual_price` is the reference for relative
/// prices when there is no base-price column (the median of the history).
/// Missing values (NaN) leave the slot at 0 (no information).
pub fn covariate_slots(
    cols: &[(CovRole, &[f64])],
    usual_price: Option<f64>,
    n: usize,
    out: &mut [f32],
) {
    let k = N_STEP_FEATURES;
    let base = cols
        .iter()
        .find(|(r, _)| *r == CovRole::BasePrice)
        .map(|c| c.1);
    for t in 0..n {
        let o = &mut out[t * k..(t + 1) * k];
        for (role, v) in cols {
            let x = v[t];
            if !x.is_finite() {
                continue;
            }
            match role {
                CovRole::Price => {
                    let reference = base.map(|b| b[t]).filter(|b| b.is_finite() && *b > 0.0);
                    if let Some(r) = reference.or(usual_price).filter(|r| *r > 0.0) {
                        if x > 0.0 {
                            o[F_PRICE] = ((x / r).ln() as f32).clamp(-1.5, 1.5);
                        }
                    }
                }
                CovRole::BasePrice => {}
                CovRole::Promo => {
                    // Flags (0/1) pass through; discounts given as amounts or
                    // percentages are squashed to (0, 1).
                    let p = if (0.0..=1.0).contains(&x) {
                        x
                    } else {
                        1.0 - (-x.abs()).exp()
                    };
                    o[F_PROMO] = o[F_PROMO].max(p as f32);
                }
                CovRole::Event => {
                    if x != 0.0 {
                        o[F_EVENT] = 1.0;
                    }
                }
                CovRole::Benefit => {
                    if x != 0.0 {
                        o[F_BENEFIT] = 1.0;
                    }
                }
            }
        }
    }
}

/// The hash bucket (1..n_buckets) of a static attribute value; 0 means "none".
///
/// FNV-1a by hand because the buckets are baked into the shipped weights and
/// must not change with the Rust version (std's `DefaultHasher` may).
pub fn static_bucket(name: &str, value: &str, n_buckets: usize) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain([b'=']).chain(value.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    1 + (h % (n_buckets.max(2) as u64 - 1)) as u32
}

/// The median of the positive finite values, if any.
pub fn median_positive(v: &[f64]) -> Option<f64> {
    let mut x: Vec<f64> = v
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    if x.is_empty() {
        return None;
    }
    x.sort_by(f64::total_cmp);
    Some(x[x.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_by_name() {
        assert_eq!(cov_role("sell_price"), Some(CovRole::Price));
        assert_eq!(cov_role("BASE_PRICE"), Some(CovRole::BasePrice));
        assert_eq!(cov_role("FEATURE"), Some(CovRole::Promo));
        assert_eq!(cov_role("event_Sporting"), Some(CovRole::Event));
        assert_eq!(cov_role("snap"), Some(CovRole::Benefit));
        assert_eq!(cov_role("temperature"), None);
    }

    #[test]
    fn relative_price_and_promo() {
        let price = [2.0, 1.0, f64::NAN];
        let base = [2.0, 2.0, 2.0];
        let promo = [0.0, 1.0, 25.0];
        let mut out = vec![0f32; 3 * N_STEP_FEATURES];
        covariate_slots(
            &[
                (CovRole::Price, &price),
                (CovRole::BasePrice, &base),
                (CovRole::Promo, &promo),
            ],
            None,
            3,
            &mut out,
        );
        assert_eq!(out[F_PRICE], 0.0);
        assert!((out[N_STEP_FEATURES + F_PRICE] - 0.5f32.ln()).abs() < 1e-6);
        assert_eq!(out[2 * N_STEP_FEATURES + F_PRICE], 0.0);
        assert_eq!(out[N_STEP_FEATURES + F_PROMO], 1.0);
        assert!(out[2 * N_STEP_FEATURES + F_PROMO] > 0.99);
    }

    #[test]
    fn buckets_are_stable_and_in_range() {
        let b = static_bucket("store_id", "CA_1", 1024);
        assert!((1..1024).contains(&b));
        assert_eq!(b, static_bucket("store_id", "CA_1", 1024));
        assert_ne!(b, static_bucket("store_id", "TX_2", 1024));
    }
}
