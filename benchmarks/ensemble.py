"""The mean of a config's runs, scored: is an ensemble of a sweep's winner better than its runs?

    python benchmarks/ensemble.py docs/sweep/best.yaml

Trains every model of the config from seeds seed .. seed + runs - 1 (as ``python run.py`` does),
averages the runs' one-step predictions in original units and their recursive forecasts of the
test part, and prints the test MAPE of each run and of the mean. A measurement for the README,
not a feature of bpnet: a run's own numbers are those of the sweep's sweep.csv.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bpnet.api import configure  # noqa: E402
from bpnet.data import dataset as data_stage  # noqa: E402
from bpnet.report import metrics  # noqa: E402
from bpnet.train.experiment import fit_model  # noqa: E402


def main(path: str) -> None:
    cfg = configure(path, {})
    data = data_stage.load(cfg, np.random.default_rng(cfg.seed))
    test = data.index["test"]
    relative = metrics.relative_meaningful(data.targets)
    mape = lambda y: metrics.regression_metrics(y[:, None] if y.ndim == 1 else y,
                                                data.targets[test[:len(y)]], None,
                                                relative)["mape"]
    for name, m in cfg.models.items():
        runs = [fit_model(name, m, data, cfg.seed + i, horizon=cfg.forecast.horizon)
                for i in range(cfg.runs)]
        one = [mape(r.predictions[test]) for r in runs]
        print(f"{name}: {cfg.runs} runs (seeds {cfg.seed}..{cfg.seed + cfg.runs - 1}); "
              f"test MAPE % one step ahead: runs median {np.median(one):.3f} "
              f"[{min(one):.3f}, {max(one):.3f}], mean of the runs' predictions "
              f"{mape(np.mean([r.predictions[test] for r in runs], axis=0)):.3f}")
        if runs[0].multistep is not None:
            many = [mape(r.multistep) for r in runs]
            print(f"{name}: test MAPE % {len(runs[0].multistep)} steps ahead: runs median "
                  f"{np.median(many):.3f} [{min(many):.3f}, {max(many):.3f}], mean of the "
                  f"runs' forecasts {mape(np.mean([r.multistep for r in runs], axis=0)):.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/sweep/best.yaml")
