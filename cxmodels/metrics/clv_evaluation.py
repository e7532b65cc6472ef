"""How well predicted purchases or spend match what customers then did: ranking, calibration, tracking.

`actual` and `predicted` are per customer, in the same order. Ties in `predicted` are
treated as a block (their actual values are averaged), so no metric depends on the
order of tied customers.
"""

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from cxmodels.data.cutoff import utc_timestamp
from cxmodels.errors import DataError


def normalized_gini(actual, predicted) -> float:
    """Gini of `actual` ordered by `predicted`, over the Gini of the best order: 1 perfect, 0 random."""
    actual, predicted = _pair(actual, predicted)
    if actual.sum() == 0 or (actual == actual[0]).all():
        raise DataError("normalized_gini needs actual values that are not all equal and do not sum to 0")
    return float(_gini(actual, predicted) / _gini(actual, actual))


def spearman(actual, predicted) -> float:
    """Spearman rank correlation of predicted with actual."""
    actual, predicted = _pair(actual, predicted)
    return float(spearmanr(actual, predicted).statistic)


def holdout_scores(actual, predicted) -> dict[str, float]:
    """Per-customer rmse and mae; spearman and normalized_gini (ranking); decile_mape and
    total_ratio (sum predicted / sum actual) (calibration)."""
    actual, predicted = _pair(actual, predicted)
    error = predicted - actual
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "spearman": spearman(actual, predicted),
        "normalized_gini": normalized_gini(actual, predicted),
        "decile_mape": decile_mape(actual, predicted),
        "total_ratio": float(predicted.sum() / actual.sum()),
    }


def decile_table(actual, predicted, bins: int = 10) -> pd.DataFrame:
    """Customers ranked by predicted, cut into `bins` groups of equal size (1 = highest predicted):
    customers, mean_predicted and mean_actual per group."""
    actual, predicted = _pair(actual, predicted)
    order = np.argsort(-predicted, kind="stable")
    group = np.empty(len(order), dtype=np.int64)
    group[order] = np.arange(len(order)) * bins // len(order)
    table = pd.DataFrame({"group": group + 1, "predicted": predicted, "actual": _tie_means(actual, predicted)})
    table = table.groupby("group").agg(customers=("actual", "size"), mean_predicted=("predicted", "mean"),
                                       mean_actual=("actual", "mean"))
    table.index.name = "decile" if bins == 10 else "group"
    return table


def decile_mape(actual, predicted, bins: int = 10) -> float:
    """Mean absolute percentage error of the groups' mean predicted against their mean actual
    (`decile_table`); groups whose mean actual is 0 are left out."""
    table = decile_table(actual, predicted, bins)
    table = table[table["mean_actual"] != 0]
    if table.empty:
        raise DataError("decile_mape needs a group with a non-zero mean actual")
    return float((np.abs(table["mean_predicted"] - table["mean_actual"]) / np.abs(table["mean_actual"])).mean())


def conditional_expectation_by_frequency(frequency, actual, predicted, max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual and predicted holdout purchases by calibration frequency 0, 1, ..., max_frequency - 1
    and "max_frequency+" (Fader, Hardie & Lee 2005, figure 3): customers, actual, predicted."""
    table = holdout_by_frequency(frequency, actual, predicted, buckets=range(max_frequency + 1))
    return table[["customers", "actual_mean", "predicted_mean"]].rename(
        columns={"actual_mean": "actual", "predicted_mean": "predicted"})


def holdout_by_frequency(frequency, actual, predicted, buckets=(0, 1, 2, 3, 4, 5, 6, 7)) -> pd.DataFrame:
    """Predicted against actual holdout purchases by calibration frequency: per bucket the customers,
    actual_total, predicted_total, actual_mean and predicted_mean, and the ratio predicted / actual total.

    `buckets` are the lowest frequency of each bucket, increasing from 0; the last is open ("7+"), the
    others are named by their range ("0", "3-5"). Buckets without customers are left out.
    """
    actual, predicted = _pair(actual, predicted)
    frequency = np.asarray(frequency, dtype=float)
    lows = np.asarray(list(buckets), dtype=float)
    if len(frequency) != len(actual):
        raise DataError(f"frequency has {len(frequency)} values, actual {len(actual)}")
    if len(lows) == 0 or lows[0] != 0 or (np.diff(lows) <= 0).any():
        raise DataError(f"buckets must be increasing lowest frequencies starting at 0, got {list(buckets)}")
    names = [f"{low:g}+" if i == len(lows) - 1 else (f"{low:g}" if lows[i + 1] - low == 1 else
                                                       f"{low:g}-{lows[i + 1] - 1:g}") for i, low in enumerate(lows)]
    bucket = np.searchsorted(lows, frequency, side="right") - 1
    table = pd.DataFrame({"bucket": bucket, "actual": actual, "predicted": predicted}).groupby("bucket").agg(
        customers=("actual", "size"), actual_total=("actual", "sum"), predicted_total=("predicted", "sum"),
        actual_mean=("actual", "mean"), predicted_mean=("predicted", "mean"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = table["predicted_total"] / table["actual_total"]
    table.index = pd.Index([names[i] for i in table.index], name="frequency")
    return table


def cumulative_tracking(transactions: pd.DataFrame, new_customer_purchases, as_of, end,
                        period_days: int = 7) -> pd.DataFrame:
    """Actual and expected cumulative repeat purchases of the customers who first bought before `as_of`,
    at the end of each period from their earliest first purchase to `end` (Fader, Hardie & Lee 2005, figure 2).

    Purchases are days with an order (amount >= 0), as in the value summary; repeat ones are those
    after the first day. `new_customer_purchases(days)` gives the expected repeat purchases of a new
    customer in `days` after the first purchase (e.g. `BTYDModel.new_customer_purchases`). Columns:
    period_end, actual, expected; the index numbers the periods from 1.
    """
    return tracking_table(*repeat_purchases(transactions, as_of), new_customer_purchases, end, period_days)


def repeat_purchases(transactions: pd.DataFrame, as_of) -> tuple[np.ndarray, pd.Series]:
    """What `cumulative_tracking` counts, of the customers who first bought before `as_of`: the days of their
    repeat purchases (sorted), and how many of them first bought on each day. The customers of several parts
    of the transactions (each customer in one) give the whole's when concatenated and summed by day."""
    as_of = utc_timestamp(as_of)
    bought = transactions[transactions["amount"] >= 0]
    days = pd.DataFrame({"customer_id": bought["customer_id"], "day": bought["timestamp"].dt.floor("D")})
    days = days.drop_duplicates()
    first = days.groupby("customer_id")["day"].transform("min")
    cohort = first < as_of
    days, first = days[cohort], first[cohort]
    repeats = np.sort(days.loc[days["day"] > first, "day"].to_numpy())
    return repeats, days.groupby("customer_id")["day"].min().value_counts().sort_index()


def tracking_table(repeats: np.ndarray, starts: pd.Series, new_customer_purchases, end,
                   period_days: int = 7) -> pd.DataFrame:
    """The `cumulative_tracking` table of `repeat_purchases`' days of repeat purchases and customers per first day."""
    start = starts.index.min()
    ends = pd.date_range(start + pd.Timedelta(days=period_days), utc_timestamp(end), freq=f"{period_days}D")
    actual = np.searchsorted(repeats, ends.to_numpy(), side="left")
    ages = (ends.to_numpy()[:, None] - starts.index.to_numpy()[None, :]) / pd.Timedelta(days=1)
    expected = (new_customer_purchases(np.clip(ages, 0, None)) * starts.to_numpy()).sum(axis=1)
    return pd.DataFrame({"period_end": ends, "actual": actual, "expected": expected},
                        index=pd.RangeIndex(1, len(ends) + 1, name="period"))


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if actual.shape != predicted.shape or actual.ndim != 1 or len(actual) == 0:
        raise DataError(f"actual and predicted must be 1-d, of one non-zero length; got {actual.shape} "
                         f"and {predicted.shape}")
    if not (np.isfinite(actual).all() and np.isfinite(predicted).all()):
        raise DataError("actual and predicted must be finite")
    return actual, predicted


def _tie_means(values: np.ndarray, key: np.ndarray) -> np.ndarray:
    """`values` with each block of equal `key` replaced by its mean."""
    _, block = np.unique(key, return_inverse=True)
    return (np.bincount(block, values) / np.bincount(block))[block]


def _gini(actual: np.ndarray, score: np.ndarray) -> float:
    order = np.argsort(-score, kind="stable")
    ranked = _tie_means(actual, score)[order]
    n = len(ranked)
    return (np.cumsum(ranked).sum() / ranked.sum() - (n + 1) / 2) / n
