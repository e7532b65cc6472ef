"""Labels, snapshot populations and training snapshots, for both churn definitions."""

import pandas as pd
import pytest
from worlds import AS_OF, restricted, tiny, with_future_rows, without

from cxmodels.data.dataset import Dataset
from cxmodels.features import FeatureConfig, build_snapshots, labels, snapshot_population

TRANSACTIONS = [
    ("a", "2024-06-01", 10), ("a", "2024-07-01", 20), ("a", "2024-07-01 15:00", 5), ("a", "2024-07-15", 30),
    ("a", "2024-07-20", -5), ("a", "2024-07-31", 99),  # Jul 31 = as_of + 30 days: outside the window
    ("b", "2024-05-01", 10), ("b", "2024-07-05", -10),  # b only returns something
    ("c", "2024-05-01", -3), ("c", "2024-07-02", 8),  # c never bought before the cut-off
]
EVENTS = [("d", "2024-06-01", "login", "s1")]  # d is known, but never bought


def test_non_contractual():
    dataset = tiny(transactions=TRANSACTIONS, events=EVENTS)
    assert list(snapshot_population(dataset, "2024-07-01")) == ["a", "b"]
    result = labels(dataset, "2024-07-01", 30)
    assert result.index.name == "customer_id"
    assert list(result.columns) == ["churned", "future_purchases", "future_spend"]
    assert result.loc["a"].tolist() == [False, 2, 50]
    assert result.loc["b"].tolist() == [True, 0, -10]
    assert result["churned"].dtype == bool and result["future_purchases"].dtype == "int64"


def test_contractual():
    cancellations = [("a", "2024-07-10"), ("b", "2024-06-01"), ("c", "2024-07-31")]
    dataset = tiny(transactions=TRANSACTIONS, events=EVENTS, cancellations=cancellations)
    assert list(snapshot_population(dataset, "2024-07-01")) == ["a", "c", "d"]  # b left before; c, d are known
    result = labels(dataset, "2024-07-01", 30)
    assert result["churned"].tolist() == [True, False, False]  # c cancels at as_of + 30 days: outside
    assert result.loc["c"].tolist() == [False, 1, 8]


@pytest.mark.parametrize("contractual", [True, False], ids=["contractual", "non-contractual"])
def test_labels_read_only_the_window(world, contractual):
    dataset = world if contractual else without(world, "cancellations")
    as_of, horizon = AS_OF - pd.Timedelta(days=90), 60
    expected = labels(dataset, as_of, horizon)
    end = as_of + pd.Timedelta(days=horizon)
    pd.testing.assert_frame_equal(labels(with_future_rows(dataset, end), as_of, horizon), expected, check_exact=True)
    in_window = Dataset(**{name: frame[frame["timestamp"] >= as_of] if "timestamp" in frame else frame
                           for name, frame in dataset.tables.items()})
    pd.testing.assert_frame_equal(labels(in_window, as_of, horizon, expected.index), expected, check_exact=True)
    part = expected.index[::4]
    pd.testing.assert_frame_equal(labels(restricted(dataset, part), as_of, horizon, part), expected.loc[part])


def test_build_snapshots(world):
    dates = ["2024-03-01", "2024-05-01"]
    config = FeatureConfig(attributes=("plan",))
    snapshots = build_snapshots(world, dates, 30, config)
    assert list(snapshots.columns[:2]) == ["as_of", "customer_id"]
    assert list(snapshots.columns[-3:]) == ["churned", "future_purchases", "future_spend"]
    for date in dates:
        one = snapshots[snapshots["as_of"] == pd.Timestamp(date, tz="UTC")]
        assert list(one["customer_id"]) == list(snapshot_population(world, date))
        assert one["churned"].tolist() == labels(world, date, 30)["churned"].tolist()
    assert str(snapshots["plan"].dtype) == "category" and str(snapshots["nps_category"].dtype) == "category"
    assert str(snapshots["as_of"].dtype) == "datetime64[ns, UTC]"


def test_label_windows_past_the_data_are_refused(world):
    with pytest.raises(ValueError, match="end after the data"):
        build_snapshots(world, ["2024-12-15"], 30)
