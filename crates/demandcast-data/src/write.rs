//! Writing panels and future covariates in long format (CSV or Parquet).

use crate::parse::{from_days, to_days, UNIX_EPOCH_DAYS};
use crate::{Error, Result};
use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Int32Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use chrono::Datelike;
use demandcast_core::{Freq, FutureCovariates, NaiveDate, Panel};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// A long-format frame to write: per series a block of rows.
struct Frame<'a> {
    ids: &'a [String],
    starts: &'a [NaiveDate],
    indptr: &'a [usize],
    freq: Freq,
    nums: Vec<(&'a str, &'a [f64])>,
    statics: Vec<(&'a str, &'a [String])>,
}

#[derive(Clone, Copy)]
enum OutFormat {
    Csv { gz: bool, delim: u8 },
    Parquet,
}

fn out_format(path: &Path) -> Result<OutFormat> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let gz = name.ends_with(".gz");
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    if [".parquet", ".pq", ".parq"]
        .iter()
        .any(|e| stem.ends_with(e))
        && !gz
    {
        Ok(OutFormat::Parquet)
    } else if stem.ends_with(".csv") || stem.ends_with(".txt") {
        Ok(OutFormat::Csv { gz, delim: b',' })
    } else if stem.ends_with(".tsv") {
        Ok(OutFormat::Csv { gz, delim: b'\t' })
    } else {
        Err(Error::UnsupportedFormat {
            file: path.to_path_buf(),
            message: "choose the output format by extension: .csv, .csv.gz, .tsv or .parquet"
                .into(),
        })
    }
}

/// Writes a panel in long format: `unique_id`, `ds`, `y`, then the
/// covariates and the statics (repeated on every row of their series).
///
/// CSV (`.csv`, `.csv.gz`, `.tsv`): dates as `YYYY-MM-DD`, numbers in their
/// shortest exact form, NaN as an empty cell. Parquet (`.parquet`, zstd):
/// ids and statics dictionary-encoded strings, `ds` date32, numbers float64
/// with NaN written as null. [`crate::load_panel`] reads either back into the
/// same panel (with [`crate::LeadingZeros::Keep`]; in CSV, statics whose
/// values all look like numbers come back as numeric covariates).
///
/// # Errors
/// [`Error::UnsupportedFormat`] for other extensions, I/O and encoder errors.
pub fn write_panel(path: &Path, panel: &Panel) -> Result<()> {
    let mut nums = vec![("y", panel.values())];
    nums.extend(
        panel
            .covariates()
            .iter()
            .map(|c| (c.name.as_str(), c.values.as_slice())),
    );
    let frame = Frame {
        ids: panel.ids(),
        starts: panel.starts(),
        indptr: panel.indptr(),
        freq: panel.freq(),
        nums,
        statics: panel
            .statics()
            .iter()
            .map(|s| (s.name.as_str(), s.values.as_slice()))
            .collect(),
    };
    write_frame(path, &frame)
}

/// Writes future covariates in long format: `unique_id`, `ds`, then the
/// columns; the same formats as [`write_panel`]. `freq` dates the rows
/// (the panel's frequency). [`crate::load_future`] reads the file back.
///
/// # Errors
/// As [`write_panel`], and [`Error::Write`] when the frame's parts disagree.
pub fn write_future(path: &Path, future: &FutureCovariates, freq: Freq) -> Result<()> {
    let n = future.ids.len();
    let rows = future.indptr.last().copied().unwrap_or(0);
    if future.starts.len() != n
        || future.indptr.len() != n + 1
        || future.indptr.windows(2).any(|w| w[1] < w[0])
        || future.columns.iter().any(|c| c.values.len() != rows)
    {
        return Err(Error::Write {
            file: path.to_path_buf(),
            message: "inconsistent future covariates (ids, starts, offsets and columns disagree)"
                .into(),
        });
    }
    let frame = Frame {
        ids: &future.ids,
        starts: &future.starts,
        indptr: &future.indptr,
        freq,
        nums: future
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.values.as_slice()))
            .collect(),
        statics: Vec::new(),
    };
    write_frame(path, &frame)
}

fn write_frame(path: &Path, f: &Frame<'_>) -> Result<()> {
    let format = out_format(path)?;
    let mut seen = std::collections::HashSet::new();
    let names = ["unique_id", "ds"]
        .into_iter()
        .chain(f.nums.iter().map(|(n, _)| *n))
        .chain(f.statics.iter().map(|(n, _)| *n));
    for n in names {
        if !seen.insert(n) {
            return Err(write_err(
                path,
                format!("two columns would be named '{n}'; rename one"),
            ));
        }
    }
    // Written to a temporary file beside `path`, then renamed over it: an
    // interrupted or failed write leaves the old file whole.
    let tmp = partial_path(path);
    let file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
    let written = match format {
        OutFormat::Parquet => write_parquet(path, file, f),
        OutFormat::Csv { gz, delim } => {
            let w: Box<dyn Write> = if gz {
                Box::new(flate2::write::GzEncoder::new(
                    BufWriter::with_capacity(1 << 16, file),
                    flate2::Compression::new(6),
                ))
            } else {
                Box::new(file)
            };
            write_csv(path, f, w, delim)
        }
    };
    match written {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `dir/.name.partial-PID`: in the same folder as `path`, so that the
/// rename over it is atomic.
fn partial_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// The day number of row `j` of a series starting at `start`.
fn row_day(freq: Freq, start: NaiveDate, start_days: i32, j: usize) -> i32 {
    match freq {
        Freq::Daily => start_days + j as i32,
        Freq::Weekly(_) => start_days + 7 * j as i32,
        _ => to_days(freq.step(start, j as i64)),
    }
}

fn push_date(buf: &mut Vec<u8>, days: i32) {
    let d = from_days(days);
    let _ = write!(buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn push_num(buf: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        return;
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(buf, "{}", v as i64);
    } else {
        let _ = write!(buf, "{v}");
    }
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        file: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn write_csv(path: &Path, f: &Frame<'_>, w: Box<dyn Write>, delim: u8) -> Result<()> {
    let mut wtr = csv::WriterBuilder::new()
        .delimiter(delim)
        .buffer_capacity(1 << 16)
        .from_writer(w);
    let map = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        k => write_err(path, format!("{k:?}")),
    };
    let mut header = vec!["unique_id", "ds"];
    header.extend(f.nums.iter().map(|(n, _)| *n));
    header.extend(f.statics.iter().map(|(n, _)| *n));
    wtr.write_record(&header).map_err(map)?;
    let mut buf = Vec::with_capacity(32);
    for (s, id) in f.ids.iter().enumerate() {
        let (a, b) = (f.indptr[s], f.indptr[s + 1]);
        let start = f.starts[s];
        let sd = to_days(start);
        for (j, r) in (a..b).enumerate() {
            wtr.write_field(id.as_bytes()).map_err(map)?;
            buf.clear();
            push_date(&mut buf, row_day(f.freq, start, sd, j));
            wtr.write_field(&buf).map_err(map)?;
            for (_, v) in &f.nums {
                buf.clear();
                push_num(&mut buf, v.get(r).copied().unwrap_or(f64::NAN));
                wtr.write_field(&buf).map_err(map)?;
            }
            for (_, v) in &f.statics {
                wtr.write_field(v.get(s).map(String::as_bytes).unwrap_or(b""))
                    .map_err(map)?;
            }
            wtr.write_record(None::<&[u8]>).map_err(map)?;
        }
    }
    let inner = wtr.into_inner().map_err(|e| write_err(path, e))?;
    finish(path, inner)
}

/// Flushes the writer (finishing the gzip stream).
fn finish(path: &Path, mut w: Box<dyn Write>) -> Result<()> {
    w.flush().map_err(|e| Error::io(path, e))?;
    drop(w);
    Ok(())
}

/// Distinct values and per-series keys of a static column.
fn dict_of(values: &[String]) -> (Vec<&str>, Vec<i32>) {
    let mut map: HashMap<&str, i32> = HashMap::new();
    let mut dict = Vec::new();
    let keys = values
        .iter()
        .map(|v| {
            *map.entry(v.as_str()).or_insert_with(|| {
                dict.push(v.as_str());
                dict.len() as i32 - 1
            })
        })
        .collect();
    (dict, keys)
}

/// Writes the frame as Parquet into `file`; `path` names it in errors.
fn write_parquet(path: &Path, file: File, f: &Frame<'_>) -> Result<()> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;

    let dict_t = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut fields = vec![
        Field::new("unique_id", dict_t.clone(), false),
        Field::new("ds", DataType::Date32, false),
    ];
    fields.extend(
        f.nums
            .iter()
            .map(|(n, _)| Field::new(*n, DataType::Float64, true)),
    );
    fields.extend(
        f.statics
            .iter()
            .map(|(n, _)| Field::new(*n, dict_t.clone(), false)),
    );
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| write_err(path, e))?,
        ))
        .build();
    let mut w = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema.clone(),
        Some(props),
    )
    .map_err(|e| write_err(path, e))?;

    let ids_values: ArrayRef = {
        let mut b = StringBuilder::new();
        for id in f.ids {
            b.append_value(id);
        }
        Arc::new(b.finish())
    };
    let statics: Vec<(ArrayRef, Vec<i32>)> = f
        .statics
        .iter()
        .map(|(_, v)| {
            let (dict, keys) = dict_of(v);
            let mut b = StringBuilder::new();
            for d in dict {
                b.append_value(d);
            }
            (Arc::new(b.finish()) as ArrayRef, keys)
        })
        .collect();

    // Row index -> series, walked in batches.
    let total = f.indptr.last().copied().unwrap_or(0);
    let batch = 1usize << 16;
    let mut series_of = Vec::with_capacity(batch);
    let mut day_of = Vec::with_capacity(batch);
    let mut s = 0usize;
    let mut r0 = 0usize;
    while r0 < total {
        let r1 = (r0 + batch).min(total);
        series_of.clear();
        day_of.clear();
        for r in r0..r1 {
            while s + 1 < f.indptr.len() && f.indptr[s + 1] <= r {
                s += 1;
            }
            let start = f.starts[s];
            series_of.push(s as i32);
            day_of.push(
                row_day(f.freq, start, to_days(start), r - f.indptr[s]) - UNIX_EPOCH_DAYS as i32,
            );
        }
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        let keys = Int32Array::from(series_of.clone());
        cols.push(Arc::new(
            DictionaryArray::<Int32Type>::try_new(keys, ids_values.clone())
                .map_err(|e| write_err(path, e))?,
        ));
        cols.push(Arc::new(Date32Array::from(day_of.clone())));
        for (_, v) in &f.nums {
            let mut b = Float64Builder::with_capacity(r1 - r0);
            for &x in &v[r0..r1] {
                if x.is_nan() {
                    b.append_null();
                } else {
                    b.append_value(x);
                }
            }
            cols.push(Arc::new(b.finish()));
        }
        for (values, keys) in &statics {
            let k = Int32Array::from(
                series_of
                    .iter()
                    .map(|&s| keys[s as usize])
                    .collect::<Vec<i32>>(),
            );
            cols.push(Arc::new(
                DictionaryArray::<Int32Type>::try_new(k, values.clone())
                    .map_err(|e| write_err(path, e))?,
            ));
        }
        let rb = RecordBatch::try_new(schema.clone(), cols).map_err(|e| write_err(path, e))?;
        w.write(&rb).map_err(|e| write_err(path, e))?;
        r0 = r1;
    }
    w.close().map_err(|e| write_err(path, e))?;
    Ok(())
}
