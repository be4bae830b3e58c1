"""Additive attention and the attention decoder (lstm_edu.attention)."""
import math

import numpy as np
import pytest
import torch

from lstm_edu.apps.seq2seq_de_en import Vocabulary
from lstm_edu.attention import (
    AdditiveAttention,
    AttentionSeq2Seq,
    pad_rows,
    padding_mask,
    translate_with_weights,
)


def _attention(seed=0, sizes=(3, 4, 5)):
    torch.manual_seed(seed)
    return AdditiveAttention(*sizes)


def test_weights_sum_to_one_and_padding_gets_zero():
    attention = _attention()
    keys = torch.randn(2, 4, 4)  # (B, S, K)
    mask = padding_mask(torch.tensor([4, 2]), 4)
    context, weights = attention(torch.randn(2, 3), keys, mask)
    assert weights.shape == (2, 4) and context.shape == (2, 4)
    np.testing.assert_allclose(weights.sum(1).detach().numpy(), [1.0, 1.0], atol=1e-6)
    assert weights[1, 2:].abs().max().item() == 0.0
    assert (weights[0] > 0).all()


def test_padding_values_cannot_change_the_context():
    attention = _attention()
    keys = torch.randn(1, 3, 4)
    mask = padding_mask(torch.tensor([2]), 3)
    query = torch.randn(1, 3)
    first, _ = attention(query, keys, mask)
    keys[0, 2] = 1000.0  # whatever sits in the padding
    second, _ = attention(query, keys, mask)
    torch.testing.assert_close(first, second)


def test_hand_sized_example():
    """Query size 1, key size 1, attention size 1: W = 1, U = 1, bias 0, v = 1."""
    attention = AdditiveAttention(1, 1, 1)
    with torch.no_grad():
        attention.query_layer.weight.fill_(1.0)
        attention.key_layer.weight.fill_(1.0)
        attention.key_layer.bias.fill_(0.0)
        attention.score_layer.weight.fill_(1.0)
    keys = torch.tensor([[[0.0], [1.0], [2.0]]])  # (1, 3, 1)
    context, weights = attention(torch.tensor([[0.5]]), keys, torch.ones(1, 3, dtype=torch.bool))
    # 0.4621, 0.9051, 0.9866 -> e^s: 1.587, 2.472, 2.682
    scores = [math.tanh(0.5 + k) for k in (0.0, 1.0, 2.0)]
    expected = np.exp(scores) / np.exp(scores).sum()
    np.testing.assert_allclose(weights[0].detach().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(weights[0].detach().numpy(), [0.2355, 0.3667, 0.3978], atol=1e-4)
    assert context.item() == pytest.approx(float(expected @ np.array([0.0, 1.0, 2.0])), rel=1e-6)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = AttentionSeq2Seq(7, 6, 4, 5, attention_size=3)
    source = torch.tensor([[4, 5, 6], [4, 5, 0]])
    logits = model((source, torch.tensor([3, 2]), torch.tensor([[1, 4], [1, 5]])))
    assert logits.shape == (2, 2, 6)
    logits.sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        if name not in ("source_embed.weight", "target_embed.weight"):
            assert parameter.grad.abs().sum().item() > 0, name


def test_translate_returns_one_weight_row_per_output_word():
    torch.manual_seed(0)
    vocab = Vocabulary(["a b c", "b c d"], size=10)
    model = AttentionSeq2Seq(len(vocab), len(vocab), 4, 5, attention_size=3).eval()
    texts, weights, words = translate_with_weights(model, vocab, vocab, ["a b", "c d c"], max_length=4)
    assert len(texts) == 2
    assert [w.shape[1] for w in weights] == [2, 3]
    assert [w.shape[0] for w in weights] == [len(row) for row in words]
    for matrix in weights:
        np.testing.assert_allclose(matrix.sum(1), 1.0, atol=1e-6)


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="query_size"):
        AdditiveAttention(2.5, 3)
    with pytest.raises(ValueError, match="rows"):
        pad_rows([[1], []])
    with pytest.raises(ValueError, match="lengths"):
        padding_mask(torch.tensor([0, 2]), 3)
    with pytest.raises(ValueError, match="mask"):
        _attention()(torch.randn(1, 3), torch.randn(1, 2, 4), torch.zeros(1, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="model"):
        translate_with_weights(object(), None, None, ["a"])


def test_translate_refuses_a_single_string():
    model = AttentionSeq2Seq(6, 6, 2, 3, attention_size=2)
    vocab = Vocabulary(["a b"], size=2)
    with pytest.raises(TypeError, match="german"):
        translate_with_weights(model, vocab, vocab, "a b")
    with pytest.raises(TypeError, match="attention_size"):
        AttentionSeq2Seq(6, 6, 2, 3, attention_size=None)
