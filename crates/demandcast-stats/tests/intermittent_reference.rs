//! Intermittent-demand models against statsforecast 2.1.1: point forecasts
//! (h = 28) of `CrostonClassic`, `CrostonOptimized`, `CrostonSBA`, `ADIDA`,
//! `IMAPA` and `TSB(alpha_d=0.2, alpha_p=0.1)`, to 1e-6, on four M5 item
//! series (smooth, intermittent, lumpy, very sparse with a long run of
//! leading zeros) and the monthly `wineind` series.
//!
//! The reference numbers are in `tests/data/ref_expected.csv`, produced by
//! the Python snippet at the top of `tests/baseline_reference.rs`; for these
//! models it runs, per series `y` (float64):
//!
//! ```python
//! for mod in [CrostonClassic(), CrostonOptimized(), CrostonSBA(), ADIDA(), IMAPA(),
//!             TSB(alpha_d=0.2, alpha_p=0.1)]:
//!     out = mod.forecast(y=y, h=28)   # out['mean'] is the reference
//! ```

include!("data/ref_fixture.rs");

use demandcast_core::{LocalFitted, LocalModel};
use demandcast_stats::{Adida, CrostonClassic, CrostonOptimized, CrostonSba, Imapa, Tsb};
use fixture::{assert_close, expected, series, Step};

fn check<M: LocalModel>(model: &M, y: &[f64], want: &[Step], what: &str) {
    let f = model.fit(y).unwrap().predict(28, &[]).unwrap();
    assert_eq!(f.mean.len(), 28, "{what}");
    assert!(f.intervals.is_empty(), "{what} defines no intervals");
    for (t, (mean, _)) in want.iter().enumerate() {
        assert_close(f.mean[t], *mean, &format!("{what} mean[{t}]"));
    }
}

#[test]
fn intermittent_models_match_statsforecast() {
    let exp = expected();
    let all = series();
    assert_eq!(all.len(), 5);
    for (id, y) in &all {
        let want = |model: &str| &exp[&(id.clone(), model.to_string())];
        check(
            &CrostonClassic::new(),
            y,
            want("CrostonClassic"),
            &format!("{id} CrostonClassic"),
        );
        check(
            &CrostonOptimized::new(),
            y,
            want("CrostonOptimized"),
            &format!("{id} CrostonOptimized"),
        );
        check(
            &CrostonSba::new(),
            y,
            want("CrostonSBA"),
            &format!("{id} CrostonSBA"),
        );
        check(&Adida::new(), y, want("ADIDA"), &format!("{id} ADIDA"));
        check(&Imapa::new(), y, want("IMAPA"), &format!("{id} IMAPA"));
        check(&Tsb::new(0.2, 0.1), y, want("TSB"), &format!("{id} TSB"));
    }
}

#[test]
fn names_are_statsforecast_aliases() {
    assert_eq!(CrostonClassic::new().name(), "CrostonClassic");
    assert_eq!(CrostonOptimized::new().name(), "CrostonOptimized");
    assert_eq!(CrostonSba::new().name(), "CrostonSBA");
    assert_eq!(Adida::new().name(), "ADIDA");
    assert_eq!(Imapa::new().name(), "IMAPA");
    assert_eq!(Tsb::new(0.1, 0.1).name(), "TSB");
}

/// Small hand-checkable cases, values from statsforecast 2.1.1:
/// ```python
/// y = np.array([0., 0, 3, 0, 0, 0, 1, 2, 0, 5])
/// [m.forecast(y=y, h=1)['mean'][0] for m in
///  (CrostonClassic(), CrostonOptimized(), CrostonSBA(), ADIDA(), IMAPA(), TSB(alpha_d=0.3, alpha_p=0.2))]
/// y1 = np.array([4.])  # a single observation
/// [m.forecast(y=y1, h=1)['mean'][0] for m in (CrostonClassic(), CrostonOptimized(), ADIDA(), IMAPA(), TSB(0.3, 0.2))]
/// ```
#[test]
fn small_cases() {
    let y = [0., 0., 3., 0., 0., 0., 1., 2., 0., 5.];
    let got = [
        CrostonClassic::new().fit(&y).unwrap().value(),
        CrostonOptimized::new().fit(&y).unwrap().value(),
        CrostonSba::new().fit(&y).unwrap().value(),
        Adida::new().fit(&y).unwrap().value(),
        Imapa::new().fit(&y).unwrap().value(),
        Tsb::new(0.3, 0.2).fit(&y).unwrap().value(),
    ];
    let want = SMALL;
    for (g, w) in got.iter().zip(want) {
        assert_close(*g, w, "small case");
    }
    let y1 = [4.0];
    let got1 = [
        CrostonClassic::new().fit(&y1).unwrap().value(),
        CrostonOptimized::new().fit(&y1).unwrap().value(),
        Adida::new().fit(&y1).unwrap().value(),
        Imapa::new().fit(&y1).unwrap().value(),
        Tsb::new(0.3, 0.2).fit(&y1).unwrap().value(),
    ];
    for (g, w) in got1.iter().zip(SINGLE) {
        assert_close(*g, w, "single observation");
    }
}

const SMALL: [f64; 6] = [
    1.052481256694038,
    1.052481256694268,
    0.999857193859336,
    1.219349999999054,
    1.4255972958944994,
    1.46237405184,
];
const SINGLE: [f64; 5] = [4.0; 5];
