"""Offline replay of the ensemble's choice on a multi-window backtest.
For outer cutoff j, the ensemble with k internal windows sees the members'
backtest forecasts at cutoffs j-1..j-k (what its internal backtest computes,
refit, same step) and picks weights by greedy selection (20 picks) on a
WRMSSE-style score (levels: total, statics, series; weights = unit share of
the last h periods before the cutoff; scale = mean squared first difference
since first sale). Scores each rule on the outer windows with WAPE and the
same score.

Usage: python scripts/ensemble_replay.py FORECASTS.csv HISTORY.csv STATICS K
  FORECASTS.csv  `demandcast backtest` forecasts.csv (levels none), members as columns
  HISTORY.csv    the history the backtest read (CSV with unique_id, ds, y, the statics)
  STATICS        comma list of static columns to aggregate over ('' for none)
  K              the most internal windows replayed (outer windows need K earlier ones)
  MEMBERS=a,b    (environment) replay with these members only
"""
import os
import sys

import numpy as np
import pandas as pd
fc = pd.read_csv(sys.argv[1], dtype={'unique_id': str}, parse_dates=['ds','cutoff'])
hist = pd.read_csv(sys.argv[2], dtype={'unique_id': str}, parse_dates=['ds'])
statics = sys.argv[3].split(',') if len(sys.argv) > 3 and sys.argv[3] else []
members = [c for c in fc.columns if c not in ('unique_id','ds','cutoff','y')]
if os.environ.get('MEMBERS'): members = os.environ['MEMBERS'].split(',')
cutoffs = sorted(fc.cutoff.unique())
h = fc.groupby('cutoff').ds.nunique().iloc[0]
st = hist.groupby('unique_id')[statics].first() if statics else None

def levels_for(ids):
    lv = [('total', pd.Series('all', index=ids))]
    for s in statics:
        lv.append((s, st.loc[ids, s].astype(str)))
    lv.append(('series', pd.Series(ids, index=ids)))
    return lv

cache = {}
def scorer(cut):
    if cut in cache: return cache[cut]
    w = fc[fc.cutoff == cut].sort_values(['unique_id','ds'])
    ids = w.unique_id.unique()
    hh = hist[(hist.ds <= cut) & hist.unique_id.isin(ids)]
    Y = w.y.to_numpy().reshape(len(ids), h)
    F = {m: w[m].fillna(0).to_numpy().reshape(len(ids), h) for m in members}
    piv = hh.pivot(index='ds', columns='unique_id', values='y').reindex(columns=ids).fillna(0)
    lv = []
    for name, grp in levels_for(ids):
        g = grp.reindex(ids).to_numpy()
        codes, uniq = pd.factorize(g)
        G = np.zeros((len(uniq), len(ids))); G[codes, np.arange(len(ids))] = 1
        agg = piv.to_numpy() @ G.T   # T x groups
        scale = np.zeros(len(uniq))
        for k in range(len(uniq)):
            x = agg[:, k]; nz = np.nonzero(x)[0]
            if len(nz) < 2: continue
            x = x[nz[0]:]; d = np.diff(x)
            scale[k] = np.mean(d**2) if len(d) else 0
        last = agg[-h:].sum(0); wt = last / last.sum() if last.sum() > 0 else np.ones(len(uniq))/len(uniq)
        lv.append((G, scale, wt))
    cache[cut] = (Y, F, lv)
    return cache[cut]

def score(cut, weights):
    Y, F, lv = scorer(cut)
    P = sum(weights[m] * F[m] for m in members if weights.get(m, 0) > 0)
    tot = 0
    for G, scale, wt in lv:
        ya = G @ Y; pa = G @ P
        ok = scale > 0
        r = np.sqrt(np.mean((ya - pa)**2, axis=1)[ok] / scale[ok])
        tot += np.sum(wt[ok] * r) / max(wt[ok].sum(), 1e-12)
    return tot / len(lv)

def wape(cut, weights):
    Y, F, lv = scorer(cut)
    P = sum(weights[m] * F[m] for m in members if weights.get(m, 0) > 0)
    return np.abs(Y - P).sum() / Y.sum()

def greedy(cuts, steps=20):
    counts = {m: 0 for m in members}; best = None
    for k in range(1, steps+1):
        pick = None
        for m in members:
            counts[m] += 1
            w = {x: c / k for x, c in counts.items()}
            s = np.mean([score(c, w) for c in cuts])
            counts[m] -= 1
            if pick is None or s < pick[1]: pick = (m, s)
        counts[pick[0]] += 1
        if best is None or pick[1] < best[1]:
            best = ({x: c / k for x, c in counts.items()}, pick[1])
    return best[0]

def top(cuts, n):
    s = {m: np.mean([score(c, {m: 1}) for c in cuts]) for m in members}
    keep = sorted(members, key=s.get)[:n]
    return {m: 1/len(keep) for m in keep}

K = int(sys.argv[4]) if len(sys.argv) > 4 else 3
rules = {f'greedy{k}': (lambda cuts, k=k: greedy(cuts[-k:])) for k in range(1, K+1)}
rules.update({f'top2_{K}': lambda cuts: top(cuts[-K:], 2), f'top3_{K}': lambda cuts: top(cuts[-K:], 3),
              'equal_all': lambda cuts: {m: 1/len(members) for m in members}})
for m in members: rules[m] = (lambda cuts, m=m: {m: 1})
res = {r: [] for r in rules}
for j in range(K, len(cutoffs)):
    prev = cutoffs[:j]
    for r, f in rules.items():
        w = f(prev)
        res[r].append((score(cutoffs[j], w), wape(cutoffs[j], w), {m: round(v,2) for m, v in w.items() if v > 0}))
print('outer cutoffs', [str(c)[:10] for c in cutoffs[K:]])
for r, v in res.items():
    print(f"{r:14s} score {np.mean([x[0] for x in v]):.4f} wape {np.mean([x[1] for x in v]):.4f} | " + ' '.join(f"{x[0]:.4f}" for x in v), ' ' if r in members else [x[2] for x in v])
