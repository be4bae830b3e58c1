"""Additive attention (Bahdanau, Cho & Bengio 2015) on the book's German -> English model.

The encoder is the one of :class:`lstm_edu.apps.seq2seq_de_en.WordSeq2Seq` (embedding, one
LSTM), but every encoder state ``h_j`` is kept instead of only the last. At each output step
``i`` the decoder scores every source position against its previous state ``s_{i-1}``,

    e_ij = v^T tanh(W s_{i-1} + U h_j),    a_ij = softmax_j(e_ij)   (padding gets weight 0)

reads the context ``c_i = sum_j a_ij h_j``, and feeds ``[y_{i-1}; c_i]`` to its LSTM cell, as in
Bahdanau et al. (2015). Two simplifications, stated: the encoder is one-directional (the
model without attention has the same encoder) and the word is read from ``[s_i; c_i]`` by one
linear layer instead of the paper's maxout layer.

:func:`train_attention_model` trains it on the same batches, vocabularies and optimiser as
:func:`lstm_edu.apps.seq2seq_de_en.train_model`; :func:`translate_with_weights` decodes
greedily and returns the weights ``a_ij`` for the figures.
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch
from torch import nn

from lstm_edu.apps.seq2seq_de_en import BOS, CONFIG, EOS, PAD, UNK, Vocabulary, WordSeq2SeqConfig, detokenize
from lstm_edu.training import TrainConfig
from lstm_edu.training import train as run_training
from lstm_edu.validation import check_positive_int, check_seed

__all__ = ["AdditiveAttention", "AttentionSeq2Seq", "pad_rows", "padding_mask", "train_attention_model",
           "translate_with_weights", "attention_config_dict", "ATTENTION_SIZE"]

#: Size of the attention layer's hidden units (the ``W s + U h`` space).
ATTENTION_SIZE = 64


def pad_rows(rows) -> torch.Tensor:
    """Token rows (lists of ints, none empty) end-padded with ``<pad>`` into a ``(B, S)`` tensor."""
    rows = [list(r) for r in rows]
    if not rows or any(len(r) == 0 for r in rows):
        raise ValueError(f"rows: expected a non-empty list of non-empty token lists, got lengths "
                         f"{[len(r) for r in rows]}")
    out = torch.full((len(rows), max(len(r) for r in rows)), PAD, dtype=torch.long)  # (B, S)
    for k, row in enumerate(rows):
        out[k, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def padding_mask(lengths, width: int) -> torch.Tensor:
    """``(B, width)`` bool: True at the real positions ``j < lengths[b]``, False on padding."""
    lengths = torch.as_tensor(lengths)
    if (lengths.ndim != 1 or lengths.dtype.is_floating_point or bool((lengths < 1).any())
            or bool((lengths > width).any())):
        raise ValueError(f"lengths: expected a 1-d int tensor with values in [1, {width}], "
                         f"got {lengths.tolist()}")
    return torch.arange(width)[None, :] < lengths[:, None]  # (B, width)


class AdditiveAttention(nn.Module):
    """``e_j = v^T tanh(W q + U k_j)``, softmax over the unmasked ``j``; returns context and weights.

    Parameters
    ----------
    query_size, key_size, attention_size : int
        Sizes of the query ``q`` (the decoder state), of each key ``k_j`` (an encoder state,
        also the value that is averaged) and of the hidden layer ``tanh(...)``.
    """

    def __init__(self, query_size: int, key_size: int, attention_size: int = ATTENTION_SIZE) -> None:
        sizes = [check_positive_int(name, value) for name, value in
                 (("query_size", query_size), ("key_size", key_size), ("attention_size", attention_size))]
        super().__init__()
        query_size, key_size, attention_size = sizes
        self.query_layer = nn.Linear(query_size, attention_size, bias=False)  # W
        self.key_layer = nn.Linear(key_size, attention_size)  # U (and a bias)
        self.score_layer = nn.Linear(attention_size, 1, bias=False)  # v

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """``U k_j`` for every position, computed once per sentence: ``(B, S, K) -> (B, S, A)``."""
        return self.key_layer(keys)

    def forward(self, query, keys, mask, projected_keys=None):
        """``query (B, Q)``, ``keys (B, S, K)``, ``mask (B, S)`` bool (True = real position).

        Returns ``(context (B, K), weights (B, S))``; each row of weights sums to 1 and is 0
        where ``mask`` is False.
        """
        if (keys.ndim != 3 or query.ndim != 2 or mask.shape != keys.shape[:2]
                or query.shape[0] != keys.shape[0]):
            raise ValueError(f"query, keys, mask: expected shapes (B, Q), (B, S, K), (B, S), got "
                             f"{tuple(query.shape)}, {tuple(keys.shape)}, {tuple(mask.shape)}")
        if not bool(mask.any(dim=1).all()):
            raise ValueError("mask: expected at least one real (True) position in every row, "
                             "got a row of padding only")
        projected = self.project_keys(keys) if projected_keys is None else projected_keys  # (B, S, A)
        hidden = torch.tanh(self.query_layer(query)[:, None, :] + projected)  # (B, S, A)
        scores = self.score_layer(hidden).squeeze(-1)  # (B, S)
        scores = scores.masked_fill(~mask, float("-inf"))  # padding: exp(-inf) = 0
        weights = torch.softmax(scores, dim=1)  # (B, S)
        context = torch.bmm(weights[:, None, :], keys).squeeze(1)  # (B, K)
        return context, weights


class AttentionSeq2Seq(nn.Module):
    """Embedding -> encoder LSTM (all states kept) -> attention decoder (an LSTM cell) -> word logits."""

    def __init__(self, source_size: int, target_size: int, embed_size: int, hidden_size: int,
                 attention_size: int = ATTENTION_SIZE) -> None:
        for name, value in (("source_size", source_size), ("target_size", target_size),
                            ("embed_size", embed_size), ("hidden_size", hidden_size),
                            ("attention_size", attention_size)):
            check_positive_int(name, value)
        super().__init__()
        self.source_embed = nn.Embedding(source_size, embed_size, padding_idx=PAD)
        self.encoder = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.target_embed = nn.Embedding(target_size, embed_size, padding_idx=PAD)
        self.attention = AdditiveAttention(hidden_size, hidden_size, attention_size)
        self.decoder = nn.LSTMCell(embed_size + hidden_size, hidden_size)
        self.head = nn.Linear(2 * hidden_size, target_size)

    def encode(self, source, lengths):
        """``source (B, S)`` token ids, ``lengths (B,)`` ->
        ``(states (B, S, H), mask (B, S), (h, c) each (B, H))``."""
        packed = nn.utils.rnn.pack_padded_sequence(self.source_embed(source), lengths, batch_first=True,
                                                   enforce_sorted=False)
        outputs, (h, c) = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])
        return states, padding_mask(lengths, source.shape[1]), (h[0], c[0])

    def step(self, token, state, states, mask, projected):
        """One output step from the previous word ``token (B,)`` and state ``(s, c)``:
        ``(logits (B, V), new state, weights (B, S))``."""
        context, weights = self.attention(state[0], states, mask, projected)  # (B, H), (B, S)
        state = self.decoder(torch.cat([self.target_embed(token), context], dim=1), state)  # (B, H) each
        return self.head(torch.cat([state[0], context], dim=1)), state, weights

    def forward(self, batch):
        """Teacher forcing: ``batch = (source (B, S), lengths (B,), decoder_inputs (B, U))`` ->
        logits ``(B, U, V)``."""
        source, lengths, decoder_inputs = batch
        states, mask, state = self.encode(source, lengths)
        projected = self.attention.project_keys(states)  # (B, S, A), once per batch
        logits = []
        for i in range(decoder_inputs.shape[1]):
            step_logits, state, _ = self.step(decoder_inputs[:, i], state, states, mask, projected)
            logits.append(step_logits)
        return torch.stack(logits, dim=1)  # (B, U, V)


def _loss(logits, targets):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                       ignore_index=PAD)


def train_attention_model(german, english, config: WordSeq2SeqConfig = CONFIG):
    """Train on the given pairs exactly as ``seq2seq_de_en.train_model`` trains the model without
    attention (same vocabularies, batches, Adam, clipping, steps); returns
    ``(model, source_vocab, target_vocab, TrainResult)`` with the model in eval mode."""
    if not isinstance(config, WordSeq2SeqConfig):
        raise TypeError(f"config: expected a WordSeq2SeqConfig, got {type(config).__name__}")
    if len(german) != len(english) or not german:
        raise ValueError(f"english: expected {len(german)} sentences (one per German, at least one), "
                         f"got {len(english)}")
    source_vocab, target_vocab = Vocabulary(german, config.vocab), Vocabulary(english, config.vocab)
    sources = [source_vocab.encode(t) or [UNK] for t in german]
    targets = [target_vocab.encode(t) for t in english]
    torch.manual_seed(check_seed("config.seed", config.seed))
    model = AttentionSeq2Seq(len(source_vocab), len(target_vocab), config.embed_size, config.hidden_size)

    def batch_fn(rng):
        rows = rng.integers(0, len(sources), size=config.batch_size)
        src = [sources[k] for k in rows]
        tgt = [targets[k] for k in rows]
        return ((pad_rows(src), torch.tensor([len(s) for s in src]), pad_rows([[BOS] + t for t in tgt])),
                pad_rows([t + [EOS] for t in tgt]))

    result = run_training(model, batch_fn, _loss,
                          TrainConfig(steps=config.steps, batch_size=config.batch_size,
                                      lr=config.lr, clip_norm=1.0, seed=config.seed))
    return model.eval(), source_vocab, target_vocab, result


def translate_with_weights(model: AttentionSeq2Seq, source_vocab, target_vocab, german, max_length: int = 24):
    """Greedy decoding; returns ``(translations, weights, words)``: ``weights[k]`` is a
    ``(output words + 1, source words)`` float array (the last row is the step that chose ``<eos>``)
    and ``words[k]`` names its rows (the output tokens, then ``<eos>``)."""
    if not isinstance(model, AttentionSeq2Seq):
        raise TypeError(f"model: expected an AttentionSeq2Seq, got {type(model).__name__}")
    max_length = check_positive_int("max_length", max_length)
    if isinstance(german, str) or not german or not all(isinstance(t, str) for t in german):
        raise TypeError(f"german: expected a non-empty list of sentences (str), got {type(german).__name__}")
    source = [source_vocab.encode(t) or [UNK] for t in german]
    lengths = torch.tensor([len(s) for s in source])
    with torch.no_grad():
        states, mask, state = model.encode(pad_rows(source), lengths)
        projected = model.attention.project_keys(states)
        token = torch.full((len(source),), BOS, dtype=torch.long)
        tokens, weights = [], []
        for _ in range(max_length):
            logits, state, step_weights = model.step(token, state, states, mask, projected)
            token = logits.argmax(-1)
            tokens.append(token)
            weights.append(step_weights)
    tokens = torch.stack(tokens, 1).tolist()  # (B, max_length)
    weights = torch.stack(weights, 1).numpy()  # (B, max_length, S)
    texts, matrices, words = [], [], []
    for k, row in enumerate(tokens):
        stop = row.index(EOS) if EOS in row else len(row)
        texts.append(detokenize(target_vocab.tokens[t] for t in row[:stop]))
        words.append([target_vocab.tokens[t] for t in row[: stop + 1]])
        matrices.append(np.asarray(weights[k, : min(stop + 1, len(row)), : len(source[k])], dtype=np.float64))
    return texts, matrices, words


def attention_config_dict(config: WordSeq2SeqConfig) -> dict:
    """The training configuration as stored in a results file (without the seed)."""
    return {k: v for k, v in asdict(config).items() if k != "seed"} | {"attention_size": ATTENTION_SIZE}
