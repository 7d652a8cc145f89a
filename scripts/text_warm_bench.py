"""Warm task of the text issue on Online Retail: weekly forecasts 13 weeks ahead for products
that have history, by `demandcast forecast` with and without the product texts as covariates
(`--catalog ... --text-features K`), scored on all products and on those with a short history
(first sale in the 13 weeks before the cut-off).

A single LightGBM fit moves these scores by a few per cent from one seed to the next, and
adding *any* columns moves them too (fewer trees see the lags). So the script can repeat each
run over several seeds (`--seeds 0,100,200`, appended to every `lightgbm` model as `,seed=S`)
and run a placebo beside the text (`--placebo K`: K columns of random numbers, constant within
a product, given as covariates like the text): text earns its keep if it beats both the run
without it and the placebo.

    python scripts/text_warm_bench.py --bin target/release/demandcast --out /tmp/warm --k 0,16 \
        --models lightgbm:seeds=5 --seeds 0,100,200 --placebo 16
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
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
ap.add_argument("--seeds", default="", help="seeds appended to every lightgbm model, joined by commas")
ap.add_argument("--placebo", type=int, default=0, help="also run with this many random constant columns")
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

runs = [(f"k{k}", ["--catalog", str(out / "catalog.csv"), "--text-features", str(k)]) for k in map(int, a.k.split(","))]
if a.placebo:
    ids = hist.unique_id.unique()
    rng = np.random.default_rng(7)
    cols = {f"placebo_{j}": rng.normal(size=len(ids)) for j in range(a.placebo)}
    static = pd.DataFrame({"unique_id": ids, **cols})
    hist.merge(static, on="unique_id").to_csv(out / "history_placebo.csv", index=False, date_format="%Y-%m-%d")
    steps = pd.DataFrame({"ds": [cut + pd.Timedelta(weeks=i) for i in range(1, a.h + 1)]})
    static.merge(steps, how="cross").to_csv(out / "future_placebo.csv", index=False, date_format="%Y-%m-%d")
    runs.append((f"placebo{a.placebo}", ["--future", str(out / "future_placebo.csv")]))


def with_seed(models: str, seed: str) -> str:
    if not seed:
        return models
    return ",".join(m + (("," if ":" in m else ":") + f"seed={seed}" if m.startswith("lightgbm") else "")
                    for m in models.split(","))


rows = []
for seed in a.seeds.split(",") if a.seeds else [""]:
    models = with_seed(a.models, seed)
    for name, extra in runs:
        f = out / f"forecasts_{name}{'_s' + seed if seed else ''}.csv"
        inp = out / ("history_placebo.csv" if name.startswith("placebo") else "history.csv")
        cmd = [a.bin, "forecast", "--quiet", "--input", str(inp), *extra, "--freq", "W-SUN",
               "--horizon", str(a.h), "--models", models, "--levels", "none", "--threads", a.threads,
               "--output", str(f)]
        t0 = time.time()
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(r.stderr)
        secs = time.time() - t0
        fc = pd.read_csv(f, dtype={"unique_id": str}, parse_dates=["ds"])
        # with a text model and a text-free one (`exclude=text_*`), also score their plain mean
        gbm = [c for c in fc.columns if c.startswith("LightGBM") and "-lo-" not in c and "-hi-" not in c]
        with_text = [c for c in gbm if "exclude=text_" not in c]
        without = [c for c in gbm if "exclude=text_" in c]
        if with_text and without:
            fc["MeanTextNoText"] = (fc[with_text[0]] + fc[without[0]]) / 2
        # scored by the harness' metrics (MASE scale: the one-step naive error, season 1)
        for sel_name, sel in [("all", None), ("short", short)]:
            res = metrics.evaluate(full, fc, season_length=1, series=sel)
            for col, m in res.items():
                if m["n_missing_actuals"] or m["n_dropped_nan_forecasts"]:
                    raise SystemExit(f"{col}: forecasts without actuals or NaN forecasts")
                rows.append(dict(run=name, seed=seed, model=col, products=sel_name, n=m["n_series"],
                                 wape=m["wape"], mae=m["mae"], mase=m["mase"], seconds=round(secs)))
        print(f"{name} seed {seed or '-'}: {secs:.0f} s", flush=True)
res = pd.DataFrame(rows)
res.to_csv(out / "scores.csv", index=False)
print(res.round(4).to_string(index=False))
if a.seeds:
    # the seed is part of a lightgbm column's name (`LightGBM_seed=100`): group without it
    res["model"] = res.model.str.replace(r"[_,]seed=\d+", "", regex=True)
    mean = res.groupby(["run", "model", "products"], sort=False)[["wape", "mae", "mase"]].mean()
    print("\nmean over seeds:\n" + mean.round(4).to_string())
