"""What a forward pass keeps: :class:`Trace` (the model's layout) over :class:`TimeMajor`.

A trace holds every intermediate of one forward pass of :mod:`lstm_edu.sequence`'s LSTM,
GRU or RNN: inputs, states, gates and pre-activations. The arrays are stored time-major,
``(T, B, ·)`` (:class:`TimeMajor`, what backpropagation reads); a trace hands them out in
the model's layout, ``(B, T, ·)`` when ``batch_first``, as views (no copy).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import GRU_GATES, LSTM_GATES

__all__ = ["Trace", "TimeMajor"]


@dataclass
class TimeMajor:
    """The arrays of a trace in time-major layout, ``(T, B, ·)``, whatever ``batch_first``.

    Read-only views (not necessarily contiguous). ``gates`` and ``pre`` stack the gate
    blocks in torch order, ``(T, B, G*H)``; ``cell_output`` is tanh(c) (or c for NOAF);
    ``hn`` is the GRU's ``h_prev W_hn + b_hn``.
    """

    x: np.ndarray                       # (T, B, D)
    h0: np.ndarray                      # (B, H)
    h: np.ndarray                       # (T, B, H)
    pre: np.ndarray                     # (T, B, G*H)
    gates: np.ndarray | None = None     # (T, B, G*H)
    c0: np.ndarray | None = None        # (B, H)
    c: np.ndarray | None = None         # (T, B, H)
    cell_output: np.ndarray | None = None  # (T, B, H)
    hn: np.ndarray | None = None        # (T, B, H)

    def freeze(self) -> None:
        """Mark every array read-only, so the trace that backward needs cannot change."""
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


class Trace:
    """Everything a forward pass computed, over time, in the model's layout.

    Attributes
    ----------
    kind : {"lstm", "gru", "rnn"}
    batch_first : bool
    h : ndarray, (T, B, H) or (B, T, H)
        Hidden states h_1..h_T.
    c : ndarray or None
        LSTM cell states c_1..c_T (same layout), else None.
    gates : dict of ndarray
        LSTM ``i, f, g, o`` (torch order; ``g`` is the seeds' candidate C~_t; a disabled
        gate is all ones and CIFG's ``i`` is ``1 - f``), GRU ``r, z, n``; empty for RNN.
        Each gate is also an attribute: ``trace.f``.
    pre : dict of ndarray
        Pre-activations of the gates computed from one (LSTM: active gates only; GRU:
        ``r, z, n`` and ``hn = h_prev W_hn + b_hn``; RNN: ``h``).
    h0, c0 : ndarray, (B, H)
        Initial states used (zeros when not given); c0 is None except for LSTM.
    h_T, c_T : ndarray, (B, H)
        Final states (torch's ``h_n``, ``c_n`` without the layer axis).
    time_major : TimeMajor
        The same arrays, time-major (used by backward).
    """

    def __init__(self, kind: str, batch_first: bool, time_major: TimeMajor, gate_names,
                 pre_names):
        self.kind = kind
        self.batch_first = batch_first
        self.time_major = time_major
        self._gate_names = tuple(gate_names)
        self._pre_names = tuple(pre_names)
        time_major.freeze()

    def in_layout(self, array: np.ndarray | None) -> np.ndarray | None:
        """A time-major ``(T, B, ·)`` array in the model's layout (a view; None stays None)."""
        if array is None or not self.batch_first:
            return array
        return array.swapaxes(0, 1)

    def _block(self, stacked: np.ndarray, k: int) -> np.ndarray:
        """Gate block k of a stacked (T, B, G*H) array, in the model's layout."""
        H = self.time_major.h.shape[2]
        return self.in_layout(stacked[:, :, k * H:(k + 1) * H])

    @property
    def x(self) -> np.ndarray:
        """The input, as used (cast to the parameters' dtype)."""
        return self.in_layout(self.time_major.x)

    @property
    def h(self) -> np.ndarray:
        """Hidden states h_1..h_T."""
        return self.in_layout(self.time_major.h)

    @property
    def c(self) -> np.ndarray | None:
        """Cell states c_1..c_T (LSTM), else None."""
        return self.in_layout(self.time_major.c)

    @property
    def h0(self) -> np.ndarray:
        """Initial hidden state (B, H)."""
        return self.time_major.h0

    @property
    def c0(self) -> np.ndarray | None:
        """Initial cell state (B, H) (LSTM), else None."""
        return self.time_major.c0

    @property
    def h_T(self) -> np.ndarray:
        """Final hidden state (B, H)."""
        return self.time_major.h[-1]

    @property
    def c_T(self) -> np.ndarray | None:
        """Final cell state (B, H) (LSTM), else None."""
        return None if self.time_major.c is None else self.time_major.c[-1]

    @property
    def gates(self) -> dict[str, np.ndarray]:
        """Gate values by name, in the model's layout."""
        return {name: self._block(self.time_major.gates, k)
                for k, name in enumerate(self._gate_names)}

    @property
    def pre(self) -> dict[str, np.ndarray]:
        """Pre-activations by name, in the model's layout."""
        names = LSTM_GATES if self.kind == "lstm" else GRU_GATES if self.kind == "gru" else ("h",)
        result = {name: self._block(self.time_major.pre, k) for k, name in enumerate(names)
                  if name in self._pre_names}
        if self.kind == "gru":
            result["hn"] = self.in_layout(self.time_major.hn)
        return result

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self.__dict__.get("_gate_names", ()):
            raise AttributeError(
                f"{type(self).__name__} of a {self.__dict__.get('kind', '?')} has no attribute "
                f"{name!r} (gates: {', '.join(self.__dict__.get('_gate_names', ())) or 'none'})"
            )
        return self.gates[name]

    def __repr__(self) -> str:
        T, B, H = self.time_major.h.shape
        return (f"Trace(kind={self.kind!r}, T={T}, B={B}, H={H}, batch_first={self.batch_first}, "
                f"gates={list(self._gate_names)})")
