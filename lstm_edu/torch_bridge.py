"""``from_torch``: the numpy twin of a single-layer ``torch.nn.LSTM``, ``GRU`` or ``RNN``.

Mapping of torch's parameters (``W`` transposed because we compute ``x W``)::

    LSTM  W_x = weight_ih_l0.T   W_h = weight_hh_l0.T   b = bias_ih_l0 + bias_hh_l0
    GRU   same W_x, W_h;  b = [b_ir + b_hr, b_iz + b_hz, b_in];  b_hn = bias_hh_l0[2H:]
    RNN   same W_x, W_h;  b = bias_ih_l0 + bias_hh_l0;  nonlinearity copied

torch's gate order is kept (LSTM ``i, f, g, o`` -- torch's ``g`` is the seeds'
candidate C~_t; GRU ``r, z, n``). torch's two LSTM/RNN biases only ever appear summed,
so one bias is equivalent; the GRU's ``b_hn`` is multiplied by the reset gate, so it
stays separate. ``batch_first`` is copied, so ``model.forward(x)`` takes the module's
input layout and ``trace.h`` has its output layout.
"""
from __future__ import annotations

import numpy as np

from .cells import GRUParams, LSTMParams, RNNParams
from .config import GRUConfig, LSTMConfig, RNNConfig
from .sequence import GRU, LSTM, RNN

__all__ = ["from_torch"]


def _numpy(tensor, dtype: np.dtype) -> np.ndarray:
    """A detached copy of a torch tensor as a numpy array of ``dtype`` (via float64, exact)."""
    return tensor.detach().cpu().double().numpy().astype(dtype)


def _check_single_layer(module) -> None:
    """Reject what the numpy models do not implement."""
    problems = []
    if module.num_layers != 1:
        problems.append(f"num_layers={module.num_layers} (expected 1)")
    if module.bidirectional:
        problems.append("bidirectional=True (expected False)")
    if getattr(module, "proj_size", 0):
        problems.append(f"proj_size={module.proj_size} (expected 0)")
    if module.dropout > 0:
        problems.append(f"dropout={module.dropout} (expected 0)")
    if problems:
        raise ValueError(f"module: only single-layer, unidirectional modules without projection "
                         f"or dropout are supported, got {', '.join(problems)}")


def _resolve_dtype(dtype, module):
    """float32/float64 from ``dtype``; None keeps the module's dtype."""
    if dtype is None:
        name = str(next(module.parameters()).dtype).replace("torch.", "")
        if name not in ("float32", "float64"):
            raise TypeError(f"module: expected float32 or float64 parameters, got {name}")
        return np.dtype(name)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype: expected 'float64', 'float32' or None, got {dtype!r}")
    return resolved


def from_torch(module, dtype="float64"):
    """Copy a single-layer torch recurrent module into the numpy model with the same weights.

    Parameters
    ----------
    module : torch.nn.LSTM, torch.nn.GRU or torch.nn.RNN
        Single layer, unidirectional, no ``proj_size``, ``dropout=0``; ``batch_first``
        and ``bias`` either way; for RNN, tanh or relu.
    dtype : {"float64", "float32", None}, default "float64"
        dtype of the numpy parameters; None keeps the module's.

    Returns
    -------
    LSTM, GRU or RNN
        With the module's ``batch_first``. Its forward matches ``module(x)``: ``trace.h``
        is torch's ``output`` and ``trace.h_T``/``trace.c_T`` are ``h_n[0]``/``c_n[0]``.

    Raises
    ------
    TypeError
        Not one of the three module types, or unsupported dtype.
    ValueError
        Multi-layer, bidirectional, projected or dropout modules.
    """
    import torch

    kinds = ((torch.nn.LSTM, "lstm"), (torch.nn.GRU, "gru"), (torch.nn.RNN, "rnn"))
    kind = next((name for cls, name in kinds if isinstance(module, cls)), None)
    if kind is None:
        raise TypeError(f"module: expected torch.nn.LSTM, torch.nn.GRU or torch.nn.RNN, "
                        f"got {type(module).__name__}")
    _check_single_layer(module)
    dtype = _resolve_dtype(dtype, module)
    D, H = module.input_size, module.hidden_size
    W_x = _numpy(module.weight_ih_l0, dtype).T.copy()
    W_h = _numpy(module.weight_hh_l0, dtype).T.copy()
    b_ih = _numpy(module.bias_ih_l0, dtype) if module.bias else None
    b_hh = _numpy(module.bias_hh_l0, dtype) if module.bias else None
    if kind == "lstm":
        cfg = LSTMConfig(input_size=D, hidden_size=H, bias=module.bias)
        params = LSTMParams(W_x=W_x, W_h=W_h, b=None if b_ih is None else b_ih + b_hh)
        return LSTM(cfg, params, batch_first=module.batch_first)
    if kind == "gru":
        cfg = GRUConfig(input_size=D, hidden_size=H, bias=module.bias)
        b = b_hn = None
        if module.bias:
            b = np.concatenate([b_ih[:2 * H] + b_hh[:2 * H], b_ih[2 * H:]])
            b_hn = b_hh[2 * H:].copy()
        return GRU(cfg, GRUParams(W_x=W_x, W_h=W_h, b=b, b_hn=b_hn),
                   batch_first=module.batch_first)
    cfg = RNNConfig(input_size=D, hidden_size=H, nonlinearity=module.nonlinearity,
                    bias=module.bias)
    params = RNNParams(W_x=W_x, W_h=W_h, b=None if b_ih is None else b_ih + b_hh)
    return RNN(cfg, params, batch_first=module.batch_first)
