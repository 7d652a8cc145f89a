//! NumPy's default random stream, `np.random.default_rng(seed).normal(...)`,
//! reimplemented: `SeedSequence` seeding, the PCG64 (XSL-RR) generator and
//! the 256-layer ziggurat standard normal of `numpy.random.Generator`.
//!
//! statsforecast computes Theta prediction intervals by simulating 200 paths
//! with `default_rng(0)`; drawing the very same normals makes our intervals
//! equal to statsforecast's instead of merely close (200 paths leave a Monte
//! Carlo error of several percent, far above any useful test tolerance).

use std::sync::OnceLock;

/// PCG64 (128-bit LCG state, XSL-RR output), seeded as NumPy seeds it.
#[derive(Debug, Clone)]
pub(crate) struct NumpyRng {
    state: u128,
    inc: u128,
}

const PCG_MULT: u128 = (2_549_297_995_355_413_924u128 << 64) | 4_865_540_595_714_422_341u128;

// SeedSequence hashing constants (numpy/random/bit_generator.pyx).
const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;
const POOL_SIZE: usize = 4;

/// `SeedSequence(seed).generate_state(4, np.uint64)` for a seed below 2^32.
fn seed_sequence_u64x4(seed: u32) -> [u64; 4] {
    let mut hash_const = INIT_A;
    let mut hashmix = |value: u32| -> u32 {
        let mut v = value ^ hash_const;
        hash_const = hash_const.wrapping_mul(MULT_A);
        v = v.wrapping_mul(hash_const);
        v ^ (v >> XSHIFT)
    };
    let mix = |x: u32, y: u32| -> u32 {
        let r = MIX_MULT_L
            .wrapping_mul(x)
            .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
        r ^ (r >> XSHIFT)
    };
    // The entropy of a seed < 2^32 is the single word [seed], zero-padded to the pool.
    let mut pool = [0u32; POOL_SIZE];
    for (i, p) in pool.iter_mut().enumerate() {
        *p = hashmix(if i == 0 { seed } else { 0 });
    }
    for src in 0..POOL_SIZE {
        for dst in 0..POOL_SIZE {
            if src != dst {
                let h = hashmix(pool[src]);
                pool[dst] = mix(pool[dst], h);
            }
        }
    }
    let mut words = [0u32; 8];
    let mut hc = INIT_B;
    for (i, w) in words.iter_mut().enumerate() {
        let mut v = pool[i % POOL_SIZE] ^ hc;
        hc = hc.wrapping_mul(MULT_B);
        v = v.wrapping_mul(hc);
        *w = v ^ (v >> XSHIFT);
    }
    // uint32 pairs viewed as little-endian uint64.
    std::array::from_fn(|k| u64::from(words[2 * k]) | (u64::from(words[2 * k + 1]) << 32))
}

impl NumpyRng {
    /// `np.random.default_rng(seed)` (PCG64 seeded through `SeedSequence`).
    pub(crate) fn new(seed: u32) -> Self {
        let s = seed_sequence_u64x4(seed);
        let init_state = (u128::from(s[0]) << 64) | u128::from(s[1]);
        let init_seq = (u128::from(s[2]) << 64) | u128::from(s[3]);
        let mut rng = Self {
            state: 0,
            inc: (init_seq << 1) | 1,
        };
        rng.step();
        rng.state = rng.state.wrapping_add(init_state);
        rng.step();
        rng
    }

    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
    }

    /// The next raw 64-bit output (`bit_generator.random_raw()`).
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.step();
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        (hi ^ lo).rotate_right((hi >> 58) as u32)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `Generator.standard_normal()`: NumPy's ziggurat.
    pub(crate) fn standard_normal(&mut self) -> f64 {
        let t = tables();
        loop {
            let mut r = self.next_u64();
            let idx = (r & 0xff) as usize;
            r >>= 8;
            let sign = r & 1;
            let rabs = (r >> 1) & 0x000f_ffff_ffff_ffff;
            let mut x = rabs as f64 * t.wi[idx];
            if sign == 1 {
                x = -x;
            }
            if rabs < t.ki[idx] {
                return x;
            }
            if idx == 0 {
                // The tail beyond R (Marsaglia's method), as NumPy samples it.
                loop {
                    let xx = -ZIGGURAT_INV_R * (-self.next_f64()).ln_1p();
                    let yy = -(-self.next_f64()).ln_1p();
                    if yy + yy > xx * xx {
                        return if (rabs >> 8) & 1 == 1 {
                            -(ZIGGURAT_R + xx)
                        } else {
                            ZIGGURAT_R + xx
                        };
                    }
                }
            } else if (t.fi[idx - 1] - t.fi[idx]) * self.next_f64() + t.fi[idx]
                < (-0.5 * x * x).exp()
            {
                return x;
            }
        }
    }
}

const ZIGGURAT_R: f64 = 3.654_152_885_361_009;
const ZIGGURAT_INV_R: f64 = 0.273_661_237_329_758_3;
/// Area of each of the 256 ziggurat layers under exp(-x²/2):
/// `r exp(-r²/2) + sqrt(pi/2) erfc(r / sqrt 2)` in full double precision
/// (Marsaglia & Tsang's 12-digit value moves draws by ~1e-12).
const ZIGGURAT_V: f64 = 0.004_928_673_233_974_658;

struct Tables {
    ki: [u64; 256],
    wi: [f64; 256],
    fi: [f64; 256],
}

/// The ziggurat tables, built once by Marsaglia & Tsang's recurrence (the
/// construction behind NumPy's constants; any last-bit difference only moves
/// a draw by an ulp).
fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let m = 4_503_599_627_370_496.0; // 2^52: the 52 random bits of `rabs`
        let mut t = Tables {
            ki: [0; 256],
            wi: [0.0; 256],
            fi: [0.0; 256],
        };
        let mut dn = ZIGGURAT_R;
        let mut tn = dn;
        let q = ZIGGURAT_V / (-0.5 * dn * dn).exp();
        t.ki[0] = ((dn / q) * m) as u64;
        t.ki[1] = 0;
        t.wi[0] = q / m;
        t.wi[255] = dn / m;
        t.fi[0] = 1.0;
        t.fi[255] = (-0.5 * dn * dn).exp();
        for i in (1..=254).rev() {
            dn = (-2.0 * (ZIGGURAT_V / dn + (-0.5 * dn * dn).exp()).ln()).sqrt();
            t.ki[i + 1] = ((dn / tn) * m) as u64;
            tn = dn;
            t.fi[i] = (-0.5 * dn * dn).exp();
            t.wi[i] = dn / m;
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcg64_state_matches_numpy() {
        // r = np.random.default_rng(0); r.bit_generator.state; r.bit_generator.random_raw(3)
        let mut r = NumpyRng::new(0);
        assert_eq!(r.state, 35_399_562_948_360_463_058_890_781_895_381_311_971);
        assert_eq!(r.inc, 87_136_372_517_582_989_555_478_159_403_783_844_777);
        assert_eq!(r.next_u64(), 11_749_869_230_777_074_271);
        assert_eq!(r.next_u64(), 4_976_686_463_289_251_617);
        assert_eq!(r.next_u64(), 755_828_109_848_996_024);
    }

    #[test]
    fn normals_match_numpy() {
        // [float(v) for v in np.random.default_rng(0).normal(0, 1, 5)]
        let want = [
            0.1257302210933933,
            -0.1321048632913019,
            0.6404226504432821,
            0.10490011715303971,
            -0.535669373161111,
        ];
        let mut r = NumpyRng::new(0);
        for w in want {
            let z = r.standard_normal();
            assert!((z - w).abs() < 1e-14, "{z} vs {w}");
        }
        // x = np.random.default_rng(0).normal(0, 1, 100000)
        // float(x.sum()), float(np.abs(x).max()), int(np.argmax(np.abs(x)))
        // -> -90.82507731206121, 4.731957688635529, 36758 (draws from the tail
        // and the wedges included: the stream must not drift).
        let mut r = NumpyRng::new(0);
        let x: Vec<f64> = (0..100_000).map(|_| r.standard_normal()).collect();
        assert!((x.iter().sum::<f64>() + 90.825_077_312_061_21).abs() < 1e-9);
        assert!((x[36_758].abs() - 4.731_957_688_635_529).abs() < 1e-13);
    }
}
