"""Purchase and event pace and the page mix, checked by hand."""

import numpy as np
import pytest
from worlds import tiny

from cxmodels.errors import ConfigError
from cxmodels.features import FeatureConfig, build_features, describe

AS_OF = "2024-07-01"
CONFIG = FeatureConfig(windows=(30, 90), trend_windows=(30, 90))


def test_purchase_pace_by_hand():
    dataset = tiny(
        customers=[("a", "2024-01-03", "basic", 30), ("b", "2024-06-21", "basic", 40), ("c", "2024-01-01", None, 50)],
        transactions=[
            ("a", "2024-02-01", 10), ("a", "2024-04-01", 10), ("a", "2024-06-15", 10), ("a", "2024-06-20", -5),
            ("a", "2024-07-01", 10),  # at the cut-off: not yet visible
            ("b", "2024-06-25", 10),
        ],
    )
    matrix = build_features(dataset, AS_OF, CONFIG)
    a, b, c = (matrix.loc[customer] for customer in "abc")
    assert a["purchases_per_month"] == pytest.approx(3 / 6)  # 180 days since signup; the refund is no purchase
    assert a["purchases_30d_vs_usual"] == pytest.approx(1 / (3 * 30 / 180))
    assert a["purchases_90d_vs_usual"] == pytest.approx(1 / (3 * 90 / 180))
    assert b["purchases_per_month"] == 1  # 10 days of tenure count as a whole month
    assert b["purchases_30d_vs_usual"] == 1 and b["purchases_90d_vs_usual"] == 1
    assert c["purchases_per_month"] == 0 and np.isnan(c["purchases_30d_vs_usual"])


def test_event_pace_and_page_mix_by_hand():
    dataset = tiny(
        customers=[("a", "2024-01-03", "basic", 30)],
        transactions=[("a", "2024-02-01", 10)],
        events=[
            ("a", "2024-01-10", "login", "s1"), ("a", "2024-01-10", "page_view", "s1"),
            ("a", "2024-05-01", "login", "s2"), ("a", "2024-05-01", "help_center", "s2"),
            ("a", "2024-06-20", "login", "s3"), ("a", "2024-06-20", "billing_page", "s3"),
            ("a", "2024-06-20", "cancel_page", "s3"), ("a", "2024-06-20", "help_center", "s3"),
            ("a", "2024-07-01", "cancel_page", "s4"),  # at the cut-off
        ],
    )
    a = build_features(dataset, AS_OF, CONFIG).loc["a"]
    assert a["events_per_month"] == pytest.approx(8 / 6)
    assert a["events_30d_vs_usual"] == pytest.approx(4 / (8 * 30 / 180))
    assert a["events_90d_vs_usual"] == pytest.approx(6 / (8 * 90 / 180))
    assert (a["help_center_share_30d"], a["billing_page_share_30d"], a["cancel_page_share_30d"]) == (0.25, 0.25, 0.25)
    assert a["help_center_share_90d"] == pytest.approx(2 / 6) and a["cancel_page_share_90d"] == pytest.approx(1 / 6)


def test_page_mix_without_those_events_is_zero_and_unknown_without_events():
    dataset = tiny(transactions=[("a", "2024-02-01", 10), ("b", "2024-02-01", 10)],
                   events=[("a", "2024-06-20", "login", "s1")])
    matrix = build_features(dataset, AS_OF, CONFIG)
    assert matrix.loc["a", "cancel_page_share_30d"] == 0 and np.isnan(matrix.loc["b", "cancel_page_share_30d"])
    assert matrix.loc["b", "events_per_month"] == 0 and np.isnan(matrix.loc["b", "events_30d_vs_usual"])


def test_the_configuration_adds_intent_events_with_their_words():
    config = FeatureConfig(trend_windows=(30,), intent_events={"pricing_page": "the pricing page"})
    dataset = tiny(transactions=[("a", "2024-02-01", 10)],
                   events=[("a", "2024-06-20", "login", "s1"), ("a", "2024-06-20", "pricing_page", "s1"),
                           ("a", "2024-06-21", "Pricing Page", "s2"), ("a", "2024-06-21", "help_center", "s2")])
    matrix = build_features(dataset, AS_OF, config)
    assert matrix.loc["a", "pricing_page_share_30d"] == 0.25 and matrix.loc["a", "help_center_share_30d"] == 0.25
    assert describe(config)["pricing_page_share_30d"] == "share of digital activity in the last 30 days on the " \
                                                         "pricing page"
    assert "pricing_page_share_30d" not in describe(FeatureConfig(trend_windows=(30,)))


@pytest.mark.parametrize("events", [{"help_center": "again"}, {"Pricing Page": "x"}, {"pricing_page": ""}])
def test_intent_events_must_be_new_names_fit_for_columns_with_words(events):
    with pytest.raises(ConfigError, match="intent_events"):
        FeatureConfig(intent_events=events)
