"""The LSTM's backward pass written once, equation by equation (chapter 4b).

:mod:`lstm_edu.bptt` is the backward pass the models run: it precomputes local derivatives
for all steps at once and writes into preallocated arrays, which is fast but hard to read
next to the mathematics. This module computes the same gradients the way chapter 4b derives
them, one line per equation, each line tagged with the equation's label ``(B1)`` ... ``(B10)``.
``equation_code`` lists the lines that compute an equation (here and in ``bptt.py``), so
the chapter shows the code it explains; the tests hold these gradients equal to ``bptt.py``,
to torch autograd and to finite differences.

Notation (the seeds'; arrays are batches of row vectors, time-major ``(T, B, .)``): the
pre-activations ``a_i, a_f, a_g, a_o`` (``g`` is the candidate C~_t), the gates
``i, f, g, o``, the states ``c`` (C_t) and ``h``; ``d<name>`` is dL/d<name>, the total
gradient, including everything that flows back from later steps. The four gate blocks are
stacked in torch's order i, f, g, o, as everywhere in lstm_edu.

Only the seeds' LSTM (``LSTMConfig`` with its default flags; ``bias`` either way).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import bptt
from .config import LSTMConfig
from .sequence import LSTM, Trace
from .validation import as_float_array, check_shape

__all__ = [
    "EQUATIONS",
    "StepGradients",
    "ReferenceGradients",
    "sigmoid_slope",
    "tanh_slope",
    "backward_step",
    "reference_backward",
    "check_seeds_lstm",
    "upstream_gradient",
    "equation_code",
]

#: The equations of chapter 4b, by label.
EQUATIONS = {
    "B1": "dL/dh_t: from the loss at step t and from step t+1",
    "B2": "dL/dC_t: through h_t and from C_{t+1}",
    "B3": "output gate pre-activation",
    "B4": "forget gate pre-activation",
    "B5": "input gate pre-activation",
    "B6": "candidate pre-activation",
    "B7": "weights and bias",
    "B8": "input x_t",
    "B9": "previous hidden state h_{t-1}",
    "B10": "previous cell state C_{t-1}: the path diag(f_t)",
}


# ----------------------------------------------------------------------------- one step


def sigmoid_slope(gate: np.ndarray) -> np.ndarray:
    """sigma'(a) from the gate value s = sigma(a): s (1 - s)."""
    return gate * (1.0 - gate)


def tanh_slope(value: np.ndarray) -> np.ndarray:
    """tanh'(a) from the value u = tanh(a): 1 - u^2."""
    return 1.0 - value * value


class StepGradients(NamedTuple):
    """What one backward step returns (each (B, .))."""

    dA: np.ndarray        # (B, 4H) pre-activation gradients, blocks i, f, g, o
    dc: np.ndarray        # (B, H)  total dL/dC_t
    dh_prev: np.ndarray   # (B, H)  part of dL/dh_{t-1} that flows through step t
    dc_prev: np.ndarray   # (B, H)  part of dL/dC_{t-1} that flows through C_t


def backward_step(gates: dict, c_prev: np.ndarray, c: np.ndarray, dh: np.ndarray,
                  dc_next: np.ndarray, W_h: np.ndarray) -> StepGradients:
    """One step of backpropagation through time, in the order chapter 4b derives it.

    ``gates`` holds this step's ``i, f, g, o`` (each (B, H)); ``c_prev``, ``c`` are C_{t-1}
    and C_t; ``dh`` is the total dL/dh_t (B1); ``dc_next`` is what step t+1 sent back to
    C_t (its B10, zero at the last step); ``W_h`` (H, 4H) the recurrent weights.
    """
    i, f, g, o = gates["i"], gates["f"], gates["g"], gates["o"]
    tanh_c = np.tanh(c)
    dc = dh * o * tanh_slope(tanh_c) + dc_next               # (B2)
    da_o = dh * tanh_c * sigmoid_slope(o)                    # (B3)
    da_f = dc * c_prev * sigmoid_slope(f)                    # (B4)
    da_i = dc * g * sigmoid_slope(i)                         # (B5)
    da_g = dc * i * tanh_slope(g)                            # (B6)
    dA = np.concatenate([da_i, da_f, da_g, da_o], axis=1)    # (B, 4H), torch's order
    dh_prev = dA @ W_h.T                                     # (B9)
    dc_prev = dc * f                                         # (B10)
    return StepGradients(dA=dA, dc=dc, dh_prev=dh_prev, dc_prev=dc_prev)


# ----------------------------------------------------------------------------- a sequence


@dataclass
class ReferenceGradients:
    """Gradients from :func:`reference_backward`, time-major.

    ``params`` has the keys of ``model.params.arrays()``; ``dx`` (T, B, D); ``dh0``, ``dc0``
    (B, H); ``dloss_dh``, ``dloss_dc`` (T, B, H) the total dL/dh_t and dL/dC_t.
    """

    params: dict
    dx: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray
    dloss_dh: np.ndarray
    dloss_dc: np.ndarray


def check_seeds_lstm(model) -> None:
    """The model must be an lstm_edu LSTM with the seeds' equations (no variant)."""
    if not isinstance(model, LSTM):
        raise TypeError(f"model: expected an lstm_edu LSTM, got {type(model).__name__}")
    seeds = LSTMConfig(model.cfg.input_size, model.cfg.hidden_size, bias=model.cfg.bias)
    if model.cfg != seeds:
        raise ValueError(f"model: expected the seeds' LSTM ({seeds}), got the variant {model.cfg}")


def _check_trace(model, trace) -> None:
    if not isinstance(trace, Trace):
        raise TypeError(f"trace: expected a Trace from model.forward, got {type(trace).__name__}")
    tm = trace.time_major
    if trace.kind != "lstm" or tm.h.shape[2] != model.hidden_size or tm.x.shape[2] != model.input_size:
        raise ValueError(f"trace: expected a trace of this LSTM (D={model.input_size}, "
                         f"H={model.hidden_size}), got a {trace.kind} trace with "
                         f"D={tm.x.shape[2]}, H={tm.h.shape[2]}")


def upstream_gradient(name: str, value, shape: tuple, dtype) -> np.ndarray:
    """An upstream gradient as a float array of exactly ``shape`` (zeros when None)."""
    if value is None:
        return np.zeros(shape, dtype=dtype)
    array = as_float_array(name, value, dtype)
    check_shape(name, array, shape)
    return array


def reference_backward(model, trace, dh=None, dc_T=None) -> ReferenceGradients:
    """dL/d(every parameter, input and initial state) for L = sum_t dh_t . h_t + dc_T . C_T.

    Parameters
    ----------
    model : LSTM
        The seeds' LSTM (default flags of ``LSTMConfig``).
    trace : Trace
        From ``model.forward``.
    dh : array_like, (T, B, H) time-major, optional
        dL/dh_t from the loss at every step (not through the recurrence).
    dc_T : array_like, (B, H), optional
        dL/dC_T from the loss (e.g. a loss on torch's ``c_n``).

    Returns
    -------
    ReferenceGradients
    """
    check_seeds_lstm(model)
    _check_trace(model, trace)
    tm, W_x, W_h = trace.time_major, model.params.W_x, model.params.W_h
    T, B, H = tm.h.shape
    dh_loss = upstream_gradient("dh", dh, (T, B, H), model.dtype)      # (T, B, H)
    dc_next = upstream_gradient("dc_T", dc_T, (B, H), model.dtype)      # (B, H)
    gates = {name: tm.gates[:, :, k * H:(k + 1) * H] for k, name in enumerate("ifgo")}
    c_prev = np.concatenate([tm.c0[None], tm.c[:-1]])                  # (T, B, H): C_0..C_{T-1}
    h_prev = np.concatenate([tm.h0[None], tm.h[:-1]])                  # (T, B, H): h_0..h_{T-1}
    dA = np.zeros((T, B, 4 * H), dtype=model.dtype)
    dH, dC = np.zeros_like(dh_loss), np.zeros_like(dh_loss)
    dh_next = np.zeros((B, H), dtype=model.dtype)
    for t in reversed(range(T)):
        dH[t] = dh_loss[t] + dh_next                                    # (B1)
        step_gates = {name: gate[t] for name, gate in gates.items()}
        step = backward_step(step_gates, c_prev[t], tm.c[t], dH[t], dc_next, W_h)
        dA[t], dC[t], dh_next, dc_next = step.dA, step.dc, step.dh_prev, step.dc_prev
    dW_x = np.einsum("tbd,tbg->dg", tm.x, dA)        # sum over t, b of x_t^T dA_t  (B7)
    dW_h = np.einsum("tbh,tbg->hg", h_prev, dA)      # sum of h_{t-1}^T dA_t        (B7)
    grads = {"W_x": dW_x, "W_h": dW_h}
    if model.params.b is not None:
        grads["b"] = dA.sum(axis=(0, 1))                               # (B7)
    dx = dA @ W_x.T                                                    # (B8)
    return ReferenceGradients(params=grads, dx=dx, dh0=dh_next, dc0=dc_next,
                              dloss_dh=dH, dloss_dc=dC)


# ----------------------------------------------------------------------------- citing the code

#: Where ``bptt.py`` computes each equation: (function, snippets of its lines).
BPTT_LINES = {
    "B1": ("lstm_backward", ["np.add(dh_ext[t], dh_rec, out=dH[t])"]),
    "B2": ("lstm_coefficients", ['K = gates["o"] * (1.0 - cell_output * cell_output)']),
    "B3": ("lstm_coefficients", ['Mh = cell_output * slope["o"]']),
    "B4": ("lstm_coefficients", ['forget_factor = c_prev - gates["g"] if cfg.coupled else c_prev',
                                 'np.multiply(forget_factor, slope["f"], out=Mc[:, :, 1])']),
    "B5": ("lstm_coefficients", ['np.multiply(gates["g"], slope["i"], out=Mc[:, :, 0])']),
    "B6": ("lstm_coefficients", ['np.multiply(gates["i"], slope["g"], out=Mc[:, :, 2])']),
    "B7": ("_weight_gradients", ["dW_x = np.ascontiguousarray(x).reshape(T * B, D).T @ flat_in",
                                 "dW_h = h_prev.reshape(T * B, -1).T @ dA.reshape(T * B, -1)",
                                 "return dW_x, dW_h, flat_in.sum(axis=0)"]),
    "B8": ("_input_gradient", ["return (dA_input.reshape(T * B, -1) @ W_x.T).reshape(T, B, -1)"]),
    "B9": ("lstm_backward_step", ["dh_prev = dA4.reshape(B, -1) @ W_hT"]),
    "B10": ("lstm_backward_step", ["dc_prev = dc * f"]),
}
#: In ``lstm_backward_step``, the coefficients above meet the incoming gradients.
BPTT_STEP_LINES = {
    "B2": ["np.multiply(dh, K, out=dc)", "np.add(dc, dc_carry, out=dc)"],
    "B3": ["np.multiply(Mh, dh, out=dA4[:, 3])"],
    "B4": ["np.multiply(Mc, dc[:, None, :], out=dA4[:, :3])"],
    "B5": ["np.multiply(Mc, dc[:, None, :], out=dA4[:, :3])"],
    "B6": ["np.multiply(Mc, dc[:, None, :], out=dA4[:, :3])"],
}


def _module_lines(module) -> list[str]:
    return inspect.getsource(module).splitlines()


def _tagged_lines(tag: str) -> list[tuple[int, str]]:
    """(line number, text) of this module's lines that end with the comment ``# (tag)``."""
    pattern = re.compile(rf"#.*\({re.escape(tag)}\)\s*$")
    return [(number, line) for number, line in enumerate(_module_lines(
        inspect.getmodule(backward_step)), start=1) if pattern.search(line)]


def _function_lines(function: str, snippets: list[str], tag: str) -> list[tuple[int, str]]:
    """(line number, text) of the line of bptt.py's ``function`` starting with each snippet."""
    lines = _module_lines(bptt)
    start = next((k for k, line in enumerate(lines) if line.startswith(f"def {function}(")), None)
    if start is None:
        raise LookupError(f"bptt.py has no function {function!r} (cited for {tag})")
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith(("def ", "class "))),
               len(lines))
    found = []
    for snippet in snippets:
        hits = [k for k in range(start, end) if lines[k].strip().startswith(snippet)]
        if len(hits) != 1:
            raise LookupError(f"bptt.py, {function}: expected one line starting {snippet!r} "
                              f"(cited for {tag}), found {len(hits)}")
        found.append((hits[0] + 1, lines[hits[0]].strip()))
    return found


def _bptt_citations(tag: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """[(function, [(line number, text), ...]), ...]: where bptt.py computes ``tag``."""
    function, snippets = BPTT_LINES[tag]
    cited = [(function, _function_lines(function, snippets, tag))]
    if tag in BPTT_STEP_LINES:
        cited.append(("lstm_backward_step",
                      _function_lines("lstm_backward_step", BPTT_STEP_LINES[tag], tag)))
    return cited


def _tidy(line: str) -> str:
    """A source line without its indentation and with two spaces before a comment."""
    return re.sub(r"\s{2,}#", "  #", line.strip())


def equation_code(tag: str) -> str:
    """The lines that compute equation ``tag``: here, then in ``bptt.py``, with line numbers.

    Raises LookupError when a cited line is missing, so a page that calls this fails
    (and its test with it) as soon as the code no longer says what the page explains.
    """
    if not isinstance(tag, str):
        raise TypeError(f"tag: expected a str such as 'B4', got {type(tag).__name__}")
    if tag not in EQUATIONS:
        raise ValueError(f"tag: expected one of {', '.join(EQUATIONS)}, got {tag!r}")
    own = _tagged_lines(tag)
    if not own:
        raise LookupError(f"backward_reference.py has no line tagged ({tag})")
    out = [f"({tag}) {EQUATIONS[tag]}", "  lstm_edu/backward_reference.py"]
    out += [f"  {number:4d} | {_tidy(text)}" for number, text in own]
    for function, lines in _bptt_citations(tag):
        out.append(f"  lstm_edu/bptt.py, {function}")
        out += [f"  {number:4d} | {_tidy(text)}" for number, text in lines]
    return "\n".join(out)
