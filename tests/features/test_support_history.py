"""The whole support history (lifetime case paces, difficult and unresolved cases), checked by hand."""

import numpy as np
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features

AS_OF = "2024-07-01"
CONFIG = FeatureConfig(windows=(30, 90), trend_windows=(30, 90))


def test_support_history_by_hand():
    dataset = tiny(
        customers=[("a", "2024-01-03", "basic", 30), ("b", "2024-06-21", "basic", 40), ("c", "2024-01-01", None, 50)],
        transactions=[("a", "2024-02-01", 10), ("b", "2024-06-25", 10), ("c", "2024-02-01", 10)],
        contacts=[
            # a, k1: one smooth contact, resolved, long ago
            ("a", "2024-02-01", "phone", "k1", False, True, 100, 10),
            # a, k2: two contacts, resolved at the second: difficult (more than one contact)
            ("a", "2024-04-20", "chat", "k2", False, False, 100, 10),
            ("a", "2024-04-22", "chat", "k2", False, True, 100, 10),
            # a, k3: one contact, transferred, resolved: difficult
            ("a", "2024-06-10", "phone", "k3", True, True, 100, 10),
            # a, no case_id: a case of its own, left unresolved: difficult
            ("a", "2024-06-25", "email", None, False, False, 100, 10),
            # after the cut-off: invisible
            ("a", "2024-07-01", "phone", "k4", True, False, 100, 10),
            # b: one smooth case whose outcome is unknown (not unresolved)
            ("b", "2024-06-26", "phone", "k1", None, None, 100, 10),
        ],
    )
    matrix = build_features(dataset, AS_OF, CONFIG)
    a, b, c = (matrix.loc[customer] for customer in "abc")
    assert a["cases_per_month"] == pytest.approx(4 / 6)  # 180 days since signup
    assert a["difficult_cases_per_month"] == pytest.approx(3 / 6)
    assert a["difficult_case_share"] == pytest.approx(3 / 4)
    assert (a["difficult_cases_30d"], a["difficult_cases_90d"]) == (2, 3)
    assert (a["unresolved_cases_30d"], a["unresolved_cases_90d"]) == (1, 1)
    assert a["days_since_last_difficult_case"] == 6
    assert b["cases_per_month"] == 1  # ten days of tenure count as a whole month
    assert b["difficult_cases_per_month"] == 0 and b["difficult_case_share"] == 0
    assert b["unresolved_cases_30d"] == 0 and np.isnan(b["days_since_last_difficult_case"])
    assert c["cases_per_month"] == 0 and np.isnan(c["difficult_case_share"])
    assert c["difficult_cases_90d"] == 0 and np.isnan(c["days_since_last_difficult_case"])
