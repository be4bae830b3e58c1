"""lstm_edu.practice_models: StackedLSTM (packing, bidirectional, readouts), SequenceDropout and
VariationalLSTM against nn.LSTM and against a hand-written masked recurrence."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.practice_models import (  # noqa: E402
    PracticeConfig,
    SequenceDropout,
    StackedLSTM,
    VariationalLSTM,
)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _padded_batch(lengths, D=2, seed=0):
    """Float64 batch (B, T, D) with zeros past each length."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(lengths), max(lengths), D))
    for b, n in enumerate(lengths):
        x[b, n:] = 0.0
    return torch.as_tensor(x)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 3])
def test_packed_readout_equals_each_sequence_alone(bidirectional, layers):
    """With lengths, the "last" readout of every sequence equals running it alone, unpadded."""
    torch.manual_seed(0)
    model = StackedLSTM(PracticeConfig(input_size=2, hidden_size=5, output_size=3, num_layers=layers,
                                       bidirectional=bidirectional)).double().eval()
    lengths = [7, 3, 5, 1]
    x = _padded_batch(lengths)
    with torch.no_grad():
        batched = model(x, lengths=lengths)  # (B, 3)
        alone = torch.cat([model(x[b:b + 1, :n]) for b, n in enumerate(lengths)])
        unpacked = model(x)
    assert batched.shape == (4, 3)
    np.testing.assert_allclose(batched.numpy(), alone.numpy(), atol=1e-12)
    # without packing only the full-length sequence comes out right
    difference = (unpacked - alone).abs().amax(dim=1)  # (B,)
    assert float(difference[0]) < 1e-12
    assert float(difference[1:].min()) > 1e-4


def test_packed_states_are_zero_past_each_length_and_readout_all_shape():
    torch.manual_seed(1)
    model = StackedLSTM(PracticeConfig(input_size=2, hidden_size=4, output_size=1, readout="all",
                                       bidirectional=True)).double()
    x = _padded_batch([4, 2])
    hidden, (h_n, c_n) = model.states(x, lengths=[4, 2])
    assert hidden.shape == (2, 4, 8) and h_n.shape == (2, 2, 4) and c_n.shape == (2, 2, 4)
    assert torch.all(hidden[1, 2:] == 0)
    assert model(x, lengths=[4, 2]).shape == (2, 4, 1)
    # the backward direction's final state is its output at step 0
    np.testing.assert_allclose(h_n[1].detach().numpy(), hidden[:, 0, 4:].detach().numpy(), atol=1e-12)


def test_dropout_acts_between_layers_only_in_training():
    torch.manual_seed(2)
    model = StackedLSTM(PracticeConfig(input_size=2, hidden_size=8, num_layers=2, dropout=0.5)).double()
    x = _padded_batch([6, 6], seed=3)
    assert model.lstm.dropout == 0.5
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
    model.train()
    torch.manual_seed(5)
    first = model(x)
    torch.manual_seed(6)
    assert not torch.allclose(first, model(x))
    # one layer: nothing to drop between layers (torch would warn), dropout is ignored
    single = StackedLSTM(PracticeConfig(input_size=2, hidden_size=8, num_layers=1, dropout=0.5))
    assert single.lstm.dropout == 0.0


def test_forget_bias_is_set_exactly():
    model = StackedLSTM(PracticeConfig(input_size=1, hidden_size=3, num_layers=2, bidirectional=True,
                                       forget_bias=2.5))
    for name, parameter in model.lstm.named_parameters():
        if name.startswith("bias_ih"):
            assert torch.all(parameter[3:6] == 2.5)
        elif name.startswith("bias_hh"):
            assert torch.all(parameter[3:6] == 0.0)


def test_sequence_dropout_uses_one_mask_per_sequence():
    torch.manual_seed(0)
    layer = SequenceDropout(0.25)
    x = torch.ones(50, 9, 20)
    y = layer(x)  # (B, T, H)
    np.testing.assert_allclose(sorted(torch.unique(y).tolist()), [0.0, 4.0 / 3.0])
    assert torch.equal(y, y[:, :1].expand_as(y))  # the same at every step
    assert 0.2 < float((y[:, 0] == 0).float().mean()) < 0.3
    layer.eval()
    assert torch.equal(layer(x), x)
    assert torch.equal(SequenceDropout(0.0)(x), x)


def _torch_twin(layer: VariationalLSTM) -> torch.nn.LSTM:
    twin = torch.nn.LSTM(layer.input_size, layer.hidden_size, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(twin, f"{name}_l0").copy_(getattr(layer, name))
    return twin


def test_variational_lstm_without_dropout_is_nn_lstm():
    torch.manual_seed(0)
    layer = VariationalLSTM(3, 4, p=0.3).double()
    x = _padded_batch([6, 6], D=3)
    layer.eval()
    ours, (h, c) = layer(x)
    theirs, (h_t, c_t) = _torch_twin(layer)(x)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_t[0].detach().numpy(), atol=1e-12)
    layer.train()
    layer.p = 0.0
    np.testing.assert_allclose(layer(x)[0].detach().numpy(), theirs.detach().numpy(), atol=1e-12)


def test_variational_lstm_masks_the_recurrent_input_with_one_mask():
    """The output equals a hand loop that multiplies h_{t-1} by the same mask at every step."""
    torch.manual_seed(1)
    layer = VariationalLSTM(2, 5, p=0.4).double()
    torch.manual_seed(2)
    mask = layer.draw_mask(3)  # (B, H)
    assert mask.shape == (3, 5)
    assert set(torch.unique(mask).tolist()) <= {0.0, 1.0 / 0.6}
    x = _padded_batch([4, 4, 4])
    ours, _ = layer(x, mask=mask)
    h = c = torch.zeros(3, 5, dtype=torch.float64)
    for t in range(4):
        pre = x[:, t] @ layer.weight_ih.T + layer.bias_ih + layer.bias_hh + (h * mask) @ layer.weight_hh.T
        i, f, g, o = pre.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        np.testing.assert_allclose(ours[:, t].detach().numpy(), h.detach().numpy(), atol=1e-12)
    # a dropped unit's h_{t-1} has no effect on the next step: its recurrent gradient is zero
    zero = torch.zeros(1, 5, dtype=torch.float64)
    zero[0, 1] = 1.0
    layer(x[:1], mask=zero)[0][:, -1].sum().backward()
    grad = layer.weight_hh.grad  # (4H, H)
    assert torch.all(grad[:, [0, 2, 3, 4]] == 0) and torch.any(grad[:, 1] != 0)


def test_eval_mask_is_ones():
    layer = VariationalLSTM(1, 3, p=0.5).eval()
    assert torch.equal(layer.draw_mask(2), torch.ones(2, 3))


@pytest.mark.parametrize("kwargs, error, words", [
    ({"num_layers": 0}, ValueError, "num_layers"),
    ({"hidden_size": 2.0}, TypeError, "hidden_size"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"dropout": "0.1"}, TypeError, "dropout"),
    ({"bidirectional": 1}, TypeError, "bidirectional"),
    ({"readout": "first"}, ValueError, "readout"),
    ({"forget_bias": "1"}, TypeError, "forget_bias"),
])
def test_config_rejects_bad_values(kwargs, error, words):
    with pytest.raises(error, match=words):
        PracticeConfig(**kwargs)


def test_bad_inputs_name_the_argument():
    model = StackedLSTM(PracticeConfig(input_size=2))
    with pytest.raises(ValueError, match=r"x: expected a non-empty tensor of shape \(B, T, 2\)"):
        model(torch.zeros(3, 4, 1))
    with pytest.raises(TypeError, match="x: expected a floating-point"):
        model(torch.zeros(3, 4, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"lengths: expected every length in \[1, 4\]"):
        model(torch.zeros(2, 4, 2), lengths=[5, 1])
    with pytest.raises(ValueError, match=r"lengths: expected shape \(2,\)"):
        model(torch.zeros(2, 4, 2), lengths=[4])
    with pytest.raises(TypeError, match="lengths: expected integers"):
        model(torch.zeros(2, 4, 2), lengths=[4.0, 1.0])
    with pytest.raises(TypeError, match="config"):
        StackedLSTM({"input_size": 2})
    with pytest.raises(ValueError, match="p: expected a number in"):
        VariationalLSTM(2, 3, p=-0.1)
    with pytest.raises(ValueError, match=r"mask: expected a tensor of shape \(1, 3\)"):
        VariationalLSTM(2, 3)(torch.zeros(1, 2, 2), mask=torch.ones(3))
