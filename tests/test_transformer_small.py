"""The small Transformer regressor (lstm_edu.transformer_small)."""
import math

import numpy as np
import pytest
import torch

from lstm_edu.tasks import adding_problem, as_tensors
from lstm_edu.transformer_small import (
    TransformerConfig,
    TransformerRegressor,
    attention_bytes,
    positional_encoding,
)


def test_positional_encoding_values():
    code = positional_encoding(3, 4)
    assert code.shape == (3, 4)
    np.testing.assert_allclose(code[0].numpy(), [0.0, 1.0, 0.0, 1.0], atol=1e-7)
    # position 2, pair k = 1: rate 10000^(-2/4) = 0.01
    np.testing.assert_allclose(code[2].numpy(), [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)],
                               atol=1e-6)


def test_padding_does_not_change_the_prediction():
    torch.manual_seed(0)
    model = TransformerRegressor(2, 1, TransformerConfig(d_model=8, heads=2, layers=1, feedforward=16)).eval()
    batch = adding_problem(10, 3, np.random.default_rng(0))
    inputs, lengths = as_tensors(batch.inputs, batch.lengths)
    alone = torch.cat([model(inputs[k: k + 1, : int(lengths[k])]) for k in range(3)])
    padded = torch.cat([inputs, 5.0 * torch.ones(3, 4, 2)], dim=1)  # junk after every sequence's end
    torch.testing.assert_close(model(padded, lengths=lengths), alone, atol=1e-5, rtol=1e-5)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = TransformerRegressor(2, 1, TransformerConfig(d_model=8, heads=2, layers=2, feedforward=16))
    out = model(torch.randn(2, 6, 2))
    assert out.shape == (2, 1)
    out.sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum().item() > 0, name


def test_attention_bytes():
    assert attention_bytes(8, 4, 1024, layers=2) == 2 * 8 * 4 * 1024 ** 2 * 4 == 268_435_456
    assert attention_bytes(1, 1, 3, bytes_per_value=8) == 72


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="d_model"):
        TransformerConfig(d_model=30, heads=4)
    with pytest.raises(TypeError, match="heads"):
        TransformerConfig(heads=2.0)
    with pytest.raises(ValueError, match="dropout"):
        TransformerConfig(dropout=1.5)
    with pytest.raises(ValueError, match="d_model"):
        positional_encoding(4, 3)
    with pytest.raises(ValueError, match="inputs"):
        TransformerRegressor()(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="lengths"):
        TransformerRegressor()(torch.zeros(2, 5, 2), lengths=torch.tensor([6, 1]))
    with pytest.raises(TypeError, match="config"):
        TransformerRegressor(config={"d_model": 8})
