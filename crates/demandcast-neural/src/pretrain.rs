//! Pretraining on synthetic series plus real non-benchmark series.

use crate::config::TsfmConfig;
use crate::corpus::{load_corpus, mixup, real_window, RealSeries};
use crate::model::{default_device, Tsfm};
use crate::optim::AdamW;
use crate::store::{load_tensors, save_tensors, write_atomic, CONFIG, WEIGHTS};
use crate::synth::synth_window;
use crate::train::{
    draw_batch, train_loop, TrainEvent, TrainHooks, TrainOptions, TrainReport, WindowSource,
};
use crate::window::Window;
use crate::{Error, Result};
use candle_core::{DType, Var};
use candle_nn::{VarBuilder, VarMap};
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A pretraining run: the architecture, the optimisation and the data mixture
/// (the `--config` file of `demandcast pretrain`, JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PretrainConfig {
    /// Architecture.
    pub model: TsfmConfig,
    /// Optimisation.
    pub train: TrainOptions,
    /// Folder with the real data sets (`shared/data`); `None` = synthetic only.
    pub data_dir: Option<PathBuf>,
    /// Share of windows cut from real series (when any were loaded).
    pub real_fraction: f64,
    /// Probability that a real window is a TSMixup of 2-3 windows.
    pub mixup_prob: f64,
    /// Validation windows (half synthetic, half real), drawn once from a separate seed.
    pub val_windows: usize,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self {
            model: TsfmConfig::default(),
            train: TrainOptions::default(),
            data_dir: None,
            real_fraction: 0.3,
            mixup_prob: 0.5,
            val_windows: 512,
        }
    }
}

/// The pretraining data mixture.
pub struct Mixture {
    corpus: Vec<RealSeries>,
    real_fraction: f64,
    mixup_prob: f64,
    context_len: usize,
    horizon: usize,
}

impl Mixture {
    /// The mixture for `cfg`, reading the real corpus when a data folder is set.
    ///
    /// # Errors
    /// An unreadable data file.
    pub fn new(cfg: &PretrainConfig) -> Result<Self> {
        let corpus = match &cfg.data_dir {
            Some(d) => load_corpus(d)?,
            None => Vec::new(),
        };
        Ok(Self {
            corpus,
            real_fraction: cfg.real_fraction,
            mixup_prob: cfg.mixup_prob,
            context_len: cfg.model.context_len,
            horizon: cfg.model.horizon_len,
        })
    }

    /// Number of real series loaded.
    pub fn n_real(&self) -> usize {
        self.corpus.len()
    }
}

impl WindowSource for Mixture {
    fn draw(&self, rng: &mut StdRng) -> Option<Window> {
        // A context without any sale (a product before its launch) gives the
        // model nothing to scale by: its targets, in units of a fallback scale
        // of 1, would dominate the loss of a batch. Such windows are redrawn;
        // new products are the cold-start model's job (demandcast-text).
        let w = self.draw_any(rng)?;
        let observed = w.context.iter().rev().take(self.context_len);
        if observed.filter(|v| v.is_finite()).all(|v| *v == 0.0) {
            return None;
        }
        Some(w)
    }
}

impl Mixture {
    fn draw_any(&self, rng: &mut StdRng) -> Option<Window> {
        if !self.corpus.is_empty() && rng.random_bool(self.real_fraction) {
            let w = real_window(rng, &self.corpus, self.context_len, self.horizon)?;
            if rng.random_bool(self.mixup_prob) {
                let k = rng.random_range(1..=2);
                let mut ws = vec![w];
                for _ in 0..k {
                    if let Some(o) = real_window(rng, &self.corpus, self.context_len, self.horizon)
                    {
                        if o.freq == ws[0].freq {
                            ws.push(o);
                        }
                    }
                }
                return mixup(rng, &ws);
            }
            Some(w)
        } else {
            Some(synth_window(rng, self.context_len, self.horizon))
        }
    }
}

/// The first `n` validation windows of a run: drawn from a seed and step that
/// no training batch uses (also read by `examples/pretrain_stream.rs`).
pub fn validation_windows(cfg: &PretrainConfig, mix: &Mixture, n: usize) -> Vec<Window> {
    draw_batch(mix, cfg.train.seed ^ 0x005E_ED0F_7A11, usize::MAX >> 24, n)
}

struct Hooks<'a> {
    out: PathBuf,
    varmap: &'a VarMap,
    on_event: &'a mut dyn FnMut(TrainEvent),
}

fn varmap_tensors(vm: &VarMap) -> Result<std::collections::HashMap<String, candle_core::Tensor>> {
    let data = vm
        .data()
        .lock()
        .map_err(|_| Error::Train("variable map lock poisoned".into()))?;
    Ok(data
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect())
}

impl TrainHooks for Hooks<'_> {
    fn event(&mut self, e: TrainEvent) {
        (self.on_event)(e);
    }
    fn checkpoint(&mut self, step: usize, opt: &AdamW, report: &TrainReport) -> Result<()> {
        let ck = self.out.join("checkpoint");
        std::fs::create_dir_all(&ck).map_err(|e| Error::io(&ck, e))?;
        save_tensors(&ck.join(WEIGHTS), &varmap_tensors(self.varmap)?)?;
        save_tensors(&ck.join("optimizer.safetensors"), &opt.state()?)?;
        let state = serde_json::to_vec_pretty(report).map_err(|e| Error::Train(e.to_string()))?;
        // The state file is written last: a checkpoint is complete when it names the step.
        write_atomic(&ck.join("state.json"), &state)?;
        tracing::info!("checkpoint at step {step}");
        Ok(())
    }
    fn best(&mut self, _step: usize, _opt: &AdamW) -> Result<()> {
        Ok(())
    }
}

/// Pretrains a model into `out` (`config.json`, `model.safetensors`,
/// `loss.csv`, `checkpoint/`). With `resume` and an existing checkpoint, it
/// continues from there with the same data stream.
///
/// # Errors
/// Invalid configuration, unreadable data, tensor failures, I/O failures.
pub fn pretrain(
    cfg: &PretrainConfig,
    out: &Path,
    resume: bool,
    on_event: &mut dyn FnMut(TrainEvent),
    stop: &AtomicBool,
) -> Result<TrainReport> {
    cfg.model.validate()?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let dev = default_device();
    let mix = Mixture::new(cfg)?;
    tracing::info!(
        "pretraining mixture: {} real series, synthetic on the fly",
        mix.n_real()
    );
    let varmap = VarMap::new();
    let model = Tsfm::new(
        &cfg.model,
        VarBuilder::from_varmap(&varmap, DType::F32, &dev),
        None,
    )?;
    crate::nn::reseed(&varmap, cfg.train.seed)?;
    let vars: Vec<(String, Var)> = {
        let d = varmap
            .data()
            .lock()
            .map_err(|_| Error::Train("lock poisoned".into()))?;
        d.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let n_params: usize = vars.iter().map(|(_, v)| v.elem_count()).sum();
    tracing::info!("model: {n_params} parameters");
    if cfg.train.ema != 0.0 {
        return Err(Error::Train(
            "train.ema: pretraining keeps no moving average of the weights (fine-tuning does)"
                .into(),
        ));
    }
    let mut opt = AdamW::new(vars, cfg.train.adamw());
    let mut start = 0;
    let mut report = TrainReport::default();
    let ck = out.join("checkpoint");
    if resume && ck.join("state.json").exists() {
        let w = load_tensors(&ck.join(WEIGHTS), &dev)?;
        for (name, var) in opt.vars() {
            if let Some(t) = w.get(name) {
                var.set(t)?;
            }
        }
        opt.load_state(&load_tensors(&ck.join("optimizer.safetensors"), &dev)?)?;
        let text = std::fs::read(ck.join("state.json")).map_err(|e| Error::io(&ck, e))?;
        report = serde_json::from_slice(&text).map_err(|e| Error::Train(e.to_string()))?;
        start = report.steps;
        report.interrupted = false;
        tracing::info!("resuming at step {start}");
    }
    let cfg_json =
        serde_json::to_vec_pretty(&cfg.model).map_err(|e| Error::Train(e.to_string()))?;
    write_atomic(&out.join(CONFIG), &cfg_json)?;
    let run_json = serde_json::to_vec_pretty(cfg).map_err(|e| Error::Train(e.to_string()))?;
    write_atomic(&out.join("pretrain.json"), &run_json)?;
    let val = validation_windows(cfg, &mix, cfg.val_windows);
    let mut hooks = Hooks {
        out: out.to_path_buf(),
        varmap: &varmap,
        on_event,
    };
    let report = train_loop(
        &model, &mut opt, &mix, &val, &cfg.train, start, report, &mut hooks, stop, &dev,
    )?;
    if !report.interrupted {
        save_tensors(&out.join(WEIGHTS), &varmap_tensors(&varmap)?)?;
    }
    let mut csv = String::from("step,train_loss,val_loss\n");
    for (s, t, v) in &report.curve {
        csv.push_str(&format!("{s},{t:.5},{v:.5}\n"));
    }
    write_atomic(&out.join("loss.csv"), csv.as_bytes())?;
    Ok(report)
}
