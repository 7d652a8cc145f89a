#!/usr/bin/env bash
# The main job on the committed M5 sample (46 Walmart item-store series):
# build, import the raw M5 files, backtest seven models (the global LightGBM model and the
# pretrained transformer among them) over three 28-day windows, then forecast the 28 days after
# the data with LightGBM, the transformer, `auto` and their backtest-weighted ensemble.
# Results go to out/.
# Needs the Rust toolchain; scripts/build-deps.sh adds what LightGBM's build
# needs (CMake >= 3.28 from PyPI, libclang-dev from apt) when missing.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/build-deps.sh

dc() { cargo run --release --quiet -p demandcast-cli -- "$@"; }

dc import m5 --dir data/m5-sample \
  --output out/m5-sample.parquet --future-output out/m5-sample-future.parquet
dc backtest --input out/m5-sample.parquet --horizon 28 --windows 3 \
  --models seasonal_naive,croston_sba,tsb:0.2:0.2,auto_ets,lightgbm,tsfm,auto --levels 80,95 \
  --output out/backtest --db out/demandcast.sqlite
dc forecast --input out/m5-sample.parquet --future out/m5-sample-future.parquet \
  --horizon 28 --models lightgbm,tsfm,auto,ensemble --levels 80,95 --output out/forecasts.csv \
  --db out/demandcast.sqlite

echo "report: out/backtest/report.md   forecasts: out/forecasts.csv"
echo "dashboard: cargo run --release -p demandcast-cli -- serve --db out/demandcast.sqlite, then open http://127.0.0.1:8080"
