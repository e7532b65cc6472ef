"""Customer-experience KPIs by period and segment, with sample sizes and 95 % confidence intervals.

Definitions (n is the sample size the interval rests on):

- nps: % promoters (9-10) minus % detractors (0-6) among the nps answers, in points;
  normal interval from the trinomial variance. n = answers.
- csat_share: share of csat answers at 4 or 5 (Wilson). csat_mean: mean csat score (t).
- ces_mean: mean ces score, 1-7 with 7 = very easy (t).
- churn_rate, retention_rate: see `cxmodels.metrics.retention`. n = customers in the
  base at the period's start.
- first_contact_resolution: a customer's contacts sharing a case_id are one case (a
  contact without case_id is a case of its own); a case belongs to the period and segment of its first
  contact. Its resolution is known when any of its contacts has `resolved` filled in;
  it is resolved at first contact when it has exactly one contact and that contact is
  resolved. Share over the cases whose resolution is known (Wilson). n = cases.
- avg_handling_time_seconds, avg_response_time_seconds: mean handle_time_seconds and
  mean wait_time_seconds of the contacts that have one (t). n = contacts.
- conversion_rate: among customers with any event in the period, the share who also
  made a purchase (a transaction that is not a refund) in the same period (Wilson).
  n = customers.

Shares and rates are fractions (0-1), NPS is in points. Intervals of means are clipped
to what the values can take (a score's scale, times >= 0) and are NaN for a single
observation. A KPI whose table or column is absent is left out, not filled with a guess.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from cxmodels.data.contract import SURVEY_SCALES
from cxmodels.data.dataset import Dataset
from cxmodels.metrics.kpi_groups import (
    COLUMNS,
    customer_codes,
    group_keys,
    kpi_rows,
    period_frequency,
    periods_of,
    segment_lookup,
    segments_of,
)
from cxmodels.metrics.intervals import mean_interval, nps_interval, wilson_interval
from cxmodels.metrics.retention import retention_counts, retention_span


class KpiInfo(NamedTuple):
    """How a KPI is shown in reports: a title, an axis label with its unit, and whether it is a share (0-1)."""

    title: str
    axis_label: str
    is_share: bool = False


KPIS = {
    "nps": KpiInfo("Net Promoter Score", "NPS (points, -100 to 100)"),
    "csat_share": KpiInfo("CSAT: satisfied answers (4-5)", "Share of CSAT answers", True),
    "csat_mean": KpiInfo("CSAT: mean score", "Mean CSAT (1-5)"),
    "ces_mean": KpiInfo("Customer effort score (7 = very easy)", "Mean CES (1-7)"),
    "churn_rate": KpiInfo("Churn rate", "Share of the base at the period's start", True),
    "retention_rate": KpiInfo("Customer retention rate", "Share of the base at the period's start", True),
    "first_contact_resolution": KpiInfo("First-contact resolution", "Share of cases", True),
    "avg_handling_time_seconds": KpiInfo("Average handling time", "Seconds per contact"),
    "avg_response_time_seconds": KpiInfo("Average response time (wait)", "Seconds of wait per contact"),
    "conversion_rate": KpiInfo(
        "Conversion: digitally active customers who purchased", "Share of active customers", True
    ),
}


def kpi_table(
    dataset: Dataset, by: str = "month", segment: str | None = None, *, active_days: float = 365
) -> pd.DataFrame:
    """Every KPI the dataset's tables allow, by period (week, month or quarter, UTC) and segment.

    `segment` names a `customers` column; customers missing from `customers` or without
    a value go to segment "unknown". Without `segment`, every row's segment is "all".
    Churn and retention count the customer base at each period's start and end: with a
    cancellations table, customers signed up and not cancelled; without one (non-contractual),
    customers with a purchase in the `active_days` days before (see `cxmodels.metrics.retention`).

    Returns a long table with columns period (first day of the period, UTC midnight),
    segment, kpi (a key of `KPIS`), value, n, ci_low, ci_high (95 %; NaN where
    undefined), sorted by kpi, segment and period.
    """
    span = retention_span(dataset, active_days)
    return kpis_of_statistics(kpi_statistics(dataset, by, segment, span, active_days=active_days))


def kpi_statistics(
    dataset: Dataset, by: str, segment: str | None, span: tuple, *, active_days: float = 365
) -> dict[str, pd.DataFrame]:
    """The sufficient statistics of every KPI: per KPI a frame indexed by (period, segment) whose columns are
    counts and sums, so the statistics of disjoint sets of customers add up (`merge_statistics`).

    `span` is the time span in which the customer base is seen (`retention_span` of the whole dataset).
    """
    lookup = segment_lookup(dataset.customers, segment)
    stats = retention_counts(dataset, by, lookup, span, active_days)
    if dataset.surveys is not None:
        stats |= _survey_statistics(dataset.surveys, by, lookup)
    if dataset.contacts is not None:
        stats |= _contact_statistics(dataset.contacts, by, lookup)
    if dataset.events is not None:
        stats["conversion_rate"] = _conversion_statistics(dataset.events, dataset.transactions, by, lookup)
    return stats


def merge_statistics(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The statistics of the union of disjoint sets of customers: the parts' counts and sums added per group."""
    return {kpi: pd.concat([part[kpi] for part in parts]).groupby(level=[0, 1], observed=True).sum()
            for kpi in parts[0]}


def kpis_of_statistics(stats: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The KPI table (`kpi_table`) from the statistics of `kpi_statistics` or `merge_statistics`."""
    parts = [_finish(frame)(frame, kpi) for kpi, frame in stats.items()]
    table = pd.concat(parts, ignore_index=True)
    order = table["kpi"].map({name: rank for rank, name in enumerate(KPIS)})
    table = table.assign(order=order).sort_values(["order", "segment", "period"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def _survey_statistics(surveys: pd.DataFrame, by: str, lookup: pd.Series | None) -> dict[str, pd.DataFrame]:
    keys = group_keys(surveys, by, lookup)

    def answers(survey: str) -> tuple[list[pd.Series], pd.Series]:
        chosen = surveys["survey"] == survey
        return [key[chosen] for key in keys], surveys["score"][chosen]

    (nps_keys, nps), (csat_keys, csat), (ces_keys, ces) = answers("nps"), answers("csat"), answers("ces")
    promoters_and_detractors = pd.DataFrame({"promoters": nps >= 9, "detractors": nps <= 6})
    groups = promoters_and_detractors.astype("int64").groupby(nps_keys, observed=True)
    return {
        "nps": groups.sum().assign(count=groups.size()),
        "csat_share": _share_statistics(csat_keys, csat >= 4),
        "csat_mean": _mean_statistics(csat_keys, csat),
        "ces_mean": _mean_statistics(ces_keys, ces),
    }


def _share_statistics(keys: list[pd.Series], success: pd.Series) -> pd.DataFrame:
    """Successes and observations per group; missing values are left out."""
    success = success.astype("float")
    return success.groupby(keys, observed=True).agg(["sum", "count"]).rename(columns={"sum": "successes"})


def _mean_statistics(keys: list[pd.Series], values: pd.Series) -> pd.DataFrame:
    """Sum, sum of squares and count per group of the values present."""
    values = values.astype("float")
    frame = pd.DataFrame({"total": values, "squares": values**2}, index=values.index)
    groups = frame.groupby(keys, observed=True)
    return groups.sum().assign(count=groups.count()["total"])


def _nps_rows(stats: pd.DataFrame, kpi: str) -> pd.DataFrame:
    promoters, detractors, n = stats["promoters"], stats["detractors"], stats["count"]
    return _rows(stats, kpi, 100 * (promoters - detractors) / n, *nps_interval(promoters, detractors, n))


def _share_rows(stats: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """A proportion per group with its Wilson interval."""
    successes, n = stats["successes"], stats["count"]
    return _rows(stats, kpi, successes / n, *wilson_interval(successes, n))


def _mean_rows(stats: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """A mean per group with its t interval, clipped to the values' range (`_RANGES`)."""
    n = stats["count"]
    mean = stats["total"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        std = np.sqrt(np.maximum(stats["squares"] - stats["total"] * mean, 0) / (n - 1))
    return _rows(stats, kpi, mean, *mean_interval(mean, std.where(n >= 2), n, within=_RANGES[kpi]))


def _rows(stats: pd.DataFrame, kpi: str, value, ci_low, ci_high) -> pd.DataFrame:
    """Output rows from per-(period, segment) statistics with a `count` column."""
    periods, segments = stats.index.get_level_values(0), stats.index.get_level_values(1)
    return kpi_rows(periods, segments, kpi, value, stats["count"], ci_low, ci_high)


_RANGES = {"csat_mean": SURVEY_SCALES["csat"], "ces_mean": SURVEY_SCALES["ces"],
           "avg_handling_time_seconds": (0, np.inf), "avg_response_time_seconds": (0, np.inf)}


def _finish(stats: pd.DataFrame):
    """The function that makes a KPI's rows from its statistics, by their columns."""
    return _nps_rows if "promoters" in stats else _share_rows if "successes" in stats else _mean_rows


def _contact_statistics(contacts: pd.DataFrame, by: str, lookup: pd.Series | None) -> dict[str, pd.DataFrame]:
    keys = group_keys(contacts, by, lookup)
    stats = {
        kpi: _mean_statistics(keys, contacts[column])
        for column, kpi in [
            ("handle_time_seconds", "avg_handling_time_seconds"),
            ("wait_time_seconds", "avg_response_time_seconds"),
        ]
        if column in contacts.columns
    }
    if "resolved" in contacts.columns:
        stats["first_contact_resolution"] = _first_contact_resolution(contacts, keys[1], by)
    return stats


def _first_contact_resolution(contacts: pd.DataFrame, segment: pd.Series, by: str) -> pd.DataFrame:
    resolved = contacts["resolved"]
    rows = pd.DataFrame(
        {
            "case": _case_numbers(contacts),
            "timestamp": contacts["timestamp"],
            "segment": segment,
            "known": resolved.notna(),
            "resolved": resolved.eq(True).fillna(False),
        }
    )
    cases = rows.sort_values("timestamp", kind="stable").groupby("case").agg(
        timestamp=("timestamp", "first"),
        segment=("segment", "first"),  # the first contact's customer
        contacts=("known", "size"),
        known=("known", "any"),
        resolved=("resolved", "any"),
    )
    first_contact_resolved = (cases["resolved"] & cases["contacts"].eq(1)).where(cases["known"])
    keys = [periods_of(cases["timestamp"], by), cases["segment"]]
    return _share_statistics(keys, first_contact_resolved)


def _case_numbers(contacts: pd.DataFrame) -> np.ndarray:
    """A number per case: one customer's contacts sharing a case_id are one case; a contact without one is its own.

    Keyed by (customer, case_id) like the effort features, so a case_id reused by
    another customer is another case.
    """
    if "case_id" not in contacts.columns:
        return np.arange(len(contacts))
    customer, _ = customer_codes(contacts)
    case, _ = pd.factorize(contacts["case_id"])  # -1 where missing
    key = customer.astype(np.int64) * (case.max(initial=0) + 1) + case
    key[case < 0] = -1 - np.flatnonzero(case < 0)  # each loose contact a case of its own
    return pd.factorize(key)[0]


def _conversion_statistics(
    events: pd.DataFrame, transactions: pd.DataFrame, by: str, lookup: pd.Series | None
) -> pd.DataFrame:
    purchases = transactions[transactions["amount"] >= 0]
    event_customer, ids = customer_codes(events)
    purchase_customer, purchase_ids = customer_codes(purchases)
    purchase_customer = ids.get_indexer(purchase_ids)[purchase_customer]  # -1: no digital activity at all
    event_period = periods_of(events["timestamp"], by).array.asi8  # period ordinals
    purchase_period = periods_of(purchases["timestamp"], by).array.asi8
    # (customer, period) pairs as one integer: customer * width + period - first
    first = min(event_period.min(initial=0), purchase_period.min(initial=0))
    width = max(event_period.max(initial=0), purchase_period.max(initial=0)) - first + 1
    active = pd.unique(event_customer * width + (event_period - first))
    purchased = pd.Series(active).isin(purchase_customer * width + (purchase_period - first))
    customer, period = np.divmod(active, width)
    keys = [
        pd.Series(pd.PeriodIndex.from_ordinals(period + first, freq=period_frequency(by)), name="period"),
        pd.Series(segments_of(ids, lookup).take(customer), name="segment"),
    ]
    return _share_statistics(keys, purchased)
