#!/usr/bin/env bash
# Inventory simulation on M5 CA_1 + TX_2 (6,098 series, through d_1941):
# 95 % cycle service level, lead time 7 days, weekly review, 8 weeks replayed,
# calibration on up to 8 earlier weekly windows (18 backtest windows in all).
# Costs: holding 25 %/year of sell_price, lost sale 30 % of sell_price.
# Input: demandcast's own import, made with
#   demandcast import m5 --dir /work/shared/data/m5 --stores CA_1,TX_2 --output /tmp/m5-bench/m5.parquet
set -euo pipefail
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/demandcast}
IN=${IN:-/tmp/m5-bench/m5.parquet}
OUT=${OUT:-/tmp/decide-sim}
MODELS=${MODELS:-seasonal_naive,auto_ets}
THREADS=${THREADS:-2}
/usr/bin/time -v "$BIN" simulate --input "$IN" --models "$MODELS" \
    --policy order-up-to --service-level 95 --lead-time 7 --review-period 7 --weeks 8 \
    --calibration-windows 8 --holding-rate 0.25 --lost-sale-margin 0.3 \
    --threads "$THREADS" --output "$OUT" 2> "$OUT.time.log"
cat "$OUT/report.md"
grep -E "Elapsed|Maximum resident" "$OUT.time.log"
