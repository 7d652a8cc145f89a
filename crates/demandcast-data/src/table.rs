//! Reading a CSV (optionally gzipped) or Parquet file into raw columns.
//!
//! CSV cells are kept as dictionary-encoded text ([`TextCol`]) and typed
//! later, once per distinct value. Parquet columns keep their types: strings
//! (plain or dictionary) become text, numbers `f64`, dates and timestamps day
//! numbers.

use crate::intern::TextCol;
use crate::parse::{iso, UNIX_EPOCH_DAYS};
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Day value of a null date cell.
pub(crate) const DATE_NULL: i32 = i32::MIN;
/// Day value of a timestamp whose time of day is not midnight.
pub(crate) const DATE_NOT_MIDNIGHT: i32 = i32::MIN + 1;
/// Day value of a date outside the years 0000..=9999.
pub(crate) const DATE_OUT_OF_RANGE: i32 = i32::MIN + 2;
/// Days from the Common Era of 0000-01-01 and 9999-12-31.
const DAYS_MIN: i64 = -365;
const DAYS_MAX: i64 = 3_652_059;

/// The text of a bad-date marker, or `None` for a real date.
pub(crate) fn date_marker(d: i32) -> Option<&'static str> {
    match d {
        DATE_NULL => Some(""),
        DATE_NOT_MIDNIGHT => Some("(timestamp with a time of day)"),
        DATE_OUT_OF_RANGE => Some("(date outside the years 0000-9999)"),
        _ => None,
    }
}

/// One column as read.
pub(crate) enum RawCol {
    /// Text (all CSV columns; Parquet strings). Missing = empty string.
    Text(TextCol),
    /// Numbers; NaN = null.
    Num(Vec<f64>),
    /// Days from the Common Era; [`DATE_NULL`] / [`DATE_NOT_MIDNIGHT`] mark bad cells.
    Date(Vec<i32>),
}

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv { gz: bool, tab: bool },
    Parquet,
}

/// A whole file, column by column.
pub(crate) struct Table {
    pub(crate) file: PathBuf,
    pub(crate) names: Vec<String>,
    pub(crate) cols: Vec<RawCol>,
    pub(crate) nrows: usize,
    /// `;`-separated CSV: `1,5` is read as 1.5.
    pub(crate) decimal_comma: bool,
    /// Parquet columns of unsupported types: (name, type), not read.
    pub(crate) skipped: Vec<(String, String)>,
}

impl Table {
    /// The row number of record `i` (0-based): header = row 1, so `i + 2`.
    pub(crate) fn row(&self, i: usize) -> usize {
        i.saturating_add(2)
    }

    /// The index of a column by exact name.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The index of a required column, or an error listing the columns found.
    pub(crate) fn require(&self, name: &str) -> Result<usize> {
        if let Some(i) = self.find(name) {
            return Ok(i);
        }
        if let Some((_, t)) = self.skipped.iter().find(|(n, _)| n == name) {
            return Err(Error::UnsupportedType {
                file: self.file.clone(),
                column: name.to_string(),
                message: format!("unsupported Parquet type {t}"),
            });
        }
        let mut found = self.names.clone();
        found.extend(self.skipped.iter().map(|(n, _)| n.clone()));
        Err(Error::MissingColumn {
            file: self.file.clone(),
            column: name.to_string(),
            found,
        })
    }
}

/// Decides the format from the extension, then the first bytes
/// (`PAR1` = Parquet, `1f 8b` = gzip).
pub(crate) fn detect(path: &Path) -> Result<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let tab = stem.ends_with(".tsv") || stem.ends_with(".tab");
    let mut magic = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut magic))
        .map_err(|e| Error::io(path, e))?;
    let magic = &magic[..n];
    if [".parquet", ".pq", ".parq"]
        .iter()
        .any(|e| name.ends_with(e))
        || magic == b"PAR1"
    {
        return Ok(Format::Parquet);
    }
    let gz = magic.starts_with(&[0x1f, 0x8b]);
    if name.ends_with(".gz") && !gz && !magic.is_empty() {
        return Err(Error::UnsupportedFormat {
            file: path.to_path_buf(),
            message: "the name ends in .gz but the file is not gzip-compressed".into(),
        });
    }
    if [".xlsx", ".xls", ".json", ".zip", ".feather", ".arrow"]
        .iter()
        .any(|e| stem.ends_with(e))
    {
        return Err(Error::UnsupportedFormat {
            file: path.to_path_buf(),
            message: "expected CSV (.csv, .csv.gz, .tsv) or Parquet (.parquet)".into(),
        });
    }
    Ok(Format::Csv { gz, tab })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What to read as text regardless of the stored type.
#[derive(Default)]
pub(crate) struct ReadSpec<'a> {
    /// Columns read as text even when numeric (ids).
    pub(crate) text: &'a [&'a str],
    /// Also read as text: the columns whose name this accepts.
    pub(crate) text_if: Option<fn(&str) -> bool>,
    /// Read every column as text (catalogues).
    pub(crate) all_text: bool,
    /// Parquet numeric columns to read (`None`: all); the others are skipped.
    pub(crate) numeric: Option<&'a [&'a str]>,
}

/// Reads a whole CSV or Parquet file.
pub(crate) fn read_table(path: &Path, spec: &ReadSpec<'_>) -> Result<Table> {
    match detect(path)? {
        Format::Parquet => read_parquet(path, spec),
        Format::Csv { gz, tab } => {
            let f = File::open(path).map_err(|e| Error::io(path, e))?;
            let r: Box<dyn Read> = if gz {
                Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
                    1 << 16,
                    f,
                )))
            } else {
                Box::new(f)
            };
            read_csv(path, r, tab)
        }
    }
}

/// Opens a CSV file (gzipped or not, by content) as a buffered reader.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, f))
    })
}

/// The delimiter: tab for .tsv, else the most frequent of `,` `;` `\t` `|`
/// outside quotes in the header line.
fn sniff_delimiter(first_line: &[u8], tab: bool) -> u8 {
    if tab {
        return b'\t';
    }
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &c in first_line {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = cands.iter().position(|&d| d == c) {
                counts[k] += 1;
            }
        }
    }
    let mut best = 0;
    for k in 1..4 {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    cands[best]
}

pub(crate) fn csv_error(path: &Path, row: Option<usize>, e: &csv::Error) -> Error {
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => e.to_string(),
    };
    Error::Csv {
        file: path.to_path_buf(),
        row,
        message,
    }
}

/// Reads the header line, sniffs the delimiter and returns a CSV reader.
pub(crate) fn csv_reader(
    path: &Path,
    r: Box<dyn Read>,
    tab: bool,
) -> Result<(csv::Reader<Box<dyn Read>>, u8)> {
    let mut br = BufReader::with_capacity(1 << 16, r);
    let mut first = Vec::new();
    // The header line, limited so a binary file without newlines cannot
    // exhaust memory.
    (&mut br)
        .take(1 << 20)
        .read_until(b'\n', &mut first)
        .map_err(|e| Error::Csv {
            file: path.to_path_buf(),
            row: Some(1),
            message: format!("cannot read the file: {e}"),
        })?;
    let delim = sniff_delimiter(&first, tab);
    let chained: Box<dyn Read> = Box::new(std::io::Cursor::new(first).chain(br));
    let rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(chained);
    Ok((rdr, delim))
}

/// Header names: BOM removed, invalid UTF-8 read as Latin-1.
pub(crate) fn header_names(
    path: &Path,
    rdr: &mut csv::Reader<Box<dyn Read>>,
) -> Result<Vec<String>> {
    let h = rdr
        .byte_headers()
        .map_err(|e| csv_error(path, Some(1), &e))?;
    Ok(h.iter()
        .enumerate()
        .map(|(i, b)| {
            let b = if i == 0 {
                b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
            } else {
                b
            };
            crate::intern::decode(b.trim_ascii()).0
        })
        .collect())
}

fn read_csv(path: &Path, r: Box<dyn Read>, tab: bool) -> Result<Table> {
    let (mut rdr, delim) = csv_reader(path, r, tab)?;
    let names = header_names(path, &mut rdr)?;
    if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
        return Err(Error::Empty {
            file: path.to_path_buf(),
        });
    }
    let mut cols: Vec<TextCol> = names.iter().map(|_| TextCol::new()).collect();
    let mut rec = csv::ByteRecord::new();
    let mut n = 0usize;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, Some(n + 2), &e)),
        }
        if n >= u32::MAX as usize - 1 {
            return Err(Error::Csv {
                file: path.to_path_buf(),
                row: Some(n + 2),
                message: "more than 4 billion rows".into(),
            });
        }
        for (c, v) in cols.iter_mut().zip(rec.iter()) {
            c.push(v);
        }
        n += 1;
    }
    Ok(Table {
        file: path.to_path_buf(),
        names,
        cols: cols.into_iter().map(RawCol::Text).collect(),
        nrows: n,
        decimal_comma: delim == b';',
        skipped: Vec::new(),
    })
}

fn pq_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        file: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn read_parquet(path: &Path, spec: &ReadSpec<'_>) -> Result<Table> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // A corrupted file can make the decoder panic (e.g. an out-of-bounds
    // slice in a page header); that must not take the caller down, so it
    // becomes an error.
    match quiet_catch(|| read_parquet_inner(path, file, spec)) {
        Ok(r) => r,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(pq_err(
                path,
                format!("the file is corrupted (the Parquet decoder failed: {why})"),
            ))
        }
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `catch_unwind` that also keeps the panic message of this thread off
/// stderr (the panic becomes an error with that message). The panic hook in
/// place at the first call is chained, once, and still runs for every other
/// panic.
fn quiet_catch<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                prev(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    r
}

/// How a Parquet column is turned into a [`RawCol`].
enum Builder {
    Text(TextCol),
    Num(Vec<f64>),
    Date(Vec<i32>),
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn supported(t: &DataType) -> bool {
    use DataType::*;
    match t {
        Utf8 | LargeUtf8 | Utf8View | Boolean | Null | Date32 | Date64 | Timestamp(..) => true,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => true,
        Float16 | Float32 | Float64 | Decimal128(..) | Decimal256(..) => true,
        Dictionary(_, v) => supported(v),
        _ => false,
    }
}

fn is_dateish(t: &DataType) -> bool {
    match t {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => true,
        DataType::Dictionary(_, v) => is_dateish(v),
        _ => false,
    }
}

fn read_parquet_inner(path: &Path, file: File, spec: &ReadSpec<'_>) -> Result<Table> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| pq_err(path, e))?;
    let schema = builder.schema().clone();
    let total = builder.metadata().file_metadata().num_rows().max(0) as usize;
    let mut names = Vec::new();
    let mut skipped = Vec::new();
    let mut keep = Vec::new();
    let mut builders = Vec::new();
    for (k, f) in schema.fields().iter().enumerate() {
        let t = f.data_type();
        if !supported(t) {
            skipped.push((f.name().clone(), t.to_string()));
            continue;
        }
        let as_text = spec.all_text
            || spec.text.contains(&f.name().as_str())
            || spec.text_if.is_some_and(|p| p(f.name()));
        let b = if as_text || is_text(t) || matches!(t, DataType::Null) {
            Builder::Text(TextCol::new())
        } else if is_dateish(t) {
            Builder::Date(Vec::new())
        } else if let DataType::Dictionary(_, v) = t {
            if is_text(v) {
                Builder::Text(TextCol::new())
            } else {
                Builder::Num(Vec::new())
            }
        } else {
            Builder::Num(Vec::new())
        };
        if matches!(b, Builder::Num(_))
            && spec
                .numeric
                .is_some_and(|keep| !keep.contains(&f.name().as_str()))
        {
            tracing::info!(column = %f.name(), "not read: no model needs this covariate");
            continue;
        }
        names.push(f.name().clone());
        keep.push(k);
        builders.push(b);
    }
    // Leaf projection: only the supported top-level columns (all supported
    // types are primitive, one leaf each; nested ones are skipped above).
    let leaf_of_field: Vec<usize> = {
        let descr = builder.parquet_schema();
        let mut map = Vec::new();
        for k in &keep {
            let name = schema.field(*k).name();
            let leaf = (0..descr.num_columns()).find(|&i| {
                let c = descr.column(i);
                c.path().parts().len() == 1 && c.path().parts()[0] == *name
            });
            match leaf {
                Some(l) => map.push(l),
                None => {
                    return Err(pq_err(
                        path,
                        format!("column '{name}' not found in the file schema"),
                    ))
                }
            }
        }
        map
    };
    let mask = parquet::arrow::ProjectionMask::leaves(builder.parquet_schema(), leaf_of_field);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(1 << 16)
        .build()
        .map_err(|e| pq_err(path, e))?;
    for b in &mut builders {
        match b {
            Builder::Text(t) => t.codes.reserve(total.min(1 << 28)),
            Builder::Num(v) => v.reserve(total.min(1 << 28)),
            Builder::Date(v) => v.reserve(total.min(1 << 28)),
        }
    }
    let mut nrows = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| pq_err(path, e))?;
        if batch.num_columns() != builders.len() {
            return Err(pq_err(
                path,
                "unexpected number of columns in a record batch",
            ));
        }
        for ((b, arr), name) in builders.iter_mut().zip(batch.columns()).zip(&names) {
            append(path, name, b, arr)?;
        }
        nrows += batch.num_rows();
        if nrows >= u32::MAX as usize - 1 {
            return Err(pq_err(path, "more than 4 billion rows"));
        }
    }
    Ok(Table {
        file: path.to_path_buf(),
        names,
        cols: builders
            .into_iter()
            .map(|b| match b {
                Builder::Text(t) => RawCol::Text(t),
                Builder::Num(v) => RawCol::Num(v),
                Builder::Date(v) => RawCol::Date(v),
            })
            .collect(),
        nrows,
        decimal_comma: false,
        skipped,
    })
}

fn unsupported(path: &Path, name: &str, t: &DataType) -> Error {
    Error::UnsupportedType {
        file: path.to_path_buf(),
        column: name.to_string(),
        message: format!("unsupported Parquet type {t}"),
    }
}

/// Day numbers of a date/timestamp array (nulls and non-midnight marked).
fn date_days(path: &Path, name: &str, arr: &dyn Array) -> Result<Vec<i32>> {
    let n = arr.len();
    let to_i32 = |d: i64| {
        let ce = d.saturating_add(UNIX_EPOCH_DAYS);
        if (DAYS_MIN..=DAYS_MAX).contains(&ce) {
            ce as i32
        } else {
            DATE_OUT_OF_RANGE
        }
    };
    let from_units = |v: i64, per_day: i64| -> i32 {
        if v.rem_euclid(per_day) != 0 {
            DATE_NOT_MIDNIGHT
        } else {
            to_i32(v.div_euclid(per_day))
        }
    };
    let mut out = Vec::with_capacity(n);
    match arr.data_type() {
        DataType::Date32 => {
            let a = arr.as_primitive::<Date32Type>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    DATE_NULL
                } else {
                    to_i32(i64::from(a.value(i)))
                });
            }
        }
        DataType::Date64 => {
            let a = arr.as_primitive::<Date64Type>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    DATE_NULL
                } else {
                    from_units(a.value(i), 86_400_000)
                });
            }
        }
        DataType::Timestamp(unit, tz) => {
            if let Some(tz) = tz {
                let t = tz.to_ascii_uppercase();
                if !["UTC", "Z", "+00:00", "ETC/UTC", "GMT"].contains(&t.as_str()) {
                    return Err(Error::UnsupportedType {
                        file: path.to_path_buf(),
                        column: name.to_string(),
                        message: format!(
                            "timestamps with time zone {tz} are not supported; store dates (date32) or naive/UTC midnight timestamps"
                        ),
                    });
                }
            }
            let per_day: i64 = match unit {
                TimeUnit::Second => 86_400,
                TimeUnit::Millisecond => 86_400_000,
                TimeUnit::Microsecond => 86_400_000_000,
                TimeUnit::Nanosecond => 86_400_000_000_000,
            };
            macro_rules! ts {
                ($t:ty) => {{
                    let a = arr.as_primitive::<$t>();
                    for i in 0..n {
                        out.push(if a.is_null(i) {
                            DATE_NULL
                        } else {
                            from_units(a.value(i), per_day)
                        });
                    }
                }};
            }
            match unit {
                TimeUnit::Second => ts!(TimestampSecondType),
                TimeUnit::Millisecond => ts!(TimestampMillisecondType),
                TimeUnit::Microsecond => ts!(TimestampMicrosecondType),
                TimeUnit::Nanosecond => ts!(TimestampNanosecondType),
            }
        }
        t => return Err(unsupported(path, name, t)),
    }
    Ok(out)
}

/// Appends any supported array as Float64 (NaN = null).
fn to_f64(path: &Path, name: &str, arr: &dyn Array, out: &mut Vec<f64>) -> Result<()> {
    let n = arr.len();
    out.reserve(n);
    macro_rules! prim {
        ($t:ty) => {{
            let a = arr.as_primitive::<$t>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    f64::NAN
                } else {
                    a.value(i) as f64
                });
            }
        }};
    }
    match arr.data_type() {
        DataType::Float64 => {
            let a = arr.as_primitive::<Float64Type>();
            let at = out.len();
            out.extend_from_slice(a.values());
            if let Some(nulls) = a.nulls().filter(|n| n.null_count() > 0) {
                for (o, valid) in out[at..].iter_mut().zip(nulls.iter()) {
                    if !valid {
                        *o = f64::NAN;
                    }
                }
            }
        }
        DataType::Float32 => prim!(Float32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int8 => prim!(Int8Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::Boolean => {
            let a = arr.as_boolean();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    f64::NAN
                } else {
                    f64::from(u8::from(a.value(i)))
                });
            }
        }
        DataType::Null => out.resize(n, f64::NAN),
        t @ (DataType::Float16
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Dictionary(..)) => {
            let c = arrow_cast::cast(arr, &DataType::Float64)
                .map_err(|_| unsupported(path, name, t))?;
            return to_f64(path, name, c.as_ref(), out);
        }
        t => return Err(unsupported(path, name, t)),
    }
    Ok(())
}

/// Appends an array's values as text (numbers and dates formatted).
fn append_text(path: &Path, name: &str, t: &mut TextCol, arr: &dyn Array) -> Result<()> {
    let n = arr.len();
    match arr.data_type() {
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            for i in 0..n {
                t.push(if a.is_null(i) {
                    b""
                } else {
                    a.value(i).as_bytes()
                });
            }
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            for i in 0..n {
                t.push(if a.is_null(i) {
                    b""
                } else {
                    a.value(i).as_bytes()
                });
            }
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            for i in 0..n {
                t.push(if a.is_null(i) {
                    b""
                } else {
                    a.value(i).as_bytes()
                });
            }
        }
        DataType::Null => {
            for _ in 0..n {
                t.push(b"");
            }
        }
        DataType::Dictionary(_, _) => {
            // Map each dictionary value once, then rows by key.
            let d = arr.as_any_dictionary();
            let values = d.values().clone();
            let mut tmp = TextCol::new();
            append_text(path, name, &mut tmp, values.as_ref())?;
            let map: Vec<u32> = tmp
                .codes
                .iter()
                .map(|&c| t.code_of(tmp.dict.get(c)))
                .collect();
            let empty = t.code_of(b"");
            let code = |k: usize| map.get(k).copied().unwrap_or(empty);
            if let (Some(a), None) = (arr.as_dictionary_opt::<Int32Type>(), arr.logical_nulls()) {
                // the common case (what the Parquet reader returns): no copy of the keys
                for &k in a.keys().values().iter() {
                    t.push_code(code(k.max(0) as usize));
                }
            } else {
                let nulls = arr.logical_nulls();
                for (i, &k) in d.normalized_keys().iter().enumerate().take(n) {
                    let null = nulls.as_ref().is_some_and(|nb| nb.is_null(i));
                    t.push_code(if null { empty } else { code(k) });
                }
            }
        }
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => {
            for d in date_days(path, name, arr)? {
                match date_marker(d) {
                    Some(m) => t.push(m.as_bytes()),
                    None => t.push(iso(crate::parse::from_days(d)).as_bytes()),
                }
            }
        }
        DataType::Boolean => {
            let a = arr.as_boolean();
            for i in 0..n {
                t.push(if a.is_null(i) {
                    b""
                } else if a.value(i) {
                    b"true"
                } else {
                    b"false"
                });
            }
        }
        t2 if t2.is_integer() => {
            let c =
                arrow_cast::cast(arr, &DataType::Int64).map_err(|_| unsupported(path, name, t2))?;
            let a = c.as_primitive::<Int64Type>();
            let mut buf = String::new();
            for i in 0..n {
                if a.is_null(i) {
                    t.push(b"");
                } else {
                    buf.clear();
                    use std::fmt::Write;
                    let _ = write!(buf, "{}", a.value(i));
                    t.push(buf.as_bytes());
                }
            }
        }
        _ => {
            let mut v = Vec::new();
            to_f64(path, name, arr, &mut v)?;
            let mut buf = String::new();
            for x in v {
                if x.is_nan() {
                    t.push(b"");
                } else {
                    buf.clear();
                    use std::fmt::Write;
                    let _ = write!(buf, "{x}");
                    t.push(buf.as_bytes());
                }
            }
        }
    }
    Ok(())
}

fn append(path: &Path, name: &str, b: &mut Builder, arr: &ArrayRef) -> Result<()> {
    match b {
        Builder::Text(t) => append_text(path, name, t, arr.as_ref()),
        Builder::Num(v) => to_f64(path, name, arr.as_ref(), v),
        Builder::Date(v) => {
            let arr = match arr.data_type() {
                DataType::Dictionary(_, vt) => {
                    arrow_cast::cast(arr.as_ref(), vt).map_err(|e| pq_err(path, e))?
                }
                _ => arr.clone(),
            };
            v.extend(date_days(path, name, arr.as_ref())?);
            Ok(())
        }
    }
}

/// The text of every cell of a column (for catalogues).
pub(crate) fn column_strings(col: &RawCol) -> Vec<String> {
    match col {
        RawCol::Text(t) => {
            let dict: Vec<String> = (0..t.dict.len() as u32).map(|c| t.text(c).0).collect();
            t.codes
                .iter()
                .map(|&c| dict.get(c as usize).cloned().unwrap_or_default())
                .collect()
        }
        RawCol::Num(v) => v
            .iter()
            .map(|x| {
                if x.is_nan() {
                    String::new()
                } else {
                    x.to_string()
                }
            })
            .collect(),
        RawCol::Date(v) => v
            .iter()
            .map(|&d| match date_marker(d) {
                Some(_) => String::new(),
                None => iso(crate::parse::from_days(d)),
            })
            .collect(),
    }
}
