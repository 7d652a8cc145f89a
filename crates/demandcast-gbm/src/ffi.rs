//! Training through LightGBM's C API, for the one thing `lightgbm3`'s safe
//! API cannot do: dataset parameters. Categorical columns
//! (`categorical_feature`) must be declared when LightGBM bins the training
//! data; `lightgbm3::Dataset` always passes an empty parameter string and
//! keeps its handle private, so the categorical path builds the dataset and
//! the booster here, with the same loop as `lightgbm3::Booster::train_with_valid`,
//! and hands back the model text, which `lightgbm3::Booster::from_string`
//! loads for prediction (the text carries the categorical splits).
//!
//! The only `unsafe` code of the workspace: each call passes pointers to
//! live Rust buffers of the length it declares, and every handle is freed by
//! its owner's `Drop`.
#![allow(unsafe_code)]

use crate::{GbmError, Result};
use demandcast_features::Matrix;
use lightgbm3_sys as sys;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};

fn check(ret: c_int) -> Result<()> {
    if ret == 0 {
        return Ok(());
    }
    // SAFETY: LightGBM returns a pointer to its thread-local, NUL-terminated
    // last-error buffer, valid until the next call on this thread.
    let msg = unsafe { CStr::from_ptr(sys::LGBM_GetLastError()) };
    Err(GbmError::LightGbm(msg.to_string_lossy().into_owned()))
}

fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| GbmError::LightGbm(format!("NUL byte in {s:?}")))
}

/// An owned LightGBM dataset handle.
struct RawDataset(sys::DatasetHandle);

impl Drop for RawDataset {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_DatasetCreateFromMat and is freed once.
        unsafe {
            sys::LGBM_DatasetFree(self.0);
        }
    }
}

impl RawDataset {
    /// Bins `m` (row-major f32) with `params`; a validation set takes the
    /// bin mappers of its `reference`.
    fn new(m: &Matrix, names: &[String], params: &str, reference: Option<&Self>) -> Result<Self> {
        let rows = i32::try_from(m.rows())
            .map_err(|_| GbmError::LightGbm(format!("{} rows: too many", m.rows())))?;
        let cols = i32::try_from(m.n_features)
            .map_err(|_| GbmError::LightGbm("too many features".into()))?;
        if rows == 0 || cols == 0 || m.y.len() != m.rows() {
            return Err(GbmError::LightGbm(format!(
                "empty or ragged training matrix ({} rows, {} labels, {} features)",
                m.rows(),
                m.y.len(),
                m.n_features
            )));
        }
        let p = cstring(params)?;
        let mut h: sys::DatasetHandle = std::ptr::null_mut();
        // SAFETY: `m.x` holds rows * cols f32 values (Matrix invariant,
        // checked through `rows()`), `p` is NUL-terminated, `h` is written.
        check(unsafe {
            sys::LGBM_DatasetCreateFromMat(
                m.x.as_ptr().cast::<c_void>(),
                sys::C_API_DTYPE_FLOAT32 as c_int,
                rows,
                cols,
                1,
                p.as_ptr(),
                reference.map_or(std::ptr::null_mut(), |r| r.0),
                &mut h,
            )
        })?;
        let d = Self(h);
        let label = cstring("label")?;
        // SAFETY: `m.y` holds `rows` f32 labels.
        check(unsafe {
            sys::LGBM_DatasetSetField(
                d.0,
                label.as_ptr(),
                m.y.as_ptr().cast::<c_void>(),
                rows,
                sys::C_API_DTYPE_FLOAT32 as c_int,
            )
        })?;
        if names.len() == m.n_features {
            let c: Vec<CString> = names.iter().map(|n| cstring(n)).collect::<Result<_>>()?;
            let mut ptrs: Vec<*const c_char> = c.iter().map(|s| s.as_ptr()).collect();
            // SAFETY: `ptrs` points at `cols` live NUL-terminated strings.
            check(unsafe { sys::LGBM_DatasetSetFeatureNames(d.0, ptrs.as_mut_ptr(), cols) })?;
        }
        Ok(d)
    }
}

/// An owned LightGBM booster handle.
struct RawBooster(sys::BoosterHandle);

impl Drop for RawBooster {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_BoosterCreate and is freed once.
        unsafe {
            sys::LGBM_BoosterFree(self.0);
        }
    }
}

impl RawBooster {
    fn update(&self) -> Result<bool> {
        let mut finished: c_int = 0;
        // SAFETY: live booster handle; `finished` is written.
        check(unsafe { sys::LGBM_BoosterUpdateOneIter(self.0, &mut finished) })?;
        Ok(finished != 0)
    }

    fn rollback(&self) -> Result<()> {
        // SAFETY: live booster handle.
        check(unsafe { sys::LGBM_BoosterRollbackOneIter(self.0) })
    }

    /// The first metric on validation set 1.
    fn valid_metric(&self) -> Result<Option<f64>> {
        let mut n: c_int = 0;
        // SAFETY: live booster handle; `n` is written.
        check(unsafe { sys::LGBM_BoosterGetEvalCounts(self.0, &mut n) })?;
        if n <= 0 {
            return Ok(None);
        }
        let mut out = vec![0f64; n as usize];
        let mut len: c_int = 0;
        // SAFETY: `out` has room for the `n` metrics LightGBM reported.
        check(unsafe { sys::LGBM_BoosterGetEval(self.0, 1, &mut len, out.as_mut_ptr()) })?;
        Ok(out.first().copied())
    }

    fn iterations(&self) -> Result<usize> {
        let mut it: c_int = 0;
        // SAFETY: live booster handle; `it` is written.
        check(unsafe { sys::LGBM_BoosterGetCurrentIteration(self.0, &mut it) })?;
        Ok(it.max(0) as usize)
    }

    fn model_string(&self) -> Result<String> {
        let mut len: i64 = 0;
        let mut buf = vec![0u8; 1 << 20];
        for _ in 0..2 {
            // SAFETY: `buf` has `buf.len()` writable bytes; LightGBM writes at
            // most that many and reports the length it needs in `len`.
            check(unsafe {
                sys::LGBM_BoosterSaveModelToString(
                    self.0,
                    0,
                    -1,
                    0,
                    buf.len() as i64,
                    &mut len,
                    buf.as_mut_ptr().cast::<c_char>(),
                )
            })?;
            if (len as usize) <= buf.len() {
                // `len` counts the terminating NUL.
                buf.truncate((len.max(1) as usize) - 1);
                return String::from_utf8(buf)
                    .map_err(|e| GbmError::LightGbm(format!("model text: {e}")));
            }
            buf = vec![0u8; len as usize];
        }
        Err(GbmError::LightGbm("model text keeps growing".into()))
    }
}

/// `key=value` pairs of a JSON object, as LightGBM's parameter string.
pub(crate) fn param_string(v: &serde_json::Value) -> String {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Trains `rounds` rounds on `train` (with early stopping on `valid` after
/// `early_stopping` rounds without improvement, when both are given; every
/// metric demandcast uses is a loss, lower is better), the columns
/// `categorical` declared as LightGBM categoricals. Returns the model text
/// and the rounds kept.
pub(crate) fn train(
    train: &Matrix,
    valid: Option<&Matrix>,
    names: &[String],
    categorical: &[usize],
    params: &serde_json::Value,
    rounds: usize,
    early_stopping: usize,
) -> Result<(String, usize)> {
    let mut p = param_string(params);
    if !categorical.is_empty() {
        let list: Vec<String> = categorical.iter().map(|c| c.to_string()).collect();
        p.push_str(&format!(" categorical_feature={}", list.join(",")));
    }
    let d = RawDataset::new(train, names, &p, None)?;
    let v = valid
        .map(|m| RawDataset::new(m, names, &p, Some(&d)))
        .transpose()?;
    let cp = cstring(&p)?;
    let mut h: sys::BoosterHandle = std::ptr::null_mut();
    // SAFETY: live dataset handle, NUL-terminated parameters, `h` is written.
    check(unsafe { sys::LGBM_BoosterCreate(d.0, cp.as_ptr(), &mut h) })?;
    let b = RawBooster(h);
    if let Some(v) = &v {
        // SAFETY: both handles are live; the booster keeps a pointer to the
        // validation set, which outlives it (dropped after `b`, see below).
        check(unsafe { sys::LGBM_BoosterAddValidData(b.0, v.0) })?;
    }
    let early = v.is_some() && early_stopping > 0;
    let mut best: Option<f64> = None;
    let mut since = 0usize;
    for _ in 0..rounds {
        if b.update()? {
            break;
        }
        if !early {
            continue;
        }
        let Some(score) = b.valid_metric()? else {
            continue;
        };
        let better = best.is_none_or(|s| score < s);
        if better {
            best = Some(score);
            since = 0;
        } else {
            since += 1;
            if since >= early_stopping {
                for _ in 0..since {
                    b.rollback()?;
                }
                break;
            }
        }
    }
    let text = b.model_string()?;
    let n = b.iterations()?;
    // The booster refers to the datasets: free it first.
    drop(b);
    drop(v);
    drop(d);
    Ok((text, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 600 rows: a code 0..5 whose effect is not monotonic (odd codes sell
    /// 10, even ones 1) and a noise column.
    fn zigzag() -> Matrix {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..600 {
            let code = (i % 6) as f32;
            x.push(code);
            x.push(((i * 7919) % 13) as f32);
            y.push(if i % 2 == 1 { 10.0 } else { 1.0 });
        }
        Matrix {
            x,
            y,
            n_features: 2,
        }
    }

    fn stump_mse(categorical: &[usize]) -> Result<(f64, String)> {
        let m = zigzag();
        // One round of one split at full learning rate.
        let params = json!({
            "objective": "regression",
            "num_leaves": 2,
            "learning_rate": 1.0,
            "min_data_in_leaf": 1,
            "verbosity": -1,
            "num_threads": 1,
            "deterministic": true,
        });
        let names = vec!["code".to_string(), "noise".to_string()];
        let (text, n) = train(&m, None, &names, categorical, &params, 1, 0)?;
        assert_eq!(n, 1);
        let b = lightgbm3::Booster::from_string(&text)?;
        let p = b.predict(&m.x, 2, true)?;
        let mse = p
            .iter()
            .zip(&m.y)
            .map(|(a, b)| (a - f64::from(*b)).powi(2))
            .sum::<f64>()
            / p.len() as f64;
        Ok((mse, text))
    }

    #[test]
    fn a_categorical_split_groups_codes_a_numeric_one_cannot() -> Result<()> {
        // One numeric split cuts 0..5 into a prefix and a suffix and leaves
        // both sides mixed; a categorical split puts {1, 3, 5} on one side.
        let (cat, text) = stump_mse(&[0])?;
        let (num, plain) = stump_mse(&[])?;
        // (cat_l2 regularises the leaf values a little: not exactly 0)
        assert!(cat < 0.1, "categorical stump mse {cat}");
        assert!(num > 5.0, "numeric stump mse {num}");
        assert!(
            text.contains("cat_threshold="),
            "no categorical split in the model text"
        );
        assert!(!plain.contains("cat_threshold="));
        Ok(())
    }

    #[test]
    fn early_stopping_keeps_the_best_rounds() -> Result<()> {
        let m = zigzag();
        let params = json!({
            "objective": "regression",
            "num_leaves": 4,
            "learning_rate": 0.5,
            "min_data_in_leaf": 1,
            "verbosity": -1,
            "num_threads": 1,
            "metric": "l2",
        });
        let names = vec!["code".to_string(), "noise".to_string()];
        // Validation = training rows: the loss flattens once the codes are
        // fitted, so training stops long before 500 rounds.
        let (_, n) = train(&m, Some(&m), &names, &[0], &params, 500, 5)?;
        assert!((1..500).contains(&n), "kept {n} rounds");
        Ok(())
    }
}
