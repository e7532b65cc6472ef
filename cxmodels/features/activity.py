"""Activity against the customer's own habits: lifetime pace of purchases and digital events, the
recent windows against that pace, and the share of digital activity on pages that signal trouble (the intent
events of `cxmodels.data.vocabulary`, and those `FeatureConfig.intent_events` adds).

The lifetime pace divides by the tenure (`behaviour.tenure_days`), at least one 30-day month.
"""

import numpy as np

from cxmodels.features.behaviour import tenure_days
from cxmodels.features.columns import Column, per_window
from cxmodels.features.per_customer import count, ratio
from cxmodels.features.timeutil import days_window

MONTH_DAYS = 30
VS_USUAL = "{what} in the last {{days}} days against the customer's usual pace (1 usual, 0 none, 2 twice as many)"


def _pace_columns(what: str, config) -> tuple[Column, ...]:
    return (
        Column(f"{what}_per_month", "float64", f"{what} per 30 days over the customer's whole tenure"),
        *per_window(Column(f"{what}_{{days}}d_vs_usual", "float64", VS_USUAL.format(what=what)),
                    config.trend_windows),
    )


def _pace(what: str, rows, history, config) -> dict:
    """Lifetime count per 30 days of tenure, and each trend window's count against it."""
    n, as_of = history.n, history.as_of_ns
    months = np.maximum(tenure_days(history), MONTH_DAYS) / MONTH_DAYS
    ever = count(rows.code, n)
    out = {f"{what}_per_month": ever / months}
    for d in config.trend_windows:
        expected = ever * d / np.maximum(months * MONTH_DAYS, d)
        out[f"{what}_{d}d_vs_usual"] = ratio(count(rows.code, n, days_window(rows.time, as_of, d)) * 1.0, expected)
    return out


def purchase_pace_columns(config) -> tuple[Column, ...]:
    return _pace_columns("purchases", config)


def purchase_pace(history, config) -> dict:
    """Purchases (amount >= 0) per month of tenure, and in the trend windows against that pace."""
    rows = history.rows("transactions")
    return _pace("purchases", rows.where(rows.numbers("amount") >= 0), history, config)


def event_pace_columns(config) -> tuple[Column, ...]:
    return _pace_columns("events", config)


def event_pace(history, config) -> dict:
    """Digital events per month of tenure, and in the trend windows against that pace."""
    return _pace("events", history.rows("events"), history, config)


def page_mix_columns(config) -> tuple[Column, ...]:
    share = "share of digital activity in the last {days} days on "
    return tuple(column for event, words in config.intent_words.items() for column in per_window(
        Column(f"{event}_share_{{days}}d", "float64", share + words), config.trend_windows))


def page_mix(history, config) -> dict:
    """Share of the events in each trend window that are intent events (the vocabulary's help-centre, billing and
    cancellation pages, and the configuration's own)."""
    rows = history.rows("events")
    n, as_of = history.n, history.as_of_ns
    kind, kinds = rows.text("event")
    out = {}
    for d in config.trend_windows:
        last = days_window(rows.time, as_of, d)
        events = count(rows.code, n, last)
        for event in config.intent_words:
            hits = last & (kind == (kinds.get_loc(event) if event in kinds else -2))
            out[f"{event}_share_{d}d"] = ratio(count(rows.code, n, hits) * 1.0, events)
    return out
