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
    for (_a1, b1), (a2, _b2) in zip(injected.events, injected.events[1:]):
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


# -- the sensor network (lstm_edu.apps.sensor_anomaly) ---------------------------------------


def _readings(n=80, anomalous=(45, 48)):
    """Two motes of ``n`` readings; mote 1 has labelled readings ``[a, b)``."""
    from lstm_edu.data.sensor_network import SensorReadings

    rng = np.random.default_rng(0)
    label = np.zeros(2 * n, dtype=bool)
    label[anomalous[0]:anomalous[1]] = True
    return SensorReadings(reading=np.tile(np.arange(1, n + 1), 2), mote=np.repeat([1, 2], n),
                          indoor=np.repeat([True, False], n), humidity=40 + rng.standard_normal(2 * n),
                          temperature=25 + 0.1 * rng.standard_normal(2 * n), label=label, source="test")


def test_split_motes_standardises_with_the_training_stretch_only():
    from lstm_edu.apps.sensor_anomaly import split_motes

    motes = split_motes(_readings(), 40)
    assert list(motes) == [1, 2] and motes[1].indoor and not motes[2].indoor
    np.testing.assert_allclose(motes[1].values[:40].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(motes[1].values[:40].std(axis=0), 1.0)
    assert motes[1].labels.sum() == 3 and motes[2].labels.sum() == 0
    with pytest.raises(ValueError, match="mote 1 has 3 labelled anomalies in its first 50"):
        split_motes(_readings(), 50)


def test_reading_metrics_counts_test_alarms_against_labels():
    from lstm_edu.apps.sensor_anomaly import label_runs, reading_metrics, split_motes
    from lstm_edu.stats import wilson_interval

    motes = split_motes(_readings(), 40)
    s1 = np.zeros(80)
    s1[[10, 45, 46, 50, 51]] = 9.0  # 10: training stretch (ignored); 45, 46 true; 50, 51 false
    s2 = np.full(80, np.nan)
    s2[55] = 6.0  # false alarm on mote 2
    d = reading_metrics({1: s1, 2: s2}, motes, 5.0)
    assert (d.true_alarms, d.false_alarms, d.missed) == (2, 3, 1)
    assert d.precision == wilson_interval(2, 5) and d.recall == wilson_interval(2, 3)
    assert (d.events_found, d.events) == (1, 1) and d.false_by_mote == {1: 2, 2: 1}
    assert reading_metrics({1: s1, 2: s2}, motes, 10.0).precision is None
    assert label_runs([0, 1, 1, 0, 1]) == [(1, 3), (4, 5)] and label_runs([0, 0]) == []


def test_combined_scores_take_the_larger_channel_and_stack_keeps_the_test_parts():
    from lstm_edu.apps.sensor_anomaly import combined_scores, split_motes, stack_test_parts

    motes = split_motes(_readings(), 40)
    both = combined_scores(motes, lambda x, mote, k: np.full(len(x), [-3.0, 2.0][k]))
    np.testing.assert_array_equal(both[1], np.full(80, 3.0))
    view = stack_test_parts(motes, {"d": both}, gap=5)
    assert len(view["time"]) == 2 * (40 + 5) and view["mask"].sum() == 80
    assert view["events"] == [(5, 6), (6, 7), (7, 8)]  # readings 45-47 of mote 1 are test readings 5-7
    np.testing.assert_array_equal(view["values"][:40], motes[1].raw[40:, 0])
    assert np.isnan(view["scores"]["d"][40:45]).all() and view["starts"].tolist() == [0.0, 45 * 5 / 60]


def test_pooled_lstm_learns_changes_and_scores_only_the_test_part():
    import torch

    from lstm_edu.apps.forecasting import LSTMForecastConfig
    from lstm_edu.apps.sensor_anomaly import detector_scores, fit_pooled_lstm, split_motes

    torch.set_num_threads(1)
    motes = split_motes(_readings(), 40)
    lstm = fit_pooled_lstm(motes, LSTMForecastConfig(window=5, hidden_size=4, steps=5, seed=0))
    assert lstm.context == 6 and lstm.inner.mean == pytest.approx(0.0, abs=0.5)
    scores = detector_scores(motes, window=10, ar_order=2, lstm=lstm)
    assert list(scores) == ["rolling z (10)", "AR(2) residual", "LSTM residual"]
    for s in scores["LSTM residual"].values():
        assert np.isnan(s[:40]).all() and np.isfinite(s[40:]).all() and (s[40:] >= 0).all()
