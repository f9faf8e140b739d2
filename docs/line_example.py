"""docs/python.md's example: a noisy straight line, where least squares is the model to beat.

    python docs/line_example.py          # prints what docs/outputs.md shows; writes docs/line/

Writes the data (docs/line/line.csv) and the run's fit picture (docs/line/fit.png); the run
itself writes nothing (``out=None``).
"""
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bpnet  # noqa: E402

os.chdir(Path(__file__).resolve().parent / "line")

# a noisy straight line: y = 2 x1 - 0.3 x2 + 4 x3 + noise, 200 rows
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 3))
y = x @ [2.0, -0.3, 4.0] + rng.normal(size=200)
np.savetxt("line.csv", np.column_stack([x, y]), delimiter=",", header="x1,x2,x3,y",
           comments="")

config = {"data": {"path": "line.csv", "inputs": ["x1", "x2", "x3"], "targets": ["y"]},
          "models": {"bp": {"type": "feedforward", "hidden": [10, 10]}},
          "train": {"show": 0}}
result = bpnet.run(config, set={"seed": 1}, out=None)     # writes nothing
print(result.summary)
print(result.metrics["baselines"]["ols"]["test"]["rmse"])
print(result.predictions[["row", "split", "target", "bp", "ols"]].tail(3))
result.figure("fit").savefig("fit.png", dpi=110)
