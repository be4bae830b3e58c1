"""Shared fixtures for the numerical-core tests (cells, bptt, torch bridge, properties)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded numpy generator, fresh for each test."""
    return np.random.default_rng(20240601)


@pytest.fixture(scope="session")
def torch():
    """torch in float64 on one thread (skips the test when torch is missing)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.fixture
def loss_weights(rng):
    """Factory: random upstream gradients (dh, dh_T, dc_T) defining L = sum(dh*h) + ...

    ``loss_weights(T, B, H)`` returns time-major ``dh`` (T, B, H), ``dh_T`` and ``dc_T`` (B, H).
    """
    def make(T, B, H):
        return rng.normal(size=(T, B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))

    return make
