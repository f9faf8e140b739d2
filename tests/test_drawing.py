"""The drawing worker: pictures handed early and the last ones are each drawn once, the last
batch is shared by drawing time, and the files hold what drawing in this process gives."""
import io
import sys

import matplotlib.image
import numpy as np
import pytest

import bpnet
from bpnet.report import dense, pictures
from bpnet.report.pictures import COST, Drawer, Picture


def histogram(name: str, shift: float) -> Picture:
    errors = {"train": np.arange(8.0).reshape(8, 1) + shift, "test": np.ones((3, 1)) * shift}
    return Picture("error_histogram", (name, *dense.histogram(errors)))


def test_the_last_batch_is_shared_by_drawing_time():
    kinds = ["train_state", "regression", "compare", "performance", "error_histogram",
             "error_histogram", "fit"]
    batch = {f"p{i}.png": Picture(kind, ()) for i, kind in enumerate(kinds)}
    mine, theirs = pictures._halves(batch)
    assert sorted(mine + theirs) == sorted(batch)

    def cost(names):
        return sum(COST.get(batch[n].kind, 1.0) for n in names)
    assert cost(mine) >= cost(theirs)
    assert cost(mine) - cost(theirs) <= max(COST.values())


@pytest.mark.skipif(sys.platform != "linux", reason="the worker is forked on Linux only")
def test_pictures_handed_early_and_last_are_each_drawn_once(tmp_path):
    run = {f"errhist_m{i}.png": histogram(f"m{i}", i) for i in range(5)}
    early = dict(list(run.items())[:3])
    with Drawer(2) as drawer:
        assert drawer.pool is not None
        drawer.start(early)
        drawer.start(run, last=True)   # the early ones not begun yet are drawn with these
        written = drawer.draw_all(run, tmp_path)
        drawn = [name for done in drawer.handed for name in done.result()]
    assert sorted(drawn) == sorted(run)   # none twice, none missing
    assert [p.name for p in written] == list(run)
    here = pictures._render(run)   # drawn in this process
    for name in run:
        assert np.array_equal(matplotlib.image.imread(tmp_path / name),
                              matplotlib.image.imread(io.BytesIO(here[name])))


def test_a_runs_pictures_are_made_once_and_all_written(root, tmp_path, monkeypatch):
    made = []
    of_run = pictures.of_run
    monkeypatch.setattr(pictures, "of_run", lambda *a: made.append(1) or of_run(*a))
    r = bpnet.run(root / "configs/passengers.yaml", out=tmp_path,
                  set={"train.epochs": 5, "train.show": 0, "models.elman.train.epochs": 5})
    assert len(made) == 1   # handed to the drawing worker as training ends, and written
    assert {p.name for p in tmp_path.glob("*.png")} == set(r.figure_names)


@pytest.mark.parametrize("low, high, subs", [(1e-4, 1e1, [2, 5]),      # 5 decades
                                             (3e-1, 8.0, list(range(2, 10)))])   # < 2
def test_a_log_axis_has_ticks_in_view_only_and_fewer_minor_ones_when_long(low, high, subs):
    from matplotlib.figure import Figure

    from bpnet.report import plots
    fig = Figure()
    ax = fig.subplots()
    ax.semilogy([0, 1], [low, high])
    view = ax.get_ylim()   # matplotlib's autoscaled view, before the ticks are changed
    plots._log_ticks(fig)
    assert ax.get_ylim() == view
    lo, hi = view
    major = ax.yaxis.get_majorticklocs()
    assert len(major) and np.all((major >= lo) & (major <= hi))
    minor = ax.yaxis.get_minorticklocs()
    assert np.all((minor >= lo) & (minor <= hi))
    mantissas = np.round(minor / 10.0 ** np.floor(np.log10(minor) + 1e-9), 6)
    assert sorted(set(mantissas)) == subs
    decades = np.arange(np.ceil(np.log10(lo)), np.floor(np.log10(hi)))
    assert len(minor) >= len(subs) * len(decades)   # every whole decade in view has them all
