"""Output stage: metrics, forecasts, model files, result files, console tables and pictures.

``metrics`` scores predictions, ``forecast`` runs the recursive multi-step forecast, ``meta`` and
``modelfile`` save and read a trained model, ``outdir`` checks and creates the output folder,
``files`` writes a run's result files, ``console`` its tables, ``plots`` its pictures, and
``usefiles`` the outputs of ``run.py predict`` and ``run.py forecast``.
"""
