"""The gradient explorer: how far back a loss at the last step still reaches.

A loss ``L = u . h_T`` on the final hidden state (``u`` a fixed unit vector) is
backpropagated through time by lstm_edu's hand-written BPTT. The explorer plots the
total gradient norm ``||dL/dh_t||`` at every step t = 1..T on a log scale, for a vanilla
RNN (left) next to a gated cell (right: an LSTM, or in the variants chapter a peephole
LSTM, CIFG, GRU or RNN).

The controls and what they set
------------------------------
``weight_scale`` (s)
    Every ``H x H`` block of the recurrent weights ``W_h`` is ``s`` times a random
    orthogonal matrix, so *all* its singular values equal ``s``: s is both the spectral
    radius and the spectral norm. For the RNN, ``tanh' <= 1`` then bounds the gradient
    by ``s**(T - t)``, the dotted reference line.
``forget_bias`` (b_f)
    Added to the forget gate's bias (LSTM variants) or, for the GRU, to the update
    gate's bias ``b_z`` (in torch's GRU ``z`` weights the *old* state, so it plays the
    forget gate's part). It does nothing to the RNN.
``length`` (T)
    The first T steps of one fixed random input sequence.
``clip_log10``
    Norm clipping (Pascanu et al., 2013) with threshold ``tau = 10**clip_log10``, off at
    the control's maximum (4, the default): when the norm of the whole parameter
    gradient exceeds tau, every parameter gradient is multiplied by ``tau / ||grad||``. Each step's contribution to the weight gradient is
    linear in ``dL/dh_t``, so the dashed curve, ``||dL/dh_t||`` times that factor, shows
    what reaches the weights after clipping: a rigid shift, never a change of shape.

Values below :attr:`GradientSetup.floor` are drawn at the floor (a log axis cannot show
zero or 1e-300); the figure says so when it happens.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from lstm_edu._validate import check_finite_real, check_positive_int
from lstm_edu.cells import GRUParams, LSTMParams, RNNParams
from lstm_edu.config import GRUConfig, LSTMConfig, RNNConfig
from lstm_edu.sequence import GRU, LSTM, RNN
from lstm_edu.variants_compare import CELL_NAMES, CELLS
from lstm_edu.widgets.explorer import Blitter, Control, Renderer
from lstm_edu.widgets.fast_text import FastText, title_text

__all__ = [
    "CELL_TYPES",
    "CELL_LABELS",
    "GradientSetup",
    "GradientCurves",
    "build_model",
    "gradient_curves",
    "clip_factor",
    "GradientExplorer",
    "VariantGradientExplorer",
]

#: Cell types the explorer can compare, in the order of the variants chapter's control
#: (the cells of :mod:`lstm_edu.variants_compare`).
CELL_TYPES = CELLS
#: Display names of the cell types (those of the variants chapter's tables).
CELL_LABELS = CELL_NAMES
_LSTM_VARIANT = {"lstm": "vanilla", "peephole": "peephole", "cifg": "cifg"}


@dataclass(frozen=True)
class GradientSetup:
    """Fixed sizes and seed of the explorer's models and input.

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
        Plotted values below it are drawn at it.
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
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise TypeError(f"seed: expected a non-negative int, got {self.seed!r}")
        floor = check_finite_real("floor", self.floor)
        if not 0.0 < floor < 1.0:
            raise ValueError(f"floor: expected a value in (0, 1), got {self.floor}")

    def inputs(self) -> np.ndarray:
        """The fixed input sequence, (max_length, 1, D), standard normal."""
        return _inputs(self)

    def loss_direction(self) -> np.ndarray:
        """The unit vector u of the loss L = u . h_T, shape (1, H)."""
        return _loss_direction(self)


@lru_cache(maxsize=8)
def _inputs(setup: GradientSetup) -> np.ndarray:
    """Standard-normal input (max_length, 1, D), read-only."""
    rng = np.random.default_rng([setup.seed, 1])
    x = rng.standard_normal((setup.max_length, 1, setup.input_size))  # (T, 1, D)
    x.flags.writeable = False
    return x


@lru_cache(maxsize=8)
def _loss_direction(setup: GradientSetup) -> np.ndarray:
    """Random unit vector (1, H), read-only."""
    u = np.random.default_rng([setup.seed, 2]).standard_normal((1, setup.hidden_size))
    u /= np.linalg.norm(u)
    u.flags.writeable = False
    return u


@lru_cache(maxsize=8)
def _orthogonal_blocks(setup: GradientSetup, blocks: int) -> np.ndarray:
    """(H, blocks*H): ``blocks`` random orthogonal H x H matrices side by side."""
    H = setup.hidden_size
    rng = np.random.default_rng([setup.seed, 3, blocks])
    matrices = []
    for _ in range(blocks):
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        matrices.append(q * np.sign(np.diag(r)))  # sign fix: Haar-distributed
    stacked = np.concatenate(matrices, axis=1)
    stacked.flags.writeable = False
    return stacked


def _check_cell(cell: object) -> str:
    """``cell`` must be one of CELL_TYPES."""
    if not isinstance(cell, str) or cell not in CELL_TYPES:
        raise ValueError(f"cell: expected one of {', '.join(CELL_TYPES)}, got {cell!r}")
    return cell


def build_model(cell: str, weight_scale: float, forget_bias: float,
                setup: GradientSetup = GradientSetup()):
    """The explorer's model of one cell type with the given controls.

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
    cell = _check_cell(cell)
    scale = check_finite_real("weight_scale", weight_scale)
    if scale <= 0:
        raise ValueError(f"weight_scale: expected a positive number, got {weight_scale}")
    forget_bias = check_finite_real("forget_bias", forget_bias)
    if not isinstance(setup, GradientSetup):
        raise TypeError(f"setup: expected a GradientSetup, got {type(setup).__name__}")
    return _build_model(cell, scale, forget_bias, setup)


@lru_cache(maxsize=64)
def _build_model(cell: str, scale: float, forget_bias: float, setup: GradientSetup):
    """Cached body of build_model (arguments already checked); its arrays are read-only."""
    D, H, seed = setup.input_size, setup.hidden_size, setup.seed
    if cell == "rnn":
        cfg = RNNConfig(D, H)
        params = RNNParams.init(cfg, seed=seed)
        params.W_h = scale * _orthogonal_blocks(setup, 1)
        model = RNN(cfg, params)
    elif cell == "gru":
        cfg = GRUConfig(D, H)
        params = GRUParams.init(cfg, seed=seed)
        params.W_h = scale * _orthogonal_blocks(setup, 3)
        params.b[H:2 * H] += forget_bias                     # z: how much of h_{t-1} is kept
        model = GRU(cfg, params)
    else:
        cfg = LSTMConfig.variant(_LSTM_VARIANT[cell], D, H)
        params = LSTMParams.init(cfg, seed=seed, forget_bias=forget_bias)
        params.W_h = scale * _orthogonal_blocks(setup, 4)
        model = LSTM(cfg, params)
    for array in model.params.arrays().values():
        array.flags.writeable = False                        # shared by every caller
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
                    setup: GradientSetup = GradientSetup()) -> GradientCurves:
    """Backpropagate L = u . h_T through the explorer's model and return the norms.

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
    trace = model.forward(setup.inputs()[:length])          # (T, 1, H)
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
        Clipping threshold tau > 0.
    """
    param_norm = check_finite_real("param_norm", param_norm)
    threshold = check_finite_real("threshold", threshold)
    if param_norm < 0:
        raise ValueError(f"param_norm: expected a norm >= 0, got {param_norm}")
    if threshold <= 0:
        raise ValueError(f"threshold: expected a positive threshold, got {threshold}")
    return 1.0 if param_norm <= threshold else threshold / param_norm


# ----------------------------------------------------------------------------- renderers

_COLOURS = {"h": "#1f5fa8", "c": "#1b9e77", "clip": "#d95f02", "bound": "#888888"}
#: Lowest top of the y axis; it rises by whole decades when the data need it.
_TOP = 1e15
#: Colours of the palette PNG (the figures use a handful; 32 keeps antialiased edges).
_PNG_COLOURS = 32


def _decade_label(value: float, position: int | None = None) -> str:
    """Tick label of a power of ten in plain text: 1e-05, 1, 1e+03."""
    return "1" if value == 1.0 else f"{value:.0e}"


def _clamped(values: np.ndarray, floor: float) -> np.ndarray:
    """Values with everything below ``floor`` raised to it."""
    return np.maximum(values, floor)


def _top(arrays) -> float:
    """Top of the y axis: _TOP, or the decade above the largest value if that is higher."""
    high = max(float(a.max()) for a in arrays)
    return max(_TOP, 10.0 ** math.ceil(math.log10(high) + 1e-9))


def _set_y_range(axes, bottom: float, top: float) -> None:
    """Log y limits with a tick at every tenth decade (1e-30, 1e-20, ..., 1, 1e10)."""
    axes.set_ylim(bottom, top)
    low, high = math.ceil(math.log10(bottom) / 10), math.floor(math.log10(top) / 10)
    axes.yaxis.set_major_locator(FixedLocator([10.0 ** (10 * k) for k in range(low, high + 1)]))


class _Panel:
    """One axes of the explorer: fixed axes and ticks, plus the artists each update changes."""

    def __init__(self, axes, setup: GradientSetup, bound: bool) -> None:
        self.axes = axes
        axes.set_yscale("log")
        # plain-text decade labels and no minor ticks: mathtext tick labels are the
        # slowest part of drawing a log axis that spans dozens of decades
        axes.yaxis.set_major_formatter(FuncFormatter(_decade_label))
        axes.yaxis.set_minor_locator(NullLocator())
        axes.set_xlim(1, setup.max_length)
        axes.set_xlabel("time step $t$")
        (self.h_line,) = axes.plot([1, 2], [1, 1], color=_COLOURS["h"], lw=1.8,
                                   label=r"$\|\partial L/\partial h_t\|$")
        (self.c_line,) = axes.plot([1, 2], [1, 1], color=_COLOURS["c"], lw=1.0,
                                   label=r"$\|\partial L/\partial C_t\|$")
        (self.clip_line,) = axes.plot([1, 2], [1, 1], color=_COLOURS["clip"], lw=1.2, ls="--",
                                      label=r"$\|\partial L/\partial h_t\|$ after clipping")
        (self.bound_line,) = axes.plot([1, 2], [1, 1], color=_COLOURS["bound"], lw=1.0,
                                       ls=":", label="RNN bound $s^{T-t}$", visible=bound)
        # texts that change on every move: cached glyphs (lstm_edu.widgets.fast_text)
        self.title = title_text(axes)
        self.floor_note = FastText(0.98, 0.96, "", transform=axes.transAxes, fontsize=7, ha="right", va="top",
                                   color="#555555")
        axes.add_artist(self.floor_note)
        # drawn over a cached background (GradientExplorer.png)
        self.dynamic = (self.h_line, self.c_line, self.clip_line, self.bound_line, self.title,
                        self.floor_note)

    def show(self, steps: np.ndarray, curves: GradientCurves, factor: float, floor: float,
             bound: np.ndarray | None) -> list[np.ndarray]:
        """Set every line's data (clamped at ``floor``); return the arrays the y range must hold."""
        data = [_clamped(curves.h_norm, floor), _clamped(curves.h_norm * factor, floor)]
        self.h_line.set_data(steps, data[0])
        self.clip_line.set_data(steps, data[1])
        self.c_line.set_visible(curves.c_norm is not None)
        if curves.c_norm is not None:
            data.append(_clamped(curves.c_norm, floor))
            self.c_line.set_data(steps, data[-1])
        if bound is not None:
            self.bound_line.set_data(steps, _clamped(bound, floor))
        at_floor = any(float(values.min()) <= floor for values in data)
        self.floor_note.set_text(f"values below {floor:.0e} drawn at {floor:.0e}" if at_floor else "")
        return data


class GradientExplorer(Renderer):
    """A vanilla RNN and a gated cell side by side: ``||dL/dh_t||`` over time, log scale.

    Parameters
    ----------
    cell : {"lstm", "peephole", "cifg", "gru", "rnn"}, default "lstm"
        The cell of the right-hand panel (the left one is always the vanilla RNN).
    setup : GradientSetup, optional
        Sizes, seed and plotting floor.

    Attributes
    ----------
    curves : dict of str to GradientCurves
        ``"left"`` and ``"right"``: the numbers last plotted.
    panels : dict of str to _Panel
        ``"left"`` and ``"right"``: ``axes``, the lines ``h_line`` (``||dL/dh_t||``),
        ``c_line`` (``||dL/dc_t||``, LSTM variants), ``clip_line`` (after clipping),
        ``bound_line`` (``s**(T-t)``, left panel only), ``title`` and ``floor_note``.

    Notes
    -----
    See the module docstring for what each control sets. Both panels share one fixed
    y range, from ``setup.floor`` to 1e15 (higher only if the data need it), and the x
    axis always spans ``1..setup.max_length``, so frames can be compared by eye.

    Speed: the axes, ticks and legend never change, so they are drawn once into a
    cached background; ``png()`` restores it and draws only the lines and titles on top
    (matplotlib "blitting"), then writes a 32-colour palette PNG (about a quarter of
    the bytes of an RGBA one, which matters for the frames stored in a page).
    """

    controls = {
        "weight_scale": Control("recurrent weight scale $s$", 0.25, 3.0, 1.0, 0.05),
        "forget_bias": Control("forget-gate bias $b_f$", -2.0, 6.0, 1.0, 0.25),
        "length": Control("sequence length $T$", 5.0, 100.0, 100.0, 1.0, fmt=".0f"),
        "clip_log10": Control(r"clip threshold $\log_{10}\tau$ (4 = off)", -1.0, 4.0, 4.0, 0.5,
                              fmt=".1f"),
    }
    alt_text = (
        "Two log-scale plots of the gradient norm at every time step, vanilla RNN on the left, "
        "gated cell on the right; the curves fall towards early steps when gradients vanish "
        "and rise when they explode; a dashed curve shows the gradient after norm clipping."
    )

    def __init__(self, cell: str = "lstm", setup: GradientSetup = GradientSetup()) -> None:
        if not isinstance(setup, GradientSetup):
            raise TypeError(f"setup: expected a GradientSetup, got {type(setup).__name__}")
        if setup.max_length < self.controls["length"].high:
            raise ValueError(f"setup.max_length: expected at least the length control's maximum "
                             f"{self.controls['length'].high:g}, got {setup.max_length}")
        self.setup = setup
        self.cell = _check_cell(cell)
        super().__init__()
        self.figure = Figure(figsize=(7.0, 3.1), dpi=72)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.12, right=0.985, bottom=0.14, top=0.78, wspace=0.05)
        left, right = self.figure.subplots(1, 2, sharey=True)
        self.panels = {"left": _Panel(left, setup, bound=True),
                       "right": _Panel(right, setup, bound=False)}
        left.set_ylabel("gradient norm (log scale)")
        _set_y_range(left, setup.floor, _TOP)
        first = self.panels["left"]
        self.figure.legend(handles=[first.h_line, first.c_line, first.clip_line, first.bound_line],
                           loc="upper center", ncols=4, fontsize=8, frameon=False)
        self._blitter: Blitter | None = None
        self.curves: dict[str, GradientCurves] = {}
        self.update()

    def _cells(self, values: dict) -> dict[str, str]:
        """Cell type of each panel."""
        return {"left": "rnn", "right": self.cell}

    def draw(self, weight_scale: float, forget_bias: float, length: float, clip_log10: float,
             **others: float) -> None:
        length = int(round(length))
        clipping_off = clip_log10 >= self.controls["clip_log10"].high
        tau = math.inf if clipping_off else 10.0 ** clip_log10
        steps = np.arange(1, length + 1)                          # (T,)
        ranged = []
        for side, cell in self._cells(others).items():
            curves = gradient_curves(cell, weight_scale, forget_bias, length, self.setup)
            self.curves[side] = curves
            factor = 1.0 if clipping_off else clip_factor(curves.param_norm, tau)
            panel = self.panels[side]
            panel.clip_line.set_visible(not clipping_off)
            bound = weight_scale ** (length - steps.astype(float)) if side == "left" else None
            ranged += panel.show(steps, curves, factor, self.setup.floor, bound)
            panel.title.set_text(_title(cell) + "\n"
                                 + _clip_status(curves.param_norm, tau, factor))
        axes = self.panels["left"].axes
        top = _top(ranged)
        if top != axes.get_ylim()[1]:
            _set_y_range(axes, self.setup.floor, top)
            self._blitter = None

    def png(self) -> bytes:
        """The figure as a palette PNG: cached background plus the artists that changed."""
        if self._blitter is None:  # first frame, or the y range changed
            dynamic = [artist for panel in self.panels.values() for artist in panel.dynamic]
            self._blitter = Blitter(self.figure, dynamic, colours=_PNG_COLOURS)
        return self._blitter.png()


def _title(cell: str) -> str:
    """First title line: the cell (the sliders already show the control values)."""
    return CELL_LABELS[cell]


def _clip_status(param_norm: float, tau: float, factor: float) -> str:
    """Second title line: the parameter-gradient norm and what clipping does to it."""
    if math.isinf(tau):
        return f"‖∇θL‖ = {param_norm:.2g}, no clipping"
    if factor < 1.0:
        return f"‖∇θL‖ = {param_norm:.2g} > τ: clipped × {factor:.2g}"
    return f"‖∇θL‖ = {param_norm:.2g} ≤ τ: not clipped"


class VariantGradientExplorer(GradientExplorer):
    """The gradient explorer with a cell-type control for the right-hand panel.

    The ``cell`` control is an index into :data:`CELL_TYPES`:
    0 LSTM, 1 peephole LSTM, 2 CIFG, 3 GRU, 4 vanilla RNN.
    """

    controls = {
        "cell": Control("cell: 0 LSTM, 1 peephole, 2 CIFG, 3 GRU, 4 RNN", 0.0, 4.0, 0.0, 1.0,
                        fmt=".0f"),
        **GradientExplorer.controls,
    }

    def __init__(self, setup: GradientSetup = GradientSetup()) -> None:
        super().__init__(cell="lstm", setup=setup)

    def _cells(self, values: dict) -> dict[str, str]:
        """The right-hand cell follows the ``cell`` control."""
        self.cell = CELL_TYPES[int(round(values["cell"]))]
        return {"left": "rnn", "right": self.cell}
