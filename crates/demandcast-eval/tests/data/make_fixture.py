#!/usr/bin/env python3
"""Builds the small M5 fixture used by demandcast-eval's reference tests.

  /tmp/bench/.venv/bin/python make_fixture.py --m5 /tmp/eval_m5/m5.parquet \
      --weights /tmp/eval_m5/m5.parquet.weights.csv --out .

(m5.parquet from /work/shared/bench/prep_m5.py --max-day 1941 --exog.)
Writes
  m5_wide.csv      20 series, days d_1578..d_1941 (364 days), wide: one row
                   per (unique_id, kind in {y, price}) with start date and
                   ';'-joined values; three series start at their first sale
                   (leading zeros trimmed, as a loader may do), one is all zero.
  m5_weights.csv   official level-12 M5 weights of those series
  m5_forecasts.csv 2 windows (cutoffs d_1885, d_1913), h = 28, models
                   SNaive (point, lo/hi-80/95; one NaN), LGB (point, q-0.1..0.9
                   plus q-0.025/0.975), Tiny (point, lo/hi-95)
"""
import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

FIRST_DAY, LAST_DAY = 1578, 1941
CUTOFF_DAYS = (1885, 1913)
H = 28
D1 = pd.Timestamp("2011-01-29")


def day(d):
    return D1 + pd.Timedelta(days=d - 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--m5", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", default=".")
    a = ap.parse_args()
    out = Path(a.out)
    df = pd.read_parquet(a.m5, columns=["unique_id", "ds", "y", "sell_price"])
    df = df.loc[df["ds"] >= day(FIRST_DAY)]
    rng = np.random.default_rng(7)
    ids = np.array(sorted(df["unique_id"].unique()))
    fixed = ["FOODS_1_019_CA_1", "FOODS_1_019_TX_2", "FOODS_1_027_CA_1"]
    zero = df.groupby("unique_id")["y"].sum()
    zero = sorted(zero[zero == 0].index)[:1]
    rest = [i for i in rng.permutation(ids) if i not in fixed + zero][:16]
    chosen = sorted(fixed + zero + rest)
    df = df.loc[df["unique_id"].isin(chosen)].sort_values(["unique_id", "ds"])
    rows = []
    for uid, g in df.groupby("unique_id"):
        y = g["y"].to_numpy(float)
        p = g["sell_price"].to_numpy(float)
        start = 0
        if uid in fixed and (y != 0).any():
            start = int((y != 0).argmax())  # trimmed leading zeros
        ds0 = g["ds"].iloc[start].date().isoformat()
        rows.append((uid, "y", ds0, ";".join(f"{v:g}" for v in y[start:])))
        rows.append((uid, "price", ds0, ";".join("nan" if np.isnan(v) else f"{v:g}" for v in p[start:])))
    pd.DataFrame(rows, columns=["unique_id", "kind", "start", "values"]).to_csv(out / "m5_wide.csv", index=False)
    w = pd.read_csv(a.weights)
    w.loc[w["unique_id"].isin(chosen)].to_csv(out / "m5_weights.csv", index=False)

    hist = load_long(out / "m5_wide.csv")
    fc = []
    for cd in CUTOFF_DAYS:
        cutoff = day(cd)
        for uid, g in hist.groupby("unique_id"):
            tr = g.loc[g["ds"] <= cutoff, "y"].to_numpy(float)
            ds = pd.date_range(cutoff + pd.Timedelta(days=1), periods=H, freq="D")
            t = np.arange(H)
            sn = tr[-7:][t % 7]
            d7 = tr[7:] - tr[:-7]
            sig = np.sqrt(np.mean(d7 ** 2)) * np.sqrt(t // 7 + 1) if len(d7) else np.ones(H)
            f = pd.DataFrame({"unique_id": uid, "ds": ds, "cutoff": cutoff, "SNaive": sn})
            for lv in (80, 95):
                z = norm.ppf(0.5 + lv / 200)
                f[f"SNaive-lo-{lv}"] = np.maximum(sn - z * sig, 0)
                f[f"SNaive-hi-{lv}"] = sn + z * sig
            mu = np.full(H, tr[-28:].mean())
            f["LGB"] = mu
            for q in (0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975):
                f[f"LGB-q-{q}"] = np.maximum(mu + norm.ppf(q) * np.sqrt(mu) * (1 + 0.1 * t / H), 0)
            f["Tiny"] = np.full(H, tr[-1])
            f["Tiny-lo-95"] = np.maximum(tr[-1] - 2.0, 0)
            f["Tiny-hi-95"] = tr[-1] + 2.0
            fc.append(f)
    fc = pd.concat(fc, ignore_index=True)
    num = [c for c in fc.columns if c not in ("unique_id", "ds", "cutoff")]
    fc[num] = fc[num].round(2)
    fc.loc[5, "SNaive"] = np.nan  # a NaN forecast: row dropped, series left out of WRMSSE-12
    fc["ds"] = fc["ds"].dt.date
    fc["cutoff"] = fc["cutoff"].dt.date
    fc.to_csv(out / "m5_forecasts.csv", index=False)


def load_long(path):
    """m5_wide.csv -> long unique_id, ds, y, sell_price (used by the tests' reference snippets)."""
    w = pd.read_csv(path)
    parts = []
    for uid, g in w.groupby("unique_id", sort=False):
        g = g.set_index("kind")
        y = np.array(g.loc["y", "values"].split(";"), dtype=float)
        p = np.array(g.loc["price", "values"].split(";"), dtype=float)
        ds = pd.date_range(g.loc["y", "start"], periods=len(y), freq="D")
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y, "sell_price": p}))
    return pd.concat(parts, ignore_index=True)


if __name__ == "__main__":
    main()
