//! Property tests: orders are never negative, a higher service target never
//! lowers the reorder point, and calibration brings coverage closer to nominal.

use demandcast_core::{Forecast, Level};
use demandcast_decide::calibrate::{
    coverage, total_score, ResidualPools, StepCalibrator, StepRecord, TotalScore,
};
use demandcast_decide::{
    simulate, DemandDistribution, Levels, OrderConstraints, Policy, ProtectionDemand,
    ServiceTarget, UnitCosts,
};
use demandcast_eval::DemandClass;
use proptest::prelude::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Poisson};
use std::sync::Arc;

fn any_dist() -> impl Strategy<Value = DemandDistribution> {
    prop_oneof![
        (-20.0..200.0f64, 0.0..50.0f64)
            .prop_map(|(m, s)| DemandDistribution::normal(m, s).unwrap()),
        (
            0.0..100.0f64,
            0.1..10.0f64,
            prop::collection::vec(-5.0..5.0f64, 1..60)
        )
            .prop_map(|(c, s, mut r)| {
                r.sort_by(f64::total_cmp);
                DemandDistribution::residual(c, s, Arc::from(r)).unwrap()
            }),
        (0.0..100.0f64, 1.0..20.0f64, 50.0..150.0f64, 1.0..20.0f64).prop_map(|(m1, s1, m2, s2)| {
            DemandDistribution::mixture(vec![
                (0.3, DemandDistribution::normal(m1, s1).unwrap()),
                (0.7, DemandDistribution::normal(m2, s2).unwrap()),
            ])
            .unwrap()
        }),
    ]
}

fn any_policy() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::OrderUpTo),
        (0.5..50.0f64).prop_map(|q| Policy::ReorderQuantity { quantity: q }),
        (0.0..50.0f64).prop_map(|g| Policy::MinMax { gap: g }),
    ]
}

fn any_constraints() -> impl Strategy<Value = OrderConstraints> {
    (
        0.0..20.0f64,
        0.1..12.0f64,
        prop::option::of(0.0..100.0f64),
        prop::option::of(0.0..300.0f64),
    )
        .prop_map(
            |(moq, pack_size, max_order, max_position)| OrderConstraints {
                moq,
                pack_size,
                max_order,
                max_position,
            },
        )
}

proptest! {
    #[test]
    fn orders_never_negative(
        d in any_dist(), p in any_policy(), c in any_constraints(),
        alpha in 0.01..0.99f64, position in -50.0..400.0f64,
    ) {
        let pd = ProtectionDemand { dist: d, review_mean: 10.0 };
        let lv = p.levels(&pd, &ServiceTarget::CycleServiceLevel { alpha });
        let q = p.order(&lv, position, &c);
        prop_assert!(q >= 0.0 && q.is_finite(), "order {q}");
        if q > 0.0 {
            prop_assert!(q + 1e-9 >= c.moq);
            if let Some(m) = c.max_order { prop_assert!(q <= m + 1e-9); }
        }
    }

    #[test]
    fn simulated_orders_never_negative(
        demand in prop::collection::vec(0u32..20, 3 * 7 + 2),
        s in prop::collection::vec(0.0..80.0f64, 3),
        p in any_policy(), c in any_constraints(),
    ) {
        let demand: Vec<f64> = demand.into_iter().map(f64::from).collect();
        let levels: Vec<Levels> = s.iter().map(|&x| p.levels(
            &ProtectionDemand { dist: DemandDistribution::normal(x, 0.0).unwrap(), review_mean: 1.0 },
            &ServiceTarget::CycleServiceLevel { alpha: 0.9 })).collect();
        let costs = UnitCosts { holding: 0.1, lost_sale: 1.0, order: 0.0 };
        let o = simulate(&demand, &levels, &p, 2, 7, &c, &costs).unwrap();
        prop_assert!(o.ordered_units >= 0.0);
        prop_assert!(o.served <= o.demand + 1e-9 && o.lost >= 0.0);
        prop_assert!((o.served + o.lost - o.demand).abs() < 1e-9);
        prop_assert!(o.stockout_cycles <= o.cycles);
    }

    #[test]
    fn higher_target_never_lowers_reorder_point(
        d in any_dist(), p in any_policy(), a in 0.01..0.98f64, da in 0.0..0.2f64,
    ) {
        let b = (a + da).min(0.99);
        let pd = ProtectionDemand { dist: d, review_mean: 5.0 };
        let lo = p.levels(&pd, &ServiceTarget::CycleServiceLevel { alpha: a });
        let hi = p.levels(&pd, &ServiceTarget::CycleServiceLevel { alpha: b });
        prop_assert!(hi.reorder_point >= lo.reorder_point - 1e-9);
        let lo = p.levels(&pd, &ServiceTarget::FillRate { beta: a });
        let hi = p.levels(&pd, &ServiceTarget::FillRate { beta: b });
        prop_assert!(hi.reorder_point >= lo.reorder_point - 1e-6 * (1.0 + lo.reorder_point));
    }
}

/// `n` per-step records of a model whose intervals use `factor` times the
/// true sd (too narrow below 1, too wide above).
fn step_records(rng: &mut StdRng, n: usize, factor: f64, level: Level) -> Vec<StepRecord> {
    (0..n)
        .map(|k| {
            let step = k % 7;
            let mu = 5.0 + rng.random::<f64>() * 50.0;
            let sd = 1.0 + 0.3 * step as f64;
            let y = Normal::new(mu, sd).unwrap().sample(rng);
            let half = level.z() * sd * factor;
            StepRecord {
                class: if k % 2 == 0 {
                    DemandClass::Smooth
                } else {
                    DemandClass::Erratic
                },
                step,
                level,
                lo: mu - half,
                hi: mu + half,
                y,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn calibrated_coverage_closer_to_nominal(
        seed in any::<u64>(), factor in prop_oneof![0.3..0.8f64, 1.3..2.5f64], pct in 60.0..95.0f64,
    ) {
        let level = Level::new(pct).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let cal = step_records(&mut rng, 6000, factor, level);
        let test = step_records(&mut rng, 6000, factor, level);
        let c = StepCalibrator::fit(&cal, 50);
        let after: Vec<StepRecord> = test
            .iter()
            .map(|r| {
                let q = c.correction(r.class, r.step, r.level);
                StepRecord { lo: r.lo - q, hi: r.hi + q, ..*r }
            })
            .collect();
        let nominal = pct / 100.0;
        let before = coverage(&test)[0].1;
        let after = coverage(&after)[0].1;
        prop_assert!((after - nominal).abs() < (before - nominal).abs(),
            "nominal {nominal}, before {before}, after {after}");
        prop_assert!((after - nominal).abs() < 0.03, "after {after}");
    }
}

/// Lead-time totals with serially correlated errors: the independent-steps
/// normal total under-covers; the residual-pool total is near nominal.
#[test]
fn residual_pool_total_covers_correlated_demand() {
    let mut rng = StdRng::seed_from_u64(7);
    let h = 14;
    let n = 4000;
    let draw = |rng: &mut StdRng| -> (f64, f64, f64) {
        let mu = 2.0 + rng.random::<f64>() * 8.0;
        // a level shock shared by all steps (promotion, weather): correlated errors
        let shock = Normal::new(0.0, 0.4).unwrap().sample(rng);
        let y: f64 = (0..h)
            .map(|_| {
                Poisson::new((mu * (1.0 + shock)).max(0.01))
                    .unwrap()
                    .sample(rng)
            })
            .sum();
        let fc = Forecast::point(vec![mu; h])
            .with_normal_intervals(&vec![mu.sqrt(); h], &[Level::new(95.0).unwrap()]);
        let (d, sd) = demandcast_decide::leadtime::total_and_sd(&fc, h).unwrap();
        (y, d, sd)
    };
    let scores: Vec<TotalScore> = (0..n)
        .map(|_| {
            let (y, d, sd) = draw(&mut rng);
            TotalScore {
                class: DemandClass::Smooth,
                horizon: h,
                score: total_score(y, d, sd, 1.0),
            }
        })
        .collect();
    let pools = ResidualPools::fit(&scores, 50);
    let (pool, own) = pools.pool(DemandClass::Smooth, h).unwrap();
    assert!(own);
    let (mut hit_unc, mut hit_cal) = (0, 0);
    for _ in 0..n {
        let (y, d, sd) = draw(&mut rng);
        if y <= DemandDistribution::normal(d, sd).unwrap().quantile(0.95) {
            hit_unc += 1;
        }
        if y <= DemandDistribution::residual(d, sd + 1.0, pool.clone())
            .unwrap()
            .quantile(0.95)
        {
            hit_cal += 1;
        }
    }
    let (unc, cal) = (hit_unc as f64 / n as f64, hit_cal as f64 / n as f64);
    assert!(unc < 0.9, "uncalibrated {unc}");
    assert!((cal - 0.95).abs() < 0.015, "calibrated {cal}");
}
