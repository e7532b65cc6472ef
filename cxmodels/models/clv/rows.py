"""Customers compressed to their distinct rows with counts, the form every BTYD likelihood is evaluated on.

The likelihood of a customer depends only on their row (frequency, recency, T or
frequency, monetary_value), so 1M customers with 178,819 distinct rows are fitted as
178,819 rows with weights. Each column is also coded against its own distinct values,
so that the expensive functions of one column (log(alpha + T), gammaln(r + x), ...) are
evaluated once per distinct value.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

DENSE_CODES = 1 << 20  # whole numbers up to this are their own codes; others are hashed


@dataclass(frozen=True)
class Column:
    """One column of the distinct rows: `values[code]` is the value of each row."""

    values: np.ndarray
    code: np.ndarray

    @property
    def of_rows(self) -> np.ndarray:
        return self.values[self.code]


@dataclass(frozen=True)
class Rows:
    """Distinct rows, their weights (customers per row) and each column coded against its distinct values."""

    columns: dict[str, Column]
    weight: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name].of_rows

    @property
    def customers(self) -> float:
        return float(self.weight.sum())

    def subset(self, keep: np.ndarray, weight: np.ndarray | None = None) -> "Rows":
        """The rows where `keep`, with `weight` (default: theirs); the columns keep their distinct values."""
        weight = self.weight if weight is None else weight
        return Rows({name: Column(c.values, c.code[keep]) for name, c in self.columns.items()}, weight[keep])


def compress(columns: dict[str, np.ndarray], weight: np.ndarray | None = None) -> Rows:
    """The distinct rows of `columns` (float arrays of one length) with the summed `weight` (default 1 each);
    rows whose weights sum to 0 are left out.

    The columns' codes are combined one at a time, each time renumbering the combinations that occur;
    the distinct rows are then decoded from those numbers, last column first.
    """
    coded = [(name, *_codes(values)) for name, values in columns.items()]
    number, count, stages = coded[0][1], len(coded[0][2]), []
    for _, codes, values in coded[1:]:
        number, distinct = _renumber(number * len(values) + codes, count * len(values))
        stages.append((distinct, len(values)))
        count = len(distinct)
    totals = np.bincount(number, weights=weight, minlength=count).astype(float)
    current = np.flatnonzero(totals > 0)
    row_codes = {}
    for (name, _, _), (distinct, size) in zip(reversed(coded[1:]), reversed(stages)):
        current, row_codes[name] = np.divmod(distinct[current], size)
    row_codes[coded[0][0]] = current
    result = {}
    for name, _, values in coded:
        used = np.zeros(len(values), dtype=bool)
        used[row_codes[name]] = True
        result[name] = Column(values[used], (np.cumsum(used) - 1)[row_codes[name]])
    return Rows(result, totals[totals > 0])


def _renumber(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """(a number 0..count-1 for each value of `key`, in 0..space-1, the count distinct values it numbers)."""
    if space <= 8 * len(key):  # few possible values: count them all
        number = np.bincount(key, minlength=space)  # counts, then reused as the map from key to number
        distinct = np.flatnonzero(number)
        number[distinct] = np.arange(len(distinct))
        return number[key], distinct
    number, distinct = pd.factorize(key)
    return number.astype(np.int64), np.asarray(distinct, dtype=np.int64)


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, distinct values): whole numbers in a moderate range code as themselves."""
    low, high = values.min(), values.max()
    if low >= 0 and high < DENSE_CODES and (values == np.floor(values)).all():
        return values.astype(np.int64), np.arange(int(high) + 1, dtype=float)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(uniques, dtype=float)
