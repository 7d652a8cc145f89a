//! Timing of the M5 import and of loading the resulting long files.
//!
//! ```text
//! cargo run --release -p demandcast-data --example bench_m5 -- /work/shared/data/m5 /tmp/m5-bench
//! ```
#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use demandcast_data::m5::{import, M5Options};
use demandcast_data::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/work/shared/data/m5".into()));
    let out = PathBuf::from(
        args.next()
            .unwrap_or_else(|| std::env::temp_dir().join("m5-bench").display().to_string()),
    );
    std::fs::create_dir_all(&out).map_err(|e| Error::Io {
        file: out.clone(),
        source: e,
    })?;

    let t = Instant::now();
    let m = import(&M5Options::new(&dir))?;
    let p = &m.history;
    eprintln!(
        "import: {} series, {} rows in {:.2?}",
        p.n_series(),
        p.n_rows(),
        t.elapsed()
    );

    for name in ["m5.parquet", "m5.csv.gz"] {
        let path = out.join(name);
        let t = Instant::now();
        write_panel(&path, p)?;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "write {name}: {:.2?} ({:.1} MB)",
            t.elapsed(),
            size as f64 / 1e6
        );
        let t = Instant::now();
        let l = load_panel(&path, &LoadOptions::default())?;
        eprintln!(
            "load {name}: {} series, {} rows (leading zeros trimmed) in {:.2?}; {} diagnostics",
            l.panel.n_series(),
            l.panel.n_rows(),
            t.elapsed(),
            l.diagnostics.len()
        );
        for d in l.diagnostics.iter().take(3) {
            eprintln!("  {d}");
        }
    }
    let fpath = out.join("m5_future.parquet");
    write_future(&fpath, &m.future, Freq::Daily)?;
    let l = load_panel(&out.join("m5.parquet"), &LoadOptions::default())?;
    let t = Instant::now();
    let f = load_future(&fpath, &LoadOptions::default(), &l.panel, 28)?;
    eprintln!(
        "load future: {} rows in {:.2?}",
        f.indptr.last().copied().unwrap_or(0),
        t.elapsed()
    );
    Ok(())
}
