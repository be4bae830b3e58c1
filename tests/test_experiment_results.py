"""The stored full-scale results (book/experiments/results) and the claims the pages make of them.

Each experiment page inserts its numbers from these files (glue) but states some comparisons in
words; the tests below assert, on the stored results, the direction of every such statement, so
that a re-run whose results no longer support a sentence fails here until the text is revised.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from lstm_edu.experiments import ablation, adding, exploding, forget_gate, hyperparameters  # noqa: E402
from lstm_edu.experiments.common import load_results  # noqa: E402
from lstm_edu.stats import NO_DIFFERENCE, compare_intervals  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "book" / "experiments" / "results"
NAMES = ("adding", "forget_gate", "exploding", "ablation", "hyperparameters")


@pytest.mark.parametrize("name", NAMES)
def test_stored_results_are_complete_full_runs_with_ten_seeds(name):
    results = load_results(RESULTS / f"{name}.json")  # refuses complete: false
    assert results["complete"] is True and "--full" in results["command"]
    assert len(results["config"]["seeds"]) >= 10
    assert set(results["versions"]) == {"python", "numpy", "torch"}
    assert not (RESULTS / f"{name}.partial.json").exists()


def _adding_rates():
    rows = adding.summarise(load_results(RESULTS / "adding.json")["runs"])
    return {(row["cell"], row["lag"]): row["met_criterion"] for row in rows}


def test_adding_rnn_never_meets_the_criterion_and_gated_cells_do():
    rate = _adding_rates()
    gated = ("LSTM", "GRU", "LSTM 1997 (no forget gate)")
    assert all(rate[("RNN", lag)].successes == 0 for lag in (10, 25, 50, 100))
    assert all(rate[(cell, lag)].successes == rate[(cell, lag)].trials for cell in gated for lag in (10, 25))
    assert all(rate[(cell, 50)].rate >= 0.5 for cell in gated)


def test_adding_headline_comparisons():
    rate = _adding_rates()
    assert compare_intervals(rate[("LSTM", 50)], rate[("RNN", 50)]) == "higher"
    assert rate[("LSTM", 100)].successes > rate[("RNN", 100)].successes  # the direction holds ...
    # ... the intervals do not
    assert compare_intervals(rate[("LSTM", 100)], rate[("RNN", 100)]) == NO_DIFFERENCE
    for lag in (10, 25, 50, 100):  # "today's LSTM does no better here than the 1997 cell"
        old = rate[("LSTM 1997 (no forget gate)", lag)]
        assert compare_intervals(rate[("LSTM", lag)], old) == NO_DIFFERENCE
    assert compare_intervals(rate[("LSTM", 50)], rate[("GRU", 50)]) == NO_DIFFERENCE


def test_forget_gate_headline_comparisons():
    runs = load_results(RESULTS / "forget_gate.json")["runs"]
    rate = {(r["lag"], r["forget_bias"]): r["met_criterion"]
            for r in forget_gate.speed_table([r for r in runs if r["part"] == "speed"])}
    assert compare_intervals(rate[(50, 4.0)], rate[(50, 1.0)]) == "higher"
    assert compare_intervals(rate[(25, 1.0)], rate[(25, 0.0)]) == "higher"
    continual = [r for r in runs if r["part"] == "continual"]
    c_with = np.median([r["c_last"] for r in continual if r["variant"] == "vanilla"])
    c_without = np.median([r["c_last"] for r in continual if r["variant"] == "nfg"])
    assert c_without > 100 * c_with
    assert min(r["solved_last"] for r in continual if r["variant"] == "vanilla") > max(
        r["solved_last"] for r in continual if r["variant"] == "nfg")
    markers = forget_gate.forget_at_markers(continual)
    lower = [r["f elsewhere"] - r["f at markers"] for r in markers]
    # lower, "by a few hundredths"
    assert sum(d > 0 for d in lower) > len(lower) / 2 and np.median(lower) < 0.1


def test_exploding_headline_comparison():
    free, clipped = exploding.summarise(load_results(RESULTS / "exploding.json")["runs"])
    assert compare_intervals(free["diverged"], clipped["diverged"]) == "higher"
    assert clipped["diverged"].successes == 0 and clipped["peak_grad_norm"].median > 100


def test_ablation_headline_comparisons():
    results = load_results(RESULTS / "ablation.json")
    rows = ablation.summarise(results["runs"])
    assert ablation.compare_with(rows, "higher") == ["NFG"]
    assert ablation.compare_with(rows, "lower") == []
    config = ablation.AblationConfig(lag=results["config"]["lag"],
                                     test_length=results["config"]["test_length"])
    baseline = ablation.mean_predictor_mse(config)
    # "as good as V in most seeds, but ..."
    assert 1 <= ablation.learned_little(results["runs"], baseline)["NOAF"] < 5
    used = {row["variant"]: row["parameters"] for row in rows}
    assert used["CIFG"] < used["NP"] < used["V"]


def test_hyperparameter_headline_comparisons():
    runs = load_results(RESULTS / "hyperparameters.json")["runs"]
    spread = hyperparameters.spread_of_medians(runs)
    # "the order is the same" as Greff et al.'s
    assert spread["lr"] > spread["hidden_size"] > spread["dropout"]
    rows = hyperparameters.summarise(runs, "lr")
    best = min(rows, key=lambda row: row["test_mse"].median)["lr"]
    assert min(r["lr"] for r in rows) < best < max(r["lr"] for r in rows)  # the grid extends past the optimum
    assert hyperparameters.spread_of_medians(runs, upto={"lr": 0.1})["lr"] < spread["hidden_size"]
