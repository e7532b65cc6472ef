"""Vectorised building blocks: Poisson points in intervals, groups of rows, ids and columns.

Times inside the simulator are float days since the world's start; tables get whole seconds.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SECONDS_PER_DAY = 86_400


def poisson_points(rng: np.random.Generator, start: np.ndarray, stop: np.ndarray, rate: np.ndarray):
    """Points of a Poisson process of `rate` on each interval [start, stop).

    Returns (interval index, time) per point: intervals in input order, times ascending
    within each interval (a Poisson count, then sorted uniform times).
    """
    length = np.maximum(stop - start, 0.0)
    counts = rng.poisson(rate * length)
    interval = np.repeat(np.arange(len(counts)), counts)
    # Sorting interval + u keeps the intervals in place and sorts u within each of them.
    u = np.sort(interval + rng.random(len(interval))) - interval
    return interval, start[interval] + length[interval] * u


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of `counts` rows: the group of each row and the row's rank within it (0, 1, ...), as int32."""
    group = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    first = np.cumsum(counts) - counts
    return group, (np.arange(len(group)) - first[group]).astype(np.int32)


def cumsum_within(values: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` within each group of consecutive rows (`rank` from `expand`)."""
    total = np.cumsum(values)
    first = np.arange(len(values)) - rank
    return total - total[first] + values[first]


def choose(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn from normalised `weights` (small int codes)."""
    p = np.asarray(weights, float)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int8)


def draw_weighted(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of `weights` (unnormalised probabilities)."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return (u[:, None] >= cumulative[:, :-1]).sum(axis=1)


def to_seconds(days: np.ndarray) -> np.ndarray:
    """Whole seconds since the world's start (floored), from float days."""
    return np.floor(np.asarray(days) * SECONDS_PER_DAY).astype(np.int64)


def timestamps(start: pd.Timestamp, seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (ns) from whole seconds since `start`, null where `missing` is true."""
    return pa.array(start.value + seconds * 1_000_000_000, pa.timestamp("ns", tz="UTC"), mask=missing)


def labels(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids like "C0000042": `prefix` and the zero-padded number."""
    text = pa.large_string()
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), text), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix, text), digits, pa.scalar("", text))


def pick(vocabulary, index: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """String column of `vocabulary[index]` (a list or a string array), null where `missing` is true."""
    dictionary = pa.array(vocabulary, pa.large_string())
    codes = pa.array(index, pa.int32(), mask=missing)
    return pa.DictionaryArray.from_arrays(codes, dictionary).cast(pa.large_string())


def frame(columns: dict) -> pd.DataFrame:
    """A pandas frame in contract dtypes from arrow or numpy columns (strings -> str, bools -> boolean)."""
    return pa.table(columns).to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def order_by_customer(customer: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Row order by customer, then time (stable)."""
    return np.argsort(customer.astype(np.int64) * (int(seconds.max(initial=0)) + 1) + seconds, kind="stable")
