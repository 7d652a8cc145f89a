//! [`AutoEts`]: the candidate loop of statsforecast's `ets_f` (selection by
//! AICc) and the fitted model [`FittedEts`].

use super::drive::optimize;
use super::fit::{conclude, etsmodel, prepare, Candidate, FitContext};
use super::init_state::SeasonalCache;
use super::intervals::intervals;
use super::params::{Par, LOWER, UPPER};
use super::recursion::forecast;
use super::spec::{invalid, Choice, Component, EtsComponents, Spec};
use demandcast_core::{Error, Forecast, Level, LocalFitted, LocalModel, Result};

/// Automatic exponential smoothing (statsforecast's `AutoETS`): fits every
/// allowed ETS model by maximum likelihood and keeps the one with the
/// smallest AICc.
///
/// The model string is statsforecast's: error in `A`/`M`/`Z`, trend and
/// season in `N`/`A`/`M`/`Z`, `Z` meaning "select". With `"ZZZ"` the
/// candidates are errors A and M, trends N, A and damped A, seasons N, A
/// and M, except that multiplicative errors and seasons are skipped when the
/// series has zeros or negative values, seasonal models when
/// `season_length == 1` or the series is not longer than one season, and
/// the combinations statsforecast forbids (additive error with a
/// multiplicative component). A `"AAdN"`-style string fixes a damped trend.
///
/// # Example
/// ```
/// use demandcast_core::{Level, LocalFitted, LocalModel};
/// use demandcast_stats::AutoEts;
/// let y: Vec<f64> = (0..48)
///     .map(|t| 20.0 + 0.5 * t as f64 + [3.0, -1.0, 0.0, -2.0][t % 4] + ((t * 37) % 11) as f64 * 0.3)
///     .collect();
/// let fit = AutoEts::new(4, "ZZZ").unwrap().fit(&y).unwrap();
/// let f = fit.predict(8, &[Level::new(95.0).unwrap()]).unwrap();
/// assert_eq!(f.mean.len(), 8);
/// assert!(fit.spec().starts_with('A') || fit.spec().starts_with('M'));
/// assert!(f.intervals[0].lower[0] < f.mean[0]);
/// ```
#[derive(Debug, Clone)]
pub struct AutoEts {
    season_length: usize,
    model: String,
    spec: Spec,
    damped: Option<bool>,
}

impl AutoEts {
    /// A model for series with `season_length` observations per season
    /// (1 for none) and the model string `spec` (e.g. `"ZZZ"`, `"ANN"`,
    /// `"AAA"`, `"ZZN"`, `"MAM"`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown or forbidden model string, a
    /// zero season length, or a seasonal component with `season_length == 1`.
    pub fn new(season_length: usize, spec: &str) -> Result<AutoEts> {
        let parsed = Spec::parse(spec)?;
        if season_length == 0 {
            return Err(invalid("season_length must be at least 1".into()));
        }
        if season_length == 1
            && matches!(
                parsed.season,
                Choice::Fixed(Component::Additive | Component::Multiplicative)
            )
        {
            return Err(invalid(format!(
                "model '{spec}' is seasonal but season_length is 1"
            )));
        }
        Ok(AutoEts {
            season_length,
            model: spec.to_string(),
            damped: parsed.damped,
            spec: parsed,
        })
    }

    /// Whether the trend is damped: `Some(true)` only damped, `Some(false)`
    /// never, `None` (default) both are tried.
    pub fn damped(mut self, damped: Option<bool>) -> Self {
        self.damped = damped;
        self
    }

    /// The season length.
    pub fn season_length(&self) -> usize {
        self.season_length
    }

    /// The model string as given.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// statsforecast's `npars` count for the tiny-data check; `Z` counts as
    /// no component, as in `ets_f`.
    fn npars(&self, season: bool) -> usize {
        let fixed = |c: Choice| {
            matches!(
                c,
                Choice::Fixed(Component::Additive | Component::Multiplicative)
            )
        };
        2 + 2 * usize::from(fixed(self.spec.trend))
            + 2 * usize::from(season && fixed(self.spec.season))
            + usize::from(self.damped == Some(true))
    }

    /// The candidate models in statsforecast's loop order.
    fn candidates(&self, season_ok: bool, positive: bool) -> Vec<EtsComponents> {
        use Component::{Additive as A, Multiplicative as M, None as N};
        let errors = self.spec.error.candidates(&[A, M]);
        let trends = self.spec.trend.candidates(&[N, A]);
        let seasons = if season_ok {
            self.spec.season.candidates(&[N, A, M])
        } else {
            vec![N]
        };
        let dampeds = match self.damped {
            Some(d) => vec![d],
            None => vec![true, false],
        };
        let mut out = Vec::new();
        for &error in &errors {
            for &trend in &trends {
                for &season in &seasons {
                    for &damped in &dampeds {
                        let skip = (trend == N && damped)
                            || (error == A && (trend == M || season == M))
                            || (error == M && trend == M && season == A)
                            || (!positive && (error == M || season == M))
                            || (season != N && self.season_length == 1);
                        if !skip {
                            out.push(EtsComponents {
                                error,
                                trend,
                                season,
                                damped,
                            });
                        }
                    }
                }
            }
        }
        out
    }
}

impl LocalModel for AutoEts {
    type Fitted = FittedEts;

    fn name(&self) -> String {
        "AutoETS".into()
    }

    /// statsforecast's tiny-data limit (`n > npars + 4`), where a seasonal
    /// component is dropped for series not longer than one season.
    fn min_len(&self) -> usize {
        let without = self.npars(false) + 5;
        if without <= self.season_length {
            without
        } else {
            (self.season_length + 1).max(self.npars(true) + 5)
        }
    }

    fn fit(&self, y: &[f64]) -> Result<FittedEts> {
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "the series contains the non-finite value {v}"
            )));
        }
        let too_short = |needed: usize| Error::TooShort {
            model: "AutoETS".into(),
            needed,
            got: y.len(),
        };
        if y.is_empty() {
            return Err(too_short(self.min_len()));
        }
        let m = self.season_length;
        let mut ctx = FitContext {
            y,
            m,
            lower: LOWER,
            upper: UPPER,
            cache: SeasonalCache::default(),
        };
        if y.iter().all(|&v| v == y[0]) {
            // statsforecast fits ANN with alpha fixed at 0.9999 to constant series.
            let comps = EtsComponents {
                error: Component::Additive,
                trend: Component::None,
                season: Component::None,
                damped: false,
            };
            let fixed = Par {
                alpha: 0.9999,
                ..Par::UNSET
            };
            return etsmodel(&mut ctx, comps, fixed)?
                .map(FittedEts)
                .ok_or_else(|| too_short(4));
        }
        let season_ok = m > 1 && y.len() > m;
        let n = y.len();
        if n <= self.npars(season_ok) + 4 {
            return Err(too_short(self.npars(season_ok) + 5));
        }
        let positive = y.iter().copied().fold(f64::INFINITY, f64::min) > 0.0;
        if !positive && self.spec.error == Choice::Fixed(Component::Multiplicative) {
            return Err(invalid(
                "multiplicative errors need strictly positive data".into(),
            ));
        }
        // Set up every candidate in statsforecast's order (the bounds carry
        // over from one to the next), optimise them together, then select.
        let mut preps = Vec::new();
        for comps in self.candidates(season_ok, positive) {
            if let Some(p) = prepare(&mut ctx, comps, Par::UNSET)? {
                preps.push(p);
            }
        }
        let results = optimize(&mut preps);
        let mut best: Option<Candidate> = None;
        for (prep, res) in preps.iter().zip(&results) {
            let fit = conclude(y, prep, res);
            tracing::trace!(model = %prep.comps, aicc = fit.aicc, iterations = fit.n_iter, "AutoETS candidate");
            if !fit.aicc.is_nan() && fit.aicc < best.as_ref().map_or(f64::INFINITY, |b| b.aicc) {
                best = Some(fit);
            }
        }
        best.map(FittedEts).ok_or_else(|| Error::Fit {
            model: "AutoETS".into(),
            reason: "no model able to be fitted".into(),
        })
    }
}

/// An ETS model fitted by [`AutoEts`]: the selected components, parameters,
/// states and criteria (statsforecast's `model_` dict).
#[derive(Debug, Clone)]
pub struct FittedEts(Candidate);

impl FittedEts {
    /// The selected components.
    pub fn components(&self) -> EtsComponents {
        self.0.comps
    }
    /// The selected model in compact form, e.g. `"AAdN"` or `"MNM"`: error,
    /// trend (with `d` when damped), season. See also [`FittedEts::method`].
    pub fn spec(&self) -> String {
        self.0.comps.short()
    }
    /// statsforecast's `method` string, e.g. `"ETS(A,Ad,N)"`.
    pub fn method(&self) -> String {
        self.0.comps.method()
    }
    /// The season length of the selected model (1 when non-seasonal).
    pub fn season_length(&self) -> usize {
        self.0.m
    }
    /// Level smoothing parameter.
    pub fn alpha(&self) -> f64 {
        self.0.par.alpha
    }
    /// Trend smoothing parameter, if the model has a trend.
    pub fn beta(&self) -> Option<f64> {
        some(self.0.par.beta)
    }
    /// Seasonal smoothing parameter, if the model is seasonal.
    pub fn gamma(&self) -> Option<f64> {
        some(self.0.par.gamma)
    }
    /// Damping parameter, if the trend is damped.
    pub fn phi(&self) -> Option<f64> {
        some(self.0.par.phi)
    }
    /// Akaike's information criterion.
    pub fn aic(&self) -> f64 {
        self.0.aic
    }
    /// AIC corrected for small samples (the selection criterion).
    pub fn aicc(&self) -> f64 {
        self.0.aicc
    }
    /// Bayesian information criterion.
    pub fn bic(&self) -> f64 {
        self.0.bic
    }
    /// Log-likelihood (statsforecast's `loglik`, up to constants).
    pub fn loglik(&self) -> f64 {
        self.0.loglik
    }
    /// Residual variance (of relative errors for multiplicative errors).
    pub fn sigma2(&self) -> f64 {
        self.0.sigma2
    }
    /// Mean squared one-step in-sample error.
    pub fn mse(&self) -> f64 {
        self.0.mse
    }
    /// Mean of the 1- to 3-step in-sample mean squared errors.
    pub fn amse(&self) -> f64 {
        self.0.amse
    }
    /// Number of estimated parameters including the variance.
    pub fn n_params(&self) -> usize {
        self.0.n_params
    }
    /// Initial states: level, trend (if any), seasonal states newest first.
    pub fn initial_states(&self) -> &[f64] {
        &self.0.init_state
    }
    /// States after the last observation, laid out as [`FittedEts::initial_states`].
    pub fn last_states(&self) -> &[f64] {
        &self.0.last_state
    }
    /// In-sample errors (relative errors for multiplicative-error models).
    pub fn residuals(&self) -> &[f64] {
        &self.0.residuals
    }
}

fn some(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

impl LocalFitted for FittedEts {
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast> {
        let c = &self.0;
        let mut mean = vec![0.0; h];
        let has_trend = c.comps.trend.is_some();
        let off = 1 + usize::from(has_trend);
        let b = if has_trend { c.last_state[1] } else { 0.0 };
        let phi = if c.comps.damped { c.par.phi } else { 1.0 };
        let s = if c.comps.season.is_some() {
            &c.last_state[off..]
        } else {
            &[][..]
        };
        forecast(
            &mut mean,
            c.last_state[0],
            b,
            s,
            c.m.max(1),
            c.comps.trend,
            c.comps.season,
            phi,
            h,
        );
        let levels = Level::normalize(levels.to_vec());
        let intervals = if levels.is_empty() || h == 0 {
            Vec::new()
        } else {
            intervals(c, &mean, &levels)
        };
        Ok(Forecast { mean, intervals })
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        Some(self.0.fitted.clone())
    }
}
