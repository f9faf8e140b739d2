"""Output stage: metrics, baselines, forecasts, model files, result files and pictures."""
