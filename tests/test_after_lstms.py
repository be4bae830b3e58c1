"""The command behind the chapter "After LSTMs" (lstm_edu.after_lstms), at toy sizes."""
import pytest

from lstm_edu.after_lstms import AfterConfig, load_after, run_scaling, train_adding_model

TINY = AfterConfig(adding_steps=20, adding_lags=(10,), test_size=40, scaling_lengths=(8, 16),
                   scaling_repeats=1)


def test_adding_run_reports_a_share_of_solved_test_sequences():
    run = train_adding_model("transformer", 10, 0, TINY)
    assert run["kind"] == "transformer" and run["lag"] == 10 and run["seed"] == 0
    assert 0.0 <= run["test_solved"] <= 1.0
    assert run["success"] == (run["test_solved"] >= 0.95)
    assert train_adding_model("transformer", 10, 0, TINY)["test_solved"] == run["test_solved"]  # seeded


def test_scaling_counts_attention_memory_quadratically():
    rows = run_scaling(TINY)
    assert [r["length"] for r in rows] == [8, 16]
    assert rows[1]["attention_bytes"] == 4 * rows[0]["attention_bytes"] == 4 * 2 * 8 * 4 * 8 ** 2 * 4
    assert rows[1]["lstm_state_bytes"] == 2 * rows[0]["lstm_state_bytes"]
    assert all(r["lstm_seconds"] > 0 and r["transformer_seconds"] > 0 for r in rows)


def test_bad_config_and_missing_results_are_named(tmp_path):
    with pytest.raises(ValueError, match="adding_steps"):
        AfterConfig(adding_steps=0)
    with pytest.raises(ValueError, match="kind"):
        train_adding_model("gru", 10, 0, TINY)
    with pytest.raises(FileNotFoundError, match="after_lstms"):
        load_after(tmp_path / "none.json")


def test_adding_rows_count_successes_with_wilson_intervals():
    from lstm_edu.after_lstms_plots import adding_rows, plot_adding

    runs = [{"kind": kind, "lag": 25, "seed": seed, "test_solved": solved, "success": solved >= 0.95}
            for kind, values in (("lstm", [0.2, 0.96, 0.3]), ("transformer", [0.99, 0.97, 0.98]))
            for seed, solved in enumerate(values)]
    rows = adding_rows(runs)
    assert [(r["kind"], r["rate"].successes, r["rate"].trials) for r in rows] == [("lstm", 1, 3),
                                                                                   ("transformer", 3, 3)]
    assert rows[1]["rate"].low == pytest.approx(0.4385, abs=1e-3)  # Wilson, 3 of 3
    assert rows[0]["solved"] == [0.2, 0.96, 0.3]
    assert len(plot_adding(runs, 0.95).axes[0].collections) == 2
    with pytest.raises(ValueError, match="runs"):
        adding_rows([])


def test_translation_rows_group_every_seed():
    from lstm_edu.after_lstms_plots import translation_rows

    runs = [{"attention": a, "test_chrf_by_length": {"3-5": v, "6-8": v + 1}}
            for a, v in ((True, 5.0), (False, 4.0), (True, 6.0))]
    stored = [{"test_chrf_by_length": {"3-5": 9.0, "6-8": 8.0}}]
    assert translation_rows(runs, stored) == {
        "3-5": {"attention": [5.0, 6.0], "plain": [4.0], "stored": [9.0]},
        "6-8": {"attention": [6.0, 7.0], "plain": [5.0], "stored": [8.0]}}


def test_timing_arguments_are_checked():
    from lstm_edu.after_lstms import time_forward_backward
    from lstm_edu.transformer_small import TransformerRegressor

    with pytest.raises(ValueError, match="length"):
        time_forward_backward(TransformerRegressor(), 0, 2, 1)
    with pytest.raises(TypeError, match="model"):
        time_forward_backward("lstm", 8, 2, 1)
    with pytest.raises(ValueError, match="lag"):
        train_adding_model("lstm", 3, 0, TINY)
