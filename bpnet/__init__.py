"""bpnet: MATLAB's back-propagation network (two hidden layers, traingdx) and an Elman network
trained by exact BPTT, in numpy, driven by a YAML config.

Input stage: config, data, scaling, initializers. Compute stage: transfer, feedforward, elman,
training. Output stage: metrics, modelfile, report, plots.
"""
__version__ = "0.1.0"

from .predict import Model, load_model  # noqa: E402  (predict imports __version__ through modelfile)

__all__ = ["Model", "__version__", "load_model"]
