"""Purchases, engagement and tenure, checked by hand on tiny datasets."""

import numpy as np
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features

AS_OF = "2024-07-01"
CONFIG = FeatureConfig(windows=(7, 30, 90), trend_windows=(30,))


def features(dataset, **config):
    return build_features(dataset, AS_OF, FeatureConfig(**{"windows": (7, 30, 90), "trend_windows": (30,), **config}))


def test_purchases_by_hand():
    dataset = tiny(transactions=[
        ("a", "2024-01-01", 10), ("a", "2024-03-01 09:00", 5), ("a", "2024-03-01 18:00", 15),
        ("a", "2024-05-01", 0), ("a", "2024-06-15", 30), ("a", "2024-06-20", -8),
        ("a", "2024-07-01", 99),  # at the cut-off: not yet visible
        ("b", "2024-06-01", -4),  # a refund only
    ])
    a, b = (features(dataset).loc[c] for c in ("a", "b"))
    assert a["purchases_total"] == 5 and a["spend_total"] == 60 and a["mean_order_value"] == 12
    assert (a["purchases_7d"], a["purchases_30d"], a["purchases_90d"]) == (0, 1, 2)
    assert (a["spend_7d"], a["spend_30d"], a["spend_90d"]) == (0, 30, 30)
    assert a["refunds_total"] == 1 and a["refunded_amount_total"] == 8
    assert a["days_since_last_purchase"] == 16
    gaps = [60, 61, 45]  # between the purchase days Jan 1, Mar 1 (two orders), May 1, Jun 15 (2024 is a leap year)
    assert a["purchase_gap_mean"] == pytest.approx(np.mean(gaps))
    assert a["purchase_gap_std"] == pytest.approx(np.std(gaps, ddof=1))
    assert a["purchase_gap_median"] == 60 and a["purchase_delay_ratio"] == pytest.approx(16 / 60)
    assert a["purchases_trend_30d"] == 1 and a["spend_trend_30d"] == 1  # 1 purchase in June, none May 2-31
    assert b["purchases_total"] == 0 and b["spend_total"] == 0 and b["refunds_total"] == 1
    assert np.isnan(b["days_since_last_purchase"]) and np.isnan(b["mean_order_value"])
    assert np.isnan(b["purchases_trend_30d"])


def test_trend_compares_the_window_with_the_one_before():
    dataset = tiny(transactions=[("a", "2024-05-10", 10), ("a", "2024-05-20", 10), ("a", "2024-06-10", 40)])
    a = features(dataset).loc["a"]
    assert a["purchases_trend_30d"] == pytest.approx((1 - 2) / 3)
    assert a["spend_trend_30d"] == pytest.approx((40 - 20) / 60)


def test_engagement_by_hand():
    dataset = tiny(
        transactions=[("a", "2024-01-01", 10)],
        events=[
            ("a", "2024-06-30 10:00", "login", "s1"), ("a", "2024-06-30 11:00", "page_view", "s1"),
            ("a", "2024-06-20", "login", "s2"), ("a", "2024-05-15", "feature_use", "s3"),
            ("a", "2024-04-01", "login", None), ("a", "2024-07-01", "login", "s9"),
        ],
    )
    a = features(dataset).loc["a"]
    assert a["days_since_last_event"] == pytest.approx(13 / 24)
    assert (a["active_days_7d"], a["active_days_30d"], a["active_days_90d"]) == (1, 2, 3)
    assert (a["sessions_7d"], a["sessions_30d"], a["sessions_90d"]) == (1, 2, 3)
    assert (a["event_types_7d"], a["event_types_30d"], a["event_types_90d"]) == (2, 2, 3)
    assert a["active_days_trend_30d"] == pytest.approx((2 - 1) / 3)


def test_sessions_are_unknown_without_session_ids():
    dataset = tiny(transactions=[("a", "2024-01-01", 10)], events=[("a", "2024-06-30", "login", None)])
    dataset.events = dataset.events.drop(columns="session_id")
    a = features(dataset).loc["a"]
    assert np.isnan(a["sessions_30d"]) and a["active_days_30d"] == 1


def test_tenure_from_signup_else_first_activity():
    dataset = tiny(
        customers=[("a", "2024-01-01", "basic", 30), ("b", None, "basic", 40), ("c", "2024-08-01", "pro", 50)],
        transactions=[("a", "2024-03-01", 10), ("c", "2024-06-01", 10)],
        events=[("b", "2024-04-01", "login", "s1"), ("b", "2024-07-02", "login", "s2")],
    )
    tenure = features(dataset)["tenure_days"]
    assert list(tenure.index) == ["a", "b", "c"]
    assert tenure.tolist() == [182, 91, 30]  # c signs up after the cut-off: first seen on Jun 1
