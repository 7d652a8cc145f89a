//! Runs the optimisations of all candidate models of a series together.
//!
//! Each candidate is an independent Nelder-Mead run ([`NelderMead`], ask
//! and tell). Candidates whose objective has the fast path and the same
//! kernel (trend and season flags; e.g. ETS(A,Ad,A) and ETS(A,A,A), the two
//! longest runs) advance in lock-step: every round gathers the points each
//! run needs and evaluates them two per kernel pass ([`super::lanes`]),
//! filling spare lanes with the optional expansion points. A run's path
//! depends only on its own values, so each candidate ends exactly where it
//! would alone; only the number of kernel passes shrinks.

use super::fit::{ets_nm_options, Prepared};
use super::kernel::{eval_fast, Objective};
use super::lanes::LANES;
use crate::optim::{nelder_mead, NelderMead, NelderMeadResult};

/// The optimiser's result for each prepared candidate, in order.
pub(crate) fn optimize(preps: &mut [Prepared<'_>]) -> Vec<NelderMeadResult> {
    let mut results: Vec<Option<NelderMeadResult>> = vec![None; preps.len()];
    let mut groups: Vec<((bool, bool), Vec<usize>)> = Vec::new();
    for (i, p) in preps.iter_mut().enumerate() {
        if p.obj.has_fast_path() {
            let key = p.obj.kernel_key();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(i),
                None => groups.push((key, vec![i])),
            }
        } else {
            let obj = &mut p.obj;
            let res = nelder_mead(
                |x| obj.eval(x),
                &p.x0,
                &p.lower,
                &p.upper,
                &ets_nm_options(),
            );
            results[i] = Some(res);
        }
    }
    for (_, members) in groups {
        let mut runs: Vec<NelderMead> = members
            .iter()
            .map(|&i| {
                NelderMead::new(
                    &preps[i].x0,
                    &preps[i].lower,
                    &preps[i].upper,
                    &ets_nm_options(),
                )
            })
            .collect();
        let mut objs: Vec<&mut Objective<'_>> = preps
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| members.contains(i))
            .map(|(_, p)| &mut p.obj)
            .collect();
        lockstep(&mut runs, &mut objs);
        for (&i, run) in members.iter().zip(&runs) {
            results[i] = Some(run.result());
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every candidate is optimised, alone or in a group"))
        .collect()
}

/// Advances runs `runs[k]` on objectives `objs[k]` until all have stopped.
fn lockstep(runs: &mut [NelderMead], objs: &mut [&mut Objective<'_>]) {
    let mut ring = Vec::new();
    let mut y_lanes = Vec::new();
    let mut want: Vec<(usize, usize)> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    loop {
        // the points required now, then optional ones up to a full pass
        want.clear();
        for (k, run) in runs.iter().enumerate() {
            want.extend((0..run.wanted().0).map(|j| (k, j)));
        }
        if want.is_empty() {
            return;
        }
        for (k, run) in runs.iter().enumerate() {
            let (required, offered) = run.wanted();
            for j in required..offered {
                if !want.len().is_multiple_of(LANES) {
                    want.push((k, j));
                }
            }
        }
        let pts: Vec<(usize, &[f64])> = want.iter().map(|&(k, j)| (k, runs[k].point(j))).collect();
        values.resize(pts.len(), 0.0);
        eval_fast(objs, &pts, &mut values, &mut ring, &mut y_lanes);
        drop(pts);
        // tell each run the values of its points, in the order asked
        let mut told: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
        for (&(k, j), &v) in want.iter().zip(&values) {
            debug_assert_eq!(told[k].len(), j);
            told[k].push(v);
        }
        for (run, vals) in runs.iter_mut().zip(&told) {
            if !vals.is_empty() {
                run.tell(vals);
            }
        }
    }
}
