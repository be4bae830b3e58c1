"""How far back a loss at the last step still reaches: chapter 4's gradient measurements.

A loss ``L = u . h_T`` on the final hidden state (``u`` a fixed unit vector) is
backpropagated through time by lstm_edu's hand-written BPTT (:mod:`lstm_edu.bptt`), and
:func:`gradient_curves` returns the total gradient norm ``||dL/dh_t||`` at every step
t = 1..T, for a vanilla RNN or a gated cell (LSTM, peephole LSTM, CIFG, GRU).

The knobs
---------
``weight_scale`` (s)
    Every ``H x H`` block of the recurrent weights ``W_h`` is ``s`` times a random
    orthogonal matrix (:func:`orthogonal_blocks`), so *all* its singular values equal
    ``s``: s is both the spectral radius and the spectral norm. For the RNN,
    ``tanh' <= 1`` then bounds the gradient by ``s**(T - t)``.
``forget_bias`` (b_f)
    Added to the forget gate's bias (LSTM variants) or, for the GRU, to the update
    gate's bias ``b_z`` (in torch's GRU ``z`` weights the *old* state, so it plays the
    forget gate's part). It does nothing to the RNN.
``length`` (T)
    The first T steps of one fixed random input sequence (:meth:`GradientSetup.inputs`).
clipping threshold (tau)
    Norm clipping (Pascanu et al., 2013): when the norm of the whole parameter gradient
    exceeds tau, every parameter gradient is multiplied by :func:`clip_factor`. Each
    step's contribution to the weight gradient is linear in ``dL/dh_t``, so
    ``||dL/dh_t||`` times that factor is what reaches the weights after clipping.

The live gradient explorers (:mod:`lstm_edu.widgets.gradient_explorer`) compute the same
numbers in the reader's browser (``lstm_edu/widgets/js/gradients.js``), from the weights
of :func:`build_model` at ``weight_scale=1, forget_bias=0``;
tests/browser/test_js_parity.py holds the two within 1e-12.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .cells import GRUParams, LSTMParams, RNNParams
from .config import GRUConfig, LSTMConfig, RNNConfig
from .sequence import GRU, LSTM, RNN
from .validation import check_finite_real, check_positive_int, check_seed
from .variants_compare import CELL_NAMES, CELLS

__all__ = [
    "CELL_TYPES",
    "CELL_LABELS",
    "LSTM_VARIANT",
    "GradientSetup",
    "DEFAULT_SETUP",
    "GradientCurves",
    "orthogonal_blocks",
    "check_cell",
    "build_model",
    "gradient_curves",
    "clip_factor",
]

#: Cell types that can be compared, in the variants chapter's order
#: (the cells of :mod:`lstm_edu.variants_compare`).
CELL_TYPES = CELLS
#: Display names of the cell types (those of the variants chapter's tables).
CELL_LABELS = CELL_NAMES
#: The LSTMConfig variant of each LSTM-like cell type.
LSTM_VARIANT = {"lstm": "vanilla", "peephole": "peephole", "cifg": "cifg"}


@dataclass(frozen=True)
class GradientSetup:
    """Fixed sizes and seed of the models and the input.

    Parameters
    ----------
    input_size : int, default 4
        D.
    hidden_size : int, default 16
        H.
    max_length : int, default 100
        Longest sequence; the input is drawn once at this length.
    seed : int, default 0
        Seed of the weights, the orthogonal blocks, the input and the loss direction.
    floor : float, default 1e-30
        Plotted values below it are drawn at it (a log axis cannot show 0).
    """

    input_size: int = 4
    hidden_size: int = 16
    max_length: int = 100
    seed: int = 0
    floor: float = 1e-30

    def __post_init__(self) -> None:
        check_positive_int("input_size", self.input_size)
        check_positive_int("hidden_size", self.hidden_size)
        check_positive_int("max_length", self.max_length)
        check_seed("seed", self.seed)
        floor = check_finite_real("floor", self.floor)
        if not 0.0 < floor < 1.0:
            raise ValueError(f"floor: expected a value in (0, 1), got {self.floor}")

    def inputs(self) -> np.ndarray:
        """The fixed input sequence, (max_length, 1, D), standard normal, read-only."""
        return _inputs(self)

    def loss_direction(self) -> np.ndarray:
        """The unit vector u of the loss L = u . h_T, shape (1, H), read-only."""
        return _loss_direction(self)


#: The setup the book uses (D = 4, H = 16, T up to 100, seed 0).
DEFAULT_SETUP = GradientSetup()


@lru_cache(maxsize=8)
def _inputs(setup: GradientSetup) -> np.ndarray:
    rng = np.random.default_rng([setup.seed, 1])
    x = rng.standard_normal((setup.max_length, 1, setup.input_size))  # (T, 1, D)
    x.flags.writeable = False
    return x


@lru_cache(maxsize=8)
def _loss_direction(setup: GradientSetup) -> np.ndarray:
    u = np.random.default_rng([setup.seed, 2]).standard_normal((1, setup.hidden_size))  # (1, H)
    u /= np.linalg.norm(u)
    u.flags.writeable = False
    return u


def _check_setup(setup: object) -> GradientSetup:
    if not isinstance(setup, GradientSetup):
        raise TypeError(f"setup: expected a GradientSetup, got {type(setup).__name__}")
    return setup


def orthogonal_blocks(setup: GradientSetup, blocks: int) -> np.ndarray:
    """``blocks`` random orthogonal H x H matrices side by side: (H, blocks*H), read-only.

    Haar-distributed (QR of a Gaussian matrix with the signs of R's diagonal fixed),
    drawn from ``setup.seed`` and ``blocks``.
    """
    _check_setup(setup)
    blocks = check_positive_int("blocks", blocks)
    if blocks > 4:
        raise ValueError(f"blocks: expected at most 4 (the LSTM's gates), got {blocks}")
    return _orthogonal_blocks(setup, blocks)


@lru_cache(maxsize=8)
def _orthogonal_blocks(setup: GradientSetup, blocks: int) -> np.ndarray:
    H = setup.hidden_size
    rng = np.random.default_rng([setup.seed, 3, blocks])
    matrices = []
    for _ in range(blocks):
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        matrices.append(q * np.sign(np.diag(r)))  # sign fix: Haar-distributed
    stacked = np.concatenate(matrices, axis=1)    # (H, blocks*H)
    stacked.flags.writeable = False
    return stacked


def check_cell(cell: object) -> str:
    """Return ``cell`` if it is one of :data:`CELL_TYPES`, else raise ValueError."""
    if not isinstance(cell, str) or cell not in CELL_TYPES:
        raise ValueError(f"cell: expected one of {', '.join(CELL_TYPES)}, got {cell!r}")
    return cell


def build_model(cell: str, weight_scale: float, forget_bias: float,
                setup: GradientSetup = DEFAULT_SETUP):
    """The model of one cell type with the given weight scale and forget bias.

    Parameters
    ----------
    cell : {"lstm", "peephole", "cifg", "gru", "rnn"}
    weight_scale : float
        s > 0: each H x H block of ``W_h`` becomes s times a random orthogonal matrix.
    forget_bias : float
        Added to the forget gate's bias (LSTM variants), to the update gate's bias
        (GRU); ignored by the RNN.
    setup : GradientSetup

    Returns
    -------
    LSTM, GRU or RNN
        Other weights drawn like torch's default initialisation with ``setup.seed``.
        Models are cached and shared, so their parameter arrays are read-only (copy
        them, ``model.params.copy()``, to experiment).
    """
    cell = check_cell(cell)
    scale = check_finite_real("weight_scale", weight_scale)
    if scale <= 0:
        raise ValueError(f"weight_scale: expected a positive number, got {weight_scale}")
    forget_bias = check_finite_real("forget_bias", forget_bias)
    return _build_model(cell, scale, forget_bias, _check_setup(setup))


@lru_cache(maxsize=64)
def _build_model(cell: str, scale: float, forget_bias: float, setup: GradientSetup):
    D, H, seed = setup.input_size, setup.hidden_size, setup.seed
    if cell == "rnn":
        cfg = RNNConfig(D, H)
        params = RNNParams.init(cfg, seed=seed)
        params.W_h = scale * _orthogonal_blocks(setup, 1)        # (H, H)
        model = RNN(cfg, params)
    elif cell == "gru":
        cfg = GRUConfig(D, H)
        params = GRUParams.init(cfg, seed=seed)
        params.W_h = scale * _orthogonal_blocks(setup, 3)        # (H, 3H)
        params.b[H:2 * H] += forget_bias                         # z: how much of h_{t-1} is kept
        model = GRU(cfg, params)
    else:
        cfg = LSTMConfig.variant(LSTM_VARIANT[cell], D, H)
        params = LSTMParams.init(cfg, seed=seed, forget_bias=forget_bias)
        params.W_h = scale * _orthogonal_blocks(setup, 4)        # (H, 4H)
        model = LSTM(cfg, params)
    for array in model.params.arrays().values():
        array.flags.writeable = False                            # shared by every caller
    return model


@dataclass(frozen=True)
class GradientCurves:
    """Gradient norms of the loss L = u . h_T for one model.

    Attributes
    ----------
    cell : str
    h_norm : ndarray, (T,)
        ``||dL/dh_t||`` for t = 1..T (lstm_edu's ``Gradients.h_norm``).
    c_norm : ndarray, (T,), or None
        ``||dL/dc_t||`` (LSTM variants only).
    param_norm : float
        Norm of the whole parameter gradient (all arrays together), the quantity that
        norm clipping compares with its threshold.
    """

    cell: str
    h_norm: np.ndarray
    c_norm: np.ndarray | None
    param_norm: float


def gradient_curves(cell: str, weight_scale: float, forget_bias: float, length: int,
                    setup: GradientSetup = DEFAULT_SETUP) -> GradientCurves:
    """Backpropagate L = u . h_T through the model and return the norms.

    Parameters
    ----------
    cell, weight_scale, forget_bias, setup
        As in :func:`build_model`.
    length : int
        T, 1 <= T <= ``setup.max_length``: the first T steps of ``setup.inputs()``.

    Returns
    -------
    GradientCurves
    """
    model = build_model(cell, weight_scale, forget_bias, setup)
    length = check_positive_int("length", length)
    if length > setup.max_length:
        raise ValueError(f"length: expected at most setup.max_length={setup.max_length}, "
                         f"got {length}")
    trace = model.forward(setup.inputs()[:length])              # (T, 1, H)
    grads = model.backward(trace, dh_T=setup.loss_direction())
    param_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.params.values()))
    return GradientCurves(cell=cell, h_norm=grads.h_norm, c_norm=grads.c_norm,
                          param_norm=param_norm)


def clip_factor(param_norm: float, threshold: float) -> float:
    """The factor norm clipping multiplies every gradient by: ``min(1, threshold / norm)``.

    Parameters
    ----------
    param_norm : float
        Norm of the whole gradient, >= 0.
    threshold : float
        Clipping threshold tau > 0; ``math.inf`` switches clipping off (factor 1).
    """
    if isinstance(threshold, numbers.Real) and not isinstance(threshold, bool) \
            and threshold == math.inf:
        threshold_value = math.inf
    else:
        threshold_value = check_finite_real("threshold", threshold)
    param_norm = check_finite_real("param_norm", param_norm)
    if param_norm < 0:
        raise ValueError(f"param_norm: expected a norm >= 0, got {param_norm}")
    if threshold_value <= 0:
        raise ValueError(f"threshold: expected a positive threshold, got {threshold}")
    return 1.0 if param_norm <= threshold_value else threshold_value / param_norm
