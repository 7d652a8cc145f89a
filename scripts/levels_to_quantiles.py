#!/usr/bin/env python3
"""Rewrite a demandcast forecast file for the reference harness' quantile convention.

demandcast writes Nixtla-style intervals (`Model`, `Model-lo-80`, `Model-hi-80`, ...).
The harness (`../shared/bench/peers.py`) scores its own peers after mapping their
levels 20, 40, 60, 80 to the quantiles 0.1 ... 0.9 with the point forecast as the
0.5 quantile (`_levels_to_q`), so their scaled CRPS averages nine quantiles. Scoring
our file as it is would average only the quantiles present (two for `--levels 80`,
eight for `--levels 20,40,60,80`). This script applies the same mapping as the
harness, so both sides are scored alike:

    demandcast forecast ... --levels 20,40,60,80 --output f.csv
    python scripts/levels_to_quantiles.py f.csv f_q.csv
    python ../shared/bench/peers.py score ... --forecasts f_q.csv --name Model

Only the columns are renamed (and the point copied to `-q-0.5`); no value changes.
"""
import re
import sys

import pandas as pd

LEVEL = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")


def convert(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    models = set()
    for c in df.columns:
        m = LEVEL.match(c)
        if not m:
            continue
        lv = float(m["level"])
        q = (100 - lv) / 200 if m["side"] == "lo" else (100 + lv) / 200
        out = out.rename(columns={c: f"{m['model']}-q-{round(q, 6)}"})
        models.add(m["model"])
    for name in sorted(models):
        if name in out.columns:
            out[f"{name}-q-0.5"] = out[name]
        else:
            sys.exit(f"{name}: intervals without a point column")
    return out


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: levels_to_quantiles.py IN.csv OUT.csv")
    df = pd.read_csv(sys.argv[1], dtype={"unique_id": str})
    convert(df).to_csv(sys.argv[2], index=False)


if __name__ == "__main__":
    main()
