"""Warm task of the text issue on Online Retail: weekly forecasts 13 weeks ahead for products
that have history, by `demandcast forecast --models lightgbm` with and without the product
texts as covariates (`--catalog ... --text-features K`), scored on all products and on those
with a short history (first sale in the 13 weeks before the cut-off).

    python scripts/text_warm_bench.py --bin target/release/demandcast --out /tmp/warm --k 0,8
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_coldstart_bench import BENCH, history, weekly  # noqa: E402

sys.path.insert(0, str(BENCH))
import metrics  # noqa: E402  (the harness' scorer)

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--k", default="0,8", help="text feature counts to compare, joined by commas")
ap.add_argument("--h", type=int, default=13)
ap.add_argument("--models", default="lightgbm")
ap.add_argument("--threads", default="2")
ap.add_argument("--back", type=int, default=0, help="end the test window this many weeks before the data's end")
a = ap.parse_args()

products, wk, sp = weekly("public")
last = pd.Timestamp(sp["data_end"])
last = last - pd.Timedelta(days=(last.dayofweek + 1) % 7)       # the last Sunday
last = last - pd.Timedelta(weeks=a.back)
cut = last - pd.Timedelta(weeks=a.h)
hist = history(wk, cut)
full = history(wk, last)
first = hist[hist.y > 0].groupby("unique_id").ds.min()
short = set(first[first > cut - pd.Timedelta(weeks=13)].index)
cat = products.loc[products.unique_id.isin(set(hist.unique_id)), ["unique_id", "description"]]
out = Path(a.out)
out.mkdir(parents=True, exist_ok=True)
hist.to_csv(out / "history.csv", index=False, date_format="%Y-%m-%d")
cat.to_csv(out / "catalog.csv", index=False)
print(f"cut-off {cut.date()}, test {(cut + pd.Timedelta(weeks=1)).date()}..{last.date()}: "
      f"{hist.unique_id.nunique()} products, {len(short)} with under 13 weeks of history")
rows = []
for k in [int(x) for x in a.k.split(",")]:
    f = out / f"forecasts_k{k}.csv"
    cmd = [a.bin, "forecast", "--quiet", "--input", str(out / "history.csv"), "--catalog", str(out / "catalog.csv"),
           "--text-features", str(k), "--freq", "W-SUN", "--horizon", str(a.h), "--models", a.models,
           "--levels", "none", "--threads", a.threads, "--output", str(f)]
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    secs = time.time() - t0
    fc = pd.read_csv(f, dtype={"unique_id": str}, parse_dates=["ds"])
    # scored by the harness' metrics (MASE scale: the one-step naive error, season 1)
    for name, sel in [("all", None), ("short", short)]:
        r = metrics.evaluate(full, fc, season_length=1, series=sel)
        for col, m in r.items():
            if m["n_missing_actuals"] or m["n_dropped_nan_forecasts"]:
                raise SystemExit(f"{col}: forecasts without actuals or NaN forecasts")
            rows.append(dict(k=k, model=col, products=name, n=m["n_series"], wape=m["wape"],
                             mae=m["mae"], mase=m["mase"], seconds=round(secs)))
res = pd.DataFrame(rows)
print(res.round(4).to_string(index=False))
res.to_csv(out / "scores.csv", index=False)
