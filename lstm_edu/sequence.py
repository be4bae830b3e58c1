"""Sequence models: run a cell over a batch of sequences and keep every intermediate.

``LSTM``, ``GRU`` and ``RNN`` hold a config, parameters (see :mod:`lstm_edu.params`) and
a layout flag ``batch_first``. ``forward`` returns a :class:`~lstm_edu.trace.Trace`;
``backward`` (backpropagation through time, :mod:`lstm_edu.bptt`) returns
:class:`~lstm_edu.bptt.Gradients`.

Layouts: inputs and every array of a trace are ``(T, B, ·)``, or ``(B, T, ·)`` when
``batch_first`` (as in torch). Initial and final states are always ``(B, H)``.

Internally the forward pass stores each step feature-major, ``(T, ·, B)`` (see the
kernels in :mod:`lstm_edu.kernels` for why); every array a trace hands out is a view of
that storage in the requested layout, so no layout costs a copy.
"""
from __future__ import annotations

import numpy as np

from . import bptt
from .config import GRUConfig, LSTMConfig, RNNConfig
from .kernels import GRUStep, LSTMStep, RNNStep
from .params import (
    GRU_GATES,
    LSTM_GATES,
    GRUParams,
    LSTMParams,
    RNNParams,
    lstm_active_gates,
    stacked_input_weights,
)
from .trace import TimeMajor, Trace
from .validation import as_float_array, check_bool, check_shape

# Trace and TimeMajor live in lstm_edu.trace; they stay importable from here.
__all__ = ["LSTM", "GRU", "RNN", "Trace", "TimeMajor"]


def _time_major(feature_major: np.ndarray) -> np.ndarray:
    """(T, F, B) storage -> (T, B, F) view."""
    return feature_major.transpose(0, 2, 1)


class _SequenceModel:
    """Shared validation and layout handling of LSTM, GRU and RNN."""

    kind = ""
    _config_cls = None
    _params_cls = None

    def __init__(self, cfg, params, batch_first: bool = False):
        if not isinstance(cfg, self._config_cls):
            raise TypeError(f"cfg: expected a {self._config_cls.__name__}, "
                            f"got {type(cfg).__name__}")
        if not isinstance(params, self._params_cls):
            raise TypeError(f"params: expected {self._params_cls.__name__}, "
                            f"got {type(params).__name__}")
        self.cfg = cfg
        self.params = params.checked(cfg)
        self.batch_first = check_bool("batch_first", batch_first)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.cfg}, dtype={self.dtype}, "
                f"batch_first={self.batch_first})")

    @property
    def dtype(self) -> np.dtype:
        """Floating dtype of the parameters (inputs are cast to it)."""
        return self.params.dtype

    @property
    def hidden_size(self) -> int:
        """H."""
        return self.cfg.hidden_size

    @property
    def input_size(self) -> int:
        """D."""
        return self.cfg.input_size

    def _layout_dims(self, feature) -> tuple:
        """Expected shape of a sequence argument in the model's layout."""
        return ("B", "T", feature) if self.batch_first else ("T", "B", feature)

    def _time_major_input(self, x) -> np.ndarray:
        """Validate x and return it time-major in the params' dtype (maybe a view): (T, B, D)."""
        x = as_float_array("x", x, self.dtype)
        check_shape("x", x, self._layout_dims(self.input_size))
        return x.swapaxes(0, 1) if self.batch_first else x

    def _initial_state(self, name: str, value, batch: int) -> np.ndarray:
        """Validate an initial state (B, H); zeros when None."""
        if value is None:
            return np.zeros((batch, self.hidden_size), dtype=self.dtype)
        value = as_float_array(name, value, self.dtype)
        check_shape(name, value, (batch, self.hidden_size))
        return value.copy()

    def _allocate(self, *shapes: tuple) -> list[np.ndarray]:
        """Empty arrays of the given shapes, all carved from one block of memory.

        One allocation per trace instead of one per array keeps the allocator from
        handing the memory back to the OS between calls; otherwise every forward pass
        pays thousands of page faults (measured: a quarter of the time at B=32, H=64).
        """
        sizes = [int(np.prod(shape)) for shape in shapes]
        block = np.empty(sum(sizes), dtype=self.dtype)
        offsets = np.cumsum([0] + sizes)
        return [block[start:stop].reshape(shape)
                for start, stop, shape in zip(offsets[:-1], offsets[1:], shapes)]

    def _project_inputs(self, x: np.ndarray, x_ones: np.ndarray, pre: np.ndarray) -> None:
        """Fill x_ones (T, D+1, B) with [x_t; 1] and pre (T, G*H, B) with x_t W_x + b.

        One matrix product for all steps; the row of ones carries the bias. x_ones is
        the trace's own copy of the input.
        """
        D = x.shape[2]
        np.copyto(x_ones[:, :D], x.transpose(0, 2, 1))       # (T, B, D) -> (T, D, B)
        x_ones[:, D] = 1.0
        np.matmul(stacked_input_weights(self.params), x_ones, out=pre)

    def _sequence_argument(self, name: str, value, trace: Trace) -> np.ndarray:
        """Validate a (T, B, H) gradient in the model's layout; return it time-major."""
        T, B, H = trace.time_major.h.shape
        value = as_float_array(name, value, self.dtype)
        expected = (B, T, H) if self.batch_first else (T, B, H)
        layout = "(B, T, H)" if self.batch_first else "(T, B, H)"
        if value.shape != expected:
            raise ValueError(f"{name}: expected shape {layout} = {expected} like trace.h, "
                             f"got shape {value.shape}")
        return value.swapaxes(0, 1) if self.batch_first else value

    def _final_argument(self, name: str, value, trace: Trace) -> np.ndarray | None:
        """Validate a (B, H) gradient on a final state."""
        if value is None:
            return None
        value = as_float_array(name, value, self.dtype)
        check_shape(name, value, trace.time_major.h0.shape)
        return value

    def check_trace(self, trace) -> None:
        """Raise unless ``trace`` comes from a model of this kind, sizes, layout and dtype.

        TypeError when ``trace`` is not a :class:`Trace`, ValueError naming what differs.
        """
        if not isinstance(trace, Trace):
            raise TypeError(f"trace: expected a Trace from forward(), got {type(trace).__name__}")
        T, B, H = trace.time_major.h.shape
        D = trace.time_major.x.shape[2]
        if (trace.kind != self.kind or H != self.hidden_size or D != self.input_size
                or trace.batch_first != self.batch_first or trace.time_major.h.dtype != self.dtype):
            raise ValueError(
                f"trace: expected a trace of this {self.kind} model (H={self.hidden_size}, "
                f"D={self.input_size}, batch_first={self.batch_first}, dtype={self.dtype}), got a "
                f"{trace.kind} trace with H={H}, D={D}, batch_first={trace.batch_first}, "
                f"dtype={trace.time_major.h.dtype}"
            )

    def _backward_arguments(self, trace, dh, dh_T, dc_T_given: bool = False):
        """Validate the common backward arguments; return dh time-major with dh_T added."""
        self.check_trace(trace)
        if dh is None and dh_T is None and not dc_T_given:
            names = "dh, dh_T, dc_T" if self.kind == "lstm" else "dh, dh_T"
            raise ValueError(f"{names}: expected at least one gradient to backpropagate, "
                             f"got None for all")
        T, B, H = trace.time_major.h.shape
        if dh is None:
            dh_ext = np.zeros((T, B, H), dtype=self.dtype)
        else:
            dh_ext = np.array(self._sequence_argument("dh", dh, trace), dtype=self.dtype,
                              order="C", copy=True)
        dh_T = self._final_argument("dh_T", dh_T, trace)
        if dh_T is not None:
            dh_ext[-1] += dh_T
        return dh_ext

    def _gradients(self, raw: "bptt.RawGradients", trace: Trace) -> "bptt.Gradients":
        """Time-major raw gradients -> Gradients in the model's layout."""
        layout = trace.in_layout
        return bptt.Gradients(
            params=raw.params, dx=layout(raw.dx), dh0=raw.dh0, dc0=raw.dc0,
            h_norm=bptt.step_norms(raw.dloss_dh),
            c_norm=None if raw.dloss_dc is None else bptt.step_norms(raw.dloss_dc),
            dloss_dh=layout(raw.dloss_dh), dloss_dc=layout(raw.dloss_dc),
        )


_FORWARD_DOC = """

        Parameters
        ----------
        x : array_like, (T, B, D), or (B, T, D) when batch_first
            Floating-point input (cast to the parameters' dtype). T, B >= 1.
        h0{c0} : array_like, (B, H), optional
            Initial state; zeros when omitted.

        Returns
        -------
        Trace
        """

_BACKWARD_DOC = """

        Parameters
        ----------
        trace : Trace
            From this model's ``forward``.
        dh : array_like, shape of ``trace.h``, optional
            dL/dh_t coming from the loss at every step (not through the recurrence).
        dh_T{dc_T} : array_like, (B, H), optional
            Extra gradient on the final state(s) (e.g. a loss on torch's ``h_n``).

        Returns
        -------
        Gradients
            Parameter gradients (keys of ``params.arrays()``), ``dx`` (layout of x),
            ``dh0``{dc0}, the total dL/dh_t{total_c} per step and their norms.
        """


class LSTM(_SequenceModel):
    """An LSTM (any variant of :class:`~lstm_edu.config.LSTMConfig`) over sequences.

    Parameters
    ----------
    cfg : LSTMConfig
    params : LSTMParams
    batch_first : bool, default False
        Layout of inputs and traces, as in ``torch.nn.LSTM``.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_edu import LSTM, LSTMConfig
    >>> model = LSTM.init(LSTMConfig(input_size=3, hidden_size=4), seed=0)
    >>> trace = model.forward(np.zeros((5, 2, 3)))
    >>> trace.h.shape, trace.f.shape
    ((5, 2, 4), (5, 2, 4))
    """

    kind = "lstm"
    _config_cls = LSTMConfig
    _params_cls = LSTMParams

    @classmethod
    def init(cls, cfg: LSTMConfig, seed: int = 0, forget_bias: float = 0.0,
             scale: float | None = None, dtype=np.float64, batch_first: bool = False) -> "LSTM":
        """A model with random parameters from :meth:`LSTMParams.init`."""
        params = LSTMParams.init(cfg, seed=seed, forget_bias=forget_bias, scale=scale, dtype=dtype)
        return cls(cfg, params, batch_first=batch_first)

    def forward(self, x, h0=None, c0=None) -> Trace:
        x = self._time_major_input(x)                        # (T, B, D)
        T, B, D = x.shape
        H = self.hidden_size
        h0 = self._initial_state("h0", h0, B)                # (B, H)
        c0 = self._initial_state("c0", c0, B)                # (B, H)
        n_states = 3 if self.cfg.output_activation else 2
        x_ones, pre, gates, *states = self._allocate((T, D + 1, B), *[(T, 4 * H, B)] * 2,
                                                     *[(T, H, B)] * n_states)
        self._project_inputs(x, x_ones, pre)
        h, c = states[:2]                                    # (T, H, B)
        c_out = states[2] if self.cfg.output_activation else c
        step = LSTMStep(self.params, self.cfg, B)
        h_prev, c_prev = h0.T.copy(), c0.T.copy()            # (H, B)
        with np.errstate(over="ignore"):
            for t in range(T):
                step(pre[t], gates[t], h_prev, c_prev, c[t], c_out[t], h[t])
                h_prev, c_prev = h[t], c[t]
        time_major = TimeMajor(x=_time_major(x_ones[:, :D]), h0=h0, c0=c0, h=_time_major(h),
                               pre=_time_major(pre), gates=_time_major(gates), c=_time_major(c),
                               cell_output=_time_major(c_out))
        return Trace("lstm", self.batch_first, time_major, LSTM_GATES, lstm_active_gates(self.cfg))

    forward.__doc__ = "Run the LSTM over a batch of sequences." + _FORWARD_DOC.format(c0=", c0")

    def backward(self, trace: Trace, dh=None, dh_T=None, dc_T=None) -> "bptt.Gradients":
        dh_ext = self._backward_arguments(trace, dh, dh_T, dc_T_given=dc_T is not None)
        dc_T = self._final_argument("dc_T", dc_T, trace)
        raw = bptt.lstm_backward(self.params, self.cfg, trace.time_major, dh_ext, dc_T)
        return self._gradients(raw, trace)

    backward.__doc__ = ("Backpropagation through time (hand-written) for every parameter, "
                        "the input and the initial states." + _BACKWARD_DOC.format(
                            dc_T=", dc_T", dc0=", ``dc0``", total_c=" and dL/dc_t"))


class GRU(_SequenceModel):
    """A GRU in torch's formulation (see :func:`lstm_edu.cells.gru_cell`) over sequences.

    Parameters
    ----------
    cfg : GRUConfig
    params : GRUParams
    batch_first : bool, default False
    """

    kind = "gru"
    _config_cls = GRUConfig
    _params_cls = GRUParams

    @classmethod
    def init(cls, cfg: GRUConfig, seed: int = 0, scale: float | None = None, dtype=np.float64,
             batch_first: bool = False) -> "GRU":
        """A model with random parameters from :meth:`GRUParams.init`."""
        return cls(cfg, GRUParams.init(cfg, seed=seed, scale=scale, dtype=dtype),
                   batch_first=batch_first)

    def forward(self, x, h0=None) -> Trace:
        x = self._time_major_input(x)                        # (T, B, D)
        T, B, D = x.shape
        H = self.hidden_size
        h0 = self._initial_state("h0", h0, B)                # (B, H)
        x_ones, pre, gates, hn, h = self._allocate((T, D + 1, B), (T, 3 * H, B), (T, 3 * H, B),
                                                    (T, H, B), (T, H, B))
        self._project_inputs(x, x_ones, pre)
        step = GRUStep(self.params, self.cfg, B)
        h_prev = h0.T.copy()                                 # (H, B)
        with np.errstate(over="ignore"):
            for t in range(T):
                step(pre[t], gates[t], hn[t], h_prev, h[t])
                h_prev = h[t]
        time_major = TimeMajor(x=_time_major(x_ones[:, :D]), h0=h0, h=_time_major(h),
                               pre=_time_major(pre), gates=_time_major(gates), hn=_time_major(hn))
        return Trace("gru", self.batch_first, time_major, GRU_GATES, GRU_GATES)

    forward.__doc__ = "Run the GRU over a batch of sequences." + _FORWARD_DOC.format(c0="")

    def backward(self, trace: Trace, dh=None, dh_T=None) -> "bptt.Gradients":
        dh_ext = self._backward_arguments(trace, dh, dh_T)
        return self._gradients(bptt.gru_backward(self.params, self.cfg, trace.time_major, dh_ext),
                               trace)

    backward.__doc__ = ("Backpropagation through time (hand-written)."
                        + _BACKWARD_DOC.format(dc_T="", dc0="", total_c=""))


class RNN(_SequenceModel):
    """A vanilla (Elman) RNN with tanh or relu, as ``torch.nn.RNN``, over sequences.

    Parameters
    ----------
    cfg : RNNConfig
    params : RNNParams
    batch_first : bool, default False
    """

    kind = "rnn"
    _config_cls = RNNConfig
    _params_cls = RNNParams

    @classmethod
    def init(cls, cfg: RNNConfig, seed: int = 0, scale: float | None = None, dtype=np.float64,
             batch_first: bool = False) -> "RNN":
        """A model with random parameters from :meth:`RNNParams.init`."""
        return cls(cfg, RNNParams.init(cfg, seed=seed, scale=scale, dtype=dtype),
                   batch_first=batch_first)

    def forward(self, x, h0=None) -> Trace:
        x = self._time_major_input(x)                        # (T, B, D)
        T, B, D = x.shape
        h0 = self._initial_state("h0", h0, B)                # (B, H)
        x_ones, pre, h = self._allocate((T, D + 1, B), *[(T, self.hidden_size, B)] * 2)
        self._project_inputs(x, x_ones, pre)
        step = RNNStep(self.params, self.cfg, B)
        h_prev = h0.T.copy()                                 # (H, B)
        for t in range(T):
            step(pre[t], h_prev, h[t])
            h_prev = h[t]
        time_major = TimeMajor(x=_time_major(x_ones[:, :D]), h0=h0, h=_time_major(h),
                               pre=_time_major(pre))
        return Trace("rnn", self.batch_first, time_major, (), ("h",))

    forward.__doc__ = "Run the RNN over a batch of sequences." + _FORWARD_DOC.format(c0="")

    def backward(self, trace: Trace, dh=None, dh_T=None) -> "bptt.Gradients":
        dh_ext = self._backward_arguments(trace, dh, dh_T)
        return self._gradients(bptt.rnn_backward(self.params, self.cfg, trace.time_major, dh_ext),
                               trace)

    backward.__doc__ = ("Backpropagation through time (hand-written)."
                        + _BACKWARD_DOC.format(dc_T="", dc0="", total_c=""))
