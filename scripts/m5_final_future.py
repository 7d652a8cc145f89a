"""Future covariates of the 28 days after the shared M5 file (d_1942..d_1969, the withheld
window), built as the harness' prep_m5.py builds its columns: weekly sell prices (the last known
price where a week has none), the event flag and the state's SNAP flag from calendar.csv.

    python scripts/m5_final_future.py --m5 m5.parquet --src ../shared/data/m5 --out final_future.csv
"""
import argparse

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--m5", required=True, help="the harness' m5.parquet (d_1..d_1941, with --exog)")
ap.add_argument("--src", required=True, help="the shared m5 folder (calendar.csv, sell prices)")
ap.add_argument("--out", required=True)
ap.add_argument("--first-day", type=int, default=1942)
ap.add_argument("--h", type=int, default=28)
a = ap.parse_args()

cal = pd.read_csv(f"{a.src}/calendar.csv", parse_dates=["date"]).set_index("d")
m5 = pd.read_parquet(a.m5)
last = m5[m5.ds == m5.ds.max()][["unique_id", "item_id", "dept_id", "cat_id", "sell_price"]]
days = [f"d_{i}" for i in range(a.first_day, a.first_day + a.h)]
ids = last.unique_id.to_numpy()
items = last.item_id.astype(str).to_numpy()
n, T = len(ids), len(days)
store = np.array([u[len(i) + 1:] for u, i in zip(ids, items)])
prices = pd.read_csv(f"{a.src}/sell_prices_CA_1_TX_2.csv.gz")
key = pd.DataFrame({"store_id": np.repeat(store, T), "item_id": np.repeat(items, T),
                    "wm_yr_wk": np.tile(cal.loc[days, "wm_yr_wk"].to_numpy(), n)})
p = key.merge(prices, on=["store_id", "item_id", "wm_yr_wk"], how="left")["sell_price"].to_numpy()
missing = int(np.isnan(p).sum())
p = np.where(np.isnan(p), np.repeat(last.sell_price.to_numpy(), T), p)
ev = (cal.loc[days, "event_name_1"].notna() | cal.loc[days, "event_name_2"].notna()).astype("int8")
out = pd.DataFrame({"unique_id": np.repeat(ids, T),
                    "ds": np.tile(cal.loc[days, "date"].dt.strftime("%Y-%m-%d").to_numpy(), n),
                    "sell_price": p, "event": np.tile(ev.to_numpy(), n),
                    "snap": np.concatenate([cal.loc[days, f"snap_{s[:2]}"].to_numpy() for s in store])})
for c in ["item_id", "dept_id", "cat_id"]:
    out[c] = np.repeat(last[c].astype(str).to_numpy(), T)
out.to_csv(a.out, index=False)
print(f"wrote {a.out}: {n} series x {T} days, {out.ds.min()}..{out.ds.max()}; "
      f"{missing} prices carried forward, {int(ev.sum())} event days")
