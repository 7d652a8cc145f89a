//! The model names the registry knows, with what each one needs.
//!
//! One table drives parsing, error messages, `demandcast models` and the
//! README, so the list of valid names cannot drift between them.

use std::fmt;

/// A model family the registry can build, without its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// Last value repeated.
    Naive,
    /// Value one season ago repeated.
    SeasonalNaive,
    /// Mean of the whole history.
    HistoricAverage,
    /// Mean of the last `window_size` values.
    WindowAverage,
    /// Exponential smoothing, form chosen by AICc.
    AutoEts,
    /// Standard theta method.
    Theta,
    /// Theta with optimised theta parameter.
    OptimizedTheta,
    /// Dynamic theta.
    DynamicTheta,
    /// Dynamic optimised theta.
    DynamicOptimizedTheta,
    /// Best theta variant by in-sample fit.
    AutoTheta,
    /// Croston's method, alpha = 0.1.
    CrostonClassic,
    /// Croston's method with optimised smoothing.
    CrostonOptimized,
    /// Syntetos-Boylan approximation of Croston.
    CrostonSba,
    /// Aggregate-disaggregate intermittent demand approach.
    Adida,
    /// Multiple aggregation levels of ADIDA, averaged.
    Imapa,
    /// Teunter-Syntetos-Babai: demand probability and size.
    Tsb,
    /// Per-series choice among the statistical models by backtest.
    Auto,
    /// Global LightGBM over lags, calendar, prices and statics (demandcast-gbm).
    LightGbm,
    /// demandcast's pretrained time-series transformer (demandcast-neural).
    Tsfm,
    /// Weighted mean of the other listed models, weights chosen by backtest.
    Ensemble,
}

/// What the registry knows about one model family.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo {
    /// The family.
    pub kind: ModelKind,
    /// The name users type (`croston_sba`).
    pub name: &'static str,
    /// The statsforecast class name, also the output column (`CrostonSBA`).
    pub class: &'static str,
    /// Parameters after the name, e.g. `[:season_length]`; empty when none.
    pub params: &'static str,
    /// One line for `demandcast models` and the README.
    pub summary: &'static str,
}

const fn info(
    kind: ModelKind,
    name: &'static str,
    class: &'static str,
    params: &'static str,
    summary: &'static str,
) -> ModelInfo {
    ModelInfo {
        kind,
        name,
        class,
        params,
        summary,
    }
}

/// Every model family, statistical ones first, in the order `all` expands to.
pub const MODELS: [ModelInfo; 20] = [
    info(
        ModelKind::Naive,
        "naive",
        "Naive",
        "",
        "last observed value",
    ),
    info(
        ModelKind::SeasonalNaive,
        "seasonal_naive",
        "SeasonalNaive",
        "[:season_length]",
        "value one season earlier",
    ),
    info(
        ModelKind::HistoricAverage,
        "historic_average",
        "HistoricAverage",
        "",
        "mean of the whole history",
    ),
    info(
        ModelKind::WindowAverage,
        "window_average",
        "WindowAverage",
        "[:window_size]",
        "mean of the last window_size values (default: the season length)",
    ),
    info(
        ModelKind::AutoEts,
        "auto_ets",
        "AutoETS",
        "[:season_length][:ZZZ]",
        "exponential smoothing; error/trend/season chosen by AICc",
    ),
    info(
        ModelKind::Theta,
        "theta",
        "Theta",
        "[:season_length]",
        "standard theta method",
    ),
    info(
        ModelKind::OptimizedTheta,
        "optimized_theta",
        "OptimizedTheta",
        "[:season_length]",
        "theta with optimised theta",
    ),
    info(
        ModelKind::DynamicTheta,
        "dynamic_theta",
        "DynamicTheta",
        "[:season_length]",
        "dynamic theta",
    ),
    info(
        ModelKind::DynamicOptimizedTheta,
        "dynamic_optimized_theta",
        "DynamicOptimizedTheta",
        "[:season_length]",
        "dynamic optimised theta",
    ),
    info(
        ModelKind::AutoTheta,
        "auto_theta",
        "AutoTheta",
        "[:season_length]",
        "best theta variant by in-sample MSE",
    ),
    info(
        ModelKind::CrostonClassic,
        "croston_classic",
        "CrostonClassic",
        "",
        "Croston, alpha = 0.1 (intermittent demand)",
    ),
    info(
        ModelKind::CrostonOptimized,
        "croston_optimized",
        "CrostonOptimized",
        "",
        "Croston with optimised smoothing (intermittent)",
    ),
    info(
        ModelKind::CrostonSba,
        "croston_sba",
        "CrostonSBA",
        "",
        "Syntetos-Boylan approximation (intermittent)",
    ),
    info(
        ModelKind::Adida,
        "adida",
        "ADIDA",
        "",
        "aggregate-disaggregate (intermittent)",
    ),
    info(
        ModelKind::Imapa,
        "imapa",
        "IMAPA",
        "",
        "ADIDA over several aggregation levels (intermittent)",
    ),
    info(
        ModelKind::Tsb,
        "tsb",
        "TSB",
        "[:alpha_d:alpha_p]",
        "Teunter-Syntetos-Babai (intermittent; default 0.1:0.1)",
    ),
    info(
        ModelKind::Auto,
        "auto",
        "auto",
        "",
        "per-series choice among the statistical models by backtest",
    ),
    info(
        ModelKind::LightGbm,
        "lightgbm",
        "LightGBM",
        "[:key=value,...]",
        "global LightGBM on lags, calendar, prices, promotions, statics (Tweedie)",
    ),
    info(
        ModelKind::Tsfm,
        "tsfm",
        "Tsfm",
        "[:adapter=DIR][,weekday|events|promotions|calibrate=on|off]",
        "pretrained transformer, zero-shot or with a fine-tuned adapter (quantiles)",
    ),
    info(
        ModelKind::Ensemble,
        "ensemble",
        "Ensemble",
        "[:windows|:equal]",
        "weighted mean of the other listed models, weights chosen by backtest (default 3 windows), or equal",
    ),
];

impl ModelKind {
    /// The registry entry of this family.
    pub fn info(self) -> &'static ModelInfo {
        // MODELS holds one entry per variant; the test `table_is_complete` checks it.
        MODELS.iter().find(|m| m.kind == self).unwrap_or(&MODELS[0])
    }

    /// The name users type, e.g. `croston_sba`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The statsforecast class name, e.g. `CrostonSBA`.
    pub fn class(self) -> &'static str {
        self.info().class
    }

    /// Looks a family up by its name (`croston_sba`) or statsforecast class
    /// (`CrostonSBA`), ignoring case, `_` and `-`.
    pub fn from_name(s: &str) -> Option<Self> {
        let key = normalize(s);
        MODELS
            .iter()
            .find(|m| normalize(m.name) == key || normalize(m.class) == key)
            .map(|m| m.kind)
    }

    /// The families `all` expands to: every statistical model (not `auto`).
    pub fn statistical() -> impl Iterator<Item = ModelKind> {
        MODELS.iter().map(|m| m.kind).filter(|k| {
            !matches!(
                k,
                ModelKind::Auto | ModelKind::LightGbm | ModelKind::Tsfm | ModelKind::Ensemble
            )
        })
    }

    /// Whether models of this family read covariates (prices, promotions,
    /// events). The statistical families do not; any other family is assumed
    /// to, so that a new one never loses its inputs by omission. Loaders use
    /// this to skip reading columns no model needs.
    pub fn uses_covariates(self) -> bool {
        !matches!(
            self,
            ModelKind::Naive
                | ModelKind::SeasonalNaive
                | ModelKind::HistoricAverage
                | ModelKind::WindowAverage
                | ModelKind::AutoEts
                | ModelKind::Theta
                | ModelKind::OptimizedTheta
                | ModelKind::DynamicTheta
                | ModelKind::DynamicOptimizedTheta
                | ModelKind::AutoTheta
                | ModelKind::CrostonClassic
                | ModelKind::CrostonOptimized
                | ModelKind::CrostonSba
                | ModelKind::Adida
                | ModelKind::Imapa
                | ModelKind::Tsb
                | ModelKind::Auto
        )
    }

    /// Every valid name, comma-separated, for error messages.
    pub fn valid_names() -> String {
        let mut names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
        names.push("all");
        names.join(", ")
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete() {
        for (i, m) in MODELS.iter().enumerate() {
            assert_eq!(m.kind.info().name, m.name);
            assert!(MODELS[i + 1..]
                .iter()
                .all(|o| o.kind != m.kind && o.name != m.name));
        }
    }

    #[test]
    fn names_and_classes_resolve() {
        assert_eq!(
            ModelKind::from_name("croston_sba"),
            Some(ModelKind::CrostonSba)
        );
        assert_eq!(
            ModelKind::from_name("CrostonSBA"),
            Some(ModelKind::CrostonSba)
        );
        assert_eq!(ModelKind::from_name("AutoETS"), Some(ModelKind::AutoEts));
        assert_eq!(ModelKind::from_name("AUTO_ETS"), Some(ModelKind::AutoEts));
        assert_eq!(ModelKind::from_name("ADIDA"), Some(ModelKind::Adida));
        assert_eq!(ModelKind::from_name("prophet"), None);
        assert_eq!(ModelKind::statistical().count(), MODELS.len() - 4);
    }
}
