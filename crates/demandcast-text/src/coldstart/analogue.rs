//! Analogue forecasts: a new product sells like the products whose text is
//! nearest to its own, aligned on their launches and scaled by price.

use super::profile::LaunchProfile;
use super::words::WordIndex;
use serde::Serialize;

/// Default share of the word TF-IDF cosine in the analogue similarity (the
/// rest is the MiniLM cosine): an even mix (see [`super::words`]).
pub const WORD_WEIGHT: f64 = 0.5;

/// How the neighbours' launch totals are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Aggregate {
    /// Similarity-weighted median: the forecast that minimises absolute error
    /// (WAPE/MAE) when launch totals are heavy-tailed.
    Median,
    /// Similarity-weighted mean of `ln(1 + units)`, back-transformed.
    GeoMean,
    /// Similarity-weighted mean.
    Mean,
    /// The mean of [`Aggregate::GeoMean`] and [`Aggregate::Median`] in
    /// `ln(1 + units)`: the median's robustness to a single outlier among
    /// the neighbours with the geometric mean's use of all of them.
    Blend,
}

/// Parameters of the analogue forecast (chosen by backtest, see `select`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnalogueParams {
    /// Number of nearest neighbours.
    pub k: usize,
    /// How their totals are combined.
    pub aggregate: Aggregate,
    /// Price elasticity: each neighbour's total is multiplied by
    /// `(p_neighbour / p_new)^elasticity`, the ratio clipped to [0.2, 5].
    pub elasticity: f64,
    /// Weights are `max(similarity, 0.01)^power`.
    pub power: f64,
    /// Final multiplier (calibrated on the backtest to remove bias).
    pub scale: f64,
}

impl Default for AnalogueParams {
    /// 20 neighbours, blend of geometric mean and median, unit price elasticity (a neighbour's
    /// units are scaled by its price over the new price, i.e. the analogue
    /// is a revenue analogue) and a scale of [`DEFAULT_SCALE`]: the settings that forecast
    /// the Online Retail launches of April to August 2011 best from the data
    /// before each window (see BENCHMARKS.md, "Text and cold start"). The
    /// scale is the usual correction of averages in log space towards the
    /// units that the few large launches (which dominate WAPE) sell.
    fn default() -> Self {
        Self {
            k: 20,
            aggregate: Aggregate::Blend,
            elasticity: 1.0,
            power: 1.0,
            scale: DEFAULT_SCALE,
        }
    }
}

/// Scale used when the backtest has too few launches to calibrate one, and
/// the prior its calibrated scale is shrunk towards.
///
/// 1.8 rather than the 1.5 of session 7: on the four Online Retail windows
/// (`scripts/text_coldstart_folds.py`) the forecasts sat below the
/// WAPE-optimal level in seven of the eight window x horizon cells (optimal
/// multipliers 1.10 to 1.70 on top of the calibrated scale), because the
/// backtest on the previous weeks' launches asks for less than the next
/// weeks' launches sell (launch sizes grew through 2011); with 1.8 the mean
/// ratio to the best baseline went 0.849 -> 0.825 (4 weeks) and 0.853 ->
/// 0.828 (8 weeks), better on seven cells, worse on the 17 products of the
/// public split's 8-week target (1.069 -> 1.114).
pub const DEFAULT_SCALE: f64 = 1.8;

/// A product with history, as an analogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Product id.
    pub id: String,
    /// Its title / description.
    pub title: String,
    /// Its launch (or typical) price.
    pub price: Option<f64>,
    /// Launch-window total over the horizon (observed, extrapolated or `level * h * ramp`).
    pub total: f64,
    /// Share of the total in each period of the window (sums to 1).
    pub shape: Vec<f64>,
    /// Whether the launch was observed (else: an established product).
    pub observed: bool,
}

impl Reference {
    /// Builds a reference from a profile: complete launch curves as they are,
    /// partial ones extrapolated with the mean launch shape, established
    /// products as `level * h * ramp` with the mean shape. `None` when the
    /// profile carries no usable number.
    pub fn from_profile(
        p: &LaunchProfile,
        id: String,
        title: String,
        price: Option<f64>,
        h: usize,
        ramp: f64,
        shape: &[f64],
    ) -> Option<Self> {
        let (total, own_shape) = if p.observed && p.curve.len() >= h {
            let t: f64 = p.curve.iter().sum();
            let s = if t > 0.0 {
                p.curve.iter().map(|v| v / t).collect()
            } else {
                shape.to_vec()
            };
            (t, s)
        } else if p.observed && !p.curve.is_empty() {
            let seen: f64 = shape[..p.curve.len()].iter().sum();
            if seen <= 0.0 {
                return None;
            }
            (p.curve.iter().sum::<f64>() / seen, shape.to_vec())
        } else if p.level.is_finite() {
            (p.level * h as f64 * ramp, shape.to_vec())
        } else {
            return None;
        };
        total.is_finite().then_some(Self {
            id,
            title,
            price: price.filter(|p| *p > 0.0 && p.is_finite()),
            total,
            shape: own_shape,
            observed: p.observed,
        })
    }
}

/// One neighbour behind a cold-start forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analogue {
    /// Its product id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Similarity of the texts: the MiniLM cosine and the word TF-IDF
    /// cosine, mixed by the pool's word weight.
    pub similarity: f64,
    /// Its launch-window total after price scaling.
    pub scaled_total: f64,
    /// Its share of the weights.
    pub weight: f64,
}

/// An analogue forecast of one product.
#[derive(Debug, Clone, PartialEq)]
pub struct AnaloguePrediction {
    /// Units per period from the launch.
    pub curve: Vec<f64>,
    /// Total over the window.
    pub total: f64,
    /// The neighbours used, most similar first.
    pub analogues: Vec<Analogue>,
}

/// References, their embeddings (unit vectors, row-major) and a word index
/// of their titles.
#[derive(Debug, Clone, Default)]
pub struct AnaloguePool {
    /// The references.
    pub refs: Vec<Reference>,
    emb: Vec<f32>,
    dim: usize,
    words: WordIndex,
    word_weight: f64,
}

impl AnaloguePool {
    /// A pool from references and one embedding (of width `dim`) each, with
    /// the default word weight [`WORD_WEIGHT`].
    pub fn new(refs: Vec<Reference>, embeddings: Vec<&[f32]>, dim: usize) -> Self {
        let mut emb = Vec::with_capacity(refs.len() * dim);
        for e in embeddings {
            emb.extend_from_slice(&e[..dim.min(e.len())]);
            emb.resize(emb.len() + dim.saturating_sub(e.len()), 0.0);
        }
        let titles: Vec<&str> = refs.iter().map(|r| r.title.as_str()).collect();
        let words = WordIndex::new(&titles);
        Self {
            refs,
            emb,
            dim,
            words,
            word_weight: WORD_WEIGHT,
        }
    }

    /// The same pool with another share of the word cosine in the
    /// similarity (clamped to [0, 1]; 0: MiniLM only, 1: words only).
    pub fn with_word_weight(mut self, w: f64) -> Self {
        self.word_weight = if w.is_finite() {
            w.clamp(0.0, 1.0)
        } else {
            WORD_WEIGHT
        };
        self
    }

    /// Number of references.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The `k` references most similar to a product with embedding `q` and
    /// title `text` (index, similarity), most similar first.
    pub fn neighbours(&self, q: &[f32], text: &str, k: usize) -> Vec<(usize, f64)> {
        let w = self.word_weight;
        let lexical = if w > 0.0 {
            self.words.similarities(text)
        } else {
            Vec::new()
        };
        let mut s: Vec<(usize, f64)> = self
            .emb
            .chunks_exact(self.dim.max(1))
            .enumerate()
            .map(|(i, e)| {
                let cos = e.iter().zip(q).map(|(a, b)| a * b).sum::<f32>() as f64;
                let lex = lexical.get(i).copied().unwrap_or(0.0);
                (i, (1.0 - w) * cos + w * lex)
            })
            .collect();
        let k = k.min(s.len());
        if k == 0 {
            return Vec::new();
        }
        s.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
        s.truncate(k);
        s.sort_by(|a, b| b.1.total_cmp(&a.1));
        s
    }

    /// The forecast for a product with embedding `q` and launch `price`, from
    /// `neighbours` (as returned by [`AnaloguePool::neighbours`], at least `p.k`).
    pub fn predict_from(
        &self,
        neighbours: &[(usize, f64)],
        price: Option<f64>,
        p: &AnalogueParams,
        h: usize,
    ) -> AnaloguePrediction {
        let nb = &neighbours[..p.k.min(neighbours.len())];
        let mut vals = Vec::with_capacity(nb.len());
        let mut ws = Vec::with_capacity(nb.len());
        for &(i, sim) in nb {
            let r = &self.refs[i];
            let ratio = match (r.price, price.filter(|x| *x > 0.0)) {
                (Some(a), Some(b)) => (a / b).clamp(0.2, 5.0).powf(p.elasticity),
                _ => 1.0,
            };
            vals.push(r.total * ratio);
            ws.push(sim.max(0.01).powf(p.power));
        }
        let wsum: f64 = ws.iter().sum();
        let total = if vals.is_empty() || wsum <= 0.0 {
            0.0
        } else {
            let geo = || {
                (vals
                    .iter()
                    .zip(&ws)
                    .map(|(v, w)| w * v.max(0.0).ln_1p())
                    .sum::<f64>()
                    / wsum)
                    .exp_m1()
            };
            match p.aggregate {
                Aggregate::Median => weighted_median(&vals, &ws),
                Aggregate::GeoMean => geo(),
                Aggregate::Mean => vals.iter().zip(&ws).map(|(v, w)| w * v).sum::<f64>() / wsum,
                Aggregate::Blend => {
                    let m = weighted_median(&vals, &ws).max(0.0);
                    ((geo().ln_1p() + m.ln_1p()) / 2.0).exp_m1()
                }
            }
        } * p.scale;
        // The shape is the weighted mean of the neighbours' shapes.
        let mut shape = vec![0.0; h];
        for (&(i, _), w) in nb.iter().zip(&ws) {
            for (a, b) in shape.iter_mut().zip(&self.refs[i].shape) {
                *a += w * b;
            }
        }
        let ssum: f64 = shape.iter().sum();
        let curve = if ssum > 0.0 {
            shape.iter().map(|s| total * s / ssum).collect()
        } else {
            vec![total / h.max(1) as f64; h]
        };
        let analogues = nb
            .iter()
            .zip(vals.iter().zip(&ws))
            .map(|(&(i, sim), (v, w))| Analogue {
                id: self.refs[i].id.clone(),
                title: self.refs[i].title.clone(),
                similarity: sim,
                scaled_total: *v,
                weight: if wsum > 0.0 { w / wsum } else { 0.0 },
            })
            .collect();
        AnaloguePrediction {
            curve,
            total,
            analogues,
        }
    }
}

/// The smallest value whose cumulative weight reaches half the total.
pub fn weighted_median(v: &[f64], w: &[f64]) -> f64 {
    let mut o: Vec<usize> = (0..v.len()).collect();
    o.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let half = w.iter().sum::<f64>() / 2.0;
    let mut c = 0.0;
    for i in o {
        c += w[i];
        if c >= half {
            return v[i];
        }
    }
    v.last().copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_matches_numpy_rule() {
        // np: o=argsort(v); c=cumsum(w[o]); v[o][searchsorted(c, c[-1]/2)] -> 3.0
        assert_eq!(
            weighted_median(&[5.0, 1.0, 3.0, 10.0], &[1.0, 1.0, 2.0, 0.5]),
            3.0
        );
        assert_eq!(weighted_median(&[2.0], &[1.0]), 2.0);
    }

    #[test]
    fn neighbours_scale_by_price_and_keep_shape() {
        let r = |id: &str, total: f64, price: f64| Reference {
            id: id.into(),
            title: id.into(),
            price: Some(price),
            total,
            shape: vec![0.75, 0.25],
            observed: true,
        };
        let pool = AnaloguePool::new(
            vec![r("a", 100.0, 2.0), r("b", 10.0, 1.0), r("c", 1000.0, 1.0)],
            vec![&[1.0, 0.0], &[0.8, 0.6], &[0.0, 1.0]],
            2,
        )
        .with_word_weight(0.0);
        let nb = pool.neighbours(&[1.0, 0.0], "", 2);
        assert_eq!(nb.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1]);
        let p = AnalogueParams {
            k: 2,
            aggregate: Aggregate::Mean,
            elasticity: 1.0,
            power: 1.0,
            scale: 1.0,
        };
        let f = pool.predict_from(&nb, Some(1.0), &p, 2);
        // a: 100 * (2/1) = 200 with weight 1; b: 10 with weight 0.8.
        let want = (200.0 + 0.8 * 10.0) / 1.8;
        assert!((f.total - want).abs() < 1e-5);
        assert!((f.curve[0] - 0.75 * want).abs() < 1e-5);
        assert_eq!(f.analogues[0].id, "a");
        assert!((f.analogues[0].weight - 1.0 / 1.8).abs() < 1e-7);
    }

    #[test]
    fn geometric_mean_and_blend_of_revenue_analogues() {
        // Each neighbour's units times its price over the new price,
        // geometric mean of 1 + units weighted by similarity, times the
        // default scale.
        let r = |id: &str, title: &str, total: f64, price: f64| Reference {
            id: id.into(),
            title: title.into(),
            price: Some(price),
            total,
            shape: vec![0.5, 0.5],
            observed: true,
        };
        let pool = AnaloguePool::new(
            vec![
                r("a", "CAKE CASES", 99.0, 1.0),
                r("b", "CAKE TIN", 9.0, 4.0),
            ],
            vec![&[1.0, 0.0], &[1.0, 0.0]],
            2,
        );
        let nb = pool.neighbours(&[1.0, 0.0], "SET OF CAKE CASES", 2);
        assert_eq!(
            nb[0].0, 0,
            "the shared words decide between equal embeddings"
        );
        let (s0, s1) = (nb[0].1, nb[1].1);
        assert!(s0 > s1 && s1 > 0.5 && s0 < 1.0, "{s0} {s1}");
        let geo = AnalogueParams {
            aggregate: Aggregate::GeoMean,
            ..AnalogueParams::default()
        };
        let f = pool.predict_from(&nb, Some(2.0), &geo, 2);
        // a: 99 * 1/2 = 49.5; b: 9 * 4/2 = 18.
        let g = (s0 * 50.5f64.ln() + s1 * 19.0f64.ln()) / (s0 + s1);
        assert!(
            (f.total - DEFAULT_SCALE * g.exp_m1()).abs() < 1e-9,
            "{}",
            f.total
        );
        assert_eq!(f.analogues[1].scaled_total, 18.0);
        // The default blend: the weighted median is a's 49.5 (the larger
        // weight), averaged with the geometric mean in ln(1 + units).
        let f = pool.predict_from(&nb, Some(2.0), &AnalogueParams::default(), 2);
        let b = ((g + 50.5f64.ln()) / 2.0).exp_m1();
        assert!(
            (f.total - DEFAULT_SCALE * b).abs() < 1e-9,
            "{} vs {}",
            f.total,
            DEFAULT_SCALE * b
        );
    }
}
