"""Checks of the backward pass for chapter 4b: finite differences, torch autograd, the cell path.

The chapter derives the LSTM's gradients (:mod:`lstm_edu.backward_reference`) and then
checks them three ways: against central finite differences of the loss, against torch
autograd on a ``torch.nn.LSTM`` with the same weights, and, for the cell state, by
comparing the measured Jacobian dC_T/dC_t with the product of forget gates that the
derivation predicts for the direct path. The loss is always
``L = sum_t dh_t . h_t + dc_T . C_T`` with fixed ``dh`` (T, B, H) and ``dc_T`` (B, H), so
dL/dh_t from the loss is exactly ``dh_t``.

torch is imported only by :func:`torch_lstm_gradients`.
"""
from __future__ import annotations

import numpy as np

from .backward_reference import backward_step, check_seeds_lstm, reference_backward, upstream_gradient
from .sequence import LSTM, Trace
from .validation import as_float_array, check_finite_real, check_shape

__all__ = ["loss_value", "central_difference", "torch_lstm_gradients", "forget_products",
           "cell_jacobians", "cell_path_norms", "plot_cell_paths"]


def _check_sequence(D, H, x, dh, h0, c0, dc_T):
    """Validated float64 arrays x (T,B,D), dh (T,B,H), h0, c0, dc_T (B,H) (zeros if None)."""
    x = as_float_array("x", x, np.float64)
    check_shape("x", x, ("T", "B", D))
    T, B, _ = x.shape
    dh = upstream_gradient("dh", dh, (T, B, H), np.float64)
    h0, c0, dc_T = (upstream_gradient(name, value, (B, H), np.float64)
                    for name, value in (("h0", h0), ("c0", c0), ("dc_T", dc_T)))
    return x, dh, h0, c0, dc_T


def loss_value(model, x, dh, h0=None, c0=None, dc_T=None) -> float:
    """L = sum_t dh_t . h_t + dc_T . C_T: the loss whose gradient the chapter checks."""
    check_seeds_lstm(model)
    x, dh, h0, c0, dc_T = _check_sequence(model.input_size, model.hidden_size, x, dh, h0,
                                          c0, dc_T)
    trace = model.forward(x, h0=h0, c0=c0)
    tm = trace.time_major
    return float(np.sum(dh * tm.h) + np.sum(dc_T * tm.c[-1]))


_INPUTS = ("x", "h0", "c0")


def central_difference(model, x, dh, wrt: str, index: tuple, eps: float = 1e-6, h0=None,
                       c0=None, dc_T=None) -> float:
    """(L(v + eps) - L(v - eps)) / (2 eps) for one entry v of a parameter or an input.

    ``wrt`` names a parameter (``"W_x"``, ``"W_h"``, ``"b"``) or an input (``"x"``,
    ``"h0"``, ``"c0"``); ``index`` is the entry's index in that array (time-major for x).
    The error of a central difference is of order eps^2 (plus rounding, of order 1e-16/eps).
    """
    check_seeds_lstm(model)
    x, dh, h0, c0, dc_T = _check_sequence(model.input_size, model.hidden_size, x, dh, h0,
                                          c0, dc_T)
    eps = check_finite_real("eps", eps)
    if eps <= 0:
        raise ValueError(f"eps: expected a positive step, got {eps}")
    arrays = {"x": x, "h0": h0, "c0": c0, **model.params.arrays()}
    if not isinstance(wrt, str) or wrt not in arrays:
        raise ValueError(f"wrt: expected one of {', '.join(map(repr, arrays))}, got {wrt!r}")
    shape = arrays[wrt].shape
    if (not isinstance(index, tuple) or len(index) != len(shape)
            or not all(isinstance(k, (int, np.integer)) and 0 <= k < n for k, n in zip(index, shape))):
        raise ValueError(f"index: expected a tuple of {len(shape)} ints within shape {shape}, "
                         f"got {index!r}")
    values = []
    for sign in (1.0, -1.0):
        shifted = {name: array.copy() for name, array in arrays.items()}
        shifted[wrt][index] += sign * eps
        params = type(model.params)(**{k: v for k, v in shifted.items() if k not in _INPUTS})
        values.append(loss_value(LSTM(model.cfg, params), shifted["x"], dh, shifted["h0"],
                                 shifted["c0"], dc_T))
    return (values[0] - values[1]) / (2.0 * eps)


def torch_lstm_gradients(module, x, dh, h0=None, c0=None, dc_T=None) -> dict:
    """Gradients of the same loss from torch autograd, for a float64 ``torch.nn.LSTM``.

    The loss is ``(output * dh).sum() + (c_n * dc_T).sum()``. Returns numpy arrays in
    lstm_edu's layout: ``W_x`` (D, 4H) and ``W_h`` (H, 4H) (torch's weights transposed),
    ``b_ih`` and ``b_hh`` (each receives the whole bias gradient: the two only appear summed),
    ``x`` (T, B, D), ``h0`` and ``c0`` (B, H).
    """
    import torch

    if not isinstance(module, torch.nn.LSTM):
        raise TypeError(f"module: expected a torch.nn.LSTM, got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or module.batch_first or not module.bias \
            or module.proj_size or module.weight_ih_l0.dtype != torch.float64:
        raise ValueError("module: expected a one-layer, unidirectional, time-major float64 "
                         f"nn.LSTM with biases, got {module}")
    x, dh, h0, c0, dc_T = _check_sequence(module.input_size, module.hidden_size, x, dh, h0,
                                          c0, dc_T)
    leaves = {name: torch.tensor(value, requires_grad=True)
              for name, value in (("x", x), ("h0", h0), ("c0", c0))}
    module.zero_grad()
    output, (_, c_n) = module(leaves["x"], (leaves["h0"][None], leaves["c0"][None]))
    loss = (output * torch.from_numpy(dh)).sum() + (c_n[0] * torch.from_numpy(dc_T)).sum()
    loss.backward()
    grads = {"W_x": module.weight_ih_l0.grad.numpy().T.copy(),
             "W_h": module.weight_hh_l0.grad.numpy().T.copy(),
             "b_ih": module.bias_ih_l0.grad.numpy().copy(),
             "b_hh": module.bias_hh_l0.grad.numpy().copy()}
    grads.update({name: leaf.grad.numpy().copy() for name, leaf in leaves.items()})
    return grads


def forget_products(trace) -> np.ndarray:
    """f_{t+1} * ... * f_T for t = 1..T, time-major (T, B, H): the direct path dC_T/dC_t.

    Along the cell state alone, dC_t/dC_{t-1} = diag(f_t), so the direct path from C_t to
    C_T is the diagonal matrix of these products; entry T - 1 (t = T) is all ones.
    """
    if not isinstance(trace, Trace) or trace.kind != "lstm":
        raise TypeError(f"trace: expected an LSTM Trace, got {type(trace).__name__}"
                        + (f" of kind {trace.kind!r}" if isinstance(trace, Trace) else ""))
    H = trace.time_major.h.shape[2]
    f = trace.time_major.gates[:, :, H:2 * H]                           # (T, B, H)
    later = np.concatenate([f[1:], np.ones_like(f[:1])])                # f_{t+1}, then 1
    return np.cumprod(later[::-1], axis=0)[::-1]                        # (T, B, H)


def _direct_path(model, trace, rows: np.ndarray) -> np.ndarray:
    """dC_T/dC_t along the cell state alone: (B10) step by step, the h_t route cut (dh = 0)."""
    tm = trace.time_major
    T, _, H = tm.h.shape
    gates = {name: tm.gates[:, :, k * H:(k + 1) * H] for k, name in enumerate("ifgo")}
    c_prev = np.concatenate([tm.c0[None], tm.c[:-1]])                  # (T, B*H, H)
    jacobians = np.empty((T,) + rows.shape)                            # (T, B*H, H)
    jacobians[-1] = rows
    for t in range(T - 1, 0, -1):
        step = backward_step({k: v[t] for k, v in gates.items()}, c_prev[t], tm.c[t],
                             np.zeros_like(rows), jacobians[t], model.params.W_h)
        jacobians[t - 1] = step.dc_prev                                # (B10)
    return jacobians


def cell_jacobians(model, x, paths: str = "all") -> np.ndarray:
    """The Jacobians dC_T/dC_t for t = 1..T, (T, B, H, H), from the chapter's backward step.

    Row k of entry t is dC_{T,k}/dC_t: the backward pass of the loss L = C_{T,k}.

    Parameters
    ----------
    model : LSTM
        The seeds' LSTM.
    x : array_like, (T, B, D) time-major
    paths : {"all", "direct"}, default "all"
        "all": every path, computed by :func:`reference_backward`: the direct one and those
        through h_t = o_t * tanh(C_t) into the gates of later steps (the convention of
        ``jacobian_norms(..., of="c", wrt="c")``). "direct": the cell state alone, the
        backward pass with the route through h_t cut; it equals diag(f_{t+1} ... f_T).
    """
    check_seeds_lstm(model)
    x = as_float_array("x", x, model.dtype)
    check_shape("x", x, ("T", "B", model.input_size))
    if paths not in ("all", "direct"):
        raise ValueError(f"paths: expected 'all' or 'direct', got {paths!r}")
    T, B, _ = x.shape
    H = model.hidden_size
    trace = model.forward(np.repeat(x, H, axis=1))                     # (T, B*H, .)
    rows = np.tile(np.eye(H, dtype=model.dtype), (B, 1))               # (B*H, H): row b*H+k = e_k
    if paths == "direct":
        return _direct_path(model, trace, rows).reshape(T, B, H, H)
    grads = reference_backward(model, trace, dc_T=rows)
    return grads.dloss_dc.reshape(T, B, H, H)


def cell_path_norms(model, x) -> tuple[np.ndarray, np.ndarray]:
    """Spectral norms of dC_T/dC_t for t = 1..T, averaged over the batch: (direct, all paths).

    The direct path is diag(f_{t+1} ... f_T), whose spectral norm is the largest of the H
    products; "all paths" adds the routes through h_t (see :func:`cell_jacobians`).
    """
    norms = [np.linalg.norm(cell_jacobians(model, x, paths), ord=2, axis=(2, 3)).mean(axis=1)
             for paths in ("direct", "all")]
    return norms[0], norms[1]


def plot_cell_paths(curves: dict):
    """||dC_T/dC_t|| against t, log scale: the direct path dashed, all paths solid, per bias.

    ``curves`` maps a forget bias to ``(direct, all_paths)`` from :func:`cell_path_norms`.
    Returns a :class:`~lstm_edu.plots.Plot` whose ``lines`` are keyed ``"direct, b_f=1"``
    and ``"all paths, b_f=1"``; x data are the steps 1..T.
    """
    from matplotlib.figure import Figure

    from .plots import Plot

    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves: expected a non-empty dict bias -> (direct, all), got {curves!r}")
    figure = Figure(figsize=(7.0, 3.4), dpi=80, layout="constrained")
    ax = figure.add_subplot()
    lines = {}
    for colour, (bias, (direct, full)) in zip(("#d95f02", "#7570b3", "#1b9e77"), curves.items()):
        steps = np.arange(1, len(direct) + 1)
        (lines[f"all paths, b_f={bias:g}"],) = ax.plot(steps, full, color=colour, linewidth=2,
                                                       label=f"all paths, $b_f = {bias:g}$")
        (lines[f"direct, b_f={bias:g}"],) = ax.plot(steps, direct, color=colour, linewidth=2,
                                                    linestyle="--",
                                                    label=rf"$\prod f$ (direct), $b_f = {bias:g}$")
    ax.set_yscale("log")
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$\|\partial C_T / \partial C_t\|$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return Plot(figure, (ax,), lines, name="cell-state Jacobians")
