//! Theta models, statsforecast-compatible: [`Theta`] (standard), [`OptimizedTheta`],
//! [`DynamicTheta`], [`DynamicOptimizedTheta`] and [`AutoTheta`], which fits all
//! four and keeps the one with the smallest in-sample loss.
//!
//! As in statsforecast 2.1.1 (`theta.py`, `src/theta.cpp`): a series that
//! passes the 90% autocorrelation test at lag `season_length` (`m >= 4`,
//! `n >= 2m`) is seasonally adjusted by classical decomposition
//! (multiplicative by default, additive when the data are not all positive),
//! the Theta state-space model of Fiorucci et al. (2016) is fitted by
//! Nelder-Mead, and prediction intervals come from 200 simulated paths drawn
//! with NumPy's generator seeded 0, so they match statsforecast's.
//!
//! # Example
//! ```
//! use demandcast_core::{Level, LocalFitted, LocalModel};
//! use demandcast_stats::{AutoTheta, ThetaVariant};
//! let y: Vec<f64> = (0..60).map(|t| 10.0 + 0.3 * t as f64 + [2.0, -1.0, 0.5, -1.5][t % 4]).collect();
//! let fit = AutoTheta::new(4).fit(&y).unwrap();
//! assert!(ThetaVariant::ALL.contains(&fit.variant()));
//! let f = fit.predict(8, &[Level::new(80.0).unwrap()]).unwrap();
//! assert_eq!(f.mean.len(), 8);
//! assert!(f.intervals[0].lower[0] <= f.mean[0] && f.mean[0] <= f.intervals[0].upper[0]);
//! ```

mod auto;
mod decompose;
mod fitted;
mod intervals;
mod memo;
mod model;
mod rng;

pub use decompose::DecompositionType;
pub use fitted::ThetaFitted;
pub use model::ThetaVariant;

use demandcast_core::{LocalModel, Result};

/// Theta model selection (statsforecast's `AutoTheta`): fits the standard,
/// optimised, dynamic standard and dynamic optimised models and keeps the one
/// with the smallest in-sample loss, or fits one chosen variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoTheta {
    season_length: usize,
    decomposition: DecompositionType,
    variant: Option<ThetaVariant>,
}

impl AutoTheta {
    /// All four variants, seasonal period `season_length` (1: no seasonality).
    pub fn new(season_length: usize) -> Self {
        Self {
            season_length,
            decomposition: DecompositionType::Multiplicative,
            variant: None,
        }
    }
    /// Sets the decomposition tried first for seasonal series (default multiplicative).
    pub fn with_decomposition(mut self, decomposition: DecompositionType) -> Self {
        self.decomposition = decomposition;
        self
    }
    /// Fits only `variant` instead of selecting (statsforecast's `model=`).
    pub fn with_variant(mut self, variant: ThetaVariant) -> Self {
        self.variant = Some(variant);
        self
    }
    /// The seasonal period.
    pub fn season_length(&self) -> usize {
        self.season_length
    }
}

impl LocalModel for AutoTheta {
    type Fitted = ThetaFitted;

    fn name(&self) -> String {
        "AutoTheta".into()
    }

    fn min_len(&self) -> usize {
        auto::MIN_LEN
    }

    fn fit(&self, y: &[f64]) -> Result<ThetaFitted> {
        let variants: &[ThetaVariant] = match &self.variant {
            Some(v) => std::slice::from_ref(v),
            None => &ThetaVariant::ALL,
        };
        auto::fit_theta(
            &self.name(),
            y,
            self.season_length,
            variants,
            self.decomposition,
        )
    }
}

/// Declares a single-variant Theta model (statsforecast's subclasses of `AutoTheta`).
macro_rules! theta_variant_model {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $variant:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $ty {
            season_length: usize,
            decomposition: DecompositionType,
        }

        impl $ty {
            /// With seasonal period `season_length` (1: no seasonality).
            pub fn new(season_length: usize) -> Self {
                Self {
                    season_length,
                    decomposition: DecompositionType::Multiplicative,
                }
            }
            /// Sets the decomposition tried first for seasonal series (default multiplicative).
            pub fn with_decomposition(mut self, decomposition: DecompositionType) -> Self {
                self.decomposition = decomposition;
                self
            }
            /// The seasonal period.
            pub fn season_length(&self) -> usize {
                self.season_length
            }
        }

        impl LocalModel for $ty {
            type Fitted = ThetaFitted;

            fn name(&self) -> String {
                $name.into()
            }

            fn min_len(&self) -> usize {
                auto::MIN_LEN
            }

            fn fit(&self, y: &[f64]) -> Result<ThetaFitted> {
                auto::fit_theta($name, y, self.season_length, &[$variant], self.decomposition)
            }
        }
    };
}

theta_variant_model!(
    /// The standard Theta method (Assimakopoulos & Nikolopoulos 2000) in its
    /// state-space form: theta = 2, static trend line; alpha and the initial
    /// level estimated (statsforecast's `Theta`, model `STM`).
    Theta,
    "Theta",
    ThetaVariant::Standard
);
theta_variant_model!(
    /// The optimised Theta method: theta estimated too (statsforecast's
    /// `OptimizedTheta`, model `OTM`).
    OptimizedTheta,
    "OptimizedTheta",
    ThetaVariant::Optimized
);
theta_variant_model!(
    /// The dynamic standard Theta method: theta = 2, trend line re-estimated
    /// at each step (statsforecast's `DynamicTheta`, model `DSTM`).
    DynamicTheta,
    "DynamicTheta",
    ThetaVariant::DynamicStandard
);
theta_variant_model!(
    /// The dynamic optimised Theta method: theta estimated, dynamic trend
    /// line (statsforecast's `DynamicOptimizedTheta`, model `DOTM`).
    DynamicOptimizedTheta,
    "DynamicOptimizedTheta",
    ThetaVariant::DynamicOptimized
);
