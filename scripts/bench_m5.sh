#!/usr/bin/env bash
# M5 benchmark: demandcast's statistical models against statsforecast 2.1.1 on the same
# series, in the same run, scored by the reference harness (../shared/bench/peers.py).
#
#   scripts/bench_m5.sh [THREADS] [OUT]
#
# Public window: train d_1..d_1913, forecast d_1914..d_1941 (h = 28), stores CA_1 + TX_2
# (6,098 series). demandcast runs through the harness' `--external` hook, so it gets
# exactly the train/future CSVs the peers get, is timed the same way (wall time of the
# command, CSV parsing included), and is scored by the same metrics code. AutoETS and
# AutoTheta (ours and statsforecast's) run on the harness' seeded 300-series subset
# (statsforecast needs minutes for them); everything else on all 6,098 series.
# Needs: python3 with venv (the harness' requirements are installed into .venv-bench).
set -euo pipefail
THREADS=${1:-2}
OUT=${2:-bench-out}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath "$ROOT/../shared/bench")
DATA=$(realpath "$ROOT/../shared/data/m5")
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
VENV=${VENV:-$ROOT/.venv-bench}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$B/requirements.txt"
fi
PY="$VENV/bin/python"
cargo build --release -q -p demandcast-cli
DC="$ROOT/target/release/demandcast"

if [ ! -f "$OUT/m5/m5.parquet" ]; then
  "$PY" "$B/prep_m5.py" --src "$DATA" --max-day 1941 --exog --out "$OUT/m5/m5.parquet"
fi

# statsforecast name -> demandcast model spec
declare -A SPEC=(
  [Naive]=naive [SeasonalNaive]=seasonal_naive [HistoricAverage]=historic_average
  [WindowAverage]=window_average:28 [CrostonClassic]=croston_classic
  [CrostonOptimized]=croston_optimized [CrostonSBA]=croston_sba [ADIDA]=adida [IMAPA]=imapa
  [TSB]=tsb:0.2:0.2 [AutoETS]=auto_ets [AutoTheta]=auto_theta
)
MODELS=${MODELS:-"Naive SeasonalNaive HistoricAverage WindowAverage CrostonClassic CrostonOptimized CrostonSBA ADIDA IMAPA TSB AutoETS AutoTheta"}
ext=()
peers=()
for m in $MODELS; do
  peers+=("$m")
  ext+=(--external "dc-$m=$DC forecast --quiet --input {train} --horizon {h} --season-length 7 --levels 20,40,60,80 --threads $THREADS --models ${SPEC[$m]} --output {out}")
done
if [ -n "${WITH_AUTO:-1}" ]; then
  ext+=(--external "dc-auto=$DC forecast --quiet --input {train} --horizon {h} --season-length 7 --levels 20,40,60,80 --threads $THREADS --models auto --output {out}")
fi
"$PY" "$B/peers.py" run --data "$OUT/m5/m5.parquet" --weights "$OUT/m5/m5.parquet.weights.csv" \
  --m5-levels --h 28 --season-length 7 --nonneg --n-jobs "$THREADS" --exog sell_price,event,snap \
  --static item_id,dept_id,cat_id --models "$(IFS=,; echo "${peers[*]}")" \
  --model-max-series AutoETS=300,AutoTheta=300,dc-AutoETS=300,dc-AutoTheta=300 \
  "${ext[@]}" --out "$OUT/m5_run"
echo "report: $OUT/m5_run/results.md"
