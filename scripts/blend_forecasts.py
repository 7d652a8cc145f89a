"""The mean of several forecast files' point columns (the first model column of each).

    python scripts/blend_forecasts.py OUT.csv a.csv b.csv [c.csv ...]

The files must hold the same (unique_id, ds) rows in the same order (forecasts of
one train file); OUT.csv gets unique_id, ds and the mean as column `Blend`, for
`peers.py score`.
"""
import sys

import pandas as pd


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, files = sys.argv[1], sys.argv[2:]
    fs = [pd.read_csv(f) for f in files]
    b = fs[0][["unique_id", "ds"]].copy()
    for f, name in zip(fs[1:], files[1:]):
        if not (f.unique_id.values == b.unique_id.values).all() or not (f.ds.values == b.ds.values).all():
            sys.exit(f"{name}: rows differ from {files[0]}")
    b["Blend"] = sum(f.iloc[:, 2] for f in fs) / len(fs)
    b.to_csv(out, index=False)


if __name__ == "__main__":
    main()
