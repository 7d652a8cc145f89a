//! `forecast --catalog FILE --text-features K`: each product's text embedding,
//! projected on its first `K` principal components, becomes `K` covariate
//! columns `text_0 ..` that are constant within a series, for the global
//! models that read covariates (LightGBM). The future rows repeat them over
//! the horizon, so no `--future` file has to carry them.

use crate::text_output::EmbeddedCatalog;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Catalog, Column, FutureCovariates, Panel};
use demandcast::neural::store::read_adapter_meta;
use demandcast::ModelSpec;
use demandcast_text::{with_text_covariates, TextProjection};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The file of a saved model folder that holds its text projection
/// (`demandcast fit --text-features K --save DIR`).
pub const PROJECTION_FILE: &str = "text_projection.json";

/// The first `k` principal components of the embeddings of the products
/// being forecast, so that its directions are those that separate them.
///
/// # Errors
/// No catalogue product among the series.
pub fn fit_projection(
    panel: &Panel,
    catalog: &Catalog,
    emb: &EmbeddedCatalog,
    k: usize,
    ui: &Ui,
) -> Result<TextProjection> {
    let row = rows_by_id(catalog);
    let known: Vec<Vec<f32>> = panel
        .ids()
        .iter()
        .filter_map(|id| row.get(id.as_str()).map(|&r| emb.vectors[r].clone()))
        .collect();
    let proj = TextProjection::fit(&known, k).with_context(|| {
        format!(
            "--text-features {k}: {} of {} series have a catalogue row with text",
            known.len(),
            panel.n_series()
        )
    })?;
    ui.note(format!(
        "text features: {k} principal components of the MiniLM embeddings as text_0..text_{} \
         ({} of {} series described by the catalogue; the others read them as missing)",
        k - 1,
        known.len(),
        panel.n_series()
    ));
    Ok(proj)
}

/// Writes `proj` to `dir`/[`PROJECTION_FILE`] (a temporary file renamed
/// into place).
///
/// # Errors
/// I/O errors naming the file.
pub fn save_projection(dir: &Path, proj: &TextProjection) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let path = dir.join(PROJECTION_FILE);
    let tmp = path.with_extension("json.tmp");
    let json = serde_json::to_vec(proj)?;
    std::fs::write(&tmp, json).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// The projection saved with a model, if it has one.
///
/// # Errors
/// An unreadable or malformed file, named.
pub fn load_projection(dir: &Path) -> Result<Option<TextProjection>> {
    let path = dir.join(PROJECTION_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let proj: TextProjection = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a text projection", path.display()))?;
    Ok(Some(proj))
}

fn rows_by_id(catalog: &Catalog) -> HashMap<&str, usize> {
    catalog
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect()
}

/// The panel with the text columns `text_0 ..` of `proj` (fitted now, or
/// saved with a model), and future covariates that carry them over the
/// horizon (the given ones extended, or new ones).
///
/// # Errors
/// A panel that already has a `text_*` column.
pub fn apply(
    panel: Panel,
    future: Option<FutureCovariates>,
    catalog: &Catalog,
    emb: &EmbeddedCatalog,
    proj: &TextProjection,
    h: usize,
) -> Result<(Panel, Option<FutureCovariates>)> {
    let k = proj.components.len();
    let row = rows_by_id(catalog);
    let value = |id: &str| -> Vec<f64> {
        row.get(id)
            .map_or(vec![f64::NAN; k], |&r| proj.project(&emb.vectors[r]))
    };
    let future = match future {
        Some(mut f) => {
            let per: Vec<Vec<f64>> = f.ids.iter().map(|id| value(id)).collect();
            for c in 0..k {
                let mut values = Vec::with_capacity(f.indptr.last().copied().unwrap_or(0));
                for (i, p) in per.iter().enumerate() {
                    let n = f.indptr[i + 1] - f.indptr[i];
                    values.extend(std::iter::repeat_n(p[c], n));
                }
                f.columns.push(Column {
                    name: format!("text_{c}"),
                    values,
                });
            }
            f
        }
        None => {
            let ids = panel.ids().to_vec();
            let per: Vec<Vec<f64>> = ids.iter().map(|id| value(id)).collect();
            FutureCovariates {
                lookup: Default::default(),
                starts: (0..ids.len())
                    .map(|i| panel.freq().step(panel.last_date(i), 1))
                    .collect(),
                indptr: (0..=ids.len()).map(|i| i * h).collect(),
                columns: (0..k)
                    .map(|c| Column {
                        name: format!("text_{c}"),
                        values: per
                            .iter()
                            .flat_map(|p| std::iter::repeat_n(p[c], h))
                            .collect(),
                    })
                    .collect(),
                ids,
            }
        }
    };
    let panel = with_text_covariates(panel, &catalog.ids, &emb.vectors, proj)?;
    Ok((panel, Some(future)))
}

/// Each catalogue product's MiniLM embedding by id, for the transformer's
/// text input (`finetune --catalog`, and `forecast --catalog` with such an adapter).
pub fn embeddings_by_id(
    catalog: &Catalog,
    emb: &EmbeddedCatalog,
) -> Arc<HashMap<String, Vec<f32>>> {
    Arc::new(
        catalog
            .ids
            .iter()
            .cloned()
            .zip(emb.vectors.iter().cloned())
            .collect(),
    )
}

/// Whether a model listed reads text: a `tsfm` adapter fine-tuned with
/// `finetune --catalog` (the pretrained weights alone ignore text, so the
/// catalogue is not embedded for them). An unreadable adapter counts as
/// not reading text; loading it reports the problem.
pub fn tsfm_reads_text(specs: &[ModelSpec]) -> bool {
    specs.iter().any(|m| match m {
        ModelSpec::Tsfm {
            adapter: Some(a), ..
        } => read_adapter_meta(std::path::Path::new(a)).is_ok_and(|meta| meta.reads_text()),
        _ => false,
    })
}
