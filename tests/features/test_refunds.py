"""Refunds netted against the orders they cancel: by order_id, else by amount and product within the window."""

import numpy as np
import pandas as pd
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features, labels, value_summary
from cxmodels.features.refunds import net_refunds

DAY = 86_400 * 10**9


def _transactions(rows, columns=("customer_id", "timestamp", "amount", "order_id", "product_id")):
    frame = pd.DataFrame(rows, columns=columns[:len(rows[0])])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    for column in ("order_id", "product_id"):
        if column in frame:
            frame[column] = frame[column].astype("str").where(frame[column].notna())
    return frame


def test_a_same_day_cancellation_leaves_no_purchase_and_no_spend():
    # the real case: an 80,995-unit order cancelled the same day gave a CLV of 176k
    transactions = _transactions([
        ("big", "2024-01-05 09:00", 30.0, "1", "A"), ("big", "2024-02-10 10:00", 168_469.6, "2", "B"),
        ("big", "2024-02-10 10:05", -168_469.6, "C3", "B"), ("big", "2024-03-01", 20.0, "4", "A"),
    ])
    summary = value_summary(transactions, "2024-04-01")
    assert summary.loc["big"].tolist() == pytest.approx([1, 56, 86, 20])  # the cancelled day is no purchase


def test_matching_by_order_id_nets_in_proportion():
    transactions = _transactions([
        ("a", "2024-01-01", 10.0, "1", None), ("a", "2024-02-01", 40.0, "2", None),
        ("a", "2024-02-03", -10.0, "2", None),  # a quarter of order 2 comes back
        ("a", "2024-03-01", 25.0, "3", None), ("a", "2024-03-02", -25.0, "3", None),  # order 3 cancelled in full
    ])
    summary = value_summary(transactions, "2024-04-01")
    assert summary.loc["a"].tolist() == pytest.approx([1, 31, 90, 30])


def test_matching_by_amount_respects_the_window_and_the_product():
    base = [("a", "2024-01-01", 10.0, "1", "A"), ("a", "2024-02-01", 50.0, "2", "A")]
    late = value_summary(_transactions(base + [("a", "2024-03-15", -50.0, "9", "A")]), "2024-04-01")
    other_product = value_summary(_transactions(base + [("a", "2024-02-05", -50.0, "9", "B")]), "2024-04-01")
    matched = value_summary(_transactions(base + [("a", "2024-02-05", -50.0, "9", "A")]), "2024-04-01")
    assert late.loc["a", "frequency"] == 1 and late.loc["a", "monetary_value"] == 0  # 43 days: unmatched, spend - 50
    assert other_product.loc["a", "frequency"] == 1 and other_product.loc["a", "monetary_value"] == 0
    assert matched.loc["a", "frequency"] == 0
    wide = value_summary(_transactions(base + [("a", "2024-03-15", -50.0, "9", "A")]), "2024-04-01",
                         refund_window_days=60)
    assert wide.loc["a", "frequency"] == 0


def test_each_order_cancels_one_refund_the_latest_order_first():
    code, time = np.zeros(4, dtype=np.int64), np.array([0, 1, 2, 3]) * DAY
    amount = np.array([20.0, 20.0, -20.0, -20.0])
    netted = net_refunds(code, time, amount)
    assert netted.purchase.tolist() == [False, False, False, False]
    assert netted.unmatched.tolist() == [0, 0, 0, 0]
    one = net_refunds(code[:3], time[:3], amount[:3])
    assert one.purchase.tolist() == [True, False, False]  # the refund took the later order


def test_a_refund_larger_than_its_order_leaves_the_rest_unmatched():
    netted = net_refunds(np.zeros(2, dtype=np.int64), np.array([0, DAY]), np.array([30.0, -45.0]),
                         order=np.array([7, 7]))
    assert netted.purchase.tolist() == [False, False] and netted.unmatched.tolist() == pytest.approx([0, -15])


def test_refunds_after_the_cut_off_change_nothing_before_it():
    transactions = _transactions([("a", "2024-01-01", 10.0, "1", None), ("a", "2024-02-01", 40.0, "2", None),
                                  ("a", "2024-04-02", -40.0, "2", None)])
    before = value_summary(transactions, "2024-04-01")
    assert before.loc["a"].tolist() == pytest.approx([1, 31, 90, 40])


def test_the_feature_builder_and_the_labels_net_alike():
    dataset = tiny(transactions=[("a", "2024-01-01", 10), ("a", "2024-02-01", 40), ("a", "2024-02-01 10:00", -40),
                                 ("a", "2024-05-01", 15), ("a", "2024-05-02", -15)])
    matrix = build_features(dataset, "2024-04-01", FeatureConfig())
    assert matrix.loc["a", ["frequency", "monetary_value"]].tolist() == [0, 0]
    future = labels(dataset, "2024-04-01", 60)
    assert future.loc["a", "future_purchases"] == 0 and bool(future.loc["a", "churned"])
