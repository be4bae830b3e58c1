"""The trained application models as the page's JavaScript computes them.

The live explorers of the sentiment and text-generation pages
(:mod:`lstm_edu.apps.live_views`) run the trained LSTMs in the reader's browser. To keep a
page light (a few hundred thousand weights would be over a megabyte as float32), each weight
matrix travels with **8 bits a weight**: every row scaled by its largest magnitude over 127
and rounded (:func:`encode_int8`); biases stay float32. The page and this module compute with
exactly the same rounded weights, widened to float64 (:func:`browser_weights`,
:func:`weights_from_traits`); :func:`rounding_effect` measures how far that model's outputs
are from the full-precision one. This module is the Python side of that contract, and the
reference the JavaScript is tested against:

- :func:`encode_int8`, :func:`encode_float32`, :func:`decode_float32` (and the float64
  pair) -- arrays <-> JSON;
- :func:`pack_lstm` -- embedding, LSTM and linear readout in lstm_edu's layout
  (``W_x (E, 4H)``, ``W_h (H, 4H)``, gate order i, f, g, o; torch's two biases kept apart
  and added in float64, as :func:`lstm_edu.from_torch` adds them);
- :func:`run_packed` -- the float64 forward pass of the numpy twin
  (:class:`lstm_edu.LSTM`) over word or character indices, and the readout after each step;
- :data:`TOKEN_PATTERN`, :func:`sentence_tokens`, :func:`dropped_characters` -- the review
  tokenizer as the JavaScript mirrors it: tokens, their indices (unknown words -> ``<unk>``),
  and what :func:`lstm_edu.apps.sentiment_reviews.tokenize` leaves out;
- :func:`readout_units` -- the units whose hidden state moves the sentiment score most.

The character model's sampling (a seeded PRNG shared with JavaScript) is in
:mod:`lstm_edu.apps.browser_sampling`.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import numpy as np

from lstm_edu.apps.sentiment_reviews import UNK, tokenize
from lstm_edu.cells import LSTMParams
from lstm_edu.config import LSTMConfig
from lstm_edu.sequence import LSTM
from lstm_edu.validation import check_int_range

__all__ = ["encode_int8", "decode_int8", "browser_weights", "weights_from_traits", "rounding_effect",
           "encode_float32", "decode_float32", "encode_float64", "decode_float64", "PACKED_NAMES",
           "pack_lstm", "packed_size", "PackedRun", "run_packed", "positive_probability", "TOKEN_PATTERN",
           "dropped_characters", "sentence_tokens", "readout_units"]

#: The review tokenizer's pattern, shipped to the JavaScript as text (``new RegExp(TOKEN_PATTERN, "g")``
#: reads it the same way): applied to the lower-cased text, its matches joined by spaces are
#: :func:`~lstm_edu.apps.sentiment_reviews.tokenize` (tests/test_browser_models.py checks it).
TOKEN_PATTERN = r"[a-z0-9]+(?:'[a-z]+)?|[!?]"

#: The arrays of a packed model, in order: ``embedding (V, E)``, ``W_x (E, 4H)``,
#: ``W_h (H, 4H)``, ``b_ih (4H,)``, ``b_hh (4H,)``, ``head_W (H, K)``, ``head_b (K,)``.
PACKED_NAMES = ("embedding", "W_x", "W_h", "b_ih", "b_hh", "head_W", "head_b")


def _encode(array, dtype: str) -> dict:
    values = np.ascontiguousarray(array, dtype=dtype)
    return {"shape": list(values.shape), "dtype": np.dtype(dtype).name,
            "data": base64.b64encode(values.tobytes()).decode("ascii")}


def _decode(packed, dtype: str) -> np.ndarray:
    if not isinstance(packed, dict) or not {"shape", "data"} <= set(packed):
        raise TypeError(f"packed: expected a dict with 'shape' and 'data', got {type(packed).__name__}")
    raw = base64.b64decode(packed["data"], validate=True)
    values = np.frombuffer(raw, dtype=dtype)
    shape = tuple(int(n) for n in packed["shape"])
    if int(np.prod(shape)) != values.size:
        raise ValueError(f"packed: shape {shape} holds {int(np.prod(shape))} values, the data {values.size}")
    return values.reshape(shape).copy()


def encode_float32(array) -> dict:
    """``{"shape", "dtype": "float32", "data"}``: the array as base64 of little-endian float32.

    Lossless for float32 data (the trained weights); the JavaScript reads it back with a
    ``DataView`` (``getFloat32(offset, true)``) into a ``Float64Array``.
    """
    values = np.asarray(array)
    if not np.issubdtype(values.dtype, np.floating) or not np.isfinite(values).all():
        raise ValueError(f"array: expected finite floats, got dtype {values.dtype}")
    if values.dtype == np.float64 and not np.array_equal(values.astype(np.float32), values):
        raise ValueError("array: float64 values that float32 cannot hold exactly; use encode_float64")
    return _encode(values, "<f4")


def decode_float32(packed: dict) -> np.ndarray:
    """The float32 array :func:`encode_float32` packed."""
    return _decode(packed, "<f4")


def encode_float64(array) -> dict:
    """As :func:`encode_float32`, in little-endian float64 (for weights fitted in float64)."""
    values = np.asarray(array)
    if not np.issubdtype(values.dtype, np.floating) or not np.isfinite(values).all():
        raise ValueError(f"array: expected finite floats, got dtype {values.dtype}")
    return _encode(values, "<f8")


def decode_float64(packed: dict) -> np.ndarray:
    """The float64 array :func:`encode_float64` packed."""
    return _decode(packed, "<f8")


def encode_int8(matrix) -> dict:
    """``{"shape", "dtype": "int8", "scale", "data"}``: a matrix with 8 bits a weight.

    Row ``r`` is stored as ``round(w / scale[r])`` in ``[-127, 127]`` with
    ``scale[r] = max |w[r]| / 127`` (1 for a row of zeros), so each weight moves by at most
    half its row's ``scale``. :func:`decode_int8` and the page's JavaScript both read it back
    as ``q * scale[r]`` in float64: the same numbers on both sides.
    """
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or not np.isfinite(values).all():
        raise ValueError(f"matrix: expected a finite 2-d array, got shape {values.shape}")
    peak = np.abs(values).max(axis=1)                                     # (rows,)
    scale = np.where(peak > 0, peak / 127.0, 1.0)                         # (rows,)
    quantized = np.clip(np.rint(values / scale[:, None]), -127, 127).astype("<i1")
    return {"shape": list(values.shape), "dtype": "int8", "scale": scale.tolist(),
            "data": base64.b64encode(quantized.tobytes()).decode("ascii")}


def decode_int8(packed: dict) -> np.ndarray:
    """The float64 matrix :func:`encode_int8` stands for: ``q * scale[row]``."""
    quantized = _decode(packed, "<i1")
    scale = np.asarray(packed.get("scale", ()), dtype=np.float64)
    if quantized.ndim != 2 or scale.shape != (quantized.shape[0],):
        raise ValueError(f"packed: expected one scale per row of {quantized.shape}, got {scale.shape}")
    return quantized.astype(np.float64) * scale[:, None]


def browser_weights(packed: dict) -> dict:
    """The widget trait of a packed model: matrices with 8 bits a weight, vectors as float32."""
    _check_packed(packed)
    return {name: encode_int8(array) if np.ndim(array) == 2 else encode_float32(array)
            for name, array in packed.items()}


def weights_from_traits(traits: dict) -> dict:
    """The float64 arrays a widget trait from :func:`browser_weights` stands for (what the page computes)."""
    decoders = {"int8": decode_int8, "float32": decode_float32, "float64": decode_float64}
    if not isinstance(traits, dict) or any(not isinstance(v, dict) or v.get("dtype") not in decoders
                                           for v in traits.values()):
        raise ValueError(f"traits: expected {{name: packed array}} with dtype in {sorted(decoders)}")
    weights = {name: decoders[value["dtype"]](value).astype(np.float64) for name, value in traits.items()}
    _check_packed(weights)
    return weights


def rounding_effect(full: dict, rounded: dict, sequences) -> dict:
    """How far the page's rounded model is from the full one over some index sequences.

    Returns ``max_probability_difference`` (the largest change of any class probability,
    softmax of the logits, at any step) and ``same_prediction`` (the share of steps whose most
    likely class is the same).
    """
    differences, same, steps = 0.0, 0, 0
    for ids in sequences:
        logits = [run_packed(model, ids).logits for model in (full, rounded)]           # (T, K) each
        p = [np.exp(x - x.max(axis=1, keepdims=True)) for x in logits]
        p = [q / q.sum(axis=1, keepdims=True) for q in p]
        differences = max(differences, float(np.abs(p[0] - p[1]).max()))
        same += int((p[0].argmax(axis=1) == p[1].argmax(axis=1)).sum())
        steps += len(p[0])
    if steps == 0:
        raise ValueError("sequences: expected at least one non-empty sequence")
    return {"max_probability_difference": differences, "same_prediction": same / steps}


def pack_lstm(embedding, lstm, head) -> dict:
    """``{name: float32 array}`` (:data:`PACKED_NAMES`) of a torch embedding, one-layer LSTM and linear head.

    Parameters
    ----------
    embedding : torch.nn.Embedding
        ``(V, E)``.
    lstm : torch.nn.LSTM
        One layer, one direction, with biases, input size ``E``.
    head : torch.nn.Linear
        ``H -> K``.
    """
    import torch

    kinds = ((embedding, torch.nn.Embedding, "embedding"), (lstm, torch.nn.LSTM, "lstm"),
             (head, torch.nn.Linear, "head"))
    for module, cls, name in kinds:
        if not isinstance(module, cls):
            raise TypeError(f"{name}: expected a torch.nn.{cls.__name__}, got {type(module).__name__}")
    if lstm.num_layers != 1 or lstm.bidirectional or getattr(lstm, "proj_size", 0) or not lstm.bias:
        raise ValueError("lstm: expected one layer, one direction, no projection, with biases")
    if embedding.embedding_dim != lstm.input_size or head.in_features != lstm.hidden_size:
        raise ValueError(f"lstm: sizes do not chain: embedding {embedding.embedding_dim} -> LSTM "
                         f"{lstm.input_size}x{lstm.hidden_size} -> head {head.in_features}")

    def f32(tensor):
        return tensor.detach().cpu().float().numpy()

    return {"embedding": f32(embedding.weight), "W_x": f32(lstm.weight_ih_l0).T.copy(),
            "W_h": f32(lstm.weight_hh_l0).T.copy(),
            "b_ih": f32(lstm.bias_ih_l0), "b_hh": f32(lstm.bias_hh_l0),
            "head_W": f32(head.weight).T.copy(), "head_b": f32(head.bias)}


def _check_packed(packed) -> None:
    if not isinstance(packed, dict) or set(packed) != set(PACKED_NAMES):
        got = sorted(packed) if isinstance(packed, dict) else type(packed).__name__
        raise ValueError(f"packed: expected the arrays {list(PACKED_NAMES)}, got {got}")


def packed_size(packed: dict) -> int:
    """Number of float32 values in a packed model."""
    _check_packed(packed)
    return int(sum(np.asarray(packed[name]).size for name in PACKED_NAMES))


@dataclass(frozen=True)
class PackedRun:
    """A float64 forward pass over one sequence (each array ``(T, ...)``).

    ``i, f, g, o, c, h`` are ``(T, H)``; ``logits`` is the readout after each step ``(T, K)``.
    """

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray
    logits: np.ndarray


def run_packed(packed: dict, ids, h0=None, c0=None) -> PackedRun:
    """The float64 forward pass of a packed model over indices ``ids (T,)``.

    From a zero state, or from ``h0``, ``c0`` ``(H,)`` (a previous run's ``h[-1]``, ``c[-1]``).

    The numpy twin (:class:`lstm_edu.LSTM`) with the float32 weights widened to float64 and
    ``b = b_ih + b_hh``; then ``logits_t = h_t head_W + head_b``. This is what the
    explorers' JavaScript computes.
    """
    _check_packed(packed)
    ids = np.asarray(ids)
    V = np.asarray(packed["embedding"]).shape[0]
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected a non-empty 1-d array of ints, got {ids!r:.80}")
    if ids.min() < 0 or ids.max() >= V:
        raise ValueError(f"ids: expected indices in [0, {V - 1}], got {ids.min()}..{ids.max()}")
    w = {name: np.asarray(packed[name], dtype=np.float64) for name in PACKED_NAMES}
    E, H = w["W_x"].shape[0], w["W_h"].shape[0]
    params = LSTMParams(W_x=w["W_x"], W_h=w["W_h"], b=w["b_ih"] + w["b_hh"])
    state = [None if s is None else np.asarray(s, dtype=np.float64).reshape(1, H) for s in (h0, c0)]
    lstm = LSTM(LSTMConfig(input_size=E, hidden_size=H), params)
    trace = lstm.forward(w["embedding"][ids][:, None, :], *state)
    h = trace.h[:, 0]  # (T, H)
    return PackedRun(*(trace.gates[k][:, 0] for k in ("i", "f", "g", "o")), trace.c[:, 0], h,
                     h @ w["head_W"] + w["head_b"])


def positive_probability(logits) -> np.ndarray:
    """``p(positive)`` of two-class logits ``(..., 2)``: ``1 / (1 + exp(-(logit_1 - logit_0)))``.

    Torch's ``softmax(...)[..., 1]`` in exact arithmetic; written as the JavaScript computes it.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim < 1 or logits.shape[-1] != 2:
        raise ValueError(f"logits: expected shape (..., 2), got {logits.shape}")
    return 1.0 / (1.0 + np.exp(-(logits[..., 1] - logits[..., 0])))


def dropped_characters(text: str) -> str:
    """The characters of ``text`` that :func:`~lstm_edu.apps.sentiment_reviews.tokenize` drops.

    Every character outside the tokens and not whitespace, each once, in order of first
    appearance (case-folded as ``tokenize`` folds it): ``dropped_characters("Fine, ok.")``
    is ``",."``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    kept = re.sub(TOKEN_PATTERN, " ", text.lower())
    return "".join(dict.fromkeys(ch for ch in kept if not ch.isspace()))


def readout_units(packed: dict, count: int = 3) -> list[int]:
    """The ``count`` units whose hidden state weighs most on the score (largest ``|w_1 - w_0|`` of the head).

    For a two-class head the score ``logit_1 - logit_0`` is ``sum_j h_j (w_1j - w_0j)`` plus a
    constant; these units move it most per unit of hidden state. Largest first.
    """
    _check_packed(packed)
    head = np.asarray(packed["head_W"], dtype=np.float64)  # (H, K)
    if head.shape[1] != 2:
        raise ValueError(f"packed: expected a two-class head, got {head.shape[1]} outputs")
    count = check_int_range("count", count, 1, head.shape[0])
    return [int(k) for k in np.argsort(-np.abs(head[:, 1] - head[:, 0]), kind="stable")[:count]]


def sentence_tokens(text: str, words) -> tuple[list, list, list]:
    """``(tokens, ids, unknown)`` of a sentence, as the review LSTM reads it.

    ``tokens`` are :func:`~lstm_edu.apps.sentiment_reviews.tokenize`'s words, ``ids`` their
    indices in ``words`` (the vocabulary's word list; a word not in it maps to index 1,
    ``<unk>``, as :class:`~lstm_edu.apps.sentiment_reviews.CorpusVocabulary` maps it) and
    ``unknown`` the distinct tokens that were not in ``words``, in order.
    """
    if isinstance(words, str) or len(words) < 2 or words[1] != UNK:
        raise ValueError(f"words: expected a word list with {UNK!r} at index 1, got {list(words)[:3]!r}")
    index = {w: k for k, w in enumerate(words)}
    tokens = tokenize(text).split()
    ids = [index.get(t, 1) for t in tokens]
    unknown = list(dict.fromkeys(t for t in tokens if t not in index))
    return tokens, ids, unknown
