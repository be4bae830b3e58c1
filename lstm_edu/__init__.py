"""lstm_edu: the numerics behind the book "Understanding LSTM Networks, interactively".

The numerical core is numpy (float64 by default) and imports no torch:

- :mod:`lstm_edu.config`     -- LSTMConfig (and its variants), GRUConfig, RNNConfig
- :mod:`lstm_edu.cells`      -- parameters and one time step of each cell; gated_memory
- :mod:`lstm_edu.sequence`   -- LSTM, GRU, RNN over a batch of sequences -> Trace
- :mod:`lstm_edu.bptt`       -- backpropagation through time by hand -> Gradients
- :mod:`lstm_edu.gradients`  -- Jacobian products dh_T/dh_t (vanishing and exploding)
- :mod:`lstm_edu.torch_bridge` -- from_torch: a numpy twin of a torch.nn.LSTM/GRU/RNN
"""
from __future__ import annotations

from .bptt import Gradients
from .cells import gated_memory
from .config import VARIANTS, GRUConfig, LSTMConfig, RNNConfig
from .gradients import jacobian_norms
from .sequence import GRU, LSTM, RNN, Trace

__all__ = [
    "LSTMConfig",
    "GRUConfig",
    "RNNConfig",
    "VARIANTS",
    "LSTM",
    "GRU",
    "RNN",
    "Trace",
    "Gradients",
    "gated_memory",
    "jacobian_norms",
    "from_torch",
]


def from_torch(module, dtype="float64"):
    """numpy twin of a single-layer torch.nn.LSTM/GRU/RNN (see lstm_edu.torch_bridge.from_torch).

    torch is imported only when this is called.
    """
    from .torch_bridge import from_torch as _from_torch

    return _from_torch(module, dtype=dtype)
