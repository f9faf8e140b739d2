"""Fingerprints of every shipped config's results, to show that a change keeps them bit for bit.

    python benchmarks/fingerprint.py --save before.json      # on the old code
    python benchmarks/fingerprint.py --check before.json     # on the new code: exit 1 on a change

Each config in configs/ is run into a temporary folder (no plots are compared); the SHA-256 of
predictions.csv, every history_*.csv, every array of every model_*.npz (meta aside: it holds the
package version) and metrics.json without its timing fields is recorded.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VERSION_KEYS = {"python", "numpy", "scipy", "matplotlib", "pyyaml", "bpnet", "platform", "version"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _strip(obj):
    """metrics.json without the fields that change from run to run (timings, versions)."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()
                if k not in VERSION_KEYS and "seconds" not in k}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def fingerprint(out: Path) -> dict[str, str]:
    """SHA-256 per result file of the run in ``out``."""
    prints = {}
    for path in sorted(out.iterdir()):
        name = path.name
        if name == "metrics.json":
            text = json.dumps(_strip(json.loads(path.read_text())), sort_keys=True)
            prints[name] = _sha(text.encode())
        elif name.endswith(".csv"):
            prints[name] = _sha(path.read_bytes())
        elif name.endswith(".npz"):
            with np.load(path, allow_pickle=False) as z:
                for key in sorted(z.files):
                    if key != "meta":
                        prints[f"{name}:{key}"] = _sha(np.ascontiguousarray(z[key]).tobytes())
    return prints


def run_all(root: Path, only: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Run every config of ``root``/configs with ``root``'s code and fingerprint its results."""
    result = {}
    for config in sorted((root / "configs").glob("*.yaml")):
        if only and config.stem not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            cmd = [sys.executable, str(root / "run.py"), str(config), "--out", str(out),
                   "--quiet"]
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=root,
                                  env={**os.environ, "PYTHONPATH": str(root)})
            if done.returncode != 0:
                sys.exit(f"{config.name} failed:\n{done.stderr}")
            result[config.name] = fingerprint(out)
        print(f"{config.name}: {len(result[config.name])} fingerprints", file=sys.stderr)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE", help="write the fingerprints to FILE")
    group.add_argument("--check", metavar="FILE", help="compare with the fingerprints in FILE")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="the checkout whose code and configs to run (default: this one)")
    ap.add_argument("configs", nargs="*", help="config names without .yaml (default: all)")
    args = ap.parse_args()
    now = run_all(args.root.resolve(), args.configs)
    if args.save:
        Path(args.save).write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        return 0
    before = json.loads(Path(args.check).read_text())
    changed = []
    for config, prints in now.items():
        old = before.get(config, {})
        for key in sorted(set(old) | set(prints)):
            if old.get(key) != prints.get(key):
                changed.append(f"{config}: {key}")
    for line in changed:
        print(f"changed: {line}")
    print("identical" if not changed else f"{len(changed)} differences")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
