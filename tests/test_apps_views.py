"""Application renderers: the plotted data equal the values computed by lstm_edu.apps."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from app_view_instances import BUILDERS

from lstm_edu.apps.anomaly import alarm_metrics
from lstm_edu.apps.speech import AudioConfig, frame_posteriors, make_dataset, synthesize
from lstm_edu.apps.speech_evaluation import TemplateBaseline
from lstm_edu.apps.views import (
    DecoderRenderer,
    HorizonRenderer,
    NoiseRenderer,
    ThresholdRenderer,
)
from lstm_edu.widgets.explorer import render_frames

torch.set_num_threads(1)


def test_horizon_renderer_plots_the_h_step_forecasts_and_errors():
    actual = np.arange(5.0)
    forecasts = {"a": np.stack([actual + 1, actual + 2, actual + 3]), "b": np.stack([actual] * 3)}
    view = HorizonRenderer(np.arange(5), actual, forecasts)
    view.update(horizon=2)
    np.testing.assert_array_equal(view.lines["a"].get_ydata(), actual + 2)
    np.testing.assert_array_equal(view.lines["b"].get_ydata(), actual)
    np.testing.assert_array_equal(view.errors["a"], [1.0, 2.0, 3.0])
    assert list(view.marker.get_xdata()) == [2, 2]
    assert len(render_frames(view, {"horizon": [1, 2, 3]})) == 3
    with pytest.raises(ValueError, match="forecasts"):
        HorizonRenderer(np.arange(5), actual, {"a": np.zeros((3, 4))})


def test_decoder_renderer_shows_end_and_digit_rows():
    probabilities = np.zeros((2, 3, 13))
    probabilities[1, 0, 4] = 1.0  # digit "1" at step 1
    probabilities[1, 1, 2] = 1.0  # end at step 2
    view = DecoderRenderer([5, 1], ["5", "1"], probabilities)
    view.update(example=1)
    image = np.asarray(view.image.get_array())
    assert image.shape == (11, 3) and image[2, 0] == 1.0 and image[0, 1] == 1.0
    assert "truth 1: right" in view.title.get_text()
    assert view.controls["example"].format(1) == "1"  # the slider names each example by its number


def test_threshold_renderer_marks_the_alarms_and_reports_metrics():
    time = np.arange(10.0)
    values = np.zeros(10)
    scores = {"z": np.array([0, 0, 5, 0, 0, 3, 0, 0, 1, 0], dtype=float)}
    labels = np.zeros(10, dtype=bool)
    labels[2] = True
    view = ThresholdRenderer(time, values, scores, labels, [(2, 3)], np.ones(10, dtype=bool), [1.0, 2.0, 4.0])
    view.update(threshold=2.0)
    np.testing.assert_array_equal(view.marks["z"].get_offsets()[:, 0], [2.0, 5.0])
    assert view.metrics["z"] == alarm_metrics(scores["z"], 2.0, labels, [(2, 3)])
    assert view.metrics["z"].precision == 0.5


def test_noise_renderer_plots_the_model_posteriors():
    config = AudioConfig(max_symbols=2)
    train = make_dataset(10, seed=0, config=config)

    class Uniform(torch.nn.Module):
        """A stand-in 'model': equal log-probabilities for every class."""

        def forward(self, x):
            return torch.full(x.shape[:2] + (6,), -np.log(6.0))

    model = Uniform()
    model.standardize = lambda f: f
    view = NoiseRenderer(model, TemplateBaseline().fit(train, config), text="ae", seed=1, audio_config=config)
    view.update(snr=20.0)
    utterance = synthesize(1, AudioConfig(max_symbols=2, snr_db=(20.0, 20.0)), text="ae")
    expected = frame_posteriors(model, utterance, config)
    np.testing.assert_allclose(view.lines[3].get_ydata(), expected[:, 3])
    assert view.decoded == "" and "truth 'ae'" in view.title.get_text()


def _plotted(view) -> list[np.ndarray]:
    """The data a renderer's changing artists show."""
    if isinstance(view, HorizonRenderer):
        return [line.get_ydata() for line in view.lines.values()] + [view.marker.get_xdata()]
    if isinstance(view, DecoderRenderer):
        return [np.asarray(view.image.get_array())]
    if isinstance(view, NoiseRenderer):
        return [np.asarray(view.image.get_array())] + [line.get_ydata() for line in view.lines]
    if isinstance(view, ThresholdRenderer):
        return [view.marks[name].get_offsets() for name in view.marks] + [view.threshold_line.get_xdata()]
    raise AssertionError(f"no artists listed for {type(view).__name__}")


RENDERERS = [HorizonRenderer, DecoderRenderer, NoiseRenderer, ThresholdRenderer]


@pytest.mark.parametrize("cls", RENDERERS, ids=lambda c: c.__name__)
def test_every_control_extreme_plots_finite_data_and_a_summary(cls):
    view = BUILDERS[cls]()
    assert isinstance(view, cls) and view.controls
    for name, control in view.controls.items():
        for value in (control.low, control.high):
            view.update(**{name: value})
            data = _plotted(view)
            assert any(np.size(d) for d in data)  # (a detector may raise no alarm at a high threshold)
            assert all(np.isfinite(np.asarray(d, dtype=float)).all() for d in data), (name, value)
            assert view.png().startswith(b"\x89PNG")
            summary = view.summary()
            assert summary.endswith(".") and "\n" not in summary and len(summary) > 20


def test_summaries_state_the_numbers_of_the_frame():
    view = BUILDERS[HorizonRenderer]()
    view.update(horizon=3)
    first = next(iter(view.errors))
    assert f"{first} {view.errors[first][2]:.3g}" in view.summary() and "made 3 ahead" in view.summary()
    view = BUILDERS[ThresholdRenderer]()
    view.update(threshold=2.5)
    name, metrics = next(iter(view.metrics.items()))
    assert f"{name}: P {metrics.precision:.2f} R {metrics.recall:.2f}" in view.summary()
