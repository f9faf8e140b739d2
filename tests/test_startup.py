"""Start-up cost: --version, --help and a config error answer without importing matplotlib;
--no-plots (or output.plots: false) draws nothing and never imports it."""
import os
import subprocess
import sys

import pytest


def run_py(root, *args, cwd=None):
    """run.py in a fresh interpreter with -X importtime: (exit status, stdout, the modules
    imported)."""
    done = subprocess.run([sys.executable, "-X", "importtime", str(root / "run.py"), *args],
                          capture_output=True, text=True, cwd=cwd or root,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=300)
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    return done.returncode, done.stdout, done.stderr, imported


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_do_not_import_matplotlib(root, args):
    code, out, _, imported = run_py(root, *args)
    assert code == 0 and ("bpnet" in out or "usage: run.py" in out)
    assert "matplotlib" not in imported and "bpnet.cli" in imported


def test_a_config_error_does_not_import_matplotlib(root):
    code, _, err, imported = run_py(root, "configs/passengers.yaml", "--set", "train.lr=-1")
    assert code == 2 and "train.lr: must be > 0" in err
    assert "matplotlib" not in imported


def test_no_plots_draws_nothing_and_never_imports_matplotlib(root, tmp_path):
    code, out, err, imported = run_py(root, "configs/passengers.yaml", "--out", str(tmp_path),
                                      "--quiet", "--no-plots", "--set", "train.epochs=5")
    assert code == 0, err
    names = {p.name for p in tmp_path.iterdir()}
    assert {"metrics.json", "predictions.csv", "model_bp.npz", "model_elman.npz"} <= names
    assert not [n for n in names if n.endswith(".png")]
    assert "matplotlib" not in imported
    assert "plots: false" in (tmp_path / "config.yaml").read_text()


def test_output_plots_false_in_the_config(root, tmp_path):
    from bpnet.cli import main
    config = tmp_path / "c.yaml"
    config.write_text((root / "configs/passengers.yaml").read_text()
                      .replace("../data/", f"{root}/data/")
                      .replace("  dir: ../results/passengers", "  plots: false"))
    assert main([str(config), "--out", str(tmp_path / "o"), "--quiet", "--set",
                 "train.epochs=5"]) == 0
    assert not list((tmp_path / "o").glob("*.png"))
    assert main([str(config), "--out", str(tmp_path / "p"), "--quiet", "--set",
                 "train.epochs=5", "--set", "output.plots=true"]) == 0
    assert (tmp_path / "p/fit.png").exists()


def test_forecast_without_a_picture(root, tmp_path):
    from bpnet.cli import main
    assert main([str(root / "configs/passengers.yaml"), "--out", str(tmp_path / "o"), "--quiet",
                 "--no-plots", "--set", "train.epochs=5"]) == 0
    assert main(["forecast", str(tmp_path / "o/model_bp.npz"),
                 str(root / "data/airline_passengers.csv"), "--steps", "3", "--out",
                 str(tmp_path / "f.csv"), "--no-plots"]) == 0
    assert (tmp_path / "f.csv").exists() and not (tmp_path / "f.png").exists()


@pytest.mark.parametrize("module", ["bpnet", "bpnet.cli"])
def test_importing_bpnet_changes_no_environment_and_starts_no_thread(root, module):
    """``import bpnet`` (and the command line's modules) leave the host as it was: the same
    environment variables and no thread started."""
    code = ("import os, threading, json\n"
            "env, threads = dict(os.environ), threading.active_count()\n"
            f"import {module}\n"
            "print(json.dumps([dict(os.environ) == env, threading.active_count() - threads]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items()
                               if not k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
                          | {"PYTHONPATH": str(root)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[true,", "0]"]
