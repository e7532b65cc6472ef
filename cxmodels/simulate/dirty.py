"""Corrupted rows of every kind the data contract names, mixed into clean tables.

Each dirty row is a corrupted copy of a clean row, inserted somewhere after it, so the
clean rows stay exactly those of the clean world. Columns that must hold text that is
not a value of their type (a bad timestamp, amount or boolean) become string columns.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmodels.data.contract import SURVEY_SCALES
from cxmodels.simulate.sampling import SECONDS_PER_DAY, labels

DIRTY_FILE = "dirty_rows.parquet"

_LINKED = ("empty_customer_id", "unparseable_timestamp", "duplicate_row", "unknown_customer_id")
KINDS = {
    "customers": ("empty_customer_id", "unparseable_timestamp", "duplicate_row"),
    "transactions": _LINKED + ("non_finite_amount",),
    "contacts": _LINKED + ("negative_handle_time", "negative_wait_time", "unreadable_boolean"),
    "surveys": _LINKED + ("score_out_of_range", "non_integer_nps", "unknown_survey_type"),
    "events": _LINKED,
    "cancellations": _LINKED,
}
BAD_TIMESTAMPS = ("not a date", "2024-13-45 25:61:00", "yesterday")
BAD_AMOUNTS = ("inf", "-inf", "NaN", "n/a")
BAD_SURVEYS = ("feedback", "nps2", "star rating")
BAD_BOOLEAN = "maybe"
BOOLEAN_COLUMNS = ("transferred", "resolved")


def no_dirty_rows() -> pd.DataFrame:
    """The dirty-row list of a clean world."""
    return pd.DataFrame({"table": pd.Series(dtype="str"), "row": pd.Series(dtype="int64"),
                         "kind": pd.Series(dtype="str")})


def _iso(values: pd.Series) -> pa.Array:
    """ISO-8601 UTC strings ("2024-05-01T12:34:56Z") of whole-second timestamps."""
    seconds = values.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64)
    day, second = np.divmod(seconds, SECONDS_PER_DAY)
    first = int(day.min(initial=0))
    days = np.arange(first, int(day.max(initial=0)) + 1).astype("datetime64[D]").astype(str)
    clock = [f"T{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)]
    text = pa.large_string()
    date = pa.DictionaryArray.from_arrays(pa.array(day - first, pa.int32()), pa.array(days, text)).cast(text)
    time = pa.DictionaryArray.from_arrays(pa.array(second, pa.int32()), pa.array(clock, text)).cast(text)
    return pc.binary_join_element_wise(date, time, pa.scalar("", text))


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table with timestamp, amount and boolean columns as strings (same values)."""
    table = table.copy()
    for column in ("timestamp", "signup_date"):
        if column in table:
            table[column] = pd.Series(_iso(table[column]), dtype="str", index=table.index)
    if "amount" in table:
        table["amount"] = pd.Series(pc.cast(pa.array(table["amount"]), pa.large_string()), dtype="str")
    for column in BOOLEAN_COLUMNS:
        if column in table:
            table[column] = table[column].map({True: "true", False: "false"}).astype("str")
    return table


def _break(bad: pd.DataFrame, kind: np.ndarray, kinds: tuple, n_customers: int, rng: np.random.Generator) -> None:
    """Corrupt each row of `bad` (copies of clean rows) in place according to its kind."""
    for code, name in enumerate(kinds):
        rows = np.flatnonzero(kind == code)
        at = bad.index[rows]
        if name == "empty_customer_id":
            bad.loc[at, "customer_id"] = ""
        elif name == "unknown_customer_id":
            numbers = n_customers + 1 + rng.integers(0, n_customers, len(rows))
            bad.loc[at, "customer_id"] = labels("C", numbers, max(7, len(str(n_customers)))).to_numpy(False)
        elif name == "unparseable_timestamp":
            column = "signup_date" if "signup_date" in bad else "timestamp"
            bad.loc[at, column] = rng.choice(BAD_TIMESTAMPS, len(rows))
        elif name == "non_finite_amount":
            bad.loc[at, "amount"] = rng.choice(BAD_AMOUNTS, len(rows))
        elif name in ("negative_handle_time", "negative_wait_time"):
            column = name.removeprefix("negative_") + "_seconds"
            bad.loc[at, column] = -1 - bad.loc[at, column]
        elif name == "unreadable_boolean":
            for column, half in zip(BOOLEAN_COLUMNS, np.array_split(at, 2)):
                bad.loc[half, column] = BAD_BOOLEAN
        elif name == "score_out_of_range":
            low, high = np.array([SURVEY_SCALES[s] for s in bad.loc[at, "survey"]], float).reshape(-1, 2).T
            bad.loc[at, "score"] = np.where(rng.random(len(rows)) < 0.5, low - 1, high + 1)
        elif name == "non_integer_nps":
            bad.loc[at, "survey"] = "nps"
            bad.loc[at, "score"] = rng.integers(0, 10, len(rows)) + 0.5
        elif name == "unknown_survey_type":
            bad.loc[at, "survey"] = rng.choice(BAD_SURVEYS, len(rows))
        # duplicate_row: the copy as it is


def corrupt(tables: dict[str, pd.DataFrame], fraction: float, n_customers: int,
            rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Mix `fraction` of dirty rows (at least one of each kind) into every non-empty table; unknown customer ids
    are numbered past `n_customers`, the whole world's.

    Returns the tables and the dirty-row list (table, row position, kind).
    """
    result, found = {}, [no_dirty_rows()]
    for name, table in tables.items():
        n, kinds = len(table), KINDS[name]
        if n == 0:
            result[name] = table
            continue
        k = max(round(fraction * n / (1 - fraction)), len(kinds))
        kind = np.concatenate([np.arange(len(kinds)), rng.integers(0, len(kinds), k - len(kinds))])
        source = rng.integers(0, n, k)
        after = source + (rng.random(k) * (n - source)).astype(np.int64)  # a copy comes after its original
        text = _as_text(table)
        bad = text.iloc[source].reset_index(drop=True)
        _break(bad, kind, kinds, n_customers, rng)
        order = np.argsort(np.concatenate([2 * np.arange(n), 2 * after + 1]), kind="stable")
        result[name] = pd.concat([text, bad], ignore_index=True).take(order).reset_index(drop=True)
        position = np.empty(n + k, np.int64)
        position[order] = np.arange(n + k)
        found.append(pd.DataFrame({"table": name, "row": position[n:], "kind": np.asarray(kinds)[kind]}))
    dirty = pd.concat(found, ignore_index=True)
    return result, dirty.astype({"table": "str", "kind": "str"})
