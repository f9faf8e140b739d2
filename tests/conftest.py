import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def root() -> Path:
    return ROOT
