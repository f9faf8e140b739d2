"""bpnet: MATLAB's back-propagation network (two hidden layers, traingdx) and an Elman network
trained by exact BPTT, in numpy, driven by a YAML config.

Input stage: ``bpnet.config``, ``bpnet.data``. Compute stage: ``bpnet.nets``, ``bpnet.train``.
Output stage: ``bpnet.report``. ``bpnet.cli`` runs the three in order on the command line,
``bpnet.run`` (:mod:`bpnet.api`) from Python.
"""
from bpnet.predict import Model, load_model
from bpnet.version import __version__

__all__ = ["Model", "RunResult", "__version__", "load_model", "run"]


def __getattr__(name: str):
    # bpnet.run and bpnet.RunResult bring in the compute stage (and scipy): imported on first
    # use, so that ``import bpnet`` and ``run.py --version`` stay quick
    if name in ("run", "RunResult"):
        from bpnet import api
        return getattr(api, name)
    raise AttributeError(f"module 'bpnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "run", "RunResult"])
