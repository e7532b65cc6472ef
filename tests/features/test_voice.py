"""Voice features checked by hand."""

import numpy as np
import pandas as pd
import pytest
from worlds import tiny

from cxmodels.features import build_features


def test_voice_by_hand():
    dataset = tiny(
        transactions=[("a", "2024-01-01", 10)],
        surveys=[
            ("a", "2024-01-01", "nps", 9), ("a", "2024-05-01", "nps", 5), ("a", "2024-02-01", "csat", 4),
            ("a", "2024-03-01", "csat", 5), ("a", "2024-06-29", "ces", 6), ("a", "2024-07-01", "nps", 10),
            ("b", "2024-03-01", "nps", 8), ("c", "2024-03-01", "csat", 1),
        ],
    )
    matrix = build_features(dataset, "2024-07-01")
    a, b, c = (matrix.loc[x] for x in "abc")
    assert (a["nps_latest"], a["nps_category"], a["nps_change"]) == (5, "detractor", -4)
    assert (a["csat_mean"], a["ces_mean"], a["survey_answers"], a["days_since_last_survey"]) == (4.5, 6, 5, 2)
    assert (b["nps_latest"], b["nps_category"]) == (8, "passive") and np.isnan(b["nps_change"])
    assert np.isnan(c["nps_latest"]) and pd.isna(c["nps_category"])
    assert list(matrix["nps_category"].cat.categories) == ["detractor", "passive", "promoter"]


@pytest.mark.parametrize(("score", "category"), [(0, "detractor"), (6, "detractor"), (7, "passive"),
                                                 (8, "passive"), (9, "promoter"), (10, "promoter")])
def test_nps_categories(score, category):
    dataset = tiny(transactions=[("a", "2024-01-01", 10)], surveys=[("a", "2024-03-01", "nps", score)])
    assert build_features(dataset, "2024-07-01").loc["a", "nps_category"] == category
