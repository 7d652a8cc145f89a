"""Reference values for tests/theta_reference.rs, from statsforecast 2.1.1.

Run from the repository root with the benchmark venv (statsforecast 2.1.1,
numpy 2.4, statsmodels 0.15):
    python crates/demandcast-stats/tests/data/theta_reference.py
Writes theta_series.csv (the inputs) and theta_expected.csv (the outputs).
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast.models import (AutoTheta, DynamicOptimizedTheta, DynamicTheta,
                                  OptimizedTheta, Theta)

warnings.filterwarnings("ignore")
OUT = Path(__file__).parent
DATA = Path("/work/shared/data")
LEVELS = [80, 95]

series = []  # (id, season_length, horizon, values)
m5 = pd.read_csv(DATA / "m5/sales_train_validation_CA_1_TX_2.csv.gz")
dcols = [c for c in m5.columns if c.startswith("d_")]
for item in ["FOODS_3_586_CA_1", "FOODS_3_282_CA_1", "FOODS_3_652_CA_1", "HOUSEHOLD_1_195_CA_1"]:
    y = m5.loc[m5.id == item + "_validation", dcols].to_numpy(float)[0, -500:]  # last 500 days
    series.append((item, 7, 14, y))
classic = pd.read_csv(DATA / "classic_small_series/classic_series.csv")
for sid in ["a10", "h02", "wineind"]:
    y = classic[classic.series_id == sid].sort_values("t").value.to_numpy(float)
    series.append((sid, 12, 12, y))
m3 = pd.read_csv(DATA / "m3/m3_series_long.csv.gz")
for sid in ["N2242"]:
    y = m3[(m3.series_id == sid) & (m3.split == "train")].sort_values("t").value.to_numpy(float)
    series.append((sid, 12, 12, y))

fmt = lambda v: " ".join(repr(float(x)) for x in np.atleast_1d(v))
with open(OUT / "theta_series.csv", "w") as f:
    f.write("id,season_length,horizon,values\n")
    for sid, m, h, y in series:
        f.write(f"{sid},{m},{h},{fmt(y)}\n")

rows = []
for sid, m, h, y in series:
    for cls in [Theta, OptimizedTheta, DynamicTheta, DynamicOptimizedTheta, AutoTheta]:
        model = cls(season_length=m).fit(y)
        md = model.model_
        name = cls.__name__
        rows += [(sid, name, "variant", md["modeltype"]),
                 (sid, name, "decomposition", md.get("decomposition_type", "none") if md.get("decompose") else "none"),
                 (sid, name, "alpha", fmt(md["par"]["alpha"])),
                 (sid, name, "theta", fmt(md["par"]["theta"])),
                 (sid, name, "level0", fmt(md["par"]["initial_smoothed"])),
                 (sid, name, "mse", fmt(md["mse"]))]
        keep_intervals = name in ("Theta", "AutoTheta")
        fc = model.predict(h=h, level=LEVELS if keep_intervals else None)
        rows.append((sid, name, "mean", fmt(fc["mean"])))
        if keep_intervals:
            for lv in LEVELS:
                rows += [(sid, name, f"lo-{lv}", fmt(fc[f"lo-{lv}"])), (sid, name, f"hi-{lv}", fmt(fc[f"hi-{lv}"]))]
        if name == "AutoTheta":
            rows.append((sid, name, "fitted_tail", fmt(model.predict_in_sample()["fitted"][-5:])))
with open(OUT / "theta_expected.csv", "w") as f:
    f.write("id,model,key,values\n")
    for r in rows:
        f.write(",".join(r) + "\n")
