#!/usr/bin/env bash
# LightGBM benchmark: demandcast's `lightgbm` model against mlforecast + LightGBM
# (the reference harness' `LightGBM` peer, ../shared/bench/peers.py) on the same
# data, in the same run, scored by the same metrics code.
#
#   scripts/bench_gbm.sh m5   [THREADS] [OUT]   # M5 CA_1 + TX_2, train to d_1913, h = 28
#   scripts/bench_gbm.sh frat [THREADS] [OUT]   # Breakfast at the Frat (public split), h = 13
#
# demandcast runs through the harness' `--external` hook, so it reads exactly the
# train/future CSVs the peer gets and is timed the same way (wall time of the
# command, CSV parsing included). Needs: python3 with venv (the harness'
# requirements go into .venv-bench, or set VENV), and the LightGBM build tools
# (cmake >= 3.28, libclang; see .ci/run).
# GBM_PARAMS overrides our model's parameters (default: the tuned recipe below).
set -euo pipefail
TASK=${1:?usage: bench_gbm.sh m5|frat [THREADS] [OUT]}
THREADS=${2:-2}
OUT=${3:-bench-out}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath "$ROOT/../shared/bench")
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
VENV=${VENV:-$ROOT/.venv-bench}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$B/requirements.txt"
fi
PY="$VENV/bin/python"
cargo build --release -q -p demandcast-cli
DC=${DC:-$ROOT/target/release/demandcast}
TIME="/usr/bin/time -f %e,%M -a -o $OUT/${TASK}_dc_time.csv"

case "$TASK" in
m5)
  DATA=$(realpath "$ROOT/../shared/data/m5")
  if [ ! -f "$OUT/m5/m5.parquet" ]; then
    "$PY" "$B/prep_m5.py" --src "$DATA" --max-day 1941 --exog --out "$OUT/m5/m5.parquet"
  fi
  P=${GBM_PARAMS:-"objective=tweedie,power=1.1,rounds=500,lr=0.05,leaves=127,min_leaf=100,max_history=730,bagging_fraction=0.8,feature_fraction=0.8,windows=7+28+56+182,seeds=2"}
  "$PY" "$B/peers.py" run --data "$OUT/m5/m5.parquet" --weights "$OUT/m5/m5.parquet.weights.csv" \
    --m5-levels --h 28 --season-length 7 --nonneg --n-jobs "$THREADS" --exog sell_price,event,snap \
    --static item_id,dept_id,cat_id --models "${PEERS:-LightGBM}" \
    --external "dc-LightGBM=$TIME $DC forecast --quiet --input {train} --future {future} --horizon {h} --levels none --threads $THREADS --models lightgbm:$P --output {out}" \
    --out "$OUT/m5_gbm_run"
  echo "report: $OUT/m5_gbm_run/results.md"
  ;;
frat)
  if [ ! -f "$OUT/outputs/frat_public/data/frat_public.parquet" ]; then
    (cd "$OUT" && "$PY" "$B/frat.py" prep --split public)
  fi
  P=${GBM_PARAMS:-"objective=tweedie,power=1.5"}
  "$PY" "$B/peers.py" run --data "$OUT/outputs/frat_public/data/frat_public.parquet" --h 13 \
    --season-length 52 --nonneg --n-jobs "$THREADS" --lgb-lags 1,2,3,4,8,13,26,52 --lgb-windows 4,13 \
    --exog price,base_price,discount,feature,display,tpr_only --static store_id,upc_id,category,manufacturer \
    --models "${PEERS:-LightGBM,AutoETS}" \
    --external "dc-LightGBM=$TIME $DC forecast --quiet --input {train} --future {future} --horizon {h} --levels 80 --threads $THREADS --models lightgbm:$P --output {out}" \
    --out "$OUT/frat_gbm_run"
  echo "report: $OUT/frat_gbm_run/results.md"
  ;;
*) echo "unknown task $TASK (m5 or frat)"; exit 2 ;;
esac
