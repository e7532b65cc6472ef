"""Effort features checked by hand."""

import numpy as np
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features


def test_effort_by_hand():
    dataset = tiny(
        transactions=[("a", "2024-01-01", 10)],
        contacts=[
            # a, case k1: three contacts over two channels, one transferred, still unresolved
            ("a", "2024-06-01", "phone", "k1", True, False, 100, 10),
            ("a", "2024-06-03", "email", "k1", False, False, 200, 20),
            ("a", "2024-06-10", "phone", "k1", False, False, 300, 30),
            # a, case k2: solved at the first and only contact
            ("a", "2024-06-20", "chat", "k2", False, True, 50, 0),
            # a: no case_id, so a case of its own, long before the effort window
            ("a", "2024-02-01", "phone", None, False, True, 1000, 5),
            # after the cut-off: k1 gets resolved, invisible as of Jul 1
            ("a", "2024-07-01", "phone", "k1", False, True, 10, 1),
            # b uses the same case_id: a case of b's own
            ("b", "2024-06-25", "phone", "k1", None, True, None, 60),
        ],
    )
    matrix = build_features(dataset, "2024-07-01", FeatureConfig(windows=(7, 30, 90), effort_window=90))
    a, b = matrix.loc["a"], matrix.loc["b"]
    assert (a["contacts_7d"], a["contacts_30d"], a["contacts_90d"]) == (0, 4, 4)
    assert (a["cases_7d"], a["cases_30d"], a["cases_90d"]) == (0, 2, 2)
    assert a["open_cases"] == 1 and a["days_since_last_unresolved_case"] == 21  # k1, last contact Jun 10
    assert a["repeat_contact_rate_90d"] == 0.5  # (2 + 0) repeat contacts / (3 + 1) contacts
    assert a["most_contacts_on_one_case_90d"] == 3
    assert a["channel_switch_rate_90d"] == 0.5
    assert a["first_contact_resolution_rate_90d"] == 0.5
    assert a["transfer_rate_90d"] == 0.25
    assert a["handle_time_mean_90d"] == 162.5
    assert a["handle_time_p90_90d"] == pytest.approx(np.percentile([50, 100, 200, 300], 90))
    assert a["wait_time_mean_90d"] == 15
    assert a["wait_time_p90_90d"] == pytest.approx(np.percentile([0, 10, 20, 30], 90))
    assert a["days_since_last_contact"] == 11
    assert (b["cases_30d"], b["open_cases"], b["most_contacts_on_one_case_90d"]) == (1, 0, 1)
    assert np.isnan(b["days_since_last_unresolved_case"])
    assert b["first_contact_resolution_rate_90d"] == 1 and b["repeat_contact_rate_90d"] == 0
    assert np.isnan(b["transfer_rate_90d"]) and np.isnan(b["handle_time_mean_90d"])


def test_unknown_resolution_is_left_out_of_the_rate():
    dataset = tiny(
        transactions=[("a", "2024-01-01", 10)],
        contacts=[("a", "2024-06-01", "phone", None, False, None, 60, 5),
                  ("a", "2024-06-02", "phone", None, False, True, 60, 5)],
    )
    a = build_features(dataset, "2024-07-01").loc["a"]
    assert a["first_contact_resolution_rate_90d"] == 1 and a["open_cases"] == 0 and a["cases_30d"] == 2
