//! The standard normal distribution: quantile and CDF.
//!
//! Hand-written rather than pulling `statrs`: two short, well-known algorithms
//! (Wichura's AS 241 for the quantile, accurate to about 1e-16, and an erfc
//! expansion for the CDF) keep the core free of dependencies, and interval
//! bounds must match scipy's `norm.ppf` to 1e-9 for the reference tests.

/// The standard normal quantile function (inverse CDF), Wichura's AS 241.
///
/// Returns `-inf` for `p = 0`, `+inf` for `p = 1` and NaN outside `[0, 1]`.
///
/// # Example
/// ```
/// let z = demandcast_core::norm_ppf(0.975);
/// assert!((z - 1.959963984540054).abs() < 1e-14);
/// ```
pub fn norm_ppf(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2_509.080_928_730_122_7 * r + 33_430.575_583_588_13) * r
                + 67_265.770_927_008_7)
                * r
                + 45_921.953_931_549_87)
                * r
                + 13_731.693_765_509_46)
                * r
                + 1_971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((5_226.495_278_852_545 * r + 28_729.085_735_721_943) * r
                + 39_307.895_800_092_71)
                * r
                + 21_213.794_301_586_597)
                * r
                + 5_394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        let r = r - 1.6;
        (((((((7.745_450_142_783_414e-4 * r + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((1.050_750_071_644_416_9e-9 * r + 5.475_938_084_995_345e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_08)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        let r = r - 5.0;
        (((((((2.010_334_399_292_288_1e-7 * r + 2.711_555_568_743_487_6e-5) * r
            + 0.001_242_660_947_388_078_4)
            * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((2.044_263_103_389_939_7e-15 * r + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_888)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

/// The standard normal CDF, via `erfc` (W. J. Cody's rational approximations
/// as used by Numerical Recipes' `erfc`, relative error < 1.2e-7 refined by one
/// Newton-free correction), good to about 1e-7: enough for reporting
/// probabilities such as stock-out risk, not for reference tests.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppf_matches_scipy() {
        // scipy.stats.norm.ppf([0.5, 0.9, 0.975, 0.995, 1e-10, 0.6])
        let cases = [
            (0.5, 0.0),
            (0.9, 1.2815515655446004),
            (0.975, 1.959963984540054),
            (0.995, 2.5758293035489004),
            (1e-10, -6.361340902404056),
            (0.6, 0.2533471031357997),
        ];
        for (p, z) in cases {
            assert!(
                (norm_ppf(p) - z).abs() < 1e-12,
                "p={p}: {} vs {z}",
                norm_ppf(p)
            );
        }
    }

    #[test]
    fn cdf_inverts_ppf() {
        for p in [0.01, 0.1, 0.3, 0.5, 0.8, 0.99] {
            assert!((norm_cdf(norm_ppf(p)) - p).abs() < 1e-6);
        }
    }
}
