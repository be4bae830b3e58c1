"""The LSTM variants side by side: their equations, their sizes, and the same input through each.

Chapter 5 compares four cells: the LSTM of the seeds, the LSTM with peephole
connections (Gers and Schmidhuber, 2000), the LSTM with a coupled input and forget
gate (CIFG) and the GRU (Cho et al., 2014), in torch's formulation. This module holds

* :data:`EQUATIONS` -- every cell's equations, role by role, in the seeds' notation
  (``W_f \\cdot [h_{t-1}, x_t] + b_f``), and :func:`equations_table`, which lays them
  out as one MyST table (the chapter shows exactly that table; a test checks it);
* :func:`parameter_counts` -- how many parameters each cell stores and uses;
* :func:`run_variants` -- the same input through every cell (same seed, same sizes);
* :func:`gru_candidates` -- the GRU's candidate under torch's and under Cho et al.'s
  reset-gate convention, from the same weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import GRUConfig, LSTMConfig, RNNConfig
from .params import GRUParams, lstm_active_gates
from .sequence import GRU, LSTM, RNN, Trace
from .validation import as_float_array, check_finite_real, check_positive_int, check_shape

__all__ = [
    "CELLS",
    "CELL_NAMES",
    "ROLES",
    "EQUATIONS",
    "SAME_AS_LSTM",
    "equations_table",
    "ParameterCount",
    "parameter_counts",
    "build_cell",
    "run_variants",
    "gru_candidates",
]

#: The cells compared, in the chapter's column order.
CELLS = ("lstm", "peephole", "cifg", "gru", "rnn")
#: Column headings.
CELL_NAMES = {
    "lstm": "LSTM",
    "peephole": "peephole LSTM",
    "cifg": "CIFG",
    "gru": "GRU (torch)",
    "rnn": "vanilla RNN",
}
#: Rows of the equations table: what each equation does, whatever the cell calls it.
ROLES = {
    "keep": "keep the past",
    "write": "admit the new",
    "reset": "reset",
    "candidate": "candidate",
    "memory": "memory update",
    "show": "output gate",
    "output": "output",
}
#: Marker in EQUATIONS: the cell uses the LSTM's equation for this role unchanged.
SAME_AS_LSTM = "same as LSTM"

_PEEP = r"W_{{{g}}}\cdot[h_{{t-1}}, x_t] + p_{{{g}}} * C_{{{c}}} + b_{{{g}}}"

#: role -> latex (without dollars), None where the cell has no such equation.
EQUATIONS: dict[str, dict[str, str | None]] = {
    "lstm": {
        "keep": r"f_t = \sigma(W_f\cdot[h_{t-1}, x_t] + b_f)",
        "write": r"i_t = \sigma(W_i\cdot[h_{t-1}, x_t] + b_i)",
        "reset": None,
        "candidate": r"\tilde C_t = \tanh(W_C\cdot[h_{t-1}, x_t] + b_C)",
        "memory": r"C_t = f_t * C_{t-1} + i_t * \tilde C_t",
        "show": r"o_t = \sigma(W_o\cdot[h_{t-1}, x_t] + b_o)",
        "output": r"h_t = o_t * \tanh(C_t)",
    },
    "peephole": {
        "keep": r"f_t = \sigma(" + _PEEP.format(g="f", c="t-1") + ")",
        "write": r"i_t = \sigma(" + _PEEP.format(g="i", c="t-1") + ")",
        "reset": None,
        "candidate": SAME_AS_LSTM,
        "memory": SAME_AS_LSTM,
        "show": r"o_t = \sigma(" + _PEEP.format(g="o", c="t") + ")",
        "output": SAME_AS_LSTM,
    },
    "cifg": {
        "keep": SAME_AS_LSTM,
        "write": r"i_t = 1 - f_t",
        "reset": None,
        "candidate": SAME_AS_LSTM,
        "memory": r"C_t = f_t * C_{t-1} + (1 - f_t) * \tilde C_t",
        "show": SAME_AS_LSTM,
        "output": SAME_AS_LSTM,
    },
    "gru": {
        "keep": r"z_t = \sigma(W_z\cdot[h_{t-1}, x_t] + b_z)",
        "write": r"1 - z_t",
        "reset": r"r_t = \sigma(W_r\cdot[h_{t-1}, x_t] + b_r)",
        "candidate": r"\tilde h_t = \tanh(W_{xn} x_t + b_n + r_t * (W_{hn} h_{t-1} + b_{hn}))",
        "memory": r"h_t = z_t * h_{t-1} + (1 - z_t) * \tilde h_t",
        "show": None,
        "output": r"h_t \text{ (no separate cell state)}",
    },
    "rnn": {
        "keep": None,
        "write": None,
        "reset": None,
        "candidate": None,
        "memory": r"h_t = \tanh(W\cdot[h_{t-1}, x_t] + b)",
        "show": None,
        "output": r"h_t",
    },
}

_ABSENT = "none"


def _check_cells(cells: Sequence[str]) -> tuple[str, ...]:
    """``cells`` must be a non-empty sequence of names from CELLS without repeats."""
    if isinstance(cells, str) or not isinstance(cells, Sequence) or not cells:
        raise TypeError(f"cells: expected a non-empty sequence of names from {CELLS}, got {cells!r}")
    unknown = [c for c in cells if c not in CELLS]
    if unknown:
        raise ValueError(f"cells: unknown cell(s) {unknown}; expected names from {', '.join(CELLS)}")
    if len(set(cells)) != len(cells):
        raise ValueError(f"cells: expected each cell once, got {list(cells)}")
    return tuple(cells)


def equations_table(cells: Sequence[str] = ("lstm", "peephole", "cifg", "gru")) -> str:
    """The equations of ``cells`` side by side, as a MyST (GitHub-style) markdown table.

    Parameters
    ----------
    cells : sequence of str
        Columns, names from :data:`CELLS`.

    Returns
    -------
    str
        One row per role of :data:`ROLES` (rows that no chosen cell has are dropped);
        each cell holds ``$latex$``, "same as LSTM" or "none".
    """
    cells = _check_cells(cells)
    header = "| role | " + " | ".join(CELL_NAMES[c] for c in cells) + " |"
    rule = "|" + " --- |" * (len(cells) + 1)
    rows = [header, rule]
    for role, label in ROLES.items():
        entries = [EQUATIONS[c][role] for c in cells]
        if all(e is None for e in entries):
            continue
        texts = [_ABSENT if e is None else e if e == SAME_AS_LSTM else f"${e}$" for e in entries]
        rows.append(f"| {label} | " + " | ".join(texts) + " |")
    return "\n".join(rows)


# ----------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class ParameterCount:
    """Parameter count of one cell.

    Attributes
    ----------
    cell : str
    stored : int
        Entries in the cell's arrays in lstm_edu (one bias per gate block, like torch's
        ``b_ih + b_hh``; a gate a variant drops keeps its block, unused).
    used : int
        Entries that take part in the computation (those with a non-zero gradient in
        general).
    formula : str
        ``used`` as a formula in D and H (LaTeX).
    """

    cell: str
    stored: int
    used: int
    formula: str


_FORMULAS = {
    "lstm": r"4(DH + H^2 + H)",
    "peephole": r"4(DH + H^2 + H) + 3H",
    "cifg": r"3(DH + H^2 + H)",
    "gru": r"3(DH + H^2 + H) + H",
    "rnn": r"DH + H^2 + H",
}


def build_cell(cell: str, input_size: int, hidden_size: int, seed: int = 0,
               forget_bias: float = 0.0):
    """A numpy model of one of :data:`CELLS` with torch-like random weights.

    Parameters
    ----------
    cell : str
        A name from :data:`CELLS`.
    input_size, hidden_size : int
        D and H.
    seed : int, default 0
    forget_bias : float, default 0.0
        Added to the forget gate's bias (LSTM variants) or the update gate's (GRU, whose
        ``z`` keeps the old state); must be 0 for the RNN.

    Returns
    -------
    LSTM, GRU or RNN
    """
    _check_cells([cell])
    D = check_positive_int("input_size", input_size)
    H = check_positive_int("hidden_size", hidden_size)
    forget_bias = check_finite_real("forget_bias", forget_bias)
    if cell == "rnn":
        if forget_bias != 0.0:
            raise ValueError(f"forget_bias: the RNN has no gate, expected 0.0, got {forget_bias}")
        return RNN.init(RNNConfig(D, H), seed=seed)
    if cell == "gru":
        model = GRU.init(GRUConfig(D, H), seed=seed)
        model.params.b[H:2 * H] += forget_bias
        return model
    variant = {"lstm": "vanilla", "peephole": "peephole", "cifg": "cifg"}[cell]
    return LSTM.init(LSTMConfig.variant(variant, D, H), seed=seed, forget_bias=forget_bias)


def _used_entries(model) -> int:
    """Entries of the model's arrays that the computation reads."""
    arrays = model.params.arrays()
    if model.kind != "lstm":
        return sum(a.size for a in arrays.values())
    D, H = model.input_size, model.hidden_size
    gates = len(lstm_active_gates(model.cfg))
    peepholes = sum(arrays[k].size for k in ("p_i", "p_f", "p_o") if k in arrays)
    return gates * (D * H + H * H + H) + peepholes


def parameter_counts(input_size: int, hidden_size: int,
                     cells: Sequence[str] = CELLS) -> dict[str, ParameterCount]:
    """Stored and used parameters of each cell for input size D and hidden size H.

    Counted from real models' arrays (not from the formulas, which are only reported).

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    cells : sequence of str
        Names from :data:`CELLS`.

    Returns
    -------
    dict of str to ParameterCount
    """
    cells = _check_cells(cells)
    counts = {}
    for cell in cells:
        model = build_cell(cell, input_size, hidden_size)
        stored = sum(a.size for a in model.params.arrays().values())
        counts[cell] = ParameterCount(cell=cell, stored=int(stored), used=int(_used_entries(model)),
                                      formula=_FORMULAS[cell])
    return counts


# ----------------------------------------------------------------------------- runs


def run_variants(x, hidden_size: int, cells: Sequence[str] = CELLS, seed: int = 0,
                 forget_bias: float = 0.0) -> dict[str, Trace]:
    """The same input through every cell (each with its own random weights from ``seed``).

    Parameters
    ----------
    x : array_like, (T, B, D)
        Time-major input.
    hidden_size : int
        H of every cell.
    cells : sequence of str
        Names from :data:`CELLS`.
    seed : int, default 0
    forget_bias : float, default 0.0
        As in :func:`build_cell` (ignored for the RNN).

    Returns
    -------
    dict of str to Trace
    """
    cells = _check_cells(cells)
    x = as_float_array("x", x)
    check_shape("x", x, ("T", "B", "D"))
    traces = {}
    for cell in cells:
        bias = 0.0 if cell == "rnn" else forget_bias
        model = build_cell(cell, x.shape[2], hidden_size, seed=seed, forget_bias=bias)
        traces[cell] = model.forward(x)
    return traces


def gru_candidates(params: GRUParams, x_t, h_prev, cfg: GRUConfig) -> tuple[np.ndarray, np.ndarray]:
    """The GRU candidate under the two reset-gate conventions, from the same weights.

    torch (and cuDNN) reset the recurrent *product*:
    ``n = tanh(x W_xn + b_n + r * (h_prev W_hn + b_hn))``; Cho et al. (2014) reset the
    *state* before the product: ``n = tanh(x W_xn + b_n + (r * h_prev) W_hn + b_hn)``.
    Both use the reset gate ``r`` computed from ``x_t`` and ``h_prev`` as usual.

    Parameters
    ----------
    params : GRUParams
    x_t : array_like, (B, D)
    h_prev : array_like, (B, H)
    cfg : GRUConfig

    Returns
    -------
    (torch_candidate, cho_candidate) : tuple of ndarray, each (B, H)
    """
    if not isinstance(cfg, GRUConfig):
        raise TypeError(f"cfg: expected a GRUConfig, got {type(cfg).__name__}")
    if not isinstance(params, GRUParams):
        raise TypeError(f"params: expected GRUParams, got {type(params).__name__}")
    params = params.checked(cfg)
    x_t = as_float_array("x_t", x_t, params.dtype)
    check_shape("x_t", x_t, ("B", cfg.input_size))
    h_prev = as_float_array("h_prev", h_prev, params.dtype)
    check_shape("h_prev", h_prev, (x_t.shape[0], cfg.hidden_size))
    H = cfg.hidden_size
    bias = params.b if params.b is not None else np.zeros(3 * H)
    b_hn = params.b_hn if params.b_hn is not None else np.zeros(H)
    pre_x = x_t @ params.W_x + bias                              # (B, 3H)
    W_hr, W_hn = params.W_h[:, :H], params.W_h[:, 2 * H:]
    reset = 1.0 / (1.0 + np.exp(-(pre_x[:, :H] + h_prev @ W_hr)))  # (B, H)
    torch_candidate = np.tanh(pre_x[:, 2 * H:] + reset * (h_prev @ W_hn + b_hn))
    cho_candidate = np.tanh(pre_x[:, 2 * H:] + (reset * h_prev) @ W_hn + b_hn)
    return torch_candidate, cho_candidate
