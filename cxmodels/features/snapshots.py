"""Training snapshots: features as of each cut-off, joined with labels from the horizon after it.

Labels for horizon H read only rows with as_of <= timestamp < as_of + H
(docs/data-contract.md, "Time"); churn follows "Churn definitions": contractual when a
cancellations table is present, else non-contractual.
"""

from dataclasses import replace

import numpy as np
import pandas as pd

from cxmodels.data.codes import CustomerCodes
from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import ConfigError, DataError
from cxmodels.features.config import FeatureConfig
from cxmodels.features.history import as_population, customers_with_rows, known_customers, select_rows
from cxmodels.features.matrix import build_features
from cxmodels.features.per_customer import count, distinct_days, total
from cxmodels.features.refunds import net_refunds, refund_keys
from cxmodels.features.timeutil import DAY_NS, NAT, epoch_ns, to_ns

LABEL_COLUMNS = ("churned", "future_purchases", "future_spend")


def snapshot_population(dataset, as_of, codes: CustomerCodes | None = None, config: FeatureConfig | None = None,
                        lapsed: bool = False) -> pd.Index:
    """The customers a snapshot scores, sorted.

    Contractual: known before `as_of` and not cancelled before it. Non-contractual: at least one purchase
    before `as_of` that refunds before it did not cancel (`cxmodels.features.refunds`) and, unless `lapsed`,
    the last one at most `config.active_days` before it: the others have lapsed (0: nobody lapses).
    """
    config = config or FeatureConfig()
    codes = codes if codes is not None else CustomerCodes(dataset)
    as_of_ns = to_ns(as_of)
    if dataset.is_contractual:
        cancelled = customers_with_rows(dataset.cancellations["timestamp"], codes("cancellations"), as_of_ns)
        population = known_customers(dataset, as_of_ns, codes).difference(cancelled)
    else:
        transactions = dataset.transactions
        rows = select_rows(transactions, codes("transactions"), codes("transactions")[1], NAT, as_of_ns)
        purchase = np.zeros(len(transactions), dtype=bool)
        purchase[rows.index] = _purchases(rows, rows.numbers("amount"), config.refund_window_days)
        if config.active_days and not lapsed:
            purchase[rows.index] &= rows.time >= as_of_ns - config.active_days * DAY_NS
        population = customers_with_rows(transactions["timestamp"], codes("transactions"), as_of_ns, purchase)
        population = population.sort_values()
    return pd.Index(population, dtype="str", name="customer_id")


def labels(dataset, as_of, horizon_days: int, population=None, codes: CustomerCodes | None = None,
           config: FeatureConfig | None = None) -> pd.DataFrame:
    """Per customer (default: `snapshot_population`): what happens in [as_of, as_of + horizon_days).

    churned: a cancellation in the window (contractual) or no purchase in it (non-contractual);
    future_purchases: distinct days with a purchase (amount >= 0, not cancelled by a refund in the window:
    `cxmodels.features.refunds`); future_spend: sum of amounts, net of refunds.
    """
    _check_horizon(horizon_days)
    config = config or FeatureConfig()
    codes = codes if codes is not None else CustomerCodes(dataset)
    population = (snapshot_population(dataset, as_of, codes, config) if population is None
                  else as_population(population))
    n, start = len(population), to_ns(as_of)
    end = start + int(horizon_days) * DAY_NS
    window = select_rows(dataset.transactions, codes("transactions"), population, start, end)
    amount = window.numbers("amount")
    bought = _purchases(window, amount, config.refund_window_days)
    future_purchases = count(distinct_days(window.code[bought], window.time[bought])[0], n)
    if dataset.is_contractual:
        cancelled = select_rows(dataset.cancellations, codes("cancellations"), population, start, end)
        churned = count(cancelled.code, n) > 0
    else:
        churned = future_purchases == 0
    future_spend = total(window.code, amount, n)
    return pd.DataFrame(dict(zip(LABEL_COLUMNS, (churned, future_purchases, future_spend))), index=population)


def _purchases(rows, amount: np.ndarray, refund_window_days: int) -> np.ndarray:
    """Which rows are purchases once the refunds among them are netted against their orders."""
    amount = np.nan_to_num(amount, nan=0.0)
    return net_refunds(rows.code, rows.time, amount, *refund_keys(rows, amount),
                       refund_window_days).purchase & (amount >= 0)


def _check_horizon(horizon_days) -> None:
    if horizon_days <= 0 or int(horizon_days) != horizon_days:
        raise ConfigError(f"horizon_days must be a positive whole number of days, got {horizon_days}")


def observed_until(dataset) -> pd.Timestamp:
    """The end of the day of the latest timestamp in any table: labels are complete up to here."""
    latest = max((int(epoch_ns(frame["timestamp"]).max()) for frame in dataset.tables.values()
                  if "timestamp" in frame.columns and len(frame)), default=0)
    return pd.Timestamp((latest // DAY_NS + 1) * DAY_NS, tz="UTC")


def build_snapshots(dataset, as_of_dates, horizon_days: int, config: FeatureConfig | None = None,
                    end=None) -> pd.DataFrame:
    """One frame of all snapshots: as_of, customer_id, the features and the labels, one row per customer and cut-off.

    end: where the data ends (default `observed_until(dataset)`; a partition of a dataset gives the whole one's).
    Raises DataError when a label window ends after the data does (its labels would be censored).
    """
    _check_horizon(horizon_days)
    stamps = [utc_timestamp(as_of) for as_of in as_of_dates]
    if not stamps or len(set(stamps)) != len(stamps):
        raise ConfigError(f"as_of_dates must be distinct and not empty, got {as_of_dates}")
    horizon = pd.Timedelta(days=int(horizon_days))
    end = observed_until(dataset) if end is None else utc_timestamp(end)
    late = [str(stamp) for stamp in stamps if stamp + horizon > end]
    if late:
        raise DataError(f"label windows of {horizon_days} days from {late} end after the data ({end})")
    codes = CustomerCodes(dataset)
    frames = []
    for stamp in stamps:
        population = snapshot_population(dataset, stamp, codes, config)
        features = build_features(dataset, stamp, config, population, codes)
        frame = features.join(labels(dataset, stamp, horizon_days, population, codes, config)).reset_index()
        frame.insert(0, "as_of", stamp.as_unit("ns"))  # the contract's datetime dtype
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def data_as_of(dataset, present=None) -> tuple:
    """The dataset as it was at `present` (rows at or after it dropped; customers signed up after it too),
    and the present: by default just after the last timestamp (the end of its day)."""
    if present is None:
        return dataset, observed_until(dataset)
    present = utc_timestamp(present)
    tables = {name: _before(frame, present) for name, frame in dataset.tables.items()}
    return replace(dataset, **tables), present


def _before(frame: pd.DataFrame, present: pd.Timestamp) -> pd.DataFrame:
    column = "timestamp" if "timestamp" in frame.columns else "signup_date" if "signup_date" in frame.columns else None
    if column is None:
        return frame
    keep = frame[column].isna() | (frame[column] < present)
    return frame[keep.to_numpy()].reset_index(drop=True)
