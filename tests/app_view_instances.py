"""The application renderers built on synthetic data of each page's size (for the view tests).

Each builder is seeded and takes about a second; the tests sweep every control to its
extremes on these instances.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from lstm_edu.apps.speech import AudioConfig
from lstm_edu.apps.views import DecoderRenderer, HorizonRenderer, NoiseRenderer, ThresholdRenderer


@contextmanager
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def build_horizon(cls=HorizonRenderer) -> "HorizonRenderer":
    """A seeded instance like the Forecasting notebook's, on a synthetic 11-year cycle.

    309 yearly values, the last 40 held out, horizons 1..12; the naive, seasonal-naive
    and AR(9) baselines and a briefly trained LSTM.
    """
    from lstm_edu.apps.forecasting import (
        ARForecaster,
        LSTMForecastConfig,
        LSTMForecaster,
        NaiveForecaster,
        SeasonalNaiveForecaster,
        rolling_origin_forecasts,
    )

    rng = np.random.default_rng(0)
    years = 1700.0 + np.arange(309)
    cycle = 60.0 + 50.0 * np.sin(2 * np.pi * years / 11.0)
    spots = np.maximum(cycle * rng.uniform(0.6, 1.4, size=len(years)) + rng.normal(0, 8, len(years)), 0.0)
    n_test, max_h = 40, 12
    train = spots[:-n_test]
    methods = {"naive": NaiveForecaster(), "seasonal naive (11)": SeasonalNaiveForecaster(11),
               "AR(9)": ARForecaster(9),
               "LSTM (seed 0)": LSTMForecaster(LSTMForecastConfig(window=24, hidden_size=32, steps=20))}
    with _one_thread():
        forecasts = {name: rolling_origin_forecasts(spots, n_test, max_h, m.fit(train))
                     for name, m in methods.items()}
    return cls(years[-n_test:], spots[-n_test:], forecasts, unit="sunspot number", step_name="years")


def build_decoder(cls=DecoderRenderer) -> "DecoderRenderer":
    """Ten held-out numbers decoded by an untrained ``Seq2Seq(64, 16)``, as in the Translation notebook.

    Seeded, built in well under a second.
    """
    import torch

    from lstm_edu.apps.translation import Seq2Seq, greedy_decode, make_split

    _, test_numbers = make_split(1000, 1000, seed=0)
    torch.manual_seed(0)
    model = Seq2Seq(hidden_size=64, embed_size=16).eval()
    shown = test_numbers[:10]
    outputs, probabilities = greedy_decode(model, shown)
    return cls(shown, outputs, probabilities)


def build_noise(cls=NoiseRenderer) -> "NoiseRenderer":
    """The Speech notebook's utterance (``"oiaeu"``, seed 7) with an untrained ``CTCModel(32, 32)``.

    Templates fitted on 60 synthetic utterances; the model standardises with the same
    band statistics (seeded, about a second to build).
    """
    import torch

    from lstm_edu.apps.speech import CTCModel, make_dataset
    from lstm_edu.apps.speech_evaluation import TemplateBaseline

    audio_config = AudioConfig()
    templates = TemplateBaseline(smoothing=5).fit(make_dataset(60, seed=0, config=audio_config), audio_config)
    torch.manual_seed(0)
    model = CTCModel(audio_config.n_bands, 32).eval()
    model.standardize = templates.standardize
    return cls(model, templates, text="oiaeu", seed=7, audio_config=audio_config)


def build_threshold(cls=ThresholdRenderer) -> "ThresholdRenderer":
    """The Anomaly notebook's set-up on a synthetic monthly temperature series (1950-2010).

    30 clean training years, seeded injected anomalies, two "known events", and the
    rolling z, climatology z, AR(12) and briefly trained LSTM residual detectors over the
    notebook's threshold grid.
    """
    from lstm_edu.apps.anomaly import (
        InjectionConfig,
        climatology_zscore,
        forecaster_scores,
        index_range,
        inject_anomalies,
        rolling_zscore,
    )
    from lstm_edu.apps.forecasting import ARForecaster, LSTMForecastConfig, LSTMForecaster

    rng = np.random.default_rng(0)
    time = 1950.0 + np.arange(61 * 12) / 12.0
    noise = np.zeros(len(time))
    for k in range(1, len(time)):
        noise[k] = 0.9 * noise[k - 1] + rng.normal(0, 0.3)
    values = 24.0 + 2.5 * np.sin(2 * np.pi * time) + noise
    n_train = index_range(time, 1950, 1980)[1]
    known = [index_range(time, 1982.5, 1983.75), index_range(time, 1997.25, 1998.5)]
    injected = inject_anomalies(values, InjectionConfig(start=n_train, seed=0), avoid=known)
    clean = values[:n_train]
    with _one_thread():
        lstm = LSTMForecaster(LSTMForecastConfig(window=24, hidden_size=32, steps=20)).fit(clean)
    scores = {
        "rolling z": rolling_zscore(injected.values, 12),
        "climatology z": climatology_zscore(injected.values, 12, n_train),
        "AR(12) residual": forecaster_scores(ARForecaster(12).fit(clean), injected.values, n_train),
        "LSTM residual": forecaster_scores(lstm, injected.values, n_train),
    }
    scored = np.arange(len(time)) >= n_train
    for lo, hi in known:
        scored[lo:hi] = False
    grid = np.round(np.arange(1.5, 5.01, 0.25), 2)
    return cls(time, injected.values, scores, injected.labels, injected.events, scored,
               thresholds=grid, known=known)


BUILDERS = {HorizonRenderer: build_horizon, DecoderRenderer: build_decoder, NoiseRenderer: build_noise,
            ThresholdRenderer: build_threshold}
