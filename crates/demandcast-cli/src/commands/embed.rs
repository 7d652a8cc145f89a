//! `demandcast embed`: embed every catalogue product's text with the sentence
//! encoder and write `unique_id, text_0 .. text_383`.

use crate::text_args::EmbedSettings;
use crate::text_output::{embed_catalog, EmbeddedCatalog};
use crate::ui::Ui;
use anyhow::Result;
use demandcast::data::load_catalog;
use demandcast_text::{write_embeddings, EmbeddingTable};
use std::process::ExitCode;

/// Runs the command.
pub fn run(s: &EmbedSettings, ui: &Ui) -> Result<ExitCode> {
    let catalog = load_catalog(&s.catalog, &s.id_col)?;
    let empty = catalog.text.iter().filter(|t| t.trim().is_empty()).count();
    if empty > 0 {
        ui.warn(format!(
            "{}: {empty} of {} products have no title/description/text; they get the embedding of an empty text",
            s.catalog.display(),
            catalog.len()
        ));
    }
    let EmbeddedCatalog { vectors, .. } = embed_catalog(&catalog, &s.text, s.threads, ui)?;
    let table = EmbeddingTable {
        ids: catalog.ids.clone(),
        vectors,
    };
    write_embeddings(&s.output, &table)?;
    ui.note(format!(
        "wrote {} embeddings ({} dimensions) to {}",
        table.ids.len(),
        table.vectors.first().map_or(0, Vec::len),
        s.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}
