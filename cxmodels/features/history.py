"""What is known at a cut-off: each table's rows of a population of customers, strictly before `as_of`."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmodels.data.codes import CustomerCodes, encode_text, positions, to_arrow
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import ConfigError, DataError
from cxmodels.features.per_customer import INT64_MAX, smallest
from cxmodels.features.timeutil import NAT, epoch_ns, to_ns, within

ACTIVITY_TABLES = ("transactions", "contacts", "surveys", "events", "cancellations")


def floats(values: pd.Series) -> np.ndarray:
    """A numeric or boolean column as float64 with NaN for missing; a view when it already is float64."""
    if values.dtype == np.float64:
        return values.to_numpy()
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class Rows:
    """Rows of one table within a time range, for the customers of a population.

    `code` is each row's customer as a position in the population (0..n-1), `time`
    its timestamp in ns; `index` selects the rows from `frame` (a slice when all are kept).
    Rows keep the table's order, so every per-customer result is independent of other customers.
    """

    frame: pd.DataFrame
    index: np.ndarray | slice
    code: np.ndarray
    time: np.ndarray
    n: int

    def __len__(self) -> int:
        return len(self.code)

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def where(self, mask: np.ndarray) -> "Rows":
        """The rows where `mask` is true."""
        index = np.flatnonzero(mask) if isinstance(self.index, slice) else self.index[mask]
        return Rows(self.frame, index, self.code[mask], self.time[mask], self.n)

    def since(self, start_ns: int) -> "Rows":
        """The rows at or after `start_ns`."""
        return self.where(self.time >= start_ns)

    def numbers(self, column: str) -> np.ndarray:
        """A numeric or boolean column as float64, NaN where missing (or where the column is absent)."""
        if not self.has(column):
            return np.full(len(self), np.nan)
        return floats(self.frame[column])[self.index]

    def text(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """A text column as (codes, distinct values); missing is -1."""
        values = self.frame[column]
        if isinstance(self.index, slice):
            return encode_text(values)
        keep = np.zeros(len(values), dtype=bool)
        keep[self.index] = True  # the index is increasing: the kept rows come out in its order
        return encode_text(values, keep)


def select_rows(frame: pd.DataFrame, table_codes, population: pd.Index, start_ns: int, end_ns: int) -> Rows:
    """The rows of `frame` whose customer is in `population` and whose timestamp is in [start_ns, end_ns)."""
    codes, dictionary = table_codes
    code = positions(dictionary, population)[codes]
    time = epoch_ns(frame["timestamp"])
    keep = within(time, start_ns, end_ns)
    keep &= code >= 0
    if keep.all():
        return Rows(frame, slice(None), code, time, len(population))
    index = np.flatnonzero(keep)
    return Rows(frame, index, code[index], time[index], len(population))


def known_customers(dataset, as_of_ns: int, codes: CustomerCodes) -> pd.Index:
    """Customers known before the cut-off: signed up before it, or with any row before it. Sorted."""
    known = []
    for name, frame in dataset.tables.items():
        column = "signup_date" if name == "customers" else "timestamp"
        if column in frame.columns:
            ids = to_arrow(customers_with_rows(frame[column], codes(name), as_of_ns))
            known += ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]
    ids = pc.unique(pa.chunked_array([chunk.cast(pa.large_string()) for chunk in known], pa.large_string()))
    return pd.Index(ids.take(pc.sort_indices(ids)).to_pandas(), dtype="str", name="customer_id")


def customers_with_rows(times: pd.Series, table_codes, as_of_ns: int, keep: np.ndarray | None = None) -> pd.Index:
    """The customers of a table with a row before the cut-off (among the rows where `keep` is true)."""
    codes, dictionary = table_codes
    rows = within(epoch_ns(times), NAT, as_of_ns)
    rows &= codes >= 0
    if keep is not None:
        rows &= keep
    return dictionary[np.bincount(codes[rows], minlength=len(dictionary)) > 0]


def as_population(customer_ids) -> pd.Index:
    """A population given by the caller as an Index named customer_id; ids must be distinct."""
    population = pd.Index(customer_ids, dtype="str", name="customer_id")
    if pc.count_distinct(to_arrow(population), mode="all").as_py() != len(population):
        raise DataError("population has duplicate customer ids")
    return population


class History:
    """The dataset as known at `as_of` for a population (default: the customers known before it).

    Rows of each table are selected (strictly before `as_of`) on first use and kept
    until released; every builder of a feature matrix reads them from here.
    """

    def __init__(self, dataset, as_of, population=None, codes: CustomerCodes | None = None) -> None:
        self.dataset = dataset
        self.as_of = utc_timestamp(as_of)
        self.as_of_ns = to_ns(self.as_of)
        self.codes = codes if codes is not None else CustomerCodes(dataset)
        self.population = (
            known_customers(dataset, self.as_of_ns, self.codes) if population is None else as_population(population)
        )
        self._rows: dict[str, Rows] = {}
        self._first_seen: dict[str, np.ndarray] = {}

    @property
    def n(self) -> int:
        return len(self.population)

    def batches(self, size: int) -> list["History"]:
        """The same history over consecutive slices of at most `size` customers of the population."""
        if size < 1:
            raise ConfigError(f"batch size must be at least 1, got {size}")
        return [History(self.dataset, self.as_of, self.population[i:i + size], self.codes)
                for i in range(0, max(self.n, 1), size)]

    def has(self, table: str) -> bool:
        return getattr(self.dataset, table) is not None

    def rows(self, table: str) -> Rows:
        """The table's rows of the population strictly before `as_of`."""
        if table not in self._rows:
            rows = select_rows(getattr(self.dataset, table), self.codes(table), self.population, NAT, self.as_of_ns)
            self._rows[table] = rows
            self._first_seen[table] = smallest(rows.code, rows.time, self.n, INT64_MAX)
        return self._rows[table]

    def release(self, table: str) -> None:
        """Forget the table's selected rows (to free memory once no builder needs them)."""
        self._rows.pop(table, None)

    def first_activity(self) -> np.ndarray:
        """Per customer, the time (ns) of their first row before `as_of` in any table; NAT if none."""
        earliest = np.full(self.n, INT64_MAX, dtype=np.int64)
        for table in ACTIVITY_TABLES:
            if self.has(table):
                if table not in self._first_seen:  # no builder read it: look once, keep only the first times
                    self.rows(table)
                    self.release(table)
                earliest = np.minimum(earliest, self._first_seen[table])
        return np.where(earliest == INT64_MAX, NAT, earliest)

    def customer_rows(self) -> np.ndarray:
        """Per customer of the population, their row in the `customers` table (-1 if absent)."""
        table_codes, dictionary = self.codes("customers")
        code = positions(dictionary, self.population)[table_codes]
        row = np.full(self.n, -1, dtype=np.int64)
        listed = np.flatnonzero(code >= 0)
        row[code[listed]] = listed
        return row
