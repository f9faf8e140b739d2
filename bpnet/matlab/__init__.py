"""The bridge to MATLAB (docs/semantics.md#matlab-layout), both ways.

``layout`` names a network's arrays as MATLAB does (IW1_1, LW2_1, b1, ...), orders them as
getwb does and applies MATLAB's processing settings (removeconstantrows, mapminmax, mapstd);
``export`` writes a trained model as a genFunction-style MATLAB function and a .mat file
(``run.py export``); ``weights`` builds a usable model, or a warm start, from the weights and
settings a MATLAB user saved (``run.py predict ... --matlab``, ``bpnet.load_model("w.mat")``,
``init: w.mat``). .mat data files are the input stage's (:mod:`bpnet.data.matfile`).
"""
