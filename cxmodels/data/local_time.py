"""Date-times of an export to UTC: a given format, ISO 8601, or an unambiguous inference; local times in a zone.

A naive value is a local time in the table's zone. Around a clock change a local time can
be ambiguous (autumn: shown twice) or not exist (spring: skipped). The rule, never an
error: a local time is read with the UTC offset in force before the change. So an
ambiguous time is its first occurrence, and a skipped one is where a clock not yet put
forward would show it (02:30 on the spring-forward night in New York is 02:30 EST,
07:30 UTC, which the clocks showed as 03:30 EDT).
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_datetime64_any_dtype

from cxmodels.data.codes import to_arrow
from cxmodels.data.coerce import PARSE_RULES, coerce_column
from cxmodels.errors import ConfigError, DataError

UTC_NS = "datetime64[ns, UTC]"
_DATES = ("%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y", "%m/%d/%y",
          "%d %b %Y", "%b %d %Y", "%d-%b-%Y")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
CANDIDATE_FORMATS = tuple(date + time for date in _DATES for time in _TIMES)  # tried when a column is not ISO 8601
ISO = "ISO 8601"
_OFFSET_AT_END = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_SAMPLE = 2_000  # values the candidate formats are first tried on


class AmbiguousTimestamps(DataError):
    """A date-time column whose format cannot be inferred: two formats read it differently, or none reads it."""


@dataclass
class LocalTimes:
    """A date-time column in UTC, the present values that do not parse and the rule they break, and how many
    local times fell in a clock change."""

    values: pd.Series
    unparsed: np.ndarray
    rule: str
    ambiguous: int = 0
    nonexistent: int = 0


def check_zone(name: str, where: str) -> None:
    """ConfigError unless `name` is a time zone of the IANA database."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: {name!r} is not a time zone name; use an IANA name such as "
                          "'Europe/London' or 'America/New_York', or 'UTC'") from None


def parse_local_times(raw: pd.Series, zone: str = "UTC", timestamp_format: str | None = None) -> LocalTimes:
    """The column in UTC; naive values are local times in `zone`. Raises AmbiguousTimestamps when no format is
    given and the text is neither ISO 8601 nor read the same way by every format that reads it best."""
    if is_datetime64_any_dtype(raw.dtype):  # Parquet: an aware column is an instant, a naive one a wall time
        naive = np.full(len(raw), raw.dt.tz is None)
        values = raw.dt.tz_localize("UTC") if raw.dt.tz is None else raw.dt.tz_convert("UTC")
        return _localized(values.astype(UTC_NS), naive, zone, np.zeros(len(raw), bool), PARSE_RULES["datetime"])
    text = pc.utf8_trim_whitespace(to_arrow(raw.astype("str")))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    rule = PARSE_RULES["datetime"]
    if timestamp_format is None:
        values, unparsed = coerce_column(pd.Series(text.to_pandas()), "datetime")  # naive ones labelled UTC
        naive = ~pc.fill_null(pc.match_substring_regex(text, _OFFSET_AT_END), False).to_numpy(zero_copy_only=False)
        if unparsed.any():
            timestamp_format = _infer_format(text, int(values.notna().sum()))
            if timestamp_format != ISO:
                rule = f"must be a date-time like the others ({timestamp_format!r}, or set timestamp_format)"
    else:
        rule = f"must match the timestamp_format {timestamp_format!r}"
    if timestamp_format not in (None, ISO):
        values, naive = _strptime(text, timestamp_format), np.full(len(raw), "%z" not in timestamp_format)
    return _localized(values, naive, zone, present & values.isna().to_numpy(), rule)


def _strptime(text: pa.ChunkedArray, timestamp_format: str) -> pd.Series:
    """Text read with a strftime format, in UTC (naive values labelled UTC): Arrow's parser, and Python's for the
    values Arrow leaves (it lacks %f, for one)."""
    parsed = pc.strptime(text, timestamp_format, "ns", error_is_null=True)
    values = pd.Series(parsed.to_pandas())
    values = (values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")).astype(UTC_NS)
    left = (values.isna() & pd.Series(text.is_valid().to_numpy(zero_copy_only=False))).to_numpy()
    if left.any():
        again = pd.to_datetime(pd.Series(pc.filter(text, pa.array(left)).to_pandas()), format=timestamp_format,
                               errors="coerce", utc=True)
        values[left] = again.astype(UTC_NS).to_numpy()
    return values


def _infer_format(text: pa.ChunkedArray, iso_count: int) -> str:
    """The format that reads the most values; ISO when it does. AmbiguousTimestamps when two formats tie but read
    some value differently, or when none reads any."""
    valid = pc.drop_null(text)
    step = max(1, len(valid) // _SAMPLE)
    sample = pa.concat_arrays([valid[:_SAMPLE].combine_chunks(), valid[::step][:_SAMPLE].combine_chunks()]) \
        if len(valid) else pa.array([], pa.large_string())
    in_sample = {f: pc.sum(pc.strptime(sample, f, "ns", error_is_null=True).is_valid()).as_py() or 0
                 for f in CANDIDATE_FORMATS}
    best = max(in_sample.values(), default=0)
    counts = {ISO: iso_count}
    parsed = {}
    for fmt in (f for f, n in in_sample.items() if n == best and n > 0):
        parsed[fmt] = pc.strptime(text, fmt, "ns", error_is_null=True)
        counts[fmt] = pc.sum(parsed[fmt].is_valid()).as_py() or 0
    top = max(counts.values())
    winners = [fmt for fmt, n in counts.items() if n == top]
    example = valid[0].as_py() if len(valid) else ""
    if top == 0:
        raise AmbiguousTimestamps(f"values like {example!r} are not ISO 8601 and match no common date format: set "
                                  'timestamp_format (a strftime format such as "%d/%m/%Y %H:%M")')
    if ISO in winners:
        return ISO
    first, *others = winners
    for other in others:
        differs = pc.fill_null(pc.not_equal(parsed[first], parsed[other]), False)
        if pc.any(differs).as_py():
            value = pc.filter(text, differs)[0].as_py()
            a, b = pc.filter(parsed[first], differs)[0].as_py(), pc.filter(parsed[other], differs)[0].as_py()
            raise AmbiguousTimestamps(
                f"dates like {value!r} read as {a:%d %B %Y} with {first!r} and as {b:%d %B %Y} with {other!r}: "
                f'set timestamp_format = "{first}" or "{other}" in the mapping')
    return first


def _localized(values: pd.Series, naive: np.ndarray, zone: str, unparsed: np.ndarray, rule: str) -> LocalTimes:
    """`values` in UTC, where the `naive` rows hold wall times (labelled UTC) read in `zone` by the module's rule."""
    if zone == "UTC" or not naive.any():
        return LocalTimes(values, unparsed, rule)
    wall = values.dt.tz_convert(None)
    local = wall.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC").astype(UTC_NS)
    utc = local.where(naive, values)
    odd = (local.isna() & wall.notna()).to_numpy() & naive
    ambiguous = nonexistent = 0
    if odd.any():
        times = wall[odd]
        first = times.dt.tz_localize(zone, ambiguous=np.ones(len(times), bool), nonexistent="NaT")
        first = first.dt.tz_convert("UTC").astype(UTC_NS)
        gap = first.isna().to_numpy()
        if gap.any():  # the offset just before the change is the one of the last instant before it
            before = times[gap].dt.tz_localize(zone, ambiguous=np.ones(int(gap.sum()), bool),
                                               nonexistent="shift_backward")
            offset = before.dt.tz_localize(None) - before.dt.tz_convert(None)
            first[gap] = (times[gap] - offset).dt.tz_localize("UTC").astype(UTC_NS).to_numpy()
        utc[odd] = first.to_numpy()
        nonexistent, ambiguous = int(gap.sum()), int((~gap).sum())
    return LocalTimes(utc, unparsed, rule, ambiguous, nonexistent)


def describe_clock_changes(ambiguous: int, nonexistent: int, zone: str) -> str:
    """The report's words for the local times that fell in a clock change."""
    parts = [f"{ambiguous:,} ambiguous (read as the first occurrence)"] if ambiguous else []
    parts += [f"{nonexistent:,} that do{'es' * (nonexistent == 1)} not exist (read with the offset before the "
              "change)"] if nonexistent else []
    return f"local times in a clock change of {zone}: {' and '.join(parts)}"

