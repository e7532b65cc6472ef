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
    rows whose weights sum to 0 are left out."""
    coded = {name: _codes(values) for name, values in columns.items()}
    n = len(next(iter(columns.values())))
    row, count = _row_numbers([codes for codes, _ in coded.values()], [len(values) for _, values in coded.values()])
    totals = np.bincount(row, weights=weight, minlength=count)
    first = np.empty(count, dtype=np.int64)
    first[row] = np.arange(n)
    kept = totals > 0
    result = {}
    for name, (codes, values) in coded.items():
        code = codes[first[kept]]
        used = np.zeros(len(values), dtype=bool)
        used[code] = True
        result[name] = Column(values[used], (np.cumsum(used) - 1)[code])
    return Rows(result, totals[kept])


def _row_numbers(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int]:
    """A number 0..count-1 for each distinct combination of the codes, and count: the columns are combined
    one at a time, each time renumbering the combinations that occur."""
    number, count = codes[0], sizes[0]
    for column, size in zip(codes[1:], sizes[1:]):
        number, count = _renumber(number * size + column, count * size)
    return _renumber(number, count) if len(codes) == 1 else (number, count)


def _renumber(key: np.ndarray, space: int) -> tuple[np.ndarray, int]:
    """Numbers 0..count-1 for the distinct values of `key` (in 0..space-1), and count."""
    if space <= 8 * len(key):  # few possible values: count them all
        distinct = np.flatnonzero(np.bincount(key, minlength=space))
        number = np.zeros(space, dtype=np.int64)
        number[distinct] = np.arange(len(distinct))
        return number[key], len(distinct)
    number, distinct = pd.factorize(key)
    return number.astype(np.int64), len(distinct)


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, distinct values): whole numbers in a moderate range code as themselves."""
    low, high = values.min(), values.max()
    if low >= 0 and high < DENSE_CODES and (values == np.floor(values)).all():
        return values.astype(np.int64), np.arange(int(high) + 1, dtype=float)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(uniques, dtype=float)
