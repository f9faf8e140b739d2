"""tanh of a large array on two threads: the same bits as numpy's, in every process."""
import multiprocessing
import os

import numpy as np
import pytest

import bpnet
from bpnet.nets import halves, transfer

two_cores = pytest.mark.skipif(halves._cores() < 2, reason="one core: nothing is split")


@pytest.fixture(autouse=True)
def blas_sleeps(monkeypatch):
    """As when bpnet is imported before numpy (pytest imports numpy first)."""
    monkeypatch.setattr(bpnet, "_BLAS_SLEEPS", True)


def _values(n: int, seed: int = 0) -> np.ndarray:
    """(n,) numbers of every scale tanh sees, with its special values, shuffled."""
    rng = np.random.default_rng(seed)
    scales = rng.choice([1e-300, 1e-8, 1e-3, 0.5, 1.0, 3.0, 19.0, 400.0], n)
    x = rng.standard_normal(n) * scales
    x[:9] = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -1e-310, 19.06, -0.55]
    return rng.permutation(x)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int64)


@two_cores
def test_a_large_array_is_split_and_its_numbers_are_numpys(monkeypatch):
    started = []
    second = halves._second()
    monkeypatch.setattr(second, "start", lambda fn, *a: started.append(a[0].shape) or
                        halves._Second.start(second, fn, *a))
    for shape in [(halves.SPLIT,), (1001, 67), (4096, 64), (33, 40, 25)]:
        x = _values(int(np.prod(shape))).reshape(shape)
        assert np.array_equal(_bits(halves.tanh(x)), _bits(np.tanh(x)))
        y = x.copy()
        assert halves.tanh(y, out=y) is y   # in place, as the network's passes call it
        assert np.array_equal(_bits(y), _bits(np.tanh(x)))
    assert started[::2] == [(halves.SPLIT // 2,), (501, 67), (2048, 64), (17, 40, 25)]


def test_a_small_array_stays_on_one_thread(monkeypatch):
    monkeypatch.setattr(halves, "_second", lambda: pytest.fail("split"))
    x = _values(halves.SPLIT - 1)
    assert np.array_equal(_bits(halves.tanh(x)), _bits(np.tanh(x)))
    assert halves.tanh(np.float64(0.5)) == np.tanh(0.5)


@two_cores
def test_the_second_halfs_error_is_raised_and_the_thread_goes_on():
    x = _values(2 * halves.SPLIT)
    with pytest.raises(TypeError):
        halves.tanh(x, out=np.empty(len(x), dtype=np.int64))
    assert np.array_equal(_bits(halves.tanh(x)), _bits(np.tanh(x)))


def _in_child(conn) -> None:
    x = _values(3 * halves.SPLIT, seed=1)
    conn.send((halves._second() is not None,
               np.array_equal(_bits(halves.tanh(x)), _bits(np.tanh(x)))))


@two_cores
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_process_splits_on_its_own_thread():
    halves.tanh(_values(2 * halves.SPLIT))   # the parent's thread exists first
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_in_child, args=(theirs,))
    child.start()
    assert ours.recv() == (True, True)
    child.join(10)


def test_one_of_several_workers_keeps_to_one_thread(monkeypatch):
    monkeypatch.setattr(halves, "_SECOND", [])
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")   # as the sweep's workers run
    assert halves._second() is None


def test_with_blas_threads_spinning_there_is_no_second_thread(monkeypatch):
    monkeypatch.setattr(halves, "_SECOND", [])
    monkeypatch.setattr(bpnet, "_BLAS_SLEEPS", False)
    assert halves._second() is None


@pytest.mark.parametrize("first, sleeps", [("bpnet", True), ("numpy", False)])
def test_openblas_is_told_to_sleep_when_bpnet_comes_first(first, sleeps):
    import subprocess
    import sys
    code = (f"import {first}, bpnet, os; "
            "print(bpnet._BLAS_SLEEPS, os.environ.get('OPENBLAS_THREAD_TIMEOUT'))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == [str(sleeps), "20" if sleeps else "None"]


def test_tansig_and_logsig_take_it():
    x = _values(2 * halves.SPLIT).reshape(-1, 64)
    assert np.array_equal(_bits(transfer.get("tansig").f(x)), _bits(np.tanh(x)))
    expected = (np.tanh(x * 0.5) + 1.0) * 0.5
    assert np.array_equal(_bits(transfer.get("logsig").f(x)), _bits(expected))
