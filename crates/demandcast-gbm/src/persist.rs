//! Saving and loading fitted models: a folder with `model.json` (the
//! parameters, feature recipe and file list) and one LightGBM text model per
//! booster, readable by LightGBM itself (`lgb.Booster(model_file=...)`).
//!
//! Every file is written to a temporary name and renamed, and `model.json`
//! goes last, so an interrupted save never leaves a folder that loads.

use crate::fitted::{GbmFitted, GroupModel, Head};
use crate::params::GbmParams;
use crate::{GbmError, Result};
use demandcast_core::{Level, Panel};
use demandcast_features::FittedFeatures;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format tag of `model.json`.
pub const FORMAT: &str = "demandcast-gbm/1";

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    name: String,
    params: GbmParams,
    features: FittedFeatures,
    levels: Vec<Level>,
    horizon: Option<usize>,
    nonnegative: bool,
    groups: Vec<GroupFiles>,
    /// Conformal interval adjustment `[level][step]`.
    #[serde(default)]
    widen: Vec<Vec<f64>>,
}

#[derive(Serialize, Deserialize)]
struct GroupFiles {
    key: String,
    heads: Vec<HeadFiles>,
}

#[derive(Serialize, Deserialize)]
struct HeadFiles {
    quantile: Option<f64>,
    /// `[step][seed]` file names, relative to the folder.
    files: Vec<Vec<String>>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GbmError + '_ {
    move |source| GbmError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

impl GbmFitted {
    /// Saves the model into folder `dir` (created if missing).
    ///
    /// # Errors
    /// [`GbmError::Io`] naming the file that could not be written.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut groups = Vec::with_capacity(self.groups.len());
        for (gi, g) in self.groups.iter().enumerate() {
            let mut heads = Vec::with_capacity(g.heads.len());
            for (hi, h) in g.heads.iter().enumerate() {
                let tag = match h.quantile {
                    None => "point".to_string(),
                    Some(q) => format!("q{q}"),
                };
                let mut files = Vec::with_capacity(h.models.len());
                for (step, seeds) in h.models.iter().enumerate() {
                    let mut names = Vec::with_capacity(seeds.len());
                    for (k, m) in seeds.iter().enumerate() {
                        let name = format!("booster-g{gi}-h{hi}-{tag}-step{step}-seed{k}.txt");
                        write_atomic(&dir.join(&name), m.as_bytes())?;
                        names.push(name);
                    }
                    files.push(names);
                }
                heads.push(HeadFiles {
                    quantile: h.quantile,
                    files,
                });
            }
            groups.push(GroupFiles {
                key: g.key.clone(),
                heads,
            });
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            name: self.name.clone(),
            params: self.params.clone(),
            features: self.features.clone(),
            levels: self.levels.clone(),
            horizon: self.horizon,
            nonnegative: self.nonnegative,
            groups,
            widen: self.widen.clone(),
        };
        let path = dir.join("model.json");
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| GbmError::Format {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, &json)
    }

    /// Loads a model saved by [`GbmFitted::save`]; it forecasts from `history`.
    ///
    /// # Errors
    /// [`GbmError::Io`] / [`GbmError::Format`] naming the file at fault, or a
    /// covariate error when `history` lacks a covariate the model uses.
    pub fn load(dir: &Path, history: Panel) -> Result<Self> {
        let path: PathBuf = dir.join("model.json");
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| GbmError::Format {
            path: path.clone(),
            reason: format!("not a demandcast LightGBM model: {e}"),
        })?;
        if m.format != FORMAT {
            return Err(GbmError::Format {
                path,
                reason: format!("format '{}', expected '{FORMAT}'", m.format),
            });
        }
        if history.freq() != m.features.freq {
            return Err(GbmError::Usage(format!(
                "the model was fitted on {} data, the history is {}",
                m.features.freq,
                history.freq()
            )));
        }
        for c in &m.features.covariates {
            if history.covariate(c).is_none() {
                return Err(demandcast_features::Error::MissingCovariate(c.clone()).into());
            }
        }
        let mut groups = Vec::with_capacity(m.groups.len());
        for g in m.groups {
            let mut heads = Vec::with_capacity(g.heads.len());
            for h in g.heads {
                let mut models = Vec::with_capacity(h.files.len());
                for seeds in h.files {
                    let mut v = Vec::with_capacity(seeds.len());
                    for f in seeds {
                        let p = dir.join(&f);
                        v.push(std::fs::read_to_string(&p).map_err(io(&p))?);
                    }
                    models.push(v);
                }
                heads.push(Head {
                    quantile: h.quantile,
                    models,
                });
            }
            groups.push(GroupModel { key: g.key, heads });
        }
        Ok(GbmFitted::new(
            m.name,
            m.params,
            m.features,
            m.levels,
            m.horizon,
            m.nonnegative,
            groups,
            crate::hierarchy::complete(history),
        )
        .with_widen(m.widen))
    }
}
