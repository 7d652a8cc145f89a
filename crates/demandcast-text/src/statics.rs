//! Text embeddings as static features of global models (gradient boosting,
//! the time-series transformer): a PCA projection to a few dimensions,
//! attached to a panel as constant covariate columns `text_0 .. text_{k-1}`.

use crate::{Error, Result};
use demandcast_core::Panel;
use std::collections::HashMap;

/// A fitted PCA projection of embeddings. It is serialisable so that a
/// model trained on its columns (`demandcast fit --text-features K`) can be
/// saved with it and fed the same columns later.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextProjection {
    /// Mean embedding.
    pub mean: Vec<f64>,
    /// Principal directions (unit vectors), largest variance first.
    pub components: Vec<Vec<f64>>,
}

impl TextProjection {
    /// Fits `k` principal components by power iteration with deflation.
    /// Hand-written because `k` is small (a handful of dimensions out of 384)
    /// and it avoids a linear-algebra dependency for one function; 100
    /// iterations from a deterministic start reach ~1e-10 on well-separated
    /// eigenvalues.
    ///
    /// # Errors
    /// [`Error::Invalid`] without vectors or with `k` larger than their width.
    pub fn fit(vectors: &[Vec<f32>], k: usize) -> Result<Self> {
        let n = vectors.len();
        let d = vectors.first().map_or(0, Vec::len);
        if n == 0 || k > d {
            return Err(Error::Invalid(format!(
                "cannot fit {k} components to {n} vectors of width {d}"
            )));
        }
        let mut mean = vec![0.0; d];
        for v in vectors {
            for (m, x) in mean.iter_mut().zip(v) {
                *m += *x as f64 / n as f64;
            }
        }
        let mut cov = vec![0.0; d * d];
        for v in vectors {
            let c: Vec<f64> = v.iter().zip(&mean).map(|(x, m)| *x as f64 - m).collect();
            for i in 0..d {
                for j in i..d {
                    cov[i * d + j] += c[i] * c[j];
                }
            }
        }
        for i in 0..d {
            for j in 0..i {
                cov[i * d + j] = cov[j * d + i];
            }
        }
        let mut components = Vec::with_capacity(k);
        for c in 0..k {
            let mut v: Vec<f64> = (0..d)
                .map(|i| 1.0 + ((i * 7 + c * 13) % 11) as f64 / 11.0)
                .collect();
            let mut lambda = 0.0;
            for _ in 0..200 {
                let mut w: Vec<f64> = (0..d)
                    .map(|i| (0..d).map(|j| cov[i * d + j] * v[j]).sum())
                    .collect();
                let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm == 0.0 {
                    break;
                }
                w.iter_mut().for_each(|x| *x /= norm);
                lambda = norm;
                v = w;
            }
            // Deflate: remove this direction's variance.
            for i in 0..d {
                for j in 0..d {
                    cov[i * d + j] -= lambda * v[i] * v[j];
                }
            }
            // A sign convention makes the projection reproducible.
            if v.iter().sum::<f64>() < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            components.push(v);
        }
        Ok(Self { mean, components })
    }

    /// The projection of one embedding.
    pub fn project(&self, v: &[f32]) -> Vec<f64> {
        self.components
            .iter()
            .map(|c| {
                c.iter()
                    .zip(v)
                    .zip(&self.mean)
                    .map(|((a, x), m)| a * (*x as f64 - m))
                    .sum()
            })
            .collect()
    }
}

/// Adds `text_0 .. text_{k-1}` covariate columns to `panel`, constant within
/// each series: the projection of its product's embedding. Series without an
/// embedding get NaN (missing), which gradient boosting handles natively.
///
/// # Errors
/// Panel errors (a column name already taken).
pub fn with_text_covariates(
    panel: Panel,
    ids: &[String],
    vectors: &[Vec<f32>],
    projection: &TextProjection,
) -> Result<Panel> {
    let pos: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let feats: Vec<Option<Vec<f64>>> = panel
        .ids()
        .iter()
        .map(|id| {
            pos.get(id.as_str())
                .map(|&i| projection.project(&vectors[i]))
        })
        .collect();
    let k = projection.components.len();
    let mut panel = panel;
    for c in 0..k {
        let mut col = Vec::with_capacity(panel.n_rows());
        for (s, f) in feats.iter().enumerate() {
            let v = f.as_ref().map_or(f64::NAN, |f| f[c]);
            col.extend(std::iter::repeat_n(v, panel.len_of(s)));
        }
        panel = panel
            .with_covariate(format!("text_{c}"), col)
            .map_err(|e| Error::Invalid(e.to_string()))?;
    }
    Ok(panel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_dominant_direction() {
        // Points spread along (1, 1, 0)/sqrt2 with small noise along z.
        let vs: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let t = i as f32 - 25.0;
                vec![t, t, 0.01 * ((i % 3) as f32 - 1.0)]
            })
            .collect();
        let p = TextProjection::fit(&vs, 2).unwrap();
        let c = &p.components[0];
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!((c[0] - s).abs() < 1e-6 && (c[1] - s).abs() < 1e-6 && c[2].abs() < 1e-4);
        // Projection of a centred point onto the first component.
        let z = p.project(&[
            1.0 + p.mean[0] as f32,
            1.0 + p.mean[1] as f32,
            p.mean[2] as f32,
        ]);
        assert!((z[0] - 2.0 * s).abs() < 1e-5);
        // Components are orthogonal.
        let dot: f64 = p.components[0]
            .iter()
            .zip(&p.components[1])
            .map(|(a, b)| a * b)
            .sum();
        assert!(dot.abs() < 1e-6);
    }
}
