"""Compute stage: the training contract (``objective``), MATLAB's training rules (``rules``, with
``trainscg`` and ``trainbr`` in their own modules and ``linalg`` the solve of the LM rules), the
one loop they share (``loop``), why training stops (``stops``), and the fitting of a config's
models over seeds and worker processes (``experiment``)."""
