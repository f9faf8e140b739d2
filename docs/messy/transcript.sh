#!/usr/bin/env bash
# The runs of docs/data.md, as a transcript (docs/messy.txt).
# Run from the repository root: bash docs/messy/transcript.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # this checkout's bpnet
python docs/messy/make_data.py
out=results/messy
show() {  # print the command as typed, then what it printed
  echo "\$ python run.py $*"
  python run.py "$@" 2>&1 || true   # the mistakes shown end with status 2
}
{
  show docs/messy/weekly.yaml --out $out/weekly
  show docs/messy/weekly.yaml --set data.missing=interpolate --out $out/weekly
  show forecast $out/weekly/model_bp.npz docs/messy/co2_weekly.csv --steps 26 --out $out/weekly_forecast.csv
  sed -n 21,26p $out/weekly_forecast.csv
  echo "\$ python docs/messy/months_compare.py"
  python docs/messy/months_compare.py
  show docs/messy/air.yaml --out $out/air
  show docs/messy/air.yaml --set data.sort=true --quiet --out $out/air
  show forecast $out/air/model_bp.npz docs/messy/air_newest_first.csv --steps 3 --out $out/air/forecast.csv
  show docs/messy/air.yaml --set data.path=docs/messy/repeated.csv --out $out/air
  show docs/messy/air.yaml --set data.path=docs/messy/irregular.csv --set data.series=y --set data.time=date --set data.lags=1 --set data.month=false --quiet --out $out/irregular
  show docs/messy/air.yaml --set data.path=docs/messy/data.mat --out $out/air
  show docs/messy/sunspots.yaml --quiet --out $out/sunspots
  show forecast $out/sunspots/model_bp.npz docs/messy/sunspots.csv --steps 12 --out $out/sunspots/forecast.csv
  show docs/messy/gdp.yaml --quiet --out $out/gdp
  show forecast $out/gdp/model_bp.npz docs/messy/gdp.csv --steps 4 --out $out/gdp/forecast.csv
  show docs/messy/gdp.yaml --set data.month=true --out $out/gdp
  show docs/messy/volume.yaml --out $out/volume
  show docs/messy/volume.yaml --set 'data.decimal=","' --quiet --out $out/volume
  show docs/messy/climate.yaml --quiet --out $out/climate
  show forecast $out/climate/model_bp.npz docs/messy/climate_wide.csv --steps 6 --out $out/climate/forecast.csv
  show configs/passengers.yaml --set data.lags=1:12 --set split.method=divideblock --quiet --out $out/lags
  show configs/passengers.yaml --set split.method=divideind --set split.train=1:100 --set split.test=101:143 --quiet --out $out/index
  show configs/passengers.yaml --set train.algorithm=traincgf
  show configs/passengers.yaml --set performFcn=mse
  show configs/passengers.yaml --set models.bp.type=fitnet
} > docs/messy.txt
