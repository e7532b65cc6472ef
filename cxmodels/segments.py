"""Customer segments for marketing: named, described in plain words, defined as expressions over score columns.

An expression is a pandas `eval` expression over the columns of the score frame, true for the
customers in the segment: `value_tier == "high" and churn_risk == "high"`. Missing values never
make a customer a member: a customer with a missing value in any column the expression reads is
not in the segment (so `or` across columns needs every column it names; split it into two segments).
Built-in segments come first; more are defined in configuration as {name: "expression"} or
{name: {"expression": ..., "description": ...}}.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype
from pandas.errors import UndefinedVariableError

from cxmodels.errors import ConfigError

NAME = re.compile(r"[a-z][a-z0-9_-]*")


class SegmentError(ConfigError):
    """A segment definition that cannot be used; the message names the segment and the problem."""


@dataclass(frozen=True)
class Segment:
    """A segment: its name, what it means for a marketer, and the expression that selects its customers."""

    name: str
    description: str
    expression: str


def _grid(name: str, value: str, risk: str, advice: str) -> Segment:
    return Segment(name, f"{value.capitalize()} value, {risk} churn risk: {advice}",
                   f'value_tier == "{value}" and churn_risk == "{risk}"')


BUILTIN_SEGMENTS: tuple[Segment, ...] = (
    _grid("save_now", "high", "high", "call them now, a personal retention offer."),
    _grid("keep_close", "high", "medium", "keep in touch and fix problems before they leave."),
    _grid("reward_loyalty", "high", "low", "thank and reward them; ask for referrals."),
    _grid("retain", "medium", "high", "a retention offer worth less than their value."),
    _grid("nurture", "medium", "medium", "regular, relevant contact."),
    _grid("grow", "medium", "low", "cross-sell and upsell."),
    _grid("let_go", "low", "high", "no costly retention effort."),
    _grid("automate", "low", "medium", "automated, low-cost campaigns only."),
    _grid("maintain", "low", "low", "business as usual."),
    Segment("win_back", "Lapsed, high past value: no purchase for longer than the active period (a year by default) "
            "but spend in the top 40 % (monetary score 4-5). Win them back with an offer.",
            'status == "lapsed" and m_score >= 4'),
    Segment("champions", "Champions: bought recently, buy often and spend the most "
            "(recency, frequency and monetary scores all 4-5). Reward them.",
            "r_score >= 4 and f_score >= 4 and m_score >= 4"),
    Segment("loyal", "Loyal: buy often (frequency 4-5) and bought not long ago (recency 3-5), "
            "but are not champions. Keep them engaged, offer more.",
            "r_score >= 3 and f_score >= 4 and not (r_score >= 4 and m_score >= 4)"),
    Segment("at_risk", "At risk: used to buy often (frequency 3-5) but not for a while (recency 1-2). "
            "Win them back before they lapse.",
            "r_score < 3 and f_score >= 3"),
    Segment("hibernating", "Hibernating: few purchases (frequency 1-2), the last one a while ago (recency 2). "
            "Reactivate with an offer.",
            "r_score >= 2 and r_score < 3 and f_score < 3"),
    Segment("lost", "Lost: few purchases (frequency 1-2), the last one longest ago (recency 1). "
            "Low-cost reactivation only.",
            "r_score < 2 and f_score < 3"),
    Segment("high_value_detractors", "High value, unhappy: high-value customers whose latest NPS answer "
            "was 0-6 (detractors). Call them and fix what went wrong.",
            'value_tier == "high" and nps_category == "detractor"'),
)


def segment_catalog(user: Mapping[str, str | Mapping] | None = None) -> dict[str, Segment]:
    """The built-in segments, then the user-defined ones, by name.

    Checks the names and the shape of each definition; `check_catalog` checks the expressions.
    """
    catalog = {segment.name: segment for segment in BUILTIN_SEGMENTS}
    for name, definition in (user or {}).items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise SegmentError(f"segment name {name!r} is not valid: use lowercase letters, digits, "
                               "'_' and '-', starting with a letter")
        if name in catalog:
            raise SegmentError(f"segment name {name!r} is a built-in segment; choose another name")
        catalog[name] = _user_segment(name, definition)
    return catalog


def _user_segment(name: str, definition: str | Mapping) -> Segment:
    if isinstance(definition, Mapping):
        unknown = set(definition) - {"expression", "description"}
        if unknown:
            raise SegmentError(f"segment {name!r}: unknown keys {sorted(unknown)}; "
                               "expected 'expression' and optionally 'description'")
        expression = definition.get("expression")
        description = definition.get("description", f"User-defined: {expression}")
    else:
        expression, description = definition, f"User-defined: {definition}"
    if not isinstance(expression, str):
        raise SegmentError(f"segment {name!r}: the expression must be a string, got {expression!r}")
    if not isinstance(description, str):
        raise SegmentError(f"segment {name!r}: the description must be a string, got {description!r}")
    return Segment(name, description, expression)


class _Columns(dict):
    """A frame's columns by name for `pd.eval` (which writes into it), remembering which ones an expression reads."""

    def __init__(self, columns: Mapping[str, pd.Series]):
        super().__init__(columns)
        self.read = set()

    def __getitem__(self, name: str) -> pd.Series:
        column = super().__getitem__(name)
        self.read.add(name)
        return column


def _evaluate(frame: pd.DataFrame, segment: Segment, columns: Mapping[str, pd.Series] | None = None
              ) -> tuple[pd.Series, set[str]]:
    """The expression's values on `frame` (a boolean Series) and the columns it reads; SegmentError otherwise.
    `columns`: the frame's columns by name, when the caller already has them."""
    problem = f"segment {segment.name!r}: expression {segment.expression!r}"
    if "__" in segment.expression:
        raise SegmentError(f"{problem} may not use names with double underscores")
    columns = _Columns(dict(frame.items()) if columns is None else columns)
    try:
        result = pd.eval(segment.expression, parser="pandas", engine="python", resolvers=[columns],
                         local_dict={}, global_dict={})
    except UndefinedVariableError as error:
        unknown = re.search(r"'(.+?)' is not defined", str(error))
        raise SegmentError(f"{problem} uses an unknown column {unknown.group(1) if unknown else ''!r}; "
                           f"known columns: {', '.join(map(str, frame.columns))}") from error
    except SyntaxError as error:
        raise SegmentError(f"{problem} does not parse: {error.msg}") from error
    except Exception as error:
        raise SegmentError(f"{problem} cannot be evaluated: {error}") from error
    if not (isinstance(result, pd.Series) and is_bool_dtype(result.dtype)):
        gives = f"{result.dtype} values" if isinstance(result, pd.Series) else repr(result)
        raise SegmentError(f"{problem} does not give true or false for each customer (it gives {gives})")
    return result, columns.read


def members(scores: pd.DataFrame, segment: Segment, columns: Mapping[str, pd.Series] | None = None) -> pd.Series:
    """True for the customers (rows of `scores`) in the segment; False where a column it reads is missing."""
    result, read = _evaluate(scores, segment, columns)
    known = scores[sorted(read)].notna().all(axis=1)
    return (result.fillna(False).astype(bool) & known).rename(segment.name)


def assign(scores: pd.DataFrame, catalog: Mapping[str, Segment]) -> pd.Series:
    """Each customer's segments, names joined by ";" in catalog order ("" for none), aligned with `scores`."""
    segments = list(catalog.values())
    n = len(scores)
    bits, columns = np.zeros((n, len(segments)), dtype=bool), dict(scores.items())
    for j, segment in enumerate(segments):
        bits[:, j] = members(scores, segment, columns).to_numpy()
    # number each distinct combination of memberships (64 segments per word), then join names once per combination
    packed = np.packbits(bits, axis=1)
    words = np.zeros((n, -(-packed.shape[1] // 8) * 8), dtype=np.uint8)
    words[:, :packed.shape[1]] = packed
    codes = np.zeros(n, dtype=np.int64)
    for word in words.view(np.uint64).T:
        codes = pd.factorize(codes * n + pd.factorize(word)[0])[0]
    example = np.zeros(codes.max() + 1 if n else 0, dtype=np.int64)
    example[codes] = np.arange(n)
    labels = [";".join(s.name for s, member in zip(segments, bits[row]) if member) for row in example]
    return pd.Series(pd.Categorical.from_codes(codes, labels), index=scores.index, name="segments").astype(str)


def check_catalog(catalog: Mapping[str, Segment], columns: Iterable[str] | Mapping[str, object]) -> None:
    """Check every expression against the score columns, without data: SegmentError at the first bad one.

    `columns` are column names (typed object), or a mapping of names to dtypes (e.g. `dict(scores.dtypes)`)
    for a closer check: `clv * 2` is then reported as not true/false rather than as an object-typed error.
    Without data, some type errors (comparing a text column with a number) only show at scoring.
    """
    dtypes = columns if isinstance(columns, Mapping) else dict.fromkeys(columns, object)
    probe = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    for segment in catalog.values():
        _evaluate(probe, segment)
