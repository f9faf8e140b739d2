"""Compute stage: transfer functions, weight vectors, initialisation and the networks.

``transfer`` (MATLAB's transfer functions, ``transfer.NAMES``), ``params`` (one flat vector with
named views), ``initializers`` (Nguyen-Widrow, rands, warm starts), ``feedforward`` (BPNet),
``recurrent`` (RecurrentNet: the output layer, loss and Jacobian of every recurrent network)
with its cells in ``elman`` (ElmanNet) and ``gated`` (LSTM, GRU: GatedNet), and ``registry``
(the model types, ``registry.MODEL_TYPES``, built from a config or a saved model's meta).
"""
