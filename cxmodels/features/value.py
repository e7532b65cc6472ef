"""Value: the BTYD summary (frequency, recency, T, monetary_value) as the BTYD literature and lifetimes define it.

Purchases are merged per period (a day by default: same-day orders are one
purchase, amounts summed). frequency = distinct purchase periods - 1; recency =
last - first purchase period; T = period of the last instant before the cut-off -
first purchase period; monetary_value = mean amount of the repeat periods, i.e. the
amount outside the first period / frequency (0 when frequency is 0). Rows at the
cut-off are excluded, so the summary as of day D equals lifetimes'
`summary_data_from_transaction_data` with observation_period_end = D - 1 day.

Refunds (negative amounts) are not purchases and are left out: netting a refund into
its own day would invent a purchase period with a negative value, which no BTYD or
Gamma-Gamma model can take. Zero-amount orders are purchases, as in lifetimes.
"""

import numpy as np
import pandas as pd

from cxmodels.data.codes import encode_text
from cxmodels.errors import ConfigError
from cxmodels.features.columns import Column
from cxmodels.features.config import TIME_UNITS, VALUE_PERIODS
from cxmodels.features.per_customer import distinct, largest, smallest, total
from cxmodels.features.history import floats
from cxmodels.features.timeutil import NAT, epoch_ns, period_number, to_ns

PURCHASE_COLUMNS = ("frequency", "recency", "T")  # what the BTYD purchase models read
SPEND_COLUMN = "monetary_value"  # what the Gamma-Gamma spend model reads, with frequency
SUMMARY_COLUMNS = (*PURCHASE_COLUMNS, SPEND_COLUMN)  # the value summary, in this order


def summary_arrays(code, time, amount, n: int, as_of_ns: int, period: str = "D", time_unit: str = "days") -> dict:
    """The summary per customer code (0..n-1) from purchase rows before the cut-off; NaN without purchases."""
    if period not in VALUE_PERIODS or time_unit not in TIME_UNITS:
        raise ConfigError(f"period must be one of {tuple(VALUE_PERIODS)} and time_unit one of {tuple(TIME_UNITS)}")
    scale = VALUE_PERIODS[period] / TIME_UNITS[time_unit]
    end = int(period_number(np.int64(as_of_ns - 1), period))
    periods = period_number(time, period)
    start = int(periods.min()) if len(periods) else end
    periods -= start
    span = end - start + 1
    first, last = smallest(code, periods, n, span), largest(code, periods, n, -1)
    bought = distinct(code, periods, span, n)  # periods with a purchase
    frequency = bought - 1.0
    repeat_amount = total(code, amount, n, periods != first[code])  # in table order, like every sum here
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_amount / frequency, 0.0)
    none = bought == 0
    return {
        "frequency": np.where(none, np.nan, frequency),
        "recency": np.where(none, np.nan, (last - first) * scale),
        "T": np.where(none, np.nan, (end - start - first) * scale),
        "monetary_value": np.where(none, np.nan, monetary),
    }


def value_summary(transactions: pd.DataFrame, as_of, period: str = "D", time_unit: str = "days") -> pd.DataFrame:
    """The BTYD summary of every customer with a purchase before `as_of`, indexed by sorted customer_id.

    period: "D" merges purchases per UTC day, "W" per week (Monday to Sunday, lifetimes' freq="W").
    time_unit: "days" or "weeks" (days / 7, lifetimes' freq="D", freq_multiplier=7).
    """
    as_of_ns = to_ns(as_of)
    codes, dictionary = encode_text(transactions["customer_id"])
    time = epoch_ns(transactions["timestamp"])
    amount = floats(transactions["amount"])
    keep = (codes >= 0) & (time != NAT) & (time < as_of_ns) & (amount >= 0)
    arrays = summary_arrays(codes[keep], time[keep], amount[keep], len(dictionary), as_of_ns, period, time_unit)
    summary = pd.DataFrame(arrays, index=pd.Index(dictionary, dtype="str", name="customer_id"))
    return summary[~np.isnan(arrays["frequency"])].sort_index()


def value_columns(config) -> tuple[Column, ...]:
    unit = config.time_unit
    return (
        Column("frequency", "float64", "repeat purchases: periods with a purchase after the first one"),
        Column("recency", "float64", f"{unit} from the first to the last purchase"),
        Column("T", "float64", f"{unit} since the first purchase"),
        Column("monetary_value", "float64", "average amount of a repeat purchase"),
    )


def value(history, config) -> dict:
    """The BTYD summary in the configured period and time unit; NaN for customers who never bought."""
    rows = history.rows("transactions")
    amount = rows.numbers("amount")
    bought = amount >= 0
    return summary_arrays(rows.code[bought], rows.time[bought], amount[bought], history.n, history.as_of_ns,
                          config.value_period, config.time_unit)
