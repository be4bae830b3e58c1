"""lstm_edu.practice_runs and practice_summary: the jobs, one training, the summaries on
hand-made runs, and the stored results the chapter reads."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.practice_runs import DEPTHS, RunConfig, jobs, train_adding, with_lr_runs  # noqa: E402
from lstm_edu.practice_summary import (  # noqa: E402
    adding_rows,
    best_inside,
    compare_rows,
    flag_rows,
    plot_adding,
    plot_stream,
    plot_truncation,
)
from lstm_edu.stats import NO_DIFFERENCE  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "book" / "chapters" / "results" / "practice.json"


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_jobs_cover_every_setting_once():
    config = RunConfig()
    todo = jobs(config)
    assert len(todo) == len(set(todo)) == 5 * (len(DEPTHS) + len(config.lrs) - 1 + 6)
    assert ("lr", (0.01,), 0) not in todo  # the base rate is the one-layer depth run
    assert sum(1 for group, _, _ in todo if group == "largest") == 10


def test_train_adding_is_seeded_and_scores_in_range():
    config = RunConfig(seeds=(0,), steps=5, train_size=64, test_size=64)
    first = train_adding(config, 0, layers=2, dropout=0.25)
    assert first == train_adding(config, 0, layers=2, dropout=0.25)
    assert first["layers"] == 2 and first["dropout"] == 0.25 and first["lr"] == 0.01
    assert 0.0 <= first["test_solved"] <= 1.0 and first["test_mse"] > 0.0
    assert first["success"] is False  # five steps solve nothing


BAD_CONFIGS = [({"seeds": ()}, "seeds"), ({"lrs": (0.0,)}, "lr"), ({"lag": 3}, "lag"),
               ({"solved_fraction": 0.0}, "solved_fraction")]


@pytest.mark.parametrize("kwargs, words", BAD_CONFIGS)
def test_run_config_rejects_bad_values(kwargs, words):
    with pytest.raises((TypeError, ValueError), match=words):
        RunConfig(**kwargs)


def _run(group, seed, test_mse, success, layers=1, dropout=0.0, lr=0.01):
    return {"group": group, "layers": layers, "dropout": dropout, "lr": lr, "seed": seed,
            "test_mse": test_mse, "train_mse": test_mse / 2, "success": success}


def _hand_made_runs():
    runs = [_run("depth", s, v, v < 0.01) for s, v in enumerate([0.001, 0.002, 0.003, 0.05, 0.004])]
    runs += [_run("depth", s, v, True, layers=2) for s, v in enumerate([0.1, 0.2, 0.3, 0.4, 0.5])]
    runs += [_run("lr", s, v, False, lr=0.1) for s, v in enumerate([0.01, 0.02, 0.03, 0.04, 0.05])]
    runs += [_run("lr", s, v, False, lr=0.001) for s, v in enumerate([0.5, 0.6, 0.7, 0.8, 0.9])]
    return runs


def test_adding_rows_and_comparisons():
    rows = adding_rows(_hand_made_runs(), "depth")
    assert [row["setting"] for row in rows] == ["1 layer, dropout 0", "2 layers, dropout 0"]
    assert rows[0]["test_mse"].median == 0.003 and rows[0]["values"] == [0.001, 0.002, 0.003, 0.05, 0.004]
    assert (rows[0]["success"].successes, rows[1]["success"].successes) == (4, 5)
    assert rows[1]["train_mse"].median == 0.15
    words = compare_rows(rows)
    assert words[1] == {"setting": "2 layers, dropout 0", "mse": "higher", "success": NO_DIFFERENCE}
    assert words[0]["mse"] == NO_DIFFERENCE


def test_learning_rate_sweep_past_its_optimum():
    runs = _hand_made_runs()
    rows = adding_rows(with_lr_runs(runs, RunConfig()), "lr")
    assert [row["lr"] for row in rows] == [0.001, 0.01, 0.1]
    found = best_inside(rows)
    assert found["best"] == 0.01 and found["past"] and found["worse_after"]
    assert found["largest"] == 0.1 and found["largest_median"] == 0.03
    assert not best_inside(rows[:2])["past"]


def test_flag_rows_split_by_the_flag():
    runs = [{"group": "parity", "seed": s, "every_step": flag, "accuracy": acc}
            for s in range(3) for flag, acc in ((False, 0.5 + s / 100), (True, 1.0))]
    rows = flag_rows(runs, "parity", "accuracy")
    assert [row["name"] for row in rows] == ["seq-to-one", "seq-to-seq"]
    assert rows[0]["values"] == [0.5, 0.51, 0.52] and rows[1]["spread"].median == 1.0
    with pytest.raises(ValueError, match="measure"):
        flag_rows(runs, "parity", "loss")
    with pytest.raises(ValueError, match="group"):
        flag_rows(runs, "copy", "accuracy")
    with pytest.raises(ValueError, match="no run of group 'stream'"):
        flag_rows(runs, "stream", "accuracy")


def test_figures_draw_every_seed():
    runs = _hand_made_runs()
    plot = plot_adding(adding_rows(runs, "depth"), adding_rows(with_lr_runs(runs, RunConfig()), "lr"))
    assert len(plot.lines["depth seeds"].get_ydata()) == 10
    assert len(plot.lines["lr seeds"].get_ydata()) == 15
    np.testing.assert_allclose(plot.lines["lr median"].get_ydata(), [0.7, 0.003, 0.03])
    curve = plot_truncation({"k = 2": np.array([0.0, 0.5, 1.0])}).lines["k = 2"].get_ydata()
    np.testing.assert_allclose(curve, [0.05, 0.5, 1.0])
    assert plot_stream({"a": np.ones(4)}, 2).lines["a"].get_ydata().tolist() == [1.0] * 4


@pytest.mark.skipif(not RESULTS.is_file(), reason="no stored results yet")
def test_stored_results_support_what_the_chapter_says():
    stored = json.loads(RESULTS.read_text())
    assert stored["complete"] is True and stored["command"].startswith("python -m lstm_edu.practice_runs")
    config = RunConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in stored["config"].items()})
    assert len(stored["runs"]) == len(jobs(config)) and len(config.seeds) >= 5
    runs = stored["runs"]
    found = best_inside(adding_rows(with_lr_runs(runs, config), "lr"))
    assert found["past"] and found["worse_after"]  # the sweep extends past its optimum
    parity = flag_rows(runs, "parity", "accuracy")
    assert max(parity[0]["values"]) < min(parity[1]["values"])  # seq-to-seq learns, seq-to-one does not
    largest = flag_rows(runs, "largest", "step")
    causal = flag_rows(runs, "largest", "causal_step")[0]["values"]
    assert max(largest[0]["values"]) <= max(causal) + 0.005 < min(largest[1]["values"])
    whole = flag_rows(runs, "largest", "sequence")
    limit = max(flag_rows(runs, "largest", "causal_sequence")[0]["values"])
    assert max(whole[0]["values"]) < limit < min(whole[1]["values"])
    stream = flag_rows(runs, "stream", "first_mse")
    assert min(stream[0]["values"]) > 10 * max(stream[1]["values"])
