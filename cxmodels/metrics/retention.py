"""Churn rate and customer retention rate per period, from the customer base at the period boundaries.

For a period [t0, t1) with base S at t0, base E at t1, N customers in E but not in S
(new or returning) and L customers in S but not in E (left):

    churn rate = L / S,    retention rate (CRR) = (E - N) / S = 1 - churn rate,

as E = S - L + N. Membership is compared only at t0 and t1: a customer who leaves
and comes back within the period neither churned nor is new; one who comes back
in a later period counts as new there.

The base at t:

- contractual (a cancellations table): customers known before t (their signup_date,
  else their first row in any table) and not cancelled before t. A cancellation is
  final (the contract has no re-subscription): the first one counts.
- non-contractual: customers with a purchase (a transaction with amount >= 0, i.e.
  not a refund) in the `active_days` days before t.

Only periods wholly inside the observed time are reported, since the base at both
ends must be seen: from the first day with a row (non-contractual: plus
`active_days`, for a full look-back) to the end of the last day with a row.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from cxmodels.data.dataset import Dataset
from cxmodels.metrics.kpi_groups import as_nanoseconds, customer_codes, customer_index, full_periods, segments_of


class Memberships(NamedTuple):
    """Spells in the customer base: customer `ids[customer[i]]` is in it at t when enter[i] < t <= leave[i]."""

    customer: np.ndarray  # codes into ids
    ids: pd.Index
    enter: np.ndarray  # datetime64[ns]
    leave: np.ndarray  # datetime64[ns]; NaT: never leaves
    observed_from: pd.Timestamp  # the time span in which the base is fully seen
    observed_until: pd.Timestamp


def retention_span(dataset: Dataset, active_days: float = 365) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(from, until): the time span in which the customer base is fully seen (NaT for a dataset without rows)."""
    spells = _spells(dataset, active_days)
    return spells.observed_from, spells.observed_until


def retention_counts(
    dataset: Dataset, by: str, lookup: pd.Series | None, span: tuple, active_days: float = 365
) -> dict[str, pd.DataFrame]:
    """The `churn_rate` and `retention_rate` statistics per (period, segment): `successes` (left, or stayed: E - N)
    and `count` (customers in the base at the start), over the periods wholly inside `span` (`retention_span` of
    the whole dataset, so that the periods of a part of the customers are those of all of them)."""
    spells = _spells(dataset, active_days)
    observed_from, observed_until = span
    periods = full_periods(observed_from.floor("D"), observed_until.floor("D") + pd.Timedelta(days=1), by)
    segment = segments_of(spells.ids, lookup)
    grid = pd.MultiIndex.from_product([periods, segment.categories.astype("str")], names=["period", "segment"])
    if len(periods) == 0:
        empty = pd.DataFrame({"successes": [], "count": []}, index=grid, dtype="int64")
        return {"churn_rate": empty, "retention_rate": empty}
    bounds = pd.period_range(periods[0], periods[-1] + 1).start_time.to_numpy("datetime64[ns]")
    # A spell covers boundary k when enter < bounds[k] <= leave: k in [start, end].
    start = np.searchsorted(bounds, spells.enter, side="right")
    end = np.searchsorted(bounds, spells.leave, side="right") - 1
    end[np.isnat(spells.leave)] = len(bounds) - 1
    run_customer, run_start, run_end = _merge_runs(spells.customer, start, end)
    run_segment = segment.codes[run_customer]
    shape = (len(segment.categories), len(bounds))
    starting = _count(run_segment, run_start, shape)
    ending = _count(run_segment, run_end, shape)
    base = np.cumsum(starting, axis=1) - np.cumsum(ending, axis=1) + ending  # runs with start <= k <= end
    at_start = base[:, :-1].T.ravel()  # period-major, the order of `grid`
    stayed = (base[:, 1:] - starting[:, 1:]).T.ravel()  # E - N
    left = ending[:, :-1].T.ravel()
    return {"churn_rate": pd.DataFrame({"successes": left, "count": at_start}, index=grid),
            "retention_rate": pd.DataFrame({"successes": stayed, "count": at_start}, index=grid)}


def _spells(dataset: Dataset, active_days: float) -> Memberships:
    return _contract_spells(dataset) if dataset.is_contractual else _purchase_spells(dataset, active_days)


def _count(segment: np.ndarray, boundary: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """How many runs fall on each (segment, boundary) cell."""
    cells = segment.astype(np.int64) * shape[1] + boundary
    return np.bincount(cells, minlength=shape[0] * shape[1]).reshape(shape)


def _purchase_spells(dataset: Dataset, active_days: float) -> Memberships:
    """Non-contractual: a purchase at p keeps its customer in the base for t in (p, p + active_days]."""
    purchases = dataset.transactions[dataset.transactions["amount"] >= 0]
    at = as_nanoseconds(purchases["timestamp"])
    look_back = pd.Timedelta(days=active_days)
    return Memberships(
        *customer_codes(purchases),
        enter=at,
        leave=at + look_back.to_timedelta64(),
        observed_from=purchases["timestamp"].min() + look_back,
        observed_until=purchases["timestamp"].max(),
    )


def _contract_spells(dataset: Dataset) -> Memberships:
    """Contractual: a customer is in the base for t in (known, first cancellation]."""
    tables = [table for table in dataset.tables.values() if "timestamp" in table.columns]
    known = pd.concat([_first_time(table) for table in tables]).groupby(level=0).min()
    customers = dataset.customers
    if customers is not None and "signup_date" in customers.columns:
        signup = pd.Series(customers["signup_date"].to_numpy(), index=customer_index(customers))
        known = signup.dropna().combine_first(known)
    cancelled = _first_time(dataset.cancellations).reindex(known.index)
    return Memberships(
        customer=np.arange(len(known)),
        ids=known.index,
        enter=as_nanoseconds(known),
        leave=as_nanoseconds(cancelled),
        observed_from=pd.Series([table["timestamp"].min() for table in tables]).min(),
        observed_until=pd.Series([table["timestamp"].max() for table in tables]).max(),
    )


def _first_time(table: pd.DataFrame) -> pd.Series:
    """Each customer's first timestamp in a table, indexed by customer id."""
    codes, ids = customer_codes(table)
    first = table["timestamp"].groupby(pd.Categorical.from_codes(codes, ids), observed=True).min()
    return first.set_axis(first.index.astype("str"))


def _merge_runs(customer: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Merge each customer's overlapping or touching index ranges [start, end] into disjoint runs."""
    keep = start <= end
    customer, start, end = customer[keep].astype(np.int64), start[keep], end[keep]
    offset = customer * (int(end.max(initial=0)) + 2)  # customer-major keys: offset + index
    order = np.argsort(offset + start)
    customer, start, end, offset = customer[order], start[order], end[order], offset[order]
    if len(customer) == 0:
        return customer, start, end
    reach = np.maximum.accumulate(offset + end) - offset  # the furthest end so far, within each customer
    new_run = np.ones(len(customer), dtype=bool)
    new_run[1:] = (customer[1:] != customer[:-1]) | (start[1:] > reach[:-1] + 1)
    firsts = np.flatnonzero(new_run)
    return customer[firsts], start[firsts], np.maximum.reduceat(end, firsts)
