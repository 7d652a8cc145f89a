#!/usr/bin/env python3
"""The cold-start `frozen` protocol of ../shared/bench/coldstart.py on earlier launch windows.

Besides the public split (information cut-off 2011-06-30, launches 2011-07-01..09-03),
three earlier windows of the shared data are run the same way: history up to the cut-off,
the products first sold in the next two months given as catalogue rows only, their 4- and
8-week totals scored with coldstart.py's scorer against the harness baselines fitted with
the same cut-off (earlier windows have more launches with an 8-week target, 149..233
against 17).  Used to choose the cold-start settings without tuning on the public split.

Usage:  python scripts/text_coldstart_folds.py --bin target/release/demandcast --out /tmp/bench/text/folds

With --regressor MODE, each window also fine-tunes a text regressor on its own history
(`demandcast finetune-text --mode MODE`), forecasts with `--text-regressor`, and prints the
WAPE ratios of the `TextRegressor` column and of geometric blends of it with `ColdStart`.
"""
import sys, argparse, subprocess, time
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import text_coldstart_bench as tb  # noqa: E402  (also puts ../shared/bench on the path)
import coldstart as cs  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('--bin', required=True, help='the demandcast binary')
ap.add_argument('--out', required=True, help='work folder')
ap.add_argument('--folds', default='f0331,f0430,f0531,public')
ap.add_argument('--extra', default='--threads 1', help='extra demandcast flags, space separated')
ap.add_argument('--scales', default='', help='comma-separated multipliers: also print the WAPE ratio to the best '
                'baseline of the forecasts times each one (how far the calibrated level is from the best one)')
ap.add_argument('--regressor', default='', help='lora, full or head: also fine-tune and score a text regressor')
ap.add_argument('--blends', default='0.2,0.5', help='weights of the regressor in ln(1 + units) blends')
a = ap.parse_args()
P, WK, _ = tb.weekly('public')
FOLDS = {'f0331': ('2011-03-31', '2011-04-01', '2011-06-03'), 'f0430': ('2011-04-30', '2011-05-01', '2011-07-03'),
         'f0531': ('2011-05-31', '2011-06-01', '2011-08-03'), 'public': ('2011-06-30', '2011-07-01', '2011-09-03')}
MULTS = [float(x) for x in a.scales.split(',') if x]
rows, level = [], []
for name in a.folds.split(','):
    cut, first, last = FOLDS[name]
    sel = P.loc[(P.launch_date >= first) & (P.launch_date <= last) & P.y4.notna()].copy()
    sel['horizons'] = np.where(sel.y8.notna(), '4,8', '4')
    act = pd.concat([pd.DataFrame({'unique_id': sel.loc[sel[f'y{H}'].notna(), 'unique_id'], 'horizon_weeks': H,
                                   'actual_units': sel.loc[sel[f'y{H}'].notna(), f'y{H}']}) for H in (4, 8)])
    lim = cs.last_complete_sunday(cut)
    hist = tb.history(WK, lim)
    work, cat = Path(a.out) / name, tb.catalog(P, hist['unique_id'].unique(), sel)
    extra = a.extra.split()
    variants = {}
    if a.regressor:
        work.mkdir(parents=True, exist_ok=True)
        hist.to_csv(work / 'history.csv', index=False, date_format='%Y-%m-%d')
        cat.to_csv(work / 'catalog.csv', index=False)
        t0 = time.time()
        subprocess.run([a.bin, '-q', 'finetune-text', '--input', str(work / 'history.csv'), '--catalog',
                        str(work / 'catalog.csv'), '--freq', 'W-SUN', '--mode', a.regressor, '--threads', '2',
                        '--output', str(work / 'reg')], check=True)
        print(name, f'finetune-text {a.regressor}: {time.time() - t0:.0f} s', file=sys.stderr)
        extra += ['--text-regressor', str(work / 'reg')]
    fc, secs = tb.run_cli(a.bin, hist, cat, work, 8, extra)
    f = tb.totals(fc, sel)
    if a.regressor:
        fr = tb.totals(fc, sel, 'TextRegressor')
        variants['TextRegressor'] = fr
        for w in [float(x) for x in a.blends.split(',') if x]:
            fb = f.copy()
            fb['forecast_units'] = np.expm1((1 - w) * np.log1p(f.forecast_units) + w * np.log1p(fr.forecast_units))
            variants[f'blend{w:g}'] = fb
    res = cs.score(act, f)
    bl = {}
    for H in (4, 8):
        t = sel.loc[sel[f'y{H}'].notna()]
        bf = cs.run_baselines(P, t, H, cut)
        for m in cs.BASELINES:
            ff = bf[['unique_id', 'horizon_weeks', m]].rename(columns={m: 'forecast_units'})
            r = cs.score(act.loc[act.horizon_weeks == H], ff)[f'h{H}']
            bl.setdefault(H, []).append((r['wape'], r['mae'], m))
    for H in (4, 8):
        bw = min(bl[H]); bm = min(bl[H], key=lambda x: x[1])
        r = res[f'h{H}']
        rows.append(dict(fold=name, H=H, n=r['n'], wape=r['wape'], mae=r['mae'], best_b_wape=bw[0], b_wape=bw[2], best_b_mae=bm[1], b_mae=bm[2],
                         **{f'{k}_rel': cs.score(act, v)[f'h{H}']['wape'] / bw[0] for k, v in variants.items()}))
        # The aggregate bias and the WAPE at other levels: the WAPE-optimal forecast of a
        # heavy-tailed total is a median, so sum(f) / sum(a) well below 1 is expected.
        j = act.loc[act.horizon_weeks == H].merge(f.loc[f.horizon_weeks == H], on=['unique_id', 'horizon_weeks'])
        fa, aa = j.forecast_units.fillna(0).to_numpy(float), j.actual_units.to_numpy(float)
        lv = dict(fold=name, H=H, sum_f_over_a=fa.sum() / aa.sum())
        for m in MULTS:
            lv[f'x{m:g}'] = np.abs(m * fa - aa).sum() / aa.sum() / bw[0]
        level.append(lv)
    print(name, [x for x in (Path(a.out) / name / 'stderr.txt').read_text().splitlines() if 'cold start:' in x], file=sys.stderr)
d = pd.DataFrame(rows); d['rel_wape'] = d.wape / d.best_b_wape; d['rel_mae'] = d.mae / d.best_b_mae
pd.set_option('display.width', 250)
print(d.round(3).to_string())
print('dev mean rel_wape', d[d.fold != 'public'].groupby('H').rel_wape.mean().round(3).to_dict(), 'rel_mae', d[d.fold != 'public'].groupby('H').rel_mae.mean().round(3).to_dict())
for c in [c for c in d.columns if c.endswith('_rel')]:
    print(f'mean {c} (all windows)', d.groupby('H')[c].mean().round(3).to_dict(), 'ColdStart', d.groupby('H').rel_wape.mean().round(3).to_dict())
d.to_csv(Path(a.out) / 'summary.csv', index=False)
lv = pd.DataFrame(level)
print('aggregate bias and, with --scales, WAPE / best baseline WAPE with the forecasts times each multiplier:')
print(lv.round(3).to_string())
