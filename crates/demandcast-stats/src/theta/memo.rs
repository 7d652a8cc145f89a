//! A bounded, process-wide memo of fitted Theta parameters.
//!
//! Why: `AutoTheta` fits the same four variants that `Theta`,
//! `OptimizedTheta`, `DynamicTheta` and `DynamicOptimizedTheta` fit on their
//! own, so a run with all five (`--models all`, the `auto` candidates) did
//! the Nelder-Mead searches twice: about 8 % of the CPU time of the 16
//! statistical models on M5. The optimum depends only on the seasonally
//! adjusted series and the variant, so it is memoised on those, keyed by a
//! 128-bit hash of the values (two SipHash passes with different salts) and
//! the length. The memo holds at most [`CAPACITY`] entries (~10 MB) and is
//! emptied when full, so a long-running server does not grow without bound.

use super::model::{Params, ThetaVariant};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, OnceLock};

/// Most entries kept before the memo is emptied.
const CAPACITY: usize = 100_000;

type Key = (u64, u64, usize, ThetaVariant);

fn memo() -> &'static Mutex<HashMap<Key, Params>> {
    static MEMO: OnceLock<Mutex<HashMap<Key, Params>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key(y: &[f64], variant: ThetaVariant) -> Key {
    let h = |salt: u64| {
        let mut s = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut s);
        for v in y {
            v.to_bits().hash(&mut s);
        }
        s.finish()
    };
    (
        h(0x9e37_79b9_7f4a_7c15),
        h(0x2545_f491_4f6c_dd1d),
        y.len(),
        variant,
    )
}

/// The memoised optimum of `variant` on `y`, or `fit()`'s, stored.
pub(crate) fn params(y: &[f64], variant: ThetaVariant, fit: impl FnOnce() -> Params) -> Params {
    let k = key(y, variant);
    // a poisoned lock only means another thread panicked mid-insert: skip the memo
    if let Some(p) = memo().lock().ok().and_then(|m| m.get(&k).copied()) {
        return p;
    }
    let p = fit();
    if let Ok(mut m) = memo().lock() {
        if m.len() >= CAPACITY {
            m.clear();
        }
        m.insert(k, p);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_stored_optimum_and_tells_series_apart() {
        let p = Params {
            level0: 1.0,
            alpha: 0.5,
            theta: 2.0,
        };
        let y = [1.0, 2.0, 3.5, 0.25];
        let first = params(&y, ThetaVariant::Optimized, || p);
        assert_eq!(first, p);
        // a second call does not fit again
        let again = params(&y, ThetaVariant::Optimized, || unreachable!("memoised"));
        assert_eq!(again, p);
        // another series or variant does
        let mut called = false;
        let _ = params(&[1.0, 2.0, 3.5, 0.5], ThetaVariant::Optimized, || {
            called = true;
            p
        });
        assert!(called);
        let mut called = false;
        let _ = params(&y, ThetaVariant::Standard, || {
            called = true;
            p
        });
        assert!(called);
    }
}
