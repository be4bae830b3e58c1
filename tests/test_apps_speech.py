"""Speech stand-in: synthesis, spectrogram, frame labels, decoding, error rate, CTC learning."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.speech import (
    FORMANTS,
    SYMBOLS,
    AudioConfig,
    CTCConfig,
    frame_labels,
    frame_posteriors,
    greedy_ctc_decode,
    log_spectrogram,
    make_dataset,
    synthesize,
    train_ctc,
)
from lstm_edu.apps.speech_evaluation import TemplateBaseline, frame_confusion, token_error_rate

torch.set_num_threads(1)  # these tests train tiny models; extra threads only contend


def test_synthesis_obeys_its_config():
    config = AudioConfig(snr_db=(100.0, 100.0))
    for seed in range(20):
        u = synthesize(seed, config)
        assert config.min_symbols <= len(u.text) <= config.max_symbols
        assert all(a != b for a, b in zip(u.text, u.text[1:]))  # no immediate repeats
        assert [s for s, _, _ in u.segments] == list(u.text)
        for _, first, stop in u.segments:
            assert config.min_duration * 8000 - 1 <= stop - first <= config.max_duration * 8000
        # outside the voiced segments only (here negligible) noise
        voiced = np.zeros(len(u.audio), dtype=bool)
        for _, first, stop in u.segments:
            voiced[first:stop] = True
        assert np.abs(u.audio[~voiced]).max() < 1e-3
    np.testing.assert_array_equal(synthesize(3).audio, synthesize(3).audio)


def test_noise_level_matches_the_requested_snr():
    u = synthesize(0, AudioConfig(snr_db=(5.0, 5.0)), text="aeiou")
    clean = synthesize(0, AudioConfig(snr_db=(200.0, 200.0)), text="aeiou")
    noise = u.audio - clean.audio
    voiced = np.concatenate([clean.audio[a:b] for _, a, b in clean.segments])
    assert 10 * np.log10(np.mean(voiced**2) / np.mean(noise**2)) == pytest.approx(5.0, abs=0.3)


def test_spectrogram_peaks_at_the_formants():
    config = AudioConfig(snr_db=(60.0, 60.0), pitch_jitter=0.0, min_duration=0.3, max_duration=0.3,
                         max_gap=0.0)
    u = synthesize(1, config, text="a")
    spec = log_spectrogram(u.audio, config)
    assert spec.shape == ((len(u.audio) - 256) // 128 + 1, 32)
    band_hz = 4000 / 32  # 32 bands from 0 to the Nyquist frequency
    middle = spec[len(spec) // 2]
    top_two = sorted(np.argsort(middle)[-2:])
    assert top_two == [int(FORMANTS["a"][0] // band_hz), int(FORMANTS["a"][1] // band_hz)]


def test_frame_labels_follow_segments():
    config = AudioConfig(snr_db=(60.0, 60.0), max_gap=0.0)
    u = synthesize(2, config, text="io")
    labels = frame_labels(u, 40, config)
    (_, a0, b0), (_, a1, b1) = u.segments
    centre = np.arange(40) * 128 + 128
    expected = np.where((centre >= a0) & (centre < b0), 3, np.where((centre >= a1) & (centre < b1), 4, 0))
    np.testing.assert_array_equal(labels, expected)


def test_greedy_ctc_decode_merges_repeats_and_drops_blanks():
    classes = [0, 1, 1, 0, 1, 3, 3, 0, 0, 5]
    posteriors = np.eye(len(SYMBOLS) + 1)[classes]
    assert greedy_ctc_decode(posteriors) == "aaiu"


def test_token_error_rate():
    assert token_error_rate(["aei", "ou"], ["aei", "o"]) == pytest.approx(1 / 5)


def test_template_baseline_is_perfect_on_clean_audio():
    config = AudioConfig(snr_db=(40.0, 40.0), pitch_jitter=0.0)
    train = make_dataset(40, seed=0, config=config)
    test = make_dataset(20, seed=1, config=config)
    baseline = TemplateBaseline().fit(train, config)
    assert token_error_rate([u.text for u in test], [baseline.decode(u, config) for u in test]) == 0.0


def test_ctc_model_learns_from_texts_only():
    config = AudioConfig(snr_db=(20.0, 20.0), pitch_jitter=0.0, max_symbols=3)
    train = make_dataset(400, seed=0, config=config)
    test = make_dataset(30, seed=1, config=config)
    model, result = train_ctc(train, config, CTCConfig(hidden_size=32, steps=150, batch_size=16, lr=1e-2))
    assert result.loss[-1] < 0.2 * result.loss[0]
    posteriors = frame_posteriors(model, test[0], config)
    np.testing.assert_allclose(posteriors.sum(1), 1.0, rtol=1e-5)
    hypotheses = [greedy_ctc_decode(frame_posteriors(model, u, config)) for u in test]
    assert token_error_rate([u.text for u in test], hypotheses) < 0.1


def test_frame_confusion_counts_frames_by_true_and_assigned_class():
    config = AudioConfig(snr_db=(30.0, 30.0))
    utterances = [synthesize(seed, config) for seed in range(3)]
    n_frames = [len(log_spectrogram(u.audio, config)) for u in utterances]
    # a perfect classifier puts every frame on the diagonal
    truth = {id(u): frame_labels(u, n, config) for u, n in zip(utterances, n_frames)}
    counts = frame_confusion(utterances, lambda u: truth[id(u)], config)
    assert counts.shape == (len(SYMBOLS) + 1,) * 2
    assert counts.sum() == sum(n_frames)
    assert np.array_equal(counts, np.diag(np.diag(counts)))
    expected = np.bincount(np.concatenate(list(truth.values())), minlength=len(SYMBOLS) + 1)
    assert np.array_equal(np.diag(counts), expected)
    # calling every frame silence puts every frame in column 0
    silent = frame_confusion(utterances, lambda u: np.zeros(len(truth[id(u)]), dtype=int), config)
    assert np.array_equal(silent[:, 0], expected) and silent[:, 1:].sum() == 0


def test_frame_confusion_rejects_bad_classes():
    u = synthesize(0)
    with pytest.raises(ValueError, match="classify"):
        frame_confusion([u], lambda u: np.full(10, len(SYMBOLS) + 1))
    with pytest.raises(ValueError, match="classify"):
        frame_confusion([u], lambda u: np.zeros(10))  # floats are not classes
    with pytest.raises(ValueError, match="utterances"):
        frame_confusion([], lambda u: np.zeros(10, dtype=int))
