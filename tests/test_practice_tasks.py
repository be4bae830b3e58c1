"""lstm_edu.practice_tasks: the largest-element and parity tasks, the causal guess, training."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.practice_tasks import (  # noqa: E402
    ToyConfig,
    causal_guess,
    largest_element_task,
    parity_task,
    score_largest,
    score_parity,
    train_toy,
)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_largest_element_task_marks_one_maximum_per_sequence():
    x, y = largest_element_task(7, 50, np.random.default_rng(0))
    assert x.shape == (50, 7, 1) and y.shape == (50, 7)
    np.testing.assert_array_equal(y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(y.argmax(axis=1), x[..., 0].argmax(axis=1))


def test_causal_guess_by_hand():
    x = np.array([[0.3, 0.9, 0.2, 0.95]])[..., None]  # T = 4
    # step 0: 0.3**3 < 1/2; step 1: best so far, 0.9**2 = 0.81 > 1/2; step 2: not best so far;
    # step 3: best so far and nothing to come
    np.testing.assert_array_equal(causal_guess(x), [[0.0, 1.0, 0.0, 1.0]])


def test_causal_guess_matches_its_probability_by_simulation():
    """On a large sample its step accuracy for T = 10 is about 0.962, and fewer than 70 % of
    sequences come out right at every step: a left-to-right reader must guess."""
    x, y = largest_element_task(10, 200_000, np.random.default_rng(1))
    accuracy = float((causal_guess(x) == y).mean())
    assert 0.955 < accuracy < 0.968
    assert float((causal_guess(x) == y).all(axis=1).mean()) < 0.7


def test_parity_task_is_the_running_parity():
    x, y = parity_task(6, 3, np.random.default_rng(2))
    assert x.shape == (3, 6, 1) and y.shape == (3, 6)
    np.testing.assert_array_equal(y, np.cumsum(x[..., 0], axis=1) % 2)


def test_model_configs_follow_the_task():
    assert ToyConfig(task="largest", bidirectional=True).model_config().bidirectional
    assert ToyConfig(task="largest", every_step=False).model_config().readout == "all"
    assert ToyConfig(task="parity", every_step=False).model_config().readout == "last"
    assert not ToyConfig(task="parity", bidirectional=True).model_config().bidirectional


def test_parity_is_learned_from_every_step_and_not_from_the_last_alone():
    seq2seq = ToyConfig(task="parity", length=12, every_step=True, steps=200, seed=0)
    seq2one = ToyConfig(task="parity", length=12, every_step=False, steps=200, seed=0)
    assert score_parity(train_toy(seq2seq), seq2seq, batch_size=500) > 0.99
    assert 0.4 < score_parity(train_toy(seq2one), seq2one, batch_size=500) < 0.6


def test_bidirectional_beats_the_causal_limit_and_unidirectional_does_not():
    uni = ToyConfig(task="largest", length=8, steps=400, lr=3e-2, seed=0)
    bi = ToyConfig(task="largest", length=8, steps=400, lr=3e-2, seed=0, bidirectional=True)
    uni_score = score_largest(train_toy(uni), uni, batch_size=1000)
    bi_score = score_largest(train_toy(bi), bi, batch_size=1000)
    assert uni_score["step"] <= uni_score["causal_step"] + 0.005
    assert bi_score["step"] > bi_score["causal_step"] + 0.005
    assert bi_score["sequence"] > uni_score["causal_sequence"] + 0.05


@pytest.mark.parametrize("call, error, words", [
    (lambda: largest_element_task(0, 2, np.random.default_rng(0)), ValueError, "length"),
    (lambda: parity_task(3, 2, rng=None), TypeError, "rng"),
    (lambda: causal_guess(np.zeros((2, 3))), ValueError, "x"),
    (lambda: ToyConfig(task="copy"), ValueError, "task"),
    (lambda: ToyConfig(every_step=0), TypeError, "every_step"),
    (lambda: ToyConfig(steps=-1), ValueError, "steps"),
    (lambda: ToyConfig(seed=1.5), TypeError, "seed"),
    (lambda: train_toy("largest"), TypeError, "config"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
