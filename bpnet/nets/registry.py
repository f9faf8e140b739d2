"""Compute stage: the one registry of network types.

A network is built from its type name, its layer sizes [D, hidden..., K] and one MATLAB transfer
name per layer, whether these come from a model's config or from a saved model's meta. The type
names here are the ones the config accepts.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

from bpnet.nets.cascade import CascadeNet
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet
from bpnet.nets.gated import GatedNet
from bpnet.nets.recurrent import RecurrentNet


class ModelSpec(Protocol):
    """What ``from_config`` reads of a model's config."""

    type: str
    hidden: Sequence[int]
    transfer: Sequence[str]


def _elman(sizes: list[int], transfers: list[str]) -> ElmanNet:
    D, H, K = sizes
    return ElmanNet(D, H, K, tuple(transfers))


def _gated(cell: str, sizes: list[int], transfers: list[str]) -> GatedNet:
    D, H, K = sizes
    return GatedNet(cell, D, H, K, transfers[1])


# type name -> builder(sizes [D, hidden..., K], transfers (one per layer)) -> untrained network
NETWORKS: dict[str, Callable[[list[int], list[str]], BPNet | RecurrentNet]] = {
    "feedforward": BPNet, "cascadeforward": CascadeNet, "elman": _elman,
    "lstm": partial(_gated, "lstm"), "gru": partial(_gated, "gru")}
MODEL_TYPES: tuple[str, ...] = tuple(NETWORKS)
LAYERED: tuple[str, ...] = ("feedforward", "cascadeforward")   # any number of hidden layers


def build(name: str, sizes: Sequence[int], transfers: Sequence[str]) -> BPNet | RecurrentNet:
    """An untrained network of the type ``name``: sizes [D, hidden..., K], one transfer name per
    layer (a gated cell's first one is its tansig)."""
    if name not in NETWORKS:
        raise ValueError(f"unknown model type {name!r}")
    return NETWORKS[name](list(sizes), list(transfers))


def from_config(m: ModelSpec, n_inputs: int, n_outputs: int) -> BPNet | RecurrentNet:
    """An untrained network of the type, hidden sizes and transfer functions in the model
    config ``m``, for ``n_inputs`` inputs and ``n_outputs`` outputs."""
    return build(m.type, [n_inputs, *m.hidden, n_outputs], m.transfer)


def from_meta(meta: dict) -> BPNet | RecurrentNet:
    """An untrained network of the type and sizes that a saved model's ``meta`` describes."""
    return build(meta.get("type", meta.get("model")), meta["sizes"], meta["transfer"])
