"""Value: the BTYD summary (frequency, recency, T, monetary_value) as the BTYD literature and lifetimes define it.

Purchases are merged per period (a day by default: same-day orders are one
purchase, amounts summed). frequency = distinct purchase periods - 1; recency =
last - first purchase period; T = period of the last instant before the cut-off -
first purchase period; monetary_value = mean amount of the repeat periods, i.e. the
amount outside the first period / frequency (0 when frequency is 0). Rows at the
cut-off are excluded, so the summary as of day D equals lifetimes'
`summary_data_from_transaction_data` with observation_period_end = D - 1 day.

Refunds (negative amounts) are not purchases. Each is first netted against the order it
cancels (`cxmodels.features.refunds`: same order_id, else same amount and product within
`refund_window_days`); an order cancelled in full is no purchase, one refunded in part
counts what is left. What no order takes reduces the customer's repeat spend (monetary_value
does not go below 0). Only refunds before the cut-off count. Zero-amount orders are purchases,
as in lifetimes.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from cxmodels.data.codes import encode_text
from cxmodels.errors import ConfigError
from cxmodels.features.columns import Column
from cxmodels.features.config import TIME_UNITS, VALUE_PERIODS
from cxmodels.features.history import Rows, floats
from cxmodels.features.per_customer import count, distinct, distinct_pairs, group_ends, group_starts, total
from cxmodels.features.refunds import net_refunds, refund_keys
from cxmodels.features.timeutil import DAY_NS, NAT, epoch_ns, period_number, to_ns

PURCHASE_COLUMNS = ("frequency", "recency", "T")  # what the BTYD purchase models read
SPEND_COLUMN = "monetary_value"  # what the Gamma-Gamma spend model reads, with frequency
SUMMARY_COLUMNS = (*PURCHASE_COLUMNS, SPEND_COLUMN)  # the value summary, in this order


def summary_arrays(code, time, amount, n: int, as_of_ns: int, period: str = "D", time_unit: str = "days",
                   unmatched: np.ndarray | None = None) -> dict:
    """The summary per customer code (0..n-1) from purchase rows before the cut-off; NaN without purchases.
    `unmatched`: per customer, refunds (<= 0) no order took, taken off the repeat spend."""
    if period not in VALUE_PERIODS or time_unit not in TIME_UNITS:
        raise ConfigError(f"period must be one of {tuple(VALUE_PERIODS)} and time_unit one of {tuple(TIME_UNITS)}")
    scale = VALUE_PERIODS[period] / TIME_UNITS[time_unit]
    end = int(period_number(np.int64(as_of_ns - 1), period))
    periods = period_number(time, period)
    start = int(periods.min()) if len(periods) else end
    periods -= start
    span = end - start + 1
    first, last, bought = _first_last_count(*distinct_pairs(code, periods, span), n, span)
    frequency = bought - 1.0
    repeat_amount = total(code, np.where(periods != first[code], amount, 0.0), n)  # in table order, as every sum
    if unmatched is not None:
        repeat_amount = np.maximum(0.0, repeat_amount + unmatched)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_amount / frequency, 0.0)
    none = bought == 0
    return {
        "frequency": np.where(none, np.nan, frequency),
        "recency": np.where(none, np.nan, (last - first) * scale),
        "T": np.where(none, np.nan, (end - start - first) * scale),
        "monetary_value": np.where(none, np.nan, monetary),
    }


def _first_last_count(pair_code: np.ndarray, pair_period: np.ndarray, n: int, span: int) -> tuple:
    """Per customer, from the sorted distinct (customer, period) pairs: the first and last period with a purchase
    (span and -1 for none) and the number of periods with one."""
    first, last = np.full(n, span, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    starts, ends = group_starts(pair_code), group_ends(pair_code)
    first[pair_code[starts]], last[pair_code[ends]] = pair_period[starts], pair_period[ends]
    return first, last, count(pair_code, n)


def netted_summary(code, time, amount, order, product, n: int, as_of_ns: int, period: str = "D",
                   time_unit: str = "days", refund_window_days: int = 30) -> dict:
    """`summary_arrays` of transaction rows before the cut-off (purchases and refunds), refunds netted first."""
    netted = net_refunds(code, time, amount, order, product, refund_window_days)
    buy, amount = netted.purchase, netted.amount
    unmatched = total(code, netted.unmatched, n) if netted.unmatched.any() else None
    if not buy.all():
        code, time, amount = code[buy], time[buy], amount[buy]
    return summary_arrays(code, time, amount, n, as_of_ns, period, time_unit, unmatched)


def value_summary(transactions: pd.DataFrame, as_of, period: str = "D", time_unit: str = "days",
                  refund_window_days: int = 30) -> pd.DataFrame:
    """The BTYD summary of every customer with a purchase before `as_of`, indexed by sorted customer_id.

    period: "D" merges purchases per UTC day, "W" per week (Monday to Sunday, lifetimes' freq="W").
    time_unit: "days" or "weeks" (days / 7, lifetimes' freq="D", freq_multiplier=7).
    refund_window_days: how long before a refund the order it cancels may be, when matched by amount.
    """
    rows = _transaction_rows(transactions, None, to_ns(as_of))
    arrays = netted_summary(*rows.columns, len(rows.customers), rows.end_ns, period, time_unit, refund_window_days)
    summary = pd.DataFrame(arrays, index=pd.Index(rows.customers, dtype="str", name="customer_id"))
    return summary[~np.isnan(arrays["frequency"])].sort_index()


def calibration_and_holdout(transactions: pd.DataFrame, calibration_end, observation_end, period: str = "D",
                            time_unit: str = "days", refund_window_days: int = 30) -> pd.DataFrame:
    """lifetimes' `calibration_and_holdout_data` split by calendar date: the value summary as of
    `calibration_end` (`value_summary`) and, for the same customers, what they did in
    [calibration_end, observation_end): frequency_holdout (periods with a purchase), monetary_value_holdout
    (mean amount of those periods, 0 without one) and duration_holdout (the holdout's length in `time_unit`).

    Refunds in the holdout are netted against holdout orders only (a refund of an order bought before
    calibration_end takes nothing off the holdout). Customers whose first purchase is in the holdout are
    not in the calibration summary and are left out, as in lifetimes.
    """
    start, end = to_ns(calibration_end), to_ns(observation_end)
    if not end > start:
        raise ConfigError(f"observation_end ({observation_end}) must be after calibration_end ({calibration_end})")
    calibration = value_summary(transactions, calibration_end, period, time_unit, refund_window_days)
    rows = _transaction_rows(transactions, start, end)
    code, time, amount, order, product = rows.columns
    netted = net_refunds(code, time, amount, order, product, refund_window_days)
    buy = netted.purchase
    n = len(rows.customers)
    periods = period_number(time[buy], period)
    periods -= int(periods.min()) if len(periods) else 0
    bought = distinct(code[buy], periods, int(periods.max(initial=0)) + 1, n)
    spend = total(code[buy], netted.amount[buy], n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(bought > 0, spend / bought, 0.0)
    holdout = pd.DataFrame({"frequency_holdout": bought.astype(float), "monetary_value_holdout": mean},
                           index=pd.Index(rows.customers, dtype="str", name="customer_id"))
    holdout = holdout.reindex(calibration.index, fill_value=0.0)
    days = (end - start) / DAY_NS
    return calibration.join(holdout).assign(duration_holdout=days / TIME_UNITS[time_unit])


class _Rows(NamedTuple):
    columns: tuple  # code, time, amount, order, product of the rows kept
    customers: np.ndarray  # customer_id of each code
    end_ns: int


def _transaction_rows(transactions: pd.DataFrame, start_ns: int | None, end_ns: int) -> _Rows:
    """The transaction rows with a customer, a time in [start_ns, end_ns) and an amount, as integer codes."""
    codes, dictionary = encode_text(transactions["customer_id"])
    time = epoch_ns(transactions["timestamp"])
    amount = floats(transactions["amount"])
    keep = (codes >= 0) & (time != NAT) & (time < end_ns) & ~np.isnan(amount)
    if start_ns is not None:
        keep &= time >= start_ns
    rows = Rows(transactions, slice(None), codes, time, len(dictionary))
    if not keep.all():
        rows, amount = rows.where(keep), amount[keep]
    return _Rows((rows.code, rows.time, amount, *refund_keys(rows, amount)), dictionary, end_ns)


def value_columns(config) -> tuple[Column, ...]:
    unit = config.time_unit
    return (
        Column("frequency", "float64", "repeat purchases: periods with a purchase after the first one"),
        Column("recency", "float64", f"{unit} from the first to the last purchase"),
        Column("T", "float64", f"{unit} since the first purchase"),
        Column("monetary_value", "float64", "average amount of a repeat purchase"),
    )


def value(history, config) -> dict:
    """The BTYD summary in the configured period and time unit, refunds netted; NaN for customers who never bought."""
    rows = history.rows("transactions")
    amount = rows.numbers("amount")
    known = ~np.isnan(amount)
    if not known.all():
        rows, amount = rows.where(known), amount[known]
    return netted_summary(rows.code, rows.time, amount, *refund_keys(rows, amount), history.n,
                          history.as_of_ns, config.value_period, config.time_unit, config.refund_window_days)
