"""Time as the builders use it: UTC instants as int64 nanoseconds since the epoch."""

import numpy as np
import pandas as pd

from cxmodels.data.cutoff import utc_timestamp

DAY_NS = 86_400 * 10**9
NAT = np.iinfo(np.int64).min  # how pandas stores NaT


def to_ns(value) -> int:
    """A cut-off as nanoseconds since the epoch (UTC)."""
    return int(utc_timestamp(value).as_unit("ns").value)


def epoch_ns(times: pd.Series) -> np.ndarray:
    """A datetime column as int64 nanoseconds since the epoch; naive values are UTC, NaT is `NAT`."""
    values = times.array
    if not isinstance(values, pd.arrays.DatetimeArray):
        values = pd.to_datetime(times, utc=True).array
    return (values if values.unit == "ns" else values.as_unit("ns")).asi8  # as_unit copies even when equal


def day_number(ns: np.ndarray) -> np.ndarray:
    """The UTC calendar day of each instant, counted from 1970-01-01."""
    return ns // DAY_NS


def period_number(ns: np.ndarray, period: str) -> np.ndarray:
    """The UTC day ("D") or week ("W": Monday to Sunday, as pandas) of each instant, counted from 1970."""
    days = day_number(ns)
    return days if period == "D" else (days + 3) // 7  # 1970-01-01 was a Thursday


def days_before(as_of_ns: int, ns: np.ndarray) -> np.ndarray:
    """Days from each instant to the cut-off, as floats; NaN where the instant is `NAT`."""
    days = (as_of_ns - ns) / DAY_NS
    return np.where(ns == NAT, np.nan, days)


def within(time: np.ndarray, start_ns: int, end_ns: int) -> np.ndarray:
    """True where start_ns <= time < end_ns; never for NaT."""
    keep = time < end_ns
    keep &= time >= max(start_ns, NAT + 1)
    return keep


def days_window(time: np.ndarray, as_of_ns: int, start_days: int, end_days: int = 0) -> np.ndarray:
    """True from `start_days` before the cut-off up to (not including) `end_days` before it."""
    return within(time, as_of_ns - start_days * DAY_NS, as_of_ns - end_days * DAY_NS)
