"""bpnet: MATLAB's back-propagation network (two hidden layers, traingdx) and an Elman network
trained by exact BPTT, in numpy, driven by a YAML config.

Input stage: ``bpnet.config``, ``bpnet.data``. Compute stage: ``bpnet.nets``, ``bpnet.train``.
Output stage: ``bpnet.report``. ``bpnet.cli`` runs the three in order on the command line,
``bpnet.run`` (:mod:`bpnet.api`) from Python; ``bpnet.load_model`` reads a saved model.
"""
from bpnet.errors import InputError
from bpnet.version import __version__

__all__ = ["InputError", "Model", "RunResult", "__version__", "load_model", "run"]

# the public names live in modules that bring in numpy and the stages: imported on first use,
# so that ``import bpnet`` and ``run.py --version`` stay quick
_LAZY = {"Model": "bpnet.predict", "load_model": "bpnet.predict", "run": "bpnet.api",
         "RunResult": "bpnet.api"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bpnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
