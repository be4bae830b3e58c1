"""lstm_edu.experiments: experiment logic, tables, plotted data and the CLI (tiny sizes)."""
from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.experiments import (  # noqa: E402
    ablation,
    adding,
    adding_plots,
    continual,
    exploding,
    forget_gate,
    hyperparameters,
)
from lstm_edu.experiments.__main__ import main as cli_main  # noqa: E402
from lstm_edu.experiments.common import format_table, load_results, round_sig, write_results  # noqa: E402
from lstm_edu.models import SequenceModel, VariantLSTM  # noqa: E402
from lstm_edu.stats import NO_DIFFERENCE  # noqa: E402
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
    with pytest.raises(FileNotFoundError, match="lstm_edu.experiments missing --full --publish"):
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


def test_summarise_gives_rates_with_intervals_and_medians():
    runs = _fake_runs()
    rows = {(r["cell"], r["lag"]): r for r in adding.summarise(runs)}
    assert rows[("RNN", 10)]["test_solved"].median == pytest.approx(0.3)
    rate = rows[("LSTM", 10)]["met_criterion"]
    assert (rate.successes, rate.trials) == (2, 2) and rate.high == 1.0 and 0.3 < rate.low < 0.4
    assert rows[("LSTM", 10)]["sequences_to_criterion"].median == 4800
    assert rows[("RNN", 50)]["sequences_to_criterion"] is None
    with pytest.raises(ValueError, match="runs"):
        adding.summarise([])


def test_plots_show_every_run_and_the_medians():
    runs = _fake_runs()
    plot = adding_plots.plot_solved_vs_lag(runs)
    np.testing.assert_allclose(plot.lines["rnn"].get_ydata(), [0.3, 0.1])
    np.testing.assert_allclose(plot.lines["lstm"].get_ydata(), [0.95, 0.5])
    np.testing.assert_allclose(sorted(plot.lines["lstm runs"].get_ydata()), [0.5, 0.9, 1.0])
    xs = plot.lines["rnn"].get_xdata()  # the lags, nudged sideways on the log axis
    assert xs[0] == pytest.approx(10, rel=0.1) and xs[1] == pytest.approx(50, rel=0.1)
    rates = adding_plots.plot_success_rate(runs)
    np.testing.assert_allclose(rates.lines["lstm"].get_ydata(), [1.0, 0.0])
    np.testing.assert_allclose(rates.lines["rnn"].get_ydata(), [0.0, 0.0])
    strip = adding_plots.plot_sequences_to_criterion(runs, budget=10_000)
    np.testing.assert_allclose(sorted(strip.lines["lstm"].get_ydata()), [3200, 6400])
    np.testing.assert_allclose(strip.lines["lstm not met"].get_ydata(), [10_000])
    assert len(strip.lines["rnn not met"].get_ydata()) == 3
    assert len(strip.lines["paper"].get_xdata()) == 0  # no run at T = 100
    with pytest.raises(TypeError, match="budget"):
        adding_plots.plot_sequences_to_criterion(runs, budget=1.5)


def test_plot_learning_curves_and_sequence_data():
    runs = _fake_runs()
    plot = adding_plots.plot_learning_curves(runs, 10, check_every=1, batch_size=32)
    np.testing.assert_allclose(plot.lines["lstm seed 0"].get_xdata(), [320, 320])  # capped at 10 steps
    np.testing.assert_allclose(plot.lines["lstm seed 0"].get_ydata(), [0.04, 0.01])
    with pytest.raises(ValueError, match="lag"):
        adding_plots.plot_learning_curves(runs, 99, 1, 32)
    batch = adding_problem(20, 2, np.random.default_rng(0))
    plot = adding_plots.plot_sequence(batch, index=1)
    length = batch.lengths[1]
    np.testing.assert_allclose(plot.lines["values"].get_ydata(), batch.inputs[1, :length, 0])
    np.testing.assert_allclose(plot.lines["marked"].get_xdata(), batch.marked[1])
    np.testing.assert_allclose(plot.lines["marked"].get_ydata(), batch.inputs[1, batch.marked[1], 0])


def test_adding_config_validation():
    with pytest.raises(ValueError, match="lags"):
        adding.AddingConfig(lags=(3,))
    with pytest.raises(ValueError, match="cells"):
        adding.AddingConfig(cells=("transformer",))
    with pytest.raises(TypeError, match="hidden_size"):
        adding.AddingConfig(hidden_size=2.5)
    with pytest.raises(ValueError, match="lr"):
        adding.AddingConfig(lr=-1.0)
    with pytest.raises(ValueError, match="seeds"):
        adding.AddingConfig(seeds=(1, 1))
    with pytest.raises(TypeError, match="seeds"):
        adding.AddingConfig(seeds=(True,))
    config = adding.AddingConfig(lags=(np.int64(10),), seeds=(np.int64(3),), lr=np.float32(0.01))
    assert config.lags == (10,) and type(config.lags[0]) is int and config.seeds == (3,)
    assert adding.AddingConfig.reduced().steps == adding.AddingConfig.reduced().max_sequences // 32
    assert len(adding.AddingConfig().seeds) >= 10 and "nfg" in adding.AddingConfig().cells


def test_the_1997_cell_has_no_forget_gate_and_trains():
    run = adding.train_adding("nfg", 6, 0, TINY_ADDING)
    assert run["cell"] == "nfg" and run["forget_bias"] is None and 0 <= run["test_wrong"] <= 40
    with pytest.raises(ValueError, match="cell"):
        adding.train_adding("lstm2", 6, 0, TINY_ADDING)


def test_runs_do_not_depend_on_the_number_of_workers():
    config = adding.AddingConfig(lags=(6,), cells=("lstm", "gru"), seeds=(0, 1), hidden_size=4,
                                 max_sequences=64, window=16, test_size=20, check_every=1)
    seen = []
    serial = adding.run_adding(config, workers=1)
    parallel = adding.run_adding(config, workers=2, progress=lambda index, run: seen.append(index))
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in serial]
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in parallel] == strip
    assert sorted(seen) == [0, 1, 2, 3] and [(r["cell"], r["seed"]) for r in serial] == [
        ("lstm", 0), ("gru", 0), ("lstm", 1), ("gru", 1)]


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
    assert float(continual.masked_mse(outputs, targets)) == pytest.approx(1.0)
    assert float(continual.masked_mse(outputs, torch.full_like(targets, float("nan")))) == 0.0


def test_stateful_model_and_chunks_continue_one_stream():
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 4, 1, readout="all", variant="nfg")
    chunks = continual.StreamChunks(lag=6, chunk=7, steps=3, batch=2, seed=0)
    stateful = continual.StatefulModel(model)
    pieces = [chunks()[0] for _ in range(3)]
    np.testing.assert_array_equal(torch.cat(pieces, 1).numpy(), chunks.inputs.numpy())
    with torch.no_grad():
        outputs = torch.cat([stateful(p) for p in pieces], 1)
        whole = model(chunks.inputs)
    np.testing.assert_allclose(outputs.numpy(), whole.numpy(), atol=1e-6)
    gru = continual.StatefulModel(SequenceModel("gru", 2, 3, 1, readout="all"))
    gru(pieces[0])
    assert isinstance(gru.state[0], torch.Tensor) and not gru.state[0].requires_grad


def test_train_continual_measures_the_numpy_twin_cell_state():
    run = forget_gate.train_continual("nfg", TINY_FORGET, seed=0)
    assert run["variant"] == "nfg" and len(run["c_abs"]) == 50 and run["c_steps"][-1] == 150
    assert 0.0 <= run["solved_first"] <= 1.0 and len(run["train_loss"]) == 3  # one entry per step here
    assert run["f_markers"] == [1.0] * 4 == run["f_other"]  # no forget gate: f = 1 everywhere
    vanilla = forget_gate.train_continual("vanilla", TINY_FORGET, seed=0)
    gates = vanilla["f_markers"] + vanilla["f_other"]
    assert len(vanilla["f_markers"]) == 4 and all(0 < f < 1 for f in gates)
    row, = forget_gate.forget_at_markers([run, vanilla])
    assert row["f at markers"] == round_sig(float(np.mean(vanilla["f_markers"])))
    lower = sum(m < o for m, o in zip(vanilla["f_markers"], vanilla["f_other"]))
    assert row["units lower at markers"] == f"{lower} / 4"
    with pytest.raises(ValueError, match="vanilla"):
        forget_gate.forget_at_markers([run])
    with pytest.raises(ValueError, match="variant"):
        forget_gate.train_continual("cifg", TINY_FORGET)


def test_forget_at_markers_averages_the_gate_where_m_is_minus_one():
    forget = np.array([[[0.1, 0.9], [0.5, 0.5], [0.3, 0.7]]])  # (B=1, L=3, H=2)
    markers = np.array([[True, False, True]])
    out = continual._forget_at_markers(forget, markers)
    assert out == {"f_markers": [0.2, 0.8], "f_other": [0.5, 0.5]}


def test_nfg_cell_state_grows_on_a_long_stream():
    """Without a forget gate, a cell whose input gate and candidate have a constant sign
    accumulates without bound; the mean |c_t| over the stream keeps rising."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 3, 1, readout="all", variant="nfg")
    layer = model.layers[0]
    with torch.no_grad():
        layer.bias_ih[2 * 3:3 * 3] = 2.0  # candidate g = tanh(>0) > 0 most of the time
    stream = continual.continual_adding_stream(6, 300, 2, np.random.default_rng(0))
    trace = layer.to_numpy().forward(stream.inputs)
    c_abs = np.abs(trace.c).mean(axis=(0, 2))
    assert c_abs[-50:].mean() > 3 * c_abs[:50].mean()


def test_speed_and_continual_tables():
    settings = [(0.0, 0, None, 0.2), (1.0, 0, 3200, 1.0), (1.0, 1, None, 0.5)]
    runs = [{"lag": 25, "forget_bias": b, "seed": s, "solved_at": at, "test_solved": v, "steps": 5,
             "loss_curve": [0.04]} for b, s, at, v in settings]
    rows = forget_gate.speed_table(runs)
    assert (rows[1]["lag"], rows[1]["forget_bias"], rows[1]["met_criterion"].successes) == (25, 1.0, 1)
    assert rows[1]["met_criterion"].trials == 2 and rows[1]["sequences_to_criterion"].median == 3200
    assert rows[1]["test_solved"].median == 0.75 and rows[0]["sequences_to_criterion"] is None
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
    assert rows[0]["diverged"].successes == 1 and rows[0]["step_diverged"].median == free["diverged_at"]
    assert rows[1]["diverged"].successes == 0 and rows[1]["final_loss"].median == clipped["final_loss"]
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
    assert rows[1]["test_mse"].median == runs[1]["test_mse"]
    assert rows[1]["times_reference"] == pytest.approx(runs[1]["test_mse"] / runs[0]["test_mse"])
    assert rows[0]["vs_reference"] == "-" and rows[1]["vs_reference"] in ("higher", "lower", NO_DIFFERENCE)
    with pytest.raises(ValueError, match="reference"):
        ablation.summarise(runs, reference="NOPE")
    little = ablation.learned_little(runs, reference=2 * runs[1]["test_mse"] * 0.999)
    assert little["NFG"] == 1 and set(little) == {"V", "NFG", "GRU"}
    with pytest.raises(ValueError, match="reference"):
        ablation.learned_little(runs, reference=0.0)
    baseline = ablation.mean_predictor_mse(config)
    assert 0.02 < baseline < 0.06  # var((X1 + X2) / 4) = 1/24 with U[-1, 1] values
    plot = ablation.plot_ablation(runs, reference=baseline)
    np.testing.assert_allclose(plot.lines["runs"].get_ydata(), [r["test_mse"] for r in runs])
    np.testing.assert_allclose(plot.lines["runs"].get_xdata(), [0, 1, 2])


# --- hyperparameters ----------------------------------------------------------------------

def test_hyperparameter_sweep_points_summary_and_plot():
    config = hyperparameters.HyperparameterConfig(hidden_sizes=(2, 4), dropouts=(0.0, 0.5), lrs=(1e-2,),
                                                  lag=6, train_size=40, steps=3, test_size=30, seeds=(0,),
                                                  base=hyperparameters.Setting(hidden_size=4, lr=1e-2))
    points = config.settings()
    assert [name for name, _ in points] == ["hidden_size", "hidden_size", "dropout", "dropout", "lr"]
    runs = hyperparameters.run_hyperparameters(config)
    base_runs = [r for r in runs if (r["hidden_size"], r["dropout"], r["lr"]) == (4, 0.0, 1e-2)]
    assert len(base_runs) == 3 and len({r["test_mse"] for r in base_runs}) == 1  # shared base point
    rows = hyperparameters.summarise(runs, "dropout")
    assert [r["dropout"] for r in rows] == [0.0, 0.5]
    plot = hyperparameters.plot_sweeps(runs)
    np.testing.assert_allclose(plot.lines["dropout test"].get_ydata(), [r["test_mse"].median for r in rows])
    np.testing.assert_allclose(plot.lines["dropout runs"].get_ydata(),
                               [r["test_mse"] for r in runs if r["varied"] == "dropout"])
    spread = hyperparameters.spread_of_medians(runs)
    assert spread["dropout"] == pytest.approx(max(r["test_mse"].median for r in rows)
                                              / min(r["test_mse"].median for r in rows))
    assert hyperparameters.spread_of_medians(runs, upto={"dropout": 0.0})["dropout"] == 1.0
    with pytest.raises(ValueError, match="upto"):
        hyperparameters.spread_of_medians(runs, upto={"momentum": 1.0})
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
    assert not (tmp_path / "exploding.partial.json").exists()


# --- the workflow loses nothing -----------------------------------------------------------

TINY_CLI = ["exploding", "--quiet", "--workers", "1",
            "--set", "steps=3", "seeds=[0]", "hidden_size=4", "lag=6"]


def test_write_results_needs_the_folder_named(tmp_path):
    """The package never picks a folder of the repository: the caller names it."""
    config = exploding.ExplodingConfig.reduced()
    with pytest.raises(TypeError, match="directory"):
        write_results("exploding", "cmd", config, [{"a": 1}], complete=True)
    with pytest.raises(TypeError, match="directory: expected a str or Path"):
        write_results("exploding", "cmd", config, [{"a": 1}], directory=None, complete=True)
    folder = str(tmp_path / "new")
    path = write_results("exploding", "cmd", config, [{"a": 1}], directory=folder, complete=True)
    assert path == tmp_path / "new" / "exploding.json" and load_results(path)["runs"] == [{"a": 1}]


def test_cli_writes_to_a_scratch_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    assert cli_main(TINY_CLI) == 0
    assert (tmp_path / "cache" / "lstm_edu" / "experiments" / "exploding.json").is_file()
    assert not (tmp_path / "book").exists()


def test_cli_publish_writes_to_the_books_folder_only_from_the_repository_root(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli_main([*TINY_CLI, "--publish"]) == 2
    assert "run from the repository root" in capsys.readouterr().err
    (tmp_path / "book" / "experiments" / "results").mkdir(parents=True)
    assert cli_main([*TINY_CLI, "--publish"]) == 0
    assert load_results(tmp_path / "book" / "experiments" / "results" / "exploding.json")["complete"] is True


@pytest.mark.parametrize("args, message", [
    (["nonsense"], "NAME: expected one of"),
    (["exploding", "--set", "bogus=1"], "--set: unknown field 'bogus'"),
    (["exploding", "--set", "steps"], "--set: expected FIELD=VALUE"),
    (["exploding", "--set", "steps=[1"], "--set: steps: expected a Python literal"),
    (["exploding", "--set", "lr=-1"], "exploding: lr: expected a finite number"),
    (["exploding", "--set", "steps=2.5"], "exploding: steps: expected an int >= 1, got float"),
    (["exploding", "--workers", "0"], "--workers: expected an int >= 1, got 0"),
    (["exploding", "--workers", "two"], "argument --workers: invalid int value"),
    (["exploding", "--publish", "--out", "x"], "not allowed with argument"),
])
def test_cli_misuse_is_one_line_and_exit_status_2(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cli_main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list(tmp_path.rglob("*.json"))  # nothing ran


def test_cli_checks_every_config_and_the_output_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli_main([*TINY_CLI, "--out", str(blocker / "results")]) == 2
    assert "--out: cannot write to" in capsys.readouterr().err
    # the second experiment's bad field is found before the first experiment runs
    assert cli_main(["exploding", "ablation", "--out", str(tmp_path), "--set", "steps=0"]) == 2
    assert not list(tmp_path.glob("*.json"))


def test_an_interrupted_run_keeps_the_previous_results(tmp_path, monkeypatch, capsys):
    args = [*TINY_CLI, "--out", str(tmp_path)]
    assert cli_main(args) == 0
    before = (tmp_path / "exploding.json").read_bytes()

    def interrupted(config, progress=None, workers=1):
        progress(0, {"clip_norm": None, "seed": 0, "loss": [1.0], "seconds": 0.1})
        raise KeyboardInterrupt

    monkeypatch.setattr(exploding, "run_exploding", interrupted)
    assert cli_main(args) == 130
    assert "exploding.json is unchanged" in capsys.readouterr().err
    assert (tmp_path / "exploding.json").read_bytes() == before
    partial = json.loads((tmp_path / "exploding.partial.json").read_text())
    assert partial["complete"] is False and partial["runs"] == [{"clip_norm": None, "seed": 0, "loss": [1.0]}]
    with pytest.raises(ValueError, match="unfinished run"):
        load_results(tmp_path / "exploding.partial.json")
    assert load_results(tmp_path / "exploding.partial.json", require_complete=False)["runs"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_results_is_atomic(tmp_path, monkeypatch):
    config = exploding.ExplodingConfig(seeds=(0,))
    path = write_results("exploding", "cmd", config, [{"a": 1}], directory=tmp_path, complete=True)
    before = path.read_bytes()

    def failing_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr("lstm_edu.experiments.common.os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_results("exploding", "cmd", config, [{"a": 2}], directory=tmp_path, complete=True)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["exploding.json"]


@pytest.mark.parametrize("make, message", [
    (lambda: exploding.ExplodingConfig(clip_norms=(None, -1.0)), "clip_norms"),
    (lambda: exploding.ExplodingConfig(gain="2"), "gain"),
    (lambda: forget_gate.ForgetGateConfig(biases=()), "biases"),
    (lambda: forget_gate.ForgetGateConfig(flow_lag=5), "flow_lag"),
    (lambda: forget_gate.ForgetGateConfig(test_length=10), "test_length"),
    (lambda: ablation.AblationConfig(variants=("V", "XYZ")), "variants"),
    (lambda: ablation.AblationConfig(chunk=0), "chunk"),
    (lambda: hyperparameters.HyperparameterConfig(dropouts=(1.5,)), "dropouts"),
    (lambda: hyperparameters.HyperparameterConfig(base=(16, 0.0, 0.01)), "base"),
    (lambda: hyperparameters.Setting(hidden_size=0), "hidden_size"),
    (lambda: continual.StreamTask(lr=float("nan")), "lr"),
])
def test_every_experiment_config_checks_its_fields(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_full_configs_use_at_least_ten_seeds():
    for config in (adding.AddingConfig(), forget_gate.ForgetGateConfig(), exploding.ExplodingConfig(),
                   ablation.AblationConfig(), hyperparameters.HyperparameterConfig()):
        assert len(config.seeds) >= 10, type(config).__name__


def test_used_parameters_are_those_that_receive_a_gradient():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 2)
    for name in ablation.VARIANTS_COMPARED:
        model = ablation.build_variant(name, 4)
        model(x).sum().backward()
        moving = sum(int((p.grad != 0).sum()) for p in model.parameters())
        assert ablation.used_parameters(model) == moving, name
    with pytest.raises(TypeError, match="model"):
        ablation.used_parameters(torch.nn.LSTM(2, 4))


def test_gru_update_bias_starts_the_gru_keeping_its_state():
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 3, 1)
    adding.set_gru_update_bias(model.layers[0], 30.0)
    x = torch.randn(2, 5, 2)
    h0 = torch.randn(1, 2, 3)
    with torch.no_grad():
        out, h = model.layers[0](x, h0)
    np.testing.assert_allclose(h.numpy(), h0.numpy(), atol=1e-6)  # z = 1: the state is kept
    bias = model.layers[0].bias_ih_l0[3:6].detach().numpy()
    assert (bias == 30.0).all() and (model.layers[0].bias_hh_l0[3:6].detach().numpy() == 0).all()
    config = adding.AddingConfig(lags=(6,), cells=("gru",), seeds=(0,), hidden_size=4, max_sequences=64,
                                 window=16, test_size=20, gru_update_bias=2.0)
    assert adding.train_adding("gru", 6, 0, config)["test_size"] == 20
    with pytest.raises(TypeError, match="gru"):
        adding.set_gru_update_bias(torch.nn.LSTM(2, 3), 1.0)
    with pytest.raises(ValueError, match="value"):
        adding.set_gru_update_bias(model.layers[0], float("inf"))


def test_plot_divergence_steps_shows_every_run():
    runs = [{"clip_norm": None, "seed": s, "diverged_at": d, "steps": d} for s, d in ((0, 29), (1, 31))]
    runs += [{"clip_norm": 1.0, "seed": s, "diverged_at": None, "steps": 600} for s in (0, 1, 2)]
    plot = exploding.plot_divergence_steps(runs)
    np.testing.assert_array_equal(plot.lines["no clipping"].get_xdata(), [29, 31])
    np.testing.assert_array_equal(plot.lines["clip at 1"].get_xdata(), [])
    np.testing.assert_array_equal(plot.lines["clip at 1 finished"].get_xdata(), [600, 600, 600])
    assert all(0.5 < y < 1.5 for y in plot.lines["clip at 1 finished"].get_ydata())


# --- short- and long-term memory ----------------------------------------------------------

def test_perturbation_response_follows_the_forget_gate():
    """With every forget gate fixed open (bias 30) and the other gates' weights zero, a nudge to
    C is carried along, so its effect on h lasts the whole horizon; with the gates shut (bias -30)
    it is multiplied by f = 0 at the next step and never felt, while a nudge to h still acts
    through the next step's gates."""
    from lstm_edu import from_torch
    from lstm_edu.experiments.memory_span import perturbation_response, span
    from lstm_edu.models import set_forget_bias

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    x = np.random.default_rng(0).normal(size=(40, 3))
    set_forget_bias(lstm, 30.0)
    kept = perturbation_response(from_torch(lstm), x, horizon=20, starts=5)
    assert kept.from_c.shape == (20,) and kept.starts == 5
    assert span(kept.from_c) == 20 and kept.from_c[-1] > 0.3 * kept.from_c[0]
    set_forget_bias(lstm, -30.0)
    shut = perturbation_response(from_torch(lstm), x, horizon=20, starts=5)
    assert shut.from_c.max() < 1e-9 and shut.from_h[0] > 1e-3
    with pytest.raises(ValueError, match="inputs"):
        perturbation_response(from_torch(lstm), x[:10], horizon=20)


def test_span_counts_steps_to_a_tenth():
    from lstm_edu.experiments.memory_span import PerturbationResponse, plot_responses, span

    assert span([1.0, 0.5, 0.2, 0.09, 0.05]) == 4
    assert span([1.0, 0.5, 0.2]) == 3  # never below a tenth within the horizon
    assert span([1.0, 0.6, 0.4], fraction=0.5) == 3
    with pytest.raises(ValueError, match="curve"):
        span([])
    response = PerturbationResponse(np.arange(1, 4), np.array([1.0, 0.1, 0.01]),
                                    np.array([0.2, 0.1, 0.05]), 7)
    plot = plot_responses({"trained, seed 0": response, "untrained, seed 0": response})
    np.testing.assert_allclose(plot.lines["trained, seed 0, C"].get_ydata(), [0.2, 0.1, 0.05])
    np.testing.assert_allclose(plot.lines["untrained, seed 0, h"].get_xdata(), [1, 2, 3])
