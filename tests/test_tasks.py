"""lstm_edu.tasks: the adding problem against each clause of Hochreiter & Schmidhuber (1997), Exp. 4."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_edu.tasks import (
    SOLVED_TOLERANCE,
    adding_problem,
    adding_target,
    as_tensors,
    continual_adding_stream,
    solved,
)

lags = st.integers(min_value=6, max_value=220)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _sequences(batch):
    """Yield (pairs (L, 2), padding, target, (p1, p2)) for each sequence of a batch."""
    for b in range(batch.inputs.shape[0]):
        length = batch.lengths[b]
        yield batch.inputs[b, :length], batch.inputs[b, length:], batch.targets[b, 0], tuple(batch.marked[b])


@settings(max_examples=60, deadline=None)
@given(lag=lags, seed=seeds)
def test_every_clause_of_the_specification(lag, seed):
    batch = adding_problem(lag, 16, np.random.default_rng(seed))
    assert batch.inputs.shape == (16, batch.lengths.max(), 2)
    for pairs, padding, target, (p1, p2) in _sequences(batch):
        length = len(pairs)
        values, markers = pairs[:, 0], pairs[:, 1]
        # length drawn from [T, T + T/10]
        assert lag <= length <= lag + lag // 10
        # x ~ U[-1, 1]
        assert np.all((values >= -1.0) & (values <= 1.0))
        # first mark among the first 10 pairs, second among the first T/2 - 1, not the same pair
        assert 0 <= p1 < 10 and 0 <= p2 < lag // 2 - 1 and p1 != p2
        # first and last pairs carry m = -1; the marks carry m = 1; everything else m = 0
        assert markers[0] == -1.0 and markers[-1] == -1.0
        expected = np.zeros(length)
        expected[[p1, p2]] = 1.0
        expected[0] = expected[-1] = -1.0
        np.testing.assert_array_equal(markers, expected)
        # target 0.5 + (X1 + X2)/4, with X := 0 for a mark on the first pair
        x1 = 0.0 if p1 == 0 else values[p1]
        x2 = 0.0 if p2 == 0 else values[p2]
        assert target == pytest.approx(0.5 + (x1 + x2) / 4, abs=1e-15)
        assert 0.0 <= target <= 1.0
        # zero padding after the end
        assert not np.any(padding)


@settings(max_examples=30, deadline=None)
@given(lag=st.integers(min_value=6, max_value=12), seed=seeds)
def test_short_lags_keep_the_last_pair_unmarked(lag, seed):
    """For T < 11 the first mark is never the last pair (which must carry m = -1)."""
    batch = adding_problem(lag, 32, np.random.default_rng(seed))
    assert np.all(batch.marked[:, 0] < batch.lengths - 1)


def test_distributions_cover_the_specified_ranges():
    """Over many draws: every allowed length and mark position occurs, values fill [-1, 1]."""
    lag = 100
    batch = adding_problem(lag, 4000, np.random.default_rng(0))
    assert set(batch.lengths.tolist()) == set(range(100, 111))
    assert set(batch.marked[:, 0].tolist()) == set(range(10))
    assert set(batch.marked[:, 1].tolist()) == set(range(49))
    values = np.concatenate([batch.inputs[b, :batch.lengths[b], 0] for b in range(200)])
    assert values.min() < -0.99 and values.max() > 0.99 and abs(values.mean()) < 0.02
    # the first pair is a mark in about 1/10 of sequences; X1 := 0 there
    first_marked = batch.marked[:, 0] == 0
    assert 0.07 < first_marked.mean() < 0.13
    assert np.all(batch.inputs[first_marked, 0, 1] == -1.0)


def test_same_seed_same_batch_and_seed_matters():
    a = adding_problem(30, 8, np.random.default_rng(5))
    b = adding_problem(30, 8, np.random.default_rng(5))
    c = adding_problem(30, 8, np.random.default_rng(6))
    np.testing.assert_array_equal(a.inputs, b.inputs)
    assert not np.array_equal(a.targets, c.targets)


def test_adding_target_first_pair_rule():
    values = np.array([0.8, -0.4, 0.2])
    assert adding_target(values, 0, 2) == pytest.approx(0.5 + 0.2 / 4)
    assert adding_target(values, 1, 2) == pytest.approx(0.5 + (-0.4 + 0.2) / 4)


def test_solved_uses_the_papers_tolerance():
    targets = np.array([[0.5], [0.5], [0.5]])
    predictions = np.array([[0.5 + 0.039], [0.5 - 0.041], [0.5]])
    assert SOLVED_TOLERANCE == 0.04
    np.testing.assert_array_equal(solved(predictions, targets), [[True], [False], [True]])
    with pytest.raises(ValueError, match="predictions"):
        solved(np.zeros(3), targets)


@settings(max_examples=20, deadline=None)
@given(lag=st.integers(min_value=6, max_value=40), extra=st.integers(0, 200), seed=seeds)
def test_continual_stream_is_concatenated_segments(lag, extra, seed):
    length = lag + lag // 10 + extra
    stream = continual_adding_stream(lag, length, 4, np.random.default_rng(seed))
    B, L, _ = stream.inputs.shape
    assert (B, L) == (4, length)
    assert stream.targets.shape == (B, L, 1) and stream.target_mask.shape == (B, L)
    for b in range(B):
        ends = stream.segment_ends[b]
        assert len(ends) >= 1 and ends[-1] < L
        np.testing.assert_array_equal(np.flatnonzero(stream.target_mask[b]), ends)
        markers = stream.inputs[b, :, 1]
        assert np.all(markers[ends] == -1.0)  # every segment ends with m = -1
        starts = np.concatenate([[0], ends[:-1] + 1])
        assert np.all(markers[starts] == -1.0)  # ... and starts with m = -1
        # what follows the last whole segment is the start of a cut one (no target)
        assert ends[-1] + 1 == L or markers[ends[-1] + 1] == -1.0
        for start, end in zip(starts, ends):  # each segment holds its own adding problem
            segment = stream.inputs[b, start:end + 1]
            assert lag <= len(segment) <= lag + lag // 10
            marks = np.flatnonzero(segment[:, 1] == 1.0)
            first_pair_mark = len(marks) == 1  # the other mark fell on the first pair
            x = segment[marks, 0].sum()
            assert stream.targets[b, end, 0] == pytest.approx(0.5 + x / 4, abs=1e-12)
            assert len(marks) == 2 or first_pair_mark
        assert not np.any(stream.targets[b, ~stream.target_mask[b]])


def test_as_tensors_keeps_integer_kinds():
    torch = pytest.importorskip("torch")
    batch = adding_problem(10, 3, np.random.default_rng(0))
    x, y, lengths = as_tensors(batch.inputs, batch.targets, batch.lengths, dtype=torch.float64)
    assert x.dtype == torch.float64 and lengths.dtype == torch.int64
    np.testing.assert_array_equal(x.numpy(), batch.inputs)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: adding_problem(5, 2, np.random.default_rng(0)), ValueError, "lag"),
        (lambda: adding_problem(10.0, 2, np.random.default_rng(0)), TypeError, "lag"),
        (lambda: adding_problem(10, 0, np.random.default_rng(0)), ValueError, "batch_size"),
        (lambda: adding_problem(10, 2, 0), TypeError, "rng"),
        (lambda: continual_adding_stream(10, 10, 2, np.random.default_rng(0)), ValueError, "length"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
