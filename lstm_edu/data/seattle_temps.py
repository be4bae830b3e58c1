"""Hourly air temperatures at Seattle, 2010 (NOAA), from the vega-datasets package.

The file ``vega_datasets/_data/seattle-temps.csv`` shipped by the pip package
``vega_datasets==0.9.0`` (BSD-3-Clause; the Vega project took it from NOAA's National
Climatic Data Center), copied byte for byte. It holds 8,759 hourly readings in degrees
Fahrenheit: every hour of 2010 in local time except 2010-03-14 03:00, the hour skipped
when daylight saving time began.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DataSet, register
from .fetchers import installed_package_file

__all__ = ["SEATTLE_TEMPS", "HourlyTemperatures", "READINGS", "load_seattle_temps", "read_seattle_temps"]

#: Readings in the full file (one hour of 2010 is missing).
READINGS = 8759
_HEADER = "date,temp"

SEATTLE_TEMPS = register(DataSet(
    name="seattle_temps",
    source="PyPI package vega_datasets==0.9.0, file vega_datasets/_data/seattle-temps.csv",
    license="BSD-3-Clause (the vega_datasets package); the measurements are NOAA public data",
    citation="Seattle hourly temperatures 2010, NOAA National Climatic Data Center, as distributed with "
             "the Vega datasets (vega_datasets 0.9.0, Altair developers)",
    files={"seattle-temps.csv": "c220666521ff4bec4ffb6f0d9acfdc5c1056564b1aad6f78d3b06aa0a0c8b085"},
    fetch=lambda folder: installed_package_file("vega_datasets", "_data/seattle-temps.csv",
                                                Path(folder) / "seattle-temps.csv"),
))


@dataclass(frozen=True)
class HourlyTemperatures:
    """A regular hourly temperature series.

    Attributes
    ----------
    time : numpy.ndarray
        ``(N,)`` ``datetime64[h]``, one per hour without gaps.
    celsius : numpy.ndarray
        ``(N,)`` air temperature in degrees Celsius (converted from the file's Fahrenheit).
    filled : numpy.ndarray
        ``(N,)`` bool: True for the hours missing from the file, filled by linear
        interpolation between the neighbouring readings.
    """

    time: np.ndarray
    celsius: np.ndarray
    filled: np.ndarray


def read_seattle_temps(file, readings: int | None = None) -> HourlyTemperatures:
    """Read a ``date,temp`` CSV (``YYYY/MM/DD HH:MM``, degrees Fahrenheit) onto an hourly grid.

    Parameters
    ----------
    file : path
    readings : int, optional
        The number of readings expected (None: any number >= 2).

    Raises
    ------
    ValueError
        Naming ``file`` and what was expected: another header, a row that is not a time and
        a number (e.g. a line cut short), times that do not increase by whole hours, or a
        count other than ``readings`` (a truncated file).
    """
    file = Path(file)
    lines = file.read_text(encoding="ascii").splitlines()
    if not lines or lines[0].strip() != _HEADER:
        raise ValueError(f"{file}: expected the header {_HEADER!r}, got {lines[0] if lines else '(empty file)'!r}")
    stamps, fahrenheit = [], []
    for number, line in enumerate(lines[1:], start=2):
        try:
            date, temp = line.split(",")
            if len(date) != 16:
                raise ValueError
            stamps.append(np.datetime64(date.replace("/", "-").replace(" ", "T"), "h"))
            fahrenheit.append(float(temp))
        except ValueError:
            raise ValueError(f"{file}: line {number}: expected 'YYYY/MM/DD HH:MM,temperature', got {line!r}") from None
    if readings is not None and len(stamps) != readings:
        raise ValueError(f"{file}: expected {readings} readings, got {len(stamps)} (truncated or wrong file?)")
    if len(stamps) < 2:
        raise ValueError(f"{file}: expected at least 2 readings, got {len(stamps)}")
    stamps = np.array(stamps)
    fahrenheit = np.array(fahrenheit)
    steps = np.diff(stamps).astype(np.int64)  # hours
    if (steps < 1).any():
        at = int(np.argmax(steps < 1)) + 3
        raise ValueError(f"{file}: line {at}: expected times increasing by whole hours, got {stamps[at - 2]}")
    if not np.isfinite(fahrenheit).all():
        raise ValueError(f"{file}: expected finite temperatures")
    time = np.arange(stamps[0], stamps[-1] + 1)  # (N,) every hour
    offset = (stamps - stamps[0]).astype(np.int64)
    filled = np.ones(len(time), dtype=bool)
    filled[offset] = False
    values = np.interp(np.arange(len(time)), offset, fahrenheit)
    return HourlyTemperatures(time, (values - 32.0) * 5.0 / 9.0, filled)


def load_seattle_temps() -> HourlyTemperatures:
    """Every hour of 2010 at Seattle (8,760; one filled), verified by checksum."""
    from . import path

    return read_seattle_temps(path("seattle_temps"), readings=READINGS)
