"""The Python side of the live application explorers: packed weights, the float64 forward
pass, the review tokenizer as JavaScript mirrors it, and mulberry32 sampling."""
from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch

from lstm_edu import from_torch
from lstm_edu.apps.browser_models import (
    TOKEN_PATTERN,
    decode_float32,
    decode_float64,
    dropped_characters,
    encode_float32,
    encode_float64,
    pack_lstm,
    packed_size,
    readout_units,
    run_packed,
    sentence_tokens,
)
from lstm_edu.apps.browser_sampling import char_distribution, char_ids, draw_index, mulberry32, sample_packed
from lstm_edu.apps.sentiment_reviews import UNK, tokenize
from lstm_edu.apps.text_generation import CharLSTM, apply_temperature

torch.set_num_threads(1)


def small_model(vocab: int = 7, embed: int = 3, hidden: int = 4, out: int = 2, seed: int = 0):
    torch.manual_seed(seed)
    return (torch.nn.Embedding(vocab, embed), torch.nn.LSTM(embed, hidden, batch_first=True),
            torch.nn.Linear(hidden, out))


def test_float32_round_trip_is_exact_and_little_endian():
    values = np.array([[1.5, -2.25e-8], [3.4e38, 0.1]], dtype=np.float32)
    packed = encode_float32(values)
    assert packed["shape"] == [2, 2] and packed["dtype"] == "float32"
    np.testing.assert_array_equal(decode_float32(packed), values)
    assert encode_float32(np.array([1.0]))["data"] == "AACAPw=="  # 1.0f little-endian: 00 00 80 3f
    wide = np.array([0.1, 1 / 3])
    np.testing.assert_array_equal(decode_float64(encode_float64(wide)), wide)


def test_encoding_refuses_what_it_would_change():
    with pytest.raises(ValueError, match="encode_float64"):
        encode_float32(np.array([0.1]))  # float64 0.1 is not a float32
    with pytest.raises(ValueError, match="finite"):
        encode_float32(np.array([np.nan], dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        decode_float32({"shape": [3], "data": "AACAPw=="})
    with pytest.raises(TypeError, match="packed"):
        decode_float32("AACAPw==")


SENTENCES = ["The Rock is destined to be ''Conan''!", "Doesn't it? it's GREAT!!", "ok... 42nd st.", "",
             "rock'n'roll isn't dead", "'quoted' words", "naïve café résumé", "tab\tand\nnewline",
             "Kelvin \u212a", "İstanbul", "x'y'z", "a'1", "?!?", "l'été", "ＡＢＣ fullwidth"]


@pytest.mark.parametrize("text", SENTENCES)
def test_the_shipped_pattern_is_the_tokenizer(text):
    assert " ".join(re.findall(TOKEN_PATTERN, text.lower())) == tokenize(text)


def test_dropped_characters_are_what_the_tokenizer_leaves_out():
    assert dropped_characters("Fine, ok.") == ",."
    assert dropped_characters("doesn't stop!") == ""
    assert dropped_characters("'Hi' ''there'' café") == "'é"
    with pytest.raises(TypeError, match="text"):
        dropped_characters(3)


def test_sentence_tokens_map_unknown_words_to_unk():
    words = ["<pad>", UNK, "good", "not"]
    assert sentence_tokens("Not GOOD, zorp zorp!", words) == (["not", "good", "zorp", "zorp", "!"],
                                                             [3, 2, 1, 1, 1], ["zorp", "!"])
    with pytest.raises(ValueError, match="words"):
        sentence_tokens("good", ["<pad>", "good"])


def test_run_packed_is_torch_in_float64():
    embedding, lstm, head = small_model()
    packed = pack_lstm(embedding, lstm, head)
    assert {k: v.dtype for k, v in packed.items()} == {k: np.dtype(np.float32) for k in packed}
    assert packed_size(packed) == 7 * 3 + 3 * 16 + 4 * 16 + 16 + 16 + 4 * 2 + 2
    ids = np.array([1, 5, 0, 6, 2])
    run = run_packed(packed, ids)
    e64, l64, h64 = (copy.deepcopy(m).double() for m in (embedding, lstm, head))
    with torch.no_grad():
        hidden = l64(e64(torch.as_tensor(ids))[None])[0][0]
        logits = h64(hidden).numpy()
    np.testing.assert_allclose(run.logits, logits, rtol=0, atol=1e-13)
    trace = from_torch(lstm).forward(embedding.weight.detach().double().numpy()[ids][None])
    for gate in "ifo":
        np.testing.assert_allclose(getattr(run, gate), getattr(trace, gate)[0], rtol=0, atol=1e-15)


def test_run_packed_continues_from_a_state():
    packed = pack_lstm(*small_model())
    whole = run_packed(packed, np.array([1, 2, 3, 4]))
    first = run_packed(packed, np.array([1, 2]))
    rest = run_packed(packed, np.array([3, 4]), first.h[-1], first.c[-1])
    np.testing.assert_array_equal(rest.logits, whole.logits[2:])


def test_run_packed_and_pack_lstm_refuse_bad_input():
    packed = pack_lstm(*small_model())
    with pytest.raises(ValueError, match=r"ids: expected indices in \[0, 6\]"):
        run_packed(packed, np.array([7]))
    with pytest.raises(ValueError, match="ids"):
        run_packed(packed, np.array([], dtype=int))
    with pytest.raises(ValueError, match="packed"):
        run_packed({"W_x": packed["W_x"]}, np.array([1]))
    embedding, lstm, head = small_model()
    with pytest.raises(TypeError, match="head"):
        pack_lstm(embedding, lstm, lstm)
    with pytest.raises(ValueError, match="chain"):
        pack_lstm(torch.nn.Embedding(7, 5), lstm, head)


def test_readout_units_rank_the_score_weight():
    embedding, lstm, head = small_model()
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[0.0, 1.0, 0.0, -2.0], [0.5, 0.0, 0.1, 1.0]]))
    assert readout_units(pack_lstm(embedding, lstm, head), 3) == [3, 1, 0]  # |w1 - w0| = 0.5, 1, 0.1, 3
    with pytest.raises(ValueError, match="count"):
        readout_units(pack_lstm(embedding, lstm, head), 5)


def test_mulberry32_gives_the_javascript_values():
    # node: mulberry32(0) and mulberry32(42), the JavaScript of the module docstring
    first = mulberry32(0)
    assert [next(first) for _ in range(3)] == [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]
    assert next(mulberry32(42)) == 0.6011037519201636
    assert next(mulberry32(2**32 - 1)) == 0.8964226141106337
    with pytest.raises(ValueError, match="seed"):
        next(mulberry32(2**32))


def test_draw_index_inverts_the_cumulative_distribution():
    p = [0.25, 0.0, 0.5, 0.25]
    assert [draw_index(p, u) for u in (0.0, 0.2499, 0.25, 0.74, 0.75, 0.9999)] == [0, 0, 2, 2, 3, 3]
    assert draw_index([0.5, 0.4999999, 0.0], 0.99999999) == 1  # rounding short of u: last positive


def char_model():
    chars = sorted(set("ab?\n "))
    torch.manual_seed(1)
    return chars, CharLSTM(len(chars), 3, 5).eval()


def test_char_distribution_is_the_tempered_float64_logits():
    chars, model = char_model()
    packed = pack_lstm(model.embed, model.lstm, model.head)
    wide = copy.deepcopy(model).double()
    with torch.no_grad():
        logits = wide(torch.as_tensor(char_ids("ab a", chars))[None])[0, -1].numpy()
    for temperature in (0.1, 1.0, 2.0):
        np.testing.assert_allclose(char_distribution(packed, chars, "ab a", temperature),
                                   apply_temperature(logits, temperature), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(char_ids("aé", chars), [chars.index("a"), chars.index("?")])
    with pytest.raises(ValueError, match="context"):
        char_distribution(packed, chars, "", 1.0)


def test_sample_packed_draws_each_character_from_mulberry32():
    chars, model = char_model()
    packed = pack_lstm(model.embed, model.lstm, model.head)
    text = sample_packed(packed, chars, "ab", 12, 0.8, seed=7)
    uniforms, context, expected = mulberry32(7), "ab", ""
    for _ in range(12):
        k = draw_index(char_distribution(packed, chars, context + expected, 0.8), next(uniforms))
        expected += chars[k]
    assert text == expected and len(text) == 12
    assert sample_packed(packed, chars, "ab", 12, 0.8, seed=8) != text
    with pytest.raises(ValueError, match="prompt"):
        sample_packed(packed, chars, "", 3, 1.0, 0)
    with pytest.raises(TypeError, match="seed"):
        sample_packed(packed, chars, "a", 3, 1.0, 0.5)


def test_int8_matrices_round_each_weight_by_at_most_half_a_step_and_decode_alike():
    from lstm_edu.apps.browser_models import decode_int8, encode_int8

    matrix = np.random.default_rng(0).normal(size=(5, 7)) * np.array([[1e-3], [1], [10], [0], [0.5]])
    packed = encode_int8(matrix)
    decoded = decode_int8(packed)
    step = np.where(np.abs(matrix).max(axis=1) > 0, np.abs(matrix).max(axis=1) / 127, 1.0)[:, None]
    assert np.all(np.abs(decoded - matrix) <= 0.5 * step * (1 + 1e-12))
    np.testing.assert_array_equal(decoded[3], 0.0)
    rows = [0, 1, 2, 4]  # a row's largest weight is kept exactly
    np.testing.assert_array_equal(np.abs(decoded).max(axis=1)[rows], np.abs(matrix).max(axis=1)[rows])
    with pytest.raises(ValueError, match="matrix: expected a finite 2-d array"):
        encode_int8(np.ones(3))


def test_browser_weights_round_matrices_only_and_the_effect_is_measured():
    from lstm_edu.apps.browser_models import browser_weights, rounding_effect, weights_from_traits

    packed = pack_lstm(*small_model())
    traits = browser_weights(packed)
    assert {name: traits[name]["dtype"] for name in traits} == {
        "embedding": "int8", "W_x": "int8", "W_h": "int8", "b_ih": "float32", "b_hh": "float32",
        "head_W": "int8", "head_b": "float32"}
    page = weights_from_traits(traits)
    np.testing.assert_array_equal(page["b_ih"], packed["b_ih"])
    effect = rounding_effect(packed, page, [np.array([0, 1, 2, 3]), np.array([3, 2])])
    assert 0 < effect["max_probability_difference"] < 0.05 and effect["same_prediction"] > 0.5
    assert rounding_effect(packed, packed, [np.array([1, 2])]) == {"max_probability_difference": 0.0,
                                                                    "same_prediction": 1.0}
