"""Compute stage: transfer functions, weight vectors, initialisation and the networks."""
