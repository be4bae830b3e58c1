"""The command behind the chapter "After LSTMs" (lstm_edu.after_lstms), at toy sizes."""
import pytest

from lstm_edu.after_lstms import AfterConfig, load_after, run_scaling, train_adding_model

TINY = AfterConfig(adding_steps=20, adding_lags=(10,), test_size=40, scaling_lengths=(8, 16), scaling_repeats=1)


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
