"""trainscg and trainbr (docs/semantics.md#trainscg, #trainbr): the hand-worked checks of those
sections,
a rejected trainscg step, both rules against plain step-by-step implementations of their
pseudo-code on a BP and an Elman network, every network type, and the CLI with the new record
columns."""
import csv
import json

import numpy as np
import pytest
from helpers import ROOT, numeric_jacobian, regression_problem

from bpnet import experiment
from bpnet.cli import main
from bpnet.config import TrainConfig, build_config, config_to_dict, load_config
from bpnet.data import dataset as data
from bpnet.errors import InputError
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective
from bpnet.train.rules import RULES
from bpnet.train.trainbr import Trainbr
from bpnet.train.trainscg import Trainscg


class Function:
    """A "network" whose perf is a given function of theta: perf(x) and its gradient; counts the
    gradients it is asked for."""

    def __init__(self, f, grad, n):
        self.f, self.grad, self.theta = f, grad, np.zeros(n)
        self.gradients = 0

    def loss(self, X, Y):
        return float(self.f(self.theta)), self.theta.copy()

    def flat_grad(self, x):
        self.gradients += 1
        return self.grad(x)


A, B = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0])


def quadratic():
    """The check of docs/semantics.md#trainscg: perf(x) = x'Ax/2 - b'x."""
    return Function(lambda x: x @ A @ x / 2 - B @ x, lambda x: A @ x - B, 2)


def cosine():
    """perf(x) = 1 - cos(x) from x = 1.4: the curvature there (cos 1.4 = 0.17) sends the first
    trainscg step far past the minimum, to x = -4.4, where perf is higher: a rejected step."""
    return Function(lambda x: 1 - np.cos(x[0]), lambda x: np.sin(x), 1)


def start(net, x0):
    obj = NetObjective(net, None, None)
    x0 = np.array(x0, dtype=float)
    perf, g = obj.perf_and_gradient(x0)
    return obj, x0, perf, g


# ------------------------------------------------------------------------------- trainscg, by hand

def test_trainscg_first_step_on_the_quadratic():
    rule = Trainscg(TrainConfig(algorithm="trainscg"))
    obj, x0, perf, g = start(quadratic(), [0.0, 0.0])
    x1, perf1, g1 = rule.step(obj, x0, perf, g)
    # deltak = dX'A dX + lambda |dX|^2 = 7 + 1e-6 with dX = [1, 1]; alphak = muk/deltak = 2/deltak
    assert rule.alphak == pytest.approx(0.285714244898, abs=1e-12)
    assert rule.alphak == pytest.approx(2 / (7 + 1e-6), rel=1e-9)
    np.testing.assert_allclose(x1, rule.alphak * np.ones(2), rtol=1e-15)
    assert rule.difk == pytest.approx(1.0000001, abs=1e-7)
    assert perf1 == pytest.approx(x1 @ A @ x1 / 2 - B @ x1, rel=1e-15)


def test_trainscg_reaches_min_grad_at_epoch_3_on_the_quadratic():
    tc = TrainConfig(algorithm="trainscg", goal=-np.inf, show=0)
    r = training.train(NetObjective(quadratic(), None, None), np.zeros(2), tc)
    assert r.stop_reason == "Minimum gradient reached." and r.epochs == 3
    np.testing.assert_allclose(r.theta, np.linalg.solve(A, B), atol=1e-7)
    assert r.history["gradient"][2] > 1e-6 >= r.history["gradient"][3]
    assert "lr" not in r.history and "mu" not in r.history


def test_trainscg_rejected_step_keeps_weights_and_reuses_deltak():
    net = cosine()
    tc = TrainConfig(algorithm="trainscg", show=0, epochs=1)
    r = training.train(NetObjective(net, None, None), np.array([1.4]), tc)
    assert r.final_theta[0] == 1.4                        # epoch 0 rejected: X stays
    assert r.history["perf"][1] == r.history["perf"][0]   # ... and so do perf and the gradient
    assert r.history["gradient"][1] == r.history["gradient"][0]
    assert net.gradients == 2                             # at X0, and at X0 + sigmak dX

    rule = Trainscg(TrainConfig(algorithm="trainscg"))
    net = cosine()
    obj, x0, perf, g = start(net, [1.4])
    x, perf1, g1 = rule.step(obj, x0, perf, g)
    deltak, difk, lambdak = rule.deltak, rule.difk, rule.lambdak
    assert difk < 0 and x[0] == 1.4 and perf1 == perf and g1 is g and not rule.success
    nrmsqr, muk = np.sin(1.4) ** 2, np.sin(1.4) ** 2
    assert lambdak == pytest.approx(5e-7 + deltak * (1 - difk) / nrmsqr, rel=1e-15)
    # the next epoch takes no new gradient: deltak + (lambdak - lambdab) nrmsqr, lambdab = 5e-7
    before = net.gradients
    x, perf2, _ = rule.step(obj, x, perf1, g1)
    expected_deltak = deltak + (lambdak - 5e-7) * nrmsqr
    assert rule.alphak == pytest.approx(muk / expected_deltak, rel=1e-12)
    assert rule.difk >= 0 and x[0] == pytest.approx(1.4 - rule.alphak * np.sin(1.4), rel=1e-15)
    assert net.gradients == before + 1                    # only the new X's gradient
    assert perf2 < perf


# ------------------------------------------------------------------------------- trainbr, by hand

class LinearNeuron:
    """y = b + w x, theta = [b, w]: the check of docs/semantics.md#trainbr."""

    x = np.array([1.0, 2.0, 3.0, 4.0])
    Y = np.array([[2.1], [3.9], [6.2], [7.8]])

    def __init__(self):
        self.theta = np.zeros(2)

    def predict(self, X=None):
        return (self.theta[0] + self.theta[1] * self.x)[:, None]

    def loss(self, X, Y):
        e = (Y - self.predict()).ravel()
        return float(e @ e) / e.size, e

    def flat_grad(self, e):
        return -2.0 / e.size * np.array([e.sum(), e @ self.x])

    def jacobian(self, X):
        return self.predict(), np.column_stack([np.ones(4), self.x])


def test_trainbr_first_epoch_on_one_linear_neuron():
    rule = Trainbr(TrainConfig(algorithm="trainbr"))
    obj = NetObjective(LinearNeuron(), None, LinearNeuron.Y)
    x0 = np.array([0.5, 1.0])
    perf, g = obj.perf_and_gradient(x0)
    rule.start(obj, x0, perf)
    assert perf == pytest.approx(5.125, abs=1e-12)
    assert rule.alph == pytest.approx(0.8, abs=1e-12)
    assert rule.beta == pytest.approx(0.1951219512, abs=1e-9)
    assert rule.gamk == 2 and rule.ssX == 1.25
    x1, _, _ = rule.step(obj, x0, perf, g)
    assert x1[0] == pytest.approx(0.391846019886, abs=1e-9)
    assert x1[1] == pytest.approx(1.201742697729, abs=1e-9)
    assert rule.gamk == pytest.approx(0.7059157059, abs=1e-9)


def test_trainbr_four_epochs_on_one_linear_neuron():
    tc = TrainConfig(algorithm="trainbr", epochs=4, show=0)
    r = training.train(NetObjective(LinearNeuron(), None, LinearNeuron.Y),
                       np.array([0.5, 1.0]), tc)
    h = r.history
    assert r.final_theta[0] == pytest.approx(0.164671771185, abs=1e-9)
    assert r.final_theta[1] == pytest.approx(1.933795682567, abs=1e-9)
    assert h["perf"][4] == pytest.approx(0.0205488209, abs=1e-9)     # E_D is the record's perf
    assert h["gamk"][:2] == pytest.approx([2.0, 0.7059157059], abs=1e-9)
    assert h["ssX"][4] == pytest.approx(r.final_theta @ r.final_theta, rel=1e-15)
    assert h["mu"].tolist() == pytest.approx([0.005 * 0.1 ** k for k in range(5)], rel=1e-12)
    assert "lr" not in h
    # the record's gradient is the norm of E_D's gradient, -2 J'e/Ne
    e = (LinearNeuron.Y.ravel() - 0.5 - LinearNeuron.x)
    J = np.column_stack([np.ones(4), LinearNeuron.x])
    assert h["gradient"][0] == pytest.approx(np.linalg.norm(2 * J.T @ e / 4), rel=1e-14)


def test_trainbr_stops_at_mu_max():
    # mu starts at mu_max: "Maximum MU reached." before any step (trainbr tests mu >= mu_max)
    tc = TrainConfig(algorithm="trainbr", epochs=10, mu=1.0, mu_max=1.0, show=0)
    r = training.train(NetObjective(LinearNeuron(), None, LinearNeuron.Y),
                       np.array([0.5, 1.0]), tc)
    assert r.stop_reason == "Maximum MU reached." and r.epochs == 0


def counting_score():
    """vperf rising every epoch: every epoch is a validation failure."""
    calls = []

    def score(theta):
        calls.append(1)
        return float(len(calls)), np.nan
    return score


@pytest.mark.parametrize("max_fail, epochs, reason", [
    (0, 8, "Maximum epoch reached."), (3, 3, "Validation stop.")])
def test_trainbr_max_fail_0_is_no_validation_stop(max_fail, epochs, reason):
    tc = TrainConfig(algorithm="trainbr", epochs=8, max_fail=max_fail, show=0)
    r = training.train(NetObjective(LinearNeuron(), None, LinearNeuron.Y),
                       np.array([0.5, 1.0]), tc, counting_score(), has_val=True)
    assert r.stop_reason == reason and r.epochs == epochs
    assert r.best_epoch == 0 and r.theta.tolist() == [0.5, 1.0]   # the lowest vperf: epoch 0


def test_both_rules_are_registered_and_leave_out_lr():
    assert RULES["trainscg"] is Trainscg and RULES["trainbr"] is Trainbr
    assert Trainscg.omitted == Trainbr.omitted == ("lr",) and Trainbr.record[1:] == ("gamk",
                                                                                      "ssX")


def test_trainbr_refuses_a_regularised_objective():
    tc = TrainConfig(algorithm="trainbr", epochs=2, show=0)
    obj = NetObjective(LinearNeuron(), None, LinearNeuron.Y, regularization=0.1)
    with pytest.raises(ValueError, match="regularization"):   # the config's 0 is not the 0.1
        training.train(obj, np.array([0.5, 1.0]), tc)
    with pytest.raises(ValueError, match="trainbr chooses its own"):
        Trainbr(tc).start(obj, np.array([0.5, 1.0]), 1.0)


def test_trainbr_defaults_are_matlabs():
    tc = TrainConfig(algorithm="trainbr")
    assert (tc.mu, tc.mu_dec, tc.mu_inc, tc.mu_max, tc.min_grad, tc.max_fail, tc.epochs) == \
        (0.005, 0.1, 10.0, 1e10, 1e-7, 0, 1000)
    assert tc.regularization is None
    tc = TrainConfig(algorithm="trainscg")
    assert (tc.sigma, tc.lambda_, tc.min_grad, tc.max_fail) == (5e-5, 5e-7, 1e-6, 6)


def test_lambda_is_the_yaml_key_of_trainscgs_lambda(root, tmp_path):
    """lambda is a Python keyword: the field is lambda_, the key users write is lambda."""
    import yaml
    with pytest.warns(UserWarning, match="mc dropped"):
        cfg = load_config(root / "configs/passengers.yaml", ["train.algorithm=trainscg",
                                                             "train.lambda=2e-6"])
    assert cfg.train.lambda_ == 2e-6 and cfg.models["bp"].train.lambda_ == 2e-6
    written = config_to_dict(cfg)["train"]
    assert written["lambda"] == 2e-6 and "lambda_" not in written
    (tmp_path / "again.yaml").write_text(yaml.safe_dump(config_to_dict(cfg)))
    assert load_config(tmp_path / "again.yaml").train == cfg.train
    with pytest.raises(InputError, match="train.lambda_: unknown key; did you mean train.lambda"):
        load_config(tmp_path / "again.yaml", ["train.lambda_=2e-6"])


# ------------------------------------------------ plain implementations of docs/semantics.md

def flat(net, X, Y, x):
    """perf and dperf/dX (= gX) at x, from the network's dict gradients."""
    net.theta[:] = x
    perf, grads = net.loss_and_grads(X, Y)
    return perf, np.concatenate([grads[k].ravel() for k in net.params])


def reference_scg(net, X, Y, x, tc, epochs):
    """docs/semantics.md#trainscg line by line."""
    perf, gX = flat(net, X, Y, x)
    dX = -gX
    nrmsqr = dX @ dX
    success, lambdab, lambdak, deltak = True, 0.0, tc.lambda_, 0.0
    for epoch in range(epochs):
        if success:
            sigmak = tc.sigma / np.sqrt(nrmsqr)
            sk = (flat(net, X, Y, x + sigmak * dX)[1] - gX) / sigmak
            deltak = dX @ sk
        deltak = deltak + (lambdak - lambdab) * nrmsqr
        if deltak <= 0:
            lambdab = 2 * (lambdak - deltak / nrmsqr)
            deltak = -deltak + lambdak * nrmsqr
            lambdak = lambdab
        muk = -dX @ gX
        alphak = muk / deltak
        perf_t = flat(net, X, Y, x + alphak * dX)[0]
        difk = 2 * deltak * (perf - perf_t) / muk ** 2
        if difk >= 0:
            gX_old = gX
            x = x + alphak * dX
            perf, gX = flat(net, X, Y, x)
            lambdab, success = 0.0, True
            if epoch % x.size == 0:
                dX = -gX
            else:
                betak = (gX @ gX - gX @ gX_old) / muk
                dX = -gX + betak * dX
            nrmsqr = dX @ dX
            if difk >= 0.75:
                lambdak = 0.25 * lambdak
        else:
            lambdab, success = lambdak, False
        if difk < 0.25 and nrmsqr != 0:
            lambdak = lambdak + deltak * (1 - difk) / nrmsqr
    return x


def reference_br(net, X, Y, x, tc, epochs):
    """docs/semantics.md#trainbr line by line, with a Jacobian from central differences and the
    Nw x Nw system."""
    def measure(x):
        e = (Y - predict(net, x, X)).ravel()
        J = numeric_jacobian(net, X, x)
        return e @ e / e.size, J.T @ J / e.size, J.T @ e / e.size, e.size

    Nw = x.size
    E_D, JJ, JE, Ne = measure(x)
    gamk = Nw
    beta = (Ne - gamk) / (2 * E_D)
    beta = 1.0 if E_D == 0 or beta <= 0 else beta
    alph = gamk / (2 * (x @ x))
    perf, mu = beta * E_D + alph * (x @ x), tc.mu
    for _ in range(epochs):
        while mu <= tc.mu_max:
            dX = np.linalg.solve(beta * JJ + (mu + alph) * np.eye(Nw), beta * JE - alph * x)
            x2 = x + dX
            e2 = (Y - predict(net, x2, X)).ravel()
            perf2 = beta * (e2 @ e2 / Ne) + alph * (x2 @ x2)
            if perf2 < perf and np.all(np.isfinite(dX)):
                x, perf, mu = x2, perf2, max(mu * tc.mu_dec, 1e-20)
                break
            mu = mu * tc.mu_inc
        E_D, JJ, JE, _ = measure(x)
        if mu <= tc.mu_max:
            gamk = Nw - alph * np.trace(np.linalg.inv(beta * JJ + alph * np.eye(Nw)))
            alph = gamk / (2 * (x @ x)) if x @ x != 0 else 1.0
            beta = (Ne - gamk) / (2 * E_D) if E_D != 0 else 1.0
            perf = beta * E_D + alph * (x @ x)
    return x


def predict(net, x, X):
    net.theta[:] = x
    return net.predict(X)


# trainbr on bp/25 and elman/25: more weights (44, 33) than errors, the rule's Ne x Ne form;
# on bp/60: fewer, the Nw x Nw form
@pytest.mark.parametrize("algorithm, kind, n, epochs", [
    ("trainscg", "bp", 30, 80), ("trainscg", "elman", 30, 80),
    ("trainbr", "bp", 25, 20), ("trainbr", "bp", 60, 20), ("trainbr", "elman", 25, 20)])
def test_rule_matches_a_plain_implementation(algorithm, kind, n, epochs, rng):
    net, X, Y, theta0 = regression_problem(kind, rng, n, noise=0.05)
    tc = TrainConfig(algorithm=algorithm, epochs=epochs, min_grad=0.0, show=0)
    reference = {"trainscg": reference_scg, "trainbr": reference_br}[algorithm]
    expected = reference(net, X, Y, theta0.copy(), tc, epochs)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    assert r.epochs == epochs
    h = r.history
    if algorithm == "trainscg":
        np.testing.assert_allclose(r.final_theta, expected, rtol=1e-9, atol=1e-12)
        assert h["perf"][-1] < 0.2 * h["perf"][0]
    else:
        np.testing.assert_allclose(r.final_theta, expected, rtol=1e-6, atol=1e-9)
        assert h["perf"][-1] < h["perf"][0] and 0 < h["gamk"][-1] < min(n, theta0.size)


# ------------------------------------------------------------------------ every network type

@pytest.mark.parametrize("algorithm", ["trainscg", "trainbr"])
@pytest.mark.parametrize("mtype", ["feedforward", "elman", "lstm", "gru"])
def test_every_network_type_trains(mtype, algorithm, root):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1], "month": True},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "train": {"algorithm": algorithm, "epochs": 8, "show": 0},
           "models": {"m": {"type": mtype, "hidden": [5, 4] if mtype == "feedforward" else 5}}}
    cfg = build_config(raw, "t.yaml")
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("m", cfg.models["m"], ds, 0)
    h = r.train.history
    assert "lr" not in h and r.train.stop_reason in ("Maximum epoch reached.",
                                                       "Minimum gradient reached.")
    assert r.scores["train"]["mse"] == pytest.approx(h["perf"].min(), rel=1e-12)
    assert h["perf"].min() < h["perf"][0]
    assert np.isfinite(r.predictions).all()
    if algorithm == "trainbr":
        # with an lstm's small uniform weights, alph = Nw/(2 ssX) starts large, and the weight
        # decay may take every weight to about 0 (gamk too) before the errors pull them back
        assert 0 < h["gamk"][-1] < r.net.theta.size and h["gamk"][0] == r.net.theta.size


# ------------------------------------------------------------------------------- the CLI

@pytest.fixture(scope="module", params=["trainbr", "trainscg"])
def cli_run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    args = [str(ROOT / "configs/passengers.yaml"), "--out", str(out), "--set",
            f"train.algorithm={request.param}", "--set", "train.epochs=12", "--set",
            "train.show=4", "--set", "models.elman.hidden=8"]
    return request.param, out, args


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_writes_the_new_record(cli_run, capsys):
    algorithm, out, args = cli_run
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "lr, lr_inc, lr_dec, max_perf_inc, mc dropped" in printed.err
    lines = printed.out.splitlines()
    m = json.loads((out / "metrics.json").read_text())["models"]
    for name in ("bp", "elman"):
        hist = read_csv(out / f"history_{name}.csv")
        assert (out / f"trainstate_{name}.png").stat().st_size > 10_000
        assert m[name]["algorithm"] == algorithm
        progress = [line for line in lines if line.startswith(f"{name}: {algorithm.upper()}")]
        assert len(progress) == 5   # epochs 0, 4, 8, 12 and the stop reason
        if algorithm == "trainbr":
            assert list(hist[0]) == ["epoch", "perf", "vperf", "tperf", "gradient", "val_fail",
                                     "mu", "gamk", "ssX"]
            assert m[name]["gamk"] == pytest.approx(float(hist[-1]["gamk"]), rel=1e-15)
            weights = 151 if name == "bp" else 2 * 8 + 8 * 8 + 8 + 8 + 1
            assert m[name]["n_weights"] == weights and 0 < m[name]["gamk"] < weights
            assert ", gamk " in progress[0] and ", ssX " in progress[0]
            assert float(hist[0]["gamk"]) == weights
        else:
            assert list(hist[0]) == ["epoch", "perf", "vperf", "tperf", "gradient", "val_fail"]
            assert "gamk" not in m[name] and ", lr" not in progress[0]
