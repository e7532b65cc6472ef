"""Model-evaluation metrics: ranking, calibration by decile and by frequency, cumulative tracking."""

import numpy as np
import pandas as pd
import pytest

from cxmodels.data.samples import cdnow
from cxmodels.features import value_summary
from cxmodels.metrics.clv_evaluation import (conditional_expectation_by_frequency, cumulative_tracking, decile_mape,
                                             holdout_by_frequency,
                                             decile_table, holdout_scores, normalized_gini, spearman)
from cxmodels.models import BTYDModel


def test_normalized_gini():
    actual = np.array([0, 0, 1, 2, 5, 9.0])
    assert normalized_gini(actual, actual) == pytest.approx(1)
    assert normalized_gini(actual, actual * 3 + 1) == pytest.approx(1)  # only the order counts
    assert normalized_gini(actual, -actual) == pytest.approx(-1)
    assert normalized_gini(actual, np.ones(6)) == pytest.approx(0)  # all tied: no information
    rng = np.random.default_rng(0)
    big = rng.gamma(0.5, 10, 100_000)
    assert abs(normalized_gini(big, rng.random(100_000))) < 0.02
    with pytest.raises(ValueError, match="not all equal"):
        normalized_gini(np.ones(3), np.arange(3.0))


def test_ties_do_not_depend_on_row_order():
    actual, predicted = np.array([1.0, 0, 3, 0, 2]), np.array([1.0, 1, 2, 2, 0])
    order = np.array([3, 1, 4, 0, 2])
    assert normalized_gini(actual, predicted) == pytest.approx(normalized_gini(actual[order], predicted[order]))
    pd.testing.assert_frame_equal(decile_table(actual, predicted, bins=2),
                                  decile_table(actual[order], predicted[order], bins=2))


def test_spearman():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    with pytest.raises(ValueError, match="finite"):
        spearman([1, np.nan], [1, 2])


def test_deciles_and_mape():
    predicted = np.arange(100.0)
    table = decile_table(predicted * 2, predicted)
    assert list(table.index) == list(range(1, 11)) and table.index.name == "decile"
    assert (table["customers"] == 10).all() and table["mean_predicted"].is_monotonic_decreasing
    assert table.loc[1, "mean_predicted"] == pytest.approx(94.5)
    assert decile_mape(predicted * 2, predicted) == pytest.approx(0.5)  # every decile predicts half
    zero_last_decile = np.r_[np.zeros(10), predicted[10:]]
    assert decile_mape(zero_last_decile, predicted) == pytest.approx(0.0)  # left out


def test_holdout_scores():
    scores = holdout_scores([0, 1, 2, 5.0], [0.5, 1, 2, 3.5])
    assert scores["rmse"] == pytest.approx(np.sqrt((0.25 + 2.25) / 4)) and scores["mae"] == pytest.approx(0.5)
    assert scores["spearman"] == pytest.approx(1) and scores["total_ratio"] == pytest.approx(7 / 8)


def test_conditional_expectation_by_frequency():
    table = conditional_expectation_by_frequency([0, 0, 1, 9, 12], [0, 1, 2, 5, 7], [0.5, 0.5, 1, 4, 8],
                                                 max_frequency=7)
    assert list(table.index) == ["0", "1", "7+"] and table.index.name == "frequency"
    assert table.loc["0"].tolist() == [2, 0.5, 0.5] and table.loc["7+"].tolist() == [2, 6, 6]


def test_holdout_by_frequency_totals_and_buckets():
    frequency, actual, predicted = [0, 0, 1, 2, 4, 9], [0, 1, 2, 3, 5, 8], [0.5, 0.5, 1, 2, 4, 10]
    table = holdout_by_frequency(frequency, actual, predicted)
    assert list(table.index) == ["0", "1", "2", "4", "7+"]
    assert table.loc["0"].tolist() == [2, 1, 1, 0.5, 0.5, 1] and table.loc["7+", "ratio"] == 10 / 8
    wide = holdout_by_frequency(frequency, actual, predicted, buckets=(0, 1, 3))
    assert list(wide.index) == ["0", "1-2", "3+"] and wide["customers"].tolist() == [2, 2, 2]
    assert wide.loc["1-2", ["actual_total", "predicted_total"]].tolist() == [5, 3]
    assert wide["actual_total"].sum() == sum(actual) and wide["predicted_total"].sum() == sum(predicted)
    with pytest.raises(ValueError, match="buckets must be increasing"):
        holdout_by_frequency(frequency, actual, predicted, buckets=(1, 3))


def test_cumulative_tracking_on_cdnow():
    transactions = cdnow(sample=True)["transactions"]
    summary = value_summary(transactions, "1997-10-01", time_unit="weeks")
    model = BTYDModel(time_unit="weeks").fit(summary)
    table = cumulative_tracking(transactions, model.new_customer_purchases, "1997-10-01", "1998-07-01")
    assert len(table) == 78 and table["period_end"].iloc[-1] == pd.Timestamp("1998-07-01", tz="UTC")
    assert table.loc[39, "actual"] == summary["frequency"].sum() == 2457  # calibration ends with week 39
    assert table.loc[78, "actual"] == 2457 + 1882  # plus the holdout's repeat purchases
    assert table["actual"].is_monotonic_increasing and table["expected"].is_monotonic_increasing
    assert table.loc[39, "expected"] == pytest.approx(2457, rel=0.03)  # fitted on these weeks
    assert table.loc[78, "expected"] == pytest.approx(4339, rel=0.05)
