#!/usr/bin/env python3
"""Rewrite a demandcast forecast file for the reference harness' quantile convention.

demandcast writes Nixtla-style intervals (`Model`, `Model-lo-80`, `Model-hi-80`, ...).
The harness (`../shared/bench/peers.py`) scores its own peers after mapping their
levels 20, 40, 60, 80 to the quantiles 0.1 ... 0.9 with the point forecast as the
0.5 quantile (`peers._levels_to_q`), so their scaled CRPS averages nine quantiles.
Scoring our file as it is would average only the quantiles present (two for
`--levels 80`, eight for `--levels 20,40,60,80`). This script applies the harness'
own function to every model of the file, so both sides are scored alike:

    demandcast forecast ... --levels 20,40,60,80 --output f.csv
    python scripts/levels_to_quantiles.py f.csv f_q.csv [--bench ../shared/bench]
    python ../shared/bench/peers.py score ... --forecasts f_q.csv --name Model

Only the columns are renamed (and the point copied to `-q-0.5`); no value changes.
"""
import argparse
import re
import sys
from pathlib import Path

import pandas as pd

LEVEL = re.compile(r"^(?P<model>.+)-(?:lo|hi)-\d+(?:\.\d+)?$")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
    ap.add_argument("--bench", default=str(default), help="the reference harness folder")
    a = ap.parse_args()
    sys.path.insert(0, a.bench)
    import peers  # noqa: E402  (the harness: its mapping, not a copy of it)

    df = pd.read_csv(a.input, dtype={"unique_id": str})
    models = sorted({m["model"] for c in df.columns if (m := LEVEL.match(c))})
    if not models:
        sys.exit(f"{a.input}: no -lo-/-hi- interval columns")
    out = df[["unique_id", "ds"]].copy()
    for name in models:
        if name not in df.columns:
            sys.exit(f"{a.input}: {name} has intervals but no point column")
        q = peers._levels_to_q(df, name, name)
        out = pd.concat([out, q.drop(columns=["unique_id", "ds"])], axis=1)
    out.to_csv(a.output, index=False)


if __name__ == "__main__":
    main()
