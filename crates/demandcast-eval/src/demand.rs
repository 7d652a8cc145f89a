//! Demand classification (Syntetos & Boylan, 2005) by ADI and CV².
//!
//! On the training part of a series from its first non-zero value (before an
//! item's launch there is no demand to classify), NaN values skipped:
//!
//! * `ADI = n_periods / n_nonzero` — the average inter-demand interval
//!   (periods from the first non-zero to the end, per demand occurrence);
//! * `CV² = (sd / mean)²` of the non-zero demand sizes (population sd; 0 with
//!   a single demand).
//!
//! | class        | ADI      | CV²      |
//! |--------------|----------|----------|
//! | smooth       | < 1.32   | < 0.49   |
//! | erratic      | < 1.32   | >= 0.49  |
//! | intermittent | >= 1.32  | < 0.49   |
//! | lumpy        | >= 1.32  | >= 0.49  |
//!
//! A series without any non-zero value is `no_demand`.

use demandcast_core::Panel;
use serde::Serialize;
use std::fmt;

/// Syntetos-Boylan demand class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandClass {
    /// Regular demand, regular sizes.
    Smooth,
    /// Regular demand, variable sizes.
    Erratic,
    /// Sporadic demand, regular sizes.
    Intermittent,
    /// Sporadic demand, variable sizes.
    Lumpy,
    /// No non-zero observation.
    NoDemand,
}

impl DemandClass {
    /// All classes, in display order.
    pub const ALL: [DemandClass; 5] = [
        DemandClass::Smooth,
        DemandClass::Erratic,
        DemandClass::Intermittent,
        DemandClass::Lumpy,
        DemandClass::NoDemand,
    ];

    /// Lower-case name (`smooth`, ..., `no_demand`).
    pub fn as_str(self) -> &'static str {
        match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
            DemandClass::NoDemand => "no_demand",
        }
    }
}

impl fmt::Display for DemandClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cut-offs of the classification (Syntetos-Boylan defaults 1.32 and 0.49).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassThresholds {
    /// ADI at and above which demand is sporadic.
    pub adi: f64,
    /// CV² at and above which sizes are variable.
    pub cv2: f64,
}

impl Default for ClassThresholds {
    fn default() -> Self {
        Self {
            adi: 1.32,
            cv2: 0.49,
        }
    }
}

/// ADI, CV² and class of one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DemandProfile {
    /// Average inter-demand interval (NaN without demand).
    pub adi: f64,
    /// Squared coefficient of variation of non-zero sizes (NaN without demand).
    pub cv2: f64,
    /// Non-NaN periods from the first non-zero value.
    pub n_periods: usize,
    /// Periods with non-zero demand.
    pub n_nonzero: usize,
    /// The class.
    pub class: DemandClass,
}

/// Classifies one series (oldest first) with the given thresholds.
pub fn classify(y: &[f64], th: ClassThresholds) -> DemandProfile {
    let from = crate::scale::first_nonzero(y);
    let vals = y[from..].iter().copied().filter(|v| !v.is_nan());
    let (mut n, mut nz, mut s, mut s2) = (0usize, 0usize, 0.0, 0.0);
    for v in vals {
        n += 1;
        if v != 0.0 {
            nz += 1;
            s += v;
            s2 += v * v;
        }
    }
    if nz == 0 {
        return DemandProfile {
            adi: f64::NAN,
            cv2: f64::NAN,
            n_periods: n,
            n_nonzero: 0,
            class: DemandClass::NoDemand,
        };
    }
    let adi = n as f64 / nz as f64;
    let mean = s / nz as f64;
    let var = (s2 / nz as f64 - mean * mean).max(0.0);
    let cv2 = var / (mean * mean);
    let class = match (adi < th.adi, cv2 < th.cv2) {
        (true, true) => DemandClass::Smooth,
        (true, false) => DemandClass::Erratic,
        (false, true) => DemandClass::Intermittent,
        (false, false) => DemandClass::Lumpy,
    };
    DemandProfile {
        adi,
        cv2,
        n_periods: n,
        n_nonzero: nz,
        class,
    }
}

/// Classifies every series of a panel (all its rows: pass the training panel).
pub fn classify_panel(panel: &Panel, th: ClassThresholds) -> Vec<DemandProfile> {
    (0..panel.n_series())
        .map(|i| classify(panel.series(i), th))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked() {
        let th = ClassThresholds::default();
        // from the first non-zero: 4 periods, 2 demands -> ADI 2; sizes 2, 6 -> mean 4, var 4, CV² 0.25
        let p = classify(&[0.0, 0.0, 2.0, 0.0, 6.0, 0.0], th);
        assert_eq!((p.n_periods, p.n_nonzero), (4, 2));
        assert!((p.adi - 2.0).abs() < 1e-12 && (p.cv2 - 0.25).abs() < 1e-12);
        assert_eq!(p.class, DemandClass::Intermittent);
        assert_eq!(classify(&[5.0, 5.0, 5.0], th).class, DemandClass::Smooth);
        // sizes 1, 9: mean 5, var 16, CV² 0.64
        assert_eq!(classify(&[1.0, 9.0], th).class, DemandClass::Erratic);
        assert_eq!(
            classify(&[1.0, 0.0, 0.0, 9.0], th).class,
            DemandClass::Lumpy
        );
        assert_eq!(classify(&[0.0, 0.0], th).class, DemandClass::NoDemand);
    }
}
