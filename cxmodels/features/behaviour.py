"""Behaviour: purchases and refunds (transactions), digital engagement (events) and tenure."""

import numpy as np

from cxmodels.features.columns import Column, count_column, per_window
from cxmodels.features.per_customer import (
    at, count, distinct, distinct_days, largest, mean, quantile, ratio, std, total, trend,
)
from cxmodels.features.timeutil import DAY_NS, NAT, days_before, days_window, epoch_ns

AGAINST_BEFORE = "against the {days} days before (-1 stopped, 0 steady, +1 new)"


def purchase_columns(config) -> tuple[Column, ...]:
    return (
        Column("days_since_last_purchase", "float64", "days since the last purchase"),
        *per_window(count_column("purchases_{days}d", "purchases in the last {days} days"), config.windows),
        count_column("purchases_total", "purchases ever"),
        *per_window(Column("spend_{days}d", "float64", "amount spent in the last {days} days", 0), config.windows),
        Column("spend_total", "float64", "amount spent ever", 0),
        Column("mean_order_value", "float64", "average amount of a purchase"),
        count_column("refunds_total", "refunds ever"),
        Column("refunded_amount_total", "float64", "amount refunded ever", 0),
        Column("purchase_gap_mean", "float64", "average days between two purchase days"),
        Column("purchase_gap_std", "float64", "how much the days between purchases vary (standard deviation)"),
        Column("purchase_gap_median", "float64", "usual (median) days between two purchase days"),
        Column("purchase_delay_ratio", "float64",
               "days since the last purchase relative to the usual days between purchases (above 1: later than usual)"),
        *per_window(Column("purchases_trend_{days}d", "float64", "purchases in the last {days} days " + AGAINST_BEFORE),
                    config.trend_windows),
        *per_window(Column("spend_trend_{days}d", "float64", "spend in the last {days} days " + AGAINST_BEFORE),
                    config.trend_windows),
    )


def purchases(history, config) -> dict:
    """Recency, counts and spend in windows, refunds, gaps between purchase days, trends.

    A purchase is a transaction with amount >= 0 (zero-amount orders count); a refund has amount < 0.
    """
    rows = history.rows("transactions")
    n, as_of = history.n, history.as_of_ns
    amount = rows.numbers("amount")
    bought = amount >= 0
    code, time = rows.code[bought], rows.time[bought]
    spent = amount[bought]

    out = {"days_since_last_purchase": days_before(as_of, largest(code, time, n, NAT))}
    out |= {f"purchases_{d}d": count(code, n, days_window(time, as_of, d)) for d in config.windows}
    out["purchases_total"] = count(code, n)
    out |= {f"spend_{d}d": total(code, spent, n, days_window(time, as_of, d)) for d in config.windows}
    out["spend_total"] = total(code, spent, n)
    out["mean_order_value"] = ratio(out["spend_total"], out["purchases_total"])
    refund = ~bought & ~np.isnan(amount)
    out["refunds_total"] = count(rows.code, n, refund)
    out["refunded_amount_total"] = 0.0 - total(rows.code, amount, n, refund)

    day_code, day = distinct_days(code, time)
    same = day_code[1:] == day_code[:-1]
    gap_code, gap = day_code[1:][same], np.diff(day)[same].astype(np.float64)
    out["purchase_gap_mean"] = mean(gap_code, gap, n)
    out["purchase_gap_std"] = std(gap_code, gap, n)
    out["purchase_gap_median"] = quantile(gap_code, gap, n, 0.5)
    out["purchase_delay_ratio"] = ratio(out["days_since_last_purchase"], out["purchase_gap_median"])

    for d in config.trend_windows:
        recent, before = days_window(time, as_of, d), days_window(time, as_of, 2 * d, d)
        out[f"purchases_trend_{d}d"] = trend(count(code, n, recent), count(code, n, before))
        out[f"spend_trend_{d}d"] = trend(total(code, spent, n, recent), total(code, spent, n, before))
    return out


def engagement_columns(config) -> tuple[Column, ...]:
    return (
        Column("days_since_last_event", "float64", "days since the last digital activity"),
        *per_window(count_column("active_days_{days}d", "days with digital activity in the last {days} days"),
                    config.windows),
        *per_window(Column("sessions_{days}d", "float64",
                           "digital sessions in the last {days} days (unknown without session ids)", 0),
                    config.windows),
        *per_window(count_column("event_types_{days}d", "different kinds of digital activity in the last {days} days"),
                    config.windows),
        *per_window(Column("active_days_trend_{days}d", "float64",
                           "active days in the last {days} days " + AGAINST_BEFORE), config.trend_windows),
    )


def engagement(history, config) -> dict:
    """Digital engagement from events: active days, sessions and kinds of event in windows, recency, trend."""
    rows = history.rows("events")
    n, as_of = history.n, history.as_of_ns
    out = {"days_since_last_event": days_before(as_of, largest(rows.code, rows.time, n, NAT))}
    longest = max(max(config.windows), 2 * max(config.trend_windows))
    recent = rows.since(as_of - longest * DAY_NS)  # everything below looks at most this far back
    code, time = recent.code, recent.time
    kind, kinds = recent.text("event")
    session, sessions = recent.text("session_id") if recent.has("session_id") else (None, ())

    def active_days(mask: np.ndarray) -> np.ndarray:
        return count(distinct_days(code[mask], time[mask])[0], n)

    for d in config.windows:
        last = days_window(time, as_of, d)
        out[f"active_days_{d}d"] = active_days(last)
        out[f"sessions_{d}d"] = (
            np.full(n, np.nan) if session is None else distinct(code[last], session[last], len(sessions), n) * 1.0
        )
        out[f"event_types_{d}d"] = distinct(code[last], kind[last], len(kinds), n)
    for d in config.trend_windows:
        recent, before = days_window(time, as_of, d), days_window(time, as_of, 2 * d, d)
        out[f"active_days_trend_{d}d"] = trend(active_days(recent), active_days(before))
    return out


def tenure_columns(config) -> tuple[Column, ...]:
    return (Column("tenure_days", "float64", "days since the customer signed up (or was first seen)"),)


def tenure(history, config) -> dict:
    """Days since signup_date when known (and before the cut-off), else since the first row in any table."""
    return {"tenure_days": tenure_days(history)}


def tenure_days(history) -> np.ndarray:
    """Per customer, days from signup (or the first row in any table) to the cut-off; NaN if never seen."""
    start = history.first_activity()
    customers = history.dataset.customers
    if customers is not None and "signup_date" in customers.columns:
        signup = at(epoch_ns(customers["signup_date"]), history.customer_rows(), NAT)
        start = np.where((signup != NAT) & (signup < history.as_of_ns), signup, start)
    return days_before(history.as_of_ns, start)
