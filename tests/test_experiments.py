"""lstm_edu.experiments: experiment logic, tables, plotted data and the CLI (tiny sizes)."""
from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.experiments import ablation, adding, exploding, forget_gate, hyperparameters  # noqa: E402
from lstm_edu.experiments.__main__ import main as cli_main  # noqa: E402
from lstm_edu.experiments.common import format_table, load_results, round_sig, write_results  # noqa: E402
from lstm_edu.models import SequenceModel, VariantLSTM  # noqa: E402
from lstm_edu.tasks import adding_problem, as_tensors, solved  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


# --- common -------------------------------------------------------------------------------

def test_round_sig_and_table():
    assert round_sig(0.0123456) == 0.0123
    assert round_sig(123456.0) == 123000.0
    assert round_sig(7) == 7 and round_sig(None) is None and math.isnan(round_sig(float("nan")))
    table = format_table([{"a": 1, "b": 0.123456}, {"a": 22, "b": None}])
    assert table.splitlines() == [" a      b", " 1  0.123", "22      -"]
    with pytest.raises(ValueError, match="columns"):
        format_table([{"a": 1}], columns=["z"])


def test_results_round_trip(tmp_path):
    config = adding.AddingConfig.reduced()
    path = write_results("adding", "python -m x", config, [{"v": 1.5}], directory=tmp_path, complete=True)
    data = load_results(path)
    assert data["command"] == "python -m x" and data["runs"] == [{"v": 1.5}] and data["complete"]
    assert data["config"]["lags"] == list(config.lags)
    assert set(data["versions"]) == {"python", "numpy", "torch"}
    with pytest.raises(FileNotFoundError, match="lstm_edu.experiments missing --full"):
        load_results(tmp_path / "missing.json")


# --- adding problem -----------------------------------------------------------------------

TINY_ADDING = adding.AddingConfig(lags=(6, 8), cells=("rnn", "lstm"), seeds=(0,), hidden_size=4,
                                  max_sequences=64, window=16, test_size=40, check_every=1)


def test_paper_criterion_needs_a_full_window_of_solved_sequences():
    criterion = adding.PaperCriterion(window=4)
    targets = torch.zeros(2, 1)
    criterion.loss(torch.tensor([[0.01], [0.03]]), targets)
    assert not criterion.met()  # window not full yet
    loss = criterion.loss(torch.tensor([[0.0], [-0.039]]), targets)
    assert criterion.met()
    assert float(loss) == pytest.approx(0.039 ** 2 / 2)
    criterion.loss(torch.tensor([[0.05]]), torch.zeros(1, 1))  # one error >= 0.04 in the window
    assert not criterion.met()


def test_train_adding_records_consistent_results():
    run = adding.train_adding("lstm", 6, 0, TINY_ADDING)
    assert run["steps"] <= TINY_ADDING.steps
    assert run["solved_at"] is None or run["solved_at"] == run["steps"] * TINY_ADDING.batch_size
    assert 0 <= run["test_wrong"] <= run["test_size"] == 40
    assert run["test_solved"] == pytest.approx(1 - run["test_wrong"] / 40, abs=1e-6)
    assert run["forget_bias"] == TINY_ADDING.forget_bias
    again = adding.train_adding("lstm", 6, 0, TINY_ADDING)
    assert again["loss_curve"] == run["loss_curve"]  # deterministic


def test_evaluate_solved_matches_a_direct_evaluation():
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 4, 1)
    wrong, fraction = adding.evaluate_solved(model, 8, 50, seed=3)
    batch = adding_problem(8, 50, np.random.default_rng(3 + adding.TEST_SEED_OFFSET))
    x, lengths = as_tensors(batch.inputs, batch.lengths)
    with torch.no_grad():
        ok = solved(model(x, lengths=lengths).double().numpy(), batch.targets)
    assert wrong == int((~ok).sum()) and fraction == pytest.approx(ok.mean())


def _fake_runs():
    return [
        {"cell": c, "lag": lag, "seed": s, "test_solved": v, "test_wrong": w, "test_size": 100,
         "solved_at": at, "steps": 10, "loss_curve": [0.04, 0.01]}
        for c, lag, s, v, w, at in [
            ("rnn", 10, 0, 0.2, 80, None), ("rnn", 10, 1, 0.4, 60, None),
            ("lstm", 10, 0, 1.0, 0, 3200), ("lstm", 10, 1, 0.9, 10, 6400),
            ("lstm", 50, 0, 0.5, 50, None), ("rnn", 50, 0, 0.1, 90, None),
        ]
    ]


def test_summarise_and_plot_solved_vs_lag_use_the_means():
    runs = _fake_runs()
    rows = {(r["cell"], r["lag"]): r for r in adding.summarise(runs)}
    assert rows[("rnn", 10)]["test_solved"] == pytest.approx(0.3)
    assert rows[("lstm", 10)]["met_criterion"] == "2 / 2"
    assert rows[("lstm", 10)]["sequences_to_criterion"] == 4800
    assert rows[("rnn", 50)]["sequences_to_criterion"] is None
    plot = adding.plot_solved_vs_lag(runs)
    np.testing.assert_allclose(plot.lines["rnn"].get_xdata(), [10, 50])
    np.testing.assert_allclose(plot.lines["rnn"].get_ydata(), [0.3, 0.1])
    np.testing.assert_allclose(plot.lines["lstm"].get_ydata(), [0.95, 0.5])


def test_plot_learning_curves_and_sequence_data():
    runs = _fake_runs()
    plot = adding.plot_learning_curves(runs, 10, check_every=1, batch_size=32)
    np.testing.assert_allclose(plot.lines["lstm seed 0"].get_xdata(), [320, 320])  # capped at 10 steps
    np.testing.assert_allclose(plot.lines["lstm seed 0"].get_ydata(), [0.04, 0.01])
    with pytest.raises(ValueError, match="lag"):
        adding.plot_learning_curves(runs, 99, 1, 32)
    batch = adding_problem(20, 2, np.random.default_rng(0))
    plot = adding.plot_sequence(batch, index=1)
    length = batch.lengths[1]
    np.testing.assert_allclose(plot.lines["values"].get_ydata(), batch.inputs[1, :length, 0])
    np.testing.assert_allclose(plot.lines["marked"].get_xdata(), batch.marked[1])
    np.testing.assert_allclose(plot.lines["marked"].get_ydata(), batch.inputs[1, batch.marked[1], 0])


def test_adding_config_validation():
    with pytest.raises(ValueError, match="lags"):
        adding.AddingConfig(lags=(3,))
    with pytest.raises(ValueError, match="cells"):
        adding.AddingConfig(cells=("transformer",))
    assert adding.AddingConfig.reduced().steps == adding.AddingConfig.reduced().max_sequences // 32


# --- forget gate --------------------------------------------------------------------------

TINY_FORGET = forget_gate.ForgetGateConfig(biases=(0.0, 1.0, 4.0), flow_lag=30, flow_batch=4, speed_lags=(6,),
                                           speed_sequences=64, seeds=(0,), stream_lag=6, chunk=10,
                                           stream_steps=3, test_length=150, hidden_size=4)


def test_gradient_flow_grows_with_the_forget_bias():
    flows = [forget_gate.gradient_flow(b, TINY_FORGET) for b in TINY_FORGET.biases]
    for flow in flows:
        assert flow["c"][-1] == pytest.approx(1.0)  # dc_T/dc_T = I
        assert len(flow["c"]) == 30
    means = [f["forget_mean"] for f in flows]
    assert means == sorted(means) and 0.4 < means[0] < 0.6 and means[2] > 0.95
    far = [f["c"][0] for f in flows]  # distance T - 1
    assert far[0] < far[1] < far[2]
    rows = forget_gate.flow_table(flows, distances=(0, 10))
    assert rows[1]["dc_T/dc_t at 10"] == round_sig(flows[1]["c"][-11])
    plot = forget_gate.plot_gradient_flow(flows)
    np.testing.assert_allclose(plot.lines["bias 1"].get_ydata(), flows[1]["c"][::-1])
    np.testing.assert_allclose(plot.lines["bias 1"].get_xdata(), np.arange(30))


def test_gradient_flow_forget_mean_is_the_gate_value_at_bias():
    """Mean forget gate of a model whose weights are zeroed equals sigmoid(bias) exactly."""
    config = TINY_FORGET
    flow = forget_gate.gradient_flow(2.0, config)
    assert 1 / (1 + math.exp(-2.0)) - 0.15 < flow["forget_mean"] < 1 / (1 + math.exp(-2.0)) + 0.15


def test_masked_mse_ignores_nan_targets():
    outputs = torch.tensor([[[1.0], [2.0], [3.0]]])
    targets = torch.tensor([[[float("nan")], [1.0], [float("nan")]]])
    assert float(forget_gate.masked_mse(outputs, targets)) == pytest.approx(1.0)
    assert float(forget_gate.masked_mse(outputs, torch.full_like(targets, float("nan")))) == 0.0


def test_stateful_model_and_chunks_continue_one_stream():
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 4, 1, readout="all", variant="nfg")
    chunks = forget_gate.StreamChunks(lag=6, chunk=7, steps=3, batch=2, seed=0)
    stateful = forget_gate.StatefulModel(model)
    pieces = [chunks()[0] for _ in range(3)]
    np.testing.assert_array_equal(torch.cat(pieces, 1).numpy(), chunks.inputs.numpy())
    with torch.no_grad():
        outputs = torch.cat([stateful(p) for p in pieces], 1)
        whole = model(chunks.inputs)
    np.testing.assert_allclose(outputs.numpy(), whole.numpy(), atol=1e-6)
    gru = forget_gate.StatefulModel(SequenceModel("gru", 2, 3, 1, readout="all"))
    gru(pieces[0])
    assert isinstance(gru.state[0], torch.Tensor) and not gru.state[0].requires_grad


def test_train_continual_measures_the_numpy_twin_cell_state():
    run = forget_gate.train_continual("nfg", TINY_FORGET, seed=0)
    assert run["variant"] == "nfg" and len(run["c_abs"]) == 50 and run["c_steps"][-1] == 150
    assert 0.0 <= run["solved_first"] <= 1.0 and len(run["train_loss"]) == 3  # one entry per step here
    with pytest.raises(ValueError, match="variant"):
        forget_gate.train_continual("cifg", TINY_FORGET)


def test_nfg_cell_state_grows_on_a_long_stream():
    """Without a forget gate, a cell whose input gate and candidate have a constant sign
    accumulates without bound; the mean |c_t| over the stream keeps rising."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 3, 1, readout="all", variant="nfg")
    layer = model.layers[0]
    with torch.no_grad():
        layer.bias_ih[2 * 3:3 * 3] = 2.0  # candidate g = tanh(>0) > 0 most of the time
    stream = forget_gate.continual_adding_stream(6, 300, 2, np.random.default_rng(0))
    trace = layer.to_numpy().forward(stream.inputs)
    c_abs = np.abs(trace.c).mean(axis=(0, 2))
    assert c_abs[-50:].mean() > 3 * c_abs[:50].mean()


def test_speed_and_continual_tables():
    runs = [{"lag": 25, "forget_bias": b, "seed": s, "solved_at": at, "test_solved": v, "steps": 5,
             "loss_curve": [0.04]} for b, s, at, v in [(0.0, 0, None, 0.2), (1.0, 0, 3200, 1.0), (1.0, 1, None, 0.5)]]
    rows = forget_gate.speed_table(runs)
    assert rows[1] == {"lag": 25, "forget_bias": 1.0, "met_criterion": "1 / 2", "sequences_to_criterion": 3200,
                       "test_solved": 0.75}
    plot = forget_gate.plot_learning_speed(runs, 25, check_every=1, batch_size=32)
    assert set(plot.lines) == {"bias 0 seed 0", "bias 1 seed 0", "bias 1 seed 1"}
    continual = [{"variant": "nfg", "seed": 0, "c_first": 1.0, "c_last": 9.0, "solved_first": 0.2,
                  "solved_last": 0.1, "c_steps": [1, 2], "c_abs": [1.0, 9.0]}]
    assert forget_gate.continual_table(continual)[0]["mean|c| last 100"] == 9.0
    plot = forget_gate.plot_cell_growth(continual)
    np.testing.assert_allclose(plot.lines["nfg seed 0"].get_ydata(), [1.0, 9.0])


# --- exploding gradients ------------------------------------------------------------------

def test_scaled_orthogonal_has_every_singular_value_at_gain():
    weight = torch.empty(6, 6)
    exploding.scaled_orthogonal_(weight, 2.5, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(torch.linalg.svdvals(weight.double()).numpy(), 2.5, rtol=1e-6)
    with pytest.raises(ValueError, match="square"):
        exploding.scaled_orthogonal_(torch.empty(2, 3), 1.0)
    with pytest.raises(ValueError, match="gain"):
        exploding.scaled_orthogonal_(torch.empty(2, 2), -1.0)


def test_without_clipping_the_rnn_diverges_and_clipping_prevents_it():
    config = exploding.ExplodingConfig(lag=20, hidden_size=16, steps=60, gain=4.0, lr=1.0, seeds=(0,))
    free = exploding.train_exploding(None, 0, config)
    clipped = exploding.train_exploding(1.0, 0, config)
    assert free["diverged_at"] is not None and free["steps"] == free["diverged_at"] < 60
    assert free["loss"][-1] in ("nan", "inf") or free["grad_norm"][-1] in ("nan", "inf")
    assert clipped["diverged_at"] is None and clipped["steps"] == 60
    assert clipped["clipped_fraction"] > 0 and clipped["max_grad_norm"] > 1.0
    assert all(math.isfinite(v) for v in clipped["loss"])
    rows = exploding.summarise([free, clipped])
    assert rows[0]["diverged"] == "1 / 1" and rows[0]["median_step_diverged"] == free["diverged_at"]
    assert rows[1]["diverged"] == "0 / 1" and rows[1]["median_final_loss"] == clipped["final_loss"]
    plot = exploding.plot_gradient_norms_over_training([free, clipped], seed=0)
    np.testing.assert_allclose(plot.lines["loss, clip at 1"].get_ydata(), clipped["loss"])
    finite = [float(v) for v in free["grad_norm"] if v not in ("nan", "inf")]
    np.testing.assert_allclose(plot.lines["grad norm, no clipping"].get_ydata(), finite)


# --- variant ablation ---------------------------------------------------------------------

def test_build_variant_gives_greffs_variants():
    nfg = ablation.build_variant("NFG", 4)
    layer = nfg.layers[0]
    assert isinstance(layer, VariantLSTM) and layer.flags.peepholes and not layer.flags.forget_gate
    assert not ablation.build_variant("NP", 4).layers[0].flags.peepholes
    assert isinstance(ablation.build_variant("GRU", 4).layers[0], torch.nn.GRU)
    with pytest.raises(ValueError, match="name"):
        ablation.build_variant("XYZ", 4)


def test_ablation_runs_summary_and_plot():
    config = ablation.AblationConfig(variants=("V", "NFG", "GRU"), seeds=(0,), hidden_size=4, lag=6, chunk=8,
                                     steps=3, test_length=100)
    runs = ablation.run_ablation(config)
    assert [r["variant"] for r in runs] == ["V", "NFG", "GRU"]
    assert runs[0]["parameters"] == ablation.build_variant("V", 4).num_parameters()
    rows = ablation.summarise(runs)
    assert rows[1]["median_test_mse"] == runs[1]["test_mse"]
    baseline = ablation.mean_predictor_mse(config)
    assert 0.02 < baseline < 0.06  # var((X1 + X2) / 4) = 1/24 with U[-1, 1] values
    plot = ablation.plot_ablation(runs, reference=baseline)
    np.testing.assert_allclose(plot.lines["runs"].get_ydata(), [r["test_mse"] for r in runs])
    np.testing.assert_allclose(plot.lines["runs"].get_xdata(), [0, 1, 2])


# --- hyperparameters ----------------------------------------------------------------------

def test_hyperparameter_sweep_points_summary_and_plot():
    config = hyperparameters.HyperparameterConfig(hidden_sizes=(2, 4), dropouts=(0.0, 0.5), lrs=(1e-2,), lag=6,
                                                  train_size=40, steps=3, test_size=30, seeds=(0,),
                                                  base=hyperparameters.Setting(hidden_size=4, lr=1e-2))
    points = config.settings()
    assert [name for name, _ in points] == ["hidden_size", "hidden_size", "dropout", "dropout", "lr"]
    runs = hyperparameters.run_hyperparameters(config)
    base_runs = [r for r in runs if (r["hidden_size"], r["dropout"], r["lr"]) == (4, 0.0, 1e-2)]
    assert len(base_runs) == 3 and len({r["test_mse"] for r in base_runs}) == 1  # shared base point
    rows = hyperparameters.summarise(runs, "dropout")
    assert [r["dropout"] for r in rows] == [0.0, 0.5]
    plot = hyperparameters.plot_sweeps(runs)
    np.testing.assert_allclose(plot.lines["dropout test"].get_ydata(), [r["test_mse"] for r in rows])
    with pytest.raises(ValueError, match="varied"):
        hyperparameters.summarise(runs, "momentum")


# --- command line -------------------------------------------------------------------------

def test_cli_writes_timestamp_free_reproducible_results(tmp_path, capsys):
    args = ["exploding", "--out", str(tmp_path), "--quiet",
            "--set", "steps=4", "seeds=[0]", "hidden_size=4", "lag=6"]
    assert cli_main(args) == 0
    first = (tmp_path / "exploding.json").read_text()
    assert cli_main(args) == 0
    assert (tmp_path / "exploding.json").read_text() == first  # reruns are comparable
    data = json.loads(first)
    assert data["command"] == "python -m lstm_edu.experiments " + shlex.join(args)
    assert data["config"]["steps"] == 4 and data["config"]["seeds"] == [0] and data["complete"]
    assert "seconds" not in first
    assert len(data["runs"]) == 2  # no clipping and clip at 1, one seed
    with pytest.raises(SystemExit):
        cli_main(["exploding", "--set", "bogus=1"])
