//! Embeds `id<TAB>text` lines from stdin into a Parquet table (a quick way to
//! get vectors for prototyping without the CLI): `embed_lines OUT.parquet THREADS`.
#![allow(clippy::print_stderr)]
use demandcast_text::{
    default_model_dir, write_embeddings, EmbeddingTable, EncoderOptions, TextEncoder,
};
use std::io::BufRead;
use std::path::{Path, PathBuf};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = PathBuf::from(
        args.get(1)
            .ok_or("usage: embed_lines OUT.parquet THREADS")?,
    );
    let threads = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let enc = TextEncoder::load(
        &default_model_dir(&root),
        EncoderOptions {
            threads,
            ..Default::default()
        },
    )?;
    let (mut ids, mut texts) = (Vec::new(), Vec::new());
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let (id, t) = line.split_once('\t').ok_or("expected id<TAB>text")?;
        ids.push(id.to_string());
        texts.push(t.to_string());
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let t0 = std::time::Instant::now();
    let vectors = enc.embed(&refs)?;
    tracing::info!(
        n = refs.len(),
        secs = t0.elapsed().as_secs_f64(),
        "embedded"
    );
    eprintln!(
        "{} texts in {:.2} s",
        refs.len(),
        t0.elapsed().as_secs_f64()
    );
    write_embeddings(&out, &EmbeddingTable { ids, vectors })?;
    Ok(())
}
