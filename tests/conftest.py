import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg  # noqa: F401  (its own OpenBLAS, loaded before it is limited below)
from helpers import ROOT
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """BLAS on one thread in the tests' own process: the tests' products are small, and
    OpenBLAS threads that wait for the next one by spinning take the core another process
    of a busy machine needs (one test: 14 s with two threads, 0.7 s with one)."""
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def root() -> Path:
    return ROOT
