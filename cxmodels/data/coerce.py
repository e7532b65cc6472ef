"""Raw columns to contract types (`contract.DTYPES`), noting each present value that does not parse.

Text work runs on Arrow arrays (pandas' "str" columns wrap them without copying). A
value that does not parse becomes missing in the typed column and is flagged, so the
validator can report it with its original text.
"""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from cxmodels.data.codes import to_arrow
from cxmodels.data.contract import DTYPES, FALSE_WORDS, TRUE_WORDS

# The rule a value breaks when it does not parse as its column kind.
PARSE_RULES = {
    "datetime": "must be an ISO-8601 date-time",
    "float": "must be a finite number",
    "bool": "must be true/false, 1/0 or yes/no",
}

_NS_RANGE = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))
_NAIVE, _AWARE = pa.timestamp("ns"), pa.timestamp("ns", "UTC")
# The ISO-8601 shapes Arrow parses: a date, then optionally a time (from the hour on), then an offset.
_DATE = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"[T ]([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,9})?)?)?"
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)"
_NAIVE_SHAPE, _AWARE_SHAPE = f"^{_DATE}({_TIME})?$", f"^{_DATE}{_TIME}{_OFFSET}$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def coerce_column(raw: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray | None]:
    """The column as the dtype of `kind`, and the rows whose present value does not parse (None: nothing can fail)."""
    return _COERCERS[kind](raw)


def coerce_attribute(raw: pd.Series) -> pd.Series:
    """A customer attribute read as text: numeric when every non-empty value is a number, else text.

    Values with a leading zero ("007", "01234") mark codes, not quantities: the column stays text.
    """
    text = _blank_is_missing(_text(raw))
    if pc.any(pc.match_substring_regex(text, r"^\s*[+-]?0\d")).as_py():
        return text.to_pandas()
    try:
        return pd.to_numeric(text.to_pandas())
    except (ValueError, TypeError):
        return text.to_pandas()


def _text(raw: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow text; missing stays missing."""
    return to_arrow(raw.astype("str"))


def _trimmed(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Leading and trailing whitespace removed; the input itself when there is none."""
    trimmed = pc.utf8_trim_whitespace(text)
    return text if pc.sum(pc.binary_length(trimmed)) == pc.sum(pc.binary_length(text)) else trimmed


def _blank(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """True for empty and whitespace-only values (missing stays missing)."""
    return pc.or_(pc.equal(text, ""), pc.utf8_is_space(text))


def _blank_is_missing(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty and whitespace-only values as missing."""
    blank = _blank(text)
    return pc.if_else(blank, pa.scalar(None, text.type), text) if pc.any(blank).as_py() else text


def _filled(text: pa.ChunkedArray) -> np.ndarray:
    """Rows holding a value that is not blank."""
    return pc.fill_null(pc.invert(_blank(text)), False).to_numpy(zero_copy_only=False)


def _present(values: pd.Series) -> np.ndarray:
    return values.notna().to_numpy()


def _by_chunk(parse, text: pa.ChunkedArray, arrow_type: pa.DataType) -> pd.Series:
    """`parse` applied to each chunk of `text`, trimmed: the work space stays one chunk large."""
    return pa.chunked_array([parse(pc.utf8_trim_whitespace(chunk)) for chunk in text.chunks], arrow_type).to_pandas()


def _ids(raw: pd.Series) -> tuple[pd.Series, None]:
    return _blank_is_missing(_trimmed(_text(raw))).to_pandas(), None


def _texts(raw: pd.Series) -> tuple[pd.Series, None]:
    return _blank_is_missing(_text(raw)).to_pandas(), None


def _lower_texts(raw: pd.Series) -> tuple[pd.Series, None]:
    return pc.utf8_lower(_blank_is_missing(_trimmed(_text(raw)))).to_pandas(), None


def _datetimes(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive values are UTC, aware ones are converted; out of the nanosecond range (1677-2262) fails."""
    if is_datetime64_any_dtype(raw.dtype):
        present, values = _present(raw), _utc_ns(raw)
    else:
        text = _text(raw)
        present, values = _filled(text), _utc_ns(_by_chunk(_parse_iso, text, _AWARE))
    return values, present & values.isna().to_numpy()


def _utc_ns(values: pd.Series) -> pd.Series:
    """Datetimes in UTC at nanosecond resolution; those out of its range become missing."""
    values = values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
    if values.dt.unit == "ns":
        return values
    return values.where(values.between(*_NS_RANGE)).astype(DTYPES["datetime"])


def _parse_iso(text: pa.Array) -> pa.Array:
    """ISO-8601 text to UTC timestamps; what does not parse is missing.

    Text shaped like its first value (all naive, or all with offsets) is one Arrow
    cast. Otherwise the values of each shape are cast apart; anything else is missing.
    """
    first = pc.index(text.is_valid(), True).as_py()
    aware = first >= 0 and re.fullmatch(_AWARE_SHAPE, text[first].as_py()) is not None
    try:  # a failed cast is cheap on a bad value, slow on a value of the other shape: guess the shape
        return pc.cast(text, _AWARE if aware else _NAIVE).cast(_AWARE)
    except pa.ArrowInvalid:
        return pc.coalesce(_parse_shape(text, _NAIVE_SHAPE, _NAIVE), _parse_shape(text, _AWARE_SHAPE, _AWARE))


def _parse_shape(text: pa.Array, pattern: str, arrow_type: pa.DataType) -> pa.Array:
    part = pc.if_else(pc.match_substring_regex(text, pattern), text, pa.scalar(None, text.type))
    try:
        return pc.cast(part, arrow_type).cast(_AWARE)
    except pa.ArrowInvalid:  # an impossible date (2023-02-29) or one past 2262: pandas parses, the range drops
        values = _utc_ns(pd.to_datetime(part.to_pandas(), format="ISO8601", utc=True, errors="coerce"))
        return pa.array(values.dt.tz_convert(None).to_numpy(), _NAIVE, from_pandas=True).cast(_AWARE)


def _floats(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Finite numbers; text, NaN written out and infinities fail."""
    if is_numeric_dtype(raw.dtype) and not is_bool_dtype(raw.dtype):
        present, values = _present(raw), pd.Series(raw.to_numpy(dtype="float64", na_value=np.nan))
    else:
        text = _text(raw)
        present, values = _filled(text), _by_chunk(_parse_numbers, text, pa.float64())
    finite = np.isfinite(values.to_numpy())
    return values.where(finite), present & ~finite


def _parse_numbers(text: pa.Array) -> pa.Array:
    """Decimal text to floats; what does not parse is missing (one Arrow cast when everything parses)."""
    try:
        return pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        return pc.cast(pc.if_else(pc.match_substring_regex(text, _NUMBER), text, pa.scalar(None, text.type)),
                       pa.float64())


def _booleans(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """true/false, 1/0, yes/no (and t/f, y/n), in any case."""
    if is_bool_dtype(raw.dtype):
        return raw.astype(DTYPES["bool"]), np.zeros(len(raw), bool)
    words = pc.utf8_lower(_blank_is_missing(_trimmed(_text(raw))))
    is_true = pc.is_in(words, value_set=pa.array(sorted(TRUE_WORDS), words.type)).to_numpy(zero_copy_only=False)
    is_false = pc.is_in(words, value_set=pa.array(sorted(FALSE_WORDS), words.type)).to_numpy(zero_copy_only=False)
    known = is_true | is_false
    return pd.Series(pd.arrays.BooleanArray(is_true, ~known)), words.is_valid().to_numpy(zero_copy_only=False) & ~known


_COERCERS = {
    "id": _ids,
    "text": _texts,
    "lower_text": _lower_texts,
    "datetime": _datetimes,
    "float": _floats,
    "bool": _booleans,
}
