#!/usr/bin/env python3
"""Cold-start benchmark of `demandcast forecast --catalog` on Online Retail.

Runs the protocol of ../shared/bench/coldstart.py as a user would: writes a
weekly sales history (long format: unique_id, ds, y) and a product catalogue
(unique_id, description, launch_date, launch_price), runs the demandcast
binary, sums each new product's `ColdStart` forecast over its first 4 and 8
weeks from launch, and scores the result with coldstart.py's own scorer.

  frozen   one run: history up to the split's information cut-off; every
           task product is a catalogue row without history.
  rolling  one run per launch week: history up to the Sunday before it.

Usage (from a scratch folder; the task folder comes from `coldstart.py run`):
  python scripts/text_coldstart_bench.py --task /tmp/bench/text/cs_public \
      --bin target/release/demandcast --protocol frozen --out /tmp/bench/text/run
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
sys.path.insert(0, str(BENCH))
import coldstart as cs  # noqa: E402  (the task's own definitions)


def weekly(split: str):
    sp = cs.SPLITS[split]
    b = cs.build(sp["data"], sp["data_end"])
    return b["products"], b["weekly"], sp


def history(wk: pd.DataFrame, last_week: pd.Timestamp) -> pd.DataFrame:
    """Weekly units from each product's first sale to `last_week`, zeros included."""
    w = wk.loc[wk["week_end"] <= last_week, ["StockCode", "week_end", "units"]]
    first = w.loc[w["units"] > 0].groupby("StockCode")["week_end"].min()
    rows = []
    for code, f in first.items():
        ds = pd.date_range(f, last_week, freq="W-SUN")
        rows.append(pd.DataFrame({"unique_id": code, "ds": ds}))
    grid = pd.concat(rows, ignore_index=True)
    h = grid.merge(w.rename(columns={"StockCode": "unique_id", "week_end": "ds", "units": "y"}),
                   on=["unique_id", "ds"], how="left").fillna({"y": 0.0})
    return h


def catalog(products: pd.DataFrame, hist_ids, new: pd.DataFrame) -> pd.DataFrame:
    old = products.loc[products["unique_id"].isin(set(hist_ids)), ["unique_id", "description", "launch_price"]]
    old = old.assign(launch_date="")
    nw = new[["unique_id", "description", "launch_date", "launch_price"]].copy()
    nw["launch_date"] = pd.to_datetime(nw["launch_date"]).dt.strftime("%Y-%m-%d")
    return pd.concat([old, nw], ignore_index=True)


def run_cli(binary: str, hist: pd.DataFrame, cat: pd.DataFrame, work: Path, horizon: int, extra: list[str]):
    work.mkdir(parents=True, exist_ok=True)
    hist.to_csv(work / "history.csv", index=False, date_format="%Y-%m-%d")
    cat.to_csv(work / "catalog.csv", index=False)
    cmd = [binary, "forecast", "--input", str(work / "history.csv"), "--catalog", str(work / "catalog.csv"),
           "--freq", "W-SUN", "--horizon", str(horizon), "--models", "naive", "--levels", "none",
           "--output", str(work / "forecasts.csv")] + extra
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    (work / "stderr.txt").write_text(r.stderr)
    if r.returncode != 0:
        raise SystemExit(f"demandcast failed ({r.returncode}):\n{r.stderr}")
    return pd.read_csv(work / "forecasts.csv", dtype={"unique_id": str}, parse_dates=["ds"]), time.time() - t0


def totals(fc: pd.DataFrame, tasks: pd.DataFrame, column: str = "ColdStart") -> pd.DataFrame:
    fc = fc.loc[fc[column].notna()].sort_values(["unique_id", "ds"])
    out = []
    for _, t in tasks.iterrows():
        f = fc.loc[(fc["unique_id"] == t["unique_id"]) & (fc["ds"] >= t["launch_week_end"])]
        for H in map(int, str(t["horizons"]).split(",")):
            out.append({"unique_id": t["unique_id"], "horizon_weeks": H,
                        "forecast_units": float(f[column].iloc[:H].sum()) if len(f) >= H else np.nan})
    return pd.DataFrame(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True, help="task folder written by coldstart.py run")
    ap.add_argument("--split", default="public")
    ap.add_argument("--bin", required=True, help="the demandcast binary")
    ap.add_argument("--protocol", choices=["frozen", "rolling"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--extra", default="", help="extra demandcast flags, space separated")
    ap.add_argument("--column", default="ColdStart",
                    help="forecast column scored (TextRegressor with --extra '--text-regressor DIR')")
    a = ap.parse_args()
    task, out = Path(a.task), Path(a.out)
    tasks = pd.read_csv(task / "tasks.csv", dtype={"unique_id": str, "horizons": str},
                        parse_dates=["launch_date", "launch_week_end"])
    products, wk, sp = weekly(a.split)
    extra = a.extra.split()
    fcs, secs = [], 0.0
    if a.protocol == "frozen":
        last = cs.last_complete_sunday(sp["frozen_cut"])
        hist = history(wk, last)
        fc, s = run_cli(a.bin, hist, catalog(products, hist["unique_id"].unique(), tasks), out / "frozen", 8, extra)
        fcs.append(totals(fc, tasks, a.column))
        secs += s
    else:
        for w1, grp in tasks.groupby("launch_week_end"):
            last = w1 - pd.Timedelta(weeks=1)
            hist = history(wk, last)
            fc, s = run_cli(a.bin, hist, catalog(products, hist["unique_id"].unique(), grp),
                            out / f"rolling_{w1.date()}", 8, extra)
            fcs.append(totals(fc, grp, a.column))
            secs += s
    f = pd.concat(fcs, ignore_index=True)
    f.to_csv(out / f"forecasts.{a.protocol}.{a.column}.csv", index=False)
    act = pd.read_csv(task / "actuals.csv", dtype={"unique_id": str})
    res = cs.score(act, f)
    res["time_s"] = secs
    (out / f"score.{a.protocol}.{a.column}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
