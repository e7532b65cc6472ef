"""Reasons in words: values as people write them, and the top contributions per customer."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.features import FeatureConfig
from cxmodels.models.churn.reasons import feature_descriptions, format_value, phrase, top_reasons


@pytest.mark.parametrize("value, description, text", [
    (124.4, "days since the last purchase", "124"),
    (7.14, "days since the last digital activity", "7"),
    (3.0, "the most contacts on one case, cases of the last 90 days", "3"),
    (1234.6, "average wait before a contact in the last 90 days, in seconds", "1,235"),
    (0.4, "share of contacts in the last 90 days that were transferred", "40%"),
    (-0.5, "purchases in the last 30 days against the 30 days before (-1 stopped, 0 steady, +1 new)", "-0.50"),
    (1.35, "days since the last purchase relative to the usual days between purchases", "1"),
    (1.35, "average ease of dealing with us (CES, 1-7, 7 = very easy)", "1.35"),
    (2.5, "average satisfaction (CSAT, 1-5)", "2.5"),
    ("detractor", "promoter (9-10), passive (7-8) or detractor (0-6) by the latest NPS answer", "detractor"),
    (np.nan, "the customer's latest NPS answer (0-10)", "none on record"),
    (None, "the customer's plan", "none on record"),
])
def test_values_as_people_write_them(value, description, text):
    assert format_value(value, description) == text


def test_a_reason_reads_as_a_sentence():
    assert phrase("days since the last purchase", 124.0, 0.8) == "Days since the last purchase: 124 (raises risk)"
    assert phrase("share of contacts in the last 90 days that were transferred", 0.0, -0.1) == \
        "Share of contacts in the last 90 days that were transferred: 0% (lowers risk)"


def test_descriptions_come_from_the_registry_under_the_config():
    descriptions = feature_descriptions(["purchases_60d", "plan", "loyalty_tier"],
                                        FeatureConfig(windows=(60,), attributes=("plan",)))
    assert descriptions == {"purchases_60d": "purchases in the last 60 days", "plan": "the customer's plan",
                            "loyalty_tier": "loyalty tier"}


def test_top_reasons_by_absolute_contribution():
    values = pd.DataFrame({"a": [1.0, 2.0], "b": [10.0, 20.0], "c": ["x", None]}, index=["u", "v"], dtype=object)
    contributions = np.array([[0.1, -0.5, 0.3], [0.0, 0.0, 0.2]])
    reasons = top_reasons(contributions, values, {"a": "alpha", "b": "beta", "c": "gamma"}, top=2)
    assert reasons.loc["u", "reason_1"] == "Beta: 10 (lowers risk)"
    assert reasons.loc["u", "reason_2"] == "Gamma: x (raises risk)"
    assert reasons.loc["u", ["feature_1", "feature_2"]].tolist() == ["b", "c"]
    assert reasons.loc["u", "contribution_1"] == -0.5
    assert reasons.loc["v", "reason_1"] == "Gamma: none on record (raises risk)"
    assert pd.isna(reasons.loc["v", "reason_2"]) and pd.isna(reasons.loc["v", "contribution_2"])  # nothing moved it
    assert list(top_reasons(contributions, values, dict.fromkeys("abc", "x"), top=5).columns)[:3] == \
        ["reason_1", "reason_2", "reason_3"]  # no more reasons than features
    with pytest.raises(ValueError, match="top"):
        top_reasons(contributions, values, {}, top=0)
