"""bpnet: MATLAB's back-propagation network (two hidden layers, traingdx) and an Elman network
trained by exact BPTT, in numpy, driven by a YAML config.

Input stage: ``bpnet.config``, ``bpnet.data``. Compute stage: ``bpnet.nets``, ``bpnet.train``.
Output stage: ``bpnet.report``. ``bpnet.cli`` runs the three in order.
"""
from bpnet.predict import Model, load_model
from bpnet.version import __version__

__all__ = ["Model", "__version__", "load_model"]
