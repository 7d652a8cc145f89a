//! Shared text plumbing of the CLI: embedding a catalogue through the cache
//! with a progress bar, and writing cold-start analogues.

use crate::text_args::TextModelSettings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Catalog, Progress};
use demandcast_text::EmbeddingCache;
use std::time::Instant;

/// A catalogue's embeddings, one per row.
pub struct EmbeddedCatalog {
    /// Unit vectors, one per catalogue row.
    pub vectors: Vec<Vec<f32>>,
}

/// A catalogue's embeddings, computed on first use and then shared by every
/// part of one command that reads them (text features, the transformer's
/// text input, cold start), so the encoder is loaded and the cache read once.
pub struct LazyEmbeddings<'a> {
    catalog: &'a Catalog,
    settings: &'a TextModelSettings,
    threads: usize,
    ui: &'a Ui,
    cell: std::cell::OnceCell<EmbeddedCatalog>,
}

impl<'a> LazyEmbeddings<'a> {
    /// Nothing is embedded until [`LazyEmbeddings::get`].
    pub fn new(
        catalog: &'a Catalog,
        settings: &'a TextModelSettings,
        threads: usize,
        ui: &'a Ui,
    ) -> Self {
        Self {
            catalog,
            settings,
            threads,
            ui,
            cell: std::cell::OnceCell::new(),
        }
    }

    /// The catalogue whose texts these are.
    pub fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// The embeddings, computed by [`embed_catalog`] on the first call.
    ///
    /// # Errors
    /// As [`embed_catalog`].
    pub fn get(&self) -> Result<&EmbeddedCatalog> {
        if let Some(e) = self.cell.get() {
            return Ok(e);
        }
        let e = embed_catalog(self.catalog, self.settings, self.threads, self.ui)?;
        Ok(self.cell.get_or_init(|| e))
    }
}

/// Embeds every catalogue text, reusing and filling the cache. Interrupting
/// loses at most the texts embedded since the last periodic save.
pub fn embed_catalog(
    catalog: &Catalog,
    s: &TextModelSettings,
    threads: usize,
    ui: &Ui,
) -> Result<EmbeddedCatalog> {
    let encoder = s.encoder(threads)?;
    let mut cache = EmbeddingCache::open(&s.cache)
        .with_context(|| format!("cannot open the embedding cache {}", s.cache.display()))?;
    let texts: Vec<&str> = catalog.text.iter().map(String::as_str).collect();
    let t0 = Instant::now();
    let mut bar: Option<crate::progress::Bar> = None;
    let mut last = 0usize;
    let vectors = cache
        .embed_all(&encoder, &texts, &mut |done, total| {
            let b = bar.get_or_insert_with(|| ui.bars().bar(total as u64, "embedding texts"));
            b.inc((done - last) as u64);
            last = done;
        })
        .with_context(|| format!("embedding failed (cache {})", s.cache.display()))?;
    if let Some(b) = bar {
        b.finish();
        let secs = t0.elapsed().as_secs_f64();
        ui.note(format!(
            "embedded {last} new texts in {secs:.1} s ({:.0}/s, {threads} threads); {} from the cache {}",
            last as f64 / secs.max(1e-9),
            texts.len() - last,
            s.cache.display()
        ));
    } else {
        ui.note(format!(
            "all {} texts were in the embedding cache {}",
            texts.len(),
            s.cache.display()
        ));
    }
    Ok(EmbeddedCatalog { vectors })
}
