#!/usr/bin/env python3
"""Check demandcast's metrics against the reference scorer.

Recomputes, with /work/shared/bench/metrics.py, the metrics of a forecast
file written by demandcast (long CSV/Parquet: unique_id, ds, cutoff, [y],
<model>, <model>-lo-<L>, <model>-hi-<L>, <model>-median, <model>-q-<q>) and
asserts that every metric in demandcast's metrics JSON agrees to --tol.

  /tmp/bench/.venv/bin/python scripts/check_scorer.py \
      --data m5.parquet --forecasts forecasts.csv --metrics metrics.json \
      --season-length 7 [--weights m5.parquet.weights.csv] [--m5-levels] [--tol 1e-6]

--data is the history the backtest ran on, in the harness' long format
(unique_id, ds, y and, for --m5-levels, sell_price), loaded exactly as
`peers.py score` loads it. The metrics JSON may be demandcast's evaluation
report ({"metrics": {"models": [{"model": ..., "mae": ...}, ...]}}), a list of
such rows, or a dict model -> metrics as `peers.py score --out` writes.
Exit status 0 when everything agrees, 1 otherwise (each mismatch printed).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

BENCH = Path("/work/shared/bench")

SCALARS = ["mae", "rmse", "smape", "mase", "rmsse", "wrmsse", "bias", "pbias", "wape", "wql", "scrps",
           "cov80", "wrmsse12"]
COUNTS = ["n_points", "n_pairs", "n_series", "n_scaled_mase", "n_scaled_rmsse", "n_missing_actuals",
          "n_dropped_nan_forecasts", "wrmsse12_n_dropped_series"]


def ours_by_model(js) -> dict:
    if isinstance(js, dict) and "metrics" in js:
        js = js["metrics"]
    if isinstance(js, dict) and "models" in js:
        js = js["models"]
    if isinstance(js, list):
        return {row["model"]: row for row in js}
    return dict(js)


def num(x) -> float:
    return float("nan") if x is None else float(x)


def close(a, b, tol) -> bool:
    a, b = num(a), num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(1.0, abs(b))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--forecasts", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--season-length", type=int, required=True)
    ap.add_argument("--weights", help="CSV unique_id,weight (level-12 weights: checks wrmsse)")
    ap.add_argument("--m5-levels", action="store_true", help="also check wrmsse12 and its levels")
    ap.add_argument("--price-col", default="sell_price")
    ap.add_argument("--no-trim", action="store_true")
    ap.add_argument("--bench", default=str(BENCH), help="folder holding metrics.py and peers.py")
    ap.add_argument("--tol", type=float, default=1e-6)
    a = ap.parse_args(argv)
    sys.path.insert(0, a.bench)
    import pandas as pd  # noqa: E402
    import metrics  # noqa: E402
    import peers  # noqa: E402

    cfg = {"m5_levels": a.m5_levels, "price_col": a.price_col, "m5_weight_days": 28, "no_trim": a.no_trim}
    hist = peers.history_for_scoring(a.data, cfg)
    p = Path(a.forecasts)
    fc = pd.read_parquet(p) if p.suffix in (".parquet", ".pq") else pd.read_csv(p)
    fc["ds"] = pd.to_datetime(fc["ds"])
    if "cutoff" in fc.columns:
        fc["cutoff"] = pd.to_datetime(fc["cutoff"])
    fc = fc.drop(columns=[c for c in ("window", "y") if c in fc.columns])
    ref = metrics.evaluate(hist, fc, a.season_length, trim_leading_zeros=not a.no_trim,
                           weights=peers.load_weights(a.weights))
    for name in ref:
        ref[name] = peers.add_m5_levels(ref[name], hist, fc, name, cfg)
    ours = ours_by_model(json.loads(Path(a.metrics).read_text()))

    bad = []
    checked = 0
    for name, r in ref.items():
        o = ours.get(name)
        if o is None:
            bad.append(f"{name}: missing from {a.metrics}")
            continue
        for k in SCALARS:
            if k in r or k in o:
                checked += 1
                if not close(o.get(k), r.get(k), a.tol):
                    bad.append(f"{name} {k}: ours {o.get(k)!r} reference {r.get(k)!r}")
        for k in COUNTS:
            if k in r:
                checked += 1
                if o.get(k) != r[k]:
                    bad.append(f"{name} {k}: ours {o.get(k)!r} reference {r[k]!r}")
        if "quantiles" in r:
            checked += 1
            if [round(q, 6) for q in o.get("quantiles") or []] != [round(q, 6) for q in r["quantiles"]]:
                bad.append(f"{name} quantiles: ours {o.get('quantiles')} reference {r['quantiles']}")
        for lvl, v in (r.get("wrmsse12_levels") or {}).items():
            checked += 1
            ov = (o.get("wrmsse12_levels") or {}).get(lvl)
            if not close(ov, v, a.tol):
                bad.append(f"{name} {lvl}: ours {ov!r} reference {v!r}")
        if "wrmsse12_error" in r:
            bad.append(f"{name}: the reference could not compute WRMSSE-12: {r['wrmsse12_error']}")
    for name in set(ours) - set(ref):
        bad.append(f"{name}: in {a.metrics} but not found in the forecast columns")
    for b in bad:
        print("MISMATCH", b)
    print(f"{checked} values checked for {len(ref)} models: "
          f"{'all agree' if not bad else f'{len(bad)} mismatches'} (tol {a.tol:g})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
