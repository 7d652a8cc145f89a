//! Embedding tables: `unique_id, text_0 .. text_{d-1}` (float32), Parquet or CSV.

use crate::{Error, Result};
use arrow_array::{Array, ArrayRef, Float32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Ids and their embeddings, one row each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbeddingTable {
    /// Product ids.
    pub ids: Vec<String>,
    /// One vector per id, all of the same width.
    pub vectors: Vec<Vec<f32>>,
}

fn is_parquet(path: &Path) -> bool {
    let n = path.to_string_lossy().to_ascii_lowercase();
    n.ends_with(".parquet") || n.ends_with(".pq")
}

/// Writes the table: Parquet (zstd) for `.parquet`, else CSV. The file is
/// written beside the target and renamed, so an interrupted run leaves no
/// half-written table.
///
/// # Errors
/// [`Error::Invalid`] for vectors of different widths, I/O and encoder errors.
pub fn write_embeddings(path: &Path, t: &EmbeddingTable) -> Result<()> {
    let dim = t.vectors.first().map_or(0, Vec::len);
    if let Some((i, _)) = t.vectors.iter().enumerate().find(|(_, v)| v.len() != dim) {
        return Err(Error::Invalid(format!(
            "embedding of '{}' has another width",
            t.ids[i]
        )));
    }
    let tmp = path.with_extension("tmp");
    let file_err = |e: &dyn std::fmt::Display| Error::File {
        file: path.to_path_buf(),
        message: e.to_string(),
    };
    if is_parquet(path) {
        let mut fields = vec![Field::new("unique_id", DataType::Utf8, false)];
        let mut cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from_iter_values(&t.ids))];
        for j in 0..dim {
            fields.push(Field::new(format!("text_{j}"), DataType::Float32, false));
            cols.push(Arc::new(Float32Array::from_iter_values(
                t.vectors.iter().map(|v| v[j]),
            )));
        }
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| file_err(&e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let f = std::fs::File::create(&tmp)?;
        let mut w =
            ArrowWriter::try_new(f, batch.schema(), Some(props)).map_err(|e| file_err(&e))?;
        w.write(&batch).map_err(|e| file_err(&e))?;
        w.close().map_err(|e| file_err(&e))?;
    } else {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write!(w, "unique_id")?;
        for j in 0..dim {
            write!(w, ",text_{j}")?;
        }
        writeln!(w)?;
        for (id, v) in t.ids.iter().zip(&t.vectors) {
            write!(w, "{}", csv_field(id))?;
            for x in v {
                write!(w, ",{x}")?;
            }
            writeln!(w)?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Reads a Parquet embeddings table written by [`write_embeddings`].
///
/// # Errors
/// [`Error::File`] when the file lacks `unique_id` or `text_*` float columns.
pub fn read_embeddings(path: &Path) -> Result<EmbeddingTable> {
    let file_err = |m: String| Error::File {
        file: path.to_path_buf(),
        message: m,
    };
    let f = std::fs::File::open(path)?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| file_err(e.to_string()))?
        .build()
        .map_err(|e| file_err(e.to_string()))?;
    let mut t = EmbeddingTable::default();
    for batch in reader {
        let batch = batch.map_err(|e| file_err(e.to_string()))?;
        let schema = batch.schema();
        let id_i = schema
            .index_of("unique_id")
            .map_err(|_| file_err("no unique_id column".into()))?;
        let ids = batch
            .column(id_i)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| file_err("unique_id is not a string column".into()))?;
        let mut cols = Vec::new();
        for (j, fld) in schema.fields().iter().enumerate() {
            if let Some(k) = fld
                .name()
                .strip_prefix("text_")
                .and_then(|k| k.parse::<usize>().ok())
            {
                let c = batch
                    .column(j)
                    .as_any()
                    .downcast_ref::<Float32Array>()
                    .ok_or_else(|| file_err(format!("column {} is not float32", fld.name())))?;
                cols.push((k, c.clone()));
            }
        }
        cols.sort_by_key(|c| c.0);
        if cols.is_empty() {
            return Err(file_err("no text_0.. columns".into()));
        }
        for r in 0..batch.num_rows() {
            t.ids.push(ids.value(r).to_string());
            t.vectors
                .push(cols.iter().map(|(_, c)| c.value(r)).collect());
        }
    }
    Ok(t)
}
