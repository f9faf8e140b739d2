"""bpnet's classifier against scikit-learn's on four public data sets, on the same splits.

    pip install scikit-learn        # an optional tool for this script only, never a dependency
    python benchmarks/classify_sklearn.py [--splits 10] [--sets iris,digits] [--defaults-only]

The data sets: iris and wine (the copies in data/), scikit-learn's breast cancer and digits
(8x8 images, the columns pixel_0_0 .. pixel_7_7, written to a temporary CSV as scikit-learn
names them). Each is divided ``splits`` times at random, 70/15/15 (bpnet's split, seeds
0, 1, ...). On each split bpnet trains one network with its default classification settings
(two hidden layers of 10 tansig units, a softmax output, trainscg on crossentropy, the
validation stop; the config holds no more than the data, ``inputs: all`` or ``pixel_*``, and
the split); on the same split scikit-learn's LogisticRegression and MLPClassifier, with their
own defaults (an L2 penalty C = 1; one hidden layer of 100 relu units, adam, alpha 1e-4), are
fitted on the training and validation parts together (they have no use for a val part), the
inputs standardised on those rows. Prints each one's test accuracy, the mean over the splits
with the lowest and highest, and how far bpnet's mean is below the better of scikit-learn's.

Then, on the same splits (unless ``--defaults-only``), the settings a user would turn when the
defaults fall short: one hidden layer (of 10, as MATLAB's patternnet has it, or of 50), a later
validation stop (max_fail), weight decay (regularization) and trainbr on mse.
docs/make_docs.sh writes docs/classify_sklearn.txt with it (about 20 minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
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

# name -> (the data block but its path, the loader of a scikit-learn data set or None)
SETS = {
    "iris": ({"inputs": "all", "classes": "species"}, None),
    "wine": ({"inputs": "all", "classes": "cultivar"}, None),
    "breast_cancer": ({"inputs": "all", "classes": "label"}, datasets.load_breast_cancer),
    "digits": ({"inputs": "pixel_*", "classes": "label"}, datasets.load_digits),
}
# the settings a user would turn, each merged over the defaults
FEEDFORWARD = {"type": "feedforward"}
TUNED = {
    "hidden [10]": {"models": {"bp": {**FEEDFORWARD, "hidden": [10]}}},
    "hidden [50]": {"models": {"bp": {**FEEDFORWARD, "hidden": [50]}}},
    "max_fail 20": {"train": {"max_fail": 20}},
    "regularization 0.01, max_fail 20": {"train": {"regularization": 0.01, "max_fail": 20}},
    "trainbr, mse, hidden [10]": {"models": {"bp": {**FEEDFORWARD, "hidden": [10]}},
                                  "train": {"algorithm": "trainbr", "perform": "mse",
                                            "epochs": 200}},
}
# settings left out of a data set, and why
SKIPPED = {("digits", "trainbr, mse, hidden [10]"):
           "its Gauss-Newton step builds a 12,590 x 760 Jacobian every epoch"}


def data_file(name: str, folder: Path) -> Path:
    """The CSV of a data set: the copy in data/, or a scikit-learn set written with its
    feature names and a label column (breast cancer's labels as words)."""
    loader = SETS[name][1]
    if loader is None:
        return ROOT / "data" / f"{name}.csv"
    d = loader()
    labels = np.asarray(d.target_names)[d.target] if name == "breast_cancer" else d.target
    path = folder / f"{name}.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*d.feature_names, "label"])
        for row, label in zip(d.data, labels):
            w.writerow([*(repr(float(v)) for v in row), label])
    return path


def bpnet_run(path: Path, name: str, seed: int, settings: dict | None = None):
    """One bpnet run with the default classification settings (``settings`` merged over
    them) on split ``seed`` -> (test accuracy, its Dataset)."""
    config = {"seed": seed, "data": {"path": str(path), **SETS[name][0]},
              "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
              "models": {"bp": FEEDFORWARD}, "train": {"show": 0}}
    for key, value in (settings or {}).items():
        config[key] = {**config[key], **value}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # digits has constant pixels in the training part
        res = bpnet.run(config, jobs=1)
    m = res.metrics
    return m["models"]["bp"]["test"]["accuracy"], res.data, {
        k: m["baselines"][k]["test"]["accuracy"] for k in ("majority", "logistic")}


def sklearn_scores(data, seed: int) -> dict[str, float]:
    """Test accuracy of LogisticRegression and MLPClassifier (scikit-learn's defaults) fitted
    on the train and val parts of bpnet's split, inputs standardised on those rows."""
    fit = np.concatenate([data.index["train"], data.index["val"]])
    test = data.index["test"]
    truth = data.targets.argmax(axis=1)
    scaler = StandardScaler().fit(data.X[fit])
    out = {}
    for label, model in (("LogisticRegression", LogisticRegression(max_iter=5000)),
                         ("MLPClassifier", MLPClassifier(max_iter=2000, random_state=seed))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(scaler.transform(data.X[fit]), truth[fit])
        out[label] = float(np.mean(model.predict(scaler.transform(data.X[test]))
                                   == truth[test]))
    return out


def compare(name: str, splits: int, tuned: bool, folder: Path) -> tuple[dict, str]:
    """Test accuracies per split of bpnet (defaults, and the tuned settings) and scikit-learn's
    models -> ({label: [accuracy per split]}, a line describing the data)."""
    path = data_file(name, folder)
    scores: dict[str, list[float]] = {}
    for seed in range(splits):
        acc, data, baselines = bpnet_run(path, name, seed)
        row = {"bpnet defaults": acc, **sklearn_scores(data, seed),
               "bpnet majority baseline": baselines["majority"],
               "bpnet logistic baseline": baselines["logistic"]}
        if tuned:
            row.update({f"bpnet {k}": bpnet_run(path, name, seed, v)[0]
                        for k, v in TUNED.items() if (name, k) not in SKIPPED})
        for label, v in row.items():
            scores.setdefault(label, []).append(v)
    sizes = {p: len(i) for p, i in data.index.items()}
    about = (f"{name}: {len(data.classes)} classes, {data.X.shape[1]} inputs "
             f"({', '.join(data.feature_names[:2])}, ...); train {sizes['train']}, val "
             f"{sizes['val']}, test {sizes['test']} samples per split")
    skipped = [f"  (bpnet {k}: not run, {why})" for (n, k), why in SKIPPED.items()
               if n == name and tuned]
    return scores, "\n".join([about, *skipped])


def report(scores: dict[str, list[float]], about: str) -> list[str]:
    """The lines of one data set: each model's mean [min, max] test accuracy over the splits,
    and each bpnet setting's distance to the better of scikit-learn's."""
    best = max(np.mean(scores["LogisticRegression"]), np.mean(scores["MLPClassifier"]))
    lines = [about]
    for label, v in scores.items():
        gap = f"  {100 * (np.mean(v) - best):+5.1f} points" \
            if label.startswith("bpnet") and "baseline" not in label else ""
        lines.append(f"  {label:38s} {np.mean(v):.4f} [{min(v):.4f}, {max(v):.4f}]{gap}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--defaults-only", action="store_true",
                    help="bpnet's default settings only, none of the tuned ones")
    args = ap.parse_args()
    print(f"test accuracy, mean [min, max] over {args.splits} random 70/15/15 splits "
          "(seeds 0..); points: bpnet's mean minus the better mean of scikit-learn's two")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            start = time.perf_counter()
            scores, about = compare(name, args.splits, not args.defaults_only, Path(tmp))
            print("\n".join(report(scores, about)), flush=True)
            print(f"  ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
