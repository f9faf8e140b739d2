"""The table of the classification configs in docs/classification.md: per data set and model
the test accuracy, median [min, max] over runs, beside the majority-class and
logistic-regression baselines.

    python docs/classify_table.py docs/iris docs/wine > docs/classify.txt

Each argument is the output folder of a run (its metrics.json is read); the table is markdown.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _spread(s: dict) -> str:
    return f"{s['median']:.3f} [{s['min']:.3f}, {s['max']:.3f}]"


def rows(folder: Path) -> list[str]:
    """The table rows of one run folder."""
    m = json.loads((folder / "metrics.json").read_text())
    out = []
    for name, entry in m["models"].items():
        spread = entry.get("over_runs", {}).get("test", {}).get("accuracy")
        runs = len(entry.get("runs", [])) or 1
        accuracy = _spread(spread) if spread else f"{entry['test']['accuracy']:.3f}"
        base = m["baselines"]
        out.append(f"| {folder.name} | {name} ({entry['algorithm']}) | {runs} | {accuracy} | "
                   f"{entry['test']['accuracy']:.3f} | {base['majority']['test']['accuracy']:.3f} "
                   f"| {base['logistic']['test']['accuracy']:.3f} | {entry['test']['n']} |")
    return out


def main(folders: list[str]) -> None:
    print("| data | model | runs | test accuracy, median [min, max] | kept run | majority class "
          "| logistic regression | test samples |")
    print("|---|---|---|---|---|---|---|---|")
    for f in folders:
        print("\n".join(rows(Path(f))))


if __name__ == "__main__":
    main(sys.argv[1:])
