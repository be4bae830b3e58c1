"""Short-term and long-term memory: how long a change to ``h_t`` or to ``C_t`` is felt.

Olah's essay and the seeds call the hidden state ``h_t`` the LSTM's short-term memory and the
cell state ``C_t`` its long-term memory. This module makes the words measurable: at a step
``t0`` of a real input sequence, nudge one of the two states by a small random vector ``delta``
(``||delta|| = epsilon``), run the network on over the same inputs, and record how far the
hidden states ``h_{t0+k}`` -- what the next layer and the readout see -- move, relative to
``epsilon``. The curve against ``k`` says how long each kind of memory lasts in that network.

Computed with lstm_edu's numpy LSTM (``float64``), batched over many starting steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..plots import Plot
from .common import check_int, check_number, new_figure

__all__ = ["PerturbationResponse", "perturbation_response", "span", "plot_responses"]


@dataclass(frozen=True)
class PerturbationResponse:
    """Median over starting steps of ``||h'_{t0+k} - h_{t0+k}|| / epsilon`` for ``k = 1..K``.

    Attributes
    ----------
    steps : numpy.ndarray
        ``k = 1..K``.
    from_h, from_c : numpy.ndarray
        ``(K,)``: the effect of a nudge to ``h_{t0}`` and to ``C_{t0}``.
    starts : int
        How many starting steps the medians are over.
    """

    steps: np.ndarray
    from_h: np.ndarray
    from_c: np.ndarray
    starts: int


def perturbation_response(lstm, inputs, horizon: int = 200, starts: int = 64, epsilon: float = 1e-6,
                          seed: int = 0) -> PerturbationResponse:
    """How long a nudge to ``h_t`` or ``C_t`` changes the later hidden states.

    Parameters
    ----------
    lstm : lstm_edu.LSTM
        A batch-first numpy LSTM (e.g. ``lstm_edu.from_torch(model.lstm)``).
    inputs : array_like
        ``(T, D)`` float inputs of one sequence (for a character model, the embedded text).
    horizon : int, default 200
        ``K``, how many steps after the nudge to follow.
    starts : int, default 64
        Starting steps, spread evenly over the sequence (each needs ``K`` steps after it).
    epsilon : float, default 1e-6
        Size of the nudge (small: the response is the network's linear response).
    seed : int, default 0
        Seeds the random directions of the nudges.

    Returns
    -------
    PerturbationResponse
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 2:
        raise ValueError(f"inputs: expected shape (T, D), got {inputs.shape}")
    horizon = check_int("horizon", horizon)
    starts = check_int("starts", starts)
    epsilon = check_number("epsilon", epsilon, 0.0, 1.0, open_low=True)
    seed = check_int("seed", seed, minimum=0)
    T = inputs.shape[0]
    if T < horizon + 2:
        raise ValueError(f"inputs: expected at least horizon + 2 = {horizon + 2} steps, got {T}")
    trace = lstm.forward(inputs[None])  # (1, T, .)
    h_all, c_all = trace.h[0], trace.c[0]  # (T, H)
    t0 = np.unique(np.linspace(0, T - horizon - 1, starts).round().astype(int))  # (S,)
    windows = np.stack([inputs[t + 1:t + 1 + horizon] for t in t0])  # (S, K, D)
    h0, c0 = h_all[t0], c_all[t0]  # (S, H)
    direction = np.random.default_rng(seed).normal(size=h0.shape)
    delta = epsilon * direction / np.linalg.norm(direction, axis=1, keepdims=True)  # (S, H)
    clean = lstm.forward(windows, h0, c0).h  # (S, K, H)

    def effect(h_start, c_start):
        moved = lstm.forward(windows, h_start, c_start).h
        return np.median(np.linalg.norm(moved - clean, axis=2) / epsilon, axis=0)  # (K,)

    return PerturbationResponse(np.arange(1, horizon + 1), effect(h0 + delta, c0), effect(h0, c0 + delta),
                                len(t0))


def span(curve, fraction: float = 0.1) -> int:
    """Steps until ``curve`` (an effect against ``k = 1..K``) first falls below ``fraction`` of
    its value at ``k = 1``; ``K`` if it never does within the horizon."""
    curve = np.asarray(curve, dtype=np.float64)
    if curve.ndim != 1 or curve.size == 0 or not np.isfinite(curve).all():
        raise ValueError(f"curve: expected a non-empty 1-d array of finite values, got shape {curve.shape}")
    fraction = check_number("fraction", fraction, 0.0, 1.0, open_low=True)
    below = np.flatnonzero(curve < fraction * curve[0])
    return int(below[0]) + 1 if below.size else int(curve.size)


def plot_responses(responses: dict, ax=None) -> Plot:
    """Every network's two curves (log scale): solid for a nudge to ``C``, dashed for ``h``.

    Parameters
    ----------
    responses : dict of str to PerturbationResponse
        Keyed by a label such as ``"trained, seed 0"`` or ``"untrained, seed 0"``; labels that
        start with "untrained" are drawn in grey.

    Returns
    -------
    Plot
        ``lines[label + ", C"]`` and ``lines[label + ", h"]``.
    """
    if not responses:
        raise ValueError("responses: expected at least one response, got none")
    figure, ax = new_figure(ax, (6.4, 3.4))
    lines = {}
    for label, response in responses.items():
        colour = "#888888" if label.startswith("untrained") else "#1f5fa8"
        (lines[f"{label}, C"],) = ax.plot(response.steps, response.from_c, color=colour, linewidth=1.2,
                                          alpha=0.7)
        (lines[f"{label}, h"],) = ax.plot(response.steps, response.from_h, color=colour, linewidth=1.2,
                                          alpha=0.7, linestyle="--")
    ax.set_yscale("log")
    ax.set_xlabel("steps $k$ after the nudge")
    ax.set_ylabel(r"$\|\Delta h_{t_0+k}\| \,/\, \varepsilon$")
    ax.plot([], [], color="#1f5fa8", label="trained, nudge to $C_{t_0}$")
    ax.plot([], [], color="#1f5fa8", linestyle="--", label="trained, nudge to $h_{t_0}$")
    ax.plot([], [], color="#888888", label="untrained (same size)")
    figure.legend(loc="outside right upper", fontsize=8)
    return Plot(figure, (ax,), lines, name="perturbation responses")
