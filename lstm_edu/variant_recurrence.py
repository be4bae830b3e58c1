"""Backpropagation through time for :class:`~lstm_edu.variant_lstm.VariantLSTM`, written out.

:class:`VariantRecurrence` is a ``torch.autograd.Function``: its forward pass runs the
LSTM recurrence (any variant of :class:`~lstm_edu.variant_lstm.LSTMFlags`) without
recording, and its backward pass walks the steps from last to first once. On a CPU this is
several times faster than letting autograd record some fifteen small operations per step.
The equations are those of :func:`lstm_edu.cells.lstm_cell`; the numpy twin of this backward
pass is :func:`lstm_edu.bptt.lstm_backward`, and the tests hold this one to both.
"""
from __future__ import annotations

import torch

__all__ = ["VariantRecurrence"]


class VariantRecurrence(torch.autograd.Function):
    """The recurrence of :class:`~lstm_edu.variant_lstm.VariantLSTM` with its backward pass written out.

    Autograd records about fifteen small operations per time step, and on a CPU their
    bookkeeping costs more than the arithmetic; here the forward pass runs without
    recording and the backward pass walks t = T..1 once. Inputs: the projected input
    ``x_proj`` ``(T, B, 4H)`` (``x W_ih^T + b``, differentiated by autograd outside),
    ``W_hh`` ``(4H, H)``, ``h0``/``c0`` ``(B, H)``, the peephole vectors ``(H,)`` or None,
    and the flags. Outputs: every ``h_t`` and every ``c_t``, ``(T, B, H)`` each.

    Not a second statement of the equations to trust on its own: ``tests/test_models.py``
    holds its forward pass to the reference cell :func:`lstm_edu.cells.lstm_cell`, step by
    step, and its gradients to the numpy backward pass (:meth:`lstm_edu.sequence.LSTM.backward`,
    itself checked against torch's autograd), for every variant, to 1e-10 in float64; a
    finite-difference check (``torch.autograd.gradcheck``) covers losses on every ``c_t``.
    """

    @staticmethod
    def forward(ctx, x_proj, W_hh, h0, c0, p_i, p_f, p_o, flags):
        T = x_proj.shape[0]
        h, c = h0, c0
        H = h0.shape[-1]
        W_hh_T = W_hh.T
        ones = torch.ones_like(h0)
        simple = not flags.peepholes  # all gate pre-activations known before c_t: one sigmoid call
        gates = x_proj.new_empty(T, 5, *h0.shape)  # i, f, g, o, squashed c per step
        hs = x_proj.new_empty(T, *h0.shape)
        cs = x_proj.new_empty(T, *h0.shape)
        for t in range(T):
            pre = torch.addmm(x_proj[t], h, W_hh_T)  # (B, 4H)
            if simple:
                sig = torch.sigmoid(pre)
                a_i, f, o = sig[:, :H], sig[:, H:2 * H], sig[:, 3 * H:]
            else:
                a_i = torch.sigmoid(pre[:, :H] + p_i * c)
                f = torch.sigmoid(pre[:, H:2 * H] + p_f * c)
            f = f if flags.forget_gate else ones
            i = 1.0 - f if flags.coupled else a_i if flags.input_gate else ones
            g = torch.tanh(pre[:, 2 * H:3 * H])
            c = torch.addcmul(f * c, i, g, out=cs[t])
            if not simple:
                o = torch.sigmoid(pre[:, 3 * H:] + p_o * c)
            o = o if flags.output_gate else ones
            squashed = torch.tanh(c, out=gates[t, 4]) if flags.output_activation else c
            h = torch.mul(o, squashed, out=hs[t])
            gates[t, 0], gates[t, 1], gates[t, 2], gates[t, 3] = i, f, g, o
            if not flags.output_activation:
                gates[t, 4] = c
        ctx.flags = flags
        ctx.save_for_backward(W_hh, h0, c0, p_i, p_f, p_o, hs, cs, gates)
        return hs, cs

    @staticmethod
    def backward(ctx, d_hs, d_cs):
        W_hh, h0, c0, p_i, p_f, p_o, hs, cs, gates = ctx.saved_tensors
        flags = ctx.flags
        T = hs.shape[0]
        h_prev_all = torch.cat([h0.unsqueeze(0), hs[:-1]])  # (T, B, H)
        c_prev_all = torch.cat([c0.unsqueeze(0), cs[:-1]])  # (T, B, H)
        d_pre = torch.empty(T, *hs.shape[1:-1], 4 * hs.shape[-1], dtype=hs.dtype, device=hs.device)
        dh_next = torch.zeros_like(h0)
        dc_next = torch.zeros_like(c0)
        zeros = torch.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            i, f, g, o, squashed = gates[t]
            c_prev = c_prev_all[t]                     # (B, H)
            dh = d_hs[t] + dh_next
            da_o = dh * squashed * o * (1 - o) if flags.output_gate else zeros
            d_squashed = dh * o
            d_cell = d_squashed * (1 - squashed * squashed) if flags.output_activation else d_squashed
            dc = dc_next + d_cs[t] + d_cell
            if flags.peepholes:
                dc = dc + da_o * p_o
            di = dc * g
            df = dc * c_prev - di if flags.coupled else dc * c_prev
            da_i = di * i * (1 - i) if flags.input_gate and not flags.coupled else zeros
            da_f = df * f * (1 - f) if flags.forget_gate else zeros
            da_g = dc * i * (1 - g * g)
            dc_next = dc * f
            if flags.peepholes:
                dc_next = dc_next + da_i * p_i + da_f * p_f
            d_pre[t] = torch.cat([da_i, da_f, da_g, da_o], dim=1)
            dh_next = d_pre[t] @ W_hh
        flat = d_pre.reshape(-1, d_pre.shape[-1])  # (T*B, 4H)
        d_W_hh = flat.T @ h_prev_all.reshape(-1, h0.shape[-1])  # (4H, H)
        d_peep = (None, None, None)
        if flags.peepholes:
            H = h0.shape[-1]
            d_peep = ((d_pre[..., :H] * c_prev_all).sum((0, 1)),          # (H,) each
                      (d_pre[..., H:2 * H] * c_prev_all).sum((0, 1)),
                      (d_pre[..., 3 * H:] * cs).sum((0, 1)))
        return (d_pre, d_W_hh, dh_next, dc_next, *d_peep, None)
