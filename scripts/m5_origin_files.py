"""Train and future files of the M5 task at three origins, as the harness writes them.

    python scripts/m5_origin_files.py --m5 outputs/m5/m5.parquet --out DIR

writes DIR/{U,V,W}_train.parquet and DIR/{U,V,W}_future.csv: train to d_1857
(2016-02-28), d_1885 (2016-03-27) and d_1913 (2016-04-24, the public window),
future covariates of the 28 days after each. Rows are sorted by (unique_id, ds)
and the values are the harness CSV's (`peers.py splits`): y and sell_price as
float64, the price rounded to cents, the statics as text. This matters: the
float32 columns of `m5.parquet` as they are (prices off by ~1e-8) move the
LightGBM recipe's WRMSSE-12 on the public window from 0.4779 to 0.4928, as
LightGBM bins the derived price features differently (BENCHMARKS.md, session 15).
"""
import argparse
from pathlib import Path

import pandas as pd

ORIGINS = {"U": "2016-02-28", "V": "2016-03-27", "W": "2016-04-24"}
COLS = ["unique_id", "ds", "y", "sell_price", "event", "snap", "item_id", "dept_id", "cat_id"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--m5", required=True, help="the harness' m5.parquet (prep_m5.py --exog)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    d = pd.read_parquet(a.m5, columns=COLS)
    d["ds"] = pd.to_datetime(d["ds"])
    d["y"] = d["y"].astype("float64")
    d["sell_price"] = d["sell_price"].astype("float64").round(2)
    for c in ["event", "snap"]:
        d[c] = d[c].astype("int64")
    for c in ["item_id", "dept_id", "cat_id"]:
        d[c] = d[c].astype(str)
    d = d.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    for name, cut in ORIGINS.items():
        cut = pd.Timestamp(cut)
        d[d.ds <= cut].to_parquet(out / f"{name}_train.parquet", index=False)
        fu = d[(d.ds > cut) & (d.ds <= cut + pd.Timedelta(days=28))].drop(columns=["y"])
        fu.assign(ds=fu.ds.dt.strftime("%Y-%m-%d")).to_csv(out / f"{name}_future.csv", index=False)
        print(f"{name}: train to {cut.date()}, {len(fu)} future rows")


if __name__ == "__main__":
    main()
