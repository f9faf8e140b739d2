"""Compute stage: the objective, MATLAB's training rules and the one loop they share."""
