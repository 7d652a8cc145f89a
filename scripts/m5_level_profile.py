#!/usr/bin/env python3
"""Forecast level of M5 forecast files: forecast total over actual total per day of the
horizon and per fifth of the series by their mean sales over the 56 days before the origin.

Used to locate the recursive LightGBM drift (BENCHMARKS.md, "M5, session 11").

Usage:  python scripts/m5_level_profile.py --data m5.parquet f1.csv [f2.csv ...]
Each file holds `unique_id, ds` and one point-forecast column (interval columns are ignored).
"""
import argparse
import pandas as pd

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('--data', required=True, help="the harness' M5 parquet (unique_id, ds, y)")
ap.add_argument('files', nargs='+')
a = ap.parse_args()
act = pd.read_parquet(a.data, columns=['unique_id', 'ds', 'y'])
act['unique_id'] = act.unique_id.astype(str)
m = None
cols = []
for f in a.files:
    d = pd.read_csv(f, dtype={'unique_id': str}, parse_dates=['ds'])
    col = [c for c in d.columns if c not in ('unique_id', 'ds', 'cutoff') and '-lo-' not in c and '-hi-' not in c][0]
    name = f.split('/')[-1]
    cols.append(name)
    d = d[['unique_id', 'ds', col]].rename(columns={col: name})
    m = d if m is None else m.merge(d, on=['unique_id', 'ds'])
start = m.ds.min()
m = m.merge(act, on=['unique_id', 'ds'])
recent = act[(act.ds < start) & (act.ds >= start - pd.Timedelta(days=56))]
hist = recent.groupby('unique_id').y.mean().rename('mean56').to_frame()
hist['fifth'] = pd.qcut(hist['mean56'].rank(method='first'), 5, labels=False)
m = m.merge(hist, left_on='unique_id', right_index=True)
g = m.groupby('fifth')
print('forecast total / actual total by fifth of the series (0 = slowest sellers)')
print(pd.DataFrame({c: g[c].sum() / g.y.sum() for c in cols}).assign(mean56=g['mean56'].mean()).round(3))
m['day'] = (m.ds - start).dt.days + 1
g = m.groupby('day')
print('by day of the horizon')
print(pd.DataFrame({c: g[c].sum() / g.y.sum() for c in cols}).round(3).T.to_string())
