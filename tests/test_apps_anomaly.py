"""Anomaly app: El Nino loader, the seeded injector, z-scores and alarm metrics."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_edu.apps.anomaly import (
    InjectionConfig,
    alarm_metrics,
    climatology_zscore,
    forecaster_scores,
    index_range,
    inject_anomalies,
    load_elnino,
    residual_scores,
    rolling_zscore,
)


def test_elnino_is_monthly_1950_to_2010():
    series = load_elnino()
    assert series.values.shape == (732,)
    assert series.time[0] == 1950.0 and series.time[-1] == pytest.approx(2010 + 11 / 12)
    assert index_range(series.time, 1997.0, 1998.0) == (564, 576)
    # the seasonal cycle: March is warmer than September on average in this region
    monthly = series.values.reshape(61, 12).mean(axis=0)
    assert monthly[2] > monthly[8] + 3


def test_injector_changes_exactly_the_labelled_points():
    clean = np.linspace(0.0, 1.0, 300)
    config = InjectionConfig(n_spikes=5, spike_size=2.0, n_shifts=2, shift_size=1.5, shift_length=4,
                             start=100, gap=3, seed=1)
    injected = inject_anomalies(clean, config, avoid=[(200, 220)])
    changed = ~np.isclose(injected.values, clean)
    np.testing.assert_array_equal(changed, injected.labels)
    assert injected.labels[:100].sum() == 0 and injected.labels[197:223].sum() == 0
    delta = injected.values - clean
    np.testing.assert_allclose(np.abs(delta[injected.kind == 1]), 2.0)
    np.testing.assert_allclose(np.abs(delta[injected.kind == 2]), 1.5)
    assert [b - a for a, b in injected.events].count(4) == 2 and len(injected.events) == 7
    for (a1, b1), (a2, b2) in zip(injected.events, injected.events[1:]):
        assert a2 - b1 >= 3  # gap respected
    assert np.array_equal(clean, np.linspace(0.0, 1.0, 300))  # input untouched
    again = inject_anomalies(clean, config, avoid=[(200, 220)])
    np.testing.assert_array_equal(again.values, injected.values)


def test_injector_refuses_when_there_is_no_room():
    with pytest.raises(ValueError, match="not enough clean room"):
        inject_anomalies(np.zeros(20), InjectionConfig(n_spikes=10, n_shifts=0, gap=3))


def test_rolling_zscore_known_value():
    values = np.array([1.0, 2.0, 3.0, 10.0])
    z = rolling_zscore(values, window=3)
    assert np.isnan(z[:3]).all()
    assert z[3] == pytest.approx((10.0 - 2.0) / np.std([1.0, 2.0, 3.0]))


def test_climatology_zscore_uses_training_phases_only():
    values = np.array([0.0, 10.0, 2.0, 12.0, 100.0, 100.0])
    z = climatology_zscore(values, period=2, n_train=4)
    # phase 0: mean 1, std 1; phase 1: mean 11, std 1
    np.testing.assert_allclose(z, [-1.0, -1.0, 1.0, 1.0, 99.0, 89.0])


def test_residual_scores():
    np.testing.assert_allclose(residual_scores([1.0, 2.0], [0.0, 4.0], 0.5), [2.0, 4.0])


def test_alarm_metrics_counts_alarms_and_events():
    scores = np.array([0.0, 5.0, 0.0, 5.0, 5.0, 0.0, 5.0, np.nan])
    labels = np.array([0, 1, 0, 1, 1, 1, 0, 0], dtype=bool)
    events = [(1, 2), (3, 6)]
    m = alarm_metrics(scores, 2.0, labels, events)
    assert (m.alarms, m.false_alarms, m.found) == (4, 1, 2)
    assert m.precision == pytest.approx(0.75) and m.recall == 1.0
    mask = np.ones(8, dtype=bool)
    mask[:3] = False  # drop the first event and its alarm
    m = alarm_metrics(scores, 2.0, labels, events, mask=mask)
    assert (m.alarms, m.found, m.recall) == (3, 1, 1.0)
    quiet = alarm_metrics(scores, 10.0, labels, events)
    assert np.isnan(quiet.precision) and quiet.recall == 0.0


def test_forecaster_scores_scale_by_training_error():
    from lstm_edu.apps.forecasting import NaiveForecaster

    rng = np.random.default_rng(0)
    values = np.cumsum(rng.standard_normal(400))
    values[300] += 10.0
    scores = forecaster_scores(NaiveForecaster(), values, n_train=200)
    assert np.isnan(scores[:200]).all()
    scale = np.std(np.diff(values[:200]))
    assert scores[250] == pytest.approx(abs(values[250] - values[249]) / scale)
    assert np.nanargmax(scores) in (300, 301)  # the spike and the step after it
