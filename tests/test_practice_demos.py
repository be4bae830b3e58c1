"""lstm_edu.practice_demos: packing, truncated BPTT, stateful training of a stream."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.practice_demos import (  # noqa: E402
    StreamConfig,
    echo_stream,
    packing_demo,
    stream_errors,
    train_stream,
    truncated_gradient_norms,
)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_packing_gives_each_sequence_its_own_final_state():
    demo = packing_demo(lengths=(6, 4, 2), hidden_size=3, seed=0)
    assert demo.padded.shape == demo.packed.shape == demo.alone.shape == (3, 3)
    padded_error, packed_error = demo.differences()
    assert np.all(packed_error < 1e-6)  # float32 rounding only
    assert padded_error[0] < 1e-6  # the longest sequence has no padding
    assert np.all(padded_error[1:] > 1e-2)  # the others read zeros after their end


def test_packing_demo_with_equal_lengths_needs_no_packing():
    padded_error, _ = packing_demo(lengths=(5, 5), seed=3).differences()
    assert np.all(padded_error < 1e-6)


@pytest.mark.parametrize("steps, chunk, first",
                         [(30, 10, 20), (25, 10, 20), (12, 5, 10), (9, 9, 0), (9, 40, 0)])
def test_truncated_gradient_reaches_only_the_last_chunk(steps, chunk, first):
    norms = truncated_gradient_norms(steps=steps, chunk=chunk, hidden_size=4, seed=1)
    assert norms.shape == (steps,)
    assert np.all(norms[:first] == 0.0)
    assert np.all(norms[first:] > 0.0)


def test_full_bptt_gradient_equals_the_last_chunk_of_truncated_one():
    """Within the last chunk truncation changes nothing: the same values as full BPTT."""
    full = truncated_gradient_norms(steps=30, chunk=30, seed=2)
    truncated = truncated_gradient_norms(steps=30, chunk=10, seed=2)
    np.testing.assert_allclose(truncated[20:], full[20:], rtol=1e-5)
    assert full[:20].min() > 0.0


def test_echo_stream_is_the_input_delayed():
    x, y = echo_stream(12, 3, 2, np.random.default_rng(0))
    assert x.shape == y.shape == (2, 12, 1)
    np.testing.assert_array_equal(y[:, 3:], x[:, :-3])
    np.testing.assert_array_equal(y[:, :3], 0.0)
    _, y_long = echo_stream(4, 6, 1, np.random.default_rng(0))
    np.testing.assert_array_equal(y_long, 0.0)


def test_stateful_training_echoes_across_chunk_boundaries():
    """Stateless: the first `delay` steps of a chunk cannot be echoed (error ~ Var U[-1,1] = 1/3);
    stateful: every position is echoed."""
    stateful = StreamConfig(stateful=True, chunk=8, delay=3, updates=200, seed=0)
    stateless = StreamConfig(stateful=False, chunk=8, delay=3, updates=200, seed=0)
    with_state = stream_errors(train_stream(stateful), stateful, chunks=10, batch_size=32)
    without = stream_errors(train_stream(stateless), stateless, chunks=10, batch_size=32)
    assert with_state.shape == without.shape == (8,)
    assert with_state.max() < 0.05
    assert np.all((without[:3] > 0.25) & (without[:3] < 0.45))
    assert without[3:].max() < 0.05


@pytest.mark.parametrize("call, error, words", [
    (lambda: packing_demo(lengths=(3, 0)), ValueError, "lengths"),
    (lambda: packing_demo(lengths=(2.0, 1.0)), ValueError, "lengths"),
    (lambda: packing_demo(hidden_size=0), ValueError, "hidden_size"),
    (lambda: packing_demo(seed=-1), ValueError, "seed"),
    (lambda: truncated_gradient_norms(chunk=0), ValueError, "chunk"),
    (lambda: truncated_gradient_norms(steps=2.5), TypeError, "steps"),
    (lambda: echo_stream(10, 2, 1, rng=0), TypeError, "rng"),
    (lambda: StreamConfig(stateful="yes"), TypeError, "stateful"),
    (lambda: StreamConfig(lr=0), ValueError, "lr"),
    (lambda: train_stream({"chunk": 3}), TypeError, "config"),
    (lambda: stream_errors("model", StreamConfig()), TypeError, "model"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
