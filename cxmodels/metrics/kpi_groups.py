"""How KPI rows are grouped and laid out: UTC periods, customer ids, customer segments.

Periods follow the UTC calendar: weeks run Monday to Sunday, months and quarters
are calendar ones. In the output a period is shown by its first day (a midnight
datetime, UTC).
"""

import numpy as np
import pandas as pd

from cxmodels.data.codes import encode_text
from cxmodels.errors import ConfigError

PERIODS = {"week": "W-SUN", "month": "M", "quarter": "Q-DEC"}
ALL = "all"  # the segment of every row when no segment column is asked for
UNKNOWN = "unknown"  # customers missing from `customers`, or with no value in the segment column
COLUMNS = ["period", "segment", "kpi", "value", "n", "ci_low", "ci_high"]


def period_frequency(by: str) -> str:
    """The pandas frequency of a period name: week, month or quarter."""
    if by not in PERIODS:
        raise ConfigError(f"by must be one of {', '.join(PERIODS)}; got {by!r}")
    return PERIODS[by]


def periods_of(timestamps: pd.Series, by: str) -> pd.Series:
    """The UTC period (a pandas Period) each timestamp falls in."""
    return timestamps.dt.tz_convert(None).dt.to_period(period_frequency(by)).rename("period")


def full_periods(first: pd.Timestamp, last: pd.Timestamp, by: str) -> pd.PeriodIndex:
    """The periods lying wholly inside [first, last), both UTC timestamps (none if either is NaT)."""
    freq = period_frequency(by)
    if pd.isna(first) or pd.isna(last):
        return pd.PeriodIndex([], freq=freq)
    first, last = first.tz_convert(None), last.tz_convert(None)
    start, end = pd.Period(first, freq), pd.Period(last, freq)
    if start.start_time < first:
        start += 1
    if (end + 1).start_time > last:
        end -= 1
    return pd.period_range(start, end, freq=freq) if start <= end else pd.PeriodIndex([], freq=freq)


def as_nanoseconds(timestamps: pd.Series) -> np.ndarray:
    """UTC timestamps of any resolution as naive numpy datetime64[ns] (NaT stays NaT)."""
    return timestamps.dt.tz_convert(None).to_numpy("datetime64[ns]")


def customer_codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Each row's customer as a code into the distinct customer ids (strings): `ids[codes]` is the column."""
    return encode_text(frame["customer_id"])


def customer_index(frame: pd.DataFrame) -> pd.Index:
    """The `customer_id` column as an Index of strings (for a table with a row per customer)."""
    codes, ids = customer_codes(frame)
    return ids.take(codes)


def segment_lookup(customers: pd.DataFrame | None, column: str | None) -> pd.Series | None:
    """The segment of each customer (a categorical indexed by customer id), or None for no segmentation.

    Values are shown as strings; a missing value becomes "unknown".
    """
    if column is None:
        return None
    if customers is None:
        raise ConfigError(f"segment {column!r} needs a customers table, and this dataset has none")
    if column not in customers.columns or column == "customer_id":
        attributes = ", ".join(c for c in customers.columns if c != "customer_id") or "none"
        raise ConfigError(f"segment {column!r} is not a column of customers (attribute columns: {attributes})")
    values = customers[column]
    labels = pd.Categorical(values.astype("str").where(values.notna(), UNKNOWN))
    if UNKNOWN not in labels.categories:
        labels = labels.add_categories(UNKNOWN)
    return pd.Series(labels, index=customer_index(customers))


def segments_of(ids: pd.Index, lookup: pd.Series | None) -> pd.Categorical:
    """The segment of each customer id: "all" without a lookup, "unknown" when not in it."""
    if lookup is None:
        return pd.Categorical.from_codes(np.zeros(len(ids), dtype=int), [ALL])
    return lookup.reindex(ids).fillna(UNKNOWN).array


def group_keys(frame: pd.DataFrame, by: str, lookup: pd.Series | None) -> list[pd.Series]:
    """The period and segment of each row of a table with `customer_id` and `timestamp`."""
    codes, ids = customer_codes(frame)
    segment = pd.Series(segments_of(ids, lookup).take(codes), index=frame.index, name="segment")
    return [periods_of(frame["timestamp"], by), segment]


def kpi_rows(periods, segments, kpi: str, value, n, ci_low, ci_high) -> pd.DataFrame:
    """Output rows for one KPI; groups with no observations (n = 0) are left out."""
    rows = pd.DataFrame(
        {
            "period": pd.PeriodIndex(periods).start_time,
            "segment": np.asarray(segments, dtype=object),
            "kpi": kpi,
            "value": np.asarray(value, dtype=float),
            "n": np.asarray(n, dtype="int64"),
            "ci_low": np.asarray(ci_low, dtype=float),
            "ci_high": np.asarray(ci_high, dtype=float),
        }
    )
    return rows[rows["n"] > 0]
