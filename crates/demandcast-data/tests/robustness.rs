//! The loaders never panic: random bytes, truncated and mistyped CSV, and
//! corrupted Parquet files give `Ok` or `Err`.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use demandcast_data::*;
use proptest::prelude::*;
use std::path::Path;

fn small_panel() -> Panel {
    Panel::from_series(
        Freq::Daily,
        vec![(
            "A".into(),
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            vec![1.0, 2.0],
        )],
    )
    .unwrap()
    .with_covariate("price", vec![1.0, 2.0])
    .unwrap()
}

/// Runs every loader on the file; each must return (not panic). When the
/// panel loads, its invariants hold.
fn exercise(path: &Path, opts: &LoadOptions) {
    if let Ok(l) = load_panel(path, opts) {
        let p = &l.panel;
        assert!(p.values().iter().all(|v| v.is_finite()));
        assert_eq!(*p.indptr().last().unwrap(), p.n_rows());
        for c in p.covariates() {
            assert_eq!(c.values.len(), p.n_rows());
        }
    }
    let _ = load_catalog(path, "unique_id");
    let _ = load_future(path, opts, &small_panel(), 2);
}

fn policies() -> impl Strategy<Value = LoadOptions> {
    (
        any::<bool>(),
        0..3u8,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            "D", "W-SUN", "MS", "ME", "QS", "YS",
        ])),
    )
        .prop_map(|(g, n, m, l, f)| {
            let mut o = LoadOptions::default();
            o.policy.gaps = if g {
                GapPolicy::FillZero
            } else {
                GapPolicy::Error
            };
            o.policy.negatives = [
                NegativePolicy::Error,
                NegativePolicy::ClipZero,
                NegativePolicy::Keep,
            ][n as usize];
            o.policy.missing = if m {
                MissingPolicy::Error
            } else {
                MissingPolicy::Zero
            };
            o.policy.leading_zeros = if l {
                LeadingZeros::Trim
            } else {
                LeadingZeros::Keep
            };
            o.freq = f.map(|s| s.parse().unwrap());
            o
        })
}

/// Cells of every kind a messy file can hold.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("NA".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-3".to_string()),
        Just("true".to_string()),
        Just("\"a,b\"".to_string()),
        Just("2024-01-01 13:00:00".to_string()),
        Just("9999-12-31".to_string()),
        Just("0001-01-01".to_string()),
        (0u32..5).prop_map(|k| format!("S{k}")),
        (0u32..40).prop_map(|k| format!("{k}")),
        (0.0f64..100.0).prop_map(|v| format!("{v:.2}")),
        (2020i32..2025, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        "[a-z\\-/.:;]{0,8}",
    ]
}

fn mistyped_csv() -> impl Strategy<Value = String> {
    let header = prop::sample::subsequence(
        vec!["unique_id", "ds", "y", "price", "store", "event"],
        0..=6,
    )
    .prop_shuffle();
    header
        .prop_flat_map(|h| {
            let n = h.len().max(1);
            (
                Just(h),
                prop::collection::vec(prop::collection::vec(cell(), n..=n), 0..30),
            )
        })
        .prop_map(|(h, rows)| {
            let mut s = h.join(",");
            s.push('\n');
            for r in rows {
                s.push_str(&r.join(","));
                s.push('\n');
            }
            s
        })
}

const VALID: &str = "unique_id,ds,y,price,store,event\n\
A,2024-01-01,1,1.5,S1,\nA,2024-01-02,0,1.5,S1,Easter\nA,2024-01-04,3,,S1,\n\
B,2024-01-01,2,2.0,S2,SuperBowl\nB,2024-01-02,5,2.0,S2,\n";

fn valid_parquet() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("v.csv");
    std::fs::write(&csv, VALID).unwrap();
    let p = load_panel(&csv, &LoadOptions::default()).unwrap().panel;
    let pq = dir.path().join("v.parquet");
    write_panel(&pq, &p).unwrap();
    std::fs::read(pq).unwrap()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, bytes).unwrap();
    e.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..3000),
                    ext in prop::sample::select(vec!["csv", "csv.gz", "tsv", "parquet", "bin"]),
                    opts in policies()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("f.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        exercise(&path, &opts);
        // the same bytes behind a valid gzip stream
        let path = dir.path().join("g.csv.gz");
        std::fs::write(&path, gz(&bytes)).unwrap();
        exercise(&path, &opts);
    }

    #[test]
    fn mistyped_csv_files(text in mistyped_csv(), opts in policies()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, &text).unwrap();
        exercise(&path, &opts);
    }

    #[test]
    fn truncated_and_edited_csv(cut in 0..VALID.len(),
                                edits in prop::collection::vec((0..VALID.len(), prop::sample::select(vec![b',', b'\n', b'"', b'-', b'0', b'x', b';', b' ', 0xff, b'\r'])), 0..6),
                                opts in policies()) {
        let mut b = VALID.as_bytes().to_vec();
        for (i, c) in edits {
            b[i] = c;
        }
        b.truncate(cut);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &b).unwrap();
        exercise(&path, &opts);
        // truncated gzip stream
        let z = gz(&b);
        let path = dir.path().join("t.csv.gz");
        std::fs::write(&path, &z[..z.len() * 2 / 3]).unwrap();
        exercise(&path, &opts);
    }

    #[test]
    fn corrupted_parquet(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
                         cut in prop::option::of(any::<prop::sample::Index>()),
                         opts in policies()) {
        let mut b = valid_parquet();
        for (i, v) in flips {
            let k = i.index(b.len());
            b[k] = v;
        }
        if let Some(c) = cut {
            let k = c.index(b.len());
            b.truncate(k);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.parquet");
        std::fs::write(&path, &b).unwrap();
        exercise(&path, &opts);
    }
}

#[test]
fn corrupted_parquet_every_byte() {
    // Deterministic sweep: zero each byte of the footer region in turn.
    let good = valid_parquet();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let opts = LoadOptions::default();
    let from = good.len().saturating_sub(600);
    for k in from..good.len() {
        for v in [0u8, 0xff] {
            let mut b = good.clone();
            b[k] = v;
            std::fs::write(&path, &b).unwrap();
            exercise(&path, &opts);
        }
    }
}
