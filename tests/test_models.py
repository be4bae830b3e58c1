"""lstm_edu.models and lstm_edu.variant_lstm: VariantLSTM against the reference cell
(lstm_edu.cells.lstm_cell), the numpy backward pass and torch.nn.LSTM; SequenceModel."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm_edu.cells import lstm_cell  # noqa: E402
from lstm_edu.config import VARIANTS, LSTMConfig  # noqa: E402
from lstm_edu.models import VARIANT_FLAGS, LSTMFlags, SequenceModel, VariantLSTM, set_forget_bias  # noqa: E402

ALL_VARIANTS = sorted(VARIANT_FLAGS)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _random_input(shape, seed=0):
    return torch.as_tensor(np.random.default_rng(seed).normal(size=shape))  # float64


@pytest.mark.parametrize("variant", ALL_VARIANTS)
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 7, 2, 5)])
def test_variant_forward_matches_numpy_core(variant, batch_first, shape):
    """Every variant's torch forward equals lstm_edu's numpy forward to 1e-10 (float64)."""
    B, T, D, H = shape
    torch.manual_seed(1)
    layer = VariantLSTM(D, H, variant=variant, batch_first=batch_first).double()
    with torch.no_grad():  # make every parameter matter, including the biases
        for p in layer.parameters():
            p.uniform_(-0.8, 0.8)
    x = _random_input((B, T, D) if batch_first else (T, B, D))
    output, (h_n, c_n), cells = layer(x, return_cells=True)
    trace = layer.to_numpy().forward(x.numpy())
    np.testing.assert_allclose(output.detach().numpy(), trace.h, rtol=0, atol=1e-10)
    np.testing.assert_allclose(cells.detach().numpy(), trace.c, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_n[0].detach().numpy(), trace.h_T, rtol=0, atol=1e-10)
    np.testing.assert_allclose(c_n[0].detach().numpy(), trace.c_T, rtol=0, atol=1e-10)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_flags_mirror_core_config(variant):
    """lstm_edu's named variants give the same flags here and in LSTMConfig."""
    cfg = LSTMConfig.variant(variant, input_size=2, hidden_size=3)
    assert VARIANT_FLAGS[variant] == LSTMFlags.from_config(cfg)
    assert VariantLSTM(2, 3, variant=cfg).config() == cfg


def test_greff_variants_are_v_with_one_change():
    """Greff et al.'s variants: V has peepholes; each other one changes exactly one flag of V."""
    v = VARIANT_FLAGS["greff_v"]
    assert v.peepholes
    for name in ("greff_np", "greff_cifg", "greff_nfg", "greff_nig", "greff_nog", "greff_noaf"):
        changed = [f for f in vars(v) if getattr(v, f) != getattr(VARIANT_FLAGS[name], f)]
        assert len(changed) == 1, (name, changed)


def test_vanilla_variant_equals_torch_lstm():
    """VariantLSTM('vanilla') with nn.LSTM's weights gives nn.LSTM's output and gradients."""
    torch.manual_seed(0)
    reference = torch.nn.LSTM(3, 4, batch_first=True).double()
    layer = VariantLSTM(3, 4).double()
    with torch.no_grad():
        for ours, theirs in (("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"),
                             ("bias_ih", "bias_ih_l0"), ("bias_hh", "bias_hh_l0")):
            getattr(layer, ours).copy_(getattr(reference, theirs))
    x = _random_input((2, 6, 3))
    out_ref, _ = reference(x)
    out, _ = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), atol=1e-12)
    out.pow(2).sum().backward()
    out_ref.pow(2).sum().backward()
    np.testing.assert_allclose(layer.weight_hh.grad.numpy(), reference.weight_hh_l0.grad.numpy(), atol=1e-12)


def test_disabled_gate_rows_get_zero_gradient():
    """NFG: the forget block of the weights is unused, so its gradient is exactly 0."""
    layer = VariantLSTM(2, 3, variant="nfg").double()
    out, _ = layer(_random_input((2, 5, 2)))
    out.sum().backward()
    H = 3
    assert torch.count_nonzero(layer.weight_ih.grad[H:2 * H]) == 0
    assert torch.count_nonzero(layer.weight_ih.grad[:H]) > 0


def test_nfg_cell_state_is_running_sum():
    """With no forget gate, c_t - c_{t-1} = i_t * g_t: the state only accumulates."""
    torch.manual_seed(0)
    layer = VariantLSTM(1, 2, variant="nfg").double()
    x = _random_input((1, 8, 1))
    _, _, cells = layer(x, return_cells=True)
    trace = layer.to_numpy().forward(x.numpy())
    increments = np.diff(np.concatenate([np.zeros((1, 1, 2)), trace.c], axis=1), axis=1)
    np.testing.assert_allclose(cells.detach().numpy(), np.cumsum(trace.i * trace.g, axis=1), atol=1e-12)
    np.testing.assert_allclose(increments, trace.i * trace.g, atol=1e-12)


@pytest.mark.parametrize("value", [0.0, 1.0, 2.5])
def test_forget_bias_sets_effective_forget_bias(value):
    """The effective (summed) forget bias equals the value; other blocks keep torch's init."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 5, 1, forget_bias=value, num_layers=2)
    H = 5
    for k in range(2):
        lstm = model.layers[k]
        b_ih, b_hh = lstm.bias_ih_l0.detach(), lstm.bias_hh_l0.detach()
        np.testing.assert_array_equal((b_ih + b_hh)[H:2 * H].numpy(), np.full(H, value, dtype=np.float32))
        assert torch.all(b_hh[H:2 * H] == 0)
        assert torch.any(b_ih[:H] != 0)
    numpy_twin_bias = (model.layers[0].bias_ih_l0 + model.layers[0].bias_hh_l0).detach().numpy()[H:2 * H]
    np.testing.assert_allclose(numpy_twin_bias, value)


def test_forget_bias_on_variant_and_errors():
    layer = VariantLSTM(2, 3, variant="peephole")
    set_forget_bias(layer, 1.0)
    assert torch.all((layer.bias_ih + layer.bias_hh)[3:6] == 1.0)
    with pytest.raises(ValueError, match="no forget gate"):
        SequenceModel("lstm", 2, 3, 1, variant="nfg", forget_bias=1.0)
    with pytest.raises(ValueError, match="forget_bias"):
        SequenceModel("gru", 2, 3, 1, forget_bias=1.0)
    with pytest.raises(ValueError, match="forget_bias"):
        set_forget_bias(layer, float("nan"))
    with pytest.raises(TypeError, match="module"):
        set_forget_bias(torch.nn.GRU(2, 3), 1.0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_sequence_model_readouts_use_the_layer_outputs(cell):
    """'last' readout = head(h_T) of the torch layer; 'all' = head(h_t) at every step."""
    torch.manual_seed(0)
    model = SequenceModel(cell, 3, 4, 2, readout="all").double()
    x = _random_input((2, 5, 3))
    hidden, _ = model.layers[0](x)  # (B, T, H)
    expected = hidden @ model.head.weight.T + model.head.bias  # (B, T, O)
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy(), atol=1e-12)
    model.readout = "last"
    np.testing.assert_allclose(model(x).detach().numpy(), expected[:, -1].detach().numpy(), atol=1e-12)


def test_lengths_pick_each_sequences_last_real_step():
    """With end padding, the 'last' readout at length L equals running the unpadded prefix."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 4, 1).double()
    x = _random_input((3, 6, 2))
    lengths = [6, 3, 1]
    padded = x.clone()
    for b, length in enumerate(lengths):
        padded[b, length:] = 0.0
    y = model(padded, lengths=torch.tensor(lengths))
    for b, length in enumerate(lengths):
        alone = model(x[b:b + 1, :length])
        np.testing.assert_allclose(y[b].detach().numpy(), alone[0].detach().numpy(), atol=1e-12)


def test_state_carries_across_calls():
    """Running two halves with the carried state equals running the whole sequence."""
    torch.manual_seed(0)
    model = SequenceModel("lstm", 2, 4, 1, variant="nfg", readout="all", num_layers=2).double()
    x = _random_input((2, 8, 2))
    whole = model(x)
    first, state = model(x[:, :4], return_state=True)
    second = model(x[:, 4:], state=state)
    joined = torch.cat([first, second], 1)
    np.testing.assert_allclose(joined.detach().numpy(), whole.detach().numpy(), atol=1e-12)


def test_dropout_is_active_in_training_only():
    torch.manual_seed(0)
    model = SequenceModel("gru", 2, 16, 1, dropout=0.5, readout="all").double()
    x = _random_input((2, 5, 2))
    model.eval()
    a, b = model(x), model(x)
    assert torch.equal(a, b)
    model.train()
    assert not torch.equal(model(x), a)


def test_default_loss_and_parameter_count():
    model = SequenceModel("lstm", 2, 3, 4, task="classification")
    assert isinstance(model.default_loss(), torch.nn.CrossEntropyLoss)
    assert isinstance(SequenceModel("rnn", 2, 3, 1).default_loss(), torch.nn.MSELoss)
    # LSTM: 4H(D + H) + 2*4H biases; head H*O + O
    assert model.num_parameters() == 4 * 3 * (2 + 3) + 2 * 4 * 3 + 3 * 4 + 4


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cell": "lstmx"}, ValueError, "cell"),
        ({"task": "ranking"}, ValueError, "task"),
        ({"readout": "mean"}, ValueError, "readout"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"hidden_size": 0}, ValueError, "hidden_size"),
        ({"input_size": 2.0}, TypeError, "input_size"),
        ({"cell": "gru", "variant": "cifg"}, ValueError, "variant"),
        ({"variant": "bogus"}, ValueError, "variant"),
        ({"variant": 3}, TypeError, "variant"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    args = {"cell": "lstm", "input_size": 2, "hidden_size": 3, "output_size": 1, **kwargs}
    with pytest.raises(error, match=match):
        SequenceModel(**args)


def test_bad_inputs_name_the_argument():
    model = SequenceModel("lstm", 2, 3, 1)
    with pytest.raises(ValueError, match=r"x: expected shape \(B, T, 2\)"):
        model(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="feature size 2"):
        model(torch.zeros(1, 4, 3))
    with pytest.raises(ValueError, match="non-empty"):
        model(torch.zeros(1, 0, 2))
    with pytest.raises(TypeError, match="floating-point"):
        model(torch.zeros(1, 4, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model(np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match="lengths"):
        model(torch.zeros(2, 4, 2), lengths=[5, 1])
    with pytest.raises(ValueError, match="lengths"):
        model(torch.zeros(2, 4, 2), lengths=[1])
    with pytest.raises(ValueError, match=r"h0 of shape \(1, 2, 3\)"):
        VariantLSTM(2, 3)(torch.zeros(2, 4, 2), state=(torch.zeros(1, 3, 3), torch.zeros(1, 2, 3)))
    with pytest.raises(ValueError, match="coupled"):
        LSTMFlags(coupled=True, forget_gate=False)


def _variant_layer(variant, D=3, H=4):
    """A float64 VariantLSTM whose every parameter matters (biases included)."""
    torch.manual_seed(0)
    layer = VariantLSTM(D, H, variant=variant).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.uniform_(-0.8, 0.8)
    return layer


@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_every_step_is_the_reference_cell(variant):
    """VariantLSTM does not re-derive the LSTM: each of its steps equals
    lstm_edu.cells.lstm_cell (the equations, written once) on the same weights, to 1e-12."""
    layer = _variant_layer(variant)
    x = _random_input((2, 6, 3))                                   # (B, T, D)
    h0, c0 = _random_input((1, 2, 4), seed=1), _random_input((1, 2, 4), seed=2)
    with torch.no_grad():
        out, (h_n, c_n), cells = layer(x, state=(h0, c0), return_cells=True)
    twin = layer.to_numpy()
    h, c = h0[0].numpy(), c0[0].numpy()                            # (B, H)
    for t in range(x.shape[1]):
        (h, c), _ = lstm_cell(twin.params, x[:, t].numpy(), (h, c), twin.cfg)
        np.testing.assert_allclose(out[:, t].numpy(), h, rtol=0, atol=1e-12)
        np.testing.assert_allclose(cells[:, t].numpy(), c, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n[0].numpy(), h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_n[0].numpy(), c, rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_written_out_backward_equals_the_numpy_backward_pass(variant):
    """VariantLSTM's hand-written BPTT gives the numpy LSTM's gradients (lstm_edu.bptt, held
    to torch's autograd in test_bptt) for every parameter, the input and both initial
    states, with losses on every h_t and on the final states (float64, 1e-10)."""
    layer = _variant_layer(variant)
    x = _random_input((2, 6, 3)).requires_grad_()                  # (B, T, D)
    h0 = _random_input((1, 2, 4), seed=1).requires_grad_()
    c0 = _random_input((1, 2, 4), seed=2).requires_grad_()
    w_h = _random_input((2, 6, 4), seed=3)                         # dL/dh_t, (B, T, H)
    out, (h_n, c_n) = layer(x, state=(h0, c0))
    ((out * w_h).sum() + 0.3 * h_n.sum() + 0.7 * c_n.sum()).backward()
    twin = layer.to_numpy()
    trace = twin.forward(x.detach().numpy(), h0=h0[0].detach().numpy(), c0=c0[0].detach().numpy())
    ones = np.ones((2, 4))
    grads = twin.backward(trace, dh=w_h.numpy(), dh_T=0.3 * ones, dc_T=0.7 * ones)
    expected = {"weight_ih": grads.params["W_x"].T, "weight_hh": grads.params["W_h"].T,
                "bias_ih": grads.params["b"], "bias_hh": grads.params["b"]}
    expected.update({f"peep_{g}": grads.params[f"p_{g}"] for g in "ifo" if f"p_{g}" in grads.params})
    for name, param in layer.named_parameters():
        got = torch.zeros_like(param) if param.grad is None else param.grad
        np.testing.assert_allclose(got.numpy(), expected[name], rtol=0, atol=1e-10, err_msg=name)
    np.testing.assert_allclose(x.grad.numpy(), grads.dx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h0.grad[0].numpy(), grads.dh0, rtol=0, atol=1e-10)
    np.testing.assert_allclose(c0.grad[0].numpy(), grads.dc0, rtol=0, atol=1e-10)


@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_written_out_backward_passes_gradcheck_with_losses_on_every_cell_state(variant):
    """Finite differences agree with the backward pass for losses on h_t and on c_t."""
    layer = _variant_layer(variant, D=2, H=3)
    x = _random_input((2, 4, 2)).requires_grad_()
    h0 = _random_input((1, 2, 3), seed=1).requires_grad_()
    c0 = _random_input((1, 2, 3), seed=2).requires_grad_()

    def outputs(inputs, h_init, c_init):
        out, _, cells = layer(inputs, state=(h_init, c_init), return_cells=True)
        return out, cells

    assert torch.autograd.gradcheck(outputs, (x, h0, c0))
