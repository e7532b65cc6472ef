"""Per-customer reductions in numpy over integer customer codes (0..n-1), without Python loops.

A customer's result depends only on that customer's rows, taken in table order
(sums add up in that order), so it is the same, to the last bit, whoever else is present.
"""

import numpy as np

from cxmodels.features.timeutil import day_number

INT64_MAX = np.iinfo(np.int64).max


def count(code: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Rows per customer (where `mask` is true)."""
    return np.bincount(code if mask is None else code[mask], minlength=n).astype(np.int64)


def total(code: np.ndarray, values: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Sum of `values` per customer (where `mask` is true); 0 for none."""
    if mask is not None:
        code, values = code[mask], values[mask]
    return np.bincount(code, weights=values, minlength=n).astype(np.float64, copy=False)


def mean(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Mean of the known (non-NaN) values per customer; NaN for none."""
    known = ~np.isnan(values)
    counts = count(code, n, known)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total(code, values, n, known) / counts, np.nan)


def std(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sample standard deviation (ddof=1) of the known values per customer; NaN with fewer than two."""
    known = ~np.isnan(values)
    code, values = code[known], values[known]
    centre = mean(code, values, n)
    counts = count(code, n)
    deviation = values - centre[code]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 1, np.sqrt(total(code, deviation * deviation, n) / (counts - 1)), np.nan)


def quantile(code: np.ndarray, values: np.ndarray, n: int, q: float) -> np.ndarray:
    """The q-quantile of the known values per customer (linear interpolation, as numpy); NaN for none."""
    known = ~np.isnan(values)
    code, values = code[known], values[known]
    ordered = _sorted_within(code, values)
    counts = count(code, n)
    starts = np.cumsum(counts) - counts
    position = q * np.maximum(counts - 1, 0)
    below = np.floor(position).astype(np.int64)
    fraction = position - below
    has = counts > 0
    lo = np.where(has, starts + below, 0)
    hi = np.where(has, np.minimum(lo + 1, starts + counts - 1), 0)
    if len(ordered) == 0:
        return np.full(n, np.nan)
    return np.where(has, ordered[lo] + (ordered[hi] - ordered[lo]) * fraction, np.nan)


def _sorted_within(code: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The values sorted by (customer, value). Whole numbers in a modest range take one fast sort."""
    if len(values) and np.array_equal(values, np.round(values)):
        low = values.min()
        bits = max(int(values.max() - low), 1).bit_length()
        if int(code.max()) < 2 ** (52 - bits):
            keys = code.astype(np.int64)
            keys <<= bits
            keys |= (values - low).astype(np.int64)
            keys.sort()
            return (keys & ((1 << bits) - 1)) + low
    return values[np.lexsort((values, code))]


def largest(code: np.ndarray, values: np.ndarray, n: int, fill) -> np.ndarray:
    """Maximum per customer; `fill` for none."""
    out = np.full(n, fill, dtype=values.dtype)
    np.maximum.at(out, code, values)
    return out


def smallest(code: np.ndarray, values: np.ndarray, n: int, fill) -> np.ndarray:
    """Minimum per customer; `fill` for none."""
    out = np.full(n, fill, dtype=values.dtype)
    np.minimum.at(out, code, values)
    return out


def group_starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """True where a new group begins in arrays sorted by these keys."""
    starts = np.ones(len(sorted_keys[0]), dtype=bool)
    if len(starts):
        np.not_equal(sorted_keys[0][1:], sorted_keys[0][:-1], out=starts[1:])
        for key in sorted_keys[1:]:
            starts[1:] |= key[1:] != key[:-1]
    return starts


def group_ends(*sorted_keys: np.ndarray) -> np.ndarray:
    """True where a group ends in arrays sorted by these keys."""
    starts = group_starts(*sorted_keys)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1:] = True
    return ends


def distinct_pairs(code: np.ndarray, key: np.ndarray, key_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (customer, key) pairs, sorted; `key` holds integers in [0, key_size), -1 for missing.

    One sort of uint32 or int64 composites (customer bits, then key bits): shifts, not slow divisions.
    """
    known = key >= 0
    if not known.all():
        code, key = code[known], key[known]
    bits = max(int(key_size) - 1, 1).bit_length()
    if len(code) and int(code.max()) >= 2 ** (62 - bits):  # too wide for one int64: sort the pairs instead
        order = np.lexsort((key, code))
        starts = group_starts(code[order], key[order])
        return code[order][starts], key[order][starts]
    narrow = not len(code) or int(code.max()) < 2 ** (32 - bits)  # fits uint32, which sorts faster (20M: 1.1 s, 1.8 s)
    pairs = code.astype(np.uint32 if narrow else np.int64)
    pairs <<= bits
    pairs |= key.astype(pairs.dtype, copy=False)
    pairs.sort()  # a plain sort: faster than np.unique, which hashes
    pairs = pairs[group_starts(pairs)]
    return (pairs >> bits).astype(np.int64), (pairs & ((1 << bits) - 1)).astype(np.int64)


def distinct_days(code: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (customer, UTC calendar day) pairs of these rows, sorted: (codes, day numbers)."""
    days = day_number(time)
    first = int(days.min()) if len(days) else 0
    pair_code, offset = distinct_pairs(code, days - first, int(days.max()) - first + 1 if len(days) else 1)
    return pair_code, offset + first


def distinct(code: np.ndarray, key: np.ndarray, key_size: int, n: int) -> np.ndarray:
    """Number of distinct keys per customer (see `distinct_pairs`)."""
    return count(distinct_pairs(code, key, key_size)[0], n)


def latest(code: np.ndarray, time: np.ndarray, n: int, back: int = 0) -> np.ndarray:
    """Per customer, the row of their latest time (`back`=1: the one before); -1 for none.

    Ties in time go to the row that comes later in the table.
    """
    order = np.lexsort((time, code))
    ordered = code[order]
    ends = np.flatnonzero(group_ends(ordered))
    picked = ends - back
    valid = picked >= 0
    valid[valid] = ordered[picked[valid]] == ordered[ends[valid]]
    out = np.full(n, -1, dtype=np.int64)
    out[ordered[ends[valid]]] = order[picked[valid]]
    return out


def at(values: np.ndarray, row: np.ndarray, fill=np.nan) -> np.ndarray:
    """values[row], and `fill` where row is -1 (no row)."""
    if len(values) == 0:
        return np.full(len(row), fill, dtype=np.result_type(values.dtype, np.min_scalar_type(fill)))
    return np.where(row >= 0, values[np.maximum(row, 0)], fill)


def trend(recent: np.ndarray, before: np.ndarray) -> np.ndarray:
    """(recent - before) / (recent + before): -1 stopped, 0 steady, +1 new; NaN when both are 0."""
    recent, before = recent.astype(np.float64), before.astype(np.float64)
    return ratio(recent - before, recent + before)


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator; NaN where the denominator is not positive (0: nothing to divide by)."""
    return numerator / np.where(denominator > 0, denominator, np.nan)
