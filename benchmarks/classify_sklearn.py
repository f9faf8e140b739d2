"""bpnet's classifier against scikit-learn's on held-out data sets no bpnet setting was tuned for.

    pip install scikit-learn        # an optional tool for this script only, never a dependency
    python benchmarks/classify_sklearn.py [--runs 5] [--jobs 2]

For each data set (scikit-learn's breast-cancer and digits, loaded through scikit-learn and
written to a temporary CSV): a bpnet network of two hidden layers of 10 tansig units and a
softmax output, trained by trainscg on crossentropy with a val part (random 70/15/15 split,
seed 0, ``runs`` runs: seeds 0, 1, ...), and, on the very same split, scikit-learn's
MLPClassifier (two hidden layers of 10, its defaults otherwise) and LogisticRegression, fitted
once on the train and val parts together (they have no use for a val part) and once on the
training part alone, after a StandardScaler fitted on the training part. Prints the test
accuracy of each: bpnet's median [min, max] over runs and its kept run (lowest val
crossentropy), beside bpnet's own majority and logistic-regression baselines.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
except ImportError:
    sys.exit("this script needs scikit-learn: pip install scikit-learn")

import bpnet  # noqa: E402

LOADERS = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits}


def write_csv(name: str, folder: Path) -> tuple[Path, list[str]]:
    """The data set as a CSV (feature columns x0.., then the class label) -> path, features."""
    d = LOADERS[name]()
    X, y = d.data, np.asarray(d.target_names)[d.target] if name == "breast_cancer" else d.target
    features = [f"x{j}" for j in range(X.shape[1])]
    path = folder / f"{name}.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*features, "label"])
        for row, label in zip(X, y):
            w.writerow([*(repr(float(v)) for v in row), label])
    return path, features


def compare(name: str, runs: int, jobs: int, folder: Path) -> dict:
    """Test accuracies of bpnet (spread over runs, kept run), its baselines and sklearn's."""
    path, features = write_csv(name, folder)
    config = {"seed": 0, "runs": runs,
              "data": {"path": str(path), "inputs": features, "classes": "label"},
              "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
              "models": {"bp": {"type": "feedforward", "hidden": [10, 10]}},
              "train": {"show": 0}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # digits has constant pixels in the training part
        res = bpnet.run(config, jobs=jobs)
    data, m = res.data, res.metrics
    out = {"bpnet": m["models"]["bp"]["over_runs"]["test"]["accuracy"] if runs > 1 else None,
           "bpnet kept run": m["models"]["bp"]["test"]["accuracy"],
           "bpnet majority": m["baselines"]["majority"]["test"]["accuracy"],
           "bpnet logistic": m["baselines"]["logistic"]["test"]["accuracy"]}
    for parts in (("train", "val"), ("train",)):
        out.update(sklearn_scores(data, parts))
    test = data.index["test"]
    out["n"] = (len(data.index["train"]), len(data.index["val"]), len(test), len(data.classes))
    return out


def sklearn_scores(data, parts: tuple[str, ...]) -> dict[str, float]:
    """Test accuracy of MLPClassifier and LogisticRegression fitted on ``parts`` of bpnet's
    own split (inputs standardised on the training part)."""
    fit_rows = np.concatenate([data.index[p] for p in parts])
    test = data.index["test"]
    truth = data.targets.argmax(axis=1)
    scaler = StandardScaler().fit(data.X[data.index["train"]])
    Xf, Xt = scaler.transform(data.X[fit_rows]), scaler.transform(data.X[test])
    out = {}
    for label, model in (("MLPClassifier", MLPClassifier((10, 10), max_iter=2000,
                                                         random_state=0)),
                         ("LogisticRegression", LogisticRegression(max_iter=5000))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xf, truth[fit_rows])
        out[f"sklearn {label} ({'+'.join(parts)})"] = float(
            np.mean(model.predict(Xt) == truth[test]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOADERS:
            r = compare(name, args.runs, args.jobs, Path(tmp))
            n_train, n_val, n_test, k = r.pop("n")
            print(f"{name}: {k} classes; train {n_train}, val {n_val}, test {n_test} samples")
            for label, v in r.items():
                if isinstance(v, dict):
                    print(f"  {label:40s} test accuracy {v['median']:.4f} "
                          f"[{v['min']:.4f}, {v['max']:.4f}] over {args.runs} runs")
                elif v is not None:
                    print(f"  {label:40s} test accuracy {v:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
