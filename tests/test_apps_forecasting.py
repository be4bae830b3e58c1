"""Forecasting app: data, baselines, rolling-origin evaluation, metrics, the LSTM forecaster."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_edu.apps.forecasting import (
    ARForecaster,
    DifferencedForecaster,
    LSTMForecastConfig,
    LSTMForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    load_sunspots,
    mae,
    mae_difference,
    mase,
    random_walk,
    rmse,
    rolling_origin_forecasts,
)

torch.set_num_threads(1)  # these tests train tiny models; extra threads only contend


def test_sunspots_load_offline_with_years_and_values():
    series = load_sunspots()
    assert series.time[0] == 1700 and series.time[-1] == 2008
    assert series.values.shape == series.time.shape == (309,)
    assert np.all(np.diff(series.time) == 1) and series.values.min() >= 0


def test_random_walk_is_seeded_and_steps_are_standard_normal():
    walk = random_walk(20_001, seed=3, start=50.0, scale=2.0)
    assert walk[0] == 50.0
    np.testing.assert_array_equal(walk, random_walk(20_001, seed=3, start=50.0, scale=2.0))
    assert not np.array_equal(walk, random_walk(20_001, seed=4, start=50.0, scale=2.0))
    steps = np.diff(walk) / 2.0
    assert abs(steps.mean()) < 0.03 and abs(steps.std() - 1.0) < 0.02
    # independent steps: lag-1 autocorrelation near 0
    assert abs(np.corrcoef(steps[:-1], steps[1:])[0, 1]) < 0.03


@pytest.mark.parametrize("bad, error", [(1, ValueError), (2.5, TypeError)])
def test_random_walk_rejects_bad_length(bad, error):
    with pytest.raises(error, match="n:"):
        random_walk(bad)


def test_naive_and_seasonal_naive_on_known_windows():
    windows = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(NaiveForecaster().predict(windows, 3), [[5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(SeasonalNaiveForecaster(2).predict(windows, 5), [[4.0, 5.0, 4.0, 5.0, 4.0]])
    with pytest.raises(ValueError, match="windows: .*L >= 3"):
        SeasonalNaiveForecaster(3).predict(np.ones((2, 2)), 1)


def test_ar_recovers_coefficients_and_forecasts_recursively():
    rng = np.random.default_rng(0)
    y = np.zeros(5000)
    for t in range(2, len(y)):
        y[t] = 1.0 + 0.6 * y[t - 1] - 0.2 * y[t - 2] + 0.1 * rng.standard_normal()
    model = ARForecaster(2).fit(y)
    np.testing.assert_allclose(model.coef, [1.0, 0.6, -0.2], atol=0.02)
    model.coef = np.array([1.0, 0.5, 0.25])
    # y3 = 1 + 0.5*4 + 0.25*2 = 3.5 ; y4 = 1 + 0.5*3.5 + 0.25*4 = 3.75
    np.testing.assert_allclose(model.predict([[2.0, 4.0]], 2), [[3.5, 3.75]])


def test_differenced_naive_extrapolates_a_line_exactly():
    line = 3.0 + 2.0 * np.arange(10.0)
    model = DifferencedForecaster(NaiveForecaster()).fit(line)
    np.testing.assert_allclose(model.predict(line[None, -4:], 3), [[23.0, 25.0, 27.0]])


def test_rolling_origin_uses_only_the_past():
    series = np.arange(20.0)
    forecasts = rolling_origin_forecasts(series, n_test=5, max_horizon=3, forecaster=NaiveForecaster())
    # the h-step forecast of y_t is y_{t-h}
    for h in (1, 2, 3):
        np.testing.assert_array_equal(forecasts[h - 1], series[15 - h : 20 - h])
    with pytest.raises(ValueError, match="max_horizon"):
        rolling_origin_forecasts(series, 5, 15, SeasonalNaiveForecaster(3))


def test_metrics_on_known_values():
    actual, predicted = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 1.0, 4.0])
    assert mae(actual, predicted) == pytest.approx(0.75)
    assert rmse(actual, predicted) == pytest.approx(np.sqrt(5 / 4))
    # naive in-sample MAE of [0, 2, 4] is 2
    assert mase(actual, predicted, train=[0.0, 2.0, 4.0]) == pytest.approx(0.375)
    with pytest.raises(ValueError, match="predicted"):
        mae(actual, predicted[:2])


def test_lstm_forecaster_learns_a_sine_better_than_naive():
    t = np.arange(400)
    series = np.sin(2 * np.pi * t / 20)
    config = LSTMForecastConfig(window=20, hidden_size=16, steps=150, lr=2e-2)
    model = LSTMForecaster(config).fit(series[:300])
    forecasts = rolling_origin_forecasts(series, 100, 5, model)
    naive = rolling_origin_forecasts(series, 100, 5, NaiveForecaster())
    target = np.tile(series[300:], (5, 1))
    lstm_error, naive_error = mae(target, forecasts, axis=1), mae(target, naive, axis=1)
    assert lstm_error[0] < 0.5 * naive_error[0]
    assert lstm_error[4] < 0.5 * naive_error[4]


def test_report_table_rounds_to_three_significant_digits():
    from lstm_edu.apps.report import fmt, table

    assert fmt(3.14159) == "3.14" and fmt(12345.0) == "1.23e+04" and fmt(float("nan")) == "nan"
    text = table({"naive": [1.0, 22.456], "LSTM": [0.123456, float("nan")]}, ["h=1", "h=6"])
    assert text.splitlines() == ["       h=1    h=6", "naive  1      22.5", "LSTM   0.123  nan"]
    with pytest.raises(ValueError, match="naive"):
        table({"naive": [1.0]}, ["a", "b"])


def test_mae_difference_is_the_difference_of_maes_with_its_standard_error():
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(3, 50))
    a, b = actual + rng.normal(size=(3, 50)), actual + 2 * rng.normal(size=(3, 50))
    difference, se = mae_difference(actual, a, b)
    assert difference.shape == se.shape == (3,)
    assert np.allclose(difference, mae(actual, a, axis=1) - mae(actual, b, axis=1))
    paired = np.abs(a - actual) - np.abs(b - actual)
    assert np.allclose(se, paired.std(axis=1, ddof=1) / np.sqrt(50))
    d0, se0 = mae_difference(actual[0], a[0], a[0])  # a method against itself
    assert d0 == 0 and se0 == 0
    d1, _ = mae_difference(actual[:, 0], a[:, 0], b[:, 0], axis=0)
    assert np.isclose(d1, mae(actual[:, 0], a[:, 0]) - mae(actual[:, 0], b[:, 0]))


def test_mae_difference_rejects_bad_input():
    with pytest.raises(ValueError, match="predicted"):
        mae_difference(np.zeros(5), np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="at least 2"):
        mae_difference(np.zeros(1), np.zeros(1), np.zeros(1))


# -- real-data sections: returns, blocked intervals, horizons, the stored LSTM runs ---------------

from lstm_edu.apps.forecast_runs import WindowConfig, WindowLSTM, blocked_difference  # noqa: E402
from lstm_edu.apps.market import StockProblem, log_returns  # noqa: E402
from lstm_edu.apps.weather import WeatherProblem, hour_features  # noqa: E402


def test_log_returns_are_percent_log_changes():
    closes = np.array([[100.0, 50.0], [110.0, 50.0], [99.0, 25.0]])
    np.testing.assert_allclose(log_returns(closes), 100 * np.log([[1.1, 1.0], [0.9, 0.5]]))
    with pytest.raises(ValueError, match="closes"):
        log_returns([[1.0, -1.0], [1.0, 1.0]])


def test_blocked_difference_uses_block_means():
    actual = np.zeros(8)
    a = np.array([1, 1, 1, 1, 3, 3, 3, 3], dtype=float)  # |a| - |b| with b = 0
    diff, low, high = blocked_difference(actual, a, np.zeros(8), block=4)
    se = np.std([1.0, 3.0], ddof=1) / np.sqrt(2)
    assert diff == 2.0 and np.isclose(low, 2 - 1.96 * se) and np.isclose(high, 2 + 1.96 * se)
    with pytest.raises(ValueError, match="at least 2 blocks"):
        blocked_difference(actual, a, a, block=5)


def test_stock_baselines_on_a_known_series():
    returns = np.tile([[1.0, -1.0], [-1.0, 1.0]], (30, 1))  # (60, 2): perfectly alternating
    problem = StockProblem(("A", "B"), np.arange(60.0), returns, n_train=40, window=3)
    base = problem.baselines(order=1)
    np.testing.assert_array_equal(base["random walk (no change)"], 0.0)
    # AR(1) learns r_t = -r_{t-1}
    np.testing.assert_allclose(base["AR(1) per index"], problem.actual, atol=1e-9)
    assert problem.targets[5].tolist() == returns[6].tolist() and problem.test_origins[0] == 39


def test_weather_horizons_index_like_rolling_origin_and_persistence_matches():
    t = np.arange(np.datetime64("2013-01-01T00"), np.datetime64("2013-01-11T00"))  # 240 hours
    celsius = np.sin(2 * np.pi * np.arange(240) / 24) + np.arange(240) / 100
    problem = WeatherProblem(t, celsius, n_train=192, max_h=6, window=4)
    persistence = problem.baselines(ar_order=2)["persistence"]  # (6, 48)
    np.testing.assert_allclose(persistence[2, 0], celsius[192 - 3])
    exact = problem.by_horizon(problem.targets[problem.test_origins] + celsius[problem.test_origins, None])
    np.testing.assert_allclose(exact, problem.actual)  # the true changes give the true values
    np.testing.assert_allclose(hour_features(celsius[:2], [6, 18])[:, 1:], [[1, 0], [-1, 0]], atol=1e-12)


def test_window_lstm_learns_a_linear_map_and_round_trips_its_state():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 1))
    y = np.roll(x, 1, axis=0) * 2.0  # target at t: 2 * x[t - 1]
    config = WindowConfig(window=3, hidden_size=8, steps=300, lr=1e-2)
    model = WindowLSTM(config, seed=0).fit(x, y, np.arange(2, 300))
    error = np.abs(model.predict(x, np.arange(300, 400)) - y[300:]).mean()
    assert error < 0.3 * np.abs(y[300:]).mean()
    again = WindowLSTM.load(model.config, model.state())
    first = np.arange(300, 310)
    np.testing.assert_array_equal(again.predict(x, first), model.predict(x, first))


def test_baselines_and_evaluation_stay_importable_from_forecasting():
    """The baselines and the evaluation live in their own modules; the pages import them
    from lstm_edu.apps.forecasting, which re-exports the same objects."""
    from lstm_edu.apps import forecast_baselines, forecast_evaluation, forecasting

    for module in (forecast_baselines, forecast_evaluation):
        for name in module.__all__:
            if name in forecasting.__all__:
                assert getattr(forecasting, name) is getattr(module, name), name


def test_check_windows_names_what_is_wrong():
    from lstm_edu.apps.forecast_baselines import check_windows

    windows = check_windows(np.arange(6).reshape(2, 3), context=3)
    assert windows.dtype == np.float64 and windows.tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match=r"L >= 4 \(the forecaster's context\), got shape \(2, 3\)"):
        check_windows(windows, context=4)
    with pytest.raises(TypeError, match="windows: expected a numeric array"):
        check_windows([["a"]], context=1)
    with pytest.raises(ValueError, match="windows: expected finite values"):
        check_windows([[np.nan]], context=1)
