//! statsforecast's `auto_theta`: seasonal adjustment, then each candidate
//! variant fitted and the one with the smallest in-sample loss kept.

use super::decompose::{adjust, DecompositionType};
use super::fitted::ThetaFitted;
use super::model::{optimize, Prepared, ThetaVariant};
use demandcast_core::{Error, Result};

/// The fewest observations statsforecast fits (it rejects `n <= 3`).
pub(crate) const MIN_LEN: usize = 4;

/// Fits the best of `variants` to `y` with season length `m`.
pub(crate) fn fit_theta(
    name: &str,
    y: &[f64],
    m: usize,
    variants: &[ThetaVariant],
    decomposition: DecompositionType,
) -> Result<ThetaFitted> {
    let n = y.len();
    if n < MIN_LEN {
        return Err(Error::TooShort {
            model: name.to_string(),
            needed: MIN_LEN,
            got: n,
        });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidInput {
            model: name.to_string(),
            reason: "the series has missing or infinite values".into(),
        });
    }
    let seasonal = adjust(y, m, decomposition);
    let adjusted = seasonal.as_ref().map(|s| s.remove(y));
    let ya = adjusted.as_deref().unwrap_or(y);

    let prep = Prepared::new(ya);
    let mut best: Option<(ThetaVariant, super::model::Params, f64)> = None;
    for &variant in variants {
        let params = super::memo::params(ya, variant, || optimize(&prep, variant));
        let mse = prep.loss(variant, params.level0, params.alpha, params.theta);
        tracing::trace!(variant = variant.code(), mse, ?params, "theta candidate");
        // NaN losses are skipped; ties keep the earlier variant.
        if !mse.is_nan() && best.is_none_or(|(_, _, b)| mse < b) {
            best = Some((variant, params, mse));
        }
    }
    let Some((variant, params, _)) = best.filter(|(_, _, b)| b.is_finite()) else {
        return Err(Error::Fit {
            model: name.to_string(),
            reason: "no Theta variant could be fitted".into(),
        });
    };
    let run = prep.run(variant, params.level0, params.alpha, params.theta);

    // statsforecast re-seasonalises the residuals before taking their standard
    // deviation for the intervals (multiplying, or *adding* the seasonal
    // component for the additive decomposition); mirrored so that intervals match.
    let sf_resid: Vec<f64> = match &seasonal {
        None => run.resid.clone(),
        Some(s) => run
            .resid
            .iter()
            .zip(&s.component)
            .map(|(e, si)| match s.kind {
                DecompositionType::Multiplicative => e * si,
                DecompositionType::Additive => e + si,
            })
            .collect(),
    };
    let tail = if sf_resid.len() - 3 >= 2 {
        &sf_resid[3..]
    } else {
        &sf_resid[..]
    };
    let sigma = std_ddof1(tail);

    // Fitted values on the original scale: one-step forecasts, re-seasonalised.
    // (statsforecast's `y - residuals` agrees for the multiplicative case but
    // drops the seasonal component for the additive one.)
    let fitted: Vec<f64> = ya
        .iter()
        .zip(&run.resid)
        .enumerate()
        .map(|(t, (v, e))| {
            let mu = v - e;
            match &seasonal {
                None => mu,
                Some(s) => match s.kind {
                    DecompositionType::Multiplicative => mu * s.component[t],
                    DecompositionType::Additive => mu + s.component[t],
                },
            }
        })
        .collect();
    let season = seasonal.map(|s| {
        let m = m.min(n);
        (s.kind, s.component[n - m..].to_vec())
    });
    Ok(ThetaFitted {
        variant,
        params,
        mse: run.mse,
        n,
        state: run.state,
        mean_y: ya.iter().sum::<f64>() / n as f64,
        sigma,
        season,
        fitted,
    })
}

/// Sample standard deviation (`np.std(x, ddof=1)`).
fn std_ddof1(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}
