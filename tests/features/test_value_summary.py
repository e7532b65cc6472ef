"""The value summary against lifetimes on CDNOW, and by hand."""

import numpy as np
import pandas as pd
import pytest
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data
from worlds import tiny

from cxmodels.data.samples import cdnow
from cxmodels.errors import ConfigError
from cxmodels.features import FeatureConfig, build_features, calibration_and_holdout, value_summary

AS_OF = "1997-10-01"


@pytest.fixture(scope="module", params=[True, False], ids=["sample", "master"])
def transactions(request):
    return cdnow(sample=request.param)["transactions"]


@pytest.mark.parametrize(("freq", "multiplier", "period", "unit"),
                         [("D", 1, "D", "days"), ("D", 7, "D", "weeks"), ("W", 1, "W", "weeks")])
def test_equals_lifetimes_on_cdnow(transactions, freq, multiplier, period, unit):
    naive = transactions.assign(timestamp=transactions["timestamp"].dt.tz_localize(None))
    if freq == "W":  # lifetimes keeps every row of the last week, even after observation_period_end: not we
        naive = naive[naive["timestamp"] < pd.Timestamp(AS_OF)]
    expected = summary_data_from_transaction_data(
        naive, "customer_id", "timestamp", "amount", observation_period_end="1997-09-30", freq=freq,
        freq_multiplier=multiplier,
    ).sort_index()
    ours = value_summary(transactions, AS_OF, period=period, time_unit=unit)
    assert list(ours.index) == list(expected.index) and ours.index.name == "customer_id"
    pd.testing.assert_frame_equal(ours, expected, check_names=False, check_index_type=False, rtol=1e-9)


def test_by_hand():
    dataset = tiny(transactions=[
        ("a", "2024-01-01", 10), ("a", "2024-03-01 09:00", 5), ("a", "2024-03-01 18:00", 15), ("a", "2024-05-01", 0),
        ("a", "2024-06-15", 30), ("a", "2024-06-20", -8), ("a", "2024-07-01", 99),
        ("b", "2024-06-30 23:00", 7), ("c", "2024-06-01", -4),
    ])
    summary = value_summary(dataset.transactions, "2024-07-01")
    assert list(summary.index) == ["a", "b"]  # c only had a refund
    # repeat periods 03-01 (20), 05-01 (0) and 06-15 (30); the refund of 8 matches no order: it reduces the spend
    assert summary.loc["a"].tolist() == pytest.approx([3, 166, 181, (50 - 8) / 3])
    assert summary.loc["b"].tolist() == [0, 0, 0, 0]
    weeks = value_summary(dataset.transactions, "2024-07-01", time_unit="weeks")
    assert weeks.loc["a", "T"] == pytest.approx(181 / 7)
    matrix = build_features(dataset, "2024-07-01", FeatureConfig(time_unit="weeks"))
    pd.testing.assert_frame_equal(matrix.loc[["a", "b"], list(weeks.columns)], weeks, check_names=False)
    assert matrix.loc["c", list(weeks.columns)].isna().all()


def test_weekly_periods_start_on_monday():
    dataset = tiny(transactions=[("a", "2024-06-02", 10), ("a", "2024-06-03", 20), ("a", "2024-06-09", 30)])
    summary = value_summary(dataset.transactions, "2024-06-17", period="W", time_unit="weeks")  # Sun, Mon, Sun
    assert summary.loc["a"].tolist() == [1, 1, 2, 50]


@pytest.mark.parametrize(("multiplier", "unit"), [(1, "days"), (7, "weeks")])
def test_calibration_and_holdout_equals_lifetimes_on_cdnow(transactions, multiplier, unit):
    naive = transactions.assign(timestamp=transactions["timestamp"].dt.tz_localize(None))
    expected = calibration_and_holdout_data(
        naive, "customer_id", "timestamp", calibration_period_end="1997-09-30", observation_period_end="1998-06-30",
        freq="D", freq_multiplier=multiplier, monetary_value_col="amount").sort_index()
    expected.columns = [name.removesuffix("_cal") for name in expected.columns]
    ours = calibration_and_holdout(transactions, AS_OF, "1998-07-01", time_unit=unit)
    assert list(ours.index) == list(expected.index.astype(str))
    same = [name for name in ours.columns if name != "monetary_value_holdout"]
    pd.testing.assert_frame_equal(ours[same].reset_index(drop=True), expected[same].reset_index(drop=True),
                                  check_dtype=False)
    # lifetimes' monetary_value_holdout is the mean per transaction row; ours per purchase day, like monetary_value
    holdout = transactions[transactions["timestamp"].between(pd.Timestamp(AS_OF, tz="UTC"), pd.Timestamp(
        "1998-07-01", tz="UTC"), inclusive="left")]
    spend = holdout.groupby("customer_id")["amount"].sum().reindex(ours.index, fill_value=0.0)
    np.testing.assert_allclose(ours["monetary_value_holdout"] * ours["frequency_holdout"], spend, atol=1e-9)
    with pytest.raises(ConfigError, match="observation_end .* must be after calibration_end"):
        calibration_and_holdout(transactions, AS_OF, AS_OF)
