#!/usr/bin/env bash
# Regenerates every result shown in README.md and docs/*.md from the code in this repository.
# Run from the repository root: bash docs/make_docs.sh
# The run folders it writes (docs/example, docs/rules, ...) stay on disk; git keeps only the
# pictures a page shows (docs/.gitignore). The console output of each run goes to docs/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
keep() {  # keep the pictures, metrics and config of a result folder; drop the bulky rest
  find "$1" -type f ! -name '*.png' ! -name 'metrics.json' ! -name 'config.yaml' -delete
}
rm -rf docs/example docs/rules docs/rules2 docs/recurrent docs/forecast docs/iris docs/wine docs/narx docs/sweep
python run.py configs/passengers.yaml --out docs/example | tee docs/example.txt
python run.py configs/passengers_rules.yaml --out docs/rules | tee docs/rules.txt
keep docs/rules
python run.py configs/passengers_rules2.yaml --out docs/rules2 | tee docs/rules2.txt
keep docs/rules2
python run.py configs/passengers_recurrent.yaml --out docs/recurrent | tee docs/recurrent.txt
keep docs/recurrent
python run.py configs/passengers_forecast.yaml --out docs/forecast | tee docs/forecast.txt
keep docs/forecast
python data/make_plant.py                     # the plant of configs/narx.yaml (the same files)
python run.py configs/narx.yaml --out docs/narx | tee docs/narx.txt
python run.py forecast docs/narx/model_narx_bp.npz data/plant_future.csv --steps 50 \
  --out docs/narx/forecast_future.csv | tee -a docs/narx.txt
python docs/narx_table.py docs/narx data/plant_truth.csv docs/narx/forecast_future.csv \
  > docs/narx_table.txt
keep docs/narx
python run.py configs/iris.yaml --out docs/iris | tee docs/iris.txt
keep docs/iris
python run.py configs/wine.yaml --out docs/wine | tee docs/wine.txt
keep docs/wine
python docs/classify_table.py docs/iris docs/wine > docs/classify.txt   # docs/classification.md
python run.py sweep configs/passengers_sweep.yaml --out docs/sweep | tee docs/sweep.txt
rm -r docs/sweep/runs   # each run's predictions, for the means of runs
python run.py docs/sweep/best.yaml | tee docs/ensemble.txt   # the winner's runs and their mean
find docs/sweep/best -type f ! -name forecast.png ! -name metrics.json ! -name config.yaml -delete
bash docs/messy/transcript.sh
python benchmarks/bench.py --torch > docs/bench.txt   # --torch needs PyTorch; drop it without
python docs/line_example.py > docs/line.txt            # docs/python.md's example
python benchmarks/references.py > docs/references.txt   # needs statsmodels (pip install statsmodels)
python benchmarks/selection.py > docs/selection.txt     # needs statsmodels; docs/tune.md
python benchmarks/intervals.py > docs/intervals.txt     # needs statsmodels; docs/forecasts.md
python benchmarks/startup.py > docs/startup.txt         # wall times: run it on an idle machine
python benchmarks/classify_sklearn.py > docs/classify_sklearn.txt   # needs scikit-learn (pip install scikit-learn)
python docs/make_config_reference.py                  # docs/config.md, from the schema
